#include "app/lab/MeasuredRun.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace backlog::lab {

namespace {

using Peer = std::pair<std::uint32_t, std::uint16_t>; // address, port (host order)

// 172.16.0.0/12: the lab's spoofed sources with no route back (M19 `routable: false`); 10.0.0.0/8 are
// routed into the black hole (LabNetwork).
bool unroutableSource(std::uint32_t address) {
    return (address & 0xFFF0'0000u) == 0xAC10'0000u;
}

PacketKind kindOf(const TcpSegment& s) {
    if (s.flags & kRst) return PacketKind::Rst;
    if ((s.flags & kSyn) && (s.flags & kAck)) return PacketKind::SynAck;
    if (s.flags & kSyn) return PacketKind::Syn;
    if (s.flags & kFin) return PacketKind::Fin;
    return s.payload > 0 ? PacketKind::Data : PacketKind::Ack;
}

Time at(std::int64_t ns) {
    return ns < 0 ? Time::never() : Time::ns(ns);
}

// The TCP_TIMEOUT_INIT doubling of a request's SYN-ACK timer (T1): after the k-th retransmission the
// next expiry comes (1 s << k) later, at most TCP_RTO_MAX.
Time synAckTimeout(int retransmissions) {
    return std::min(Time::s(1) * (std::int64_t{1} << std::min(retransmissions, 7)), Time::s(120));
}

struct Segment {
    const TcpSegment* s;
    FlowId flow;
    bool toServer;
    PacketKind kind;
};

// A change of one queue, to be applied in time order.
struct StayEvent {
    Time at;
    FlowId flow;
    int listener;
    QueueKind queue;
    bool enter;
    LeaveReason why;
};

struct CounterEvent {
    Time at;
    Host host;
    Counter counter;
    bool up;
};

class Assembly {
  public:
    Assembly(const Scenario& sc, const Measurement& m) : sc_(sc), m_(m) {}
    LabResult<std::unique_ptr<Simulation>> run();

  private:
    std::optional<std::uint32_t> clientOf(Peer p, std::int64_t when) const;
    void assignFlows();
    bool faultDrops(const Segment& seg) const;
    void traceFlow(FlowId flow, const std::vector<std::size_t>& segs);
    void findCookies();
    std::optional<Time> requestLeaves(const std::vector<std::size_t>& segs) const;
    std::vector<std::size_t> deliveredOf(const std::vector<std::size_t>& segs) const;
    int listenerOfClient(FlowId flow) const;
    void applyStays();
    void resolveSynQueueDrops();
    void buildWorkers();
    void buildCounters();
    std::optional<std::size_t> childCreatedBy(const std::vector<std::size_t>& segs) const;
    PacketFate unansweredSynFate(const std::vector<std::size_t>& segs, std::size_t k, Time t) const;

    const Scenario& sc_;
    const Measurement& m_;
    History h_;
    RunSource source_;
    std::map<Peer, std::vector<std::uint32_t>> clientsByPeer_;
    std::map<Peer, std::vector<std::size_t>> acceptsByPeer_; // indices into m_.accepts, in record order
    std::vector<Segment> segments_;
    std::map<FlowId, std::vector<std::size_t>> byFlow_;
    std::vector<StayEvent> stays_;
    std::vector<CounterEvent> counterEvents_;
    std::map<FlowId, int> listenerOf_;
    std::map<FlowId, Time> serverClosed_; // the server's FIN or RST for a client's connection
    std::set<FlowId> cookies_; // flows answered with a SYN cookie (S1): no request in the SYN queue
    std::vector<PacketFate> fates_;
    std::vector<bool> lost_; // dropped by a fault's socket filter (faultDrops), though captured
    std::vector<std::uint8_t> retrans_;
};

std::optional<std::uint32_t> Assembly::clientOf(Peer p, std::int64_t when) const {
    const auto it = clientsByPeer_.find(p);
    if (it == clientsByPeer_.end()) return std::nullopt;
    // A port may be used again by a later connect(): the latest connection begun by then.
    std::optional<std::uint32_t> found;
    for (std::uint32_t c : it->second)
        if (m_.clients[c].connectAt <= when) found = c;
    return found;
}

void Assembly::assignFlows() {
    std::map<Peer, FlowId> spoofed;
    for (const TcpSegment& s : m_.segments) {
        const bool toServer = s.destination == m_.serverAddress && s.destinationPort == m_.serverPort;
        const bool fromServer = s.source == m_.serverAddress && s.sourcePort == m_.serverPort;
        if (toServer == fromServer) continue; // not the experiment's listener
        const Peer peer = toServer ? Peer{s.source, s.sourcePort} : Peer{s.destination, s.destinationPort};
        FlowId flow = 0;
        if (const std::optional<std::uint32_t> c = clientOf(peer, s.at)) {
            flow = *c;
        } else if (const auto it = spoofed.find(peer); it != spoofed.end()) {
            flow = it->second;
        } else if (toServer && kindOf(s) == PacketKind::Syn) {
            flow = kSpoofedFlow | static_cast<FlowId>(source_.spoofedSources.size()) |
                   (unroutableSource(peer.first) ? kUnroutableFlow : 0u);
            source_.spoofedSources.push_back({peer.first, peer.second});
            spoofed.emplace(peer, flow);
        } else {
            continue; // a segment of a connection the clients did not record (none are expected)
        }
        byFlow_[flow].push_back(segments_.size());
        segments_.push_back({&s, flow, toServer, kindOf(s)});
    }
}

// Whether a reproduced fault's filter dropped a captured segment (LabFaults.h): the capture sees it leave,
// the receiving socket's filter drops it. The model's rule (model/kernel/Network.cpp faultDrops): in
// the window [from, to), of the fault's kind, from or to the named entry's clients, or anyone's when it
// names none; a SYN-ACK to a spoofed source is unanswered whatever the faults.
bool Assembly::faultDrops(const Segment& seg) const {
    const Time t = Time::ns(seg.s->at);
    const bool spoofed = isSpoofed(seg.flow);
    if (spoofed && !seg.toServer) return false;
    for (const int i : m_.faultsReproduced) {
        if (i < 0 || static_cast<std::size_t>(i) >= sc_.network.faults.size()) continue;
        const Fault& f = sc_.network.faults[static_cast<std::size_t>(i)];
        if (t < f.from || t >= f.to) continue;
        if (!f.of.empty()) {
            if (spoofed) continue;
            const std::uint32_t entry = h_.clients[seg.flow].traffic;
            if (entry >= sc_.traffic.size() || sc_.traffic[entry].clients.name != f.of) continue;
        }
        switch (f.drop) {
        case SegmentKind::All:
            return true;
        case SegmentKind::Syn:
            if (seg.kind == PacketKind::Syn) return true;
            break;
        case SegmentKind::SynAck:
            if (seg.kind == PacketKind::SynAck) return true;
            break;
        case SegmentKind::ClientAcks:
            if (seg.toServer && seg.kind == PacketKind::Ack) return true;
            break;
        case SegmentKind::Data:
            if (seg.kind == PacketKind::Data) return true;
            break;
        }
    }
    return false;
}

// A SYN that no SYN-ACK answered before the client's next SYN (or ever) was dropped by the listener. The
// capture cannot say by which rule; the sampled accept queue can: full (S2, ListenOverflows), or not (the
// SYN queue's limits, S1 and S5, or a fault's filter).
PacketFate Assembly::unansweredSynFate(const std::vector<std::size_t>& segs, std::size_t k, Time t) const {
    for (std::size_t j = k + 1; j < segs.size(); ++j) {
        const Segment& later = segments_[segs[j]];
        if (later.kind == PacketKind::SynAck) return PacketFate::Delivered;
        if (later.kind == PacketKind::Syn && later.toServer) break;
    }
    const QueueSample* last = nullptr;
    for (const QueueSample& q : m_.queues)
        if (q.at <= t.count() && q.listener == 0) last = &q;
    if (last && last->acceptQueue > last->backlog) return PacketFate::DroppedAcceptQueueFull;
    return PacketFate::DroppedSynQueueFull; // S1 or S5: resolveSynQueueDrops() tells them apart
}

// Which client segment of a flow made the server's child socket, entering the accept queue (A8, K1), as
// far as the capture shows it: an index into `segs`, which leaves out the client's segments a fault's
// filter dropped (they made nothing; the server's, lost or not, were sent and tell what it did).
std::optional<std::size_t> Assembly::childCreatedBy(const std::vector<std::size_t>& segs) const {
    // The first client ACK after the server's last SYN-ACK: what completes the handshake when the accept
    // queue has room (A8). A SYN-ACK retransmitted after an ACK means that ACK met a full queue (A7a).
    std::optional<std::size_t> first;
    for (std::size_t k = 0; k < segs.size(); ++k) {
        const Segment& seg = segments_[segs[k]];
        if (seg.kind == PacketKind::SynAck)
            first.reset();
        else if (seg.toServer && (seg.kind == PacketKind::Ack || seg.kind == PacketKind::Data) && !first)
            first = k;
    }
    // A request sent more than once was dropped with that ACK (A7a, K1: a full queue keeps neither); then
    // the segment just before the server's first ACK of the request's bytes is the one that made the child.
    std::optional<std::size_t> data;
    int sent = 0;
    for (std::size_t k = 0; k < segs.size(); ++k) {
        const Segment& seg = segments_[segs[k]];
        if (!seg.toServer || seg.kind != PacketKind::Data) continue;
        if (!data) data = k;
        sent += seg.s->seq == segments_[segs[*data]].s->seq ? 1 : 0;
    }
    if (!data || sent < 2) return first;
    const TcpSegment& d = *segments_[segs[*data]].s;
    const std::uint32_t end = d.seq + d.payload;
    for (std::size_t j = *data + 1; j < segs.size(); ++j) {
        const Segment& reply = segments_[segs[j]];
        if (reply.toServer || !(reply.s->flags & kAck) || (reply.s->flags & kSyn)) continue;
        if (static_cast<std::int32_t>(reply.s->ack - end) < 0) continue;
        for (std::size_t c = j; c-- > 0;) {
            const PacketKind kind = segments_[segs[c]].kind;
            if (segments_[segs[c]].toServer && (kind == PacketKind::Ack || kind == PacketKind::Data))
                return c;
        }
    }
    return first;
}

// A flow's segments without the client's that a fault's filter dropped (they made nothing; the server's,
// lost or not, were sent and tell what it did).
std::vector<std::size_t> Assembly::deliveredOf(const std::vector<std::size_t>& segs) const {
    std::vector<std::size_t> delivered;
    for (const std::size_t i : segs)
        if (!lost_[i] || !segments_[i].toServer) delivered.push_back(i);
    return delivered;
}

// The listener whose accept() took a client's connection; 0 when none did (or for a spoofed source: the
// capture does not say which member of a SO_REUSEPORT group a SYN was hashed to).
int Assembly::listenerOfClient(FlowId flow) const {
    if (isSpoofed(flow) || flow >= h_.clients.size()) return 0;
    const ClientRecord& c = h_.clients[flow];
    const auto peer = acceptsByPeer_.find({c.address, c.port});
    if (peer == acceptsByPeer_.end()) return 0;
    for (const std::size_t i : peer->second)
        if (at(m_.accepts[i].at) >= c.connectAt) return m_.accepts[i].listener;
    return 0;
}

// When a request that the flow's first SYN-ACK answered left the SYN queue, as traceFlow() finds it: the
// segment that made the child, a reset, or the last SYN-ACK's timeout (T1-T3); nothing while it stays.
std::optional<Time> Assembly::requestLeaves(const std::vector<std::size_t>& segs) const {
    const std::vector<std::size_t> delivered = deliveredOf(segs);
    int synAcks = 0;
    std::optional<Time> firstSynAck, lastSynAck;
    for (const std::size_t i : segs)
        if (segments_[i].kind == PacketKind::SynAck && !segments_[i].toServer) {
            ++synAcks;
            lastSynAck = Time::ns(segments_[i].s->at);
            if (!firstSynAck) firstSynAck = lastSynAck;
        }
    if (!firstSynAck) return std::nullopt;
    if (const std::optional<std::size_t> created = childCreatedBy(delivered))
        if (const Time t = Time::ns(segments_[delivered[*created]].s->at); t >= *firstSynAck) return t;
    for (const std::size_t i : segs)
        if (segments_[i].kind == PacketKind::Rst && Time::ns(segments_[i].s->at) >= *firstSynAck)
            return Time::ns(segments_[i].s->at);
    const Time expires = *lastSynAck + synAckTimeout(synAcks - 1);
    if (synAcks - 1 >= sc_.kernel.tcpSynackRetries && Time::ns(m_.duration) >= expires) return expires;
    return std::nullopt;
}

// S1: with tcp_syncookies 1 a SYN that finds the SYN queue full is answered with a cookie and leaves no
// request behind; with 2 every SYN is. The capture cannot tell a cookie's SYN-ACK from a request's, so the
// SYN queue is replayed in time order with the kernel's test (Q2: full at backlog + 1 on 6.18, at backlog
// before): a flow whose first SYN-ACK left while its listener's queue was full was answered with a cookie.
void Assembly::findCookies() {
    if (sc_.kernel.tcpSyncookies == 0) return;
    struct Step {
        Time at;
        bool enter;
        FlowId flow;
        int listener;
    };
    std::vector<Step> steps;
    for (const auto& [flow, segs] : byFlow_) {
        const auto first = std::find_if(segs.begin(), segs.end(), [this](std::size_t i) {
            return segments_[i].kind == PacketKind::SynAck && !segments_[i].toServer;
        });
        if (first == segs.end()) continue;
        if (sc_.kernel.tcpSyncookies == 2) {
            cookies_.insert(flow);
            continue;
        }
        const int listener = listenerOfClient(flow);
        steps.push_back({Time::ns(segments_[*first].s->at), true, flow, listener});
        if (const std::optional<Time> leaves = requestLeaves(segs))
            steps.push_back({*leaves, false, flow, listener});
    }
    std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
        return std::tie(a.at, a.enter) < std::tie(b.at, b.enter); // a leave before an enter at one instant
    });
    const std::int64_t backlog =
        sc_.server.backlog < 0 ? sc_.kernel.somaxconn : std::min(sc_.server.backlog, sc_.kernel.somaxconn);
    const bool plusOne = sc_.kernel.profile.synQueueHoldsBacklogPlusOne;
    std::map<int, std::int64_t> qlen;
    for (const Step& st : steps) {
        std::int64_t& q = qlen[st.listener];
        if (!st.enter) {
            if (!cookies_.count(st.flow)) --q;
        } else if (plusOne ? q > backlog : q >= backlog) {
            cookies_.insert(st.flow);
        } else {
            ++q;
        }
    }
}

