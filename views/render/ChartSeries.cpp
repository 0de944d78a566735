#include "views/render/ChartSeries.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace backlog::views::charts {

// ---------------------------------------------------------------- step series

double valueAt(const std::vector<QPointF>& steps, double x) {
    auto it =
        std::upper_bound(steps.begin(), steps.end(), x, [](double v, const QPointF& p) { return v < p.x(); });
    return it == steps.begin() ? 0.0 : std::prev(it)->y();
}

std::vector<QPointF> stairs(const std::vector<QPointF>& steps, double endX) {
    std::vector<QPointF> out;
    if (steps.empty()) return out;
    out.reserve(2 * steps.size() + 1);
    out.push_back(steps.front());
    for (std::size_t i = 1; i < steps.size(); ++i) {
        const double before = steps[i - 1].y();
        if (steps[i].y() == before) continue; // the horizontal run goes on
        out.emplace_back(steps[i].x(), before);
        out.push_back(steps[i]);
    }
    if (endX > out.back().x()) out.emplace_back(endX, out.back().y());
    return out;
}

std::vector<QPointF> decimateMinMax(const std::vector<QPointF>& p, double x0, double x1, int columns) {
    std::vector<QPointF> out;
    if (p.empty()) return out;
    columns = std::max(1, columns);
    if (!(x1 > x0)) x1 = x0 + 1e-9;
    const auto lo = static_cast<std::size_t>(
        std::lower_bound(p.begin(), p.end(), x0, [](const QPointF& a, double v) { return a.x() < v; }) -
        p.begin());
    const auto hi = static_cast<std::size_t>(
        std::upper_bound(p.begin(), p.end(), x1, [](double v, const QPointF& a) { return v < a.x(); }) -
        p.begin());
    if (lo > 0) out.push_back(p[lo - 1]);
    if (hi - lo <= 2 * static_cast<std::size_t>(columns)) {
        out.insert(out.end(), p.begin() + static_cast<std::ptrdiff_t>(lo),
                   p.begin() + static_cast<std::ptrdiff_t>(hi));
    } else {
        out.reserve(out.size() + 2 * static_cast<std::size_t>(columns) + 16);
        const double perColumn = static_cast<double>(columns) / (x1 - x0);
        const auto columnOf = [&](double x) {
            return std::clamp(static_cast<int>(std::floor((x - x0) * perColumn)), 0, columns - 1);
        };
        struct Column {
            int index;
            std::size_t first, last, min, max;
        };
        // Emits a column: its min and max in order, and its first (last) point when empty columns come
        // before (after) it, so the segment across the gap is one of the original polyline's.
        const auto keepColumn = [&](const Column& c, bool gapBefore, bool gapAfter) {
            std::size_t keep[4];
            std::size_t n = 0;
            if (gapBefore) keep[n++] = c.first;
            keep[n++] = std::min(c.min, c.max);
            keep[n++] = std::max(c.min, c.max);
            if (gapAfter) keep[n++] = c.last;
            std::sort(keep, keep + n);
            for (std::size_t k = 0; k < n; ++k)
                if (k == 0 || keep[k] != keep[k - 1]) out.push_back(p[keep[k]]);
        };
        Column c{columnOf(p[lo].x()), lo, lo, lo, lo};
        bool gapBefore = true; // the segment from the point before x0 must stay exact too
        for (std::size_t i = lo + 1; i < hi; ++i) {
            const int col = columnOf(p[i].x());
            if (col != c.index) {
                keepColumn(c, gapBefore, col > c.index + 1);
                gapBefore = col > c.index + 1;
                c = {col, i, i, i, i};
                continue;
            }
            c.last = i;
            if (p[i].y() < p[c.min].y()) c.min = i;
            if (p[i].y() > p[c.max].y()) c.max = i;
        }
        keepColumn(c, gapBefore, true);
    }
    if (hi < p.size()) out.push_back(p[hi]);
    return out;
}

// ---------------------------------------------------------------- queues

