// For the lab's tests: the TCP sockets of the current network namespace as /proc/net/tcp lists them,
// request sockets (SYN-RECV) included, and how many there are of one state on one local port. The lab
// has no reader of its own for these yet; the tests need only the state and the ports.
#pragma once

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace backlog::lab::test {

// States as /proc/net/tcp numbers them (include/net/tcp_states.h).
enum TcpState : int { SynRecv = 3, TimeWait = 6, Listen = 10 };

struct TcpEntry {
    std::uint16_t localPort = 0;
    std::uint16_t remotePort = 0;
    int state = 0;
};

// "0100007F:1F90" → 0x1F90.
inline std::uint16_t portOf(const std::string& endpoint) {
    const auto colon = endpoint.find(':');
    return colon == std::string::npos
               ? 0
               : static_cast<std::uint16_t>(std::stoul(endpoint.substr(colon + 1), nullptr, 16));
}

inline std::vector<TcpEntry> readProcNetTcp() {
    std::vector<TcpEntry> entries;
    std::ifstream file("/proc/net/tcp");
    std::string line;
    std::getline(file, line); // the header
    while (std::getline(file, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        if (!(fields >> slot >> local >> remote >> state)) continue;
        entries.push_back({portOf(local), portOf(remote), std::stoi(state, nullptr, 16)});
    }
    return entries;
}

inline int countOnPort(std::uint16_t localPort, int state) {
    int n = 0;
    for (const TcpEntry& e : readProcNetTcp())
        if (e.localPort == localPort && e.state == state) ++n;
    return n;
}

} // namespace backlog::lab::test
