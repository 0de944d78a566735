// Internal to the kernel target: child sockets, from the completed handshake until the application
// closes them: in the accept queue before accept() (A8, D) and served after it.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/ChildSocket.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/core/Tcp.h"

#include <cstdint>

namespace backlog {

struct Kernel;

struct ChildSock {
    FlowId flow = 0;
    int listener = 0;
    TcpState state = TcpState::Established;
    bool queued = false; // in the accept queue
    std::uint32_t stay = 0;
    int worker = -1;
    std::uint32_t gen = 0;
};

// tcp_create_openreq_child() + inet_csk_reqsk_queue_add(): the child joins listener l's accept queue.
std::uint32_t createChild(Kernel& k, FlowId flow, int l);
void setChildState(Kernel& k, std::uint32_t c, TcpState st);
// tcp_rcv_established() and the close states: a segment for a child (D1-D4).
void childSegment(Kernel& k, std::uint32_t packet, const Packet& p, std::uint32_t c);
// The application's close(): the response and a FIN.
void closeChild(Kernel& k, std::uint32_t c);

} // namespace backlog
