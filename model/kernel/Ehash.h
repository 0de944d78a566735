// Internal to the kernel target: the established hash (ehash), where every segment is looked up first:
// request sockets and children by flow (section S, lookup), then the listener (R1).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Ehash.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"

#include <cstdint>

namespace backlog {

struct Kernel;

// The server's socket for a flow: its ehash entry.
struct ServerRef {
    enum class Type : std::uint8_t { None, Request, Child } type = Type::None;
    std::uint32_t index = 0;
};

ServerRef serverRef(const Kernel& k, FlowId flow);
void setServerRef(Kernel& k, FlowId flow, ServerRef ref);
// tcp_v4_rcv() on the server: the ehash, then the listener.
void serverReceives(Kernel& k, std::uint32_t packet, const Packet& p);

} // namespace backlog
