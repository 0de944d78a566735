// The stage: the picture a class looks at. Clients (and attackers) on the left, the network, the server
// with one panel per listening socket (its SYN queue and accept queue as rows of slots, the backlog line,
// what `ss -lnt` says), and the workers calling accept() on the right. Packets fly between them with
// their labels; drops fall out where they happened, naming the rule.
//
// One painting path (DESIGN.md point 5): paint() takes a QPainter and a target rectangle, so the widget,
// PNG/SVG/PDF export and the golden-image tests draw the same picture. Everything drawn is a pure function
// of (history, t): nothing is remembered from one frame to the next except caches of the history itself.
//
// Geometry depends on the target, the simulation and t only — never on the theme — so hitTest() and the
// tests see the same rectangles paint() fills, whatever the theme's type size.
//
// Threads: paint() and hitTest() are const but keep caches (an index of the run's SYN-ACK retransmissions,
// prepared text). Use one StageRenderer per thread; frames are independent, so parallel export simply
// gives each worker thread its own renderer.
#pragma once

#include "model/history/History.h"
#include "model/lesson/Lesson.h"
#include "views/render/Fonts.h"
#include "views/render/Theme.h"

#include <QLineF>
#include <QMetaType>
#include <QPointF>
#include <QRectF>
#include <QTransform>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

class QPainter;

namespace backlog {
class Simulation;
}

namespace backlog::views {

// The layout (StageLayout.h) and the painters (StagePainters.h) behind StageRenderer: private to
// views/render.
namespace stage {
struct RunIndex;
struct FrameCache;
} // namespace stage

// What is under a point of the stage.
struct StageHit {
    enum class Kind : std::uint8_t {
        Packet,    // `packet`: a History packet index (in flight, or falling after a drop)
        Client,    // `client`: an index into history().clients (one row per client)
        Clients,   // the aggregated clients block (too many clients for a row each)
        Attackers, // the flood block
        QueueSlot, // `listener`, `queue`, `slot` (0 = the head: the next to leave)
        Listener,  // `listener`: its panel outside the queues
        Worker,    // `worker`: an index into history().workers
        Workers,   // `listener`: the aggregated workers of that listener
    };
    Kind kind = Kind::Listener;
    std::uint32_t packet = 0;
    std::uint32_t client = 0;
    std::uint32_t worker = 0;
    int listener = -1;
    QueueKind queue = QueueKind::Syn;
    int slot = -1;
    // Which run it is in while two are compared (ComparedStages.h): 0 the document's, 1 the other. The
    // indices above are into that run's history.
    int side = 0;

    bool operator==(const StageHit&) const = default;
};

class StageRenderer {
  public:
    struct Options {
        // How long a dropped packet stays visible, falling, after it was dropped. Unset: the network's
        // one-way delay (rtt/2 + jitter), at least 20 µs: a drop stays on screen as long as a flight.
        std::optional<Time> dropLinger;
        // More packets than this in flight (a flood): same-kind packets are drawn as streams with a
        // count, plus a deterministic sample of individual packets (level of detail).
        int streamThreshold = 150;
        // In stream mode, a group this small is still drawn packet by packet (the real clients' SYNs in
        // a flood are what the eye should follow).
        int smallGroup = 12;
        // Even without a flood, more same-kind packets than this on one path (a burst) form a stream.
        int groupStreamThreshold = 40;
        // About this many sampled packets stay visible in stream mode.
        int sampleTarget = 48;
        // More clients than this: one block with counts per state instead of a row each.
        int clientRowsMax = 40;
        // Clients drawn in a row of their own even when the others are aggregated, and every packet of
        // theirs one by one, never in a stream's sample: a lesson step's highlighted or zoomed clients
        // (layout() with an emphasis adds them). A client that does not exist at t is passed over.
        std::vector<std::uint32_t> clientsApart;
        // More workers than this (or too little room): one block with counts per state per listener.
        int workerBoxesMax = 32;
        // When set, every label that does not fit its box is added here (Fonts.h LabelOverflow: Cut, or
        // Elided where the widget's tooltip has the whole text) by paint(). For tests and debugging;
        // the vector must outlive the paint() calls and belong to the painting thread.
        LabelOverflows* overflows = nullptr;
        // A question with `reveal: after-answer` is open (issue 16): the numbers that would give its answer
        // away are not drawn. The counters strip says they are hidden; a queue's length reads "? / 5".
        bool numbersConcealed = false;
    };

