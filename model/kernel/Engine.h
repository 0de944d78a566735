// Internal to the kernel target: the engine that takes one event at a time and hands it to the rule it
// concerns (the concept files: ListenSocket, RequestSock, SynCookies, ChildSocket, ClientSocket,
// Workers, ReuseportGroup, Network). Simulation.h is the API.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Engine.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/kernel/Kernel.h"

#include <cstddef>
#include <vector>

namespace backlog {

// One step of the model: dispatches one event. Holds references only.
class Engine {
  public:
    Engine(SimState& s, History& h, std::vector<KernelLogLine>& log) : k_(s, h, log) {}

    void start(); // schedules the scenario's traffic, workers and interventions
    void process(const Event& e);
    void pushIntervention(std::size_t index);
    void flushCounters() { k_.flushCounters(); }

  private:
    Kernel k_;
};

} // namespace backlog
