#include "views/render/StateDiagramRenderer.h"

#include "model/kernel/Simulation.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPen>
#include <QStringList>

#include <algorithm>
#include <cmath>

namespace backlog::views {

namespace {

// The diagram's sizes, in one place. Lengths are in units of the 960 × 540 reference (`unit`, the golden
// images' size) — `tu` (textUnit) for the rows that hold text, which stay legible in a small dock — and
// type sizes are scaled by the theme's fontScale, line widths by its lineScale (Ctx::px, Ctx::line).
// Where each edge runs and where its label sits are the diagram's drawing, written beside the edge in
// fractions of the diagram's width (the grid's columns and lanes below, and per edge), like a figure's
// coordinates.
struct StateDiagramMetrics {
    double refWidth = 960.0;
    double refHeight = 540.0;
    // Type never gets smaller than this fraction of the reference, so that a 400 × 300 dock stays legible.
    double minTextUnit = 0.7;

    // The two machines' panels, side by side.
    struct Panels {
        double margin = 8;
        double gap = 10;
        double radius = 10;
    } panels;

    // A machine's panel: its title, a status note, the diagram, and the caption naming the last transition.
    struct Machine {
        double pad = 8;
        double titleTop = 4;
        double titleHeight = 22;  // × tu
        double statusHeight = 18; // × tu
        double captionBottom = 4;
        double captionHeight = 20; // × tu
        double diagramTop = 4;
        double diagramInset = 3;
        double diagramBottom = 2;
    } machine;

    // Rows of a machine: the initial box, the handshake's box, ESTABLISHED, two rows of closing states,
    // TIME-WAIT, and the CLOSED bar. Columns, as fractions of the diagram's width: the active close
    // (left), the opening (middle), the passive close (right); and the two lanes outside them.
    struct Grid {
        int rows = 7;
        double left = 0.185;
        double middle = 0.5;
        double right = 0.815;
        double boxWidth = 0.28;
        double leftLane = 0.018;
        double rightLane = 0.982;
        double boxShare = 0.56; // a box's height, of the row's
        double gapMargin = 0.5; // the room between two rows, inside the boxes' edges
    } grid;

    // Edge labels: beside a vertical line (a share of the width right of it, up to the outer edge), or
    // along a stub (these lengths from the boxes and lines they sit between).
    struct EdgeLabels {
        double besideLine = 0.015;
        double outer = 0.965;
        double laneGap = 4;
        double stubLeft = 2;
        double stubRight = 3;
        double stubLift = 1;
        double resetLeft = 6; // the server's CLOSE-WAIT reset, right of the middle line
        double resetDrop = 2;
        double knockout = 2; // a label on its line: the line cleared this far either side
    } edgeLabels;

    // Pixel sizes of the type on the reference (× tu × Theme::fontScale); the least sizes are pixels.
    struct Type {
        double title = 14;
        double note = 11.5;
        double edge = 10.5;
        double state = 12.5;
        double hint = 13;
        double least = 5;
        double edgeLeast = 6;
        double stateLeast = 4;
    } type;

    // Line widths on the reference (× Theme::lineScale, at least lineMin pixels).
    struct Lines {
        double lineMin = 0.8;
        double panel = 1;
        double edgeLast = 3.6;
        double edgeTrail = 1.8;
        double edgeIdle = 1.2;
        double boxLit = 3.0;
        double box = 1.2;
        double marker = 1.5;
    } lines;

