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
};

} // namespace backlog::lab

namespace backlog::lab {

// The measurement as text, one record a line ("seg 1021000 3221225986 …"), first line
// "backlog-lab-measurement 1": how the experiment's child process hands it to the parent, and what a
// saved measured run holds. parseMeasurement() refuses anything else, naming the line.
std::string serialiseMeasurement(const Measurement& m);
LabResult<Measurement> parseMeasurement(std::string_view text);

} // namespace backlog::lab
