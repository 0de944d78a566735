#include "views/render/StageRenderer.h"

#include "views/render/Fonts.h"
#include "model/scenario/Settings.h"
#include "model/kernel/Simulation.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPaintEngine>
#include <QPainter>
#include <QPainterPath>
#include <QPen>
#include <QStaticText>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <tuple>

namespace backlog::views {

namespace {

// The stage is designed on a 1600 × 900 reference; `unit` scales it to the target.
constexpr double kRefWidth = 1600.0;
constexpr double kRefHeight = 900.0;

double dbl(std::int64_t v) { return static_cast<double>(v); }
double dbl(std::size_t v) { return static_cast<double>(v); }
double dbl(int v) { return static_cast<double>(v); }

// A fixed, well-mixed hash (splitmix64): picks stream samples and spreads spoofed sources. The same on
// every machine and every run, so the picture is deterministic.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9E37'79B9'7F4A'7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EBull;
    return x ^ (x >> 31);
}
double unitHash(std::uint64_t x) { return dbl(static_cast<std::int64_t>(mix(x) >> 11)) / 9007199254740992.0; }

QPointF lerp(QPointF a, QPointF b, double f) { return a + (b - a) * f; }

// A label drawn shortened (TextFit::elide): where, in layout coordinates, and its whole text.
struct ElidedLabel {
    QRectF box;
    QString text;
};

bool isDrop(PacketFate f) { return f != PacketFate::InFlight && f != PacketFate::Delivered; }

QString thousands(std::int64_t v) {
    QString digits = QString::number(v < 0 ? -v : v);
    for (qsizetype at = digits.size() - 3; at > 0; at -= 3) digits.insert(at, QLatin1Char(','));
    return v < 0 ? QLatin1Char('-') + digits : digits;
}

// "t = 153.250 ms" below a second, "t = 2.153250 s" above: enough digits for a LAN handshake.
QString formatClock(Time t) {
    const std::int64_t ns = t.count();
    if (ns < 1'000'000'000)
        return QStringLiteral("%1 ms").arg(dbl(ns) / 1e6, 0, 'f', 3);
    return QStringLiteral("%1 s").arg(dbl(ns) / 1e9, 0, 'f', 6);
}

// "40 ms", "1 ms", "100 µs", "1.5 s": a duration for labels.
QString formatSpan(Time t) {
    const std::int64_t ns = t.count();
    const auto trim = [](double v, const char* unit) {
        const int decimals = v < 9.995 ? 2 : (v < 99.95 ? 1 : 0);
        QString s = QString::number(v, 'f', decimals);
        if (s.contains(QLatin1Char('.'))) {
            while (s.endsWith(QLatin1Char('0'))) s.chop(1);
            if (s.endsWith(QLatin1Char('.'))) s.chop(1);
        }
        return s + QString::fromUtf8(unit);
    };
    // 999.9996 ms is "1 s", not "1000 ms": the unit is chosen after rounding to what is shown.
    if (ns >= 999'500'000) return trim(dbl(ns) / 1e9, " s");
    if (ns >= 999'500) return trim(dbl(ns) / 1e6, " ms");
    if (ns >= 1'000) return trim(dbl(ns) / 1e3, " µs");
    if (ns == 0) return QStringLiteral("0 s");
    return trim(dbl(ns), " ns");
}

// How a client looks at t.
enum class ClientLook : std::uint8_t {
    NotYet,        // connect() not called yet
    Connecting,    // SYN-SENT, first SYN
    Retrying,      // SYN-SENT, SYN retransmitted
    Waiting,       // ESTABLISHED, the server's child waits in the accept queue (or is still a request)
    Accepted,      // a worker's accept() returned it
    Ghost,         // ESTABLISHED here, no socket on the server (a cookie ACK dropped …)
    Done,          // closed normally
    Failed,        // connect()/recv() returned an error
    Count_
};
constexpr std::size_t kClientLooks = static_cast<std::size_t>(ClientLook::Count_);

const char* lookName(ClientLook l) {
    switch (l) {
    case ClientLook::NotYet: return "not connected yet";
    case ClientLook::Connecting: return "SYN-SENT";
    case ClientLook::Retrying: return "SYN-SENT, retrying";
    case ClientLook::Waiting: return "ESTAB, not accepted";
    case ClientLook::Accepted: return "accepted";
    case ClientLook::Ghost: return "ghost (server forgot)";
    case ClientLook::Done: return "done";
    case ClientLook::Failed: return "failed";
    case ClientLook::Count_: break;
    }
    return "";
}

struct ClientStatus {
    ClientLook look = ClientLook::NotYet;
    TcpState state = TcpState::Closed;
    int syns = 0; // SYNs sent so far
};

ClientStatus clientStatus(const History& h, std::uint32_t c, Time t, Time maxFlight) {
    const ClientRecord& rec = h.clients[c];
    ClientStatus s;
    if (rec.connectAt > t) return s;
    s.state = h.clientStateAt(c, t);
    s.syns = static_cast<int>(std::upper_bound(rec.synTimes.begin(), rec.synTimes.end(), t) - rec.synTimes.begin());
    if (rec.error != ClientError::None && rec.errorAt <= t) {
        s.look = ClientLook::Failed;
    } else if (s.state == TcpState::SynSent) {
        s.look = s.syns > 1 ? ClientLook::Retrying : ClientLook::Connecting;
    } else if (!rec.acceptedAt.isNever() && rec.acceptedAt <= t) {
        s.look = (s.state == TcpState::Established || s.state == TcpState::FinWait1 || s.state == TcpState::FinWait2 ||
                  s.state == TcpState::CloseWait || s.state == TcpState::LastAck)
                     ? ClientLook::Accepted
                     : ClientLook::Done;
    } else if (s.state == TcpState::Established || s.state == TcpState::FinWait1 || s.state == TcpState::FinWait2) {
        // A ghost: the client believes it is connected and the server has nothing — once the final
        // ACK had time to arrive (before that, a cookie handshake legitimately has no server state).
        const bool serverForgot = h.serverStateAt(c, t) == TcpState::Closed && !rec.connectedAt.isNever() &&
                                  t - rec.connectedAt >= maxFlight;
        s.look = serverForgot ? ClientLook::Ghost : ClientLook::Waiting;
    } else {
        s.look = ClientLook::Done;
    }
    return s;
}

std::size_t lookIndex(ClientLook l) { return static_cast<std::size_t>(l); }

const char* acceptModeName(AcceptMode m) {
    switch (m) {
    case AcceptMode::Blocking: return "blocking accept()";
    case AcceptMode::Epoll: return "epoll";
    case AcceptMode::EpollExclusive: return "epoll, EPOLLEXCLUSIVE";
    }
    return "";
}

// The counters a class watches on the stage; the nstat panel has all of them.
constexpr std::array<Counter, 9> kStageCounters{
    Counter::TcpExtListenOverflows,      Counter::TcpExtListenDrops,        Counter::TcpExtTCPReqQFullDoCookies,
    Counter::TcpExtTCPReqQFullDrop,      Counter::TcpExtSyncookiesSent,     Counter::TcpExtSyncookiesRecv,
    Counter::TcpExtSyncookiesFailed,     Counter::TcpExtEmbryonicRsts,      Counter::TcpExtTCPSynRetrans,
};

// Fill order of a queue's slotRects: slot 0 (the head, next to leave) sits at the exit on the right of the
// first row; later entries queue up behind it towards the door, row after row.
void layoutSlots(StageRenderer::QueueGeometry& q, double u) {
    const QRectF a = q.slotsArea;
    const std::int64_t capacity = q.capacity;
    q.slotRects.clear();
    q.gauge = false;
    const double maxW = 150 * u, maxH = 96 * u, minCell = 7 * u;
    if (capacity <= 0 || a.width() <= 0 || a.height() <= 0) {
        q.gauge = true;
    } else {
        int bestRows = 0;
        double best = 0;
        const int maxRows = std::max(1, static_cast<int>(a.height() / minCell));
        for (int r = 1; r <= maxRows; ++r) {
            const std::int64_t cols = (capacity + r - 1) / r;
            const double cw = std::min(a.width() / dbl(cols), maxW);
            const double ch = std::min(a.height() / r, maxH);
            const double score = std::min(cw, ch);
            if (score > best + 1e-9) {
                best = score;
                bestRows = r;
            }
            // A queue reads best as one row: keep it while its slots are comfortably large.
            if (r == 1 && score >= 40 * u) break;
            if (dbl(cols) * minCell < a.width() && a.height() / r < cw) break; // more rows only shrink it
        }
        if (bestRows == 0 || best < minCell) {
            q.gauge = true;
        } else {
            const std::int64_t cols = (capacity + bestRows - 1) / bestRows;
            const double cw = std::min(a.width() / dbl(cols), maxW);
            const double ch = std::min(a.height() / bestRows, maxH);
            const double gap = std::clamp(std::min(cw, ch) * 0.12, 1.0 * u, 6.0 * u);
            const double y0 = a.center().y() - bestRows * ch / 2;
            q.slotRects.reserve(static_cast<std::size_t>(capacity));
            for (std::int64_t k = 0; k < capacity; ++k) {
                const std::int64_t row = k / cols, col = k % cols;
                const QRectF cell(a.right() - dbl(col + 1) * cw, y0 + dbl(row) * ch, cw, ch);
                // Whole pixels: crisp edges, and a filled slot drawn later lands exactly on its outline.
                const QRectF r = cell.adjusted(gap / 2, gap / 2, -gap / 2, -gap / 2);
                q.slotRects.emplace_back(std::round(r.left()), std::round(r.top()), std::max(1.0, std::round(r.width())),
                                         std::max(1.0, std::round(r.height())));
            }
        }
    }
    if (q.limit <= 0) {
        q.limitLine = {};
    } else if (q.gauge) {
        const QRectF bar(a.left(), a.center().y() - std::min(a.height(), 30 * u) / 2, a.width(),
                         std::min(a.height(), 30 * u));
        const double x = bar.right() - bar.width() * std::min(1.0, dbl(q.limit) / dbl(std::max<std::int64_t>(1, capacity)));
        q.limitLine = QLineF(x, bar.top() - 6 * u, x, bar.bottom() + 6 * u);
    } else {
        const QRectF s = q.slotRects[static_cast<std::size_t>(std::min(q.limit, capacity) - 1)];
        const double gap = (q.slotRects.size() > 1 && q.slotRects[0].top() == q.slotRects[1].top())
                               ? (q.slotRects[0].left() - q.slotRects[1].right())
                               : 2 * u;
        const double x = s.left() - gap / 2;
        q.limitLine = QLineF(x, s.top() - 5 * u, x, s.bottom() + 5 * u);
    }
}

QRectF gaugeBar(const StageRenderer::QueueGeometry& q, double u) {
    const QRectF a = q.slotsArea;
    const double h = std::min(a.height(), 30 * u);
    return {a.left(), a.center().y() - h / 2, a.width(), h};
}

} // namespace

// ------------------------------------------------------------------------------------------ caches

// What the stage needs from the whole run, computed once per history: the longest flight (to find
// recent drops from a window of send times) and every SYN-ACK retransmission by flow (the retransmission
// count shown on each request socket in the SYN queue).
struct StageRenderer::RunIndex {
    const History* history = nullptr;
    std::size_t packets = 0;
    Time end;
    Packet last{};
    Time maxFlight;
    std::vector<std::pair<FlowId, std::int64_t>> synAckRetrans; // (flow, sent), sorted
    std::size_t changes = 0;             // the scenario's changes (lesson steps, --set) it was built for
    std::vector<Time> clientKnownFrom;   // per client: from when the stage shows it
    std::vector<Time> workerBornAt;      // per worker: from when it exists
    std::vector<Time> listenerBornAt;    // per listener: its listen()

    bool matches(const History& h) const {
        if (history != &h || packets != h.packetCount() || end != h.end) return false;
        if (packets == 0) return true;
        const Packet p = h.packet(static_cast<std::uint32_t>(packets - 1));
        return p.sent == last.sent && p.arrives == last.arrives && p.flow == last.flow && p.kind == last.kind &&
               p.fate == last.fate;
    }

    // SYN-ACK retransmissions for `flow` sent in [from, to].
    int retransmissions(FlowId flow, Time from, Time to) const {
        const auto lo = std::lower_bound(synAckRetrans.begin(), synAckRetrans.end(), std::make_pair(flow, from.count()));
        const auto hi = std::upper_bound(lo, synAckRetrans.end(), std::make_pair(flow, to.count()));
        return static_cast<int>(hi - lo);
    }
    // The first SYN-ACK retransmission for `flow` sent after `after` and before `before`.
    Time nextRetransmission(FlowId flow, Time after, Time before) const {
        const auto it = std::upper_bound(synAckRetrans.begin(), synAckRetrans.end(), std::make_pair(flow, after.count()));
        if (it == synAckRetrans.end() || it->first != flow || it->second >= before.count()) return Time::never();
        return Time::ns(it->second);
    }
};

namespace {

// A flood is shown from the start as the scenario writes it, or — held for a lesson step — from the step
// that starts it.
bool floodShown(const Simulation& sim, std::size_t entry, Time t) {
    const TrafficEntry& e = sim.scenario().traffic[entry];
    if (e.kind != TrafficEntry::Kind::Flood) return false;
    return !e.held || sim.trafficAsRun(entry).flood.from <= t;
}

// From when the stage shows each client, worker and listener. The History records a client at its
// connect(), a listener at its listen() and a worker only once it changes state; the scenario says the
// rest. Replayed here in the engine's order (Engine::start and Engine::intervene): the scenario as
// written, then its changes in time order — a change that raises server.workers.count appends workers at
// its moment, a start-traffic starts a held traffic entry, traffic.NAME.clients plans more clients. A
// client is shown from the first moment the scenario in force plans it (its entry started, asking for
// at least that many), or from its connect() if that comes first.
void whenThingsExist(const Simulation& sim, std::vector<Time>& clientKnownFrom, std::vector<Time>& workerBornAt,
                     std::vector<Time>& listenerBornAt) {
    const History& h = sim.history();
    Scenario live = sim.scenario();
    std::vector<const Intervention*> changes;
    for (const Intervention& iv : sim.scenario().events) changes.push_back(&iv);
    std::stable_sort(changes.begin(), changes.end(), [](const Intervention* a, const Intervention* b) { return a->at < b->at; });

    const std::size_t entries = live.traffic.size();
    std::vector<bool> started(entries);
    for (std::size_t e = 0; e < entries; ++e) started[e] = !live.traffic[e].held;
    const auto planned = [&](std::size_t e) -> std::int64_t {
        const TrafficEntry& te = live.traffic[e];
        return te.kind == TrafficEntry::Kind::Clients && started[e] ? te.clients.clients : 0;
    };
    // Per entry: (from, how many clients are planned), the count only ever rising (a client once
    // shown stays: it may have connected).
    std::vector<std::vector<std::pair<Time, std::int64_t>>> plans(entries);
    const auto note = [&](Time at) {
        for (std::size_t e = 0; e < entries; ++e) {
            const std::int64_t n = planned(e);
            if (plans[e].empty() ? n > 0 : n > plans[e].back().second) plans[e].emplace_back(at, n);
        }
    };
    note(Time());
    workerBornAt.assign(static_cast<std::size_t>(std::max(0, live.server.workers.count)), Time());
    for (const Intervention* iv : changes) {
        if (iv->key == "close-listener") continue;
        if (iv->key == "start-traffic") {
            for (std::size_t e = 0; e < entries; ++e)
                if (live.traffic[e].held && trafficEntryName(live.traffic[e]) == iv->value) started[e] = true;
        } else {
            const int before = live.server.workers.count;
            if (applySetting(live, iv->key, iv->value)) continue; // refused: the engine skips it too
            for (int w = before; w < live.server.workers.count; ++w) workerBornAt.push_back(iv->at);
        }
        note(iv->at);
    }
    // What the history has beyond the replay (it should have nothing): from its first record on.
    workerBornAt.resize(h.workers.size(), Time());
    for (std::size_t w = 0; w < h.workers.size(); ++w)
        if (!h.workers[w].changes.empty()) workerBornAt[w] = std::min(workerBornAt[w], h.workers[w].changes.front().at);
    listenerBornAt.assign(h.listeners.size(), Time::never());
    for (std::size_t l = 0; l < h.listeners.size(); ++l)
        if (!h.listeners[l].changes.empty()) listenerBornAt[l] = h.listeners[l].changes.front().at;

    clientKnownFrom.resize(h.clients.size());
    std::vector<std::int64_t> ordinal(entries, 0);
    for (std::size_t c = 0; c < h.clients.size(); ++c) {
        const ClientRecord& rec = h.clients[c];
        Time from = rec.connectAt;
        if (rec.traffic < entries) {
            const std::int64_t k = ordinal[rec.traffic]++;
            const auto& plan = plans[rec.traffic];
            const auto it = std::find_if(plan.begin(), plan.end(), [k](const auto& p) { return p.second > k; });
            if (it != plan.end()) from = std::min(from, it->first);
        }
        clientKnownFrom[c] = from;
    }
}

} // namespace

StageRenderer::StageRenderer() : cache_(std::make_unique<FrameCache>()) {}
StageRenderer::~StageRenderer() = default;

void StageRenderer::invalidate() const { index_.reset(); }

const StageRenderer::RunIndex& StageRenderer::index(const Simulation& sim) const {
    const History& h = sim.history();
    if (index_ && index_->matches(h) && index_->changes == sim.scenario().events.size() &&
        index_->clientKnownFrom.size() == h.clients.size() && index_->workerBornAt.size() == h.workers.size() &&
        index_->listenerBornAt.size() == h.listeners.size())
        return *index_;
    auto idx = std::make_unique<RunIndex>();
    idx->history = &h;
    idx->packets = h.packetCount();
    idx->end = h.end;
    idx->changes = sim.scenario().events.size();
    whenThingsExist(sim, idx->clientKnownFrom, idx->workerBornAt, idx->listenerBornAt);
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        idx->maxFlight = std::max(idx->maxFlight, p.arrives - p.sent);
        if (p.kind == PacketKind::SynAck && p.retrans > 0) idx->synAckRetrans.emplace_back(p.flow, p.sent.count());
    }
    if (idx->packets > 0) idx->last = h.packet(static_cast<std::uint32_t>(idx->packets - 1));
    std::sort(idx->synAckRetrans.begin(), idx->synAckRetrans.end());
    index_ = std::move(idx);
    return *index_;
}

Time StageRenderer::dropLinger(const Simulation& sim) const {
    if (options_.dropLinger) return std::max(*options_.dropLinger, Time::ns(1));
    const NetworkSettings& net = sim.scenario().network;
    return std::max(net.rtt / 2 + net.jitter, Time::us(20));
}

// ------------------------------------------------------------------------------------------ layout

StageRenderer::Geometry StageRenderer::layout(const QRectF& target, const Simulation& sim, Time t) const {
    const History& h = sim.history();
    const Scenario& sc = sim.scenario();
    const RunIndex& idx = index(sim);
    Geometry g;
    g.target = target;
    const double u = std::max(1e-3, std::min(target.width() / kRefWidth, target.height() / kRefHeight));
    g.unit = u;

    // ---- bands and columns
    const double m = 14 * u;
    g.header = QRectF(target.left() + m, target.top() + 8 * u, target.width() - 2 * m, 44 * u);
    g.footer = QRectF(target.left() + m, target.bottom() - 8 * u - 34 * u, target.width() - 2 * m, 34 * u);
    const QRectF body(target.left() + m, g.header.bottom() + 6 * u, target.width() - 2 * m,
                      g.footer.top() - 6 * u - (g.header.bottom() + 6 * u));
    const double bw = body.width();
    g.clientsPanel = QRectF(body.left(), body.top(), 0.175 * bw, body.height());
    g.serverPanel = QRectF(body.left() + 0.385 * bw, body.top(), 0.445 * bw, body.height());
    g.workersPanel = QRectF(body.left() + 0.845 * bw, body.top(), body.right() - (body.left() + 0.845 * bw),
                            body.height());
    g.network = QRectF(g.clientsPanel.right(), body.top(), g.serverPanel.left() - g.clientsPanel.right(), body.height());

    // ---- server: title, listeners, counters
    const QRectF sp = g.serverPanel;
    g.serverTitle = QRectF(sp.left() + 12 * u, sp.top() + 6 * u, sp.width() - 24 * u, 46 * u);
    g.countersStrip = QRectF(sp.left() + 12 * u, sp.bottom() - 46 * u, sp.width() - 24 * u, 40 * u);
    const QRectF area(sp.left() + 12 * u, g.serverTitle.bottom() + 6 * u, sp.width() - 24 * u,
                      g.countersStrip.top() - 8 * u - (g.serverTitle.bottom() + 6 * u));
    // Listeners are only ever appended: the ones that exist at t are the first nl.
    int nl = 0;
    while (static_cast<std::size_t>(nl) < idx.listenerBornAt.size() && idx.listenerBornAt[static_cast<std::size_t>(nl)] <= t)
        ++nl;
    if (nl > 0) {
        const double gap = std::min(12 * u, area.height() * 0.15 / nl);
        const double lh = std::min(520 * u, (area.height() - gap * (nl - 1)) / nl);
        const double top = area.center().y() - (lh * nl + gap * (nl - 1)) / 2;
        for (int l = 0; l < nl; ++l) {
            ListenerGeometry L;
            L.index = l;
            L.frame = QRectF(area.left(), top + l * (lh + gap), area.width(), lh);
            L.open = h.listenerOpenAt(l, t);
            L.backlog = h.maxBacklogAt(l, t);
            const double hh = std::min(32 * u, lh * 0.26);
            L.header = QRectF(L.frame.left() + 10 * u, L.frame.top(), L.frame.width() - 20 * u, hh);
            const QRectF rows(L.frame.left() + 10 * u, L.frame.top() + hh + 2 * u, L.frame.width() - 20 * u,
                              L.frame.height() - hh - 2 * u - std::min(10 * u, lh * 0.05));
            const double rowGap = std::min(10 * u, rows.height() * 0.08);
            const double rh = (rows.height() - rowGap) / 2;
            const double labelW = 128 * u;
            const QueueLengths len = h.queueLengthsAt(l, t);
            for (QueueKind k : {QueueKind::Syn, QueueKind::Accept}) {
                QueueGeometry& q = k == QueueKind::Syn ? L.syn : L.accept;
                q.listener = l;
                q.kind = k;
                q.frame = QRectF(rows.left(), rows.top() + (k == QueueKind::Syn ? 0 : rh + rowGap), rows.width(), rh);
                q.label = QRectF(q.frame.left(), q.frame.top(), labelW, rh);
                q.slotsArea = q.frame.adjusted(labelW + 10 * u, 4 * u, 0, -4 * u);
                q.limit = L.backlog;
                // Q1: the accept queue holds backlog + 1; Q2: the SYN queue too since 6.13, backlog before.
                const bool plusOne = k == QueueKind::Accept || sc.kernel.profile.synQueueHoldsBacklogPlusOne;
                q.capacity = std::max<std::int64_t>(0, L.backlog + (plusOne ? 1 : 0));
                q.length = k == QueueKind::Syn ? len.syn : len.accept;
                layoutSlots(q, u);
                if (!q.gauge || q.length <= 20'000) q.entries = h.queueAt(l, k, t);
                if (k == QueueKind::Syn && !q.gauge) {
                    q.retransmissions.reserve(q.entries.size());
                    q.nextSynAck.reserve(q.entries.size());
                    for (const QueueEntry& e : q.entries) {
                        q.retransmissions.push_back(idx.retransmissions(e.flow, e.entered, t));
                        q.nextSynAck.push_back(idx.nextRetransmission(e.flow, t, e.left));
                    }
                }
            }
            L.door = QPointF(L.frame.left(), L.frame.center().y());
            L.exit = QPointF(L.accept.slotsArea.right(), L.accept.frame.center().y());
            g.listeners.push_back(std::move(L));
        }
    }

    // ---- clients and attackers
    const QRectF cp = g.clientsPanel;
    bool flood = false;
    for (std::size_t i = 0; i < sc.traffic.size(); ++i) flood = flood || floodShown(sim, i, t);
    QRectF rowsArea(cp.left() + 8 * u, cp.top() + 40 * u, cp.width() - 8 * u, cp.height() - 48 * u);
    if (flood) {
        const double ah = std::min(150 * u, rowsArea.height() * 0.3);
        g.attackers = QRectF(cp.left() + 8 * u, cp.bottom() - 8 * u - ah, cp.width() - 16 * u, ah);
        rowsArea.setBottom(g.attackers.top() - 12 * u);
    }
    for (std::uint32_t c = 0; c < h.clients.size(); ++c)
        if (idx.clientKnownFrom[c] <= t) g.clientsShown.push_back(c);
    const auto nc = static_cast<std::uint32_t>(g.clientsShown.size());
    std::vector<int> rowOf(h.clients.size(), -1); // a client's row in g.clients
    g.clientsAggregated = nc > static_cast<std::uint32_t>(std::max(0, options_.clientRowsMax));
    if (g.clientsAggregated) {
        g.clientsBlock = rowsArea.adjusted(0, 0, -8 * u, 0);
    } else if (nc > 0) {
        const double rh = std::min(48 * u, rowsArea.height() / nc);
        const double top = rowsArea.center().y() - rh * nc / 2;
        g.clientsBlock = QRectF(rowsArea.left(), top, rowsArea.width(), rh * nc);
        for (std::uint32_t k = 0; k < nc; ++k) {
            const std::uint32_t c = g.clientsShown[k];
            ClientGeometry cg;
            cg.index = c;
            cg.row = QRectF(rowsArea.left(), top + k * rh, rowsArea.width() - 8 * u, rh);
            cg.anchor = QPointF(cp.right(), cg.row.center().y());
            cg.ghost = clientStatus(h, c, t, idx.maxFlight).look == ClientLook::Ghost;
            rowOf[c] = static_cast<int>(k);
            g.clients.push_back(cg);
        }
    }

    // ---- workers, beside their listener
    const QRectF wp = g.workersPanel;
    std::vector<std::vector<std::uint32_t>> byListener(static_cast<std::size_t>(std::max(nl, 1)));
    for (std::uint32_t w = 0; w < h.workers.size(); ++w) {
        if (idx.workerBornAt[w] > t) continue; // added by a later change
        byListener[static_cast<std::size_t>(std::clamp(h.workers[w].listener, 0, std::max(nl, 1) - 1))].push_back(w);
        ++g.workersShown;
    }
    g.workersAggregated = g.workersShown > std::max(0, options_.workerBoxesMax);
    const auto spanOf = [&](int l) {
        if (l < static_cast<int>(g.listeners.size())) {
            const QRectF f = g.listeners[static_cast<std::size_t>(l)].frame;
            return QRectF(wp.left() + 8 * u, f.top(), wp.width() - 16 * u, f.height());
        }
        return QRectF(wp.left() + 8 * u, wp.top() + 48 * u, wp.width() - 16 * u, wp.height() - 56 * u);
    };
    if (!g.workersAggregated) {
        for (std::size_t l = 0; l < byListener.size() && !g.workersAggregated; ++l) {
            const auto k = byListener[l].size();
            if (k == 0) continue;
            const QRectF span = spanOf(static_cast<int>(l));
            const double gap = 6 * u;
            const double bh = std::min(50 * u, (span.height() - gap * dbl(k - 1)) / dbl(k));
            if (bh < 22 * u) g.workersAggregated = true;
        }
    }
    for (std::size_t l = 0; l < byListener.size(); ++l) {
        const auto& ws = byListener[l];
        if (ws.empty()) continue;
        const QRectF span = spanOf(static_cast<int>(l));
        if (g.workersAggregated) {
            g.workerGroups.push_back({static_cast<int>(l), span.adjusted(0, 4 * u, 0, -4 * u), ws});
            continue;
        }
        const double gap = 6 * u;
        const double bh = std::min(50 * u, (span.height() - gap * dbl(ws.size() - 1)) / dbl(ws.size()));
        const double top = span.center().y() - (bh * dbl(ws.size()) + gap * dbl(ws.size() - 1)) / 2;
        for (std::size_t k = 0; k < ws.size(); ++k)
            g.workers.push_back({ws[k], static_cast<int>(l), QRectF(span.left(), top + dbl(k) * (bh + gap), span.width(), bh)});
    }

    // ---- packets: everything sent within one flight and one drop animation before t
    const Time linger = dropLinger(sim);
    const double off = 7 * u;
    const auto door = [&](int l) {
        if (g.listeners.empty()) return QPointF(g.serverPanel.left(), g.serverPanel.center().y());
        return g.listeners[static_cast<std::size_t>(std::clamp(l, 0, nl - 1))].door;
    };
    const auto clientEnd = [&](FlowId flow) {
        if (isSpoofed(flow)) {
            const QRectF a = g.attackers.isEmpty() ? g.clientsBlock : g.attackers;
            return QPointF(g.clientsPanel.right(), a.top() + 10 * u + unitHash(flow) * std::max(0.0, a.height() - 20 * u));
        }
        if (flow < rowOf.size() && rowOf[flow] >= 0) return g.clients[static_cast<std::size_t>(rowOf[flow])].anchor;
        const QRectF b = g.clientsBlock;
        const auto rank = std::lower_bound(g.clientsShown.begin(), g.clientsShown.end(), flow) - g.clientsShown.begin();
        return QPointF(g.clientsPanel.right(),
                       b.top() + (dbl(static_cast<std::int64_t>(rank)) + 0.5) / dbl(static_cast<std::int64_t>(std::max(1u, nc))) * b.height());
    };
    // Positions along a path: packets to the server ride above the line, answers below it.
    const auto along = [&](QPointF from, QPointF to, double f, bool toServer) {
        QPointF d = to - from;
        const double len = std::hypot(d.x(), d.y());
        QPointF n = len > 0 ? QPointF(-d.y() / len, d.x() / len) : QPointF(0, 1);
        if (n.y() < 0) n = -n;
        return lerp(from, to, f) + n * (toServer ? -off : off);
    };

    struct Candidate {
        std::uint32_t index;
        Packet p;
        QPointF pos;
        double fall;
    };
    std::vector<Candidate> moving, falling;
    const Time windowStart = t - idx.maxFlight - linger;
    const auto [first, last] = h.packetsSentIn(windowStart, t);
    for (std::uint32_t i = first; i < last; ++i) {
        const Packet p = h.packet(i);
        const QPointF c = clientEnd(p.flow);
        const QPointF s = door(p.listener);
        const QPointF from = p.toServer ? c : s;
        const QPointF to = p.toServer ? s : c;
        const Time flight = p.arrives - p.sent;
        if (t < p.arrives) {
            const double f = flight.count() > 0 ? dbl((t - p.sent).count()) / dbl(flight.count()) : 1.0;
            if (p.fate == PacketFate::LostInNetwork && f >= 0.5) {
                const double fall = dbl((t - p.sent - flight / 2).count()) / dbl(linger.count());
                if (fall < 1) falling.push_back({i, p, along(from, to, 0.5, p.toServer), fall});
            } else {
                // A segment sent together with another (ACK + data, data + FIN) rides just behind it.
                const double behind = p.kind == PacketKind::Data ? 1.3 : (p.kind == PacketKind::Fin ? 2.6 : 0.0);
                const QPointF d = to - from;
                const double len = std::max(1e-9, std::hypot(d.x(), d.y()));
                const double back = std::min(behind * 18 * u, f * len);
                moving.push_back({i, p, along(from, to, f, p.toServer) - d / len * back, -1});
            }
        } else if (isDrop(p.fate)) {
            const Time dropped = p.fate == PacketFate::LostInNetwork ? p.sent + flight / 2 : p.arrives;
            const double fall = dbl((t - dropped).count()) / dbl(linger.count());
            if (fall < 1) {
                const double at = p.fate == PacketFate::LostInNetwork ? 0.5 : 0.95;
                falling.push_back({i, p, along(from, to, at, p.toServer), fall});
            }
        }
    }
    g.packetsInFlight = static_cast<std::int64_t>(moving.size());
    // Level of detail: packets of one kind on one path form a group. In a flood (more than
    // streamThreshold in flight) every group larger than smallGroup is drawn as a stream with a count
    // and a sample of its packets; so is any group larger than groupStreamThreshold (a burst of a
    // hundred ACKs would be a smear of overlapping glyphs). Other groups are drawn packet by packet.
    const bool flooded = g.packetsInFlight > options_.streamThreshold;
    const auto sampleMask = [&](std::size_t n) {
        std::uint64_t k = 1;
        while (dbl(static_cast<std::int64_t>(k)) * std::max(1, options_.sampleTarget) < dbl(n)) k <<= 1;
        return k - 1;
    };
    const auto streamKey = [](const Packet& p) {
        return std::make_tuple(p.toServer, static_cast<int>(p.kind), p.cookie, isSpoofed(p.flow), static_cast<int>(p.listener));
    };
    std::map<std::tuple<bool, int, bool, bool, int>, std::size_t> streamOf;
    std::vector<StreamGeometry> groups;
    {
        for (const Candidate& c : moving) {
            const auto key = streamKey(c.p);
            auto it = streamOf.find(key);
            const QPointF src = clientEnd(c.p.flow);
            if (it == streamOf.end()) {
                StreamGeometry s;
                s.kind = c.p.kind;
                s.toServer = c.p.toServer;
                s.cookie = c.p.cookie;
                s.spoofed = isSpoofed(c.p.flow);
                s.listener = c.p.listener;
                s.sourceTop = s.sourceBottom = src;
                s.source = QPointF(src.x(), 0);
                s.sink = door(c.p.listener);
                it = streamOf.emplace(key, groups.size()).first;
                groups.push_back(s);
            }
            StreamGeometry& s = groups[it->second];
            ++s.count;
            s.source.ry() += src.y();
            if (src.y() < s.sourceTop.y()) s.sourceTop = src;
            if (src.y() > s.sourceBottom.y()) s.sourceBottom = src;
        }
        for (StreamGeometry& s : groups) s.source.ry() /= dbl(s.count);
    }
    std::vector<bool> asStream(groups.size(), false);
    std::size_t streamed = 0;
    for (std::size_t k = 0; k < groups.size(); ++k) {
        asStream[k] = (flooded && groups[k].count > options_.smallGroup) || groups[k].count > options_.groupStreamThreshold;
        if (!asStream[k]) continue;
        streamed += static_cast<std::size_t>(groups[k].count);
        g.packetStreams.push_back(groups[k]);
    }
    g.streams = !g.packetStreams.empty();
    const std::uint64_t movingMask = sampleMask(streamed);
    const double glyph = 18 * u;
    const auto add = [&](const Candidate& c, bool labelled) {
        PacketGeometry pg;
        pg.index = c.index;
        pg.centre = c.pos;
        pg.glyph = QRectF(c.pos.x() - glyph / 2, c.pos.y() - glyph / 2, glyph, glyph);
        pg.toServer = c.p.toServer;
        pg.fall = c.fall;
        pg.labelled = labelled;
        g.packets.push_back(pg);
    };

    // Drops: one label per reason and place (counting connections: a cookie ACK and the data behind
    // it are one connection's loss); the packets fall from there.
    std::map<std::tuple<int, bool, int>, std::size_t> dropOf;
    std::vector<std::vector<FlowId>> dropFlows;
    for (const Candidate& c : falling) {
        const bool atServer = c.p.toServer && c.p.fate != PacketFate::LostInNetwork;
        const int place = c.p.fate == PacketFate::LostInNetwork ? -1 : (atServer ? static_cast<int>(c.p.listener) : -2);
        const auto key = std::make_tuple(static_cast<int>(c.p.fate), atServer, place);
        auto it = dropOf.find(key);
        if (it == dropOf.end()) {
            DropGeometry d;
            d.fate = c.p.fate;
            d.kind = c.p.kind;
            d.anchor = c.pos;
            d.atServer = atServer;
            it = dropOf.emplace(key, g.drops.size()).first;
            g.drops.push_back(d);
            dropFlows.emplace_back();
        }
        ++g.drops[it->second].packets;
        dropFlows[it->second].push_back(c.p.flow);
    }
    for (std::size_t k = 0; k < g.drops.size(); ++k) {
        std::vector<FlowId>& flows = dropFlows[k];
        std::sort(flows.begin(), flows.end());
        g.drops[k].count = static_cast<std::int64_t>(std::unique(flows.begin(), flows.end()) - flows.begin());
    }
    const std::uint64_t fallingMask = falling.size() > static_cast<std::size_t>(options_.streamThreshold) ? sampleMask(falling.size()) : 0;
    for (const Candidate& c : falling) {
        const double f = std::clamp(c.fall, 0.0, 1.0);
        Candidate moved = c;
        // Falling: accelerating downwards, drifting back the way it came; each packet its own way
        // (a fixed hash of its index), so a burst of drops sprays instead of piling up.
        const double spread = unitHash(c.index), speed = 0.7 + 0.6 * unitHash(c.index ^ 0x5bd1e995u);
        const double drift = (c.p.toServer ? -1 : 1) * (6 * u + spread * 40 * u) * f;
        moved.pos = c.pos + QPointF(drift, 110 * u * speed * f * f);
        if ((mix(c.index) & fallingMask) == 0) add(moved, false);
    }
    // A stream's sample: a fixed hash of the packet index picks it (the same packet stays picked while
    // it flies), and of samples that would sit on top of each other only the first is kept.
    std::vector<std::vector<QPointF>> kept(groups.size());
    for (const Candidate& c : moving) {
        const std::size_t k = streamOf.at(streamKey(c.p));
        if (!asStream[k]) {
            add(c, true);
            continue;
        }
        if ((mix(c.index) & movingMask) != 0) continue;
        const bool crowded = std::any_of(kept[k].begin(), kept[k].end(), [&](QPointF q) {
            return std::abs(q.x() - c.pos.x()) < glyph * 0.9 && std::abs(q.y() - c.pos.y()) < glyph * 0.9;
        });
        if (crowded) continue;
        kept[k].push_back(c.pos);
        add(c, false);
    }
    return g;
}

// ------------------------------------------------------------------------------------------ painting

namespace {

QColor withAlpha(QColor c, double a) {
    c.setAlphaF(static_cast<float>(std::clamp(a, 0.0, 1.0)));
    return c;
}

QColor textOn(const QColor& fill, const Theme& th) {
    // Dark text on light fills (yellow, sky blue, light panels), the theme's entry text otherwise.
    const double lum = 0.2126 * static_cast<double>(fill.redF()) + 0.7152 * static_cast<double>(fill.greenF()) +
                       0.0722 * static_cast<double>(fill.blueF());
    return lum > 0.55 ? QColor(0x1B, 0x1B, 0x1B) : th.entryText;
}

QString latin1(std::string_view s) { return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size())); }

QString packetLabelText(PacketKind kind, bool cookie, int retrans) {
    QString s = latin1(packetKindName(kind));
    if (cookie && kind == PacketKind::SynAck) s += QLatin1String(" cookie");
    if (retrans > 0) s += QStringLiteral(" #%1").arg(retrans);
    return s;
}

// The shape of each packet kind (a second cue besides colour and label).
void drawGlyph(QPainter& p, const Theme& th, QPointF c, double r, PacketKind kind, bool cookie, bool spoofed,
               bool toServer, double outline) {
    const QColor fill = th.packetColor(kind, spoofed);
    QPen pen(th.glyphOutline, outline, cookie ? Qt::DashLine : Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin);
    p.setPen(pen);
    p.setBrush(fill);
    switch (kind) {
    case PacketKind::Syn:
        if (spoofed) {
            // Spoofed: a hollow ring in the attacker's colour (no one will answer its SYN-ACK).
            p.setPen(QPen(fill, std::max(outline * 2.2, r * 0.45)));
            p.setBrush(Qt::NoBrush);
            p.drawEllipse(c, r * 0.78, r * 0.78);
        } else {
            p.drawEllipse(c, r, r);
        }
        break;
    case PacketKind::SynAck: {
        const std::array<QPointF, 4> pts{c + QPointF(0, -r * 1.15), c + QPointF(r * 1.15, 0), c + QPointF(0, r * 1.15),
                                         c + QPointF(-r * 1.15, 0)};
        if (cookie) pen.setWidthF(outline * 1.6);
        p.setPen(pen);
        p.drawPolygon(pts.data(), static_cast<int>(pts.size()));
        break;
    }
    case PacketKind::Ack: p.drawRect(QRectF(c.x() - r * 0.9, c.y() - r * 0.9, r * 1.8, r * 1.8)); break;
    case PacketKind::Data: {
        const QRectF env(c.x() - r * 1.25, c.y() - r * 0.8, r * 2.5, r * 1.6);
        p.drawRect(env);
        const std::array<QPointF, 3> flap{env.topLeft(), QPointF(env.center().x(), env.center().y() + r * 0.1),
                                          env.topRight()};
        p.setBrush(Qt::NoBrush);
        p.drawPolyline(flap.data(), 3);
        break;
    }
    case PacketKind::Fin: {
        const double s = toServer ? 1 : -1;
        const std::array<QPointF, 3> pts{c + QPointF(s * r * 1.2, 0), c + QPointF(-s * r * 0.9, -r * 1.05),
                                         c + QPointF(-s * r * 0.9, r * 1.05)};
        p.drawPolygon(pts.data(), 3);
        break;
    }
    case PacketKind::Rst: {
        std::array<QPointF, 8> pts;
        for (std::size_t k = 0; k < 8; ++k) {
            const double a = (dbl(static_cast<int>(k)) + 0.5) * 3.14159265358979 / 4;
            pts[k] = c + QPointF(std::cos(a) * r * 1.05, std::sin(a) * r * 1.05);
        }
        p.drawPolygon(pts.data(), 8);
        break;
    }
    }
}

// Small pictures drawn many times a frame (packet glyphs, filled slots), rendered once into images and
// copied in: on a raster target that is far cheaper than stroking and filling the same shape again.
// Used only where the painter maps whole logical pixels to whole device pixels.
class SpriteCache {
public:
    void clear() { sprites_.clear(); }
    // Copies in the sprite `key` (drawing it first with `draw`, in a box of `size` logical pixels) with
    // its top-left corner at `topLeft`, rounded to a device pixel.
    template <class Draw>
    void blit(QPainter& p, double dpr, QPointF topLeft, QSizeF size, std::uint64_t key, Draw&& draw) {
        auto it = sprites_.find(key);
        if (it == sprites_.end()) {
            QImage image(QSize(static_cast<int>(std::ceil(size.width() * dpr)), static_cast<int>(std::ceil(size.height() * dpr))),
                         QImage::Format_ARGB32_Premultiplied);
            image.setDevicePixelRatio(dpr);
            image.fill(Qt::transparent);
            QPainter sp(&image);
            sp.setRenderHint(QPainter::Antialiasing, true);
            draw(sp);
            sp.end();
            it = sprites_.emplace(key, std::move(image)).first;
        }
        p.drawImage(QPointF(std::round(topLeft.x() * dpr) / dpr, std::round(topLeft.y() * dpr) / dpr), it->second);
    }

private:
    std::map<std::uint64_t, QImage> sprites_;
};

// Everything one frame's painting needs: the painter, the theme, the layout, and the fonts.
struct Ctx {
    QPainter& p;
    const Theme& th;
    const StageRenderer::Geometry& g;
    const Simulation& sim;
    const History& h;
    const Scenario& sc;
    Time t;
    double u;
    SpriteCache* sprites = nullptr; // set on a pixel-aligned raster target
    double dpr = 1;
    LabelOverflows* overflows = nullptr;        // labels that did not fit (Options::overflows)
    std::vector<ElidedLabel>* elided = nullptr; // labels shortened: their whole text is the tooltip
    QFont fTitle, fClock, fPanel, fBody, fBodyBold, fSmall, fMono, fMonoBold, fBig, fLabel;

    Ctx(QPainter& painter, const Theme& theme, const StageRenderer::Geometry& geometry, const Simulation& simulation,
        Time at, SpriteCache* spriteCache = nullptr, double pixelRatio = 1, LabelOverflows* overflowSink = nullptr,
        std::vector<ElidedLabel>* elidedSink = nullptr)
        : p(painter), th(theme), g(geometry), sim(simulation), h(simulation.history()), sc(simulation.scenario()), t(at),
          u(geometry.unit), sprites(spriteCache), dpr(pixelRatio), overflows(overflowSink), elided(elidedSink) {
        fTitle = font(20, true);
        fClock = font(22, true, true);
        fPanel = font(15, true);
        fBody = font(13);
        fBodyBold = font(13, true);
        fSmall = font(11);
        fMono = font(12, false, true);
        fMonoBold = font(13, true, true);
        fBig = font(20, true, true);
        fLabel = font(11, true);
    }

    // Only the bundled families, at pixel sizes, unhinted and without font merging: the same glyphs
    // on every machine (Fonts.h).
    QFont font(double px, bool bold = false, bool mono = false) const {
        QFont f(mono ? th.monoFamily : th.sansFamily);
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(px * u * th.fontScale))));
        f.setBold(bold);
        f.setHintingPreference(QFont::PreferNoHinting);
        f.setStyleStrategy(static_cast<QFont::StyleStrategy>(QFont::PreferAntialias | QFont::NoSubpixelAntialias |
                                                             QFont::NoFontMerging));
        return f;
    }
    double line(double w) const { return std::max(0.5, w * u * th.lineScale); }
    QPen pen(const QColor& c, double w, Qt::PenStyle style = Qt::SolidLine) const {
        return QPen(c, line(w), style, Qt::FlatCap, Qt::MiterJoin);
    }
    // Every label of the stage: fitted into `r` (Fonts.h drawLabel: smaller, wrapped, or — with
    // fit.elide, where the widget's tooltip shows it whole — elided), and reported when it does not fit.
    FittedLabel text(const QRectF& r, int flags, const QString& s, const QFont& f, const QColor& c,
                     const TextFit& fit = {}) const {
        const FittedLabel out = drawLabel(p, r.intersected(g.target), flags, s, f, c, fit, overflows, u"stage");
        if (!out.complete && elided) elided->push_back({r, s});
        return out;
    }
    // Whether `s` fits `r` in `f` (smaller by at most fit.minScale, or wrapped), without drawing it.
    bool fits(const QRectF& r, int flags, const QString& s, const QFont& f, const TextFit& fit = {}) const {
        return fitLabel(r, flags, s, f, fit).complete;
    }
    // The first of `candidates` (longest first) that fits `r`; the last one when none does.
    FittedLabel firstFitting(const QRectF& r, int flags, const QStringList& candidates, const QFont& f,
                             const QColor& c, const TextFit& fit = {}) const {
        for (qsizetype k = 0; k + 1 < candidates.size(); ++k)
            if (fits(r, flags, candidates[k], f, fit)) return text(r, flags, candidates[k], f, c, fit);
        return text(r, flags, candidates.isEmpty() ? QString() : candidates.last(), f, c, fit);
    }
    void panel(const QRectF& r, const QString& title) const {
        p.setPen(pen(th.panelBorder, 1));
        p.setBrush(th.panel);
        p.drawRoundedRect(r, 10 * u, 10 * u);
        if (!title.isEmpty())
            text(QRectF(r.left() + 12 * u, r.top() + 6 * u, r.width() - 24 * u, 28 * u), Qt::AlignLeft | Qt::AlignVCenter,
                 title, fPanel, th.text);
    }
    QRectF panelSubtitle(const QRectF& r) const { return {r.left() + 12 * u, r.top() + 30 * u, r.width() - 24 * u, 18 * u}; }
};

