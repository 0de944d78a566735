// Internal to the kernel target: the client hosts: traffic entries calling connect(), the SYN schedule
// (T6), the request and its retransmissions (M17), and what the client sees (S9, T2).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/ClientSocket.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/core/Tcp.h"
#include "model/core/Time.h"
#include "model/kernel/Ehash.h"

#include <cstdint>

namespace backlog {

struct Kernel;

inline constexpr std::uint32_t kClientTimeWait = 0x8000'0000u; // TimeWaitDone for a client, not a child

struct ClientSock {
    std::uint32_t traffic = 0;
    TcpState state = TcpState::Closed;
    ServerRef server; // the server's socket for this flow (the ehash entry)
    int synRetransmits = 0;
    Time synRto;
    Time firstSyn;
    std::uint32_t synGen = 0;
    bool cookie = false; // the SYN-ACK it answered carried a SYN cookie
    std::int64_t cookieMinute = 0;
    bool handshakeRetransmitted = false; // T5: no RTT sample, data RTO falls back to 3 s
    bool dataOutstanding = false;
    int dataRetransmits = 0;
    Time dataRto;
    std::uint32_t dataGen = 0;
    Time lastChallengeAck = Time::ns(-1'000'000'000'000);
};

struct TrafficGen {
    std::int64_t started = 0;         // connect() calls
    std::int64_t active = 0;          // closed loop: connections in progress
    std::int64_t requestsStarted = 0; // closed loop with `requests`: connections established (M18)
};

// A traffic entry's next connect() (T6).
void connect(Kernel& k, std::uint32_t traffic);
void clientSynTimer(Kernel& k, std::uint32_t c);
void clientDataTimer(Kernel& k, std::uint32_t c);
// The client application calls close() (or aborts).
void clientCloses(Kernel& k, std::uint32_t c);
void clientReceives(Kernel& k, std::uint32_t packet, const Packet& p);
void setClientState(Kernel& k, std::uint32_t c, TcpState st);

} // namespace backlog
