// TCP states, named as ss prints them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace backlog {

enum class TcpState : std::uint8_t {
    Closed,
    Listen,
    SynSent,
    SynRecv,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    LastAck,
    Closing,
    TimeWait,
};

// "ESTAB", "SYN-SENT", "SYN-RECV", "TIME-WAIT", "CLOSE-WAIT", "UNCONN" for Closed … (ss's sstate_name).
std::string_view ssStateName(TcpState s);

// A socket as the kernel's sock_diag reports it, and ss prints it: what Simulation::ssListening and
// ssAll answer, and what model/tools formats.
struct SsSocket {
    TcpState state = TcpState::Listen;
    std::int64_t recvQ = 0; // LISTEN: accept-queue length (Q3); others: unread bytes
    std::int64_t sendQ = 0; // LISTEN: effective backlog (Q3); others: unacknowledged bytes
    std::string local;      // "0.0.0.0:80", "10.0.0.1:80"
    std::string peer;       // "0.0.0.0:*", "10.1.0.7:40002"
};

} // namespace backlog
