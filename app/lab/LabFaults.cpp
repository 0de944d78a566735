#include "app/lab/LabFaults.h"

#include <linux/bpf.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace backlog::lab {

// Where the filter runs, as read in the kernel's source (net/ipv4/tcp_ipv4.c, tcp_v4_rcv(), 6.x):
//  - a segment for a request in SYN-RECV (TCP_NEW_SYN_RECV: the final ACK, or data in its place) is
//    filtered with the listener's filter, `sk = req->rsk_listener; ... if (tcp_filter(sk, skb))` and
//    dropped (SKB_DROP_REASON_SOCKET_FILTER): the request stays and T1 sends its SYN-ACK again;
//  - every other segment (a SYN to the listener, anything to an established or SYN-SENT socket) meets
//    `if (tcp_filter(sk, skb))` after the socket lookup, before tcp_v4_do_rcv();
//  - tcp_filter() is sk_filter_trim_cap(sk, skb, __tcp_hdrlen(th)) (net/core/filter.c), which runs the
//    program with bpf_prog_run_save_cb() and drops the segment when it returns 0 (-EPERM); otherwise it
//    trims the skb to max(cap, returned length), so returning 0xffffffff keeps it whole;
//  - by then ip_local_deliver_finish() has pulled the IP header: skb->data is at the TCP header, so
//    BPF_LD_ABS offsets 12 (data offset) and 13 (flags) are the TCP header's, skb->len (__sk_buff.len) is
//    TCP header + payload, and the IP source address is read at SKF_NET_OFF + 12 (bpf_skb_load_helper_*
//    with a negative offset: bpf_internal_load_pointer_neg_helper(), relative to skb_network_header());
//  - BPF_LD_ABS loads convert from network order (the value is host order), need the context in r6, and
//    clobber r0-r5; bpf_ktime_get_ns() is CLOCK_MONOTONIC (ktime_get_mono_fast_ns), allowed in socket
//    filters (bpf_base_func_proto).
// An accepted child shares its listener's filter: sk_clone_lock() charges the listener's sk_filter to it.

namespace {

class Assembler {
  public:
    void add(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off, std::int32_t imm) {
        bpf_insn i{};
        i.code = code;
        i.dst_reg = dst & 0xf;
        i.src_reg = src & 0xf;
        i.off = off;
        i.imm = imm;
        insns_.push_back(i);
    }
    void movReg(int dst, int src) { add(BPF_ALU64 | BPF_MOV | BPF_X, u8(dst), u8(src), 0, 0); }
    void mov32(int dst, std::uint32_t imm) {
        add(BPF_ALU | BPF_MOV | BPF_K, u8(dst), 0, 0, static_cast<std::int32_t>(imm)); // zero-extends
    }
    void imm64(int dst, std::uint64_t v) { // BPF_LD | BPF_DW | BPF_IMM: two instructions
        add(BPF_LD | BPF_DW | BPF_IMM, u8(dst), 0, 0, static_cast<std::int32_t>(v & 0xffffffffu));
        add(0, 0, 0, 0, static_cast<std::int32_t>(v >> 32));
    }
    void ldAbs(std::uint8_t size, std::int32_t offset) { add(BPF_LD | BPF_ABS | size, 0, 0, 0, offset); }
    void alu64(std::uint8_t op, int dst, std::int32_t imm) {
        add(BPF_ALU64 | op | BPF_K, u8(dst), 0, 0, imm);
    }
    void subReg(int dst, int src) { add(BPF_ALU64 | BPF_SUB | BPF_X, u8(dst), u8(src), 0, 0); }
    void ldxW(int dst, int src, std::int16_t off) {
        add(BPF_LDX | BPF_MEM | BPF_W, u8(dst), u8(src), off, 0);
    }
    void ldxDW(int dst, int src, std::int16_t off) {
        add(BPF_LDX | BPF_MEM | BPF_DW, u8(dst), u8(src), off, 0);
    }
    void stxDW(int dst, int src, std::int16_t off) {
        add(BPF_STX | BPF_MEM | BPF_DW, u8(dst), u8(src), off, 0);
    }
    void call(std::int32_t helper) { add(BPF_JMP | BPF_CALL, 0, 0, 0, helper); }
    void exit() { add(BPF_JMP | BPF_EXIT, 0, 0, 0, 0); }
    // A forward jump to a label placed later: returns the instruction to patch.
    std::size_t jumpImm(std::uint8_t op, int dst, std::int32_t imm) {
        add(BPF_JMP | op | BPF_K, u8(dst), 0, 0, imm);
        return insns_.size() - 1;
    }
    std::size_t jumpReg(std::uint8_t op, int dst, int src) {
        add(BPF_JMP | op | BPF_X, u8(dst), u8(src), 0, 0);
        return insns_.size() - 1;
    }
    void land(const std::vector<std::size_t>& jumps) { // the jumps go to the next instruction added
        for (const std::size_t j : jumps)
            insns_[j].off = static_cast<std::int16_t>(insns_.size() - j - 1);
    }
    const std::vector<bpf_insn>& insns() const { return insns_; }