namespace {
void pushStep(std::vector<QPointF>& s, double x, double v) {
    if (!s.empty() && s.back().y() == v) return;
    if (!s.empty() && s.back().x() == x)
        s.back().setY(v);
    else
        s.emplace_back(x, v);
}
} // namespace

QueueSeries queueSeries(const Simulation& sim, int listener) {
    QueueSeries q;
    const History& h = sim.history();
    if (listener < 0 || static_cast<std::size_t>(listener) >= h.listeners.size()) return q;
    const auto& changes = h.listeners[static_cast<std::size_t>(listener)].changes;
    const bool plusOne = sim.scenario().kernel.profile.synQueueHoldsBacklogPlusOne;
    if (!changes.empty() && changes.front().at > Time()) {
        q.accept.emplace_back(0.0, 0.0);
        q.syn.emplace_back(0.0, 0.0);
    }
    for (const ListenerRecord::Change& c : changes) {
        const double x = seconds(c.at);
        pushStep(q.accept, x, c.accept);
        pushStep(q.syn, x, c.syn);
        // Q1: the accept queue is full when it holds more than the backlog; Q2: the SYN queue holds
        // backlog + 1 since 6.13 (3479c7549fb1), backlog before.
        const std::int64_t acceptCap = c.maxBacklog + 1;
        const std::int64_t synCap = plusOne ? c.maxBacklog + 1 : c.maxBacklog;
        pushStep(q.acceptCapacity, x, static_cast<double>(acceptCap));
        pushStep(q.synCapacity, x, static_cast<double>(synCap));
        q.maxAccept = std::max<std::int64_t>(q.maxAccept, c.accept);
        q.maxSyn = std::max<std::int64_t>(q.maxSyn, c.syn);
        q.maxCapacity = std::max({q.maxCapacity, acceptCap, synCap});
    }
    return q;
}

// ---------------------------------------------------------------- rates

std::int64_t Bins::total() const {
    std::int64_t n = 0;
    for (std::int64_t c : counts)
        n += c;
    return n;
}

double Bins::perSecond(std::size_t i) const {
    return static_cast<double>(counts[i]) / seconds(width);
}

std::vector<QPointF> Bins::rateSteps() const {
    std::vector<QPointF> out;
    out.reserve(counts.size() + 1);
    const double w = seconds(width);
    for (std::size_t i = 0; i < counts.size(); ++i)
        out.emplace_back(static_cast<double>(i) * w, perSecond(i));
    out.emplace_back(static_cast<double>(counts.size()) * w, 0.0);
    return out;
}

Time rateBin(Time end) {
    if (end >= Time::s(10)) return Time::s(1);
    Time bin = Time::ms(100);
    while (bin > Time::us(1) && end < bin * 10)
        bin = bin / 10;
    return bin;
}

QString rateAxisTitle(Time bin) {
    if (bin == Time::s(1)) return QStringLiteral("per second");
    return QStringLiteral("per second (%1 bins)").arg(QString::fromStdString(formatDuration(bin)));
}

namespace {
Bins emptyBins(Time end, Time width) {
    Bins b;
    b.width = width.count() > 0 ? width : Time::s(1);
    const std::int64_t n = std::max<std::int64_t>(1, (end.count() + b.width.count() - 1) / b.width.count());
    b.counts.assign(static_cast<std::size_t>(n), 0);
    return b;
}
std::size_t binOf(const Bins& b, Time t) {
    const std::int64_t i = std::max<std::int64_t>(0, t.count()) / b.width.count();
    return static_cast<std::size_t>(
        std::min<std::int64_t>(i, static_cast<std::int64_t>(b.counts.size()) - 1));
}
} // namespace

Bins binTimes(const std::vector<Time>& times, Time end, Time width) {
    Bins b = emptyBins(end, width);
    for (Time t : times)
        ++b.counts[binOf(b, t)];
    return b;
}

