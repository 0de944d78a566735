// Internal to the kernel target: request sockets (SYN-RECV) and their SYN-ACK timer (S8, A, T1, R6 b/c).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/RequestSock.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/core/Time.h"
#include "model/history/History.h"

#include <cstdint>

namespace backlog {

struct Kernel;

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

// inet_reqsk_alloc() + inet_csk_reqsk_queue_hash_add(): a request in listener l's SYN queue (S8).
std::uint32_t newRequest(Kernel& k, FlowId flow, int l);
void unlinkRequest(Kernel& k, std::uint32_t r, LeaveReason why);
// The request moves to listener `target`'s SYN queue (R6 b, c).
void migrateRequest(Kernel& k, std::uint32_t r, int target);
// tcp_check_req(): a segment for a pending request (A1-A8).
void requestSegment(Kernel& k, std::uint32_t packet, const Packet& p, std::uint32_t r, bool migrated = false);
// reqsk_timer_handler(): the SYN-ACK timer fires (T1, R6 b).
void requestTimer(Kernel& k, std::uint32_t r);

} // namespace backlog
