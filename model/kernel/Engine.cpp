// The rules of shared/KERNEL.md, one event at a time. Each branch cites the rule it implements.
#include "model/kernel/Engine.h"

#include "model/scenario/Settings.h"

#include <algorithm>
#include <cassert>

namespace backlog {

namespace {

constexpr Time kInvalidRatelimit = Time::ms(500);   // tcp_invalid_ratelimit = HZ/2 (A1, T2)
constexpr Time kTimeWait = Time::s(60);             // TCP_TIMEWAIT_LEN
constexpr Time kWakeupLatency = Time::us(10);       // from sk_data_ready() to the woken task running
constexpr Time kTimeoutInit = Time::s(1);           // TCP_TIMEOUT_INIT (T1, T6)
constexpr Time kTimeoutFallback = Time::s(3);       // TCP_TIMEOUT_FALLBACK (T5)
constexpr Time kRtoMin = Time::ms(200);             // TCP_RTO_MIN
constexpr Time kRtoMax = Time::s(120);              // TCP_RTO_MAX
constexpr int kDataRetries = 15;                    // tcp_retries2
constexpr Time kCookiePeriod = Time::s(60);         // TCP_SYNCOOKIE_PERIOD; valid for 2 (MAX_SYNCOOKIE_AGE)
constexpr std::uint32_t kServerAddress = 0x0A00'0001; // 10.0.0.1
constexpr std::uint32_t kClientTimeWait = 0x8000'0000u;  // TimeWaitDone for a client, not a child

std::uint32_t rol32(std::uint32_t w, int s) { return (w << s) | (w >> (32 - s)); }

// include/linux/jhash.h: jhash_3words(), the keyed hash behind inet_ehashfn() (R2).
std::uint32_t jhash3(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t initval) {
    const std::uint32_t init = initval + 0xdeadbeefu + (3u << 2);
    a += init;
    b += init;
    c += init;
    c ^= b; c -= rol32(b, 14);
    a ^= c; a -= rol32(c, 11);
    b ^= a; b -= rol32(a, 25);
    c ^= b; c -= rol32(b, 16);
    a ^= c; a -= rol32(c, 4);
    b ^= a; b -= rol32(a, 14);
    c ^= b; c -= rol32(b, 24);
    return c;
}

std::size_t idx(int i) { return static_cast<std::size_t>(i); }

// When the n-th SYN of a flood of `rate` per second leaves, after its start: n/rate seconds, exactly.
Time floodOffset(std::int64_t n, std::int64_t rate) {
    constexpr std::int64_t second = 1'000'000'000;
    return Time::ns(n / rate * second + (n % rate) * second / rate);
}

} // namespace

// ------------------------------------------------------------------------------------ state

SimState::SimState(const Scenario& scenario)
    : live(scenario), rng(scenario.seed), wheel(scenario.kernel.hz, mix64(scenario.seed ^ 0x6a09e667ULL) & 0xFFFFF) {
    hashSecret = static_cast<std::uint32_t>(mix64(scenario.seed ^ 0xbb67ae85ULL));
    cookiePhase = static_cast<std::int64_t>(mix64(scenario.seed ^ 0x3c6ef372ULL) % 60'000'000'000ULL);
}

// ------------------------------------------------------------------------------------ plumbing

void Engine::push(Time at, EventType type, std::uint32_t target, std::uint32_t gen) {
    // Class 2: ordinary events keep the order in which they were scheduled.
    s_.queue.push({at, (2ULL << 62) | s_.seq++, target, gen, type}, static_cast<std::size_t>(type));
}

void Engine::pushIntervention(std::size_t index) {
    const Intervention& iv = s_.live.events[index];
    s_.queue.push({iv.at, s_.seq++, static_cast<std::uint32_t>(index), 0, EventType::Intervention}, EventQueue::kNoLane);
}

void Engine::armKernelTimer(Time delay, EventType type, std::uint32_t target, std::uint32_t gen) {
    // M11: the expiry is rounded up to the wheel's granularity; in one tick, higher levels fire first
    // and, within a bucket, the newest timer first (hlist_add_head).
    const TimerWheel::Expiry e = s_.wheel.arm(s_.now, s_.wheel.jiffiesFor(delay));
    const std::uint64_t newestFirst = (1ULL << 54) - 1 - (s_.seq++ & ((1ULL << 54) - 1));
    const std::uint64_t order = (1ULL << 62) | (static_cast<std::uint64_t>(15 - e.level) << 54) | newestFirst;
    s_.queue.push({e.at, order, target, gen, type}, EventQueue::kNoLane);
}

void Engine::count(Host host, Counter c) {
    const auto h = static_cast<std::size_t>(host);
    if (pendingCount_[h] == pending_[h].size()) flushCounters(); // an event that bumps very many
    pending_[h][pendingCount_[h]++] = c;
}

void Engine::flushCounters() {
    for (std::size_t h = 0; h < 2; ++h) {
        if (pendingCount_[h] == 0) continue;
        h_.counters[h].bump(s_.now, pending_[h].data(), pendingCount_[h]);
        pendingCount_[h] = 0;
    }
}

void Engine::kernelLog(std::string text) { log_.push_back({s_.now, std::move(text)}); }

// ------------------------------------------------------------------------------------ start

void Engine::start() {
    const Scenario& sc = s_.live;
    const int n = sc.server.listeners;
    for (int i = 0; i < n; ++i) addListener();
    for (std::size_t t = 0; t < sc.traffic.size(); ++t) {
        s_.traffic.emplace_back();
        s_.floodSent.push_back(0);
        const TrafficEntry& e = sc.traffic[t];
        if (e.held) continue; // started by a start-traffic intervention
        push(e.kind == TrafficEntry::Kind::Clients ? e.clients.at : e.flood.from,
             e.kind == TrafficEntry::Kind::Clients ? EventType::TrafficNext : EventType::FloodNext,
             static_cast<std::uint32_t>(t));
    }
    for (int w = 0; w < sc.server.workers.count; ++w) {
        s_.workers.push_back({});
        s_.workers.back().listener = w % n; // dealt out among the listeners
        h_.workers.push_back({w % n, {}});
    }
    push(sc.server.workers.start, EventType::WorkersStart, 0);
    for (std::size_t i = 0; i < sc.events.size(); ++i) pushIntervention(i);
}

void Engine::addListener() {
    const int l = static_cast<int>(s_.listeners.size());
    s_.listeners.emplace_back();
    s_.group.push_back(l); // __reuseport_add_sock appends (R4)
    h_.listeners.push_back({static_cast<std::uint16_t>(s_.live.server.port), {}});
    h_.queues.emplace_back();
    h_.wastedWakeups.emplace_back();
    listen(l);
}

void Engine::listen(int l) {
    // L1: (unsigned)backlog > somaxconn → somaxconn; a negative backlog therefore means somaxconn.
    // L3: listen() again on a listening socket only updates sk_max_ack_backlog.
    const std::int64_t backlog = s_.live.server.backlog;
    const std::int64_t somaxconn = s_.live.kernel.somaxconn;
    s_.listeners[idx(l)].maxBacklog = (backlog < 0 || backlog > somaxconn) ? somaxconn : backlog;
    recordLengths(l);
}

void Engine::recordLengths(int l) {
    const Listener& L = s_.listeners[idx(l)];
    auto& ch = h_.listeners[idx(l)].changes;
    const ListenerRecord::Change c{s_.now, static_cast<std::int32_t>(L.acceptQueue.size()),
                                   static_cast<std::int32_t>(L.qlen), L.maxBacklog, L.open};
    if (!ch.empty() && ch.back().at == s_.now) ch.back() = c;
    else ch.push_back(c);
}

// ------------------------------------------------------------------------------------ dispatch

void Engine::process(const Event& e) {
    assert(e.at >= s_.now); // time never goes backwards
    s_.now = e.at;
    switch (e.type) {
    case EventType::Intervention: intervene(e.target); break;
    case EventType::TrafficNext: connect(e.target); break;
    case EventType::FloodNext: {
        const TrafficEntry& te = s_.live.traffic[e.target];
        const FloodTraffic& f = te.flood;
        std::int64_t& n = s_.floodSent[e.target];
        if (te.kind != TrafficEntry::Kind::Flood || s_.now >= f.to || f.ratePerSecond <= 0) break;
        const FlowId flow = kSpoofedFlow | (f.routable ? 0 : kUnroutableFlow) | s_.spoofedCount++;
        send(flow, PacketKind::Syn, true);
        ++n;
        // The n-th SYN leaves at from + n/rate, computed exactly in integers; never before now (a change of
        // the flood's `from` during it must not send time backwards: the SYNs it would owe leave now).
        const Time next = std::max(s_.now, f.from + floodOffset(n, f.ratePerSecond));
        if (next < f.to) push(next, EventType::FloodNext, e.target);
        break;
    }
    case EventType::Arrival: arrive(e.target); break;
    case EventType::ClientSynTimer:
        if (s_.clients[e.target].synGen == e.gen) clientSynTimer(e.target);
        break;
    case EventType::ClientDataTimer:
        if (s_.clients[e.target].dataGen == e.gen) clientDataTimer(e.target);
        break;
    case EventType::RequestTimer:
        if (s_.requests[e.target].live && s_.requests[e.target].gen == e.gen) requestTimer(e.target);
        break;
    case EventType::WorkersStart: startWorkers(0); break;
    case EventType::WorkerRun:
        if (s_.workers[e.target].gen == e.gen) workerRun(e.target);
        break;
    case EventType::ServiceDone:
        if (s_.workers[e.target].gen == e.gen) serviceDone(e.target);
        break;
    case EventType::ConnectionDone: connectionDone(e.target); break;
    case EventType::ClientClose: clientCloses(e.target); break;
    case EventType::TimeWaitDone:
        if (e.target & kClientTimeWait) setClientState(e.target & ~kClientTimeWait, TcpState::Closed);
        else if (s_.children[e.target].gen == e.gen) setChildState(e.target, TcpState::Closed);
        break;
    }
    flushCounters();
}

// ------------------------------------------------------------------------------------ network

bool Engine::faultDrops(FlowId flow, PacketKind kind, bool toServer) const {
    for (const Fault& f : s_.live.network.faults) {
        if (s_.now < f.from || s_.now >= f.to) continue;
        if (!f.of.empty()) {
            if (isSpoofed(flow)) {
                continue; // a named fault applies to that entry's real clients only
            }
            if (s_.live.traffic[s_.clients[flow].traffic].clients.name != f.of &&
                s_.live.traffic[s_.clients[flow].traffic].flood.name != f.of)
                continue;
        }
        switch (f.drop) {
        case SegmentKind::All: return true;
        case SegmentKind::Syn: if (kind == PacketKind::Syn) return true; break;
        case SegmentKind::SynAck: if (kind == PacketKind::SynAck) return true; break;
        case SegmentKind::ClientAcks: if (toServer && kind == PacketKind::Ack) return true; break;
        case SegmentKind::Data: if (kind == PacketKind::Data) return true; break;
        }
    }
    return false;
}

void Engine::send(FlowId flow, PacketKind kind, bool toServer, bool cookie, int retrans, int listener) {
    const NetworkSettings& net = s_.live.network;
    Time delay = net.rtt / 2;
    if (net.jitter.count() > 0) delay += Time::ns(static_cast<std::int64_t>(s_.rng.below(static_cast<std::uint64_t>(net.jitter.count()) + 1)));
    Packet p;
    p.sent = s_.now;
    p.arrives = s_.now + delay;
    p.flow = flow;
    p.kind = kind;
    p.toServer = toServer;
    p.cookie = cookie;
    p.retrans = static_cast<std::uint8_t>(std::min(retrans, 31));
    p.listener = static_cast<std::uint8_t>(listener); // for a client's segment: set at arrival
    if (!toServer || !isSpoofed(flow)) {
        const Host from = toServer ? Host::Clients : Host::Server;
        count(from, Counter::TcpOutSegs);
        if (kind == PacketKind::Rst) count(from, Counter::TcpOutRsts);
    }
    if (!toServer && isSpoofed(flow)) {
        p.fate = PacketFate::Unanswered; // the spoofed source does not exist (M19)
        h_.addPacket(p);
        return;
    }
    if (faultDrops(flow, kind, toServer) || s_.rng.chancePpm(net.lossPpm)) {
        p.fate = PacketFate::LostInNetwork;
        h_.addPacket(p);
        return;
    }
    const std::uint32_t i = h_.addPacket(p);
    push(p.arrives, EventType::Arrival, i);
}

void Engine::arrive(std::uint32_t i) {
    const Packet p = h_.packet(i);
    if (p.toServer) serverReceives(i, p);
    else clientReceives(i, p);
}

// ------------------------------------------------------------------------------------ clients

void Engine::setClientState(std::uint32_t c, TcpState st) {
    ClientSock& cs = s_.clients[c];
    const TcpState old = cs.state;
    if (old == st) return;
    // tcp_set_state(): CurrEstab follows ESTABLISHED; leaving ESTABLISHED/CLOSE_WAIT for CLOSE is a reset.
    if (st == TcpState::Established) count(Host::Clients, Counter::TcpCurrEstab);
    if (old == TcpState::Established) h_.counters[1].drop(s_.now, Counter::TcpCurrEstab);
    cs.state = st;
    h_.clients[c].states.emplace_back(s_.now, st);
}

void Engine::connect(std::uint32_t t) {
    const TrafficEntry& te = s_.live.traffic[t];
    if (te.kind != TrafficEntry::Kind::Clients) return;
    const ClientTraffic& ct = te.clients;
    TrafficGen& gen = s_.traffic[t];
    if (gen.started >= ct.clients) return;
    const bool closedLoop = ct.concurrency > 0;
    if (closedLoop && gen.active >= ct.concurrency) return;

    const auto c = static_cast<std::uint32_t>(s_.clients.size());
    s_.clients.emplace_back();
    ClientSock& cs = s_.clients.back();
    cs.traffic = t;
    ClientRecord rec;
    rec.traffic = t;
    rec.address = 0x0A01'0000u | ((t + 1) & 0xFFFFu); // 10.1.x.y: one host per traffic entry, as ab is
    rec.port = static_cast<std::uint16_t>(32768 + (gen.started % 28232));
    rec.connectAt = s_.now;
    h_.clients.push_back(std::move(rec));
    ++gen.started;
    ++gen.active;

    // T6: connect() sends the SYN (ActiveOpens once) with an RTO of TCP_TIMEOUT_INIT.
    setClientState(c, TcpState::SynSent);
    count(Host::Clients, Counter::TcpActiveOpens);
    cs.firstSyn = s_.now;
    cs.synRto = kTimeoutInit;
    h_.clients[c].synTimes.push_back(s_.now);
    send(c, PacketKind::Syn, true);
    armKernelTimer(cs.synRto, EventType::ClientSynTimer, c, ++cs.synGen);

    if (gen.started < ct.clients) {
        if (!closedLoop) push(ct.at + ct.spacing * gen.started, EventType::TrafficNext, t);
        else if (gen.active < ct.concurrency) push(s_.now + ct.spacing, EventType::TrafficNext, t);
    }
}

void Engine::clientSynTimer(std::uint32_t c) {
    ClientSock& cs = s_.clients[c];
    if (cs.state != TcpState::SynSent) return;
    // T6: every RTO firing counts TCPTimeouts, then tcp_write_timeout() decides whether to give up:
    // retransmits >= syn_retries (+ linear_timeouts in SYN_SENT), or the modelled time has passed.
    count(Host::Clients, Counter::TcpExtTCPTimeouts);
    const KernelSettings& k = s_.live.kernel;
    const int maxRetransmits = k.tcpSynRetries + k.tcpSynLinearTimeouts;
    const int boundary = k.tcpSynRetries;
    const int thresh = 6; // ilog2(TCP_RTO_MAX / TCP_TIMEOUT_INIT) = ilog2(120)
    const Time modelTimeout = boundary <= thresh ? kTimeoutInit * ((2LL << boundary) - 1)
                                                 : kTimeoutInit * ((2LL << thresh) - 1) + kRtoMax * (boundary - thresh);
    const bool expired = cs.synRetransmits >= maxRetransmits ||
                         (cs.synRetransmits > 0 && s_.now - cs.firstSyn >= modelTimeout);
    if (expired) {
        clientFails(c, ClientError::TimedOut);
        return;
    }
    ++cs.synRetransmits;
    cs.handshakeRetransmitted = true;
    count(Host::Clients, Counter::TcpRetransSegs);
    count(Host::Clients, Counter::TcpExtTCPSynRetrans);
    h_.clients[c].synTimes.push_back(s_.now);
    send(c, PacketKind::Syn, true, false, cs.synRetransmits);
    // Linear phase: the RTO is kept while retransmits <= tcp_syn_linear_timeouts, then doubles.
    if (cs.synRetransmits > k.tcpSynLinearTimeouts) cs.synRto = std::min(cs.synRto * 2, kRtoMax);
    armKernelTimer(cs.synRto, EventType::ClientSynTimer, c, ++cs.synGen);
}

void Engine::clientSendRequest(std::uint32_t c) {
    ClientSock& cs = s_.clients[c];
    cs.dataOutstanding = true;
    cs.dataRetransmits = 0;
    send(c, PacketKind::Data, true, cs.cookie);
    // M17: a tail-loss probe about 200 ms after the write, then RTO backoff from 200 ms; without an
    // RTT sample from the handshake the RTO starts at TCP_TIMEOUT_FALLBACK instead (T5).
    cs.dataRto = cs.handshakeRetransmitted ? kTimeoutFallback : kRtoMin;
    armKernelTimer(cs.dataRto, EventType::ClientDataTimer, c, ++cs.dataGen);
}

void Engine::clientDataTimer(std::uint32_t c) {
    ClientSock& cs = s_.clients[c];
    if (!cs.dataOutstanding || (cs.state != TcpState::Established && cs.state != TcpState::CloseWait)) return;
    if (cs.dataRetransmits >= kDataRetries) {
        clientFails(c, ClientError::TimedOut);
        return;
    }
    const bool probe = cs.dataRetransmits == 0 && !cs.handshakeRetransmitted;
    count(Host::Clients, probe ? Counter::TcpExtTCPLossProbes : Counter::TcpExtTCPTimeouts);
    count(Host::Clients, Counter::TcpRetransSegs);
    ++cs.dataRetransmits;
    send(c, PacketKind::Data, true, cs.cookie, cs.dataRetransmits);
    if (!probe) cs.dataRto = std::min(cs.dataRto * 2, kRtoMax);
    armKernelTimer(cs.dataRto, EventType::ClientDataTimer, c, ++cs.dataGen);
}

void Engine::clientFails(std::uint32_t c, ClientError error) {
    ClientSock& cs = s_.clients[c];
    ClientRecord& rec = h_.clients[c];
    if (cs.state == TcpState::SynSent || cs.state == TcpState::SynRecv)
        count(Host::Clients, Counter::TcpAttemptFails); // tcp_done() in SYN_SENT (T6)
    if (cs.state == TcpState::Established || cs.state == TcpState::CloseWait)
        count(Host::Clients, Counter::TcpEstabResets);
    if (rec.error == ClientError::None) {
        rec.error = error;
        rec.errorAt = s_.now;
    }
    ++cs.synGen;
    ++cs.dataGen;
    cs.dataOutstanding = false;
    setClientState(c, TcpState::Closed);
    clientFinished(c);
}

void Engine::clientCloses(std::uint32_t c) {
    ClientSock& cs = s_.clients[c];
    if (cs.state != TcpState::Established) return;
    ++cs.dataGen;
    cs.dataOutstanding = false;
    if (s_.live.traffic[cs.traffic].clients.abort) {
        // SO_LINGER 0: an RST, and the socket is gone (tcp_disconnect: EstabResets on the client).
        send(c, PacketKind::Rst, true);
        count(Host::Clients, Counter::TcpEstabResets);
        setClientState(c, TcpState::Closed);
    } else {
        send(c, PacketKind::Fin, true);
        setClientState(c, TcpState::FinWait1);
        return; // finished when the server's FIN comes back
    }
    clientFinished(c);
}

void Engine::clientFinished(std::uint32_t c) {
    const std::uint32_t t = s_.clients[c].traffic;
    TrafficGen& gen = s_.traffic[t];
    --gen.active;
    const ClientTraffic& ct = s_.live.traffic[t].clients;
    // Closed loop (ab -c): a finished connection is replaced at once (M18).
    if (ct.concurrency > 0 && gen.started < ct.clients) push(s_.now, EventType::TrafficNext, t);
}

void Engine::clientReceives(std::uint32_t i, const Packet& p) {
    const auto c = p.flow;
    ClientSock& cs = s_.clients[c];
    count(Host::Clients, Counter::TcpInSegs);
    h_.setFate(i, PacketFate::Delivered, p.listener);
    if (cs.state == TcpState::Closed) {
        // No socket: the client host answers with an RST, unless the segment is one.
        h_.setFate(i, PacketFate::DroppedNoSocket, p.listener);
        if (p.kind != PacketKind::Rst) send(c, PacketKind::Rst, true);
        return;
    }
    switch (p.kind) {
    case PacketKind::SynAck:
        if (cs.state == TcpState::SynSent) {
            // S9: connect() succeeds after one RTT, whether or not the server will ever accept.
            ++cs.synGen;
            cs.cookie = p.cookie;
            cs.cookieMinute = (p.sent.count() + s_.cookiePhase) / kCookiePeriod.count();
            setClientState(c, TcpState::Established);
            h_.clients[c].connectedAt = s_.now;
            send(c, PacketKind::Ack, true, p.cookie);
            const ClientTraffic& ct = s_.live.traffic[cs.traffic].clients;
            if (ct.send) clientSendRequest(c);
            if (ct.closeAfter) push(s_.now + *ct.closeAfter, EventType::ClientClose, c);
        } else {
            // T2: a retransmitted SYN-ACK reaches an ESTABLISHED client: a challenge ACK, at most
            // one per tcp_invalid_ratelimit. That ACK retries the server's insertion (A7).
            count(Host::Clients, Counter::TcpExtTCPSYNChallenge);
            if (s_.now - cs.lastChallengeAck >= kInvalidRatelimit) {
                cs.lastChallengeAck = s_.now;
                count(Host::Clients, Counter::TcpExtTCPChallengeACK);
                send(c, PacketKind::Ack, true, cs.cookie);
            }
        }
        break;
    case PacketKind::Rst:
        // T6: an RST in SYN_SENT refuses the connection; A7b/K2 on an established one resets it.
        clientFails(c, cs.state == TcpState::SynSent ? ClientError::ConnectionRefused : ClientError::ConnectionReset);
        break;
    case PacketKind::Ack:
        if (cs.dataOutstanding) {
            cs.dataOutstanding = false;
            ++cs.dataGen;
        }
        if (cs.state == TcpState::LastAck) {
            setClientState(c, TcpState::Closed);
            clientFinished(c);
        } else if (cs.state == TcpState::FinWait1) {
            setClientState(c, TcpState::FinWait2);
        }
        break;
    case PacketKind::Data:
        if (cs.state == TcpState::FinWait1 || cs.state == TcpState::FinWait2) {
            // Data for a socket the application has closed: the kernel resets (TCPAbortOnData).
            send(c, PacketKind::Rst, true);
            setClientState(c, TcpState::Closed);
            clientFinished(c);
            break;
        }
        cs.dataOutstanding = false; // the response acknowledges the request
        ++cs.dataGen;
        if (h_.clients[c].respondedAt.isNever()) h_.clients[c].respondedAt = s_.now;
        break;
    case PacketKind::Fin:
        if (cs.state == TcpState::FinWait1 || cs.state == TcpState::FinWait2) {
            send(c, PacketKind::Ack, true);
            setClientState(c, TcpState::TimeWait);
            push(s_.now + kTimeWait, EventType::TimeWaitDone, c | kClientTimeWait);
            clientFinished(c);
            break;
        }
        // The server closed: the client reads the response (or EOF), then closes its side.
        cs.dataOutstanding = false;
        ++cs.dataGen;
        if (h_.clients[c].respondedAt.isNever()) h_.clients[c].respondedAt = s_.now;
        setClientState(c, TcpState::CloseWait);
        send(c, PacketKind::Fin, true);
        setClientState(c, TcpState::LastAck);
        break;
    case PacketKind::Syn: break;
    }
}

// ------------------------------------------------------------------------------------ server

ServerRef Engine::serverRef(FlowId f) const {
    if (!isSpoofed(f)) return s_.clients[f].server;
    auto it = s_.spoofedRequests.find(f);
    if (it == s_.spoofedRequests.end()) return {};
    return {ServerRef::Type::Request, it->second};
}

void Engine::setServerRef(FlowId f, ServerRef ref) {
    if (!isSpoofed(f)) {
        s_.clients[f].server = ref;
        return;
    }
    if (ref.type == ServerRef::Type::None) s_.spoofedRequests.erase(f);
    else s_.spoofedRequests[f] = ref.index;
}

bool Engine::acceptQueueFull(int l) const {
    // Q1: sk_acceptq_is_full() is a strict `>`: the accept queue holds backlog+1.
    const Listener& L = s_.listeners[idx(l)];
    return static_cast<std::int64_t>(L.acceptQueue.size()) > L.maxBacklog;
}

bool Engine::synQueueFull(int l) const {
    // Q2: qlen > backlog on 6.18 (3479c7549fb1); qlen >= backlog from 4.4 until that fix.
    const Listener& L = s_.listeners[idx(l)];
    return s_.live.kernel.profile.synQueueHoldsBacklogPlusOne ? L.qlen > L.maxBacklog : L.qlen >= L.maxBacklog;
}

int Engine::selectListener(FlowId f) const {
    // R1/R2: a keyed 4-tuple hash picks a member of the SO_REUSEPORT group: reciprocal_scale(hash, n).
    // R3: the choice never looks at that listener's queues.
    if (s_.group.empty()) return -1;
    if (s_.group.size() == 1) return s_.group.front();
    const Endpoint peer = isSpoofed(f) ? spoofedSource(s_.live.seed, f) : Endpoint{h_.clients[f].address, h_.clients[f].port};
    const std::uint32_t lport = static_cast<std::uint32_t>(s_.live.server.port) & 0xFFFFu;
    const std::uint32_t hash = jhash3(kServerAddress, peer.address, (lport << 16) | peer.port, s_.hashSecret);
    const auto i = static_cast<std::size_t>((static_cast<std::uint64_t>(hash) * s_.group.size()) >> 32);
    return s_.group[i];
}

void Engine::serverReceives(std::uint32_t i, const Packet& p) {
    count(Host::Server, Counter::TcpInSegs);
    // The ehash first: established children and request sockets (section S, lookup). A spoofed SYN
    // opens a flow of its own (spoofers never retransmit), so it can have no entry yet.
    const ServerRef ref = (isSpoofed(p.flow) && p.kind == PacketKind::Syn) ? ServerRef{} : serverRef(p.flow);
    if (ref.type == ServerRef::Type::Child) {
        childSegment(i, p, ref.index);
        return;
    }
    if (ref.type == ServerRef::Type::Request) {
        RequestSock& r = s_.requests[ref.index];
        if (s_.listeners[idx(r.listener)].open) {
            requestSegment(i, p, ref.index);
            return;
        }
        // R6 (c): the request's listener is closed. With tcp_migrate_req the request moves to a
        // listener chosen by hash; without it, it is dropped and the segment looked up again.
        const int target = s_.live.kernel.tcpMigrateReq ? selectListener(p.flow) : -1;
        if (target >= 0) {
            --s_.listeners[idx(r.listener)].qlen;
            if (r.numTimeout == 0) --s_.listeners[idx(r.listener)].young;
            h_.queues[idx(r.listener)][0].leave(r.stay, s_.now, LeaveReason::Migrated);
            recordLengths(r.listener);
            r.listener = target;
            ++s_.listeners[idx(target)].qlen;
            if (r.numTimeout == 0) ++s_.listeners[idx(target)].young;
            r.stay = h_.queues[idx(target)][0].enter(r.flow, s_.now);
            recordLengths(target);
            requestSegment(i, p, ref.index, true);
            return;
        }
        unlinkRequest(ref.index, LeaveReason::Reset);
    }
    const int l = selectListener(p.flow);
    if (l < 0 || !s_.listeners[idx(l)].open) {
        // No listening socket: a SYN is refused, anything else is reset (tcp_v4_send_reset).
        h_.setFate(i, PacketFate::DroppedNoSocket, std::max(l, 0));
        if (p.kind != PacketKind::Rst) resetFlow(p.flow, std::max(l, 0));
        return;
    }
    if (p.kind == PacketKind::Syn) connRequest(i, p, l);
    else listenerSegment(i, p, l);
}

void Engine::connRequest(std::uint32_t i, const Packet& p, int l) {
    Listener& L = s_.listeners[idx(l)];
    const KernelSettings& k = s_.live.kernel;
    bool wantCookie = false;
    // S1: forced cookies, or a full SYN queue.
    if (k.tcpSyncookies == 2 || synQueueFull(l)) {
        if (k.tcpSyncookies != 0) {
            wantCookie = true;
            count(Host::Server, Counter::TcpExtTCPReqQFullDoCookies);
        } else {
            count(Host::Server, Counter::TcpExtTCPReqQFullDrop);
            count(Host::Server, Counter::TcpExtListenDrops);
            h_.setFate(i, PacketFate::DroppedSynQueueFull, l);
        }
        if (k.tcpSyncookies != 2 && !L.synfloodWarned) {
            L.synfloodWarned = true; // logged once per listener, never reset
            kernelLog("TCP: request_sock_TCP: Possible SYN flooding on port 0.0.0.0:" +
                      std::to_string(s_.live.server.port) + ". " +
                      (k.tcpSyncookies ? "Sending cookies." : "Dropping request."));
        }
        if (!wantCookie) return;
    }
    // S2: a full accept queue drops every SYN silently, cookie or not (since 4.10).
    if (acceptQueueFull(l)) {
        count(Host::Server, Counter::TcpExtListenOverflows);
        count(Host::Server, Counter::TcpExtListenDrops);
        h_.setFate(i, PacketFate::DroppedAcceptQueueFull, l);
        return;
    }
    // S4 / M19: the route for the SYN-ACK is looked up; an unroutable spoofed source fails here.
    if (isUnroutable(p.flow)) {
        count(Host::Server, Counter::TcpExtListenDrops);
        h_.setFate(i, PacketFate::DroppedNoRoute, l);
        return;
    }
    // S5: without cookies, unproven peers are refused once qlen > max_syn_backlog − max_syn_backlog/4.
    if (k.tcpSyncookies == 0 && !wantCookie &&
        k.tcpMaxSynBacklog - L.qlen < (k.tcpMaxSynBacklog >> 2)) {
        const bool proven = !isSpoofed(p.flow) && s_.proven.count(h_.clients[p.flow].address) != 0;
        if (!proven) {
            count(Host::Server, Counter::TcpExtListenDrops);
            h_.setFate(i, PacketFate::DroppedSynBacklog, l);
            return;
        }
    }
    h_.setFate(i, PacketFate::Delivered, l);
    if (wantCookie) {
        // S6: a cookie SYN-ACK; nothing is kept, nothing will be retransmitted.
        count(Host::Server, Counter::TcpExtSyncookiesSent);
        s_.lastSynqOverflow = s_.now;
        s_.everOverflowed = true;
        send(p.flow, PacketKind::SynAck, false, true, 0, l);
        return;
    }
    // S8: a request socket in the SYN queue, its timer armed at TCP_TIMEOUT_INIT.
    const std::uint32_t r = newRequest(p.flow, l);
    send(p.flow, PacketKind::SynAck, false, false, 0, l);
    armKernelTimer(kTimeoutInit, EventType::RequestTimer, r, s_.requests[r].gen);
}

std::uint32_t Engine::newRequest(FlowId flow, int l) {
    std::uint32_t r = 0;
    if (!s_.freeRequests.empty()) {
        r = s_.freeRequests.back();
        s_.freeRequests.pop_back();
    } else {
        r = static_cast<std::uint32_t>(s_.requests.size());
        s_.requests.emplace_back();
    }
    RequestSock& req = s_.requests[r];
    const std::uint32_t gen = req.gen + 1;
    req = RequestSock{};
    req.gen = gen;
    req.flow = flow;
    req.listener = l;
    req.live = true;
    req.stay = h_.queues[idx(l)][0].enter(flow, s_.now);
    Listener& L = s_.listeners[idx(l)];
    ++L.qlen;
    ++L.young;
    setServerRef(flow, {ServerRef::Type::Request, r});
    if (!isSpoofed(flow)) {
        if (h_.clients[flow].serverStates.empty() || h_.clients[flow].serverStates.back().second != TcpState::SynRecv)
            h_.clients[flow].serverStates.emplace_back(s_.now, TcpState::SynRecv);
    }
    recordLengths(l);
    return r;
}

void Engine::unlinkRequest(std::uint32_t r, LeaveReason why) {
    RequestSock& req = s_.requests[r];
    Listener& L = s_.listeners[idx(req.listener)];
    --L.qlen;
    if (req.numTimeout == 0) --L.young;
    h_.queues[idx(req.listener)][0].leave(req.stay, s_.now, why);
    if (why != LeaveReason::Completed) {
        setServerRef(req.flow, {});
        if (!isSpoofed(req.flow)) h_.clients[req.flow].serverStates.emplace_back(s_.now, TcpState::Closed);
    }
    req.live = false;
    ++req.gen;
    s_.freeRequests.push_back(r);
    recordLengths(req.listener);
}

void Engine::requestSegment(std::uint32_t i, const Packet& p, std::uint32_t r, bool migrated) {
    RequestSock& req = s_.requests[r];
    const int l = req.listener;
    const KernelSettings& k = s_.live.kernel;
    switch (p.kind) {
    case PacketKind::Syn:
        // A1: a retransmitted SYN for a pending request: a SYN-ACK again, at most one per 500 ms,
        // and the request timer re-armed at now + timeout << num_timeout. No second request.
        if (s_.now - req.lastOowAck < kInvalidRatelimit) {
            count(Host::Server, Counter::TcpExtTCPACKSkippedSynRecv);
            h_.setFate(i, PacketFate::DroppedRateLimited, l);
            return;
        }
        req.lastOowAck = s_.now;
        count(Host::Server, Counter::TcpRetransSegs);
        count(Host::Server, Counter::TcpExtTCPSynRetrans);
        ++req.numRetrans;
        h_.setFate(i, PacketFate::DroppedDuplicateSyn, l);
        send(req.flow, PacketKind::SynAck, false, false, req.numRetrans, l);
        ++req.gen;
        armKernelTimer(std::min(kTimeoutInit * (std::int64_t{1} << req.numTimeout), kRtoMax), EventType::RequestTimer, r, req.gen);
        return;
    case PacketKind::Rst:
        // A4: an RST at a request: AttemptFails, embryonic reset.
        count(Host::Server, Counter::TcpAttemptFails);
        count(Host::Server, Counter::TcpExtEmbryonicRsts);
        h_.setFate(i, PacketFate::Delivered, l);
        unlinkRequest(r, LeaveReason::Reset);
        return;
    default: break;
    }
    // A7: the final ACK (or data, or a FIN) tries to create the child; Q1 is checked first.
    if (acceptQueueFull(l)) {
        count(Host::Server, Counter::TcpExtListenOverflows);
        count(Host::Server, Counter::TcpExtListenDrops);
        if (migrated) count(Host::Server, Counter::TcpExtTCPMigrateReqFailure); // R6 (c)
        h_.setFate(i, PacketFate::DroppedAckQueueFull, l);
        if (k.tcpAbortOnOverflow == 0) {
            req.acked = true; // A7a: the request stays; any data in the segment is lost
        } else {
            // A7b: an RST, the request unlinked; EmbryonicRsts but no AttemptFails.
            count(Host::Server, Counter::TcpExtEmbryonicRsts);
            const FlowId flow = req.flow;
            unlinkRequest(r, LeaveReason::Reset);
            resetFlow(flow, l);
        }
        return;
    }
    // A8: the child replaces the request and joins the tail of the accept queue.
    if (migrated) count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess); // inet_csk_complete_hashdance()
    h_.setFate(i, PacketFate::Delivered, l);
    const FlowId flow = req.flow;
    unlinkRequest(r, LeaveReason::Completed);
    const std::uint32_t child = createChild(flow, l);
    childSegment(i, p, child);
}

std::uint32_t Engine::createChild(FlowId flow, int l) {
    // tcp_create_openreq_child(): PassiveOpens counts children, not SYNs (M16).
    count(Host::Server, Counter::TcpPassiveOpens);
    count(Host::Server, Counter::TcpCurrEstab);
    const auto c = static_cast<std::uint32_t>(s_.children.size());
    s_.children.emplace_back();
    ChildSock& ch = s_.children.back();
    ch.flow = flow;
    ch.listener = l;
    ch.queued = true;
    Listener& L = s_.listeners[idx(l)];
    L.acceptQueue.push_back(c);
    ch.stay = h_.queues[idx(l)][1].enter(flow, s_.now);
    setServerRef(flow, {ServerRef::Type::Child, c});
    h_.clients[flow].serverStates.emplace_back(s_.now, TcpState::Established);
    recordLengths(l);
    dataReady(l);
    return c;
}

void Engine::setChildState(std::uint32_t c, TcpState st) {
    ChildSock& ch = s_.children[c];
    if (ch.state == st) return;
    if (ch.state == TcpState::Established) h_.counters[0].drop(s_.now, Counter::TcpCurrEstab);
    if (st == TcpState::Closed && (ch.state == TcpState::Established || ch.state == TcpState::CloseWait))
        count(Host::Server, Counter::TcpEstabResets);
    ch.state = st;
    h_.clients[ch.flow].serverStates.emplace_back(s_.now, st);
    if (st == TcpState::Closed) {
        ++ch.gen;
        setServerRef(ch.flow, {});
    }
}

void Engine::childSegment(std::uint32_t i, const Packet& p, std::uint32_t c) {
    ChildSock& ch = s_.children[c];
    h_.setFate(i, PacketFate::Delivered, ch.listener);
    switch (p.kind) {
    case PacketKind::Data:
        // D1: data waits in the child's receive queue until accept() + read(); it is ACKed now.
        if (h_.clients[ch.flow].dataQueuedAt.isNever()) h_.clients[ch.flow].dataQueuedAt = s_.now;
        send(ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
        break;
    case PacketKind::Fin:
        if (ch.state == TcpState::Established) {
            setChildState(c, TcpState::CloseWait); // D3: stays in the accept queue
            send(ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
        } else if (ch.state == TcpState::FinWait1 || ch.state == TcpState::FinWait2) {
            // Both sides closed: TIME-WAIT on the server, which closed first.
            setChildState(c, TcpState::TimeWait);
            send(ch.flow, PacketKind::Ack, false, false, 0, ch.listener);
            s_.proven.insert(h_.clients[ch.flow].address); // tcp_update_metrics(): an RTT sample
            push(s_.now + kTimeWait, EventType::TimeWaitDone, c, ch.gen);
        }
        break;
    case PacketKind::Rst:
        // D4: a reset child stays in the accept queue; accept() still returns it.
        setChildState(c, TcpState::Closed);
        break;
    case PacketKind::Ack:
        if (ch.state == TcpState::LastAck) setChildState(c, TcpState::Closed); // the last ACK of a close
        break;
    case PacketKind::Syn:
        h_.setFate(i, PacketFate::DroppedDuplicateSyn, ch.listener);
        break;
    default: break;
    }
}

void Engine::listenerSegment(std::uint32_t i, const Packet& p, int l) {
    const KernelSettings& k = s_.live.kernel;
    if (p.kind == PacketKind::Rst) {
        h_.setFate(i, PacketFate::DroppedNoSocket, l);
        return;
    }
    // K1: cookies are checked only after a recent SYN-queue overflow ([last − 1 s, last + 120 s]).
    const bool recent = s_.everOverflowed && s_.now >= s_.lastSynqOverflow - Time::s(1) &&
                        s_.now <= s_.lastSynqOverflow + Time::s(120);
    if (k.tcpSyncookies != 0 && recent) {
        const bool isCookie = !isSpoofed(p.flow) && s_.clients[p.flow].cookie;
        const std::int64_t minute = (s_.now.count() + s_.cookiePhase) / kCookiePeriod.count();
        if (isCookie && minute - s_.clients[p.flow].cookieMinute < 2) {
            count(Host::Server, Counter::TcpExtSyncookiesRecv);
            if (acceptQueueFull(l)) {
                // K1 overflow (M9): dropped, no RST whatever tcp_abort_on_overflow says, no state.
                count(Host::Server, Counter::TcpExtListenOverflows);
                count(Host::Server, Counter::TcpExtListenDrops);
                h_.setFate(i, PacketFate::DroppedCookieQueueFull, l);
                return;
            }
            h_.setFate(i, PacketFate::Delivered, l);
            if (!isSpoofed(p.flow) && h_.clients[p.flow].serverStates.empty())
                h_.clients[p.flow].serverStates.emplace_back(s_.now, TcpState::SynRecv);
            const std::uint32_t child = createChild(p.flow, l);
            childSegment(i, p, child);
            return;
        }
        count(Host::Server, Counter::TcpExtSyncookiesFailed);
    }
    // K2: an ACK at a listener with no request and no valid cookie gets an RST.
    h_.setFate(i, PacketFate::DroppedNoSocket, l);
    resetFlow(p.flow, l);
}

void Engine::resetFlow(FlowId flow, int listener) { send(flow, PacketKind::Rst, false, false, 0, listener); }

void Engine::requestTimer(std::uint32_t r) {
    RequestSock& req = s_.requests[r];
    const int l = req.listener;
    Listener& L = s_.listeners[idx(l)];
    if (!L.open) {
        // R6 (b): with tcp_migrate_req the request is cloned to another listener; otherwise dropped.
        const int target = s_.live.kernel.tcpMigrateReq ? selectListener(req.flow) : -1;
        if (target < 0) {
            unlinkRequest(r, LeaveReason::Reset);
            return;
        }
        count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess);
        --L.qlen;
        if (req.numTimeout == 0) --L.young;
        h_.queues[idx(l)][0].leave(req.stay, s_.now, LeaveReason::Migrated);
        recordLengths(l);
        req.listener = target;
        ++s_.listeners[idx(target)].qlen;
        if (req.numTimeout == 0) ++s_.listeners[idx(target)].young;
        req.stay = h_.queues[idx(target)][0].enter(req.flow, s_.now);
        recordLengths(target);
        requestTimer(r);
        return;
    }
    // T1 step 1-3: TCPTimeouts on every firing; prune old requests when the queue is half full.
    count(Host::Server, Counter::TcpExtTCPTimeouts);
    int maxRetries = s_.live.kernel.tcpSynackRetries;
    if ((L.qlen << 1) > std::max<std::int64_t>(8, L.maxBacklog)) {
        std::int64_t young2 = L.young << 1;
        while (maxRetries > 2) {
            if (L.qlen < young2) break;
            --maxRetries;
            young2 <<= 1;
        }
    }
    // T1 step 4-6: expire silently, or resend the SYN-ACK (even if acked) and back off.
    if (req.numTimeout >= maxRetries) {
        unlinkRequest(r, LeaveReason::Expired);
        return;
    }
    count(Host::Server, Counter::TcpRetransSegs);
    count(Host::Server, Counter::TcpExtTCPSynRetrans);
    ++req.numRetrans;
    send(req.flow, PacketKind::SynAck, false, false, req.numRetrans, l);
    if (req.numTimeout++ == 0) --L.young;
    armKernelTimer(std::min(kTimeoutInit * (std::int64_t{1} << req.numTimeout), kRtoMax), EventType::RequestTimer, r, ++req.gen);
}

// ------------------------------------------------------------------------------------ workers

void Engine::setWorker(int w, WorkerState st, FlowId flow) {
    s_.workers[idx(w)].state = st;
    auto& ch = h_.workers[idx(w)].changes;
    if (!ch.empty() && ch.back().at == s_.now) ch.back() = {s_.now, st, flow};
    else ch.push_back({s_.now, st, flow});
}

Time Engine::serviceTime() {
    const ServiceTime& st = s_.live.server.workers.service;
    return st.dist == ServiceTime::Dist::Fixed ? st.mean : s_.rng.exponential(st.mean);
}

void Engine::startWorkers(std::size_t from) {
    if (s_.now < s_.live.server.workers.start) return;
    for (std::size_t w = from; w < s_.workers.size(); ++w) {
        Worker& wk = s_.workers[w];
        if (wk.state != WorkerState::NotStarted) continue;
        const int l = wk.listener;
        if (s_.live.server.workers.accept != AcceptMode::Blocking) {
            // P3: each event loop registers its epoll instance on the listener's wait queue
            // (kept here in registration order; see dataReady() for the order of wake-ups).
            s_.listeners[idx(l)].watchers.push_back(static_cast<int>(w));
        }
        workerIdle(static_cast<int>(w));
    }
}

void Engine::workerIdle(int w) {
    Worker& wk = s_.workers[idx(w)];
    Listener& L = s_.listeners[idx(wk.listener)];
    if (wk.retiring || !L.open) {
        setWorker(w, WorkerState::Stopped);
        return;
    }
    if (!L.acceptQueue.empty()) {
        acceptOne(w);
        return;
    }
    if (s_.live.server.workers.accept == AcceptMode::Blocking) {
        // P2: prepare_to_wait_exclusive() queues the sleeper at the tail: FIFO wake-one.
        L.waiters.push_back(w);
        setWorker(w, WorkerState::BlockedInAccept);
    } else {
        setWorker(w, WorkerState::InEpollWait);
    }
}

void Engine::dataReady(int l) {
    // A8 → sk_data_ready(): wakes every non-exclusive waiter and one exclusive waiter.
    Listener& L = s_.listeners[idx(l)];
    const AcceptMode mode = s_.live.server.workers.accept;
    const auto isWaiting = [&](int w) {
        const Worker& wk = s_.workers[idx(w)];
        return wk.state == WorkerState::InEpollWait && !wk.wakePending;
    };
    if (mode == AcceptMode::Blocking) {
        if (L.waiters.empty()) return;
        const int w = L.waiters.front();
        L.waiters.erase(L.waiters.begin());
        wakeWorker(w);
        return;
    }
    if (mode == AcceptMode::EpollExclusive) {
        // P3: exclusive entries sit at the tail in registration order; ep_poll_callback() succeeds
        // only for an epoll instance with a waiter: one idle event loop is woken, busy ones skipped.
        for (int w : L.watchers) {
            if (isWaiting(w)) {
                wakeWorker(w);
                return;
            }
        }
        return;
    }
    // P3 without EPOLLEXCLUSIVE: add_wait_queue() put each entry at the head, so the wake-up walks
    // them newest registration first, and every idle event loop is woken: the thundering herd.
    for (auto it = L.watchers.rbegin(); it != L.watchers.rend(); ++it)
        if (isWaiting(*it)) wakeWorker(*it);
}

void Engine::wakeWorker(int w) {
    Worker& wk = s_.workers[idx(w)];
    wk.wakePending = true;
    push(s_.now + kWakeupLatency, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
}

void Engine::workerRun(std::uint32_t w) {
    Worker& wk = s_.workers[w];
    wk.wakePending = false;
    Listener& L = s_.listeners[idx(wk.listener)];
    const bool eventLoop = s_.live.server.workers.accept != AcceptMode::Blocking;
    if (wk.state == WorkerState::Serving || wk.state == WorkerState::WokenForNothing) {
        workerIdle(static_cast<int>(w)); // finished a piece of work: back to accept()/epoll_wait()
        return;
    }
    if (L.acceptQueue.empty()) {
        if (eventLoop) {
            // P3: woken, raced, lost: accept() returns EAGAIN.
            h_.wastedWakeups[idx(wk.listener)].push_back(s_.now);
            setWorker(static_cast<int>(w), WorkerState::WokenForNothing);
            push(s_.now + s_.live.server.workers.acceptCost, EventType::WorkerRun, w, ++wk.gen);
        } else {
            workerIdle(static_cast<int>(w));
        }
        return;
    }
    acceptOne(static_cast<int>(w));
}

void Engine::acceptOne(int w) {
    // P1: accept() takes the head of the accept queue.
    Worker& wk = s_.workers[idx(w)];
    Listener& L = s_.listeners[idx(wk.listener)];
    const std::uint32_t c = L.acceptQueue.front();
    L.acceptQueue.pop_front();
    ChildSock& ch = s_.children[c];
    ch.queued = false;
    ch.worker = w;
    h_.queues[idx(wk.listener)][1].leave(ch.stay, s_.now, LeaveReason::Accepted);
    recordLengths(wk.listener);
    if (h_.clients[ch.flow].acceptedAt.isNever()) h_.clients[ch.flow].acceptedAt = s_.now;
    setWorker(w, WorkerState::Serving, ch.flow);
    const Time service = serviceTime();
    if (s_.live.server.workers.accept == AcceptMode::Blocking) {
        wk.child = c;
        push(s_.now + service, EventType::ServiceDone, static_cast<std::uint32_t>(w), ++wk.gen);
    } else {
        ++wk.connections;
        push(s_.now + service, EventType::ConnectionDone, c);
        push(s_.now + s_.live.server.workers.acceptCost, EventType::WorkerRun, static_cast<std::uint32_t>(w), ++wk.gen);
    }
}

void Engine::closeChild(std::uint32_t c) {
    ChildSock& ch = s_.children[c];
    if (ch.state == TcpState::Established || ch.state == TcpState::CloseWait) {
        // close(): the response and a FIN go out.
        send(ch.flow, PacketKind::Data, false, false, 0, ch.listener);
        send(ch.flow, PacketKind::Fin, false, false, 0, ch.listener);
        setChildState(c, ch.state == TcpState::CloseWait ? TcpState::LastAck : TcpState::FinWait1);
    } else if (ch.state == TcpState::Closed) {
        setServerRef(ch.flow, {});
    }
}

void Engine::serviceDone(std::uint32_t w) {
    Worker& wk = s_.workers[w];
    if (wk.child != kNone) closeChild(wk.child);
    wk.child = kNone;
    workerIdle(static_cast<int>(w));
}

void Engine::connectionDone(std::uint32_t c) {
    ChildSock& ch = s_.children[c];
    closeChild(c);
    if (ch.worker >= 0) {
        Worker& wk = s_.workers[idx(ch.worker)];
        --wk.connections;
    }
}

// ------------------------------------------------------------------------------------ interventions

void Engine::closeListener(int l) {
    Listener& L = s_.listeners[idx(l)];
    if (!L.open) return;
    L.open = false;
    // R4: the last member moves into the closed one's slot (__reuseport_detach_sock).
    auto it = std::find(s_.group.begin(), s_.group.end(), l);
    if (it != s_.group.end()) {
        *it = s_.group.back();
        s_.group.pop_back();
    }
    // R6 (a): children still in the accept queue migrate (tcp_migrate_req=1, no fullness check) or
    // are reset (inet_child_forget → tcp_disconnect sends an RST).
    while (!L.acceptQueue.empty()) {
        const std::uint32_t c = L.acceptQueue.front();
        L.acceptQueue.pop_front();
        ChildSock& ch = s_.children[c];
        const int target = s_.live.kernel.tcpMigrateReq ? selectListener(ch.flow) : -1;
        if (target >= 0) {
            count(Host::Server, Counter::TcpExtTCPMigrateReqSuccess);
            h_.queues[idx(l)][1].leave(ch.stay, s_.now, LeaveReason::Migrated);
            ch.listener = target;
            s_.listeners[idx(target)].acceptQueue.push_back(c);
            ch.stay = h_.queues[idx(target)][1].enter(ch.flow, s_.now);
            recordLengths(target);
            dataReady(target);
        } else {
            if (s_.live.kernel.tcpMigrateReq) count(Host::Server, Counter::TcpExtTCPMigrateReqFailure);
            h_.queues[idx(l)][1].leave(ch.stay, s_.now, LeaveReason::Reset);
            ch.queued = false;
            const bool wasEstablished = ch.state == TcpState::Established || ch.state == TcpState::CloseWait;
            setChildState(c, TcpState::Closed);
            if (wasEstablished) resetFlow(ch.flow, l);
        }
    }
    L.waiters.clear();
    for (std::size_t w = 0; w < s_.workers.size(); ++w) {
        Worker& wk = s_.workers[w];
        if (wk.listener == l && (wk.state == WorkerState::BlockedInAccept || wk.state == WorkerState::InEpollWait))
            setWorker(static_cast<int>(w), WorkerState::Stopped);
    }
    recordLengths(l);
}

// A held entry begins now: clients from now on, a flood for as long as it was written to last.
void Engine::startTraffic(const std::string& name) {
    for (std::size_t t = 0; t < s_.live.traffic.size(); ++t) {
        TrafficEntry& e = s_.live.traffic[t];
        if (!e.held || trafficEntryName(e) != name) continue;
        e.held = false;
        const auto target = static_cast<std::uint32_t>(t);
        if (e.kind == TrafficEntry::Kind::Clients) {
            e.clients.at = s_.now;
            push(s_.now, EventType::TrafficNext, target);
        } else {
            const Time length = e.flood.to - e.flood.from;
            e.flood.from = s_.now;
            e.flood.to = s_.now + length;
            push(s_.now, EventType::FloodNext, target);
        }
    }
}

void Engine::intervene(std::size_t index) {
    const Intervention& iv = s_.live.events[index];
    ++s_.interventionsApplied;
    if (iv.key == "close-listener") {
        const int l = std::stoi(iv.value);
        if (l >= 0 && static_cast<std::size_t>(l) < s_.listeners.size()) closeListener(l);
        return;
    }
    if (iv.key == "start-traffic") {
        startTraffic(iv.value);
        return;
    }
    const Scenario before = s_.live;
    if (applySetting(s_.live, iv.key, iv.value)) return; // validated when it was added
    // A flood whose rate changes while it sends goes on at the new rate from now: its start is moved to
    // where the new rate would have had to begin to have sent as many SYNs by now. Kept where it was,
    // the next SYN (from + n/rate) fell before now: time went backwards and, for a raised rate, every
    // SYN the new rate "owed" since the start was sent at once.
    for (std::size_t t = 0; t < s_.live.traffic.size(); ++t) {
        FloodTraffic& f = s_.live.traffic[t].flood;
        const std::int64_t sent = s_.floodSent[t];
        if (s_.live.traffic[t].kind != TrafficEntry::Kind::Flood || f.ratePerSecond == before.traffic[t].flood.ratePerSecond ||
            f.ratePerSecond <= 0 || sent == 0 || s_.now >= f.to)
            continue;
        f.from = s_.now - floodOffset(sent, f.ratePerSecond);
    }
    const ServerSettings& was = before.server;
    ServerSettings& is = s_.live.server;
    if (is.backlog != was.backlog)
        for (std::size_t l = 0; l < s_.listeners.size(); ++l)
            if (s_.listeners[l].open) listen(static_cast<int>(l)); // L3
    if (is.listeners != was.listeners) {
        int open = static_cast<int>(s_.group.size());
        while (open < is.listeners) {
            addListener();
            ++open;
        }
        while (open > is.listeners && !s_.group.empty()) {
            closeListener(s_.group.back());
            --open;
        }
    }
    if (is.workers.count > was.workers.count) {
        const std::size_t first = s_.workers.size();
        for (int w = was.workers.count; w < is.workers.count; ++w) {
            const int l = s_.group.empty() ? 0 : s_.group[idx(w) % s_.group.size()];
            s_.workers.push_back({});
            s_.workers.back().listener = l;
            h_.workers.push_back({l, {}});
        }
        startWorkers(first);
    } else if (is.workers.count < was.workers.count) {
        for (std::size_t w = static_cast<std::size_t>(is.workers.count); w < s_.workers.size(); ++w) {
            Worker& wk = s_.workers[w];
            wk.retiring = true;
            if (wk.state != WorkerState::Serving) setWorker(static_cast<int>(w), WorkerState::Stopped);
        }
        // The retired leave the wait queues, the others keeping their order: one pass per listener, not a
        // search per retired worker (100,000 workers down to one was 10^10 steps).
        const auto retired = [count = is.workers.count](int w) { return w >= count; };
        for (Listener& L : s_.listeners) {
            std::erase_if(L.waiters, retired);
            std::erase_if(L.watchers, retired);
        }
    }
    if (is.workers.start != was.workers.start && is.workers.start <= s_.now) startWorkers(0);
    if (is.workers.accept != was.workers.accept) switchAcceptMode(was.workers.accept);
}

// The application changes how its workers wait (a lesson comparing Apache-style accept() with
// event loops): epoll instances register on the listener's wait queue, or leave it, and every idle
// worker goes back to waiting the new way at once; a busy one does when it next goes idle.
void Engine::switchAcceptMode(AcceptMode was) {
    const bool eventLoopBefore = was != AcceptMode::Blocking;
    const bool eventLoopNow = s_.live.server.workers.accept != AcceptMode::Blocking;
    if (eventLoopBefore == eventLoopNow) return; // epoll ↔ epoll-exclusive: the same registrations (P3)
    for (Listener& L : s_.listeners) {
        L.waiters.clear();
        L.watchers.clear();
    }
    for (std::size_t w = 0; w < s_.workers.size(); ++w) {
        Worker& wk = s_.workers[w];
        if (wk.state == WorkerState::NotStarted || wk.state == WorkerState::Stopped || wk.retiring) continue;
        if (eventLoopNow) s_.listeners[idx(wk.listener)].watchers.push_back(static_cast<int>(w));
        if (wk.state == WorkerState::BlockedInAccept || wk.state == WorkerState::InEpollWait) {
            ++wk.gen; // a wake-up already on its way belongs to the old way of waiting
            wk.wakePending = false;
            workerIdle(static_cast<int>(w));
        }
    }
}

} // namespace backlog