QColor lookColour(const Theme& th, ClientLook l) {
    switch (l) {
    case ClientLook::NotYet: return th.panel;
    case ClientLook::Connecting:
    case ClientLook::Retrying: return th.syn;
    case ClientLook::Waiting: return withAlpha(th.acceptEntry, 0.3);
    case ClientLook::Accepted: return th.acceptEntry;
    case ClientLook::Ghost: return withAlpha(th.alert, 0.25);
    case ClientLook::Done: return th.clientDone;
    case ClientLook::Failed: return th.alert;
    case ClientLook::Count_: break;
    }
    return th.panel;
}

void clientMarker(const Ctx& c, QPointF at, double r, ClientLook look) {
    const Theme& th = c.th;
    Qt::PenStyle style = Qt::SolidLine;
    QColor border = th.glyphOutline;
    if (look == ClientLook::NotYet) {
        style = Qt::DotLine;
        border = th.mutedText;
    } else if (look == ClientLook::Ghost) {
        style = Qt::DashLine;
        border = th.alert;
    } else if (look == ClientLook::Waiting) {
        border = th.acceptEntry;
    }
    c.p.setPen(c.pen(border, look == ClientLook::Ghost || look == ClientLook::Waiting ? 2.2 : 1, style));
    c.p.setBrush(lookColour(th, look));
    c.p.drawRoundedRect(QRectF(at.x() - r, at.y() - r * 0.8, 2 * r, 1.6 * r), r * 0.3, r * 0.3);
    if (look == ClientLook::Ghost)
        c.text(QRectF(at.x() - r, at.y() - r, 2 * r, 2 * r), Qt::AlignCenter, QStringLiteral("?"),
               c.font(std::max(8.0, r / c.u * 1.1), true), th.alert);
}

