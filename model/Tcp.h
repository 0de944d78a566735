// TCP states, named as ss prints them.
#pragma once

#include <cstdint>
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

} // namespace backlog