    // Arrowheads, boxes and the "now" marker.
    struct Marks {
        double headLast = 11.0; // × √lineScale
        double head = 7.5;
        double headMin = 4.0;
        double shaftShare = 0.8; // the line stops this far inside its arrowhead
        double headHalfShare = 0.45;
        double boxRadius = 8;
        double boxRadiusShare = 0.3;
        double nameInset = 4;
        double markerShare = 0.4; // of the box's height
        double markerMin = 5.0;
        double markerOut = 0.15;    // the marker's centre inside the box's left edge, in diameters
        double markerBehind = 0.65; // the room a name leaves for the marker, in diameters
        double markerGap = 2;
        double hintInset = 8;
        double hintPadX = 16;
        double hintPadY = 4;
    } marks;
};

constexpr StateDiagramMetrics kStates{};
constexpr const auto& kGrid = kStates.grid;

using Side = StateDiagramRenderer::Side;
using StateKey = StateDiagramRenderer::StateKey;

QString latin1(std::string_view s) {
    return QString::fromLatin1(s.data(), static_cast<qsizetype>(s.size()));
}

// `over` (with its alpha) painted on the opaque `under`.
QColor blend(const QColor& under, const QColor& over) {
    const float a = over.alphaF();
    const auto mix = [a](float u, float o) { return u * (1 - a) + o * a; };
    return QColor::fromRgbF(mix(under.redF(), over.redF()), mix(under.greenF(), over.greenF()),
                            mix(under.blueF(), over.blueF()));
}

bool validClient(const Simulation& sim, std::uint32_t client) {
    return client < sim.history().clients.size();
}

const std::vector<std::pair<Time, TcpState>>& changesOf(const ClientRecord& rec, Side side) {
    return side == Side::Client ? rec.states : rec.serverStates;
}

// Whether the side's socket has had a state change at or before t (it has left its initial box).
bool openedBy(const std::vector<std::pair<Time, TcpState>>& changes, Time t) {
    return !changes.empty() && changes.front().first <= t;
}

// ---- building the layout ----

struct MachineFrame {
    QRectF d; // the diagram's rectangle
    double pitch = 0;
    double boxHeight = 0;
    double u = 1;
    double x(double f) const { return d.left() + f * d.width(); }
    double y(int row) const { return d.top() + pitch * (row + 0.5); }
    double gapTop(int row) const { return y(row) + boxHeight / 2; }
    double gapBottom(int row) const { return y(row + 1) - boxHeight / 2; }
    QRectF box(double column, int row) const {
        return {x(column - kGrid.boxWidth / 2), y(row) - boxHeight / 2, kGrid.boxWidth * d.width(),
                boxHeight};
    }
    // The room between two rows, from x0 to x1 (fractions).
    QRectF gap(int row, double x0, double x1) const {
        return QRectF(QPointF(x(x0), gapTop(row) + kGrid.gapMargin * u),
                      QPointF(x(x1), gapBottom(row) - kGrid.gapMargin * u));
    }
    // A band as high as a box, centred on a row.
    QRectF band(int row, double x0, double x1) const {
        return QRectF(QPointF(x(x0), y(row) - boxHeight / 2), QPointF(x(x1), y(row) + boxHeight / 2));
    }
};

void addState(StateDiagramRenderer::MachineGeometry& m, Side side, TcpState state, bool initial,
              const QRectF& rect) {
    m.states.push_back({{side, state, initial}, rect, StateDiagramRenderer::stateName(state)});
}

void addEdge(StateDiagramRenderer::MachineGeometry& m, StateKey from, StateKey to, const QString& label,
             QPolygonF path, const QRectF& labelRect, int align, bool knockout = false) {
    m.edges.push_back({from, to, label, std::move(path), labelRect.normalized(), align, knockout});
}

QPolygonF down(double x, const QRectF& a, const QRectF& b) {
    return QPolygonF({QPointF(x, a.bottom()), QPointF(x, b.top())});
}

// One machine's boxes: their keys and where they are.
struct Boxes {
    bool client = true;
    StateKey initial, opening, est, fw1, fw2, tw, cw, la, closed;
    QRectF rInitial, rOpening, rEst, rFw1, rFw2, rTw, rCw, rLa, rClosed;
};

// The boxes. FIN-WAIT-2 only on the client: the server's FIN is always answered by the client's
// FIN (it closes as soon as it reads EOF), so the model takes the server from FIN-WAIT-1 straight
// to TIME-WAIT. The client's CLOSE-WAIT lasts no time at all for the same reason, but it is
// recorded, so it is drawn.
Boxes placeBoxes(StateDiagramRenderer::MachineGeometry& m, const MachineFrame& f, Side side) {
    Boxes b;
    b.client = side == Side::Client;
    b.initial = {side, b.client ? TcpState::Closed : TcpState::Listen, true};
    b.opening = {side, b.client ? TcpState::SynSent : TcpState::SynRecv, false};
    b.est = {side, TcpState::Established, false};
    b.fw1 = {side, TcpState::FinWait1, false};
    b.fw2 = {side, TcpState::FinWait2, false};
    b.tw = {side, TcpState::TimeWait, false};
    b.cw = {side, TcpState::CloseWait, false};
    b.la = {side, TcpState::LastAck, false};
    b.closed = {side, TcpState::Closed, false};

    b.rInitial = f.box(kGrid.middle, 0);
    b.rOpening = f.box(kGrid.middle, 1);
    b.rEst = f.box(kGrid.middle, 2);
    b.rFw1 = f.box(kGrid.left, 3);
    b.rFw2 = f.box(kGrid.left, 4);
    b.rTw = f.box(kGrid.left, 5);
    b.rCw = f.box(kGrid.right, 3);
    b.rLa = f.box(kGrid.right, 4);
    b.rClosed = QRectF(QPointF(f.x(kGrid.left - kGrid.boxWidth / 2), f.y(6) - f.boxHeight / 2),
                       QPointF(f.x(kGrid.right + kGrid.boxWidth / 2), f.y(6) + f.boxHeight / 2));
    addState(m, side, b.initial.state, true, b.rInitial);
    addState(m, side, b.opening.state, false, b.rOpening);
    addState(m, side, TcpState::Established, false, b.rEst);
    addState(m, side, TcpState::FinWait1, false, b.rFw1);
    if (b.client) addState(m, side, TcpState::FinWait2, false, b.rFw2);
    addState(m, side, TcpState::TimeWait, false, b.rTw);
    addState(m, side, TcpState::CloseWait, false, b.rCw);
    addState(m, side, TcpState::LastAck, false, b.rLa);
    addState(m, side, TcpState::Closed, false, b.rClosed);
    return b;
}

// The opening, down the middle, and out of ESTABLISHED.
void openingEdges(StateDiagramRenderer::MachineGeometry& m, const MachineFrame& f, const Boxes& b) {
    const auto& e = kStates.edgeLabels;
    const double u = f.u;
    const int leftV = Qt::AlignLeft | Qt::AlignVCenter;
    const int rightV = Qt::AlignRight | Qt::AlignVCenter;
    const double mid = f.x(kGrid.middle);
    const bool client = b.client;
    addEdge(m, b.initial, b.opening,
            client ? QStringLiteral("connect() / SYN") : QStringLiteral("SYN / SYN-ACK"),
            down(mid, b.rInitial, b.rOpening), f.gap(0, kGrid.middle + e.besideLine, e.outer), leftV);
    addEdge(m, b.opening, b.est, client ? QStringLiteral("SYN-ACK / ACK") : QStringLiteral("ACK"),
            down(mid, b.rOpening, b.rEst), f.gap(1, kGrid.middle + e.besideLine, e.outer), leftV);
    // Giving up on the handshake: along the right-hand lane into the end of the CLOSED bar. The client:
    // an RST (ECONNREFUSED) or the SYN retries running out (ETIMEDOUT, T6). The server: the SYN-ACK
    // retries running out (T1), an RST (A4), tcp_abort_on_overflow (A7b) or a closed listener (R6).
    addEdge(m, b.opening, b.closed, QStringLiteral("timeout or RST"),
            QPolygonF({QPointF(b.rOpening.right(), f.y(1)), QPointF(f.x(kGrid.rightLane), f.y(1)),
                       QPointF(f.x(kGrid.rightLane), f.y(6)), QPointF(b.rClosed.right(), f.y(6))}),
            QRectF(QPointF(b.rOpening.right() + e.laneGap * u, f.y(1) - f.boxHeight / 2),
                   QPointF(f.x(kGrid.rightLane) - e.laneGap * u, f.y(1) - e.stubLift * u)),
            Qt::AlignLeft | Qt::AlignBottom);

    // Out of ESTABLISHED: the active close to the left, the passive close to the right, resets down the
    // middle (the "bus" other resets join).
    addEdge(m, b.est, b.fw1, QStringLiteral("close() / FIN"),
            QPolygonF({QPointF(f.x(0.43), b.rEst.bottom()), QPointF(f.x(0.25), b.rFw1.top())}),
            f.gap(2, 0.02, 0.29), rightV);
    addEdge(m, b.est, b.cw, client ? QStringLiteral("FIN") : QStringLiteral("FIN / ACK"),
            QPolygonF({QPointF(f.x(0.57), b.rEst.bottom()), QPointF(f.x(0.75), b.rCw.top())}),
            f.gap(2, 0.71, e.outer), leftV);
    // The client's resets: an RST (ECONNRESET), its data retries running out (ETIMEDOUT), or its own
    // close() with SO_LINGER 0 (an RST, lesson 11's aborters). The server's: an RST (D4) or the
    // listener closing under it (R6).
    addEdge(m, b.est, b.closed,
            client ? QStringLiteral("RST, timeout\nor close() / RST") : QStringLiteral("RST"),
            down(mid, b.rEst, b.rClosed), f.band(5, 0.35, 0.65), Qt::AlignCenter, true);
}

// A reset from a closing state (row `row`, box `from`) along its row into the bus down the middle.
void resetToBus(StateDiagramRenderer::MachineGeometry& m, const MachineFrame& f, const Boxes& b,
                const StateKey& key, const QRectF& from, int row, const QString& label) {
    const auto& e = kStates.edgeLabels;
    const double u = f.u;
    const double mid = f.x(kGrid.middle);
    addEdge(
        m, key, b.closed, label,
        QPolygonF({QPointF(from.right(), f.y(row)), QPointF(mid, f.y(row)), QPointF(mid, b.rClosed.top())}),
        QRectF(QPointF(from.right() + e.stubLeft * u, f.y(row) - f.boxHeight / 2),
               QPointF(mid - e.stubRight * u, f.y(row) - e.stubLift * u)),
        Qt::AlignHCenter | Qt::AlignBottom);
}

// The active close, on the left, and TIME-WAIT's end.
void activeCloseEdges(StateDiagramRenderer::MachineGeometry& m, const MachineFrame& f, const Boxes& b) {
    const auto& e = kStates.edgeLabels;
    const int leftV = Qt::AlignLeft | Qt::AlignVCenter;
    if (b.client) {
        addEdge(m, b.fw1, b.fw2, QStringLiteral("ACK"), down(f.x(kGrid.left), b.rFw1, b.rFw2),
                f.gap(3, kGrid.left + e.besideLine, 0.33), leftV);
        addEdge(m, b.fw2, b.tw, QStringLiteral("FIN / ACK"), down(f.x(kGrid.left), b.rFw2, b.rTw),
                f.gap(4, kGrid.left + e.besideLine, 0.34), leftV);
        // The server's FIN arriving before the ACK of the client's FIN (jitter can reorder them):
        // round FIN-WAIT-2 on the left.
        addEdge(m, b.fw1, b.tw, QStringLiteral("FIN / ACK"),
                QPolygonF({QPointF(b.rFw1.left(), f.y(3)), QPointF(f.x(kGrid.leftLane), f.y(3)),
                           QPointF(f.x(kGrid.leftLane), f.y(5)), QPointF(b.rTw.left(), f.y(5))}),
                f.gap(3, kGrid.leftLane + 0.008, kGrid.left - 0.012), leftV);
        // The server's response reaching a socket the application has closed: the kernel resets it
        // (an RST received takes the same way).
        resetToBus(m, f, b, b.fw1, b.rFw1, 3, QStringLiteral("data / RST"));
        resetToBus(m, f, b, b.fw2, b.rFw2, 4, QStringLiteral("data / RST"));
    } else {
        addEdge(m, b.fw1, b.tw, QStringLiteral("FIN / ACK"), down(f.x(kGrid.left), b.rFw1, b.rTw),
                f.band(4, 0.045, 0.325), Qt::AlignCenter, true);
        resetToBus(m, f, b, b.fw1, b.rFw1, 3, QStringLiteral("RST"));
    }
    // TCP_TIMEWAIT_LEN: Linux holds TIME-WAIT for a fixed 60 s rather than 2 MSL.
    addEdge(m, b.tw, b.closed, QStringLiteral("after 60 s"), down(f.x(kGrid.left), b.rTw, b.rClosed),
            f.gap(5, kGrid.left + e.besideLine, 0.34), leftV);
}

// The passive close, on the right.
void passiveCloseEdges(StateDiagramRenderer::MachineGeometry& m, const MachineFrame& f, const Boxes& b) {
    const auto& e = kStates.edgeLabels;
    const double u = f.u;
    const double mid = f.x(kGrid.middle);
    addEdge(m, b.cw, b.la, QStringLiteral("close() / FIN"), down(f.x(kGrid.right), b.rCw, b.rLa),
            f.gap(3, 0.67, 0.96), Qt::AlignCenter, true);
    addEdge(m, b.la, b.closed, QStringLiteral("ACK or RST"), down(f.x(kGrid.right), b.rLa, b.rClosed),
            f.band(5, 0.67, 0.96), Qt::AlignCenter, true);
    if (b.client) return;
    // D4 after D3: an RST at a child that took the client's FIN while it waited for accept().
    addEdge(
        m, b.cw, b.closed, QStringLiteral("RST"),
        QPolygonF({QPointF(f.x(0.70), b.rCw.bottom()), QPointF(mid, f.y(4)), QPointF(mid, b.rClosed.top())}),
        QRectF(QPointF(mid + e.resetLeft * u, f.y(4) + e.resetDrop * u),
               QPointF(b.rLa.left() - e.stubRight * u, f.y(4) + f.boxHeight / 2)),
        Qt::AlignLeft | Qt::AlignTop);
}

StateDiagramRenderer::MachineGeometry layoutMachine(Side side, const QRectF& frame, double u, double tu) {
    const auto& k = kStates.machine;
    StateDiagramRenderer::MachineGeometry m;
    m.side = side;
    m.frame = frame;
    const double pad = k.pad * u;
    m.title =
        QRectF(frame.left() + pad, frame.top() + k.titleTop * u, frame.width() - 2 * pad, k.titleHeight * tu);
    m.status = QRectF(m.title.left(), m.title.bottom(), m.title.width(), k.statusHeight * tu);
    m.caption = QRectF(m.title.left(), frame.bottom() - k.captionBottom * u - k.captionHeight * tu,
                       m.title.width(), k.captionHeight * tu);
    const double top = m.status.bottom() + k.diagramTop * u;
    m.diagram = QRectF(frame.left() + k.diagramInset * u, top, frame.width() - 2 * k.diagramInset * u,
                       std::max(0.0, m.caption.top() - k.diagramBottom * u - top));

    MachineFrame f;
    f.d = m.diagram;
    f.pitch = f.d.height() / kGrid.rows;
    f.boxHeight = f.pitch * kGrid.boxShare;
    f.u = u;
    const Boxes b = placeBoxes(m, f, side);
    openingEdges(m, f, b);
    activeCloseEdges(m, f, b);
    passiveCloseEdges(m, f, b);
    return m;
}

// ---- painting ----

struct Ctx {
    QPainter& p;
    const Theme& th;
    double u;
    double tu;
    LabelOverflows* overflows = nullptr;

