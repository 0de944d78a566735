// Internal to the kernel target: the attacker: a flood of spoofed SYNs at a fixed rate (M19).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/SynFlood.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/scenario/Scenario.h"

#include <cstdint>

namespace backlog {

struct Kernel;

// Traffic entry t's next spoofed SYN.
void floodNext(Kernel& k, std::uint32_t t);
// The settings were `before`: a flood whose rate changed goes on at the new rate from now.
void floodRatesChanged(Kernel& k, const Scenario& before);

} // namespace backlog
