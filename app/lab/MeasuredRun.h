// A measurement of the real kernel (Measurement.h) made into a run of the model's shape: a History and a
// Simulation marked as measured (RunSource), so that `backlog lab` prints the report `backlog simulate`
// prints, with the same keys, and the window shows the kernel's run in the same views (issue 14).
//
// What comes from where:
//  - clients: each connect() as the client saw it (ClientMeasurement), its SYN times from the capture;
//  - packets: every captured segment of the server's port, once, as it left (the loopback delivers within
//    microseconds: it is drawn arriving kLoopbackFlight later);
//  - the SYN queue: a request from its first SYN-ACK to the ACK that completed it (the last client ACK
//    with no SYN-ACK retransmission after it: a retransmission means that ACK met a full accept queue,
//    KERNEL.md A7a), or to its expiry after the last SYN-ACK (T1's doubling timer);
//  - the accept queue: from that completion to the accept() that returned the connection (AcceptRecord);
//  - the listeners' lengths: the sweep of those stays; the sampled Recv-Q (sock_diag) is kept beside them
//    to check the inference (QueueSample);
//  - counters: the namespace's own /proc counters at each sample. The clients and the server share the
//    namespace, so its counters count both sides; the client's share (TcpActiveOpens, TcpAttemptFails,
//    its SYN retransmissions) is shown as the clients' host and the rest as the server's, and
//    TcpExtTCPSynRetrans is split by the capture (SYNs to the clients, SYN-ACKs to the server);
//  - workers: accepts and user-space wake-ups (WakeupRecord); a loop that slept again inside the kernel
//    is invisible from user space, so `futile` counts only the EAGAINs.
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"
#include "model/kernel/Simulation.h"

#include <memory>

namespace backlog::lab {

// How long a captured segment is drawn in flight on the namespace's loopback.
inline constexpr Time kLoopbackFlight = Time::us(5);

// The scenario the experiment ran, and what it measured. Errors name what does not fit (a record of a
// worker or listener the scenario does not have).
LabResult<std::unique_ptr<Simulation>> measuredRun(const Scenario& scenario, const Measurement& m);

} // namespace backlog::lab