    QFont font(double px, bool bold = false) const {
        QFont f(th.sansFamily);
        f.setPixelSize(std::max(1, static_cast<int>(std::lround(px))));
        f.setBold(bold);
        f.setHintingPreference(QFont::PreferNoHinting);
        f.setStyleStrategy(static_cast<QFont::StyleStrategy>(
            QFont::PreferAntialias | QFont::NoSubpixelAntialias | QFont::NoFontMerging));
        return f;
    }
    // A size of the reference, in pixels for this target and theme.
    double px(double reference) const { return reference * tu * th.fontScale; }
    double line(double w) const { return std::max(kStates.lines.lineMin, w * u * th.lineScale); }
    // Edges not taken: between the text and the panel, so that the path taken (in the text's colour)
    // stands out in every theme, the projector's black outlines included.
    QColor idle() const {
        QColor c = th.mutedText;
        c.setAlphaF(0.55f);
        return blend(th.panel, c);
    }

    // Draws `text` in `rect` at `wanted` pixels, or smaller so that every line fits (Fonts.h fitLabel);
    // nothing when it would take less than `smallest`. Returns the text's bounding rectangle (empty when
    // nothing was drawn). `report`: a text left out is reported to `overflows` (false where the caller
    // has a shorter text to try next).
    QRectF fitted(const QRectF& rect, int align, const QString& text, double wanted, bool bold,
                  const QColor& colour, double smallest, const QColor* knockout = nullptr,
                  bool report = true) const {
        if (text.isEmpty()) return {};
        const QFont asked = font(wanted, bold);
        if (rect.width() <= 0 || rect.height() <= 0) {
            if (report) reportOverflow(overflows, u"states", text, rect, asked);
            return {};
        }
        const double scale = std::min(1.0, smallest / static_cast<double>(asked.pixelSize()));
        const FittedLabel f = fitLabel(rect, align, text, asked, TextFit{scale, false, false});
        if (!f.complete) {
            if (report) reportOverflow(overflows, u"states", text, rect, f.font);
            return {};
        }
        const QRectF box = f.bounds;
        if (knockout) {
            const double m = kStates.edgeLabels.knockout * u;
            p.fillRect(box.adjusted(-m, 0, m, 0), *knockout);
        }
        p.setFont(f.font);
        p.setPen(colour);
        p.drawText(box, static_cast<int>((align & Qt::AlignHorizontal_Mask) | Qt::AlignVCenter), f.shown);
        return box;
    }
};

// How an edge is drawn: never taken, taken earlier (the path so far), or the last transition.
enum class EdgeLook : std::uint8_t { Idle, Trail, Last };

void drawArrow(const Ctx& c, const QPolygonF& path, EdgeLook look) {
    if (path.size() < 2) return;
    const QColor colour = look == EdgeLook::Last    ? c.th.spotlight
                          : look == EdgeLook::Trail ? c.th.text
                                                    : c.idle();
    const auto& lines = kStates.lines;
    const auto& k = kStates.marks;
    const double w = c.line(look == EdgeLook::Last    ? lines.edgeLast
                            : look == EdgeLook::Trail ? lines.edgeTrail
                                                      : lines.edgeIdle);
    const double head =
        std::max(k.headMin, (look == EdgeLook::Last ? k.headLast : k.head) * c.u * std::sqrt(c.th.lineScale));
    const QPointF tip = path.back();
    QPointF dir = tip - path[path.size() - 2];
    const double len = std::hypot(dir.x(), dir.y());
    if (len <= 0) return;
    dir /= len;
    const QPointF normal(-dir.y(), dir.x());
    // The line stops inside the arrowhead so that a thick line does not blunt its tip.
    QPolygonF shaft = path;
    shaft.back() = tip - dir * std::min(head * k.shaftShare, len);
    QPainterPath pp;
    pp.addPolygon(shaft);
    c.p.setBrush(Qt::NoBrush);
    c.p.setPen(QPen(colour, w, Qt::SolidLine, Qt::FlatCap, Qt::MiterJoin));
    c.p.drawPath(pp);
    const QPointF base = tip - dir * head;
    c.p.setPen(Qt::NoPen);
    c.p.setBrush(colour);
    c.p.drawPolygon(
        QPolygonF({tip, base + normal * head * k.headHalfShare, base - normal * head * k.headHalfShare}));
}

// The diameter of the "now" marker on a lit box's border.
double markerSize(const QRectF& box) {
    return std::max(kStates.marks.markerMin, box.height() * kStates.marks.markerShare);
}

// One type size for every box's name: the largest (up to the theme's) at which the longest name fits a
// lit box, in bold, beside the marker.
int stateNameSize(const Ctx& c, const StateDiagramRenderer::MachineGeometry& m) {
    if (m.states.empty()) return 1;
    const QRectF box = m.states.front().rect;
    const auto& k = kStates.marks;
    const double room =
        box.width() - markerSize(box) * k.markerBehind - k.markerGap * c.u - k.nameInset * c.u;
    int size = std::max(1, static_cast<int>(std::lround(c.px(kStates.type.state))));
    for (; size > kStates.type.stateLeast; --size) {
        const QFontMetricsF fm(c.font(size, true));
        double widest = 0;
        for (const auto& s : m.states)
            widest = std::max(widest, fm.horizontalAdvance(s.name));
        if (widest <= room && fm.height() <= box.height()) break;
    }
    return size;
}

void drawBox(const Ctx& c, const StateDiagramRenderer::StateGeometry& s, bool lit, int nameSize) {
    const QRectF r = s.rect;
    const auto& k = kStates.marks;
    const double radius = std::min(r.height() * k.boxRadiusShare, k.boxRadius * c.u);
    c.p.setPen(
        QPen(lit ? c.th.text : c.th.slotBorder, c.line(lit ? kStates.lines.boxLit : kStates.lines.box)));
    c.p.setBrush(lit ? c.th.synEntry : c.th.listenerFill);
    c.p.drawRoundedRect(r, radius, radius);
    double left = r.left() + k.nameInset * c.u;
    if (lit) {
        // Told apart by more than colour: a thick outline, bold type, and a "now" marker on the border.
        const double d = markerSize(r);
        const QPointF centre(r.left() + d * k.markerOut, r.center().y());
        c.p.setPen(QPen(c.th.text, c.line(kStates.lines.marker)));
        c.p.setBrush(c.th.spotlight);
        c.p.drawEllipse(centre, d / 2, d / 2);
        left = centre.x() + d / 2 + k.markerGap * c.u;
    }
    const QRectF text(QPointF(left, r.top()), QPointF(r.right() - k.nameInset * c.u, r.bottom()));
    c.fitted(text, Qt::AlignCenter, s.name, nameSize, lit, lit ? c.th.entryText : c.th.text,
             kStates.type.stateLeast);
}

struct SideState {
    std::vector<StateDiagramRenderer::Transition> taken;
    std::optional<StateKey> lit;
};

// The transitions of one side taken at the last instant (usually one; two when a state lasted no time).
std::vector<StateDiagramRenderer::Transition>
lastInstant(const std::vector<StateDiagramRenderer::Transition>& taken) {
    std::vector<StateDiagramRenderer::Transition> out;
    if (taken.empty()) return out;
    const Time at = taken.back().at;
    for (const auto& tr : taken)
        if (tr.at == at) out.push_back(tr);
    return out;
}

EdgeLook lookOf(const StateDiagramRenderer::EdgeGeometry& e, const SideState& s) {
    const std::vector<StateDiagramRenderer::Transition> last = lastInstant(s.taken);
    for (const auto& tr : last)
        if (tr.fromKey() == e.from && tr.toKey() == e.to) return EdgeLook::Last;
    for (const auto& tr : s.taken)
        if (tr.fromKey() == e.from && tr.toKey() == e.to) return EdgeLook::Trail;
    return EdgeLook::Idle;
}

QString chain(const std::vector<StateDiagramRenderer::Transition>& last) {
    QString s = StateDiagramRenderer::stateName(last.front().fromKey().state);
    for (const auto& tr : last)
        s += QStringLiteral(" → ") + StateDiagramRenderer::stateName(tr.to);
    return s;
}

// Why a socket closed, when the History says: connect()'s or recv()'s error, a request's end.
QString closeReason(const Simulation& sim, std::uint32_t client, const StateDiagramRenderer::Transition& tr) {
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[client];
    if (tr.to != TcpState::Closed) return {};
    if (tr.side == Side::Client) {
        if (rec.error != ClientError::None && rec.errorAt == tr.at) return latin1(clientErrorName(rec.error));
        return {};
    }
    if (tr.from != TcpState::SynRecv || tr.at <= Time()) return {};
    // The request's stay in the SYN queue ended at that instant: its reason says how.
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        for (const QueueEntry& e : h.queueAt(static_cast<int>(l), QueueKind::Syn, tr.at - Time::ns(1))) {
            if (e.flow != client || e.left != tr.at) continue;
            if (e.reason == LeaveReason::Expired) return QStringLiteral("SYN-ACK retries ran out");
            if (e.reason == LeaveReason::Reset) return QStringLiteral("reset");
        }
    }
    return {};
}

// Whether the SYN-ACK that connected the client carried a SYN cookie (S6: the server kept nothing).
// A backwards look through the packets sent during the handshake, bounded for a flood's sake.
bool connectedByCookie(const Simulation& sim, std::uint32_t client, Time t) {
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[client];
    if (rec.connectedAt > t) return false;
    const auto [first, end] = h.packetsSentIn(rec.connectAt, rec.connectedAt);
    constexpr std::uint32_t kLookAtMost = 200'000;
    for (std::uint32_t i = end; i > first && end - i < kLookAtMost; --i) {
        const Packet pk = h.packet(i - 1);
        if (pk.flow == client && !pk.toServer && pk.kind == PacketKind::SynAck &&
            pk.arrives == rec.connectedAt)
            return pk.cookie;
    }
    return false;
}

} // namespace

