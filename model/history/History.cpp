#include "model/history/History.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <limits>

namespace backlog {

std::string_view leaveReasonName(LeaveReason r) {
    switch (r) {
    case LeaveReason::Still:
        return "still queued";
    case LeaveReason::Completed:
        return "handshake completed";
    case LeaveReason::Accepted:
        return "accepted";
    case LeaveReason::Expired:
        return "expired";
    case LeaveReason::Reset:
        return "reset";
    case LeaveReason::Migrated:
        return "migrated";
    }
    return "?";
}

std::string_view workerStateName(WorkerState s) {
    switch (s) {
    case WorkerState::NotStarted:
        return "not started";
    case WorkerState::BlockedInAccept:
        return "blocked in accept()";
    case WorkerState::InEpollWait:
        return "in epoll_wait()";
    case WorkerState::Serving:
        return "serving";
    case WorkerState::Woken:
        return "woken";
    case WorkerState::SleptAgain:
        return "woken for nothing, asleep again";
    case WorkerState::GotEagain:
        return "woken for nothing, accept() said EAGAIN";
    case WorkerState::Stopped:
        return "stopped";
    }
    return "?";
}

std::string_view clientErrorName(ClientError e) {
    switch (e) {
    case ClientError::None:
        return "";
    case ClientError::TimedOut:
        return "ETIMEDOUT";
    case ClientError::ConnectionReset:
        return "ECONNRESET";
    case ClientError::ConnectionRefused:
        return "ECONNREFUSED";
    }
    return "?";
}

// ---------------------------------------------------------------- StayTrack

// The index is kept current by the writers, not built by the first reader: a const at() that built it
// would write from every reading thread at once. What that costs the writers was measured with the
// StayTrack table of tests/bench/bench_history (one track, 1M or 4M stays, 129 present at a time):
//  * a leaf covers 8 consecutive stays rather than one. A leaf then nearly always still holds a queued
//    stay (`never`), so leave() recomputes the leaf (8 loads, no branch) and stops there; with a leaf
//    per stay it had to go up a level or two on most leaves, in branches that mispredict when the stays
//    leave in random order (enter+leave ~45% slower than with leaves of 8; 16 was no better). The tree
//    is 8 times smaller too (≤ 4 bytes per stay instead of ≤ 32), and at() got faster: the scan of a
//    leaf's 8 stays replaces the three lowest levels of the descent.
//  * enter() makes its leaf and the leaf's ancestors `never` up to the first that already is (at once,
//    mostly: the newest stays are still queued). When the leaves run out it rebuilds the tree with twice
//    as many, amortised O(1) per stay like the vectors' own growth.
//  * truncate() is O(n) anyway; it rebuilds the tree over the leaves it had.
// Against the lazy index (two stores per write, then the whole tree rebuilt by the first query after any
// write: 2-5 ms for 1M stays, 36-46 ms for 4M), enter+leave went from 17.8 to 19.6 ns per stay when the
// oldest leaves first and from 11.0 to 21.9 ns when a random one does (1M stays; medians of 7 runs).
// A flood records few stays (bench_flood: ~1,900 for 11.5M packets); its run time did not change.

namespace {
constexpr Time kBeforeAll = Time::ns(std::numeric_limits<std::int64_t>::min()); // a leaf with no stay
} // namespace

Time StayTrack::leafMax(std::size_t leaf) const {
    // On counts, not Times (std::max on Times returns references, which kept the maximum in memory),
    // and a fixed count for a full leaf: no branch but the one for the last, partial, leaf.
    const std::size_t first = leaf * kStaysPerLeaf;
    const Time* l = left_.data() + first;
    std::int64_t m = kBeforeAll.count();
    if (first + kStaysPerLeaf <= left_.size()) {
        for (std::size_t i = 0; i < kStaysPerLeaf; ++i)
            m = std::max(m, l[i].count());
    } else {
        for (std::size_t i = 0; first + i < left_.size(); ++i)
            m = std::max(m, l[i].count());
    }
    return Time::ns(m);
}

void StayTrack::reindex(std::size_t leaves) {
    assert(leaves * kStaysPerLeaf >= enter_.size());
    if (leaves == 0) {
        maxLeft_.clear();
        return;
    }
    maxLeft_.assign(2 * leaves, kBeforeAll);
    const std::size_t used = (enter_.size() + kStaysPerLeaf - 1) / kStaysPerLeaf;
    for (std::size_t leaf = 0; leaf < used; ++leaf)
        maxLeft_[leaves + leaf] = leafMax(leaf);
    for (std::size_t i = leaves - 1; i >= 1; --i)
        maxLeft_[i] = std::max(maxLeft_[2 * i], maxLeft_[2 * i + 1]);
}

std::uint32_t StayTrack::enter(FlowId flow, Time at) {
    assert(enter_.empty() || enter_.back() <= at);
    const std::size_t stay = enter_.size();
    enter_.push_back(at);
    left_.push_back(Time::never());
    flow_.push_back(flow);
    reason_.push_back(LeaveReason::Still);
    const std::size_t leaves = maxLeft_.size() / 2;
    const std::size_t leaf = stay / kStaysPerLeaf;
    if (leaf >= leaves) {
        reindex(leaves == 0 ? 1 : 2 * leaves);
    } else {
        // `never` is the latest time: every ancestor becomes `never`, and above one that already was,
        // all are.
        for (std::size_t node = leaves + leaf; node >= 1 && maxLeft_[node] != Time::never(); node /= 2)
            maxLeft_[node] = Time::never();
    }
    return static_cast<std::uint32_t>(stay);
}

void StayTrack::leave(std::uint32_t stay, Time at, LeaveReason why) {
    left_[stay] = at;
    reason_[stay] = why;
    std::size_t node = maxLeft_.size() / 2 + stay / kStaysPerLeaf;
    Time m = leafMax(stay / kStaysPerLeaf);
    // Up while the maximum changes: where it does not, it does not above either.
    while (node >= 1 && m != maxLeft_[node]) {
        maxLeft_[node] = m;
        node /= 2;
        if (node >= 1) m = std::max(maxLeft_[2 * node], maxLeft_[2 * node + 1]);
    }
}

QueueEntry StayTrack::entry(std::uint32_t stay) const {
    return {flow_[stay], enter_[stay], left_[stay], reason_[stay]};
}

void StayTrack::collect(std::size_t node, std::size_t lo, std::size_t hi, std::size_t limit, Time t,
                        std::vector<std::uint32_t>& out) const {
    // lo, hi: leaves; limit: stays.
    if (lo * kStaysPerLeaf >= limit || maxLeft_[node] <= t) return;
    if (hi - lo == 1) {
        const std::size_t last = std::min(hi * kStaysPerLeaf, limit);
        for (std::size_t s = lo * kStaysPerLeaf; s < last; ++s)
            if (left_[s] > t) out.push_back(static_cast<std::uint32_t>(s));
        return;
    }
    const std::size_t mid = (lo + hi) / 2;
    collect(2 * node, lo, mid, limit, t, out);
    collect(2 * node + 1, mid, hi, limit, t, out);
}

std::vector<std::uint32_t> StayTrack::at(Time t) const {
    std::vector<std::uint32_t> out;
    if (enter_.empty()) return out;
    // Only stays that entered at or before t can be present; among them, those that leave after t.
    const auto limit =
        static_cast<std::size_t>(std::upper_bound(enter_.begin(), enter_.end(), t) - enter_.begin());
    collect(1, 0, maxLeft_.size() / 2, limit, t, out);
    return out;
}

void StayTrack::truncate(Time t) {
    const auto keep =
        static_cast<std::size_t>(std::lower_bound(enter_.begin(), enter_.end(), t) - enter_.begin());
    enter_.resize(keep);
    left_.resize(keep);
    flow_.resize(keep);
    reason_.resize(keep);
    for (std::size_t i = 0; i < keep; ++i) {
        if (!left_[i].isNever() && left_[i] >= t) {
            left_[i] = Time::never();
            reason_[i] = LeaveReason::Still;
        }
    }
    // The leaves are kept, as the vectors keep their capacity: the run is simulated again from t.
    reindex(maxLeft_.size() / 2);
}

std::size_t StayTrack::bytes() const {
    // The index too: the writers keep it, so it is always held (≤ 4 bytes per stay).
    return enter_.size() * (2 * sizeof(Time) + sizeof(FlowId) + sizeof(LeaveReason)) +
           maxLeft_.size() * sizeof(Time);
}

// ---------------------------------------------------------------- CounterLog

namespace {
constexpr std::uint8_t kEmptySlot = 0xFF;
constexpr std::uint8_t kDownBit = 0x80;
constexpr std::size_t kChunkRecords = 512; // a query replays at most this many records
constexpr std::int64_t kMaxChunkSpan = 0xFFFF'FFFF;
} // namespace

CounterLog::CounterLog() = default;

void CounterLog::apply(CounterValues& v, const Record& r) {
    for (std::uint8_t s : r.slot) {
        if (s == kEmptySlot) continue;
        const std::size_t c = s & 0x7F;
        v[c] += (s & kDownBit) ? -1 : 1;
    }
}

void CounterLog::append(Time t, std::array<std::uint8_t, 4> slots) {
    if (chunks_.empty() || records_.size() - chunks_.back().first >= kChunkRecords ||
        (t - chunks_.back().base).count() > kMaxChunkSpan) {
        chunks_.push_back({t, records_.size(), latest_});
    }
    assert(t >= chunks_.back().base);
    const Record r{static_cast<std::uint32_t>((t - chunks_.back().base).count()), slots};
    records_.push_back(r);
    apply(latest_, r);
}

void CounterLog::bump(Time t, const Counter* counters, std::size_t n) {
    for (std::size_t i = 0; i < n; i += 4) {
        std::array<std::uint8_t, 4> slots{kEmptySlot, kEmptySlot, kEmptySlot, kEmptySlot};
        for (std::size_t k = 0; k < 4 && i + k < n; ++k)
            slots[k] = static_cast<std::uint8_t>(counters[i + k]);
        append(t, slots);
    }
}

void CounterLog::drop(Time t, Counter gauge) {
    append(t, {static_cast<std::uint8_t>(static_cast<std::uint8_t>(gauge) | kDownBit), kEmptySlot, kEmptySlot,
               kEmptySlot});
}

CounterValues CounterLog::at(Time t) const {
    auto it = std::upper_bound(chunks_.begin(), chunks_.end(), t,
                               [](Time x, const Chunk& c) { return x < c.base; });
    if (it == chunks_.begin()) return CounterValues{};
    const Chunk& c = *std::prev(it);
    CounterValues v = c.before;
    const std::size_t last = (std::next(std::prev(it)) == chunks_.end()) ? records_.size() : it->first;
    const std::int64_t limit = (t - c.base).count();
    for (std::size_t i = c.first; i < last && records_[i].dt <= limit; ++i)
        apply(v, records_[i]);
    return v;
}

void CounterLog::truncate(Time t) {
    while (!chunks_.empty() && chunks_.back().base >= t) {
        records_.resize(chunks_.back().first);
        latest_ = chunks_.back().before;
        chunks_.pop_back();
    }
    if (chunks_.empty()) {
        records_.clear();
        latest_ = {};
        return;
    }
    const Chunk& c = chunks_.back();
    const std::int64_t limit = (t - c.base).count();
    std::size_t keep = c.first;
    CounterValues v = c.before;
    while (keep < records_.size() && records_[keep].dt < limit)
        apply(v, records_[keep++]);
    records_.resize(keep);
    latest_ = v;
}

std::size_t CounterLog::bytes() const {
    return records_.size() * sizeof(Record) + chunks_.size() * sizeof(Chunk);
}

std::vector<std::pair<Time, std::int64_t>> CounterLog::series(Counter counter) const {
    std::vector<std::pair<Time, std::int64_t>> out;
    const auto idx = static_cast<std::size_t>(counter);
    for (std::size_t k = 0; k < chunks_.size(); ++k) {
        std::int64_t value = chunks_[k].before[idx];
        const std::size_t last = k + 1 < chunks_.size() ? chunks_[k + 1].first : records_.size();
        for (std::size_t i = chunks_[k].first; i < last; ++i) {
            for (std::uint8_t s : records_[i].slot) {
                if (s == kEmptySlot || (s & 0x7F) != idx) continue;
                value += (s & kDownBit) ? -1 : 1;
                out.emplace_back(chunks_[k].base + Time::ns(records_[i].dt), value);
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------- History: packets

namespace {
// meta layout: kind 0-2, toServer 3, cookie 4, retrans 5-9, listener 10-17, fate 18-22.
std::uint32_t packMeta(const Packet& p) {
    return static_cast<std::uint32_t>(p.kind) | (p.toServer ? 1u << 3 : 0u) | (p.cookie ? 1u << 4 : 0u) |
           (std::min<std::uint32_t>(p.retrans, 31u) << 5) | (static_cast<std::uint32_t>(p.listener) << 10) |
           (static_cast<std::uint32_t>(p.fate) << 18);
}
constexpr std::uint32_t kListenerMask = 0xFFu << 10;
constexpr std::uint32_t kFateMask = 0x1Fu << 18;
} // namespace

std::uint32_t History::addPacket(const Packet& p) {
    assert(sent_.empty() || sent_.back() <= p.sent.count());
    const Time flight = p.arrives - p.sent;
    assert(flight.count() >= 0 && flight.count() <= 0xFFFF'FFFF);
    maxFlight_ = std::max(maxFlight_, flight);
    sent_.push_back(p.sent.count());
    flight_.push_back(static_cast<std::uint32_t>(flight.count()));
    flow_.push_back(p.flow);
    meta_.push_back(packMeta(p));
    return static_cast<std::uint32_t>(sent_.size() - 1);
}

void History::reservePackets(std::size_t n) {
    sent_.reserve(n);
    flight_.reserve(n);
    flow_.reserve(n);
    meta_.reserve(n);
}

void History::setFate(std::uint32_t i, PacketFate fate, int listener) {
    meta_[i] = (meta_[i] & ~(kFateMask | kListenerMask)) | (static_cast<std::uint32_t>(fate) << 18) |
               (static_cast<std::uint32_t>(listener & 0xFF) << 10);
}

Packet History::packet(std::uint32_t i) const {
    const std::uint32_t m = meta_[i];
    Packet p;
    p.sent = Time::ns(sent_[i]);
    p.arrives = p.sent + Time::ns(flight_[i]);
    p.flow = flow_[i];
    p.kind = static_cast<PacketKind>(m & 7u);
    p.toServer = (m >> 3) & 1u;
    p.cookie = (m >> 4) & 1u;
    p.retrans = static_cast<std::uint8_t>((m >> 5) & 31u);
    p.listener = static_cast<std::uint8_t>((m >> 10) & 0xFFu);
    p.fate = static_cast<PacketFate>((m >> 18) & 0x1Fu);
    return p;
}

std::pair<std::uint32_t, std::uint32_t> History::packetsSentIn(Time from, Time to) const {
    const auto first = std::lower_bound(sent_.begin(), sent_.end(), from.count());
    const auto last = std::upper_bound(first, sent_.end(), to.count());
    return {static_cast<std::uint32_t>(first - sent_.begin()),
            static_cast<std::uint32_t>(last - sent_.begin())};
}

std::vector<std::uint32_t> History::packetsInFlight(Time t) const {
    // A packet in flight at t left after t − maxFlight: binary search, then a scan of that window.
    std::vector<std::uint32_t> out;
    const std::int64_t from = t.count() - maxFlight_.count();
    auto first = std::upper_bound(sent_.begin(), sent_.end(), from - 1);
    auto last = std::upper_bound(sent_.begin(), sent_.end(), t.count());
    for (auto it = first; it != last; ++it) {
        const auto i = static_cast<std::size_t>(it - sent_.begin());
        if (*it + static_cast<std::int64_t>(flight_[i]) > t.count())
            out.push_back(static_cast<std::uint32_t>(i));
    }
    return out;
}

// ---------------------------------------------------------------- History: queries

Time History::nextMoment(Time t) const {
    // The next send after t, or an arrival after t of a packet already in flight (sent within one
    // maximum flight time before t): any later arrival comes after its own, later, send.
    std::int64_t best = std::numeric_limits<std::int64_t>::max();
    auto next = std::upper_bound(sent_.begin(), sent_.end(), t.count());
    if (next != sent_.end()) best = *next;
    for (auto it = std::lower_bound(sent_.begin(), next, t.count() - maxFlight_.count()); it != next; ++it) {
        const std::int64_t arrives =
            *it + static_cast<std::int64_t>(flight_[static_cast<std::size_t>(it - sent_.begin())]);
        if (arrives > t.count()) best = std::min(best, arrives);
    }
    return best == std::numeric_limits<std::int64_t>::max() ? Time::never() : Time::ns(best);
}

Time History::previousMoment(Time t) const {
    // The last send before t, or a later arrival before t, which needs a send less than one maximum
    // flight time before that last send.
    auto stop = std::lower_bound(sent_.begin(), sent_.end(), t.count());
    if (stop == sent_.begin()) return t;
    std::int64_t best = *std::prev(stop);
    for (auto it = std::lower_bound(sent_.begin(), stop, best - maxFlight_.count()); it != stop; ++it) {
        const std::int64_t arrives =
            *it + static_cast<std::int64_t>(flight_[static_cast<std::size_t>(it - sent_.begin())]);
        if (arrives < t.count()) best = std::max(best, arrives);
    }
    return Time::ns(best);
}

std::vector<QueueEntry> History::queueAt(int listener, QueueKind q, Time t) const {
    const StayTrack& track = queues[static_cast<std::size_t>(listener)][static_cast<std::size_t>(q)];
    std::vector<QueueEntry> out;
    for (std::uint32_t s : track.at(t))
        out.push_back(track.entry(s));
    return out;
}

namespace {
template <class Vec, class Key> auto lastAtOrBefore(const Vec& v, Time t, Key key) {
    auto it = std::upper_bound(v.begin(), v.end(), t, [&](Time x, const auto& e) { return x < key(e); });
    return it == v.begin() ? v.end() : std::prev(it);
}
} // namespace

QueueLengths History::queueLengthsAt(int listener, Time t) const {
    const auto& ch = listeners[static_cast<std::size_t>(listener)].changes;
    auto it = lastAtOrBefore(ch, t, [](const ListenerRecord::Change& c) { return c.at; });
    if (it == ch.end()) return {};
    return {it->accept, it->syn};
}

std::int64_t History::maxBacklogAt(int listener, Time t) const {
    const auto& ch = listeners[static_cast<std::size_t>(listener)].changes;
    auto it = lastAtOrBefore(ch, t, [](const ListenerRecord::Change& c) { return c.at; });
    return it == ch.end() ? 0 : it->maxBacklog;
}

bool History::listenerOpenAt(int listener, Time t) const {
    const auto& ch = listeners[static_cast<std::size_t>(listener)].changes;
    auto it = lastAtOrBefore(ch, t, [](const ListenerRecord::Change& c) { return c.at; });
    return it != ch.end() && it->open;
}

TcpState History::clientStateAt(std::uint32_t client, Time t) const {
    const auto& st = clients[client].states;
    auto it = lastAtOrBefore(st, t, [](const std::pair<Time, TcpState>& s) { return s.first; });
    return it == st.end() ? TcpState::Closed : it->second;
}

TcpState History::serverStateAt(std::uint32_t client, Time t) const {
    const auto& st = clients[client].serverStates;
    auto it = lastAtOrBefore(st, t, [](const std::pair<Time, TcpState>& s) { return s.first; });
    return it == st.end() ? TcpState::Closed : it->second;
}

WorkerRecord::Change History::workerAt(std::uint32_t worker, Time t) const {
    const auto& ch = workers[worker].changes;
    auto it = lastAtOrBefore(ch, t, [](const WorkerRecord::Change& c) { return c.at; });
    return it == ch.end() ? WorkerRecord::Change{Time(), WorkerState::NotStarted, 0} : *it;
}

std::int64_t History::wastedWakeupsUntil(int listener, Time t) const {
    const auto& w = wastedWakeups[static_cast<std::size_t>(listener)];
    return std::upper_bound(w.begin(), w.end(), t) - w.begin();
}

WorkerCounts History::workerCountsUntil(std::uint32_t worker, Time t) const {
    const WorkerRecord& w = workers[worker];
    const auto until = [t](const std::vector<Time>& v) {
        return static_cast<std::int64_t>(std::upper_bound(v.begin(), v.end(), t) - v.begin());
    };
    return {until(w.accepts), until(w.wakeups), until(w.futile), until(w.eagain)};
}

// ---------------------------------------------------------------- History: truncation

namespace {
template <class Vec, class Key> void dropFrom(Vec& v, Time t, Key key) {
    while (!v.empty() && key(v.back()) >= t)
        v.pop_back();
}
void forgetAfter(Time& at, Time t) {
    if (!at.isNever() && at >= t) at = Time::never();
}
} // namespace

void History::truncate(Time t) {
    const auto keep =
        static_cast<std::size_t>(std::lower_bound(sent_.begin(), sent_.end(), t.count()) - sent_.begin());
    sent_.resize(keep);
    flight_.resize(keep);
    flow_.resize(keep);
    meta_.resize(keep);
    // Only a packet sent within the longest flight before t can arrive at or after t. maxFlight_ stays
    // as it was: it only bounds the searches of packetsInFlight() and the moments, and a bound that is
    // too long finds the same packets. Scanning every kept packet instead made each cut O(packets): a
    // lesson of 500 steps during a flood spent its time here.
    const auto first = static_cast<std::size_t>(
        std::lower_bound(sent_.begin(), sent_.end(), t.count() - maxFlight_.count()) - sent_.begin());
    for (std::size_t i = first; i < keep; ++i) {
        // A fate decided on arrival is forgotten; one decided when it was sent (lost, or sent to a
        // spoofed address: no arrival will decide it again) stays.
        const auto fate = static_cast<PacketFate>((meta_[i] >> 18) & 0x1Fu);
        if (sent_[i] + static_cast<std::int64_t>(flight_[i]) >= t.count() &&
            fate != PacketFate::LostInNetwork && fate != PacketFate::Unanswered)
            meta_[i] = (meta_[i] & ~kFateMask) | (static_cast<std::uint32_t>(PacketFate::InFlight) << 18);
    }
    dropFrom(clients, t, [](const ClientRecord& c) { return c.connectAt; });
    for (ClientRecord& c : clients) {
        for (Time* at : {&c.connectedAt, &c.acceptedAt, &c.respondedAt, &c.dataQueuedAt})
            forgetAfter(*at, t);
        if (!c.errorAt.isNever() && c.errorAt >= t) {
            c.errorAt = Time::never();
            c.error = ClientError::None;
        }
        if (c.acceptedAt.isNever()) c.worker = -1;
        dropFrom(c.synTimes, t, [](Time x) { return x; });
        dropFrom(c.states, t, [](const std::pair<Time, TcpState>& s) { return s.first; });
        dropFrom(c.serverStates, t, [](const std::pair<Time, TcpState>& s) { return s.first; });
    }
    for (WorkerRecord& w : workers) {
        dropFrom(w.changes, t, [](const WorkerRecord::Change& c) { return c.at; });
        for (std::vector<Time>* v : {&w.wakeups, &w.futile, &w.eagain, &w.accepts})
            dropFrom(*v, t, [](Time x) { return x; });
    }
    for (ListenerRecord& l : listeners)
        dropFrom(l.changes, t, [](const ListenerRecord::Change& c) { return c.at; });
    for (auto& q : queues)
        for (StayTrack& s : q)
            s.truncate(t);
    for (CounterLog& c : counters)
        c.truncate(t);
    for (auto& w : wastedWakeups)
        dropFrom(w, t, [](Time x) { return x; });
    end = std::min(end, t);
}

std::size_t History::bytesHeld() const {
    std::size_t b = bytes();
    for (const ClientRecord& c : clients)
        b += sizeof(ClientRecord) + c.synTimes.size() * sizeof(Time) +
             (c.states.size() + c.serverStates.size()) * sizeof(std::pair<Time, TcpState>);
    for (const WorkerRecord& w : workers)
        b += sizeof(WorkerRecord) + w.changes.size() * sizeof(WorkerRecord::Change) +
             (w.wakeups.size() + w.futile.size() + w.eagain.size() + w.accepts.size()) * sizeof(Time);
    for (const auto& w : wastedWakeups)
        b += w.size() * sizeof(Time);
    return b;
}

std::size_t History::bytes() const {
    std::size_t b = sent_.size() * (sizeof(std::int64_t) + 2 * sizeof(std::uint32_t) + sizeof(FlowId));
    for (const CounterLog& c : counters)
        b += c.bytes();
    for (const auto& q : queues)
        for (const StayTrack& s : q)
            b += s.bytes();
    for (const ListenerRecord& l : listeners)
        b += l.changes.size() * sizeof(ListenerRecord::Change);
    return b;
}

} // namespace backlog
