// The timeline: simulated time from 0 to the end of the run, marks where SYNs and ACKs were dropped,
// where the accept queue overflowed and where SYN cookies were sent, and the playhead. Click or drag
// to scrub. The marks are binned once per run (a flood has millions of packets), not per frame.
#pragma once

#include "model/kernel/Simulation.h"

#include <QWidget>

#include <vector>

namespace backlog::views {

// Per bin of the run's time span: how many drops of each family happened there.
struct TimelineMarks {
    static constexpr int kBins = 2048;
    Time end;
    std::vector<std::uint32_t> overflows;  // ListenOverflows drops: a full accept queue (S2, A7, K1)
    std::vector<std::uint32_t> otherDrops; // SYN queue full, 3/4 rule, no route, rate limits, lost
    std::vector<std::uint32_t> cookies;    // cookie SYN-ACKs sent (S6)
    std::uint32_t peak = 0;
    // `end`: where the track ends when it is later than the run's (a longer run compared with it).
    static TimelineMarks of(const History& h, Time end = Time());
};

class TimelineView : public QWidget {
    Q_OBJECT
  public:
    explicit TimelineView(QWidget* parent = nullptr);
    // Recomputes the marks from the run (nullptr: none); the view keeps nothing else of it.
    // The run whose drops are marked; the track runs to `end` when that is later than the run's own end
    // (the document's end while it compares two runs).
    void setSimulation(const Simulation* sim, Time end = Time());
    void setPlayhead(Time t);
    Time playhead() const { return playhead_; }
    // A lesson's steps, marked above the track as numbered ticks (Time::never(): not reached; empty:
    // no lesson).
    void setStepTimes(std::vector<Time> times);
    const std::vector<Time>& stepTimes() const { return steps_; }
    const TimelineMarks& marks() const { return marks_; }
    // A question with `reveal: after-answer` is open (issue 16): the drops after the playhead are not
    // marked, since they would say what is about to happen.
    void setFutureConcealed(bool concealed);
    bool isFutureConcealed() const { return futureConcealed_; }
    // Where on the widget a time is drawn, and back.
    double xOf(Time t) const;
    Time timeAt(double x) const;
    QSize sizeHint() const override { return {600, steps_.empty() ? 48 : 60}; }
    QSize minimumSizeHint() const override { return {200, steps_.empty() ? 40 : 52}; }

  signals:
    void seekRequested(backlog::Time t);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;

  private:
    QRectF track() const;
    bool hasRun_ = false;
    TimelineMarks marks_;
    Time playhead_;
    std::vector<Time> steps_;
    bool futureConcealed_ = false;
};

} // namespace backlog::views