// ---- the public queries ----

StateKey StateDiagramRenderer::Transition::fromKey() const {
    if (side == Side::Client)
        return first ? StateKey{side, TcpState::Closed, true} : StateKey{side, from, false};
    // A server socket comes from the listener: the first one, and a new request after an earlier one
    // for the same client was dropped (its SYN retransmitted after the request expired).
    if (first || (from == TcpState::Closed && (to == TcpState::SynRecv || to == TcpState::Established)))
        return {side, TcpState::Listen, true};
    return {side, from, false};
}

StateKey StateDiagramRenderer::boxOf(Side side, TcpState state, bool opened) {
    if (!opened) return {side, side == Side::Client ? TcpState::Closed : TcpState::Listen, true};
    return {side, state, false};
}

QString StateDiagramRenderer::stateName(TcpState state) {
    switch (state) {
    case TcpState::Closed:
        return QStringLiteral("CLOSED");
    case TcpState::Listen:
        return QStringLiteral("LISTEN");
    case TcpState::SynSent:
        return QStringLiteral("SYN-SENT");
    case TcpState::SynRecv:
        return QStringLiteral("SYN-RECV");
    case TcpState::Established:
        return QStringLiteral("ESTABLISHED");
    case TcpState::FinWait1:
        return QStringLiteral("FIN-WAIT-1");
    case TcpState::FinWait2:
        return QStringLiteral("FIN-WAIT-2");
    case TcpState::CloseWait:
        return QStringLiteral("CLOSE-WAIT");
    case TcpState::LastAck:
        return QStringLiteral("LAST-ACK");
    case TcpState::Closing:
        return QStringLiteral("CLOSING");
    case TcpState::TimeWait:
        return QStringLiteral("TIME-WAIT");
    }
    return latin1(ssStateName(state));
}