// Retransmission numbers, fates, SYN times, the queue stays and the server's states of one flow.
void Assembly::traceFlow(FlowId flow, const std::vector<std::size_t>& segs) {
    const bool isClient = !isSpoofed(flow);
    ClientRecord* client = isClient ? &h_.clients[flow] : nullptr;
    int syns = 0, synAcks = 0;
    std::optional<Time> requestAt, lastSynAck, completedAt, resetAt;
    const bool cookie = cookies_.count(flow) != 0;
    const std::vector<std::size_t> delivered = deliveredOf(segs);
    const std::optional<std::size_t> createdBy = childCreatedBy(delivered);
    // A segments_ index; none (the largest) when the capture shows no segment that made the child.
    const std::size_t created = createdBy ? delivered[*createdBy] : std::numeric_limits<std::size_t>::max();
    for (std::size_t k = 0; k < segs.size(); ++k) {
        const Segment& seg = segments_[segs[k]];
        const Time t = Time::ns(seg.s->at);
        if (seg.kind == PacketKind::Syn && seg.toServer) {
            retrans_[segs[k]] = static_cast<std::uint8_t>(std::min(syns, 255));
            if (++syns > 1) counterEvents_.push_back({t, Host::Clients, Counter::TcpExtTCPSynRetrans, true});
            if (client) client->synTimes.push_back(t);
            fates_[segs[k]] = unansweredSynFate(segs, k, t);
        } else if (seg.kind == PacketKind::SynAck && !seg.toServer) {
            if (!requestAt) requestAt = t;
            // A cookie is never sent again (no timer keeps it, S1): another one answers another SYN.
            retrans_[segs[k]] = cookie ? 0 : static_cast<std::uint8_t>(std::min(synAcks, 255));
            if (++synAcks > 1 && !cookie)
                counterEvents_.push_back({t, Host::Server, Counter::TcpExtTCPSynRetrans, true});
            lastSynAck = t;
            if (!isClient) fates_[segs[k]] = PacketFate::Unanswered; // into the black hole (LabNetwork)
        } else if (lost_[segs[k]]) {
            // Dropped by a fault's filter (faultDrops): it made nothing, and its fate is set in run().
        } else if (seg.toServer && (seg.kind == PacketKind::Ack || seg.kind == PacketKind::Data) &&
                   requestAt && !completedAt) {
            if (segs[k] == created) {
                completedAt = t;
            } else {
                // Before the segment that made the child: it met a full accept queue. With a request kept,
                // the server answers it with its SYN-ACK again (A7a); a cookie's keeps nothing (K1).
                const bool answeredAgain =
                    std::any_of(segs.begin() + static_cast<std::ptrdiff_t>(k), segs.end(),
                                [&](std::size_t j) { return segments_[j].kind == PacketKind::SynAck; });
                fates_[segs[k]] =
                    answeredAgain ? PacketFate::DroppedAckQueueFull : PacketFate::DroppedCookieQueueFull;
            }
        } else if (seg.kind == PacketKind::Rst && !resetAt) {
            resetAt = t;
        }
        if (!seg.toServer && (seg.kind == PacketKind::Fin || seg.kind == PacketKind::Rst) &&
            !serverClosed_.count(flow))
            serverClosed_[flow] = t;
    }
    int listener = 0;
    Time acceptedAt = Time::never();
    if (const auto peer =
            client ? acceptsByPeer_.find({client->address, client->port}) : acceptsByPeer_.end();
        peer != acceptsByPeer_.end()) {
        for (const std::size_t i : peer->second)
            if (const AcceptRecord& a = m_.accepts[i]; at(a.at) >= client->connectAt) {
                listener = a.listener;
                acceptedAt = at(a.at);
                client->acceptedAt = acceptedAt;
                client->worker = a.worker;
                break;
            }
    }
    listenerOf_[flow] = listener;
    if (!requestAt) return;
    if (cookie) {
        // A cookie keeps nothing in the SYN queue (S1): the child is made by the ACK that proves it (K1).
        if (!completedAt) return;
        stays_.push_back({*completedAt, flow, listener, QueueKind::Accept, true, LeaveReason::Still});
        if (!acceptedAt.isNever())
            stays_.push_back({std::max(acceptedAt, *completedAt), flow, listener, QueueKind::Accept, false,
                              LeaveReason::Accepted});
        if (client) {
            client->serverStates = {{*completedAt, TcpState::Established}};
            if (serverClosed_.count(flow))
                client->serverStates.push_back({serverClosed_[flow], TcpState::Closed});
        }
        return;
    }
    stays_.push_back({*requestAt, flow, listener, QueueKind::Syn, true, LeaveReason::Still});
    if (completedAt) {
        stays_.push_back({*completedAt, flow, listener, QueueKind::Syn, false, LeaveReason::Completed});
        stays_.push_back({*completedAt, flow, listener, QueueKind::Accept, true, LeaveReason::Still});
        if (!acceptedAt.isNever())
            stays_.push_back({std::max(acceptedAt, *completedAt), flow, listener, QueueKind::Accept, false,
                              LeaveReason::Accepted});
        if (client)
            client->serverStates = {{*requestAt, TcpState::SynRecv}, {*completedAt, TcpState::Established}};
    } else {
        const Time expires = *lastSynAck + synAckTimeout(synAcks - 1);
        if (resetAt) {
            stays_.push_back({*resetAt, flow, listener, QueueKind::Syn, false, LeaveReason::Reset});
        } else if (synAcks - 1 >= sc_.kernel.tcpSynackRetries && Time::ns(m_.duration) >= expires) {
            stays_.push_back({expires, flow, listener, QueueKind::Syn, false, LeaveReason::Expired});
        }
        if (client) client->serverStates = {{*requestAt, TcpState::SynRecv}};
    }
    if (client && serverClosed_.count(flow) && completedAt)
        client->serverStates.push_back({serverClosed_[flow], TcpState::Closed});
}

