#include "model/core/Tcp.h"

namespace backlog {

// iproute2 misc/ss.c sock_state_print(), sstate_name[]. ss calls TCP_CLOSE "UNCONN" (the same table serves
// UDP and raw sockets) and the out-of-range slot 0 "UNKNOWN".
std::string_view ssStateName(TcpState s) {
    switch (s) {
    case TcpState::Closed:
        return "UNCONN";
    case TcpState::Listen:
        return "LISTEN";
    case TcpState::SynSent:
        return "SYN-SENT";
    case TcpState::SynRecv:
        return "SYN-RECV";
    case TcpState::Established:
        return "ESTAB";
    case TcpState::FinWait1:
        return "FIN-WAIT-1";
    case TcpState::FinWait2:
        return "FIN-WAIT-2";
    case TcpState::CloseWait:
        return "CLOSE-WAIT";
    case TcpState::LastAck:
        return "LAST-ACK";
    case TcpState::Closing:
        return "CLOSING";
    case TcpState::TimeWait:
        return "TIME-WAIT";
    }
    return "UNKNOWN";
}

} // namespace backlog
