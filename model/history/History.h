// The recorded run (DESIGN.md "the picture is a function of (history, time)").
// The simulation appends to it in time order; views read "what is true at t" from it in O(log n),
// backwards as fast as forwards. Nothing here simulates.
#pragma once

#include "model/core/Counters.h"
#include "model/core/Packet.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace backlog {

enum class Host : std::uint8_t { Server, Clients };

// The size of a client's request (a small HTTP GET, as ab sends): what an unaccepted child holds (D1).
inline constexpr std::int64_t kRequestBytes = 80;
enum class QueueKind : std::uint8_t { Syn, Accept };

// Why an entry left a queue.
enum class LeaveReason : std::uint8_t {
    Still,     // has not left (yet)
    Completed, // SYN queue → accept queue (A8)
    Accepted,  // accept() took it (P1)
    Expired,   // SYN-ACK retries exhausted (T1), possibly shortened by pruning
    Reset,     // embryonic reset (A4, A7b) or listener closed without migration (R6)
    Migrated,  // moved to another listener (R6)
};

// What a worker is doing (P1-P3, M20). SleptAgain and GotEagain are the two kinds of futile wake-up; a
// worker keeps showing one until it next changes, so a paused picture says how its last wake-up ended.
enum class WorkerState : std::uint8_t {
    NotStarted, // the application has not called accept() yet
    BlockedInAccept,
    InEpollWait,
    Woken,      // a wake-up reached it; it is runnable and has not run yet
    Serving,    // accept() returned a connection: handling it
    SleptAgain, // waiting again: woken, re-checked the queue inside the kernel, found it empty (M20)
    GotEagain,  // woken, returned to user space, accept() said EAGAIN; then back to waiting (M20)
    Stopped,    // its listener was closed, or the application stopped it
};
inline constexpr std::size_t kWorkerStateCount = 8;

// What connect(), recv() or send() returned (printed as the errno name: ETIMEDOUT …).
enum class ClientError : std::uint8_t { None, TimedOut, ConnectionReset, ConnectionRefused };

std::string_view leaveReasonName(LeaveReason r);
std::string_view workerStateName(WorkerState s);
std::string_view clientErrorName(ClientError e); // "ETIMEDOUT" …, "" for None

struct QueueEntry {
    FlowId flow;
    Time entered;
    Time left; // Time::never() while still queued
    LeaveReason reason;
};

struct ClientRecord {
    std::uint32_t traffic = 0; // index of the traffic entry
    std::uint32_t address = 0; // IPv4, host order
    std::uint16_t port = 0;
    Time connectAt = Time::never();
    Time connectedAt = Time::never(); // connect() returned success (SYN-ACK received)
    Time acceptedAt = Time::never();  // a worker's accept() returned this connection
    Time respondedAt = Time::never(); // the response (or EOF) reached the client
    Time errorAt = Time::never();
    Time dataQueuedAt = Time::never(); // the request reached the server's child socket (D1)
    std::int32_t worker = -1;          // the worker whose accept() returned it (with acceptedAt)
    ClientError error = ClientError::None;
    std::vector<Time> synTimes;                          // when each SYN left
    std::vector<std::pair<Time, TcpState>> states;       // the client's socket
    std::vector<std::pair<Time, TcpState>> serverStates; // the server's socket for this connection
};

struct WorkerRecord {
    int listener = 0;
    struct Change {
        Time at;
        WorkerState state;
        FlowId flow;
    };
    std::vector<Change> changes;
    // Every wake-up this worker got (P2, P3, M20), at the moment its outcome was known: it accept()ed a
    // connection, or it was futile. Futile ones are also in `futile`, and those that reached user space
    // and got EAGAIN in `eagain` too; `accepts` holds every accept() that returned a connection (with or
    // without a wake-up before it). All in time order.
    std::vector<Time> wakeups, futile, eagain, accepts;
};

// A worker's counts up to a moment (History::workerCountsUntil).
struct WorkerCounts {
    std::int64_t accepted = 0;
    std::int64_t wakeups = 0;
    std::int64_t futile = 0; // = wake-ups − wake-ups that accepted a connection
    std::int64_t eagain = 0; // futile wake-ups that returned to user space
};

struct QueueLengths {
    std::int64_t accept = 0; // sk_ack_backlog (Recv-Q)
    std::int64_t syn = 0;    // qlen: request sockets in SYN-RECV
};

struct ListenerRecord {
    std::uint16_t port = 80;
    struct Change {
        Time at;
        std::int32_t accept;
        std::int32_t syn;
        std::int64_t maxBacklog;
        bool open;
    };
    std::vector<Change> changes; // one per change of either length, of the backlog, or of open
};

// Stays in one queue of one listener, in order of entry, with a stabbing index that the writers keep
// current: enter(), leave() and truncate() update it, so every const member only reads, and one track
// may be read from many threads at once (the export paints frames in parallel) while nobody writes.
class StayTrack {
  public:
    std::uint32_t enter(FlowId flow, Time at);                // amortised O(1)
    void leave(std::uint32_t stay, Time at, LeaveReason why); // O(log n) at worst, O(1) mostly
    std::size_t size() const { return flow_.size(); }
    QueueEntry entry(std::uint32_t stay) const;
    // Entries present at t (entered ≤ t < left), in order of entry: O(log n + k log n).
    std::vector<std::uint32_t> at(Time t) const;
    void truncate(Time t); // forget everything that happened at or after t: O(n)
    std::size_t bytes() const;