    // ---- the layout at t: shared by paint(), hitTest() and the tests ----
    struct QueueGeometry {
        int listener = 0;
        QueueKind kind = QueueKind::Syn;
        QRectF frame;                  // the row: its label column and its slots
        QRectF label;                  // "SYN queue 3 / 5"
        QRectF slotsArea;              // where slots (or the gauge) are drawn
        std::int64_t capacity = 0;     // slots: backlog + 1 (accept queue; SYN queue on 6.13+), or backlog
        std::int64_t limit = 0;        // the backlog: the line drawn after this many slots
        std::int64_t length = 0;       // entries at t (queueLengthsAt)
        bool gauge = false;            // too many slots to draw one by one: a bar with a scale
        std::vector<QRectF> slotRects; // `capacity` rectangles, slot 0 = the head; empty for a gauge
        QLineF limitLine;
        std::vector<QueueEntry> entries; // at t, oldest first: entries[k] fills slot k
        // SYN queue: per entry, its SYN-ACK retransmissions so far (SYN-ACKs with retrans > 0 for
        // that flow sent since it entered, up to t). Empty for the accept queue and for a gauge.
        std::vector<int> retransmissions;
        // SYN queue: per entry, when its next SYN-ACK retransmission leaves (T1); never if none is due.
        std::vector<Time> nextSynAck;
    };
    struct ListenerGeometry {
        int index = 0;
        QRectF frame;
        QRectF header;
        QPointF door; // where packets to this listener arrive
        QPointF exit; // the head of the accept queue, towards the workers
        bool open = true;
        std::int64_t backlog = 0; // maxBacklogAt(t): what ss shows as Send-Q
        QueueGeometry syn;
        QueueGeometry accept;
    };
    struct ClientGeometry {
        std::uint32_t index = 0;
        QRectF row;
        QPointF anchor;     // where its packets leave and arrive
        bool ghost = false; // ESTABLISHED here, no socket on the server: marked on its row
    };
    struct WorkerGeometry {
        std::uint32_t index = 0;
        int listener = 0;
        QRectF box;
    };
    struct WorkerGroupGeometry {
        int listener = 0;
        QRectF box;
        std::vector<std::uint32_t> workers;
    };
    struct PacketGeometry {
        std::uint32_t index = 0;
        QPointF centre;
        QRectF glyph;
        bool toServer = true;
        double fall = -1;     // < 0: flying; 0..1: how far through its drop animation
        bool labelled = true; // false for stream samples: the stream carries the label
    };
    // Same-kind packets on one path drawn as one stream (level of detail).
    struct StreamGeometry {
        PacketKind kind = PacketKind::Syn;
        bool toServer = true;
        bool cookie = false;
        bool spoofed = false;
        int listener = 0;
        std::int64_t count = 0;
        QPointF sourceTop, sourceBottom; // the span its packets come from (or go to) at the client end
        QPointF source;                  // their mean: where the stream is drawn from
        QPointF sink;                    // the listener's door
    };
    // Recently dropped packets at one place, for one reason: one label with a count.
    struct DropGeometry {
        PacketFate fate = PacketFate::InFlight;
        PacketKind kind = PacketKind::Syn;
        QPointF anchor; // where they fall from
        bool atServer = true;
        std::int64_t count = 0; // connections (distinct flows)
        std::int64_t packets = 0;
    };
    // What exists at t (DESIGN.md: the picture is a function of (history, t)): listeners from their
    // listen(), workers from the start of the run or the change that added them, clients once the
    // scenario in force at t has them (their traffic entry started and asking for them) or they have
    // connected. Nothing that a later lesson step brings is drawn or counted before that step.
    struct Geometry {
        QRectF target;
        double unit = 1; // pixels per unit of the 1600 × 900 reference stage
        QRectF header, footer, clientsPanel, network, serverPanel, workersPanel;
        QRectF serverTitle, countersStrip;
        bool clientsAggregated = false;
        QRectF clientsBlock;                     // the rows' area, or the aggregated block
        std::vector<std::uint32_t> clientsShown; // the clients that exist at t, in index order
        std::vector<ClientGeometry> clients;     // one per client shown, when not aggregated
        QRectF attackers;                        // empty when the scenario has no flood
        std::vector<ListenerGeometry> listeners;
        std::int64_t workersShown = 0; // the workers that exist at t (the title's count)
        QString workersWait;           // how they wait at t (the panel's subtitle; a lesson may switch it)
        bool workersAggregated = false;
        std::vector<WorkerGeometry> workers;
        std::vector<WorkerGroupGeometry> workerGroups; // when aggregated: one per listener
        bool streams = false; // level of detail in force: some packets are drawn as streams
        std::int64_t packetsInFlight = 0;
        std::vector<PacketGeometry> packets; // drawn one by one, in drawing order
        std::vector<StreamGeometry> packetStreams;
        std::vector<DropGeometry> drops;
    };

