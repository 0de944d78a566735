// The attacker: spoofed SYNs at a fixed rate, each from a source of its own that never answers (M19).
#include "model/kernel/SynFlood.h"

#include "model/kernel/Kernel.h"
#include "model/kernel/Network.h"

#include <algorithm>

namespace backlog {

namespace {

// When the n-th SYN of a flood of `rate` per second leaves, after its start: n/rate seconds, exactly.
Time floodOffset(std::int64_t n, std::int64_t rate) {
    constexpr std::int64_t second = 1'000'000'000;
    return Time::ns(n / rate * second + (n % rate) * second / rate);
}

} // namespace

void floodNext(Kernel& k, std::uint32_t t) {
    SimState& s = k.s;
    const TrafficEntry& te = s.live.traffic[t];
    const FloodTraffic& f = te.flood;
    std::int64_t& n = s.floodSent[t];
    if (te.kind != TrafficEntry::Kind::Flood || s.now >= f.to || f.ratePerSecond <= 0) return;
    // M19: an unroutable source costs the server only a failed route lookup (S4).
    const FlowId flow = kSpoofedFlow | (f.routable ? 0 : kUnroutableFlow) | s.spoofedCount++;
    send(k, flow, PacketKind::Syn, true);
    ++n;
    // The n-th SYN leaves at from + n/rate, computed exactly in integers; never before now (a change of
    // the flood's `from` during it must not send time backwards: the SYNs it would owe leave now).
    const Time next = std::max(s.now, f.from + floodOffset(n, f.ratePerSecond));
    if (next < f.to) k.push(next, EventType::FloodNext, t);
}

// A flood whose rate changes while it sends goes on at the new rate from now: its start is moved to
// where the new rate would have had to begin to have sent as many SYNs by now. Kept where it was,
// the next SYN (from + n/rate) fell before now: time went backwards and, for a raised rate, every
// SYN the new rate "owed" since the start was sent at once.
void floodRatesChanged(Kernel& k, const Scenario& before) {
    SimState& s = k.s;
    for (std::size_t t = 0; t < s.live.traffic.size(); ++t) {
        FloodTraffic& f = s.live.traffic[t].flood;
        const std::int64_t sent = s.floodSent[t];
        if (s.live.traffic[t].kind != TrafficEntry::Kind::Flood ||
            f.ratePerSecond == before.traffic[t].flood.ratePerSecond || f.ratePerSecond <= 0 || sent == 0 ||
            s.now >= f.to)
            continue;
        f.from = s.now - floodOffset(sent, f.ratePerSecond);
    }
}

} // namespace backlog
