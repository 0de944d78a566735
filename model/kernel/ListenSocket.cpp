// The listening socket: listen() and its backlog, the SYN that meets the two queues
// (tcp_conn_request), the ACK with no request, and close().
#include "model/kernel/ListenSocket.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/Network.h"
#include "model/kernel/RequestSock.h"
#include "model/kernel/ReuseportGroup.h"
#include "model/kernel/SynCookies.h"
#include "model/kernel/Workers.h"

namespace backlog {

void addListener(Kernel& k) {
    const int l = static_cast<int>(k.s.listeners.size());
    k.s.listeners.emplace_back();
    reuseportAdd(k, l);
    k.h.listeners.push_back({static_cast<std::uint16_t>(k.s.live.server.port), {}});
    k.h.queues.emplace_back();
    k.h.wastedWakeups.emplace_back();
    listen(k, l);
}

void listen(Kernel& k, int l) {
    // L1: (unsigned)backlog > somaxconn → somaxconn; a negative backlog therefore means somaxconn.
    // L3: listen() again on a listening socket only updates sk_max_ack_backlog.
    const std::int64_t backlog = k.s.live.server.backlog;
    const std::int64_t somaxconn = k.s.live.kernel.somaxconn;
    k.s.listeners[idx(l)].maxBacklog = (backlog < 0 || backlog > somaxconn) ? somaxconn : backlog;
    recordLengths(k, l);
}

void recordLengths(Kernel& k, int l) {
    const ListenSock& L = k.s.listeners[idx(l)];
    auto& ch = k.h.listeners[idx(l)].changes;
    const ListenerRecord::Change c{k.s.now, static_cast<std::int32_t>(L.acceptQueue.size()),
                                   static_cast<std::int32_t>(L.qlen), L.maxBacklog, L.open};
    if (!ch.empty() && ch.back().at == k.s.now)
        ch.back() = c;
    else
        ch.push_back(c);
}

void connRequest(Kernel& k, std::uint32_t i, const Packet& p, int l) {
    SimState& s = k.s;
    ListenSock& L = s.listeners[idx(l)];
    const KernelSettings& ks = s.live.kernel;
    bool wantCookie = false;
    // S1: forced cookies, or a full SYN queue.
    if (ks.tcpSyncookies == 2 || synQueueFull(L, ks)) {
        wantCookie = synFloodAction(k, i, l);
        if (!wantCookie) return;
    }
    // S2: a full accept queue drops every SYN silently, cookie or not (since 4.10).
    if (acceptQueueFull(L)) {
        k.count(Host::Server, Counter::TcpExtListenOverflows);
        k.count(Host::Server, Counter::TcpExtListenDrops);
        k.h.setFate(i, PacketFate::DroppedAcceptQueueFull, l);
        return;
    }
    // S4 / M19: the route for the SYN-ACK is looked up; an unroutable spoofed source fails here.
    if (isUnroutable(p.flow)) {
        k.count(Host::Server, Counter::TcpExtListenDrops);
        k.h.setFate(i, PacketFate::DroppedNoRoute, l);
        return;
    }
    // S5: without cookies, unproven peers are refused once qlen > max_syn_backlog − max_syn_backlog/4.
    if (ks.tcpSyncookies == 0 && !wantCookie && ks.tcpMaxSynBacklog - L.qlen < (ks.tcpMaxSynBacklog >> 2)) {
        const bool proven = !isSpoofed(p.flow) && s.proven.count(k.h.clients[p.flow].address) != 0;
        if (!proven) {
            k.count(Host::Server, Counter::TcpExtListenDrops);
            k.h.setFate(i, PacketFate::DroppedSynBacklog, l);
            return;
        }
    }
    k.h.setFate(i, PacketFate::Delivered, l);
    if (wantCookie) {
        sendCookieSynAck(k, p, l); // S6
        return;
    }
    // S8: a request socket in the SYN queue, its timer armed at TCP_TIMEOUT_INIT.
    const std::uint32_t r = newRequest(k, p.flow, l);
    send(k, p.flow, PacketKind::SynAck, false, false, 0, l);
    k.armTimer(kTimeoutInit, EventType::RequestTimer, r, s.requests[r].gen);
}

void listenerSegment(Kernel& k, std::uint32_t i, const Packet& p, int l) {
    // Section S, LISTEN: an RST is dropped.
    if (p.kind == PacketKind::Rst) {
        k.h.setFate(i, PacketFate::DroppedNoSocket, l);
        return;
    }
    if (cookieCheck(k, i, p, l)) return; // K1
    // K2: an ACK at a listener with no request and no valid cookie gets an RST.
    k.h.setFate(i, PacketFate::DroppedNoSocket, l);
    resetFlow(k, p.flow, l);
}

void closeListener(Kernel& k, int l) {
    SimState& s = k.s;
    ListenSock& L = s.listeners[idx(l)];
    if (!L.open) return;
    L.open = false;
    reuseportDetach(k, l); // R4
    // R6 (a): children still in the accept queue migrate (tcp_migrate_req=1, no fullness check) or
    // are reset (inet_child_forget → tcp_disconnect sends an RST).
    while (!L.acceptQueue.empty()) {
        const std::uint32_t c = L.acceptQueue.front();
        L.acceptQueue.pop_front();
        ChildSock& ch = s.children[c];
        const int target = reuseportMigrateTarget(k, ch.flow);
        if (target >= 0) {
            k.count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess);
            k.h.queues[idx(l)][1].leave(ch.stay, s.now, LeaveReason::Migrated);
            ch.listener = target;
            s.listeners[idx(target)].acceptQueue.push_back(c); // A9: no fullness check
            ch.stay = k.h.queues[idx(target)][1].enter(ch.flow, s.now);
            recordLengths(k, target);
            dataReady(k, target);
        } else {
            if (s.live.kernel.tcpMigrateReq) k.count(Host::Server, Counter::TcpExtTCPMigrateReqFailure);
            k.h.queues[idx(l)][1].leave(ch.stay, s.now, LeaveReason::Reset);
            ch.queued = false;
            const bool wasEstablished = ch.state == TcpState::Established || ch.state == TcpState::CloseWait;
            setChildState(k, c, TcpState::Closed);
            if (wasEstablished) resetFlow(k, ch.flow, l);
        }
    }
    stopWaiters(k, l);
    recordLengths(k, l);
}

} // namespace backlog
