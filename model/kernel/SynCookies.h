// Internal to the kernel target: SYN cookies, sent when the SYN queue is full (S1, S6) and checked when
// an ACK reaches the listener with no request (K1).
#pragma once

#ifndef BACKLOG_INSIDE_MODEL_KERNEL
#error "model/kernel/SynCookies.h is private to backlog_model_kernel: use model/kernel/Simulation.h"
#endif

#include "model/core/Packet.h"
#include "model/core/Time.h"

#include <cstdint>

namespace backlog {

struct Kernel;

inline constexpr Time kCookiePeriod = Time::s(60); // TCP_SYNCOOKIE_PERIOD; valid for 2 (MAX_SYNCOOKIE_AGE)

// The minute counter a cookie made at `t` carries (K1).
inline std::int64_t cookieMinute(Time t, std::int64_t cookiePhase) {
    return (t.count() + cookiePhase) / kCookiePeriod.count();
}

// tcp_syn_flood_action(): the SYN queue is full or cookies are forced (S1). True: answer with a cookie;
// false: the SYN was dropped.
bool synFloodAction(Kernel& k, std::uint32_t packet, int l);
// cookie_init_sequence(): a cookie SYN-ACK, nothing kept (S6).
void sendCookieSynAck(Kernel& k, const Packet& p, int l);
// cookie_v4_check(): an ACK at listener l with no request (K1). False when it holds no valid cookie
// (the listener then resets the flow, K2).
bool cookieCheck(Kernel& k, std::uint32_t packet, const Packet& p, int l);

} // namespace backlog
