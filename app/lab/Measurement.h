// What the lab measures while a scenario's experiment runs on the real kernel (issue 14): the raw
// records, before they are assembled into the model's History (so that the same report and the same
// views show them). Every time is nanoseconds since the experiment's epoch on CLOCK_MONOTONIC; the
// capture's timestamps (CLOCK_REALTIME, as AF_PACKET stamps them) are converted with LabClock.
// Plain data: the experiment's child process serialises it back to the parent, and a saved measured run
// is this record, so it can be opened again on any system.
#pragma once

#include "app/lab/LabResult.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace backlog::lab {

// The experiment's epoch on both clocks, taken together at its start.
struct LabClock {
    std::int64_t monotonicEpoch = 0; // CLOCK_MONOTONIC ns
    std::int64_t realtimeEpoch = 0;  // CLOCK_REALTIME ns, read right after
    static LabClock now();
    std::int64_t sinceEpoch() const; // CLOCK_MONOTONIC now, minus the epoch
    std::int64_t fromRealtime(std::int64_t realtimeNs) const { return realtimeNs - realtimeEpoch; }
    std::int64_t toMonotonic(std::int64_t sinceEpochNs) const { return monotonicEpoch + sinceEpochNs; }
};

// TCP flags as in the header's byte 13.
enum TcpFlag : std::uint8_t { kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10 };

// One IPv4 TCP segment seen on the namespace's interfaces (AF_PACKET), once, as it was sent.
struct TcpSegment {
    std::int64_t at = 0;
    std::uint32_t source = 0, destination = 0; // IPv4, host order
    std::uint16_t sourcePort = 0, destinationPort = 0;
    std::uint8_t flags = 0;
    std::uint32_t seq = 0, ack = 0;
    std::uint32_t payload = 0; // bytes of data
};

// One accept() that returned a connection: when, by which worker, and whose it was (getpeername).
struct AcceptRecord {
    std::int64_t at = 0;
    int worker = 0;
    int listener = 0;
    std::uint32_t peerAddress = 0; // host order
    std::uint16_t peerPort = 0;
};

// One return of a worker's epoll_wait() that reported the listener readable (a wake-up that reached user
// space, P2/P3/M20), and whether the accept() that followed got EAGAIN. Wake-ups that the kernel ended
// inside epoll_wait() (the loop re-checked and slept again, M20) cannot be seen from user space.
struct WakeupRecord {
    std::int64_t at = 0;
    int worker = 0;
    bool eagain = false;
};

// One client connect() as the client saw it. Times are -1 when it did not happen.
struct ClientMeasurement {
    int traffic = 0;               // the scenario's traffic entry
    std::uint32_t address = 0;     // local address, host order
    std::uint16_t port = 0;        // local port
    std::int64_t connectAt = -1;   // connect() called
    std::int64_t connectedAt = -1; // the socket became writable without error (SYN-ACK received)
    std::int64_t respondedAt = -1; // the response, or EOF, arrived
    std::int64_t errorAt = -1;
    std::string error;          // "ETIMEDOUT", "ECONNRESET", "ECONNREFUSED" …, empty for none
    std::int64_t closedAt = -1; // the client closed its socket
};

// The listeners' queues read through sock_diag at one moment (ss -lnt; Recv-Q and Send-Q, M1), and the
// request sockets in SYN-RECV on each listener's port (ss -nt state syn-recv).
struct QueueSample {
    std::int64_t at = 0;
    int listener = 0;
    std::uint32_t acceptQueue = 0; // Recv-Q
    std::uint32_t backlog = 0;     // Send-Q
    std::uint32_t synRecv = 0;
};

// The namespace's SNMP counters (nstat names) at one moment.
struct CounterSample {
    std::int64_t at = 0;
    std::map<std::string, std::int64_t> values;
};

struct Measurement {
    std::string kernelRelease;       // uname -r
    std::string privilege;           // "root" or "user namespace"
    std::int64_t duration = 0;       // how long the experiment ran
    std::uint32_t serverAddress = 0; // host order
    std::uint16_t serverPort = 0;
    std::vector<std::string> warnings; // what the kernel run could not reproduce, in words
    std::vector<TcpSegment> segments;
    std::uint64_t captureDrops = 0; // frames the capture lost (PACKET_STATISTICS): the ladder has gaps
    std::vector<AcceptRecord> accepts;
    std::vector<WakeupRecord> wakeups;
    std::vector<ClientMeasurement> clients;
    std::vector<QueueSample> queues;
    std::vector<CounterSample> counters; // the first is taken before any traffic
    int workers = 0;
    // The indices of the scenario's network.faults that a socket filter reproduced (LabFaults.h): the
    // segments they dropped are still captured (the capture sees them leave) and are marked lost.
    std::vector<int> faultsReproduced;
};

} // namespace backlog::lab

namespace backlog::lab {

// The measurement as JSON (UTF-8, RFC 8259): how the experiment's child process hands it to the parent
// through a pipe, and what a saved measured run holds (SavedRun.h). One object, its keys in this order:
//
//   {"format":"backlog-lab-measurement","version":2,
//    "kernel_release":"6.18.44","privilege":"as root","duration_ns":320041348,
//    "server_address":"192.0.2.1","server_port":80,
//    "warnings":["network.rtt 100ms is not reproduced"],
//    "capture_drops":0,"workers":2,"faults_reproduced":[0],
//    "accepts":[{"at_ns":2000000,"worker":0,"listener":0,"peer_address":"192.0.2.10","peer_port":56438}],
//    "wakeups":[{"at_ns":1990000,"worker":0,"eagain":false}],
//    "clients":[{"traffic":0,"address":"192.0.2.10","port":56438,"connect_ns":1000000,
//                "connected_ns":1020000,"responded_ns":3000000,"error_ns":null,"error":null,
//                "closed_ns":3000000}],
//    "queues":[[AT_NS, LISTENER, ACCEPT_QUEUE, BACKLOG, SYN_RECV]],
//    "counters":[{"at_ns":0,"values":{"TcpActiveOpens":10,"TcpExtListenOverflows":5}}],
//    "segments":[[AT_NS, SOURCE, DESTINATION, SOURCE_PORT, DESTINATION_PORT, FLAGS, SEQ, ACK, PAYLOAD]]}
//
// Times are integer nanoseconds since the experiment's epoch; a client's time that did not happen (-1
// here) is null, as its error is when it had none. Addresses are dotted IPv4 text, except in the records
// that are many (a flood's segments, the queue samples), which are arrays of integers to stay compact: a
// segment's addresses are 32-bit numbers in host order, its flags the TCP header's byte 13. Each record
// is written on a line of its own. "faults_reproduced" is left out when empty (and read as empty when
// absent). parseMeasurement() refuses another format or version, a missing or
// unknown key, a value of the wrong type or out of range, naming where ("segments[12]: expected 9
// numbers …"); it never throws. serialiseMeasurement() refuses a string that is not UTF-8 (JSON cannot
// hold it), naming the field, and never throws either.
LabResult<std::string> serialiseMeasurement(const Measurement& m);
LabResult<Measurement> parseMeasurement(std::string_view text);

} // namespace backlog::lab
