// Child sockets: made when the handshake completes, queued until accept(), ESTABLISHED all along;
// then served and closed by the application.
#include "model/kernel/ChildSocket.h"

#include "model/kernel/Ehash.h"
#include "model/kernel/Kernel.h"
#include "model/kernel/ListenSocket.h"
#include "model/kernel/Network.h"
#include "model/kernel/Workers.h"

namespace backlog {

std::uint32_t createChild(Kernel& k, FlowId flow, int l) {
    SimState& s = k.s;
    // tcp_create_openreq_child(): PassiveOpens counts children, not SYNs (M16).
    k.count(Host::Server, Counter::TcpPassiveOpens);
    k.count(Host::Server, Counter::TcpCurrEstab);
    const auto c = static_cast<std::uint32_t>(s.children.size());
    s.children.emplace_back();
    ChildSock& ch = s.children.back();
    ch.flow = flow;
    ch.listener = l;
    ch.queued = true;
    // A8: the tail of the accept queue, with no check of its own (A9: Q1 was checked before).
    ListenSock& L = s.listeners[idx(l)];
    L.acceptQueue.push_back(c);
    ch.stay = k.h.queues[idx(l)][1].enter(flow, s.now);
    setServerRef(k, flow, {ServerRef::Type::Child, c});
    k.h.clients[flow].serverStates.emplace_back(s.now, TcpState::Established);
    recordLengths(k, l);
    dataReady(k, l); // A8: sk_data_ready() wakes the workers (P-rules)
    return c;
}

void setChildState(Kernel& k, std::uint32_t c, TcpState st) {
    ChildSock& ch = k.s.children[c];
    if (ch.state == st) return;
    // tcp_set_state(): CurrEstab follows ESTABLISHED; leaving ESTABLISHED/CLOSE_WAIT for CLOSE is a reset.
    if (ch.state == TcpState::Established) k.h.counters[0].drop(k.s.now, Counter::TcpCurrEstab);
    if (st == TcpState::Closed && (ch.state == TcpState::Established || ch.state == TcpState::CloseWait))
        k.count(Host::Server, Counter::TcpEstabResets);
    ch.state = st;
    k.h.clients[ch.flow].serverStates.emplace_back(k.s.now, st);
    if (st == TcpState::Closed) {
        ++ch.gen;
        setServerRef(k, ch.flow, {});
    }
}

void childSegment(Kernel& k, std::uint32_t i, const Packet& p, std::uint32_t c) {
    SimState& s = k.s;
    ChildSock& ch = s.children[c];
    k.h.setFate(i, PacketFate::Delivered, ch.listener);
    switch (p.kind) {
    case PacketKind::Data:
        // D1: data waits in the child's receive queue until accept() + read(); it is ACKed now.
        // D2: that includes data in the segment that completed the handshake.
        if (k.h.clients[ch.flow].dataQueuedAt.isNever()) k.h.clients[ch.flow].dataQueuedAt = s.now;
        send(k, ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
        break;
    case PacketKind::Fin:
        if (ch.state == TcpState::Established) {
            setChildState(k, c, TcpState::CloseWait); // D3, D5: stays in the accept queue, still counted
            send(k, ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
        } else if (ch.state == TcpState::FinWait1 || ch.state == TcpState::FinWait2) {
            // Both sides closed: TIME-WAIT on the server, which closed first.
            setChildState(k, c, TcpState::TimeWait);
            send(k, ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
            s.proven.insert(k.h.clients[ch.flow].address); // S5: tcp_update_metrics() keeps an RTT sample
            k.push(s.now + kTimeWait, EventType::TimeWaitDone, c, ch.gen);
        }
        break;
    case PacketKind::Rst:
        // D4: a reset child stays in the accept queue, still counted (D5); accept() still returns it.
        setChildState(k, c, TcpState::Closed);
        break;
    case PacketKind::Ack:
        if (ch.state == TcpState::LastAck) setChildState(k, c, TcpState::Closed); // the last ACK of a close
        break;
    case PacketKind::Syn:
        k.h.setFate(i, PacketFate::DroppedDuplicateSyn, ch.listener);
        break;
    default:
        break;
    }
}

void closeChild(Kernel& k, std::uint32_t c) {
    ChildSock& ch = k.s.children[c];
    if (ch.state == TcpState::Established || ch.state == TcpState::CloseWait) {
        // close(): the response and a FIN go out.
        send(k, ch.flow, PacketKind::Data, false, false, 0, ch.listener);
        send(k, ch.flow, PacketKind::Fin, false, false, 0, ch.listener);
        setChildState(k, c, ch.state == TcpState::CloseWait ? TcpState::LastAck : TcpState::FinWait1);
    } else if (ch.state == TcpState::Closed) {
        setServerRef(k, ch.flow, {});
    }
}

} // namespace backlog