QString StateDiagramRenderer::formatAt(Time t) {
    const std::int64_t ns = t.count();
    const std::int64_t whole = ns / 1'000'000'000;
    std::int64_t frac = ns % 1'000'000'000;
    if (frac < 0) frac = -frac;
    QString digits = QStringLiteral("%1").arg(frac, 9, 10, QLatin1Char('0'));
    if (frac % 1'000'000 == 0)
        digits.truncate(3);
    else if (frac % 1'000 == 0)
        digits.truncate(6);
    const QString sign = ns < 0 && whole == 0 ? QStringLiteral("-") : QString();
    return sign + QString::number(whole) + QLatin1Char('.') + digits + QStringLiteral(" s");
}

const StateDiagramRenderer::StateGeometry* StateDiagramRenderer::Geometry::state(const StateKey& key) const {
    for (const StateGeometry& s : machine(key.side).states)
        if (s.key == key) return &s;
    return nullptr;
}

const StateDiagramRenderer::EdgeGeometry* StateDiagramRenderer::Geometry::edge(const StateKey& from,
                                                                               const StateKey& to) const {
    if (from.side != to.side) return nullptr;
    for (const EdgeGeometry& e : machine(from.side).edges)
        if (e.from == from && e.to == to) return &e;
    return nullptr;
}

StateDiagramRenderer::Geometry StateDiagramRenderer::layout(const QRectF& target) const {
    Geometry g;
    g.target = target;
    g.unit = std::min(target.width() / kStates.refWidth, target.height() / kStates.refHeight);
    g.textUnit = std::max(g.unit, kStates.minTextUnit);
    const double u = g.unit;
    const double margin = kStates.panels.margin * u;
    const double gap = kStates.panels.gap * u;
    const double width = std::max(0.0, (target.width() - 2 * margin - gap) / 2);
    const QRectF left(target.left() + margin, target.top() + margin, width,
                      std::max(0.0, target.height() - 2 * margin));
    const QRectF right(left.right() + gap, left.top(), width, left.height());
    g.client = layoutMachine(Side::Client, left, u, g.textUnit);
    g.server = layoutMachine(Side::Server, right, u, g.textUnit);
    g.hint = QRectF(QPointF(g.client.caption.left(), g.client.caption.top()), g.server.caption.bottomRight());
    return g;
}

StateDiagramRenderer::LitStates StateDiagramRenderer::litStates(const Simulation& sim, Time t,
                                                                std::uint32_t client) const {
    LitStates lit;
    lit.clientBox = boxOf(Side::Client, TcpState::Closed, false);
    lit.serverBox = boxOf(Side::Server, TcpState::Closed, false);
    if (!validClient(sim, client)) return lit;
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[client];
    lit.client = h.clientStateAt(client, t);
    lit.server = h.serverStateAt(client, t);
    lit.clientBox = boxOf(Side::Client, lit.client, openedBy(rec.states, t));
    lit.serverBox = boxOf(Side::Server, lit.server, openedBy(rec.serverStates, t));
    return lit;
}

std::vector<StateDiagramRenderer::Transition>
StateDiagramRenderer::transitions(const Simulation& sim, Time t, std::uint32_t client, Side side) const {
    std::vector<Transition> out;
    if (!validClient(sim, client)) return out;
    const auto& changes = changesOf(sim.history().clients[client], side);
    TcpState before = TcpState::Closed;
    for (std::size_t i = 0; i < changes.size() && changes[i].first <= t; ++i) {
        out.push_back({side, before, changes[i].second, changes[i].first, i == 0, i});
        before = changes[i].second;
    }
    return out;
}

std::optional<StateDiagramRenderer::Transition>
StateDiagramRenderer::lastTransition(const Simulation& sim, Time t, std::uint32_t client, Side side) const {
    if (!validClient(sim, client)) return std::nullopt;
    const auto& changes = changesOf(sim.history().clients[client], side);
    // The last change at or before t, found by bisection like History's own "at t" answers.
    const auto it = std::upper_bound(changes.begin(), changes.end(), t,
                                     [](Time x, const std::pair<Time, TcpState>& c) { return x < c.first; });
    if (it == changes.begin()) return std::nullopt;
    const auto i = static_cast<std::size_t>(std::distance(changes.begin(), it)) - 1;
    const TcpState before = i == 0 ? TcpState::Closed : changes[i - 1].second;
    return Transition{side, before, changes[i].second, changes[i].first, i == 0, i};
}

StateDiagramRenderer::QueueNote StateDiagramRenderer::queueNote(const Simulation& sim, Time t,
                                                                std::uint32_t client) const {
    QueueNote note;
    if (!validClient(sim, client)) return note;
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[client];
    if (rec.connectAt > t) return note;
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        for (QueueKind q : {QueueKind::Syn, QueueKind::Accept}) {
            for (const QueueEntry& e : h.queueAt(static_cast<int>(l), q, t)) {
                if (e.flow != client) continue;
                note.kind = q == QueueKind::Syn ? QueueNote::Kind::SynQueue : QueueNote::Kind::AcceptQueue;
                note.listener = static_cast<int>(l);
                note.since = e.entered;
                return note;
            }
        }
    }
    if (rec.acceptedAt <= t) {
        note.kind = QueueNote::Kind::Accepted;
        note.since = rec.acceptedAt;
    }
    return note;
}