namespace {
// What each counter moved in each bin: the counter log read at the bins' edges (CounterLog::at, a
// snapshot and at most one chunk replayed per read), not every change: a flood changes some counters
// millions of times. A gauge's value may go down; a rate counts only what went up.
std::vector<Bins> countersPerBin(const Simulation& sim, Host host, const std::vector<Counter>& counters,
                                 Time width) {
    const History& h = sim.history();
    std::vector<Bins> out(counters.size(), emptyBins(h.end, width));
    const std::size_t n = out.front().counts.size();
    const Time w = out.front().width;
    CounterValues before{}; // nothing is counted before 0
    for (std::size_t i = 0; i < n; ++i) {
        // Bin i holds [i·w, (i+1)·w); the last one also what happens at the very end.
        const Time last = i + 1 == n ? std::max(h.end, w * static_cast<std::int64_t>(i))
                                     : w * static_cast<std::int64_t>(i + 1) - Time::ns(1);
        const CounterValues after = h.countersAt(host, last);
        for (std::size_t c = 0; c < counters.size(); ++c)
            out[c].counts[i] = std::max<std::int64_t>(0, get(after, counters[c]) - get(before, counters[c]));
        before = after;
    }
    return out;
}
} // namespace

Bins counterPerBin(const Simulation& sim, Host host, Counter counter, Time width) {
    return countersPerBin(sim, host, {counter}, width).front();
}

bool isDrop(PacketFate f) {
    switch (f) {
    case PacketFate::LostInNetwork:
    case PacketFate::DroppedAcceptQueueFull:
    case PacketFate::DroppedSynQueueFull:
    case PacketFate::DroppedSynBacklog:
    case PacketFate::DroppedNoRoute:
    case PacketFate::DroppedAckQueueFull:
    case PacketFate::DroppedCookieQueueFull:
    case PacketFate::DroppedRateLimited:
    case PacketFate::DroppedDuplicateSyn:
    case PacketFate::DroppedNoSocket:
        return true;
    case PacketFate::InFlight:
    case PacketFate::Delivered:
    case PacketFate::Unanswered: // a SYN-ACK to a spoofed address: nobody there, nothing dropped
    case PacketFate::Count_:
        return false;
    }
    return false;
}

bool isListenOverflow(PacketFate f) {
    return f == PacketFate::DroppedAcceptQueueFull || f == PacketFate::DroppedAckQueueFull ||
           f == PacketFate::DroppedCookieQueueFull;
}

QString dropReasonLabel(PacketFate f) {
    switch (f) {
    case PacketFate::DroppedAcceptQueueFull:
        return QStringLiteral("SYN, accept queue full (S2)");
    case PacketFate::DroppedSynQueueFull:
        return QStringLiteral("SYN, SYN queue full, no cookies (S1)");
    case PacketFate::DroppedSynBacklog:
        return QStringLiteral("SYN, 3/4 of tcp_max_syn_backlog (S5)");
    case PacketFate::DroppedNoRoute:
        return QStringLiteral("SYN, no route to the source (S4)");
    case PacketFate::DroppedAckQueueFull:
        return QStringLiteral("ACK, accept queue full (A7a)");
    case PacketFate::DroppedCookieQueueFull:
        return QStringLiteral("cookie ACK, accept queue full (K1)");
    case PacketFate::DroppedRateLimited:
        return QStringLiteral("duplicate SYN, rate limited (A1)");
    case PacketFate::DroppedDuplicateSyn:
        return QStringLiteral("duplicate SYN, SYN-ACK resent (A1)");
    case PacketFate::DroppedNoSocket:
        return QStringLiteral("no socket for it (RST)");
    case PacketFate::LostInNetwork:
        return QStringLiteral("lost in the network");
    default:
        return QString::fromUtf8(packetFateName(f).data(), static_cast<qsizetype>(packetFateName(f).size()));
    }
}

