// A scenario's experiment on the real kernel (issue 14, "Run a scenario on the real kernel"): in a
// network namespace of its own (Namespace.h), with the scenario's sysctls set there only, a real
// listener or SO_REUSEPORT group with real workers (LabServer), real clients on the namespace's loopback
// (LabClients), spoofed floods from raw sockets into a black hole (SynSender, LabNetwork), a capture of
// every segment (Capture), and the queues and counters sampled as it goes. Bounded: the plan's limits
// (LabPlan.h) and its end in real time, after which everything is stopped; the child process that runs it
// dies with its parent, and is killed and reaped if it overruns.
#pragma once

#include "app/lab/LabPlan.h"
#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"

namespace backlog::lab {

// How often the listeners' queues (sock_diag) and the namespace's counters are read while it runs.
inline constexpr Time kQueueSampleEvery = Time::ms(10);
inline constexpr Time kCounterSampleEvery = Time::ms(10);
// How far ahead of the set-up the experiment's time 0 is placed (the capture's ring alone takes ~12 ms).
inline constexpr Time kSetUpLead = Time::ms(100);

// Runs the plan in a fresh network namespace and returns what was measured. Unavailable (not root, no
// namespaces) and every failure are errors in words; the host's sysctls and sockets are never touched.
LabResult<Measurement> runExperiment(const LabPlan& plan);

// The same, in the calling thread's own namespace, which must be one the caller made: what the child
// process of runExperiment() runs, and what a test that entered a fresh namespace may call directly.
LabResult<Measurement> runExperimentHere(const LabPlan& plan);

// uname -r.
std::string kernelRelease();

} // namespace backlog::lab