    // What a lesson step points at (Lesson.h Target): the highlighted elements stay bright and outlined
    // while the rest of the stage is dimmed, and the stage can be zoomed to one element.
    struct Emphasis {
        std::vector<Target> highlight;
        std::optional<Target> zoom;
        bool isEmpty() const { return highlight.empty() && !zoom; }
        // What a lesson step points at: its highlights and its zoom (the window, presenter mode, export).
        static Emphasis of(const Step& step) { return {step.highlight, step.zoom}; }
    };

    StageRenderer();
    ~StageRenderer();
    StageRenderer(const StageRenderer&) = delete;
    StageRenderer& operator=(const StageRenderer&) = delete;

    void setOptions(const Options& options) { options_ = options; }
    const Options& options() const { return options_; }

    Geometry layout(const QRectF& target, const Simulation& sim, Time t) const;
    // The layout a lesson's emphasis is drawn on: the clients it highlights or zooms to have rows of their
    // own even when the others are aggregated (Options::clientsApart).
    Geometry layout(const QRectF& target, const Simulation& sim, Time t, const Emphasis& emphasis) const;
    void paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& theme) const;
    std::optional<StageHit> hitTest(QPointF pos, const QRectF& target, const Simulation& sim, Time t) const;
    // The same, with a lesson's emphasis: zoomed (the layout is that of `target`, scaled up) and spotlit.
    void paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& theme,
               const Emphasis& emphasis) const;
    std::optional<StageHit> hitTest(QPointF pos, const QRectF& target, const Simulation& sim, Time t,
                                    const Emphasis& emphasis) const;
    // Where a target is drawn in a layout (several rectangles for a packet kind or every listener's
    // queue); empty when it is not on the stage at that moment.
    std::vector<QRectF> rectsOf(const Target& target, const Geometry& g, const Simulation& sim) const;
    // The transform that shows the emphasis' zoom target filling `target` (identity without one).
    QTransform zoomTransform(const QRectF& target, const Simulation& sim, Time t,
                             const Emphasis& emphasis) const;
    // The same, on a layout already made with layout(target, sim, t, emphasis).
    QTransform zoomTransform(const QRectF& target, const Geometry& g, const Simulation& sim,
                             const Emphasis& emphasis) const;

    // The whole text of a label that the last paint() drew shortened (elided) under `pos` — for the
    // widget's tooltip — or an empty string. `pos`, `target` and `emphasis` as for hitTest().
    QString elidedLabelAt(QPointF pos, const QRectF& target, const Simulation& sim, Time t,
                          const Emphasis& emphasis = {}) const;

    // The layout the last paint() drew, and its emphasis' zoom, when that paint was of this target,
    // run, moment and emphasis: what the lecturer's strokes are placed by (StrokePlacement.h) without
    // laying the stage out a second time each frame. Null otherwise.
    struct LaidOut {
        Geometry geometry;
        QTransform zoom;
    };
    const LaidOut* lastLaidOut(const QRectF& target, const Simulation& sim, Time t,
                               const Emphasis& emphasis = {}) const;

    // Forget what was cached about a simulation (call after it changed: changeAt, a new load). The
    // cache also notices a different history by itself; this makes it certain.
    void invalidate() const;

    // How long drops stay visible for this simulation (Options::dropLinger or the default).
    Time dropLinger(const Simulation& sim) const;

  private:
    const stage::RunIndex& index(const Simulation& sim) const;
    void paintLaidOut(QPainter& p, const QRectF& target, const Geometry& g, const Simulation& sim, Time t,
                      const Theme& theme) const;
    std::optional<StageHit> hitTestIn(QPointF pos, const Geometry& g) const;

    void keepLaidOut(const QRectF& target, Time t, const Emphasis& emphasis, Geometry g,
                     const QTransform& zoom) const;

    Options options_;
    mutable std::unique_ptr<stage::RunIndex> index_;
    // lastLaidOut()'s frame, of the run index_ is of: where and when it was, and its layout.
    struct LastFrame {
        QRectF target;
        Time t;
        Emphasis emphasis;
        LaidOut laidOut;
    };
    mutable std::optional<LastFrame> last_;
    mutable std::unique_ptr<stage::FrameCache> cache_;
};

} // namespace backlog::views

Q_DECLARE_METATYPE(backlog::views::StageHit)