std::vector<DropsByReason> dropsByReason(const Simulation& sim, Time width) {
    const History& h = sim.history();
    constexpr auto kFates = static_cast<std::size_t>(PacketFate::Count_);
    std::vector<Bins> byFate(kFates);
    std::vector<bool> seen(kFates, false);
    const Bins empty = emptyBins(h.end, width);
    const auto n = static_cast<std::uint32_t>(h.packetCount());
    for (std::uint32_t i = 0; i < n; ++i) {
        const Packet p = h.packet(i);
        if (!isDrop(p.fate)) continue;
        const auto f = static_cast<std::size_t>(p.fate);
        if (!seen[f]) {
            seen[f] = true;
            byFate[f] = empty;
        }
        ++byFate[f].counts[binOf(empty, p.fate == PacketFate::LostInNetwork ? p.sent : p.arrives)];
    }
    std::vector<DropsByReason> out;
    for (std::size_t f = 0; f < kFates; ++f)
        if (seen[f]) out.push_back({static_cast<PacketFate>(f), std::move(byFate[f])});
    return out;
}

Bins acceptsPerBin(const Simulation& sim, Time width) {
    std::vector<Time> at;
    for (const ClientRecord& c : sim.history().clients)
        if (!c.acceptedAt.isNever()) at.push_back(c.acceptedAt);
    return binTimes(at, sim.history().end, width);
}

SarRates sarRates(const Simulation& sim, Time width) {
    SarRates r;
    std::vector<Bins> server =
        countersPerBin(sim, Host::Server,
                       {Counter::TcpPassiveOpens, Counter::TcpActiveOpens, Counter::TcpRetransSegs}, width);
    std::vector<Bins> clients =
        countersPerBin(sim, Host::Clients, {Counter::TcpActiveOpens, Counter::TcpRetransSegs}, width);
    r.serverPassive = std::move(server[0]);
    r.serverActive = std::move(server[1]);
    r.serverRetrans = std::move(server[2]);
    r.clientsActive = std::move(clients[0]);
    r.clientsRetrans = std::move(clients[1]);
    return r;
}

// ---------------------------------------------------------------- workers

namespace {
bool isRunning(WorkerState s) {
    return s != WorkerState::NotStarted && s != WorkerState::Stopped;
}
// Waiting for a connection: it would take one from the accept queue at once. A woken worker is on its
// way to do so, and the two futile wake-ups (M20) end waiting again.
bool isIdle(WorkerState s) {
    return s == WorkerState::BlockedInAccept || s == WorkerState::InEpollWait || s == WorkerState::Woken ||
           s == WorkerState::SleptAgain || s == WorkerState::GotEagain;
}
} // namespace

WakeupRates wakeupRates(const History& h, Time width) {
    // Binning needs no order, so the workers' records are counted as they are, one after another.
    WakeupRates r{emptyBins(h.end, width), emptyBins(h.end, width), emptyBins(h.end, width)};
    for (const WorkerRecord& w : h.workers)
        for (const auto& [times, bins] : {std::pair{&w.wakeups, &r.wakeups}, std::pair{&w.futile, &r.futile},
                                          std::pair{&w.eagain, &r.eagain}})
            for (Time t : *times)
                ++bins->counts[binOf(*bins, t)];
    return r;
}

std::vector<QPointF> utilisation(const Simulation& sim) {
    const History& h = sim.history();
    struct Event {
        Time at;
        std::uint32_t worker;
        WorkerState state;
    };
    std::vector<Event> events;
    for (std::uint32_t w = 0; w < h.workers.size(); ++w)
        for (const WorkerRecord::Change& c : h.workers[w].changes)
            events.push_back({c.at, w, c.state});
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.at < b.at; });
    std::vector<WorkerState> state(h.workers.size(), WorkerState::NotStarted);
    std::int64_t running = 0, serving = 0;
    std::vector<QPointF> out;
    out.emplace_back(0.0, 0.0);
    for (std::size_t i = 0; i < events.size();) {
        const Time at = events[i].at;
        for (; i < events.size() && events[i].at == at; ++i) {
            WorkerState& s = state[events[i].worker];
            running += (isRunning(events[i].state) ? 1 : 0) - (isRunning(s) ? 1 : 0);
            serving +=
                (events[i].state == WorkerState::Serving ? 1 : 0) - (s == WorkerState::Serving ? 1 : 0);
            s = events[i].state;
        }
        pushStep(out, seconds(at),
                 running > 0 ? static_cast<double>(serving) / static_cast<double>(running) : 0.0);
    }
    return out;
}

