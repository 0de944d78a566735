// What the stage's layout and painters share: the run index (what the stage needs from the whole run,
// built once per history), how a client looks at t, and the text formats of its labels.
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_RENDER
#error "views/render/StageSupport.h is private to backlog_views_render: use views/render/StageRenderer.h"
#endif

#include "model/history/History.h"
#include "model/scenario/Scenario.h"

#include <QPointF>
#include <QRectF>
#include <QString>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace backlog {
class Simulation;
}

namespace backlog::views::stage {

inline double dbl(std::int64_t v) {
    return static_cast<double>(v);
}
inline double dbl(std::size_t v) {
    return static_cast<double>(v);
}
inline double dbl(int v) {
    return static_cast<double>(v);
}

// A fixed, well-mixed hash (splitmix64): picks stream samples and spreads spoofed sources. The same on
// every machine and every run, so the picture is deterministic.
inline std::uint64_t mix(std::uint64_t x) {
    x += 0x9E37'79B9'7F4A'7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D0'49BB'1331'11EBull;
    return x ^ (x >> 31);
}
inline double unitHash(std::uint64_t x) {
    return dbl(static_cast<std::int64_t>(mix(x) >> 11)) / 9007199254740992.0;
}

inline QPointF lerp(QPointF a, QPointF b, double f) {
    return a + (b - a) * f;
}

inline bool isDrop(PacketFate f) {
    return f != PacketFate::InFlight && f != PacketFate::Delivered;
}

// A label drawn shortened (TextFit::elide): where, in layout coordinates, and its whole text.
struct ElidedLabel {
    QRectF box;
    QString text;
};

QString latin1(std::string_view s);
QString thousands(std::int64_t v);
// "t = 153.250 ms" below a second, "t = 2.153250 s" above: enough digits for a LAN handshake.
QString formatClock(Time t);
// "40 ms", "1 ms", "100 µs", "1.5 s": a duration for labels.
QString formatSpan(Time t);
// The workers panel's subtitle: how they wait (P2, P3) and, for event loops that block while serving,
// that they do ("epoll · loop blocks while serving": M20, they then behave like blocking accept()).
QString acceptModeName(const WorkerSettings& w);

// How a client looks at t.
enum class ClientLook : std::uint8_t {
    NotYet,     // connect() not called yet
    Connecting, // SYN-SENT, first SYN
    Retrying,   // SYN-SENT, SYN retransmitted
    Waiting,    // ESTABLISHED, the server's child waits in the accept queue (or is still a request)
    Accepted,   // a worker's accept() returned it
    Ghost,      // ESTABLISHED here, no socket on the server (a cookie ACK dropped …)
    Done,       // closed normally
    Failed,     // connect()/recv() returned an error
    Count_
};
constexpr std::size_t kClientLooks = static_cast<std::size_t>(ClientLook::Count_);

const char* lookName(ClientLook l);

struct ClientStatus {
    ClientLook look = ClientLook::NotYet;
    TcpState state = TcpState::Closed;
    int syns = 0; // SYNs sent so far
};

ClientStatus clientStatus(const History& h, std::uint32_t c, Time t, Time maxFlight);
inline std::size_t lookIndex(ClientLook l) {
    return static_cast<std::size_t>(l);
}

// The counters a class watches on the stage; the nstat panel has all of them.
constexpr std::array<Counter, 9> kStageCounters{
    Counter::TcpExtListenOverflows,  Counter::TcpExtListenDrops,    Counter::TcpExtTCPReqQFullDoCookies,
    Counter::TcpExtTCPReqQFullDrop,  Counter::TcpExtSyncookiesSent, Counter::TcpExtSyncookiesRecv,
    Counter::TcpExtSyncookiesFailed, Counter::TcpExtEmbryonicRsts,  Counter::TcpExtTCPSynRetrans,
};

// A flood is shown from the start as the scenario writes it, or — held for a lesson step — from the step
// that starts it.
bool floodShown(const Simulation& sim, std::size_t entry, Time t);

// What the stage needs from the whole run, computed once per history: the longest flight (to find
// recent drops from a window of send times) and every SYN-ACK retransmission by flow (the retransmission
// count shown on each request socket in the SYN queue).
struct RunIndex {
    const History* history = nullptr;
    std::size_t packets = 0;
    Time end;
    Packet last{};
    Time maxFlight;
    std::vector<std::pair<FlowId, std::int64_t>> synAckRetrans; // (flow, sent), sorted
    std::size_t changes = 0;           // the scenario's changes (lesson steps, --set) it was built for
    std::vector<Time> clientKnownFrom; // per client: from when the stage shows it
    std::vector<Time> workerBornAt;    // per worker: from when it exists
    std::vector<Time> listenerBornAt;  // per listener: its listen()

    // Whether it is still the index of `sim`'s run (a new load, a change cutting the history).
    bool current(const Simulation& sim) const;
    bool matches(const History& h) const {
        if (history != &h || packets != h.packetCount() || end != h.end) return false;
        if (packets == 0) return true;
        const Packet p = h.packet(static_cast<std::uint32_t>(packets - 1));
        return p.sent == last.sent && p.arrives == last.arrives && p.flow == last.flow &&
               p.kind == last.kind && p.fate == last.fate;
    }

    // SYN-ACK retransmissions for `flow` sent in [from, to].
    int retransmissions(FlowId flow, Time from, Time to) const {
        const auto lo =
            std::lower_bound(synAckRetrans.begin(), synAckRetrans.end(), std::make_pair(flow, from.count()));
        const auto hi = std::upper_bound(lo, synAckRetrans.end(), std::make_pair(flow, to.count()));
        return static_cast<int>(hi - lo);
    }
    // The first SYN-ACK retransmission for `flow` sent after `after` and before `before`.
    Time nextRetransmission(FlowId flow, Time after, Time before) const {
        const auto it =
            std::upper_bound(synAckRetrans.begin(), synAckRetrans.end(), std::make_pair(flow, after.count()));
        if (it == synAckRetrans.end() || it->first != flow || it->second >= before.count())
            return Time::never();
        return Time::ns(it->second);
    }
};

// Builds the index of `sim`'s run (StageRenderer::index() keeps it while the history is the same).
std::unique_ptr<RunIndex> indexRun(const Simulation& sim);

} // namespace backlog::views::stage