QColor workerColour(const Theme& th, WorkerState s) {
    switch (s) {
    case WorkerState::BlockedInAccept:
    case WorkerState::InEpollWait: return th.workerIdle;
    case WorkerState::Serving: return th.workerServing;
    case WorkerState::WokenForNothing: return th.workerWasted;
    case WorkerState::NotStarted:
    case WorkerState::Stopped: return th.workerOff;
    }
    return th.workerOff;
}

double slotRadius(const StageRenderer::QueueGeometry& q) {
    if (q.slotRects.empty()) return 0;
    return std::min(q.slotRects[0].width(), q.slotRects[0].height()) * 0.12;
}

// A listener's header holds its name on the left and what `ss -lnt` says on the right: each its own part.
QRectF headerLeft(const StageRenderer::ListenerGeometry& L, double u) {
    return {L.header.left(), L.header.top(), L.header.width() * 0.55 - 4 * u, L.header.height()};
}
QRectF headerRight(const StageRenderer::ListenerGeometry& L, double u) {
    return {L.header.left() + L.header.width() * 0.55 + 4 * u, L.header.top(), L.header.width() * 0.45 - 4 * u,
            L.header.height()};
}

// ---- the static layer: everything that does not change while the playhead moves (for a raster
// target it is drawn once and copied in every frame).

