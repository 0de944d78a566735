// SYN cookies: the SYN-ACK that keeps no state when the SYN queue is full, and the ACK that proves it.
#include "model/kernel/SynCookies.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/Network.h"

#include <string>

namespace backlog {

bool synFloodAction(Kernel& k, std::uint32_t i, int l) {
    const KernelSettings& ks = k.s.live.kernel;
    ListenSock& L = k.s.listeners[idx(l)];
    bool wantCookie = false;
    if (ks.tcpSyncookies != 0) {
        // S1 / M4: a cookie instead of a request; with syncookies=2 for every SYN.
        wantCookie = true;
        k.count(Host::Server, Counter::TcpExtTCPReqQFullDoCookies);
    } else {
        // S1 / M4: without cookies the SYN is dropped silently.
        k.count(Host::Server, Counter::TcpExtTCPReqQFullDrop);
        k.count(Host::Server, Counter::TcpExtListenDrops);
        k.h.setFate(i, PacketFate::DroppedSynQueueFull, l);
    }
    if (ks.tcpSyncookies != 2 && !L.synfloodWarned) {
        L.synfloodWarned = true; // S1: logged once per listener, never reset
        k.kernelLog("TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:" +
                    std::to_string(k.s.live.server.port) + ". " +
                    (ks.tcpSyncookies ? "Sending cookies." : "Dropping request."));
    }
    return wantCookie;
}

void sendCookieSynAck(Kernel& k, const Packet& p, int l) {
    // S6: a cookie SYN-ACK; nothing is kept, nothing will be retransmitted. The overflow time it
    // records is the group's (R4) and opens the window in which K1 checks ACKs.
    k.count(Host::Server, Counter::TcpExtSyncookiesSent);
    k.s.lastSynqOverflow = k.s.now;
    k.s.everOverflowed = true;
    send(k, p.flow, PacketKind::SynAck, false, true, 0, l);
}

bool cookieCheck(Kernel& k, std::uint32_t i, const Packet& p, int l) {
    SimState& s = k.s;
    // K1: cookies are checked only after a recent SYN-queue overflow ([last − 1 s, last + 120 s]).
    const bool recent = s.everOverflowed && s.now >= s.lastSynqOverflow - Time::s(1) &&
                        s.now <= s.lastSynqOverflow + Time::s(120);
    if (s.live.kernel.tcpSyncookies == 0 || !recent) return false;
    // K1: a cookie is valid for two minute counters (MAX_SYNCOOKIE_AGE).
    const bool isCookie = !isSpoofed(p.flow) && s.clients[p.flow].cookie;
    if (!isCookie || cookieMinute(s.now, s.cookiePhase) - s.clients[p.flow].cookieMinute >= 2) {
        k.count(Host::Server, Counter::TcpExtSyncookiesFailed);
        return false;
    }
    k.count(Host::Server, Counter::TcpExtSyncookiesRecv);
    if (acceptQueueFull(s.listeners[idx(l)])) {
        // K1 overflow (M9): dropped, no RST whatever tcp_abort_on_overflow says, no state.
        k.count(Host::Server, Counter::TcpExtListenOverflows);
        k.count(Host::Server, Counter::TcpExtListenDrops);
        k.h.setFate(i, PacketFate::DroppedCookieQueueFull, l);
        return true;
    }
    // K1: the child is made at once; TCP_DEFER_ACCEPT is bypassed.
    k.h.setFate(i, PacketFate::Delivered, l);
    if (!isSpoofed(p.flow) && k.h.clients[p.flow].serverStates.empty())
        k.h.clients[p.flow].serverStates.emplace_back(s.now, TcpState::SynRecv);
    const std::uint32_t child = createChild(k, p.flow, l);
    childSegment(k, i, p, child);
    return true;
}

} // namespace backlog
