// Internal to the kernel target: the SO_REUSEPORT group: which listener a flow's SYN reaches (R1-R3),
// joining and leaving (R4), and where a closed listener's connections go (R6).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/ReuseportGroup.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"

namespace backlog {

struct Kernel;

// __reuseport_add_sock(): listener l joins the group.
void reuseportAdd(Kernel& k, int l);
// __reuseport_detach_sock(): listener l leaves the group.
void reuseportDetach(Kernel& k, int l);
// The listener a segment of `flow` reaches; -1: no listener.
int selectListener(const Kernel& k, FlowId flow);
// reuseport_migrate_sock(): the listener a closed listener's connection moves to; -1: none.
int reuseportMigrateTarget(const Kernel& k, FlowId flow);

} // namespace backlog