  private:
    static std::uint8_t u8(int r) { return static_cast<std::uint8_t>(r); }
    std::vector<bpf_insn> insns_;
};

constexpr int r0 = 0, r1 = 1, r2 = 2, r6 = 6, r7 = 7, r8 = 8, r9 = 9, r10 = 10;

bool seenBy(FilterSide side, SegmentKind kind) {
    switch (kind) {
    case SegmentKind::Syn:
    case SegmentKind::ClientAcks:
        return side == FilterSide::Server;
    case SegmentKind::SynAck:
        return side == FilterSide::Client;
    case SegmentKind::Data:
    case SegmentKind::All:
        return true;
    }
    return false;
}

// One rule: r1 = now, r7 = source, r8 = flags, r9 = payload bytes. Drops (returns 0) on a match, else
// falls through to the next rule.
void assembleRule(Assembler& a, const FilterRule& rule) {
    std::vector<std::size_t> next;
    if (rule.source != 0) {
        a.mov32(r2, rule.source);
        next.push_back(a.jumpReg(BPF_JNE, r7, r2));
    }
    a.imm64(r2, rule.from);
    next.push_back(a.jumpReg(BPF_JLT, r1, r2)); // unsigned
    a.imm64(r2, rule.to);
    next.push_back(a.jumpReg(BPF_JGE, r1, r2));
    const auto flagsAre = [&](std::int32_t mask, std::int32_t value) {
        a.movReg(r2, r8);
        a.alu64(BPF_AND, r2, mask);
        next.push_back(a.jumpImm(BPF_JNE, r2, value));
    };
    switch (rule.kind) {
    case SegmentKind::Syn:
        flagsAre(kSyn | kAck | kRst, kSyn);
        break;
    case SegmentKind::SynAck:
        flagsAre(kSyn | kAck | kRst, kSyn | kAck);
        break;
    case SegmentKind::ClientAcks:
        flagsAre(kSyn | kFin | kRst, 0);
        next.push_back(a.jumpImm(BPF_JNE, r9, 0));
        break;
    case SegmentKind::Data:
        flagsAre(kSyn | kFin | kRst, 0);
        next.push_back(a.jumpImm(BPF_JSLE, r9, 0));
        break;
    case SegmentKind::All:
        break;
    }
    a.mov32(r0, 0);
    a.exit();
    a.land(next);
}

std::vector<bpf_insn> program(FilterSide side, const std::vector<FilterRule>& rules) {
    Assembler a;
    a.movReg(r6, r1);                 // the context, for BPF_LD_ABS
    a.call(BPF_FUNC_ktime_get_ns);    // r0 = CLOCK_MONOTONIC ns
    a.stxDW(r10, r0, -8);             // kept on the stack: loads clobber r0-r5
    a.ldAbs(BPF_W, SKF_NET_OFF + 12); // the IPv4 source address
    a.movReg(r7, r0);                 //
    a.ldAbs(BPF_B, 13);               // the TCP flags
    a.movReg(r8, r0);                 //
    a.ldAbs(BPF_B, 12);               // data offset << 4
    a.alu64(BPF_RSH, r0, 4);          //
    a.alu64(BPF_LSH, r0, 2);          // the TCP header's length
    a.ldxW(r9, r6, static_cast<std::int16_t>(offsetof(__sk_buff, len))); // TCP header + payload
    a.subReg(r9, r0);                                                    // the payload
    a.ldxDW(r1, r10, -8);
    for (const FilterRule& rule : rules)
        if (seenBy(side, rule.kind)) assembleRule(a, rule);
    a.mov32(r0, 0xffffffffu); // keep the whole segment
    a.exit();
    return a.insns();
}

} // namespace

std::vector<std::uint64_t> assembleFilter(FilterSide side, const std::vector<FilterRule>& rules) {
    const std::vector<bpf_insn> insns = program(side, rules);
    std::vector<std::uint64_t> out(insns.size());
    static_assert(sizeof(bpf_insn) == sizeof(std::uint64_t));
    std::memcpy(out.data(), insns.data(), insns.size() * sizeof(bpf_insn));
    return out;
}