bool StateDiagramRenderer::isGhost(const Simulation& sim, Time t, std::uint32_t client) const {
    if (!validClient(sim, client)) return false;
    const History& h = sim.history();
    const ClientRecord& rec = h.clients[client];
    if (rec.error != ClientError::None && rec.errorAt <= t) return false;
    if (rec.acceptedAt <= t || rec.connectedAt > t) return false;
    const TcpState c = h.clientStateAt(client, t);
    if (c != TcpState::Established && c != TcpState::FinWait1 && c != TcpState::FinWait2) return false;
    // The final ACK's flight: rtt/2 plus the jitter's most (the scenario's network; StageRenderer uses
    // the longest recorded flight, which is the same bound unless a lesson changes the network).
    const NetworkSettings& net = sim.scenario().network;
    const Time flight = net.rtt / 2 + net.jitter;
    return h.serverStateAt(client, t) == TcpState::Closed && t - rec.connectedAt >= flight;
}

namespace {

using Renderer = StateDiagramRenderer;

// A note under a machine's title, in its colour and weight.
struct Note {
    QString text;
    QColor colour;
    bool bold = false;
};

// The client's note: how connect() is going.
Note clientNote(const Ctx& c, const ClientRecord& rec, Time t) {
    if (rec.error != ClientError::None && rec.errorAt <= t)
        return {QStringLiteral("%1 at %2")
                    .arg(latin1(clientErrorName(rec.error)), Renderer::formatAt(rec.errorAt)),
                c.th.alert, true};
    if (rec.connectedAt <= t)
        return {QStringLiteral("connect() returned at %1").arg(Renderer::formatAt(rec.connectedAt)),
                c.th.mutedText};
    if (rec.connectAt <= t)
        return {QStringLiteral("in connect() since %1").arg(Renderer::formatAt(rec.connectAt)),
                c.th.mutedText};
    if (!rec.connectAt.isNever())
        return {QStringLiteral("calls connect() at %1").arg(Renderer::formatAt(rec.connectAt)),
                c.th.mutedText};
    return {QString(), c.th.mutedText};
}

// The server's note: a ghost, or where the connection is in the listener's queues.
Note serverNote(const Ctx& c, const Renderer& r, const Simulation& sim, Time t, std::uint32_t who) {
    const History& h = sim.history();
    if (r.isGhost(sim, t, who))
        return {QStringLiteral("ghost: no socket here, the client believes it is connected"), c.th.alert,
                true};
    const Renderer::QueueNote q = r.queueNote(sim, t, who);
    const QString of = h.listeners.size() > 1 ? QStringLiteral(" of listener %1").arg(q.listener) : QString();
    Note note{QString(), c.th.mutedText, q.kind != Renderer::QueueNote::Kind::None};
    switch (q.kind) {
    case Renderer::QueueNote::Kind::SynQueue:
        note.text = QStringLiteral("in SYN queue%1 since %2").arg(of, Renderer::formatAt(q.since));
        break;
    case Renderer::QueueNote::Kind::AcceptQueue:
        note.text = QStringLiteral("in accept queue%1 since %2").arg(of, Renderer::formatAt(q.since));
        break;
    case Renderer::QueueNote::Kind::Accepted:
        note.text = QStringLiteral("accepted at %1").arg(Renderer::formatAt(q.since));
        break;
    case Renderer::QueueNote::Kind::None:
        if (!openedBy(h.clients[who].serverStates, t))
            note.text = QStringLiteral("no socket for it yet (only the listener)");
        break;
    }
    if (note.bold) note.colour = c.th.text;
    return note;
}

// A machine's panel, its title and its note.
void machineHeader(const Ctx& c, const Renderer& r, const Renderer::MachineGeometry& m, const Simulation& sim,
                   Time t, bool selected, std::uint32_t who) {
    const Theme& theme = c.th;
    const History& h = sim.history();
    const bool isClient = m.side == Side::Client;
    c.p.setPen(QPen(theme.panelBorder, c.line(kStates.lines.panel)));
    c.p.setBrush(theme.panel);
    c.p.drawRoundedRect(m.frame, kStates.panels.radius * c.u, kStates.panels.radius * c.u);
    QString title;
    if (isClient)
        title =
            selected
                ? QStringLiteral("client %1 (%2)").arg(who).arg(QString::fromStdString(sim.peerAddress(who)))
                : QStringLiteral("client");
    else
        title = QStringLiteral("server %1:%2")
                    .arg(QString::fromStdString(sim.serverAddress()))
                    .arg(h.listeners.empty() ? 80 : h.listeners.front().port);
    c.fitted(m.title, Qt::AlignLeft | Qt::AlignVCenter, title, c.px(kStates.type.title), true, theme.text,
             kStates.type.least);
    Note note{QString(), theme.mutedText};
    if (selected) note = isClient ? clientNote(c, h.clients[who], t) : serverNote(c, r, sim, t, who);
    c.fitted(m.status, Qt::AlignLeft | Qt::AlignVCenter, note.text, c.px(kStates.type.note), note.bold,
             note.colour, kStates.type.least);
}

using LookedEdges = std::vector<std::pair<const Renderer::EdgeGeometry*, EdgeLook>>;

// The last transition's label: bold, on a tint of the highlight's colour (told apart by more than
// colour), with the moment it happened — on a line of its own beside a straight line with room for it;
// otherwise after the label, so that the label stays as high as the others and clear of a slanted line
// and its arrowhead.
void lastEdgeLabel(const Ctx& c, const Renderer::EdgeGeometry& e, int align, Time at) {
    const Theme& theme = c.th;
    const auto& type = kStates.type;
    const QString when = QStringLiteral("at ") + Renderer::formatAt(at);
    const QPointF first = e.path.size() > 1 ? e.path[1] - e.path[0] : QPointF();
    const bool slanted = std::abs(first.x()) > 1e-6 && std::abs(first.y()) > 1e-6;
    const QFontMetricsF fm(c.font(c.px(type.edge), true));
    const bool ownLine =
        !e.knockout && !slanted &&
        e.labelRect.height() >= fm.height() * static_cast<double>(e.label.count(QLatin1Char('\n')) + 2);
    QColor tint = theme.spotlight;
    tint.setAlphaF(0.3f);
    const QColor ground = blend(theme.panel, tint);
    const QString text =
        e.label +
        (ownLine || e.label.contains(QLatin1Char('\n')) ? QStringLiteral("\n") : QStringLiteral("  ")) + when;
    // Where even the smallest type cannot take the time too, the label alone (the caption
    // below the machine has the time).
    if (c.fitted(e.labelRect, align, text, c.px(type.edge), true, theme.text, type.least, &ground, false)
            .isEmpty())
        c.fitted(e.labelRect, align, e.label, c.px(type.edge), true, theme.text, type.least, &ground);
}

// Labels after every line, so that a knockout label is not crossed by a later edge.
void edgeLabels(const Ctx& c, const LookedEdges& edges, const std::vector<Renderer::Transition>& last) {
    const Theme& theme = c.th;
    const QColor knock = theme.panel;
    for (const auto& [e, look] : edges) {
        int align = e->labelAlign;
        // A label on its own line's arrowhead moves up, so that the arrowhead stays in view.
        if (e->knockout && e->labelRect.adjusted(-c.u, -c.u, c.u, c.u).contains(e->path.back()))
            align = (align & ~Qt::AlignVertical_Mask) | Qt::AlignTop;
        if (look != EdgeLook::Last) {
            c.fitted(e->labelRect, align, e->label, c.px(kStates.type.edge), look == EdgeLook::Trail,
                     look == EdgeLook::Trail ? theme.text : theme.mutedText, kStates.type.edgeLeast,
                     e->knockout ? &knock : nullptr);
            continue;
        }
        lastEdgeLabel(c, *e, align, last.back().at);
    }
}

// The last transition, spelled out under the machine.
void machineCaption(const Ctx& c, const Renderer::MachineGeometry& m, const Simulation& sim, Time t,
                    std::uint32_t who, const std::vector<Renderer::Transition>& last) {
    QString caption;
    QColor colour = c.th.mutedText;
    if (last.empty()) {
        caption = m.side != Side::Client && connectedByCookie(sim, who, t)
                      ? QStringLiteral("answered with a SYN cookie: no socket kept")
                      : QStringLiteral("no transition yet");
    } else {
        caption = QStringLiteral("last: %1 at %2").arg(chain(last), Renderer::formatAt(last.back().at));
        const QString why = closeReason(sim, who, last.back());
        if (!why.isEmpty()) caption += QStringLiteral(" (%1)").arg(why);
        colour = c.th.text;
    }
    c.fitted(m.caption, Qt::AlignLeft | Qt::AlignVCenter, caption, c.px(kStates.type.note), false, colour,
             kStates.type.least);
}

// A note across the two captions, on a card of its own since it straddles both panels.
void hintCard(const Ctx& c, const Renderer::Geometry& g) {
    const auto& k = kStates.marks;
    const QString hint = QStringLiteral("Select a connection (click a client or a queue slot)");
    const QRectF room = g.hint.adjusted(k.hintInset * c.u, 0, -k.hintInset * c.u, 0);
    int size = std::max(1, static_cast<int>(std::lround(c.px(kStates.type.hint))));
    QFontMetricsF fm(c.font(size, true));
    while (size > kStates.type.least &&
           (fm.horizontalAdvance(hint) + k.hintPadX * c.u > room.width() || fm.height() > room.height())) {
        --size;
        fm = QFontMetricsF(c.font(size, true));
    }
    QRectF card(0, 0, fm.horizontalAdvance(hint) + k.hintPadX * c.u,
                std::min(room.height(), fm.height() + k.hintPadY * c.u));
    card.moveCenter(room.center());
    c.p.setPen(QPen(c.th.panelBorder, c.line(kStates.lines.panel)));
    c.p.setBrush(c.th.listenerFill);
    c.p.drawRoundedRect(card, card.height() / 2, card.height() / 2);
    c.fitted(card, Qt::AlignCenter, hint, size, true, c.th.text, kStates.type.least);
}

} // namespace

