// Request sockets: a SYN answered and remembered in the SYN queue, its SYN-ACK retransmitted by the
// request timer, until the final ACK makes a child of it or the timer gives up.
#include "model/kernel/RequestSock.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/Network.h"
#include "model/kernel/ReuseportGroup.h"

#include <algorithm>

namespace backlog {

namespace {

// T1 step 5 / A1: the request timer, re-armed at now + min(timeout << num_timeout, TCP_RTO_MAX).
void armRequestTimer(Kernel& k, std::uint32_t r) {
    const RequestSock& req = k.s.requests[r];
    const Time timeout = std::min(kTimeoutInit * (std::int64_t{1} << req.numTimeout), kRtoMax);
    k.armTimer(timeout, EventType::RequestTimer, r, req.gen);
}

// T1 steps 2-3: tcp_synack_retries, lowered for old requests when the SYN queue is more than half full.
int maxSynAckRetries(const Kernel& k, const ListenSock& L) {
    int maxRetries = k.s.live.kernel.tcpSynackRetries;
    if ((L.qlen << 1) > std::max<std::int64_t>(8, L.maxBacklog)) {
        std::int64_t young2 = L.young << 1;
        while (maxRetries > 2) {
            if (L.qlen < young2) break;
            --maxRetries;
            young2 <<= 1;
        }
    }
    return maxRetries;
}

} // namespace

std::uint32_t newRequest(Kernel& k, FlowId flow, int l) {
    SimState& s = k.s;
    std::uint32_t r = 0;
    if (!s.freeRequests.empty()) {
        r = s.freeRequests.back();
        s.freeRequests.pop_back();
    } else {
        r = static_cast<std::uint32_t>(s.requests.size());
        s.requests.emplace_back();
    }
    RequestSock& req = s.requests[r];
    const std::uint32_t gen = req.gen + 1;
    req = RequestSock{};
    req.gen = gen;
    req.flow = flow;
    req.listener = l;
    req.live = true;
    req.stay = k.h.queues[idx(l)][0].enter(flow, s.now);
    // S8: qlen++ and young++: counted in the SYN queue, its timer not yet fired.
    ListenSock& L = s.listeners[idx(l)];
    ++L.qlen;
    ++L.young;
    setServerRef(k, flow, {ServerRef::Type::Request, r});
    if (!isSpoofed(flow)) {
        auto& states = k.h.clients[flow].serverStates;
        if (states.empty() || states.back().second != TcpState::SynRecv)
            states.emplace_back(s.now, TcpState::SynRecv);
    }
    recordLengths(k, l);
    return r;
}

void unlinkRequest(Kernel& k, std::uint32_t r, LeaveReason why) {
    SimState& s = k.s;
    RequestSock& req = s.requests[r];
    ListenSock& L = s.listeners[idx(req.listener)];
    // A8 / T1: qlen--, and young-- if its timer never fired.
    --L.qlen;
    if (req.numTimeout == 0) --L.young;
    k.h.queues[idx(req.listener)][0].leave(req.stay, s.now, why);
    if (why != LeaveReason::Completed) {
        setServerRef(k, req.flow, {});
        if (!isSpoofed(req.flow)) k.h.clients[req.flow].serverStates.emplace_back(s.now, TcpState::Closed);
    }
    req.live = false;
    ++req.gen;
    s.freeRequests.push_back(r);
    recordLengths(k, req.listener);
}

void migrateRequest(Kernel& k, std::uint32_t r, int target) {
    // R6 (b, c): the request leaves the closed listener's SYN queue for the target's.
    SimState& s = k.s;
    RequestSock& req = s.requests[r];
    --s.listeners[idx(req.listener)].qlen;
    if (req.numTimeout == 0) --s.listeners[idx(req.listener)].young;
    k.h.queues[idx(req.listener)][0].leave(req.stay, s.now, LeaveReason::Migrated);
    recordLengths(k, req.listener);
    req.listener = target;
    ++s.listeners[idx(target)].qlen;
    if (req.numTimeout == 0) ++s.listeners[idx(target)].young;
    req.stay = k.h.queues[idx(target)][0].enter(req.flow, s.now);
    recordLengths(k, target);
}

void requestSegment(Kernel& k, std::uint32_t i, const Packet& p, std::uint32_t r, bool migrated) {
    SimState& s = k.s;
    RequestSock& req = s.requests[r];
    const int l = req.listener;
    switch (p.kind) {
    case PacketKind::Syn:
        // A1: a retransmitted SYN for a pending request: a SYN-ACK again, at most one per 500 ms,
        // and the request timer re-armed at now + timeout << num_timeout. No second request.
        if (s.now - req.lastOowAck < kInvalidRatelimit) {
            k.count(Host::Server, Counter::TcpExtTCPACKSkippedSynRecv);
            k.h.setFate(i, PacketFate::DroppedRateLimited, l);
            return;
        }
        req.lastOowAck = s.now;
        k.count(Host::Server, Counter::TcpRetransSegs);
        k.count(Host::Server, Counter::TcpExtTCPSynRetrans);
        ++req.numRetrans;
        k.h.setFate(i, PacketFate::DroppedDuplicateSyn, l);
        send(k, req.flow, PacketKind::SynAck, false, false, req.numRetrans, l);
        ++req.gen;
        armRequestTimer(k, r);
        return;
    case PacketKind::Rst:
        // A4: an RST at a request: AttemptFails, embryonic reset.
        k.count(Host::Server, Counter::TcpAttemptFails);
        k.count(Host::Server, Counter::TcpExtEmbryonicRsts);
        k.h.setFate(i, PacketFate::Delivered, l);
        unlinkRequest(k, r, LeaveReason::Reset);
        return;
    default:
        break;
    }
    // A7: the final ACK (or data, or a FIN) tries to create the child; Q1 is checked first.
    if (acceptQueueFull(s.listeners[idx(l)])) {
        k.count(Host::Server, Counter::TcpExtListenOverflows);
        k.count(Host::Server, Counter::TcpExtListenDrops);
        if (migrated) k.count(Host::Server, Counter::TcpExtTCPMigrateReqFailure); // R6 (c)
        k.h.setFate(i, PacketFate::DroppedAckQueueFull, l);
        if (s.live.kernel.tcpAbortOnOverflow == 0) {
            req.acked = true; // A7a: the request stays; any data in the segment is lost
        } else {
            // A7b: an RST, the request unlinked; EmbryonicRsts but no AttemptFails.
            k.count(Host::Server, Counter::TcpExtEmbryonicRsts);
            const FlowId flow = req.flow;
            unlinkRequest(k, r, LeaveReason::Reset);
            resetFlow(k, flow, l);
        }
        return;
    }
    // A8: the child replaces the request and joins the tail of the accept queue.
    if (migrated) k.count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess); // inet_csk_complete_hashdance()
    k.h.setFate(i, PacketFate::Delivered, l);
    const FlowId flow = req.flow;
    unlinkRequest(k, r, LeaveReason::Completed);
    const std::uint32_t child = createChild(k, flow, l);
    childSegment(k, i, p, child);
}

