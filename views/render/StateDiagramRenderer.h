// The TCP state diagram (issue 5): the client's and the server's state machines side by side, in the
// RFC 793 / Stevens arrangement (opening down the middle, the active close on the left, the passive close
// on the right, CLOSED at the bottom), restricted to the states and transitions the model records in
// History (ClientRecord::states and ::serverStates). For the selected connection the boxes of its two
// sockets' states at t are lit, the transition each side took last (at or before t) is drawn highlighted
// with the moment it happened, and the path taken before it is drawn darker. Edges carry the usual
// "received / sent" labels. accept() is not a TCP transition: where the connection sits in the
// listener's queues is a note above the server's machine instead.
//
// Two boxes stand for "no socket": the client's CLOSED at the top (before connect()) and the server's
// LISTEN at the top (only the listener exists: no request or child for this connection yet, as in
// RFC 793's passive open); both sides end in the CLOSED bar at the bottom. History says Closed for
// both ("serverStateAt: Closed when the server has none"); whether the socket has existed by t tells
// them apart (LitStates, StateKey::initial).
//
// One painting path (DESIGN.md point 5), as StageRenderer: paint() takes a QPainter and a target, so the
// widget, export and the golden-image tests draw the same picture. layout() depends on the target only —
// never on the theme, the simulation or t — so the tests see the rectangles paint() fills; text is
// fitted into the label rectangles at paint time (the projector's larger type shrinks where room is
// short). Nothing is cached: one renderer may serve any number of threads.
#pragma once

#include "model/history/History.h"
#include "views/render/Fonts.h"
#include "views/render/Theme.h"

#include <QPointF>
#include <QPolygonF>
#include <QRectF>
#include <QString>

#include <cstdint>
#include <optional>
#include <vector>

class QPainter;

namespace backlog {
class Simulation;
}

namespace backlog::views {

class StateDiagramRenderer {
  public:
    enum class Side : std::uint8_t { Client, Server };

    // A box of the diagram. `initial` marks the box a socket starts from: the client's CLOSED before
    // connect(), the server's LISTEN (state Listen) before it has a socket for the connection.
    struct StateKey {
        Side side = Side::Client;
        TcpState state = TcpState::Closed;
        bool initial = false;
        bool operator==(const StateKey&) const = default;
    };

    // ---- the layout: shared by paint() and the tests ----
    struct StateGeometry {
        StateKey key;
        QRectF rect;
        QString name; // "SYN-SENT", "ESTABLISHED", …
    };
    struct EdgeGeometry {
        StateKey from, to;
        QString label;         // "SYN-ACK / ACK": what is received / what is sent ('\n' breaks a line)
        QPolygonF path;        // from the source box's border to the target's; the arrowhead is at the end
        QRectF labelRect;      // the room for the label: the text is fitted into it
        int labelAlign = 0;    // Qt::Alignment flags within labelRect
        bool knockout = false; // the label sits on the line, on the panel's colour
    };
    struct MachineGeometry {
        Side side = Side::Client;
        QRectF frame;   // the panel
        QRectF title;   // "client 3 (10.1.0.1:32771)", "server 10.0.0.1:80"
        QRectF status;  // one note: connect()'s outcome; queue membership, a ghost
        QRectF diagram; // where the boxes and edges are
        QRectF caption; // the last transition: "SYN-SENT → ESTABLISHED at 0.040 s"
        std::vector<StateGeometry> states;
        std::vector<EdgeGeometry> edges;
    };
    struct Geometry {
        QRectF target;
        double unit = 1;     // the target's scale against the 960 × 540 reference
        double textUnit = 1; // the same for type, kept readable in a small dock (at least 0.7)
        MachineGeometry client, server;
        QRectF hint; // across both captions: "Select a connection …" when none is
        const MachineGeometry& machine(Side side) const { return side == Side::Client ? client : server; }
        const StateGeometry* state(const StateKey& key) const;
        const EdgeGeometry* edge(const StateKey& from, const StateKey& to) const;
    };

    // ---- what is drawn for a connection at t: read from the History, used by paint() ----
    struct LitStates {
        TcpState client = TcpState::Closed; // History::clientStateAt(client, t)
        TcpState server = TcpState::Closed; // History::serverStateAt(client, t)
        StateKey clientBox;                 // the box lit on each side
        StateKey serverBox;
    };
    // One recorded change of a socket's state: from the state before (Closed before the first) to `to`.
    struct Transition {
        Side side = Side::Client;
        TcpState from = TcpState::Closed;
        TcpState to = TcpState::Closed;
        Time at;
        bool first = false;    // the socket's first change: it leaves the initial box
        std::size_t index = 0; // into ClientRecord::states / serverStates
        StateKey fromKey() const;
        StateKey toKey() const { return {side, to, false}; }
        bool operator==(const Transition&) const = default;
    };
    // Where the connection is in the listener's queues at t (accept() is no TCP transition).
    struct QueueNote {
        enum class Kind : std::uint8_t { None, SynQueue, AcceptQueue, Accepted } kind = Kind::None;
        int listener = -1;
        Time since; // entered the queue; accept() returned it
        bool operator==(const QueueNote&) const = default;
    };

    Geometry layout(const QRectF& target) const;

    // Queries take a client index into History::clients; an index the run does not have gives the
    // defaults (nothing lit, no transitions).
    LitStates litStates(const Simulation& sim, Time t, std::uint32_t client) const;
    // Every transition of one side taken at or before t, in order.
    std::vector<Transition> transitions(const Simulation& sim, Time t, std::uint32_t client, Side side) const;
    // The last of them; nothing before the socket's first change.
    std::optional<Transition> lastTransition(const Simulation& sim, Time t, std::uint32_t client,
                                             Side side) const;
    QueueNote queueNote(const Simulation& sim, Time t, std::uint32_t client) const;
    // ESTABLISHED (or closing) at the client, no socket at the server once the final ACK had time to
    // arrive (the stage's ghost, StageRenderer): e.g. a cookie ACK dropped on a full accept queue.
    bool isGhost(const Simulation& sim, Time t, std::uint32_t client) const;

    // Without a client (or with one the run does not have), the machines are drawn unlit with a hint.
    // A label that cannot be set whole at the smallest size allowed is added to `overflows` when given
    // (Fonts.h LabelOverflow; tests/views/render/tst_labelsfit).
    void paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& theme,
               std::optional<std::uint32_t> client, LabelOverflows* overflows = nullptr) const;

    // The box that stands for `state` on `side`; `opened`: the socket has had a state change by then.
    static StateKey boxOf(Side side, TcpState state, bool opened);
    // "SYN-SENT", "ESTABLISHED", "TIME-WAIT": RFC 793's names (ss shortens some: ssStateName).
    static QString stateName(TcpState state);
    // "1.034 s", "2.080010 s": seconds with as many groups of three decimals as the instant needs.
    static QString formatAt(Time t);
};

} // namespace backlog::views
