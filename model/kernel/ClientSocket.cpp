// The client side: connect() and the SYN schedule, the request and its retransmissions, the answers,
// and close(). Client hosts run the same kernel rules as the server (T6, M17, T2).
#include "model/kernel/ClientSocket.h"

#include "model/kernel/Kernel.h"
#include "model/kernel/Network.h"
#include "model/kernel/SynCookies.h"

#include <algorithm>

namespace backlog {

namespace {

constexpr Time kTimeoutFallback = Time::s(3); // TCP_TIMEOUT_FALLBACK (T5)
constexpr Time kRtoMin = Time::ms(200);       // TCP_RTO_MIN
constexpr int kDataRetries = 15;              // tcp_retries2

// Whether the entry opens another connection: until `clients` connect() calls, or (ab -n, M18) until
// `requests` requests have started, whichever the entry counts. A closed loop that counts requests stops
// at Limits::maxClients connect() calls whatever happens, so a run's work stays bounded.
bool opensMore(const ClientTraffic& ct, const TrafficGen& gen) {
    if (ct.concurrency > 0 && ct.requests > 0)
        return gen.requestsStarted < ct.requests && gen.started < Limits::maxClients;
    return gen.started < ct.clients;
}

void clientFinished(Kernel& k, std::uint32_t c) {
    const std::uint32_t t = k.s.clients[c].traffic;
    TrafficGen& gen = k.s.traffic[t];
    --gen.active;
    const ClientTraffic& ct = k.s.live.traffic[t].clients;
    // Closed loop (ab -c): a finished connection is replaced at once (M18).
    if (ct.concurrency > 0 && opensMore(ct, gen)) k.push(k.s.now, EventType::TrafficNext, t);
}

void clientFails(Kernel& k, std::uint32_t c, ClientError error) {
    ClientSock& cs = k.s.clients[c];
    ClientRecord& rec = k.h.clients[c];
    if (cs.state == TcpState::SynSent || cs.state == TcpState::SynRecv)
        k.count(Host::Clients, Counter::TcpAttemptFails); // tcp_done() in SYN_SENT (T6)
    if (cs.state == TcpState::Established || cs.state == TcpState::CloseWait)
        k.count(Host::Clients, Counter::TcpEstabResets); // A7b: the client side of a reset
    if (rec.error == ClientError::None) {
        rec.error = error;
        rec.errorAt = k.s.now;
    }
    ++cs.synGen;
    ++cs.dataGen;
    cs.dataOutstanding = false;
    setClientState(k, c, TcpState::Closed);
    clientFinished(k, c);
}

void clientSendRequest(Kernel& k, std::uint32_t c) {
    ClientSock& cs = k.s.clients[c];
    cs.dataOutstanding = true;
    cs.dataRetransmits = 0;
    send(k, c, PacketKind::Data, true, cs.cookie);
    // M17: a tail-loss probe about 200 ms after the write, then RTO backoff from 200 ms; without an
    // RTT sample from the handshake the RTO starts at TCP_TIMEOUT_FALLBACK instead (T5).
    cs.dataRto = cs.handshakeRetransmitted ? kTimeoutFallback : kRtoMin;
    k.armTimer(cs.dataRto, EventType::ClientDataTimer, c, ++cs.dataGen);
}

// S9: connect() succeeds after one RTT, whether or not the server will ever accept.
void clientConnected(Kernel& k, std::uint32_t c, const Packet& p) {
    ClientSock& cs = k.s.clients[c];
    ++cs.synGen;
    cs.cookie = p.cookie;
    cs.cookieMinute = cookieMinute(p.sent, k.s.cookiePhase); // K1: the minute the cookie carries
    setClientState(k, c, TcpState::Established);
    k.h.clients[c].connectedAt = k.s.now;
    send(k, c, PacketKind::Ack, true, p.cookie);
    const ClientTraffic& ct = k.s.live.traffic[cs.traffic].clients;
    // M18: ab -n counts a request once its connection is established; one stuck in SYN-SENT does not.
    ++k.s.traffic[cs.traffic].requestsStarted;
    if (ct.send) clientSendRequest(k, c);
    if (ct.closeAfter) k.push(k.s.now + *ct.closeAfter, EventType::ClientClose, c);
}

} // namespace

void setClientState(Kernel& k, std::uint32_t c, TcpState st) {
    ClientSock& cs = k.s.clients[c];
    const TcpState old = cs.state;
    if (old == st) return;
    // tcp_set_state(): CurrEstab follows ESTABLISHED; leaving ESTABLISHED/CLOSE_WAIT for CLOSE is a reset.
    if (st == TcpState::Established) k.count(Host::Clients, Counter::TcpCurrEstab);
    if (old == TcpState::Established) k.h.counters[1].drop(k.s.now, Counter::TcpCurrEstab);
    cs.state = st;
    k.h.clients[c].states.emplace_back(k.s.now, st);
}

void connect(Kernel& k, std::uint32_t t) {
    SimState& s = k.s;
    const TrafficEntry& te = s.live.traffic[t];
    if (te.kind != TrafficEntry::Kind::Clients) return;
    const ClientTraffic& ct = te.clients;
    TrafficGen& gen = s.traffic[t];
    if (!opensMore(ct, gen)) return;
    // M18: a closed loop (ab -c C) keeps at most C connections in progress.
    const bool closedLoop = ct.concurrency > 0;
    if (closedLoop && gen.active >= ct.concurrency) return;

    const auto c = static_cast<std::uint32_t>(s.clients.size());
    s.clients.emplace_back();
    ClientSock& cs = s.clients.back();
    cs.traffic = t;
    ClientRecord rec;
    rec.traffic = t;
    rec.address = 0x0A01'0000u | ((t + 1) & 0xFFFFu); // 10.1.x.y: one host per traffic entry, as ab is
    rec.port = static_cast<std::uint16_t>(32768 + (gen.started % 28232));
    rec.connectAt = s.now;
    k.h.clients.push_back(std::move(rec));
    ++gen.started;
    ++gen.active;

    // T6: connect() sends the SYN (ActiveOpens once) with an RTO of TCP_TIMEOUT_INIT.
    setClientState(k, c, TcpState::SynSent);
    k.count(Host::Clients, Counter::TcpActiveOpens);
    cs.firstSyn = s.now;
    cs.synRto = kTimeoutInit;
    k.h.clients[c].synTimes.push_back(s.now);
    send(k, c, PacketKind::Syn, true);
    k.armTimer(cs.synRto, EventType::ClientSynTimer, c, ++cs.synGen);

    // The next connect(): on schedule, or (closed loop, M18) at once while below the concurrency.
    if (opensMore(ct, gen)) {
        if (!closedLoop)
            k.push(ct.at + ct.spacing * gen.started, EventType::TrafficNext, t);
        else if (gen.active < ct.concurrency)
            k.push(s.now + ct.spacing, EventType::TrafficNext, t);
    }
}

void clientSynTimer(Kernel& k, std::uint32_t c) {
    SimState& s = k.s;
    ClientSock& cs = s.clients[c];
    if (cs.state != TcpState::SynSent) return;
    // T6: every RTO firing counts TCPTimeouts, then tcp_write_timeout() decides whether to give up:
    // retransmits >= syn_retries (+ linear_timeouts in SYN_SENT), or the modelled time has passed.
    k.count(Host::Clients, Counter::TcpExtTCPTimeouts);
    const KernelSettings& ks = s.live.kernel;
    const int maxRetransmits = ks.tcpSynRetries + ks.tcpSynLinearTimeouts;
    const int boundary = ks.tcpSynRetries;
    const int thresh = 6; // ilog2(TCP_RTO_MAX / TCP_TIMEOUT_INIT) = ilog2(120)
    const Time modelTimeout = boundary <= thresh
                                  ? kTimeoutInit * ((2LL << boundary) - 1)
                                  : kTimeoutInit * ((2LL << thresh) - 1) + kRtoMax * (boundary - thresh);
    const bool expired =
        cs.synRetransmits >= maxRetransmits || (cs.synRetransmits > 0 && s.now - cs.firstSyn >= modelTimeout);
    if (expired) {
        clientFails(k, c, ClientError::TimedOut);
        return;
    }
    ++cs.synRetransmits;
    cs.handshakeRetransmitted = true; // T5
    k.count(Host::Clients, Counter::TcpRetransSegs);
    k.count(Host::Clients, Counter::TcpExtTCPSynRetrans);
    k.h.clients[c].synTimes.push_back(s.now);
    send(k, c, PacketKind::Syn, true, false, cs.synRetransmits);
    // T6 / M10: the RTO is kept while retransmits <= tcp_syn_linear_timeouts, then doubles.
    if (cs.synRetransmits > ks.tcpSynLinearTimeouts) cs.synRto = std::min(cs.synRto * 2, kRtoMax);
    k.armTimer(cs.synRto, EventType::ClientSynTimer, c, ++cs.synGen);
}

void clientDataTimer(Kernel& k, std::uint32_t c) {
    ClientSock& cs = k.s.clients[c];
    if (!cs.dataOutstanding || (cs.state != TcpState::Established && cs.state != TcpState::CloseWait)) return;
    if (cs.dataRetransmits >= kDataRetries) {
        clientFails(k, c, ClientError::TimedOut);
        return;
    }
    // M17: the first retransmission is a tail-loss probe and does not back off; T5: none after a
    // handshake that retransmitted, whose RTO already starts at 3 s.
    const bool probe = cs.dataRetransmits == 0 && !cs.handshakeRetransmitted;
    k.count(Host::Clients, probe ? Counter::TcpExtTCPLossProbes : Counter::TcpExtTCPTimeouts);
    k.count(Host::Clients, Counter::TcpRetransSegs);
    ++cs.dataRetransmits;
    send(k, c, PacketKind::Data, true, cs.cookie, cs.dataRetransmits);
    if (!probe) cs.dataRto = std::min(cs.dataRto * 2, kRtoMax);
    k.armTimer(cs.dataRto, EventType::ClientDataTimer, c, ++cs.dataGen);
}

void clientCloses(Kernel& k, std::uint32_t c) {
    ClientSock& cs = k.s.clients[c];
    if (cs.state != TcpState::Established) return;
    ++cs.dataGen;
    cs.dataOutstanding = false;
    if (k.s.live.traffic[cs.traffic].clients.abort) {
        // SO_LINGER 0: an RST, and the socket is gone (tcp_disconnect: EstabResets on the client).
        send(k, c, PacketKind::Rst, true);
        k.count(Host::Clients, Counter::TcpEstabResets);
        setClientState(k, c, TcpState::Closed);
    } else {
        send(k, c, PacketKind::Fin, true);
        setClientState(k, c, TcpState::FinWait1);
        return; // finished when the server's FIN comes back
    }
    clientFinished(k, c);
}

void clientReceives(Kernel& k, std::uint32_t i, const Packet& p) {
    const auto c = p.flow;
    ClientSock& cs = k.s.clients[c];
    k.count(Host::Clients, Counter::TcpInSegs);
    k.h.setFate(i, PacketFate::Delivered, p.listener);
    if (cs.state == TcpState::Closed) {
        // No socket: the client host answers with an RST, unless the segment is one.
        k.h.setFate(i, PacketFate::DroppedNoSocket, p.listener);
        if (p.kind != PacketKind::Rst) send(k, c, PacketKind::Rst, true);
        return;
    }
    switch (p.kind) {
    case PacketKind::SynAck:
        if (cs.state == TcpState::SynSent) {
            clientConnected(k, c, p); // S9
        } else {
            // T2: a retransmitted SYN-ACK reaches an ESTABLISHED client: a challenge ACK, at most
            // one per tcp_invalid_ratelimit. That ACK retries the server's insertion (A7).
            k.count(Host::Clients, Counter::TcpExtTCPSYNChallenge);
            if (k.s.now - cs.lastChallengeAck >= kInvalidRatelimit) {
                cs.lastChallengeAck = k.s.now;
                k.count(Host::Clients, Counter::TcpExtTCPChallengeACK);
                send(k, c, PacketKind::Ack, true, cs.cookie);
            }
        }
        break;
    case PacketKind::Rst:
        // T6: an RST in SYN_SENT refuses the connection; A7b/K2 on an established one resets it.
        clientFails(k, c,
                    cs.state == TcpState::SynSent ? ClientError::ConnectionRefused
                                                  : ClientError::ConnectionReset);
        break;
    case PacketKind::Ack:
        if (cs.dataOutstanding) {
            cs.dataOutstanding = false;
            ++cs.dataGen;
        }
        if (cs.state == TcpState::LastAck) {
            setClientState(k, c, TcpState::Closed);
            clientFinished(k, c);
        } else if (cs.state == TcpState::FinWait1) {
            setClientState(k, c, TcpState::FinWait2);
        }
        break;
    case PacketKind::Data:
        if (cs.state == TcpState::FinWait1 || cs.state == TcpState::FinWait2) {
            // Data for a socket the application has closed: the kernel resets (TCPAbortOnData).
            send(k, c, PacketKind::Rst, true);
            setClientState(k, c, TcpState::Closed);
            clientFinished(k, c);
            break;
        }
        cs.dataOutstanding = false; // the response acknowledges the request
        ++cs.dataGen;
        if (k.h.clients[c].respondedAt.isNever()) k.h.clients[c].respondedAt = k.s.now;
        break;
    case PacketKind::Fin:
        if (cs.state == TcpState::FinWait1 || cs.state == TcpState::FinWait2) {
            send(k, c, PacketKind::Ack, true);
            setClientState(k, c, TcpState::TimeWait);
            k.push(k.s.now + kTimeWait, EventType::TimeWaitDone, c | kClientTimeWait);
            clientFinished(k, c);
            break;
        }
        // The server closed: the client reads the response (or EOF), then closes its side.
        cs.dataOutstanding = false;
        ++cs.dataGen;
        if (k.h.clients[c].respondedAt.isNever()) k.h.clients[c].respondedAt = k.s.now;
        setClientState(k, c, TcpState::CloseWait);
        send(k, c, PacketKind::Fin, true);
        setClientState(k, c, TcpState::LastAck);
        break;
    case PacketKind::Syn:
        break;
    }
}

} // namespace backlog
