// SO_REUSEPORT: a keyed hash of the 4-tuple picks the listener, whatever its queues hold (R1-R6).
#include "model/kernel/ReuseportGroup.h"

#include "model/kernel/Kernel.h"

#include <algorithm>

namespace backlog {

namespace {

constexpr std::uint32_t kServerAddress = 0x0A00'0001; // 10.0.0.1

std::uint32_t rol32(std::uint32_t w, int s) {
    return (w << s) | (w >> (32 - s));
}

// include/linux/jhash.h: jhash_3words(), the keyed hash behind inet_ehashfn() (R2).
std::uint32_t jhash3(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t initval) {
    const std::uint32_t init = initval + 0xdeadbeefu + (3u << 2);
    a += init;
    b += init;
    c += init;
    c ^= b;
    c -= rol32(b, 14);
    a ^= c;
    a -= rol32(c, 11);
    b ^= a;
    b -= rol32(a, 25);
    c ^= b;
    c -= rol32(b, 16);
    a ^= c;
    a -= rol32(c, 4);
    b ^= a;
    b -= rol32(a, 14);
    c ^= b;
    c -= rol32(b, 24);
    return c;
}

} // namespace

void reuseportAdd(Kernel& k, int l) {
    k.s.group.push_back(l); // R4: __reuseport_add_sock appends
}

void reuseportDetach(Kernel& k, int l) {
    // R4: the last member moves into the closed one's slot, which remaps most flows.
    std::vector<int>& group = k.s.group;
    auto it = std::find(group.begin(), group.end(), l);
    if (it != group.end()) {
        *it = group.back();
        group.pop_back();
    }
}

int selectListener(const Kernel& k, FlowId f) {
    // R1/R2: a keyed 4-tuple hash picks a member of the SO_REUSEPORT group: reciprocal_scale(hash, n).
    // R3: the choice never looks at that listener's queues.
    const SimState& s = k.s;
    if (s.group.empty()) return -1;
    if (s.group.size() == 1) return s.group.front();
    const Endpoint peer =
        isSpoofed(f) ? spoofedSource(s.live.seed, f) : Endpoint{k.h.clients[f].address, k.h.clients[f].port};
    const std::uint32_t lport = static_cast<std::uint32_t>(s.live.server.port) & 0xFFFFu;
    const std::uint32_t hash = jhash3(kServerAddress, peer.address, (lport << 16) | peer.port, s.hashSecret);
    const auto i = static_cast<std::size_t>((static_cast<std::uint64_t>(hash) * s.group.size()) >> 32);
    return s.group[i];
}

int reuseportMigrateTarget(const Kernel& k, FlowId flow) {
    // R6: only with tcp_migrate_req (no BPF program in the model) is there a target, chosen by hash.
    return k.s.live.kernel.tcpMigrateReq ? selectListener(k, flow) : -1;
}

} // namespace backlog