// An unanswered SYN that did not meet a full accept queue met the SYN queue's limits: without cookies,
// the 3/4 rule of tcp_max_syn_backlog (S5, ListenDrops only) once the queue holds that many, or else
// the queue at its capacity (S1). Read from the SYN queue the stays give, so after applyStays().
void Assembly::resolveSynQueueDrops() {
    const std::int64_t max = sc_.kernel.tcpMaxSynBacklog;
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        if (fates_[i] != PacketFate::DroppedSynQueueFull) continue;
        const std::int64_t syn =
            h_.queueLengthsAt(listenerOf_[segments_[i].flow], Time::ns(segments_[i].s->at)).syn;
        if (sc_.kernel.tcpSyncookies == 0 && max - syn < (max >> 2))
            fates_[i] = PacketFate::DroppedSynBacklog;
    }
}

// Queue stays and listener lengths, in time order (StayTrack and ListenerRecord are written as a run goes).
void Assembly::applyStays() {
    std::stable_sort(stays_.begin(), stays_.end(), [](const StayEvent& a, const StayEvent& b) {
        return std::tie(a.at, a.enter) < std::tie(b.at, b.enter); // a leave before an enter at one instant
    });
    const std::int64_t backlog = (sc_.server.backlog < 0 || sc_.server.backlog > sc_.kernel.somaxconn)
                                     ? sc_.kernel.somaxconn
                                     : sc_.server.backlog; // L1
    std::vector<std::array<std::int32_t, 2>> lengths(h_.listeners.size(), {0, 0});
    for (ListenerRecord& l : h_.listeners)
        l.changes.push_back({Time(), 0, 0, backlog, true});
    std::map<std::pair<FlowId, int>, std::uint32_t> open;
    for (const StayEvent& e : stays_) {
        const auto l = static_cast<std::size_t>(e.listener);
        const int q = e.queue == QueueKind::Syn ? 0 : 1;
        StayTrack& track = h_.queues[l][static_cast<std::size_t>(q)];
        if (e.enter) {
            open[{e.flow, q}] = track.enter(e.flow, e.at);
            ++lengths[l][static_cast<std::size_t>(q)];
        } else {
            const auto it = open.find({e.flow, q});
            if (it == open.end()) continue;
            track.leave(it->second, e.at, e.why);
            open.erase(it);
            --lengths[l][static_cast<std::size_t>(q)];
        }
        h_.listeners[l].changes.push_back({e.at, lengths[l][1], lengths[l][0], backlog, true});
    }
}

