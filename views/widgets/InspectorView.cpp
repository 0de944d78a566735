#include "views/widgets/InspectorView.h"
#include "views/widgets/DocumentFollower.h"

#include "model/core/Rng.h"
#include "model/scenario/Settings.h"
#include "views/widgets/EventLogView.h"

#include <QTextBrowser>
#include <QVBoxLayout>

#include <algorithm>

namespace backlog::views {

namespace {

QString seconds(Time t) {
    return t.isNever() ? QObject::tr("—") : QString::fromStdString(formatSeconds(t)) + QStringLiteral(" s");
}

QString row(const QString& name, const QString& value) {
    return QStringLiteral("<tr><td style='padding-right:12px'><b>%1</b></td><td>%2</td></tr>")
        .arg(name, value);
}

QString table(const QString& title, const QString& rows) {
    return QStringLiteral("<h3>%1</h3><table>%2</table>").arg(title, rows);
}

QString endpoint(const Simulation& sim, FlowId flow) {
    return QString::fromStdString(sim.peerAddress(flow)) +
           (isSpoofed(flow) ? QObject::tr(" (spoofed)") : QString());
}

// The TCP flags and sequence numbers a segment of this kind carries in the three-way handshake and
// the request that follows it.
QString flagsAndSequence(const Simulation& sim, const Packet& p) {
    const std::uint32_t c = clientIsn(sim, p.flow);
    const std::uint32_t s = serverIsn(sim, p.flow);
    switch (p.kind) {
    case PacketKind::Syn:
        return QStringLiteral("[S] seq %1").arg(c);
    case PacketKind::SynAck:
        return QStringLiteral("[S.] seq %1 ack %2").arg(s).arg(c + 1);
    case PacketKind::Ack:
        return p.toServer ? QStringLiteral("[.] seq %1 ack %2").arg(c + 1).arg(s + 1)
                          : QStringLiteral("[.] seq %1 ack %2").arg(s + 1).arg(c + 1);
    case PacketKind::Data:
        return p.toServer ? QStringLiteral("[P.] seq %1:%2 ack %3").arg(c + 1).arg(c + 81).arg(s + 1)
                          : QStringLiteral("[P.] seq %1 ack %2").arg(s + 1).arg(c + 81);
    case PacketKind::Fin:
        return p.toServer ? QStringLiteral("[F.]") : QStringLiteral("[F.]");
    case PacketKind::Rst:
        return QStringLiteral("[R]");
    }
    return {};
}

QString describePacket(const Simulation& sim, std::uint32_t i, Time t) {
    const History& h = sim.history();
    if (i >= h.packetCount()) return {};
    const Packet p = h.packet(i);
    QString rows;
    rows += row(QObject::tr("Segment"), eventWhat(p, false).chopped(5)); // without " sent"
    rows += row(QObject::tr("Between"), eventWho(sim, p));
    rows += row(QObject::tr("Flags, sequence"), flagsAndSequence(sim, p));
    rows += row(QObject::tr("Client"), endpoint(sim, p.flow));
    if (p.cookie) rows += row(QObject::tr("SYN cookie"), QObject::tr("yes: the server kept no state (S6)"));
    rows += row(QObject::tr("Transmission"),
                p.retrans ? QObject::tr("retransmission %1").arg(p.retrans) : QObject::tr("first"));
    rows += row(QObject::tr("Sent"), seconds(p.sent));
    rows += row(QObject::tr("Arrives"), seconds(p.arrives));
    if (h.listeners.size() > 1) rows += row(QObject::tr("Listener"), QString::number(p.listener));
    QString fate;
    if (t < p.sent)
        fate = QObject::tr("not sent yet");
    else if (t < p.arrives && p.fate != PacketFate::LostInNetwork)
        fate = QObject::tr("in flight, %1% of the way")
                   .arg(100 * (t - p.sent).count() / std::max<std::int64_t>(1, (p.arrives - p.sent).count()));
    else
        fate = QString::fromUtf8(packetFateName(p.fate).data());
    rows += row(QObject::tr("Fate"), fate);
    return table(QObject::tr("Packet %1").arg(i), rows);
}

QString describeClient(const Simulation& sim, std::uint32_t c, Time t) {
    const History& h = sim.history();
    if (c >= h.clients.size()) return {};
    const ClientRecord& r = h.clients[c];
    QString rows;
    rows += row(QObject::tr("Address"), endpoint(sim, c));
    rows += row(QObject::tr("Traffic"),
                QString::fromStdString(trafficEntryName(sim.scenario().traffic[r.traffic])));
    const TcpState client = h.clientStateAt(c, t);
    const TcpState server = h.serverStateAt(c, t);
    rows += row(QObject::tr("Client socket"), QString::fromUtf8(ssStateName(client).data()));
    rows +=
        row(QObject::tr("Server socket"),
            server == TcpState::Closed ? QObject::tr("none") : QString::fromUtf8(ssStateName(server).data()));
    if (client == TcpState::Established && server == TcpState::Closed)
        rows +=
            row(QObject::tr("Ghost"), QObject::tr("the client is connected, the server has no socket (M9)"));
    rows += row(QObject::tr("connect()"), seconds(r.connectAt));
    QStringList syns;
    Time nextSyn = Time::never();
    for (Time s : r.synTimes) {
        if (s <= t)
            syns << QString::fromStdString(formatSeconds(s - r.connectAt));
        else if (nextSyn.isNever())
            nextSyn = s;
    }
    rows += row(QObject::tr("SYNs sent (after connect)"), syns.join(QStringLiteral(", ")));
    if (client == TcpState::SynSent && !nextSyn.isNever())
        rows += row(QObject::tr("Next SYN in"), QString::fromStdString(readableDuration(nextSyn - t)));
    rows +=
        row(QObject::tr("Connected"), r.connectedAt <= t ? seconds(r.connectedAt) : QObject::tr("not yet"));
    rows += row(QObject::tr("Accepted"), r.acceptedAt <= t ? seconds(r.acceptedAt) : QObject::tr("not yet"));
    if (r.acceptedAt <= t && r.worker >= 0)
        rows += row(QObject::tr("Accepted by"), QObject::tr("worker %1").arg(r.worker));
    rows +=
        row(QObject::tr("Answered"), r.respondedAt <= t ? seconds(r.respondedAt) : QObject::tr("not yet"));
    if (r.errorAt <= t) rows += row(QObject::tr("Error"), QString::fromUtf8(clientErrorName(r.error).data()));
    return table(QObject::tr("Client %1").arg(c), rows);
}

// The client of the worker's latest accept() up to the counts' moment: the Serving change at that
// accept's time names it (O(log n)). A worker keeps one change per instant, so when a later change of
// the same nanosecond replaced it, only the time is given.
QString lastAccepted(const History& h, std::uint32_t w, const WorkerCounts& n) {
    const WorkerRecord& r = h.workers[w];
    const Time at = r.accepts[static_cast<std::size_t>(n.accepted - 1)];
    const auto ch = std::lower_bound(r.changes.begin(), r.changes.end(), at,
                                     [](const WorkerRecord::Change& c, Time x) { return c.at < x; });
    if (ch != r.changes.end() && ch->at == at && ch->state == WorkerState::Serving)
        return QObject::tr("client %1 at %2").arg(ch->flow).arg(seconds(at));
    return QObject::tr("at %1").arg(seconds(at));
}

QString describeWorker(const Simulation& sim, std::uint32_t w, Time t) {
    const History& h = sim.history();
    if (w >= h.workers.size()) return {};
    const WorkerRecord::Change now = h.workerAt(w, t);
    QString rows;
    rows += row(QObject::tr("Listener"), QString::number(h.workers[w].listener));
    rows += row(QObject::tr("State"), QString::fromUtf8(workerStateName(now.state).data()));
    rows += row(QObject::tr("Since"), seconds(now.at));
    if (now.state == WorkerState::Serving)
        rows += row(QObject::tr("Connection"), QObject::tr("client %1").arg(now.flow));
    // Its wake-ups so far and how they ended (P2, P3, M20): a herd shows as many futile ones, most of them
    // asleep again inside the kernel, a few EAGAIN.
    const WorkerCounts n = h.workerCountsUntil(w, t);
    rows += row(QObject::tr("Accepted so far"), QString::number(n.accepted));
    rows += row(QObject::tr("Wake-ups"), QString::number(n.wakeups));
    rows += row(QObject::tr("Futile wake-ups"), QObject::tr("%1, of which EAGAIN %2, asleep again %3")
                                                    .arg(n.futile)
                                                    .arg(n.eagain)
                                                    .arg(n.futile - n.eagain));
    if (n.accepted > 0) rows += row(QObject::tr("Last accepted"), lastAccepted(h, w, n));
    return table(QObject::tr("Worker %1").arg(w), rows);
}

QString describeListener(const Simulation& sim, std::uint32_t l, Time t) {
    const History& h = sim.history();
    if (l >= h.listeners.size()) return {};
    const auto li = static_cast<int>(l);
    const QueueLengths q = h.queueLengthsAt(li, t);
    const std::int64_t backlog = h.maxBacklogAt(li, t);
    const bool plusOne = sim.scenario().kernel.profile.synQueueHoldsBacklogPlusOne;
    QString rows;
    rows +=
        row(QObject::tr("State"), h.listenerOpenAt(li, t) ? QObject::tr("LISTEN") : QObject::tr("closed"));
    rows += row(QObject::tr("Backlog (Send-Q)"), QString::number(backlog));
    rows += row(QObject::tr("Accept queue (Recv-Q)"), QObject::tr("%1 of %2").arg(q.accept).arg(backlog + 1));
    rows += row(QObject::tr("SYN queue"),
                QObject::tr("%1 of %2").arg(q.syn).arg(plusOne ? backlog + 1 : backlog));
    QString entries;
    for (const QueueEntry& e : h.queueAt(li, QueueKind::Syn, t)) {
        // The request's SYN-ACKs so far, and when the next one is due (T1).
        int synAcks = 0;
        Time next = Time::never();
        const auto [first, last] = h.packetsSentIn(e.entered, e.left.isNever() ? h.end : e.left);
        for (std::uint32_t i = first; i < last; ++i) {
            const Packet p = h.packet(i);
            if (p.flow != e.flow || p.kind != PacketKind::SynAck || p.toServer) continue;
            if (p.sent <= t)
                ++synAcks;
            else if (next.isNever())
                next = p.sent;
        }
        entries += QObject::tr("<li>SYN-RECV %1: %2 SYN-ACK%3 sent%4</li>")
                       .arg(endpoint(sim, e.flow))
                       .arg(synAcks)
                       .arg(synAcks == 1 ? QString() : QStringLiteral("s"))
                       .arg(next.isNever() ? QString()
                                           : QObject::tr(", next in %1")
                                                 .arg(QString::fromStdString(readableDuration(next - t))));
    }
    for (const QueueEntry& e : h.queueAt(li, QueueKind::Accept, t))
        entries += QObject::tr("<li>ESTAB %1: waiting %2</li>")
                       .arg(endpoint(sim, e.flow), QString::fromStdString(readableDuration(t - e.entered)));
    QString html = table(QObject::tr("Listener %1").arg(l), rows);
    if (!entries.isEmpty()) html += QStringLiteral("<ul>%1</ul>").arg(entries);
    return html;
}

} // namespace

std::uint32_t clientIsn(const Simulation& sim, FlowId flow) {
    return static_cast<std::uint32_t>(mix64(sim.scenario().seed ^ (0x5eedULL << 32) ^ flow));
}

std::uint32_t serverIsn(const Simulation& sim, FlowId flow) {
    return static_cast<std::uint32_t>(mix64(sim.scenario().seed ^ (0x5e4eULL << 32) ^ flow));
}

QString describeSelection(const Simulation& sim, const Selection& s, Time t) {
    switch (s.kind) {
    case Selection::Kind::None:
        return QObject::tr("<p>Click a packet, a client, a queue or a worker.</p>");
    case Selection::Kind::Packet:
        return describePacket(sim, s.index, t);
    case Selection::Kind::Client:
        return describeClient(sim, s.index, t);
    case Selection::Kind::Worker:
        return describeWorker(sim, s.index, t);
    case Selection::Kind::Listener:
        return describeListener(sim, s.index, t);
    }
    return {};
}

InspectorView::InspectorView(QWidget* parent) : QWidget(parent) {
    text_ = new QTextBrowser(this);
    text_->setOpenLinks(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(text_);
}

void InspectorView::setDocument(SimulationDocument* document) {
    if (doc_) disconnect(doc_, nullptr, this, nullptr);
    doc_ = document;
    // Before the follower's own connection, so that the new run is never described with the old selection.
    if (document) connect(document, &SimulationDocument::loaded, this, [this] { selection_ = {}; });
    followDocument(
        this, document, [this] { text_->clear(); }, [this] { refresh(); });
}

void InspectorView::setSelection(const Selection& s) {
    selection_ = s;
    rebuildWhenVisible(this);
}

void InspectorView::refresh() {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (d)
        text_->setHtml(describeSelection(d->simulation(), selection_, d->playhead()));
    else
        text_->clear();
}

QString InspectorView::html() const {
    return text_->toHtml();
}

} // namespace backlog::views