std::vector<QPointF> waitingForAccept(const Simulation& sim) {
    const History& h = sim.history();
    std::vector<QPointF> out;
    out.emplace_back(0.0, 0.0);
    if (h.listeners.size() == 1) {
        for (const ListenerRecord::Change& c : h.listeners.front().changes)
            pushStep(out, seconds(c.at), c.accept);
        return out;
    }
    // Several listeners (SO_REUSEPORT): a k-way merge of their changes in time order.
    std::vector<std::size_t> next(h.listeners.size(), 0);
    std::vector<std::int64_t> length(h.listeners.size(), 0);
    std::int64_t total = 0;
    for (;;) {
        Time at = Time::never();
        for (std::size_t l = 0; l < h.listeners.size(); ++l)
            if (next[l] < h.listeners[l].changes.size())
                at = std::min(at, h.listeners[l].changes[next[l]].at);
        if (at.isNever()) break;
        for (std::size_t l = 0; l < h.listeners.size(); ++l) {
            const auto& ch = h.listeners[l].changes;
            while (next[l] < ch.size() && ch[next[l]].at == at) {
                total += ch[next[l]].accept - length[l];
                length[l] = ch[next[l]].accept;
                ++next[l];
            }
        }
        pushStep(out, seconds(at), static_cast<double>(total));
    }
    return out;
}

std::vector<QPointF> saturation(const Simulation& sim, Time dropMark) {
    const History& h = sim.history();
    // Intervals [from, to) of saturation: a drop marks dropMark after it; a non-empty accept queue
    // marks as long as it lasts.
    std::vector<std::pair<Time, Time>> spans;
    const auto n = static_cast<std::uint32_t>(h.packetCount());
    for (std::uint32_t i = 0; i < n; ++i) {
        const Packet p = h.packet(i);
        switch (p.fate) {
        case PacketFate::DroppedAcceptQueueFull:
        case PacketFate::DroppedSynQueueFull:
        case PacketFate::DroppedSynBacklog:
        case PacketFate::DroppedAckQueueFull:
        case PacketFate::DroppedCookieQueueFull:
            // Arrivals are nearly in order: extend the last span instead of adding one per drop.
            if (!spans.empty() && p.arrives >= spans.back().first && p.arrives <= spans.back().second)
                spans.back().second = std::max(spans.back().second, p.arrives + dropMark);
            else
                spans.emplace_back(p.arrives, p.arrives + dropMark);
            break;
        default:
            break;
        }
    }
    {
        // A connection waits for a worker: some listener's accept queue holds one while none of that
        // listener's workers is idle. (A connection sits in the queue for the microseconds it takes to
        // wake an idle worker; that is not saturation.)
        struct Event {
            Time at;
            bool isWorker;
            std::uint32_t index;
            std::int64_t accept;
            WorkerState state;
        };
        std::vector<Event> events;
        for (std::uint32_t l = 0; l < h.listeners.size(); ++l)
            for (const ListenerRecord::Change& c : h.listeners[l].changes)
                events.push_back({c.at, false, l, c.accept, WorkerState::NotStarted});
        for (std::uint32_t w = 0; w < h.workers.size(); ++w)
            for (const WorkerRecord::Change& c : h.workers[w].changes)
                events.push_back({c.at, true, w, 0, c.state});
        std::stable_sort(events.begin(), events.end(),
                         [](const Event& a, const Event& b) { return a.at < b.at; });
        std::vector<std::int64_t> queued(h.listeners.size(), 0), idle(h.listeners.size(), 0);
        std::vector<WorkerState> state(h.workers.size(), WorkerState::NotStarted);
        const auto listenerOf = [&](std::uint32_t w) {
            return static_cast<std::size_t>(
                std::clamp<int>(h.workers[w].listener, 0, static_cast<int>(h.listeners.size()) - 1));
        };
        std::size_t saturatedListeners = 0;
        const auto saturated = [&](std::size_t l) { return queued[l] > 0 && idle[l] == 0; };
        Time from;
        for (std::size_t i = 0; i < events.size();) {
            const Time at = events[i].at;
            const bool before = saturatedListeners > 0;
            for (; i < events.size() && events[i].at == at; ++i) {
                const Event& e = events[i];
                const std::size_t l = e.isWorker ? listenerOf(e.index) : e.index;
                const bool was = saturated(l);
                if (e.isWorker) {
                    idle[l] += (isIdle(e.state) ? 1 : 0) - (isIdle(state[e.index]) ? 1 : 0);
                    state[e.index] = e.state;
                } else {
                    queued[l] = e.accept;
                }
                const bool is = saturated(l);
                if (is != was) saturatedListeners = is ? saturatedListeners + 1 : saturatedListeners - 1;
            }
            const bool after = saturatedListeners > 0;
            if (!before && after) from = at;
            if (before && !after) spans.emplace_back(from, at);
        }
        if (saturatedListeners > 0)
            spans.emplace_back(from, std::max(h.end, from) + Time::ns(1)); // still at the end
    }
    std::sort(spans.begin(), spans.end());
    std::vector<QPointF> out;
    out.emplace_back(0.0, 0.0);
    Time from = Time::never(), to;
    for (const auto& [a, b] : spans) {
        if (!from.isNever() && a <= to) {
            to = std::max(to, b);
            continue;
        }
        if (!from.isNever()) {
            pushStep(out, seconds(from), 1.0);
            pushStep(out, seconds(to), 0.0);
        }
        from = a;
        to = b;
    }
    if (!from.isNever()) {
        pushStep(out, seconds(from), 1.0);
        pushStep(out, seconds(to), 0.0);
    }
    return out;
}

