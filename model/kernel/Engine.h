// Internal to the model: the simulation state and the rules that move it. Simulation.h is the API.
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/Engine.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/EventQueue.h"
#include "model/history/History.h"
#include "model/core/Rng.h"
#include "model/scenario/Scenario.h"
#include "model/kernel/Simulation.h"
#include "model/core/TimerWheel.h"

#include <cstdint>
#include <deque>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace backlog {

enum class EventType : std::uint8_t {
    Intervention,
    TrafficNext,   // a traffic entry's next connect()
    FloodNext,     // a flood's next spoofed SYN
    Arrival,       // a packet reaches its destination host
    ClientSynTimer,
    ClientDataTimer,
    RequestTimer,  // a request socket's SYN-ACK timer (T1)
    WorkersStart,  // the application starts calling accept()
    WorkerRun,     // a worker runs after a wake-up (or after finishing a piece of work)
    ServiceDone,   // a blocking worker's connection is finished: close()
    ConnectionDone,// an event-loop worker's connection is finished
    TimeWaitDone,
    ClientClose,   // the client application calls close() (or aborts)
};


inline constexpr std::uint32_t kNone = 0xFFFF'FFFFu;

struct RequestSock {
    FlowId flow = 0;
    int listener = 0;
    std::uint8_t numTimeout = 0;
    std::uint8_t numRetrans = 0;
    bool acked = false; // the final ACK came but could not be used (A7a)
    bool live = false;
    Time lastOowAck = Time::ns(-1'000'000'000'000); // tcp_invalid_ratelimit (A1)
    std::uint32_t gen = 0;
    std::uint32_t stay = 0;
};

struct ChildSock {
    FlowId flow = 0;
    int listener = 0;
    TcpState state = TcpState::Established;
    bool queued = false; // in the accept queue
    std::uint32_t stay = 0;
    int worker = -1;
    std::uint32_t gen = 0;
};

struct ServerRef {
    enum class Type : std::uint8_t { None, Request, Child } type = Type::None;
    std::uint32_t index = 0;
};

struct ClientSock {
    std::uint32_t traffic = 0;
    TcpState state = TcpState::Closed;
    ServerRef server; // the server's socket for this flow (the ehash entry)
    int synRetransmits = 0;
    Time synRto;
    Time firstSyn;
    std::uint32_t synGen = 0;
    bool cookie = false;      // the SYN-ACK it answered carried a SYN cookie
    std::int64_t cookieMinute = 0;
    bool handshakeRetransmitted = false; // T5: no RTT sample, data RTO falls back to 3 s
    bool dataOutstanding = false;
    int dataRetransmits = 0;
    Time dataRto;
    std::uint32_t dataGen = 0;
    Time lastChallengeAck = Time::ns(-1'000'000'000'000);
};

struct Listener {
    bool open = true;
    std::int64_t maxBacklog = 0; // sk_max_ack_backlog
    std::deque<std::uint32_t> acceptQueue; // children, FIFO (P1)
    std::int64_t qlen = 0;  // request sockets (Q2)
    std::int64_t young = 0; // requests whose timer has not fired yet
    // Workers blocked in accept(): exclusive, FIFO (P2). A deque: each wake-up takes the head, which a
    // vector paid with a move of every other waiter (100,000 workers × a million clients).
    std::deque<int> waiters;
    std::vector<int> watchers; // epoll instances on the listener's wait queue, in wake order (P3)
    bool synfloodWarned = false;
};

struct Worker {
    int listener = 0;
    WorkerState state = WorkerState::NotStarted;
    std::uint32_t gen = 0;
    std::uint32_t child = kNone; // the connection a blocking worker serves
    int connections = 0;         // an event loop's open connections
    bool wakePending = false;
    bool retiring = false;       // server.workers.count went down: stop after this connection
};

struct TrafficGen {
    std::int64_t started = 0;
    std::int64_t active = 0; // closed loop: connections in progress
};

// Everything that changes while simulating. Plain values only, so a checkpoint is a copy.
struct SimState {
    explicit SimState(const Scenario& scenario);