void requestTimer(Kernel& k, std::uint32_t r) {
    SimState& s = k.s;
    RequestSock& req = s.requests[r];
    if (!s.listeners[idx(req.listener)].open) {
        // R6 (b): with tcp_migrate_req the request is cloned to another listener; otherwise dropped.
        const int target = reuseportMigrateTarget(k, req.flow);
        if (target < 0) {
            unlinkRequest(k, r, LeaveReason::Reset);
            return;
        }
        k.count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess);
        migrateRequest(k, r, target);
        requestTimer(k, r);
        return;
    }
    ListenSock& L = s.listeners[idx(req.listener)];
    // T1 step 1: TCPTimeouts on every firing, the last one included.
    k.count(Host::Server, Counter::TcpExtTCPTimeouts);
    // T1 step 6: expired, the request is unlinked silently (no RST; the client learns by K2).
    if (req.numTimeout >= maxSynAckRetries(k, L)) {
        unlinkRequest(k, r, LeaveReason::Expired);
        return;
    }
    // T1 step 5: the SYN-ACK is resent even if acked (A7a), and the timer backs off.
    k.count(Host::Server, Counter::TcpRetransSegs);
    k.count(Host::Server, Counter::TcpExtTCPSynRetrans);
    ++req.numRetrans;
    send(k, req.flow, PacketKind::SynAck, false, false, req.numRetrans, req.listener);
    if (req.numTimeout++ == 0) --L.young;
    ++req.gen;
    armRequestTimer(k, r);
}

} // namespace backlog
