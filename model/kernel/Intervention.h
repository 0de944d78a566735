// Internal to the kernel target: a change the lesson makes while the run goes (a setting, a listener
// closed, held traffic started).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Intervention.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include <cstddef>

namespace backlog {

struct Kernel;

void intervene(Kernel& k, std::size_t index);

} // namespace backlog
