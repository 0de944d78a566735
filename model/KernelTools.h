// Text exactly as the real tools print it: `ss -lnt`, `ss -tan` (iproute2) and `nstat -az`.
// Pure formatting of snapshots the History hands out; used by the report and by the views' panel.
#pragma once

#include "Counters.h"
#include "Tcp.h"

#include <cstdint>
#include <string>
#include <vector>

namespace backlog {

struct SsSocket {
    TcpState state = TcpState::Listen;
    std::int64_t recvQ = 0; // LISTEN: accept-queue length (Q3); others: unread bytes
    std::int64_t sendQ = 0; // LISTEN: effective backlog (Q3); others: unacknowledged bytes
    std::string local;      // "0.0.0.0:80", "10.0.0.1:80"
    std::string peer;       // "0.0.0.0:*", "10.1.0.7:40002"
};

// `ss -lnt`: the header and one line per LISTEN socket, columns aligned as ss aligns them.
std::string formatSsListening(const std::vector<SsSocket>& sockets);
// `ss -tan`: every TCP socket (listeners, request sockets in SYN-RECV, children, TIME-WAIT …).
std::string formatSsAll(const std::vector<SsSocket>& sockets);
// `nstat -az`: "#kernel" and every counter, zeros included, in the kernel's /proc order.
std::string formatNstat(const CounterValues& values);

} // namespace backlog