LabResult<SocketFilter> SocketFilter::load(FilterSide side, const std::vector<FilterRule>& rules) {
    const std::vector<bpf_insn> insns = program(side, rules);
    static const char license[] = "GPL"; // bpf_ktime_get_ns() is not GPL-only; any string would do
    std::vector<char> log(64 * 1024, '\0');
    bpf_attr attr{};
    attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
    attr.insn_cnt = static_cast<std::uint32_t>(insns.size());
    attr.insns = reinterpret_cast<std::uint64_t>(insns.data());
    attr.license = reinterpret_cast<std::uint64_t>(license);
    attr.log_level = 1;
    attr.log_size = static_cast<std::uint32_t>(log.size());
    attr.log_buf = reinterpret_cast<std::uint64_t>(log.data());
    const long fd = ::syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
    if (fd >= 0) return SocketFilter(static_cast<int>(fd));
    const int error = errno;
    std::string why = std::string("bpf(BPF_PROG_LOAD) of a socket filter failed: ") + std::strerror(error);
    if (error == EPERM)
        why += " (loading eBPF needs CAP_BPF in the initial user namespace, or "
               "kernel.unprivileged_bpf_disabled = 0)";
    if (log[0] != '\0') why += "; the verifier said: " + std::string(log.data());
    return LabError{why, error};
}

SocketFilter& SocketFilter::operator=(SocketFilter&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

SocketFilter::~SocketFilter() {
    if (fd_ >= 0) ::close(fd_);
}

std::string SocketFilter::attach(int socketFd) const {
    if (::setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, &fd_, sizeof fd_) == 0) return {};
    return std::string("setsockopt(SO_ATTACH_BPF) failed: ") + std::strerror(errno);
}

namespace {

std::string describe(const Fault& f) {
    static const char* const kinds[] = {"syn", "synack", "client-acks", "data", "all"};
    return "network.faults: the drop of " + std::string(kinds[static_cast<int>(f.drop)]) + " of " +
           (f.of.empty() ? std::string("everyone") : f.of) + " from " + formatDuration(f.from) + " to " +
           (f.to.isNever() ? std::string("the end") : formatDuration(f.to));
}

std::uint64_t absolute(const LabClock& clock, Time t) {
    if (t.isNever() || t.count() > std::numeric_limits<std::int64_t>::max() - clock.monotonicEpoch)
        return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, clock.toMonotonic(t.count())));
}

} // namespace

LabFaultFilters loadFaultFilters(const Scenario& sc, const LabClock& clock,
                                 const std::vector<std::uint32_t>& entryAddresses) {
    LabFaultFilters out;
    const std::size_t entries = sc.traffic.size();
    out.clientByEntry.resize(entries);
    std::vector<FilterRule> serverRules;
    std::vector<std::vector<FilterRule>> clientRules(entries);
    // For each fault: whether it has a server rule, and the entries it has a client rule on.
    std::vector<std::pair<bool, std::vector<std::size_t>>> uses(sc.network.faults.size());
    for (std::size_t i = 0; i < sc.network.faults.size(); ++i) {
        const Fault& f = sc.network.faults[i];
        FilterRule rule{f.drop, 0, absolute(clock, f.from), absolute(clock, f.to)};
        std::vector<std::size_t> of; // the clients entries it applies to
        for (std::size_t e = 0; e < entries; ++e)
            if (sc.traffic[e].kind == TrafficEntry::Kind::Clients &&
                (f.of.empty() || sc.traffic[e].clients.name == f.of))
                of.push_back(e);
        if (seenBy(FilterSide::Server, f.drop)) {
            if (f.of.empty()) {
                serverRules.push_back(rule); // everyone, spoofed sources too (faultDrops)
                uses[i].first = true;
            }
            for (const std::size_t e : f.of.empty() ? std::vector<std::size_t>{} : of) {
                rule.source = e < entryAddresses.size() ? entryAddresses[e] : 0;
                if (rule.source == 0) continue;
                serverRules.push_back(rule);
                uses[i].first = true;
            }
        }
        if (seenBy(FilterSide::Client, f.drop))
            for (const std::size_t e : of) {
                clientRules[e].push_back({f.drop, 0, rule.from, rule.to});
                uses[i].second.push_back(e);
            }
    }
    std::string serverError;
    if (!serverRules.empty()) {
        LabResult<SocketFilter> s = SocketFilter::load(FilterSide::Server, serverRules);
        if (s.ok())
            out.server.emplace(std::move(s.value()));
        else
            serverError = s.error();
    }
    std::vector<std::string> clientError(entries);
    for (std::size_t e = 0; e < entries; ++e) {
        if (clientRules[e].empty()) continue;
        LabResult<SocketFilter> c = SocketFilter::load(FilterSide::Client, clientRules[e]);
        if (c.ok())
            out.clientByEntry[e].emplace(std::move(c.value()));
        else
            clientError[e] = c.error();
    }
    for (std::size_t i = 0; i < uses.size(); ++i) {
        std::string why = uses[i].first ? serverError : std::string();
        for (const std::size_t e : uses[i].second)
            if (why.empty()) why = clientError[e];
        if (why.empty())
            out.reproduced.push_back(static_cast<int>(i));
        else
            out.warnings.push_back(describe(sc.network.faults[i]) +
                                   " is not reproduced: every such segment is delivered, because " + why);
    }
    return out;
}

} // namespace backlog::lab
