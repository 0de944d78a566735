// The ladder diagram: a sequence diagram of one or several connections, like Wireshark's flow graph.
// A vertical line per selected client and one for the server; each segment an arrow from where and when
// it left to where and when it arrived (or the ✕ where it was dropped, naming the rule); bars on the
// server line for the time the connection spent in the SYN queue, in the accept queue and with a worker.
// Time runs downwards, one row per moment something happened (a handshake takes microseconds and a
// retransmission seconds: no single linear scale shows both), and the view scrolls with the playhead.
//
// One painting path, as the stage (DESIGN.md point 5): paint() takes a QPainter and a target, so the
// widget, export and the tests draw the same picture; layout() gives the tests its geometry.
#pragma once

#include "model/history/History.h"
#include "views/render/Fonts.h"
#include "views/render/Theme.h"

#include <QPointF>
#include <QRectF>
#include <QString>

#include <cstdint>
#include <memory>
#include <vector>

class QPainter;

namespace backlog {
class Simulation;
}

namespace backlog::views {

class LadderRenderer {
  public:
    struct Arrow {
        std::uint32_t packet = 0;
        int column = 0; // which client's line
        QPointF from, to;
        QString label;       // "SYN", "SYN #2", "SYN-ACK (cookie)", "data", "RST" …
        QString fate;        // empty when delivered; else why it was dropped
        bool future = false; // sent after t
    };
    struct Bar {
        enum class Kind { SynQueue, AcceptQueue, Worker } kind = Kind::SynQueue;
        int column = 0;
        QRectF rect;
        QString label;
        bool open = false; // still going at the end of the history
    };
    struct Row {
        Time at;
        double y = 0;
    };
    struct Geometry {
        QRectF target;
        double unit = 1;
        QRectF header;
        std::vector<double> clientX; // one line per selected client, in selection order
        double serverX = 0;
        double timeColumn = 0; // right edge of the time labels
        std::vector<Row> rows; // every moment, top to bottom (after scrolling)
        std::vector<Arrow> arrows;
        std::vector<Bar> bars;
        double playheadY = 0;
        double scroll = 0; // content pixels above the visible area
    };

    LadderRenderer();
    ~LadderRenderer();
    LadderRenderer(const LadderRenderer&) = delete;
    LadderRenderer& operator=(const LadderRenderer&) = delete;

    // The layout at t, scrolled so that the playhead sits in the middle of the target when it can.
    Geometry layout(const QRectF& target, const Simulation& sim, Time t,
                    const std::vector<std::uint32_t>& clients) const;
    // Every label is fitted into its box (Fonts.h drawLabel); one that does not fit is added to
    // `overflows` when given (tests/views/render/tst_labelsfit).
    void paint(QPainter& p, const QRectF& target, const Simulation& sim, Time t, const Theme& theme,
               const std::vector<std::uint32_t>& clients, LabelOverflows* overflows = nullptr) const;
    // The simulated time at a height of the target (a click seeks there): interpolated between rows.
    Time timeAt(double y, const Geometry& g) const;

  private:
    struct Trace;
    const Trace& trace(const Simulation& sim, const std::vector<std::uint32_t>& clients) const;
    mutable std::unique_ptr<Trace> trace_;
};

} // namespace backlog::views
