// The network path: every segment takes rtt/2 plus jitter, unless loss or a lesson's fault drops it.
#include "model/kernel/Network.h"

#include "model/kernel/ClientSocket.h"
#include "model/kernel/Ehash.h"
#include "model/kernel/Kernel.h"

#include <algorithm>

namespace backlog {

namespace {

// A lesson's fault: a kind of segment lost for a while, for everyone or for one traffic entry.
bool faultDrops(const Kernel& k, FlowId flow, PacketKind kind, bool toServer) {
    const SimState& s = k.s;
    for (const Fault& f : s.live.network.faults) {
        if (s.now < f.from || s.now >= f.to) continue;
        if (!f.of.empty()) {
            if (isSpoofed(flow)) {
                continue; // a named fault applies to that entry's real clients only
            }
            if (s.live.traffic[s.clients[flow].traffic].clients.name != f.of &&
                s.live.traffic[s.clients[flow].traffic].flood.name != f.of)
                continue;
        }
        switch (f.drop) {
        case SegmentKind::All:
            return true;
        case SegmentKind::Syn:
            if (kind == PacketKind::Syn) return true;
            break;
        case SegmentKind::SynAck:
            if (kind == PacketKind::SynAck) return true;
            break;
        case SegmentKind::ClientAcks:
            if (toServer && kind == PacketKind::Ack) return true;
            break;
        case SegmentKind::Data:
            if (kind == PacketKind::Data) return true;
            break;
        }
    }
    return false;
}

} // namespace

void send(Kernel& k, FlowId flow, PacketKind kind, bool toServer, bool cookie, int retrans, int listener) {
    SimState& s = k.s;
    const NetworkSettings& net = s.live.network;
    Time delay = net.rtt / 2;
    if (net.jitter.count() > 0) {
        const std::uint64_t spread = static_cast<std::uint64_t>(net.jitter.count()) + 1;
        delay += Time::ns(static_cast<std::int64_t>(s.rng.below(spread)));
    }
    Packet p;
    p.sent = s.now;
    p.arrives = s.now + delay;
    p.flow = flow;
    p.kind = kind;
    p.toServer = toServer;
    p.cookie = cookie;
    p.retrans = static_cast<std::uint8_t>(std::min(retrans, 31));
    p.listener = static_cast<std::uint8_t>(listener); // for a client's segment: set at arrival
    if (!toServer || !isSpoofed(flow)) {
        const Host from = toServer ? Host::Clients : Host::Server;
        k.count(from, Counter::TcpOutSegs);
        if (kind == PacketKind::Rst) k.count(from, Counter::TcpOutRsts);
    }
    if (!toServer && isSpoofed(flow)) {
        p.fate = PacketFate::Unanswered; // the spoofed source does not exist (M19)
        k.h.addPacket(p);
        return;
    }
    if (faultDrops(k, flow, kind, toServer) || s.rng.chancePpm(net.lossPpm)) {
        p.fate = PacketFate::LostInNetwork;
        k.h.addPacket(p);
        return;
    }
    const std::uint32_t i = k.h.addPacket(p);
    k.push(p.arrives, EventType::Arrival, i);
}

void resetFlow(Kernel& k, FlowId flow, int listener) {
    send(k, flow, PacketKind::Rst, false, false, 0, listener);
}

void arrive(Kernel& k, std::uint32_t i) {
    const Packet p = k.h.packet(i);
    if (p.toServer)
        serverReceives(k, i, p);
    else
        clientReceives(k, i, p);
}

} // namespace backlog