    Scenario live; // settings in force now (interventions change them)
    Time now;
    std::uint64_t seq = 0;
    EventQueue queue;
    Rng rng;
    TimerWheel wheel;
    std::uint32_t hashSecret = 0;
    std::int64_t cookiePhase = 0;
    std::vector<Listener> listeners;
    std::vector<int> group; // SO_REUSEPORT socks[] in join order (R4)
    Time lastSynqOverflow = Time::ns(-1'000'000'000'000'000); // shared by the group (R4)
    bool everOverflowed = false;
    std::vector<ClientSock> clients;
    std::vector<RequestSock> requests;
    std::vector<std::uint32_t> freeRequests;
    std::unordered_map<FlowId, std::uint32_t> spoofedRequests;
    std::vector<ChildSock> children;
    std::vector<Worker> workers;
    std::vector<TrafficGen> traffic;
    std::vector<std::int64_t> floodSent;
    std::uint32_t spoofedCount = 0;
    std::unordered_set<std::uint32_t> proven; // tcp_metrics: peers with an RTT sample (S5)
    std::size_t interventionsApplied = 0;
};

// One step of the model: applies the rules to one event. Holds references only.
class Engine {
public:
    Engine(SimState& s, History& h, std::vector<KernelLogLine>& log) : s_(s), h_(h), log_(log) {}

    void start(); // schedules the scenario's traffic, workers and interventions
    void process(const Event& e);
    void push(Time at, EventType type, std::uint32_t target, std::uint32_t gen = 0);
    void pushIntervention(std::size_t index);
    void flushCounters();

private:
    // network
    void send(FlowId flow, PacketKind kind, bool toServer, bool cookie = false, int retrans = 0, int listener = 0);
    bool faultDrops(FlowId flow, PacketKind kind, bool toServer) const;
    void arrive(std::uint32_t packet);
    // kernel timers (M11)
    void armKernelTimer(Time delay, EventType type, std::uint32_t target, std::uint32_t gen);
    // clients
    void connect(std::uint32_t traffic);
    void clientReceives(std::uint32_t packet, const Packet& p);
    void clientSynTimer(std::uint32_t client);
    void clientDataTimer(std::uint32_t client);
    void clientSendRequest(std::uint32_t client);
    void clientFails(std::uint32_t client, ClientError error);
    void clientFinished(std::uint32_t client);
    void clientCloses(std::uint32_t client);
    void setClientState(std::uint32_t client, TcpState state);
    // server
    void serverReceives(std::uint32_t packet, const Packet& p);
    int selectListener(FlowId flow) const; // R1-R3; -1: no listener
    void connRequest(std::uint32_t packet, const Packet& p, int listener);
    void requestSegment(std::uint32_t packet, const Packet& p, std::uint32_t req, bool migrated = false);
    void listenerSegment(std::uint32_t packet, const Packet& p, int listener);
    void childSegment(std::uint32_t packet, const Packet& p, std::uint32_t child);
    void requestTimer(std::uint32_t req);
    std::uint32_t newRequest(FlowId flow, int listener);
    void unlinkRequest(std::uint32_t req, LeaveReason why);
    std::uint32_t createChild(FlowId flow, int listener);
    void setChildState(std::uint32_t child, TcpState state);
    bool acceptQueueFull(int listener) const;
    bool synQueueFull(int listener) const;
    void recordLengths(int listener);
    void resetFlow(FlowId flow, int listener); // the server sends an RST for this flow
    ServerRef serverRef(FlowId flow) const;
    void setServerRef(FlowId flow, ServerRef ref);
    // workers (P-rules)
    void dataReady(int listener);
    void wakeWorker(int worker);
    void workerRun(std::uint32_t worker);
    void workerIdle(int worker);
    void acceptOne(int worker);
    void serviceDone(std::uint32_t worker);
    void connectionDone(std::uint32_t child);
    void closeChild(std::uint32_t child);
    void setWorker(int worker, WorkerState state, FlowId flow = 0);
    Time serviceTime();
    void startWorkers(std::size_t from);
    // interventions
    void intervene(std::size_t index);
    void listen(int listener);
    void closeListener(int listener);
    void startTraffic(const std::string& name);
    void switchAcceptMode(AcceptMode was);
    void addListener();
    void kernelLog(std::string text);

    void count(Host host, Counter c);

    SimState& s_;
    History& h_;
    std::vector<KernelLogLine>& log_;
    // Counters bumped by the current event, written as one history record per host (History.h).
    std::array<std::array<Counter, 32>, 2> pending_{};
    std::array<std::size_t, 2> pendingCount_{};
};

} // namespace backlog