  private:
    static constexpr std::size_t kStaysPerLeaf = 8;
    inline Time leafMax(std::size_t leaf) const;
    void reindex(std::size_t leaves);
    void collect(std::size_t node, std::size_t lo, std::size_t hi, std::size_t limit, Time t,
                 std::vector<std::uint32_t>& out) const;
    std::vector<Time> enter_, left_;
    std::vector<FlowId> flow_;
    std::vector<LeaveReason> reason_;
    // Segment tree over runs of kStaysPerLeaf stays: the latest `left` below each node. Node 1 is the
    // root and leaf i (stays 8i … 8i + 7) is node leaves + i, for a power of two `leaves` with room for
    // every stay; a leaf with no stay holds a time before any t. Empty until the first enter().
    std::vector<Time> maxLeft_;
};

// Counter changes, chunked: a full snapshot per chunk and 8 bytes per change inside it.
class CounterLog {
  public:
    CounterLog();
    void drop(Time t, Counter gauge); // a gauge (TcpCurrEstab) goes down by one
    // Bumps `n` counters by one at t, four to a record (a counter may appear twice).
    void bump(Time t, const Counter* counters, std::size_t n);
    CounterValues at(Time t) const;
    const CounterValues& latest() const { return latest_; }
    void truncate(Time t);
    std::size_t bytes() const;
    // Every change of one counter, as (time, value after) pairs: for charts and tests.
    std::vector<std::pair<Time, std::int64_t>> series(Counter c) const;

  private:
    struct Record {
        std::uint32_t dt;
        std::array<std::uint8_t, 4> slot;
    };
    struct Chunk {
        Time base;
        std::size_t first;
        CounterValues before;
    };
    void append(Time t, std::array<std::uint8_t, 4> slots);
    static void apply(CounterValues& v, const Record& r);
    std::vector<Chunk> chunks_;
    std::vector<Record> records_;
    CounterValues latest_{};
};

class History {
  public:
    // ---- written by the simulation, in time order ----
    std::uint32_t addPacket(const Packet& p);
    void reservePackets(std::size_t n);
    void setFate(std::uint32_t packet, PacketFate fate, int listener);
    std::vector<ClientRecord> clients;
    std::vector<WorkerRecord> workers;
    std::vector<ListenerRecord> listeners;
    std::vector<std::array<StayTrack, 2>> queues; // per listener: [Syn, Accept]
    std::array<CounterLog, 2> counters;           // per Host
    // Futile wake-ups (P2, P3, M20), per listener: the sum of its workers' `futile`.
    std::vector<std::vector<Time>> wastedWakeups;
    Time end; // how far the run has been simulated

    // ---- read by views and reports ----
    std::size_t packetCount() const { return sent_.size(); }
    Packet packet(std::uint32_t i) const;
    // The packets sent in [from, to]: indices [first, last), in order of sending. O(log n).
    std::pair<std::uint32_t, std::uint32_t> packetsSentIn(Time from, Time to) const;
    // Packets with sent ≤ t < arrives (including ones that will be dropped on arrival).
    std::vector<std::uint32_t> packetsInFlight(Time t) const;
    std::vector<QueueEntry> queueAt(int listener, QueueKind q, Time t) const;
    QueueLengths queueLengthsAt(int listener, Time t) const;
    std::int64_t maxBacklogAt(int listener, Time t) const;
    bool listenerOpenAt(int listener, Time t) const;
    CounterValues countersAt(Host h, Time t) const { return counters[static_cast<std::size_t>(h)].at(t); }
    TcpState clientStateAt(std::uint32_t client, Time t) const;
    TcpState serverStateAt(std::uint32_t client, Time t) const; // Closed when the server has none
    WorkerRecord::Change workerAt(std::uint32_t worker, Time t) const;
    std::int64_t wastedWakeupsUntil(int listener, Time t) const;
    WorkerCounts workerCountsUntil(std::uint32_t worker, Time t) const; // O(log n)
    // The next / previous instant after / before t at which a packet leaves or arrives (every rule
    // fires on one or sends one): for stepping the playhead. Time::never() / t itself when none.
    Time nextMoment(Time t) const;
    Time previousMoment(Time t) const;

    // Cuts the history at t: everything at or after t is forgotten, records closed after t reopen.
    void truncate(Time t);
    // Bytes held by the per-packet records (packets, counter changes, queue stays, lengths).
    std::size_t bytes() const;
    // bytes() and every other record too (clients, workers, wasted wake-ups): what Limits::maxHistoryBytes
    // bounds. O(clients + workers + listeners).
    std::size_t bytesHeld() const;

  private:
    // Packets are stored as columns: 20 bytes each (DESIGN.md scale: millions of SYNs in a flood).
    std::vector<std::int64_t> sent_;
    std::vector<std::uint32_t> flight_; // ns from sent to arrival (network.rtt ≤ 4 s)
    std::vector<FlowId> flow_;
    std::vector<std::uint32_t> meta_; // kind, direction, cookie, retrans, listener, fate
    Time maxFlight_;
};

} // namespace backlog