void paintStatic(const Ctx& c) {
    QPainter& p = c.p;
    const Theme& th = c.th;
    const StageRenderer::Geometry& g = c.g;
    const double u = c.u;
    p.fillRect(g.target, th.background);
    // The title, left of the room the clock takes (its widest reading: "t = 999.999999 s").
    const double clockW = QFontMetricsF(c.fClock).horizontalAdvance(QStringLiteral("t = 999.999999 s")) + 16 * u;
    c.text(g.header.adjusted(0, 0, -clockW, 0), Qt::AlignLeft | Qt::AlignVCenter, QString::fromStdString(c.sc.title),
           c.fTitle, th.text, TextFit{0.6, true, true});

    // The network: its round trip and the paths.
    const QRectF n = g.network;
    c.text(QRectF(n.left(), n.top() + 6 * u, n.width(), 24 * u), Qt::AlignHCenter | Qt::AlignVCenter,
           QStringLiteral("network · RTT %1").arg(formatSpan(c.sc.network.rtt)), c.fBody, th.mutedText);
    p.setPen(c.pen(th.wire, 1));
    p.setBrush(Qt::NoBrush);
    const std::size_t wires = g.clients.size() * g.listeners.size();
    if (wires > 0 && wires <= 160) {
        for (const StageRenderer::ClientGeometry& cg : g.clients)
            for (const StageRenderer::ListenerGeometry& L : g.listeners) p.drawLine(cg.anchor, L.door);
    } else if (!g.listeners.empty() && g.clientsBlock.isValid() && !g.clientsShown.empty()) {
        // Too many clients for a wire each: a few wires from across the block stand for them all.
        const int perListener = std::max(2, 8 / static_cast<int>(g.listeners.size()));
        for (const StageRenderer::ListenerGeometry& L : g.listeners)
            for (int k = 0; k < perListener; ++k)
                p.drawLine(QPointF(g.clientsPanel.right(),
                                   g.clientsBlock.top() + g.clientsBlock.height() * (k + 0.5) / perListener),
                           L.door);
    }
    if (g.attackers.isValid()) {
        p.setPen(c.pen(withAlpha(th.spoofed, 0.35), 1, Qt::DashLine));
        for (const StageRenderer::ListenerGeometry& L : g.listeners)
            for (int k = 0; k < 3; ++k)
                p.drawLine(QPointF(g.clientsPanel.right(), g.attackers.top() + g.attackers.height() * (k + 0.5) / 3), L.door);
    }

    // Panels.
    c.panel(g.clientsPanel, QStringLiteral("Clients · %1").arg(thousands(static_cast<std::int64_t>(g.clientsShown.size()))));
    if (g.attackers.isValid()) {
        const QRectF a = g.attackers;
        p.setPen(c.pen(th.spoofed, 1.5));
        p.setBrush(withAlpha(th.spoofed, 0.10));
        p.drawRoundedRect(a, 8 * u, 8 * u);
        p.setBrush(QBrush(withAlpha(th.spoofed, 0.22), Qt::BDiagPattern));
        p.setPen(Qt::NoPen);
        p.drawRoundedRect(a, 8 * u, 8 * u);
        c.text(QRectF(a.left() + 10 * u, a.top() + 8 * u, a.width() - 20 * u, 22 * u), Qt::AlignLeft | Qt::AlignVCenter,
               QStringLiteral("Attacker"), c.fPanel, th.spoofed);
        drawGlyph(p, th, QPointF(a.right() - 18 * u, a.top() + 19 * u), 7 * u * th.glyphScale, PacketKind::Syn, false,
                  true, true, c.line(1));
    }
    const KernelSettings& k = c.sc.kernel;
    c.panel(g.serverPanel, QString());
    c.text(QRectF(g.serverTitle.left(), g.serverTitle.top(), g.serverTitle.width(), 24 * u),
           Qt::AlignLeft | Qt::AlignVCenter,
           QStringLiteral("Server %1:%2 · Linux %3")
               .arg(QString::fromStdString(c.sim.serverAddress()))
               .arg(c.sc.server.port)
               .arg(QString::fromLatin1(k.profile.name)),
           c.fPanel, th.text);
    const QString sysctls =
        QStringLiteral("listen(fd, %1) · somaxconn %2 · tcp_max_syn_backlog %3 · syncookies %4 · abort_on_overflow %5")
            .arg(c.sc.server.backlog)
            .arg(k.somaxconn)
            .arg(k.tcpMaxSynBacklog)
            .arg(k.tcpSyncookies)
            .arg(k.tcpAbortOnOverflow);
    // The whole line, in smaller type if need be (large-type themes): every value matters.
    c.text(QRectF(g.serverTitle.left(), g.serverTitle.top() + 24 * u, g.serverTitle.width(), 20 * u),
           Qt::AlignLeft | Qt::AlignVCenter, sysctls, c.fSmall, th.mutedText, TextFit{0.6, false, true});
    c.panel(g.workersPanel, QStringLiteral("Workers · %1").arg(thousands(g.workersShown)));
    c.text(c.panelSubtitle(g.workersPanel), Qt::AlignLeft | Qt::AlignVCenter,
           QString::fromLatin1(acceptModeName(c.sc.server.workers.accept)), c.fSmall, th.mutedText);
    if (g.workersShown == 0) {
        const QRectF r = g.listeners.empty() ? g.workersPanel
                                             : QRectF(g.workersPanel.left() + 8 * u, g.listeners.front().frame.top(),
                                                      g.workersPanel.width() - 16 * u, 80 * u);
        c.text(r, Qt::AlignCenter | Qt::TextWordWrap, QStringLiteral("nobody calls accept()"), c.fBody, th.alert);
    }

    // Listening sockets: frame, door, name, the queues' empty slots and backlog lines.
    for (const StageRenderer::ListenerGeometry& L : g.listeners) {
        p.setPen(c.pen(th.panelBorder, 1.2));
        p.setBrush(th.listenerFill);
        p.drawRoundedRect(L.frame, 8 * u, 8 * u);
        p.setPen(Qt::NoPen);
        p.setBrush(th.panelBorder);
        p.drawRect(QRectF(L.door.x() - 3 * u, L.door.y() - 16 * u, 6 * u, 32 * u));
        const QString name = g.listeners.size() > 1
                                 ? QStringLiteral("listener %1 (SO_REUSEPORT) · 0.0.0.0:%2").arg(L.index).arg(c.sc.server.port)
                                 : QStringLiteral("listening socket · 0.0.0.0:%1").arg(c.sc.server.port);
        // The name on the left, what ss says (or "closed") on the right: each in its own part of the header.
        c.text(headerLeft(L, u), Qt::AlignLeft | Qt::AlignVCenter, name,
               L.header.height() >= 24 * u ? c.fBodyBold : c.fSmall, L.open ? th.text : th.mutedText);
        if (!L.open)
            c.text(headerRight(L, u), Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("closed"), c.fMonoBold, th.alert);
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            const bool synQ = q->kind == QueueKind::Syn;
            const bool big = q->label.height() >= 44 * u;
            const QString title = synQ ? QStringLiteral("SYN queue") : QStringLiteral("accept queue");
            if (big)
                c.text(QRectF(q->label.left(), q->label.center().y() - 24 * u, q->label.width(), 22 * u),
                       Qt::AlignLeft | Qt::AlignBottom, title, c.fBodyBold, th.text);
            const double radius = slotRadius(*q);
            for (std::size_t s = 0; s < q->slotRects.size(); ++s) {
                const bool extra = static_cast<std::int64_t>(s) >= q->limit;
                p.setPen(c.pen(th.slotBorder, 1, extra ? Qt::DashLine : Qt::SolidLine));
                p.setBrush(th.slotEmpty);
                p.drawRoundedRect(q->slotRects[s], radius, radius);
            }
            if (q->gauge) {
                const QRectF bar = gaugeBar(*q, u);
                p.setPen(c.pen(th.slotBorder, 1));
                p.setBrush(th.slotEmpty);
                p.drawRect(bar);
            }
            if (!q->limitLine.isNull()) {
                // Named beside the line when the slots are one row; under the count otherwise.
                const bool oneRow = !q->gauge && !q->slotRects.empty() &&
                                    q->slotRects.front().top() == q->slotRects.back().top();
                const QString what = q->limit < q->capacity ? QStringLiteral("backlog %1 (+1)").arg(q->limit)
                                                            : QStringLiteral("backlog %1").arg(q->limit);
                const bool roomAbove = q->limitLine.y1() - q->frame.top() >= 16 * u;
                if ((oneRow || q->gauge) && roomAbove) {
                    const QRectF lr(q->limitLine.x1() - 160 * u, q->limitLine.y1() - 18 * u, 156 * u, 16 * u);
                    c.text(lr, Qt::AlignRight | Qt::AlignBottom, what, c.fSmall, th.mutedText);
                } else if (q->label.height() >= 76 * u) {
                    c.text(QRectF(q->label.left(), q->label.center().y() + 26 * u, q->label.width(), 16 * u),
                           Qt::AlignLeft | Qt::AlignTop, what, c.fSmall, th.mutedText);
                }
            }
        }
        // The way to the workers: accept() takes the head.
        p.setPen(c.pen(th.panelBorder, 1.5));
        const QPointF a0 = L.exit + QPointF(4 * u, 0);
        const QPointF a1(g.workersPanel.left() - 4 * u, L.exit.y());
        p.drawLine(a0, a1);
        const std::array<QPointF, 3> head{a1, a1 + QPointF(-8 * u, -5 * u), a1 + QPointF(-8 * u, 5 * u)};
        p.setBrush(th.panelBorder);
        p.drawPolygon(head.data(), 3);
        if (!L.open) {
            p.setPen(Qt::NoPen);
            p.setBrush(withAlpha(th.background, 0.6));
            p.drawRoundedRect(L.frame, 8 * u, 8 * u);
        }
    }
    c.text(QRectF(g.countersStrip.left(), g.countersStrip.top(), g.countersStrip.width(), g.countersStrip.height() / 2),
           Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("nstat"), c.fMonoBold, th.mutedText);

    // The legend.
    struct Entry {
        PacketKind kind;
        bool cookie;
        bool spoofed;
        const char* text;
    };
    const std::array<Entry, 8> legend{{{PacketKind::Syn, false, false, "SYN"},
                                       {PacketKind::Syn, false, true, "spoofed SYN"},
                                       {PacketKind::SynAck, false, false, "SYN-ACK"},
                                       {PacketKind::SynAck, true, false, "SYN-ACK cookie"},
                                       {PacketKind::Ack, false, false, "ACK"},
                                       {PacketKind::Data, false, false, "data"},
                                       {PacketKind::Fin, false, false, "FIN"},
                                       {PacketKind::Rst, false, false, "RST"}}};
    double x = g.footer.left() + 4 * u;
    const double cy = g.footer.center().y();
    const QFontMetricsF fm(c.fBody);
    for (const Entry& e : legend) {
        drawGlyph(p, th, QPointF(x + 10 * u, cy), 7 * u * th.glyphScale, e.kind, e.cookie, e.spoofed, true, c.line(0.9));
        const QString s = QString::fromLatin1(e.text);
        const double w = fm.horizontalAdvance(s);
        c.text(QRectF(x + 24 * u, g.footer.top(), w + 4 * u, g.footer.height()), Qt::AlignLeft | Qt::AlignVCenter, s,
               c.fBody, th.text);
        x += 24 * u + w + 20 * u;
    }
    c.text(QRectF(x, g.footer.top(), g.footer.right() - x, g.footer.height()), Qt::AlignRight | Qt::AlignVCenter,
           QStringLiteral("#n: n-th retransmission · drops fall out, labelled with the rule"), c.fSmall, th.mutedText,
           TextFit{0.6, true, false});
}