void Assembly::buildWorkers() {
    const WorkerSettings& w = sc_.server.workers;
    const bool blocking = w.accept == AcceptMode::Blocking;
    const WorkerState waiting = blocking ? WorkerState::BlockedInAccept : WorkerState::InEpollWait;
    h_.workers.resize(static_cast<std::size_t>(std::max(m_.workers, 0)));
    for (std::size_t i = 0; i < h_.workers.size(); ++i) {
        h_.workers[i].listener = static_cast<int>(i % h_.listeners.size());
        h_.workers[i].changes.push_back({Time(), WorkerState::NotStarted, 0});
        if (w.start > Time())
            h_.workers[i].changes.push_back({w.start, waiting, 0});
        else
            h_.workers[i].changes.front().state = waiting;
    }
    // (time, worker, state, flow), sorted: the accepts, the wake-ups, and the return to waiting.
    std::vector<std::tuple<Time, int, WorkerState, FlowId>> changes;
    for (const WakeupRecord& r : m_.wakeups) {
        if (r.worker < 0 || static_cast<std::size_t>(r.worker) >= h_.workers.size()) continue;
        WorkerRecord& rec = h_.workers[static_cast<std::size_t>(r.worker)];
        rec.wakeups.push_back(Time::ns(r.at));
        if (r.eagain) {
            rec.futile.push_back(Time::ns(r.at));
            rec.eagain.push_back(Time::ns(r.at));
            changes.emplace_back(Time::ns(r.at), r.worker, WorkerState::GotEagain, 0);
        }
    }
    for (std::uint32_t c = 0; c < h_.clients.size(); ++c) {
        const ClientRecord& rec = h_.clients[c];
        if (rec.worker < 0 || static_cast<std::size_t>(rec.worker) >= h_.workers.size()) continue;
        WorkerRecord& wr = h_.workers[static_cast<std::size_t>(rec.worker)];
        wr.listener = listenerOf_[c];
        wr.accepts.push_back(rec.acceptedAt);
        if (blocking) wr.wakeups.push_back(rec.acceptedAt); // a blocked accept() that returns was woken
        changes.emplace_back(rec.acceptedAt, rec.worker, WorkerState::Serving, c);
        // An async loop is back in epoll_wait() after its accept cost; the others hold the connection
        // until the server closes it.
        const bool async = !blocking && w.eventLoop == EventLoop::Async;
        const auto closed = serverClosed_.find(c);
        const Time back = async ? rec.acceptedAt + w.acceptCost
                                : (closed != serverClosed_.end() ? closed->second : Time::never());
        if (!back.isNever()) changes.emplace_back(back, rec.worker, waiting, 0);
    }
    std::stable_sort(changes.begin(), changes.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    for (const auto& [t, worker, state, flow] : changes)
        h_.workers[static_cast<std::size_t>(worker)].changes.push_back({t, state, flow});
    h_.wastedWakeups.assign(h_.listeners.size(), {});
    for (WorkerRecord& rec : h_.workers) {
        std::sort(rec.wakeups.begin(), rec.wakeups.end());
        std::sort(rec.accepts.begin(), rec.accepts.end());
        auto& wasted = h_.wastedWakeups[static_cast<std::size_t>(rec.listener)];
        wasted.insert(wasted.end(), rec.futile.begin(), rec.futile.end());
    }
    for (auto& wasted : h_.wastedWakeups)
        std::sort(wasted.begin(), wasted.end());
}

// The namespace's counters, as differences from the first sample. TcpExtTCPSynRetrans comes from the
// capture instead (traceFlow), split between the two sides.
void Assembly::buildCounters() {
    if (m_.counters.empty()) return;
    const CounterSample& base = m_.counters.front();
    CounterValues last{};
    for (const CounterSample& sample : m_.counters) {
        for (std::size_t c = 0; c < kCounterCount; ++c) {
            const auto counter = static_cast<Counter>(c);
            if (counter == Counter::TcpExtTCPSynRetrans) continue;
            const auto name = std::string(counterName(counter));
            const auto now = sample.values.find(name);
            const auto was = base.values.find(name);
            if (now == sample.values.end() || was == base.values.end()) continue;
            const std::int64_t value =
                counter == Counter::TcpCurrEstab ? now->second : now->second - was->second;
            const Host host = (counter == Counter::TcpActiveOpens || counter == Counter::TcpAttemptFails)
                                  ? Host::Clients
                                  : Host::Server;
            for (; last[c] < value; ++last[c])
                counterEvents_.push_back({Time::ns(sample.at), host, counter, true});
            if (counter == Counter::TcpCurrEstab)
                for (; last[c] > value; --last[c])
                    counterEvents_.push_back({Time::ns(sample.at), host, counter, false});
        }
    }
    std::stable_sort(counterEvents_.begin(), counterEvents_.end(),
                     [](const CounterEvent& a, const CounterEvent& b) { return a.at < b.at; });
    for (const CounterEvent& e : counterEvents_) {
        CounterLog& log = h_.counters[static_cast<std::size_t>(e.host)];
        if (e.up)
            log.bump(e.at, &e.counter, 1);
        else
            log.drop(e.at, e.counter);
    }
}

LabResult<std::unique_ptr<Simulation>> Assembly::run() {
    const int listeners = std::max(1, sc_.server.listeners);
    h_.listeners.resize(static_cast<std::size_t>(listeners));
    for (ListenerRecord& l : h_.listeners)
        l.port = static_cast<std::uint16_t>(sc_.server.port);
    h_.queues.resize(static_cast<std::size_t>(listeners));
    for (const AcceptRecord& a : m_.accepts)
        if (a.listener < 0 || a.listener >= listeners || a.worker < 0 || a.worker >= m_.workers)
            return LabError{"an accept() of worker " + std::to_string(a.worker) + " on listener " +
                            std::to_string(a.listener) + " does not fit the scenario's " +
                            std::to_string(listeners) + " listener(s) and " + std::to_string(m_.workers) +
                            " worker(s)"};
    for (std::uint32_t i = 0; i < m_.clients.size(); ++i) {
        const ClientMeasurement& c = m_.clients[i];
        if (c.traffic < 0 || static_cast<std::size_t>(c.traffic) >= sc_.traffic.size())
            return LabError{"client " + std::to_string(i) + " names traffic entry " +
                            std::to_string(c.traffic) + ", which the scenario does not have"};
        ClientRecord r;
        r.traffic = static_cast<std::uint32_t>(c.traffic);
        r.address = c.address;
        r.port = c.port;
        r.connectAt = at(c.connectAt);
        r.connectedAt = at(c.connectedAt);
        r.respondedAt = at(c.respondedAt);
        r.errorAt = c.error.empty() ? Time::never() : at(c.errorAt);
        r.error = c.error == "ETIMEDOUT"      ? ClientError::TimedOut
                  : c.error == "ECONNRESET"   ? ClientError::ConnectionReset
                  : c.error == "ECONNREFUSED" ? ClientError::ConnectionRefused
                                              : ClientError::None;
        r.states.push_back({r.connectAt, TcpState::SynSent});
        if (!r.connectedAt.isNever()) r.states.push_back({r.connectedAt, TcpState::Established});
        const Time closed = std::min(at(c.closedAt), r.errorAt);
        if (!closed.isNever()) r.states.push_back({std::max(closed, r.connectAt), TcpState::Closed});
        clientsByPeer_[{c.address, c.port}].push_back(i);
        h_.clients.push_back(std::move(r));
    }
    for (std::size_t i = 0; i < m_.accepts.size(); ++i)
        acceptsByPeer_[{m_.accepts[i].peerAddress, m_.accepts[i].peerPort}].push_back(i);
    assignFlows();
    fates_.assign(segments_.size(), PacketFate::Delivered);
    lost_.assign(segments_.size(), false);
    for (std::size_t i = 0; i < segments_.size(); ++i)
        lost_[i] = faultDrops(segments_[i]);
    retrans_.assign(segments_.size(), 0);
    findCookies();
    for (const auto& [flow, segs] : byFlow_)
        traceFlow(flow, segs);
    applyStays();
    resolveSynQueueDrops();
    for (std::size_t i = 0; i < segments_.size(); ++i)
        if (lost_[i]) fates_[i] = PacketFate::LostInNetwork; // as the model marks a fault's loss
    h_.reservePackets(segments_.size());
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const Segment& seg = segments_[i];
        Packet p;
        p.sent = Time::ns(seg.s->at);
        p.arrives = p.sent + kLoopbackFlight;
        p.flow = seg.flow;
        p.kind = seg.kind;
        p.toServer = seg.toServer;
        p.listener = static_cast<std::uint8_t>(listenerOf_[seg.flow]);
        p.fate = fates_[i];
        p.retrans = retrans_[i];
        p.cookie = seg.kind == PacketKind::SynAck && !seg.toServer && cookies_.count(seg.flow) != 0;
        if (!isSpoofed(seg.flow) && seg.kind == PacketKind::Data && seg.toServer &&
            h_.clients[seg.flow].dataQueuedAt.isNever())
            h_.clients[seg.flow].dataQueuedAt = p.arrives;
        h_.addPacket(p);
    }
    buildWorkers();
    buildCounters();
    h_.end = Time::ns(m_.duration);
    source_.kernelRelease = m_.kernelRelease;
    source_.how = m_.privilege + ", in a private network namespace";
    source_.serverAddress = formatIpv4(m_.serverAddress);
    source_.warnings = m_.warnings;
    if (m_.captureDrops > 0)
        source_.warnings.push_back("the capture lost " + std::to_string(m_.captureDrops) +
                                   " segments: some ladders have gaps");
    Scenario scenario = sc_;
    scenario.until = h_.end;
    return Simulation::measured(std::move(scenario), std::move(h_), {}, std::move(source_));
}

} // namespace

LabResult<std::unique_ptr<Simulation>> measuredRun(const Scenario& scenario, const Measurement& m) {
    return Assembly(scenario, m).run();
}

} // namespace backlog::lab
