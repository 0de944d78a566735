// Internal to the kernel target: the network path between the hosts: delay, jitter, loss and the
// lesson's faults.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Network.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"

#include <cstdint>

namespace backlog {

struct Kernel;

// A segment leaves a host now; `listener` is the server's listener for a segment from the server.
void send(Kernel& k, FlowId flow, PacketKind kind, bool toServer, bool cookie = false, int retrans = 0,
          int listener = 0);
// The server sends an RST for this flow.
void resetFlow(Kernel& k, FlowId flow, int listener);
// A packet reaches its destination host.
void arrive(Kernel& k, std::uint32_t packet);

} // namespace backlog