// ---- the dynamic layer: what t changes

void paintClients(const Ctx& c, Time maxFlight) {
    const Theme& th = c.th;
    const History& h = c.h;
    const StageRenderer::Geometry& g = c.g;
    const double u = c.u;
    const Time t = c.t;
    const auto nc = g.clientsShown.size();
    if (!g.clientsAggregated) {
        for (const StageRenderer::ClientGeometry& cg : g.clients) {
            const ClientRecord& rec = h.clients[cg.index];
            const ClientStatus st = clientStatus(h, cg.index, t, maxFlight);
            const QRectF r = cg.row;
            const double rh = r.height();
            const double mr = std::min(rh * 0.34, 13 * u);
            clientMarker(c, QPointF(r.left() + 6 * u + mr, r.center().y()), mr, st.look);
            const QRectF textR(r.left() + 14 * u + 2 * mr, r.top(), r.width() - 16 * u - 2 * mr, rh);
            const QString name = QStringLiteral("c%1").arg(cg.index);
            const QString state = st.look == ClientLook::NotYet ? QStringLiteral("—") : latin1(ssStateName(st.state));
            QString detail;
            QColor detailColour = th.mutedText;
            switch (st.look) {
            case ClientLook::NotYet: detail = QStringLiteral("connects at %1").arg(formatSpan(rec.connectAt)); break;
            case ClientLook::Connecting: detail = QStringLiteral("SYN sent"); break;
            case ClientLook::Retrying:
                detail = QStringLiteral("SYN #%1 sent").arg(st.syns - 1);
                detailColour = th.text;
                break;
            case ClientLook::Waiting:
                detail = h.serverStateAt(cg.index, t) == TcpState::SynRecv ? QStringLiteral("server still SYN-RECV")
                                                                           : QStringLiteral("waiting for accept()");
                break;
            case ClientLook::Accepted:
                detail = !rec.respondedAt.isNever() && rec.respondedAt <= t ? QStringLiteral("response received")
                                                                           : QStringLiteral("accepted, being served");
                break;
            case ClientLook::Ghost:
                detail = QStringLiteral("ghost: no socket on the server");
                detailColour = th.alert;
                break;
            case ClientLook::Done: detail = QStringLiteral("done"); break;
            case ClientLook::Failed:
                detail = latin1(clientErrorName(rec.error));
                detailColour = th.alert;
                break;
            case ClientLook::Count_: break;
            }
            const QColor nameColour = st.look == ClientLook::NotYet ? th.mutedText : th.text;
            if (rh >= 38 * u) {
                const QRectF top(textR.left(), r.center().y() - 17 * u, textR.width(), 17 * u);
                const QRectF bottom(textR.left(), r.center().y(), textR.width(), 17 * u);
                const FittedLabel n = c.text(top, Qt::AlignLeft | Qt::AlignBottom, name, c.fBodyBold, nameColour);
                const double nw = QFontMetricsF(n.font).horizontalAdvance(name) + 8 * u;
                c.text(top.adjusted(nw, 0, 0, 0), Qt::AlignLeft | Qt::AlignBottom, state, c.fMono, nameColour,
                       TextFit{0.6, false, true});
                c.text(bottom, Qt::AlignLeft | Qt::AlignTop, detail, c.fSmall, detailColour, TextFit{0.6, false, true});
            } else {
                const QFont& fn = rh >= 22 * u ? c.fBodyBold : c.fSmall;
                const FittedLabel n = c.text(textR, Qt::AlignLeft | Qt::AlignVCenter, name, fn, nameColour);
                const double nw = QFontMetricsF(n.font).horizontalAdvance(name) + 6 * u;
                const bool loud = st.look == ClientLook::Ghost || st.look == ClientLook::Failed;
                const QString rest = st.look == ClientLook::NotYet ? QString()
                                     : (loud || st.look == ClientLook::Retrying) ? detail
                                                                                 : state;
                c.text(textR.adjusted(nw, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, rest, c.fSmall,
                       loud ? th.alert : nameColour, TextFit{0.6, false, true});
            }
        }
    } else {
        std::array<std::int64_t, kClientLooks> counts{};
        for (std::uint32_t k : g.clientsShown) ++counts[lookIndex(clientStatus(h, k, t, maxFlight).look)];
        const QRectF b = g.clientsBlock;
        // A stacked bar of all clients, then one line per state with its count.
        const QRectF bar(b.left(), b.top(), b.width(), std::min(26 * u, b.height() * 0.1));
        double x = bar.left();
        c.p.setPen(Qt::NoPen);
        for (std::size_t k = 0; k < kClientLooks; ++k) {
            if (counts[k] == 0) continue;
            const double w = bar.width() * dbl(counts[k]) / dbl(std::max<std::size_t>(1, nc));
            c.p.setBrush(lookColour(th, static_cast<ClientLook>(k)));
            c.p.drawRect(QRectF(x, bar.top(), w, bar.height()));
            x += w;
        }
        c.p.setPen(c.pen(th.panelBorder, 1));
        c.p.setBrush(Qt::NoBrush);
        c.p.drawRect(bar);
        const double lh = std::min(34 * u, (b.height() - bar.height() - 10 * u) / dbl(kClientLooks));
        double y = bar.bottom() + 10 * u;
        for (std::size_t k = 0; k < kClientLooks; ++k) {
            const auto look = static_cast<ClientLook>(k);
            const QRectF row(b.left(), y, b.width(), lh);
            y += lh;
            const bool zero = counts[k] == 0;
            clientMarker(c, QPointF(row.left() + 10 * u, row.center().y()), std::min(9 * u, lh * 0.3), look);
            const QColor colour = zero ? th.mutedText
                                       : (look == ClientLook::Ghost || look == ClientLook::Failed ? th.alert : th.text);
            const QString count = thousands(counts[k]);
            const QFont& fCount = zero ? c.fMono : c.fMonoBold;
            const double cw = std::min(row.width() * 0.4, QFontMetricsF(fCount).horizontalAdvance(count) + 2 * u);
            c.text(row.adjusted(26 * u, 0, -cw - 6 * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   QString::fromLatin1(lookName(look)), zero ? c.fSmall : c.fBody, colour);
            c.text(row.adjusted(row.width() - cw, 0, 0, 0), Qt::AlignRight | Qt::AlignVCenter, count, fCount, colour);
        }
    }
    if (g.attackers.isValid()) {
        const QRectF a = g.attackers;
        double y = a.top() + 32 * u;
        for (std::size_t i = 0; i < c.sc.traffic.size(); ++i) {
            if (!floodShown(c.sim, i, t)) continue;
            const TrafficEntry e = c.sim.trafficAsRun(i); // a lesson may start it later than written
            const FloodTraffic& f = e.flood;
            const bool on = t >= f.from && t < f.to;
            c.text(QRectF(a.left() + 10 * u, y, a.width() - 20 * u, 18 * u), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("%1 spoofed SYN/s%2").arg(thousands(f.ratePerSecond), on ? QString() : QStringLiteral(" (idle)")),
                   c.fBodyBold, on ? th.text : th.mutedText);
            y += 19 * u;
            c.text(QRectF(a.left() + 10 * u, y, a.width() - 20 * u, 18 * u), Qt::AlignLeft | Qt::AlignVCenter,
                   f.from.isNever() ? QStringLiteral("not started")
                                    : QStringLiteral("from %1 to %2%3").arg(formatSpan(f.from), formatSpan(f.to),
                                                                            f.routable ? QString() : QStringLiteral(", unroutable")),
                   c.fSmall, th.mutedText);
            y += 20 * u;
            if (y > a.bottom() - 18 * u) break;
        }
    }
}

void paintQueues(const Ctx& c) {
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    const KernelSettings& k = c.sc.kernel;
    const std::vector<SsSocket> ss = c.sim.ssListening(c.t);
    std::size_t ssAt = 0;
    for (const StageRenderer::ListenerGeometry& L : c.g.listeners) {
        if (L.open && ssAt < ss.size()) {
            const SsSocket& s = ss[ssAt++];
            c.text(headerRight(L, u), Qt::AlignRight | Qt::AlignVCenter,
                   QStringLiteral("ss -lnt: Recv-Q %1  Send-Q %2").arg(s.recvQ).arg(s.sendQ),
                   L.header.height() >= 24 * u ? c.fMonoBold : c.fMono, th.text);
        }
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            const bool synQ = q->kind == QueueKind::Syn;
            const bool big = q->label.height() >= 44 * u;
            const QString fill = QStringLiteral("%1 / %2").arg(thousands(q->length), thousands(q->capacity));
            const bool full = q->length >= q->capacity;
            if (big) {
                // Big figures, smaller when "769 / 4,097" would not fit the label column.
                const QRectF figures(q->label.left(), q->label.center().y(), q->label.width(), 26 * u);
                const bool fits = c.fits(figures.adjusted(0, 0, -4 * u, 0), Qt::AlignLeft | Qt::AlignTop, fill, c.fBig,
                                         TextFit{1.0, false, false});
                c.text(figures, Qt::AlignLeft | Qt::AlignTop, fill, fits ? c.fBig : c.fMonoBold, full ? th.alert : th.text);
            } else {
                c.text(q->label, Qt::AlignLeft | Qt::AlignVCenter,
                       (synQ ? QStringLiteral("SYN queue ") : QStringLiteral("accept queue ")) + fill, c.fSmall,
                       full ? th.alert : th.text);
            }
            const QColor entryColour = synQ ? th.synEntry : th.acceptEntry;
            if (!q->gauge) {
                const double sw = q->slotRects.empty() ? 0 : q->slotRects[0].width();
                const double sh = q->slotRects.empty() ? 0 : q->slotRects[0].height();
                const double radius = slotRadius(*q);
                const bool showText = sw >= 40 * u && sh >= 26 * u;
                const QFont fSlot = c.font(std::clamp(sh / u * 0.3, 9.0, 15.0), true, true);
                const QFont fSlotSmall = c.font(std::clamp(sh / u * 0.2, 8.0, 12.0));
                // As wide as the empty slot's outline underneath, so that it covers it.
                const QPen outline = c.pen(th.glyphOutline, 1);
                const std::size_t filled = std::min(q->entries.size(), q->slotRects.size());
                const auto drawSlot = [&](QPainter& sp, const QRectF& r, const QColor& fillColour, bool spoofed) {
                    sp.setPen(outline);
                    sp.setBrush(fillColour);
                    sp.drawRoundedRect(r, radius, radius);
                    if (spoofed) {
                        sp.setPen(Qt::NoPen);
                        sp.setBrush(QBrush(withAlpha(th.entryText, 0.45), Qt::BDiagPattern));
                        sp.drawRoundedRect(r, radius, radius);
                    }
                };
                const double margin = std::ceil(outline.widthF() / 2 + 1);
                for (std::size_t s = 0; s < filled; ++s) {
                    const QRectF r = q->slotRects[s];
                    const QueueEntry& e = q->entries[s];
                    const bool spoofed = isSpoofed(e.flow);
                    const QColor fillColour = spoofed ? th.spoofedEntry : entryColour;
                    if (c.sprites) {
                        const std::uint64_t key = (1ull << 60) | (static_cast<std::uint64_t>(synQ) << 59) |
                                                  (static_cast<std::uint64_t>(spoofed) << 58) |
                                                  (static_cast<std::uint64_t>(r.width()) << 20) |
                                                  static_cast<std::uint64_t>(r.height());
                        c.sprites->blit(p, c.dpr, r.topLeft() - QPointF(margin, margin),
                                        r.size() + QSizeF(2 * margin, 2 * margin), key, [&](QPainter& sp) {
                                            drawSlot(sp, QRectF(QPointF(margin, margin), r.size()), fillColour, spoofed);
                                        });
                    } else {
                        drawSlot(p, r, fillColour, spoofed);
                    }
                    const int retrans = s < q->retransmissions.size() ? q->retransmissions[s] : 0;
                    if (showText) {
                        const QColor tc = textOn(fillColour, th);
                        QString main, shortMain, sub, shortSub, third;
                        // The slot's own tooltip names the entry: its text may be elided as a last resort.
                        const TextFit inSlot{0.6, false, true};
                        const QRectF inner = r.adjusted(2 * u, 0, -2 * u, 0);
                        if (synQ) {
                            main = spoofed ? QStringLiteral("spoofed") : QStringLiteral("c%1").arg(e.flow);
                            shortMain = spoofed ? QStringLiteral("spf") : main;
                            sub = retrans > 0 ? QStringLiteral("SYN-ACK #%1").arg(retrans) : QStringLiteral("SYN-RECV");
                            shortSub = retrans > 0 ? QStringLiteral("#%1").arg(retrans) : QString();
                            // T1: the time to the request's next SYN-ACK, on a third line when the slot has room.
                            const Time next = s < q->nextSynAck.size() ? q->nextSynAck[s] : Time::never();
                            const QString nextText = QStringLiteral("next ") + formatSpan(next - c.t);
                            if (!next.isNever() && r.height() >= 3.6 * QFontMetricsF(fSlotSmall).height() &&
                                c.fits(QRectF(inner.left(), r.top(), inner.width(), r.height() / 3.0),
                                       Qt::AlignHCenter | Qt::AlignVCenter, nextText, fSlotSmall, TextFit{1.0, false, false}))
                                third = nextText;
                        } else {
                            main = QStringLiteral("c%1").arg(e.flow);
                            shortMain = main;
                            sub = formatSpan(c.t - e.entered);
                            shortSub = sub;
                        }
                        const QFont& fMain = spoofed ? fSlotSmall : fSlot;
                        const int centred = Qt::AlignHCenter | Qt::AlignVCenter;
                        const auto lines = [&](const QRectF& mainBox, const QRectF& subBox) {
                            c.firstFitting(mainBox, centred, {main, shortMain}, fMain, tc, inSlot);
                            // The long form when it fits the slot, else the short one ("#2"), or none.
                            const bool longFits = c.fits(subBox, centred, sub, fSlotSmall, TextFit{0.85, false, false});
                            c.text(subBox, centred, longFits ? sub : shortSub, fSlotSmall, tc, inSlot);
                        };
                        if (third.isEmpty()) {
                            lines(QRectF(inner.left(), r.top() + r.height() * 0.08, inner.width(), r.height() * 0.5),
                                  QRectF(inner.left(), r.center().y(), inner.width(), r.height() * 0.45));
                        } else {
                            const double h3 = r.height() / 3.0;
                            lines(QRectF(inner.left(), r.top() + 0.1 * h3, inner.width(), h3),
                                  QRectF(inner.left(), r.top() + h3, inner.width(), h3));
                            c.text(QRectF(inner.left(), r.top() + 1.9 * h3, inner.width(), h3), centred, third,
                                   fSlotSmall, tc, inSlot);
                        }
                    } else if (retrans > 0 && sw >= 10 * u) {
                        // Too small for text: one pip per SYN-ACK retransmission.
                        p.setPen(Qt::NoPen);
                        p.setBrush(textOn(fillColour, th));
                        const double pr = std::max(1.0, sw * 0.08);
                        for (int k2 = 0; k2 < std::min(retrans, 5); ++k2)
                            p.drawEllipse(QPointF(r.left() + pr * 2 + k2 * pr * 2.6, r.bottom() - pr * 2), pr, pr);
                    }
                }
            } else {
                const QRectF bar = gaugeBar(*q, u);
                std::int64_t spoofed = 0;
                for (const QueueEntry& e : q->entries) spoofed += isSpoofed(e.flow) ? 1 : 0;
                const double cap = dbl(std::max<std::int64_t>(1, q->capacity));
                const double wAll = bar.width() * std::min(1.0, dbl(q->length) / cap);
                const double wSpoof =
                    q->entries.empty() ? 0 : wAll * dbl(spoofed) / dbl(static_cast<std::int64_t>(q->entries.size()));
                p.setPen(Qt::NoPen);
                p.setBrush(entryColour);
                p.drawRect(QRectF(bar.right() - wAll, bar.top(), wAll - wSpoof, bar.height()));
                if (wSpoof > 0) {
                    const QRectF rs(bar.right() - wSpoof, bar.top(), wSpoof, bar.height());
                    p.setBrush(th.spoofedEntry);
                    p.drawRect(rs);
                    p.setBrush(QBrush(withAlpha(th.entryText, 0.45), Qt::BDiagPattern));
                    p.drawRect(rs);
                }
                c.text(bar.adjusted(6 * u, 0, -6 * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
                       QStringLiteral("%1 slots").arg(thousands(q->capacity)), c.fSmall, th.mutedText);
                // tcp_max_syn_backlog's 3/4 rule (S5) caps the SYN queue without cookies.
                if (synQ && k.tcpSyncookies == 0) {
                    const std::int64_t cap34 = k.tcpMaxSynBacklog - (k.tcpMaxSynBacklog >> 2) + 1;
                    if (cap34 < q->capacity) {
                        const double x = bar.right() - bar.width() * dbl(cap34) / cap;
                        p.setPen(c.pen(th.alert, 2, Qt::DashLine));
                        p.drawLine(QPointF(x, bar.top() - 6 * u), QPointF(x, bar.bottom() + 6 * u));
                        c.text(QRectF(x - 300 * u, bar.bottom() + 4 * u, 296 * u, 16 * u), Qt::AlignRight | Qt::AlignTop,
                               QStringLiteral("¾ of tcp_max_syn_backlog: %1").arg(cap34), c.fSmall, th.alert);
                    }
                }
            }
            // The backlog line goes over the entries.
            if (!q->limitLine.isNull()) {
                p.setPen(c.pen(th.limitLine, 2.2));
                p.drawLine(q->limitLine);
            }
        }
    }

    // The counters a lesson is about, as nstat names them, flowing over two lines — or, in smaller type
    // when they would not fit (the projector's larger type during a flood), over three.
    const CounterValues cv = c.h.countersAt(Host::Server, c.t);
    const QRectF cs = c.g.countersStrip;
    QStringList items;
    for (Counter counter : kStageCounters) {
        const std::int64_t v = get(cv, counter);
        if (v == 0 && counter != Counter::TcpExtListenOverflows && counter != Counter::TcpExtListenDrops) continue;
        items << latin1(counterName(counter)) + QLatin1Char(' ') + thousands(v);
    }
    const double x0 = cs.left() + QFontMetricsF(c.fMonoBold).horizontalAdvance(QStringLiteral("nstat")) + 18 * u;
    struct Item {
        QRectF r;
        QString s;
    };
    std::vector<Item> placed;
    QFont fCounters = c.fMono;
    const int asked = c.fMono.pixelSize();
    const int least = std::max(1, static_cast<int>(std::ceil(asked * 0.6)));
    for (int px = asked; px >= least; --px) {
        QFont f = c.fMono;
        f.setPixelSize(px);
        const QFontMetricsF fm(f);
        const int rows = std::max(2, static_cast<int>(std::floor(cs.height() / fm.height() + 0.1)));
        const double lineH = cs.height() / rows;
        placed.clear();
        fCounters = f;
        double cx = x0, cy = cs.top();
        for (const QString& item : items) {
            const double w = fm.horizontalAdvance(item);
            if (cx + w > cs.right() && cx > x0) {
                cx = x0;
                cy += lineH;
                if (cy + lineH > cs.bottom() + 1) break;
            }
            placed.push_back({QRectF(cx, cy, w + 2 * u, lineH), item});
            cx += w + 18 * u;
        }
        if (placed.size() == static_cast<std::size_t>(items.size())) break;
    }
    for (const Item& item : placed) c.text(item.r, Qt::AlignLeft | Qt::AlignVCenter, item.s, fCounters, th.text);
    for (qsizetype left = static_cast<qsizetype>(placed.size()); left < items.size(); ++left)
        reportOverflow(c.overflows, u"stage", items[left], cs, fCounters);
}

void paintWorkers(const Ctx& c) {
    QPainter& p = c.p;
    const Theme& th = c.th;
    const double u = c.u;
    for (const StageRenderer::WorkerGeometry& wg : c.g.workers) {
        const WorkerRecord::Change ch = c.h.workerAt(wg.index, c.t);
        const QColor fill = workerColour(th, ch.state);
        const bool dashed = ch.state == WorkerState::NotStarted || ch.state == WorkerState::Stopped;
        p.setPen(c.pen(th.glyphOutline, 1, dashed ? Qt::DashLine : Qt::SolidLine));
        p.setBrush(fill);
        const QRectF r = wg.box;
        p.drawRoundedRect(r, 6 * u, 6 * u);
        const QColor tc = textOn(fill, th);
        QString what;
        switch (ch.state) {
        case WorkerState::NotStarted: what = QStringLiteral("not started"); break;
        case WorkerState::BlockedInAccept: what = QStringLiteral("blocked in accept()"); break;
        case WorkerState::InEpollWait: what = QStringLiteral("in epoll_wait()"); break;
        case WorkerState::Serving: what = QStringLiteral("serving c%1 · %2").arg(ch.flow).arg(formatSpan(c.t - ch.at)); break;
        case WorkerState::WokenForNothing: what = QStringLiteral("woken for nothing"); break;
        case WorkerState::Stopped: what = QStringLiteral("stopped"); break;
        }
        if (r.height() >= 38 * u) {
            c.text(QRectF(r.left() + 8 * u, r.top(), r.width() - 16 * u, r.height() / 2 + 2 * u),
                   Qt::AlignLeft | Qt::AlignBottom, QStringLiteral("w%1").arg(wg.index), c.fBodyBold, tc);
            c.text(QRectF(r.left() + 8 * u, r.center().y() + 1 * u, r.width() - 16 * u, r.height() / 2),
                   Qt::AlignLeft | Qt::AlignTop, what, c.fSmall, tc, TextFit{0.6, false, true});
        } else {
            c.text(r.adjusted(6 * u, 0, -4 * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("w%1 %2").arg(wg.index).arg(what), c.fSmall, tc, TextFit{0.6, false, true});
        }
    }
    constexpr std::array<WorkerState, 6> order{WorkerState::Serving,     WorkerState::BlockedInAccept,
                                               WorkerState::InEpollWait, WorkerState::WokenForNothing,
                                               WorkerState::NotStarted,  WorkerState::Stopped};
    for (const StageRenderer::WorkerGroupGeometry& grp : c.g.workerGroups) {
        std::array<std::int64_t, 6> counts{};
        for (std::uint32_t w : grp.workers) {
            const WorkerState s = c.h.workerAt(w, c.t).state;
            for (std::size_t k = 0; k < order.size(); ++k)
                if (order[k] == s) ++counts[k];
        }
        const QRectF r = grp.box;
        p.setPen(c.pen(th.panelBorder, 1));
        p.setBrush(th.listenerFill);
        p.drawRoundedRect(r, 6 * u, 6 * u);
        const QRectF bar(r.left() + 8 * u, r.top() + 8 * u, r.width() - 16 * u, std::min(18 * u, r.height() * 0.2));
        double x = bar.left();
        p.setPen(Qt::NoPen);
        for (std::size_t k = 0; k < order.size(); ++k) {
            if (counts[k] == 0) continue;
            const double w = bar.width() * dbl(counts[k]) / dbl(grp.workers.size());
            p.setBrush(workerColour(th, order[k]));
            p.drawRect(QRectF(x, bar.top(), w, bar.height()));
            x += w;
        }
        p.setPen(c.pen(th.glyphOutline, 0.8));
        p.setBrush(Qt::NoBrush);
        p.drawRect(bar);
        double y = bar.bottom() + 6 * u;
        const double lh = std::min(20 * u, (r.bottom() - y - 4 * u) / 6);
        if (lh < 9 * u) continue;
        for (std::size_t k = 0; k < order.size(); ++k) {
            if (counts[k] == 0) continue;
            const QRectF row(r.left() + 8 * u, y, r.width() - 16 * u, lh);
            y += lh;
            p.setPen(c.pen(th.glyphOutline, 0.8));
            p.setBrush(workerColour(th, order[k]));
            p.drawRect(QRectF(row.left(), row.center().y() - 5 * u, 10 * u, 10 * u));
            const QString count = thousands(counts[k]);
            const double cw = std::min(row.width() * 0.4, QFontMetricsF(c.fMono).horizontalAdvance(count) + 2 * u);
            c.text(row.adjusted(16 * u, 0, -cw - 4 * u, 0), Qt::AlignLeft | Qt::AlignVCenter,
                   latin1(workerStateName(order[k])), c.fSmall, th.text);
            c.text(row.adjusted(row.width() - cw, 0, 0, 0), Qt::AlignRight | Qt::AlignVCenter, count, c.fMono, th.text);
        }
    }
}

// A label placed beside what it names, moved back inside the stage's body (between the title and the
// legend) where it would leave it.
QRectF keepInside(QRectF r, const StageRenderer::Geometry& g) {
    const QRectF body(g.target.left() + 2 * g.unit, g.header.bottom(), g.target.width() - 4 * g.unit,
                      g.footer.top() - g.header.bottom());
    if (r.right() > body.right()) r.moveRight(body.right());
    if (r.left() < body.left()) r.moveLeft(body.left());
    if (r.bottom() > body.bottom()) r.moveBottom(body.bottom());
    if (r.top() < body.top()) r.moveTop(body.top());
    return r;
}

// Label placement: a label is drawn only where it overlaps no glyph but its own and no other label.
class LabelSpace {
public:
    void addGlyph(const QRectF& r) { glyphs_.push_back(r); }
    bool free(const QRectF& r, const QRectF& own = QRectF()) const {
        for (const QRectF& q : labels_)
            if (q.intersects(r)) return false;
        for (const QRectF& q : glyphs_)
            if (q != own && q.intersects(r)) return false;
        return true;
    }
    void take(const QRectF& r) { labels_.push_back(r); }

private:
    std::vector<QRectF> glyphs_, labels_;
};

} // namespace

// Caches kept between frames: prepared packet labels, and the static layer of the last target.
struct StageRenderer::FrameCache {
    int pixelSize = -1;
    QString family;
    std::map<std::tuple<int, bool, int>, QStaticText> packetLabels; // (kind, cookie, retrans)
    QByteArray staticKey;
    QImage staticLayer;
    SpriteCache sprites; // drawn for the static layer's size and theme: cleared with it
    // Labels the static layer drew elided or could not fit: reported again with each frame that copies it.
    std::vector<ElidedLabel> staticElided;
    LabelOverflows staticOverflows;
    std::vector<ElidedLabel> frameElided; // the last frame's own (dynamic layer, or everything uncached)
    bool staticCopied = false;            // the last frame copied the static layer in
};

namespace {

// Everything the static layer depends on, as bytes: when it differs, the layer is drawn again.
QByteArray staticKeyOf(const StageRenderer::Geometry& g, const Theme& th, const Simulation& sim, QSize pixels,
                       double dpr) {
    QByteArray key;
    const auto put = [&key](const auto& v) { key.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
    const auto putRect = [&](const QRectF& r) {
        put(r.x());
        put(r.y());
        put(r.width());
        put(r.height());
    };
    put(pixels.width());
    put(pixels.height());
    put(dpr);
    put(&sim.history());
    put(sim.history().clients.size());
    put(sim.history().workers.size());
    put(g.clientsShown.size());
    put(g.workersShown);
    put(g.listeners.size());
    putRect(g.target);
    put(g.clientsAggregated);
    putRect(g.attackers);
    for (const StageRenderer::ListenerGeometry& L : g.listeners) {
        putRect(L.frame);
        put(L.open);
        put(L.backlog);
        for (const StageRenderer::QueueGeometry* q : {&L.syn, &L.accept}) {
            put(q->capacity);
            put(q->gauge);
        }
    }
    key.append(th.name.toUtf8());
    key.append(th.sansFamily.toUtf8());
    key.append(th.monoFamily.toUtf8());
    for (const QColor* c : {&th.background, &th.panel, &th.panelBorder, &th.listenerFill, &th.text, &th.mutedText,
                            &th.wire, &th.syn, &th.synAck, &th.ack, &th.data, &th.fin, &th.rst, &th.spoofed,
                            &th.glyphOutline, &th.slotEmpty, &th.slotBorder, &th.synEntry, &th.spoofedEntry,
                            &th.acceptEntry, &th.entryText, &th.limitLine, &th.alert, &th.workerIdle,
                            &th.workerServing, &th.workerWasted, &th.workerOff, &th.clientDone})
        put(c->rgba());
    put(th.fontScale);
    put(th.lineScale);
    put(th.glyphScale);
    return key;
}

} // namespace

void StageRenderer::paint(QPainter& painter, const QRectF& target, const Simulation& sim, Time t, const Theme& th) const {
    const Geometry g = layout(target, sim, t);
    const History& h = sim.history();
    const RunIndex& idx = index(sim);
    const double u = g.unit;
    QPainter& p = painter;

    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);

    // The static layer. On a raster device at pixel scale it is drawn once into an image and copied in
    // (a straight copy: no blending, no span work); on SVG, PDF or a transformed painter it is drawn.
    const QTransform dt = p.deviceTransform();
    const double dpr = dt.m11();
    const bool raster = p.paintEngine() && p.paintEngine()->type() == QPaintEngine::Raster;
    const bool pixelAligned = dt.type() <= QTransform::TxScale && dt.m11() == dt.m22() && dpr > 0 &&
                              std::abs(dt.m11() * dt.m22() - dpr * dpr) < 1e-9;
    const QPointF origin = dt.map(target.topLeft());
    const bool integral = std::abs(origin.x() - std::round(origin.x())) < 1e-6 &&
                          std::abs(origin.y() - std::round(origin.y())) < 1e-6;
    const QSize pixels(static_cast<int>(std::lround(target.width() * dpr)), static_cast<int>(std::lround(target.height() * dpr)));
    const bool cacheable = raster && pixelAligned && integral && pixels.width() > 0 && pixels.height() > 0 &&
                           std::abs(target.width() * dpr - pixels.width()) < 1e-6 &&
                           std::abs(target.height() * dpr - pixels.height()) < 1e-6;
    if (cacheable) {
        FrameCache& fc = *cache_;
        const QByteArray key = staticKeyOf(g, th, sim, pixels, dpr);
        if (fc.staticKey != key || fc.staticLayer.size() != pixels) {
            fc.staticLayer = QImage(pixels, QImage::Format_ARGB32_Premultiplied);
            fc.staticLayer.setDevicePixelRatio(dpr);
            fc.staticLayer.fill(Qt::transparent);
            QPainter sp(&fc.staticLayer);
            sp.setRenderHint(QPainter::Antialiasing, true);
            sp.setRenderHint(QPainter::TextAntialiasing, true);
            sp.translate(-target.topLeft());
            fc.staticElided.clear();
            fc.staticOverflows.clear();
            const Ctx sc(sp, th, g, sim, t, nullptr, 1, &fc.staticOverflows, &fc.staticElided);
            paintStatic(sc);
            sp.end();
            fc.staticKey = key;
            fc.sprites.clear();
        }
        p.save();
        p.setCompositionMode(QPainter::CompositionMode_Source);
        p.drawImage(target.topLeft(), fc.staticLayer);
        p.restore();
        if (options_.overflows)
            options_.overflows->insert(options_.overflows->end(), fc.staticOverflows.begin(), fc.staticOverflows.end());
        fc.staticCopied = true;
        fc.frameElided.clear();
    } else {
        cache_->staticCopied = false;
        cache_->frameElided.clear();
        const Ctx sc(p, th, g, sim, t, nullptr, 1, options_.overflows, &cache_->frameElided);
        paintStatic(sc);
    }

    const Ctx c(p, th, g, sim, t, cacheable ? &cache_->sprites : nullptr, dpr, options_.overflows, &cache_->frameElided);
    c.text(g.header, Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("t = ") + formatClock(t), c.fClock, th.text);
    if (g.streams)
        c.text(QRectF(g.network.left(), g.network.top() + 28 * u, g.network.width(), 22 * u),
               Qt::AlignHCenter | Qt::AlignVCenter, QStringLiteral("%1 packets in flight").arg(thousands(g.packetsInFlight)),
               c.fSmall, th.mutedText);
    paintClients(c, idx.maxFlight);
    paintQueues(c);
    paintWorkers(c);

    // ---- packets: streams, then individual packets (falling ones first), then labels
    const double gr = 8 * u * th.glyphScale;
    const double outline = c.line(0.9);
    LabelSpace space;
    for (const PacketGeometry& pg : g.packets)
        if (pg.fall < 0) space.addGlyph(QRectF(pg.centre.x() - gr, pg.centre.y() - gr, 2 * gr, 2 * gr));
    for (const StreamGeometry& s : g.packetStreams) {
        // A band as wide as the log of its count, on its side of the path (requests above, answers
        // below), wider at the client end where its packets spread out.
        const QColor colour = th.packetColor(s.kind, s.spoofed);
        const double w = std::clamp(std::log2(dbl(s.count)) * 2.0 * u, 4 * u, 26 * u);
        const double spread = std::clamp((s.sourceBottom.y() - s.sourceTop.y()) * 0.25, w, 80 * u);
        const double side = s.toServer ? -1 : 1;
        const std::array<QPointF, 4> band{s.source + QPointF(0, side * 3 * u - spread / 2),
                                          s.sink + QPointF(0, side * (3 * u + w / 2) - w / 2),
                                          s.sink + QPointF(0, side * (3 * u + w / 2) + w / 2),
                                          s.source + QPointF(0, side * 3 * u + spread / 2)};
        p.setPen(Qt::NoPen);
        p.setBrush(withAlpha(colour, 0.28));
        p.drawPolygon(band.data(), 4);
    }

    const QFont& fLabel = c.fLabel;
    const auto labelOf = [&](const Packet& pk) -> const QStaticText& {
        FrameCache& fc = *cache_;
        const int px = fLabel.pixelSize();
        if (fc.pixelSize != px || fc.family != th.sansFamily) {
            fc.packetLabels.clear();
            fc.pixelSize = px;
            fc.family = th.sansFamily;
        }
        const auto key = std::make_tuple(static_cast<int>(pk.kind), pk.cookie && pk.kind == PacketKind::SynAck,
                                         static_cast<int>(pk.retrans));
        auto it = fc.packetLabels.find(key);
        if (it == fc.packetLabels.end()) {
            QStaticText st(packetLabelText(pk.kind, std::get<1>(key), pk.retrans));
            st.setTextFormat(Qt::PlainText);
            st.setPerformanceHint(QStaticText::AggressiveCaching);
            st.prepare(QTransform(), fLabel);
            it = fc.packetLabels.emplace(key, st).first;
        }
        return it->second;
    };

    p.setFont(fLabel);
    for (const PacketGeometry& pg : g.packets) {
        const Packet pk = h.packet(pg.index);
        const bool falling = pg.fall >= 0;
        if (falling) p.setOpacity(1.0 - 0.75 * pg.fall);
        if (c.sprites) {
            const double side = std::ceil(2 * 1.45 * gr + 2 * outline + 2);
            const bool spoofed = isSpoofed(pk.flow);
            const std::uint64_t key = (2ull << 60) | (static_cast<std::uint64_t>(pk.kind) << 8) |
                                      (static_cast<std::uint64_t>(pk.cookie) << 4) |
                                      (static_cast<std::uint64_t>(spoofed) << 2) | static_cast<std::uint64_t>(pk.toServer);
            c.sprites->blit(p, dpr, pg.centre - QPointF(side / 2, side / 2), QSizeF(side, side), key, [&](QPainter& sp) {
                drawGlyph(sp, th, QPointF(side / 2, side / 2), gr, pk.kind, pk.cookie, spoofed, pk.toServer, outline);
            });
        } else {
            drawGlyph(p, th, pg.centre, gr, pk.kind, pk.cookie, isSpoofed(pk.flow), pk.toServer, outline);
        }
        if (falling) {
            p.setOpacity(1.0);
            continue;
        }
        if (!pg.labelled) continue;
        const QStaticText& st = labelOf(pk);
        const QSizeF sz = st.size();
        const QPointF at(pg.centre.x() - sz.width() / 2,
                         pk.toServer ? pg.centre.y() - gr * 1.2 - sz.height() : pg.centre.y() + gr * 1.2);
        const QRectF lr(at, sz);
        if (space.free(lr, QRectF(pg.centre.x() - gr, pg.centre.y() - gr, 2 * gr, 2 * gr))) {
            space.take(lr);
            p.setPen(th.text);
            p.drawStaticText(at, st);
        }
    }
    for (const StreamGeometry& s : g.packetStreams) {
        const QPointF mid = lerp(s.source, s.sink, 0.4);
        QString label = packetLabelText(s.kind, s.cookie, 0);
        if (s.cookie && s.kind != PacketKind::SynAck) label += QStringLiteral(" (cookie)");
        label += QStringLiteral(" ×") + thousands(s.count);
        if (s.spoofed && s.kind == PacketKind::Syn) label += QStringLiteral(" spoofed");
        const QFontMetricsF fm(c.fBodyBold);
        const QSizeF sz(fm.horizontalAdvance(label) + 12 * u, fm.height() + 4 * u);
        QRectF lr(mid.x() - sz.width() / 2, mid.y() + (s.toServer ? -sz.height() - 8 * u : 8 * u), sz.width(), sz.height());
        for (int tries = 0; tries < 6 && !space.free(lr); ++tries) lr.translate(0, s.toServer ? -sz.height() : sz.height());
        lr = keepInside(lr, g);
        space.take(lr);
        p.setPen(c.pen(th.packetColor(s.kind, s.spoofed), 1.2));
        p.setBrush(withAlpha(th.background, 0.9));
        p.drawRoundedRect(lr, 4 * u, 4 * u);
        c.text(lr, Qt::AlignCenter, label, c.fBodyBold, th.text);
    }
    // Drop labels: the rule that dropped them, where they fall.
    std::map<std::pair<long, long>, int> stacked; // per place: how many labels already
    const QFontMetricsF fmSmall(c.fSmall);
    for (const DropGeometry& d : g.drops) {
        QString label = latin1(packetFateName(d.fate));
        if (label.startsWith(QLatin1String("dropped: ")))
            label = latin1(packetKindName(d.kind)) + QStringLiteral(" dropped: ") + label.mid(9);
        if (d.count > 1) label += QStringLiteral(" ×") + thousands(d.count);
        const double w = fmSmall.horizontalAdvance(label) + 10 * u;
        const double lh = fmSmall.height() + 4 * u;
        const int n = stacked[{std::lround(d.anchor.x()), std::lround(d.anchor.y())}]++;
        QRectF lr = d.atServer ? QRectF(d.anchor.x() - 30 * u - w, d.anchor.y() + 16 * u + n * (lh + 2 * u), w, lh)
                               : QRectF(d.anchor.x() + 16 * u, d.anchor.y() + 16 * u + n * (lh + 2 * u), w, lh);
        for (int tries = 0; tries < 8 && !space.free(lr); ++tries) lr.translate(0, lh + 2 * u);
        lr = keepInside(lr, g);
        space.take(lr);
        p.setPen(c.pen(th.alert, 1));
        p.setBrush(withAlpha(th.background, 0.92));
        p.drawRoundedRect(lr, 3 * u, 3 * u);
        c.text(lr, Qt::AlignCenter, label, c.fSmall, th.alert);
    }
    p.restore();
}

// ------------------------------------------------------------------------------------------ hit test

std::optional<StageHit> StageRenderer::hitTest(QPointF pos, const QRectF& target, const Simulation& sim, Time t) const {
    if (!target.contains(pos)) return std::nullopt;
    const Geometry g = layout(target, sim, t);
    const double u = g.unit;
    // Topmost first: packets (last drawn on top), slotRects, listeners, workers, clients.
    for (auto it = g.packets.rbegin(); it != g.packets.rend(); ++it) {
        if (it->glyph.adjusted(-3 * u, -3 * u, 3 * u, 3 * u).contains(pos)) {
            StageHit hit;
            hit.kind = StageHit::Kind::Packet;
            hit.packet = it->index;
            return hit;
        }
    }
    for (const ListenerGeometry& L : g.listeners) {
        if (!L.frame.contains(pos)) continue;
        for (const QueueGeometry* q : {&L.syn, &L.accept}) {
            for (std::size_t s = 0; s < q->slotRects.size(); ++s) {
                if (!q->slotRects[s].contains(pos)) continue;
                StageHit hit;
                hit.kind = StageHit::Kind::QueueSlot;
                hit.listener = L.index;
                hit.queue = q->kind;
                hit.slot = static_cast<int>(s);
                return hit;
            }
            if (q->gauge && q->slotsArea.contains(pos)) {
                // A gauge: the slot under the point, counted from the head at the right.
                const double f = (q->slotsArea.right() - pos.x()) / std::max(1.0, q->slotsArea.width());
                StageHit hit;
                hit.kind = StageHit::Kind::QueueSlot;
                hit.listener = L.index;
                hit.queue = q->kind;
                hit.slot = static_cast<int>(std::clamp<std::int64_t>(static_cast<std::int64_t>(f * dbl(q->capacity)), 0,
                                                                     std::max<std::int64_t>(0, q->capacity - 1)));
                return hit;
            }
        }
        StageHit hit;
        hit.kind = StageHit::Kind::Listener;
        hit.listener = L.index;
        return hit;
    }
    for (const WorkerGeometry& w : g.workers) {
        if (!w.box.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Worker;
        hit.worker = w.index;
        hit.listener = w.listener;
        return hit;
    }
    for (const WorkerGroupGeometry& w : g.workerGroups) {
        if (!w.box.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Workers;
        hit.listener = w.listener;
        return hit;
    }
    for (const ClientGeometry& c : g.clients) {
        if (!c.row.contains(pos)) continue;
        StageHit hit;
        hit.kind = StageHit::Kind::Client;
        hit.client = c.index;
        return hit;
    }
    if (g.clientsAggregated && g.clientsBlock.contains(pos)) {
        StageHit hit;
        hit.kind = StageHit::Kind::Clients;
        return hit;
    }
    if (g.attackers.isValid() && g.attackers.contains(pos)) {
        StageHit hit;
        hit.kind = StageHit::Kind::Attackers;
        return hit;
    }
    return std::nullopt;
}

// ---- a lesson's emphasis -------------------------------------------------------------------------------

std::vector<QRectF> StageRenderer::rectsOf(const Target& target, const Geometry& g, const Simulation& sim) const {
    std::vector<QRectF> out;
    // "accept-queue" on its own means every listener's; "accept-queue 1" one of them.
    const bool anyListener = target.text.find(' ') == std::string::npos;
    const auto worker = [&](std::uint32_t w) {
        for (const WorkerGeometry& wg : g.workers)
            if (wg.index == w) return out.push_back(wg.box);
        const auto& records = sim.history().workers;
        if (w < records.size())
            for (const WorkerGroupGeometry& group : g.workerGroups)
                if (group.listener == records[w].listener) return out.push_back(group.box);
    };
    switch (target.kind) {
    case Target::Kind::SynQueue:
    case Target::Kind::AcceptQueue:
    case Target::Kind::Listener:
        for (const ListenerGeometry& L : g.listeners) {
            if (!(anyListener && target.kind != Target::Kind::Listener) && L.index != target.index) continue;
            out.push_back(target.kind == Target::Kind::Listener ? L.frame
                          : target.kind == Target::Kind::SynQueue ? L.syn.frame
                                                                  : L.accept.frame);
        }
        break;
    case Target::Kind::Client:
        for (const ClientGeometry& c : g.clients)
            if (c.index == static_cast<std::uint32_t>(target.index)) out.push_back(c.row);
        if (out.empty() && g.clientsAggregated) out.push_back(g.clientsBlock);
        break;
    case Target::Kind::Clients:
        out.push_back(g.clientsBlock);
        if (g.attackers.isValid()) out.push_back(g.attackers);
        break;
    case Target::Kind::Worker:
        worker(static_cast<std::uint32_t>(target.index));
        break;
    case Target::Kind::Workers:
        out.push_back(g.workersPanel);
        break;
    case Target::Kind::PacketKind: {
        const History& h = sim.history();
        for (const PacketGeometry& pg : g.packets)
            if (static_cast<int>(h.packet(pg.index).kind) == target.index) out.push_back(pg.glyph);
        for (const StreamGeometry& st : g.packetStreams)
            if (static_cast<int>(st.kind) == target.index)
                out.push_back(QRectF(st.source, st.sink).normalized().adjusted(0, -6 * g.unit, 0, 6 * g.unit));
        break;
    }
    }
    return out;
}

QTransform StageRenderer::zoomTransform(const QRectF& target, const Simulation& sim, Time t, const Emphasis& emphasis) const {
    if (!emphasis.zoom) return {};
    const Geometry g = layout(target, sim, t);
    QRectF area;
    for (const QRectF& r : rectsOf(*emphasis.zoom, g, sim)) area = area.isNull() ? r : area.united(r);
    if (area.isNull()) return {};
    // Some room around it, the target's proportions, and never beyond the stage itself.
    area.adjust(-40 * g.unit, -40 * g.unit, 40 * g.unit, 40 * g.unit);
    const double aspect = target.width() / std::max(1.0, target.height());
    if (area.width() / area.height() < aspect) {
        const double w = area.height() * aspect;
        area.adjust(-(w - area.width()) / 2, 0, (w - area.width()) / 2, 0);
    } else {
        const double h = area.width() / aspect;
        area.adjust(0, -(h - area.height()) / 2, 0, (h - area.height()) / 2);
    }
    if (area.width() >= target.width() || area.height() >= target.height()) return {};
    area.moveLeft(std::clamp(area.left(), target.left(), target.right() - area.width()));
    area.moveTop(std::clamp(area.top(), target.top(), target.bottom() - area.height()));
    const double k = target.width() / area.width();
    QTransform m;
    m.translate(target.left(), target.top());
    m.scale(k, k);
    m.translate(-area.left(), -area.top());
    return m;
}

void StageRenderer::paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& theme,
                          const Emphasis& emphasis) const {
    if (emphasis.isEmpty()) return paint(p, target, sim, t, theme);
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setTransform(zoomTransform(target, sim, t, emphasis), true);
    paint(p, target, sim, t, theme);
    if (!emphasis.highlight.empty()) {
        const Geometry g = layout(target, sim, t);
        const double u = g.unit;
        QPainterPath lit;
        for (const Target& h : emphasis.highlight)
            for (const QRectF& r : rectsOf(h, g, sim)) lit.addRoundedRect(r.adjusted(-5 * u, -5 * u, 5 * u, 5 * u), 6 * u, 6 * u);
        lit.setFillRule(Qt::WindingFill);
        QPainterPath dim;
        dim.addRect(target);
        QColor veil = theme.background;
        veil.setAlpha(110);
        p.setRenderHint(QPainter::Antialiasing, true);
        p.fillPath(dim.subtracted(lit.simplified()), veil);
        p.setPen(QPen(theme.spotlight, 3.5 * u));
        p.setBrush(Qt::NoBrush);
        p.drawPath(lit.simplified());
    }
    p.restore();
}

std::optional<StageHit> StageRenderer::hitTest(QPointF pos, const QRectF& target, const Simulation& sim, Time t,
                                               const Emphasis& emphasis) const {
    if (!target.contains(pos)) return std::nullopt;
    const QTransform zoom = zoomTransform(target, sim, t, emphasis);
    return hitTest(zoom.inverted().map(pos), target, sim, t);
}

QString StageRenderer::elidedLabelAt(QPointF pos, const QRectF& target, const Simulation& sim, Time t,
                                     const Emphasis& emphasis) const {
    if (!target.contains(pos)) return {};
    const QPointF at = zoomTransform(target, sim, t, emphasis).inverted().map(pos);
    const FrameCache& fc = *cache_;
    for (const ElidedLabel& e : fc.frameElided)
        if (e.box.contains(at)) return e.text;
    if (fc.staticCopied)
        for (const ElidedLabel& e : fc.staticElided)
            if (e.box.contains(at)) return e.text;
    return {};
}

} // namespace backlog::views
