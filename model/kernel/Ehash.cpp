// The established hash: every segment reaching the server is looked up here first (section S,
// lookup); only a segment with no entry goes to a listener.
#include "model/kernel/Ehash.h"

#include "model/kernel/ChildSocket.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/Network.h"
#include "model/kernel/RequestSock.h"
#include "model/kernel/ReuseportGroup.h"

#include <algorithm>

namespace backlog {

// A real client's entry is kept with the client; a spoofed flow's request in a map of its own.
ServerRef serverRef(const Kernel& k, FlowId f) {
    if (!isSpoofed(f)) return k.s.clients[f].server;
    auto it = k.s.spoofedRequests.find(f);
    if (it == k.s.spoofedRequests.end()) return {};
    return {ServerRef::Type::Request, it->second};
}

void setServerRef(Kernel& k, FlowId f, ServerRef ref) {
    if (!isSpoofed(f)) {
        k.s.clients[f].server = ref;
        return;
    }
    if (ref.type == ServerRef::Type::None)
        k.s.spoofedRequests.erase(f);
    else
        k.s.spoofedRequests[f] = ref.index;
}

void serverReceives(Kernel& k, std::uint32_t i, const Packet& p) {
    SimState& s = k.s;
    k.count(Host::Server, Counter::TcpInSegs);
    // The ehash first: established children and request sockets (section S, lookup). A spoofed SYN
    // opens a flow of its own (spoofers never retransmit), so it can have no entry yet.
    const bool freshSpoofedSyn = isSpoofed(p.flow) && p.kind == PacketKind::Syn;
    const ServerRef ref = freshSpoofedSyn ? ServerRef{} : serverRef(k, p.flow);
    if (ref.type == ServerRef::Type::Child) {
        childSegment(k, i, p, ref.index);
        return;
    }
    if (ref.type == ServerRef::Type::Request) {
        if (s.listeners[idx(s.requests[ref.index].listener)].open) {
            requestSegment(k, i, p, ref.index);
            return;
        }
        // R6 (c): the request's listener is closed. With tcp_migrate_req the request moves to a
        // listener chosen by hash; without it, it is dropped and the segment looked up again.
        const int target = reuseportMigrateTarget(k, p.flow);
        if (target >= 0) {
            migrateRequest(k, ref.index, target);
            requestSegment(k, i, p, ref.index, true);
            return;
        }
        unlinkRequest(k, ref.index, LeaveReason::Reset);
    }
    const int l = selectListener(k, p.flow);
    if (l < 0 || !s.listeners[idx(l)].open) {
        // No listening socket (the group is empty: R4, R6): a SYN is refused, anything else is reset
        // (tcp_v4_send_reset).
        k.h.setFate(i, PacketFate::DroppedNoSocket, std::max(l, 0));
        if (p.kind != PacketKind::Rst) resetFlow(k, p.flow, std::max(l, 0));
        return;
    }
    if (p.kind == PacketKind::Syn)
        connRequest(k, i, p, l);
    else
        listenerSegment(k, i, p, l);
}

} // namespace backlog