void StateDiagramRenderer::paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t,
                                 const Theme& theme, std::optional<std::uint32_t> client,
                                 LabelOverflows* overflows) const {
    const Geometry g = layout(target);
    // A plain index and a flag from here on (GCC 12 cannot follow an optional through the branches).
    const bool selected = client.has_value() && validClient(sim, *client);
    const std::uint32_t who = selected ? *client : 0;
    p.save();
    p.setClipRect(target, Qt::IntersectClip);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.setRenderHint(QPainter::TextAntialiasing, true);
    p.fillRect(target, theme.background);
    const Ctx c{p, theme, g.unit, g.textUnit, overflows};

    SideState sides[2];
    if (selected) {
        const LitStates lit = litStates(sim, t, who);
        sides[0] = {transitions(sim, t, who, Side::Client), lit.clientBox};
        sides[1] = {transitions(sim, t, who, Side::Server), lit.serverBox};
    }

    for (const MachineGeometry* m : {&g.client, &g.server}) {
        const SideState& s = sides[m->side == Side::Client ? 0 : 1];
        machineHeader(c, *this, *m, sim, t, selected, who);

        // Edges: idle first, then the path so far, then the last transition on top of everything.
        LookedEdges edges;
        for (const EdgeGeometry& e : m->edges)
            edges.emplace_back(&e, lookOf(e, s));
        std::stable_sort(edges.begin(), edges.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
        for (const auto& [e, look] : edges)
            drawArrow(c, e->path, look);
        const std::vector<Transition> last = lastInstant(s.taken);
        edgeLabels(c, edges, last);

        const int nameSize = stateNameSize(c, *m);
        for (const StateGeometry& st : m->states)
            drawBox(c, st, s.lit && *s.lit == st.key, nameSize);

        if (selected) machineCaption(c, *m, sim, t, who, last);
    }

    if (!selected) hintCard(c, g);
    p.restore();
}

} // namespace backlog::views