// ---------------------------------------------------------------- connect() latency

std::vector<QPointF> LatencyHistogram::steps() const {
    std::vector<QPointF> out;
    const double w = seconds(binWidth);
    out.reserve(counts.size() + 1);
    for (std::size_t i = 0; i < counts.size(); ++i)
        out.emplace_back(static_cast<double>(i) * w, counts[i]);
    out.emplace_back(static_cast<double>(counts.size()) * w, 0.0);
    return out;
}

std::vector<QPointF> LatencyHistogram::stepsInSlot(int slot, int parts) const {
    if (parts <= 1) return steps();
    std::vector<QPointF> out;
    const double w = seconds(binWidth);
    const double part = w / static_cast<double>(parts);
    out.reserve(2 * counts.size() + 1);
    for (std::size_t i = 0; i < counts.size(); ++i) {
        const double from = static_cast<double>(i) * w + part * static_cast<double>(slot);
        out.emplace_back(from, counts[i]);
        out.emplace_back(from + part, 0.0);
    }
    if (out.empty()) out.emplace_back(0.0, 0.0);
    return out;
}

LatencyHistogram latencyHistogram(const Simulation& sim, Time binWidth) {
    LatencyHistogram hist;
    hist.binWidth = binWidth.count() > 0 ? binWidth : Time::ms(100);
    for (const ClientRecord& c : sim.history().clients) {
        if (c.connectedAt.isNever() || c.connectAt.isNever()) continue;
        const Time latency = c.connectedAt - c.connectAt;
        const auto bin =
            static_cast<std::size_t>(std::max<std::int64_t>(0, latency.count()) / hist.binWidth.count());
        if (bin >= hist.counts.size()) hist.counts.resize(bin + 1, 0);
        ++hist.counts[bin];
        ++hist.total;
        hist.slowest = std::max(hist.slowest, latency);
    }
    return hist;
}

std::vector<double> synRetransmissionTimes(const Simulation& sim) {
    std::vector<std::vector<double>> byRetransmission;
    for (const ClientRecord& c : sim.history().clients) {
        for (std::size_t k = 1; k < c.synTimes.size(); ++k) {
            if (byRetransmission.size() < k) byRetransmission.resize(k);
            byRetransmission[k - 1].push_back(seconds(c.synTimes[k] - c.synTimes[0]));
        }
    }
    std::vector<double> out;
    for (std::vector<double>& v : byRetransmission) {
        std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
        out.push_back(v[v.size() / 2]);
    }
    return out;
}

} // namespace backlog::views::charts
