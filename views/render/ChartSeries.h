// The numbers the charts draw, computed from a run (issue 5: charts). Pure functions from a Simulation
// to plain vectors: no Qt Charts type here, so that tests compare them with the model directly and the
// charting library can be swapped (Qt Charts is deprecated from Qt 6.10; STYLE.md pattern 7).
//
// Conventions:
// - x is simulated time in seconds (a double computed from the integer nanoseconds, so the same Time
//   always gives the same x), except in the latency histogram, where x is connect() latency in seconds.
// - A "step series" is a list of change points (x, value): the value holds from x until the next
//   point's x, and is 0 before the first point. stairs() turns it into the polyline that draws it.
// - Per-second rates are counted in bins of rateBin(end): one simulated second, sar's own interval, or
//   a finer bin for a short run (the chart's axis title says which), divided by the bin's width.
#pragma once

#include "model/kernel/Simulation.h"

#include <QPointF>
#include <QString>

#include <cstdint>
#include <vector>

namespace backlog::views::charts {

inline double seconds(Time t) {
    return static_cast<double>(t.count()) / 1e9;
}

// ---------------------------------------------------------------- step series

// The value of a step series at x: the last change at or before x (0 before the first).
double valueAt(const std::vector<QPointF>& steps, double x);
// The polyline that draws a step series up to endX: a horizontal run from each change to the next,
// then a vertical jump. Two points per change (one when the value does not move), plus the end.
std::vector<QPointF> stairs(const std::vector<QPointF>& steps, double endX);

// Level of detail for a polyline sorted by x (DESIGN.md: fast with hundreds of thousands of points).
// Within [x0, x1] split into `columns` pixel columns, each column keeps its minimum and its maximum
// point in the order they occur (so a one-point spike survives), plus the points where a run of empty
// columns begins and ends (so a long horizontal run stays exactly where it was). One point before x0
// and one after x1 are kept so the line leaves the plot at the right height. A polyline with no more
// than two points per column in the range is returned unchanged (clipped to the range the same way).
std::vector<QPointF> decimateMinMax(const std::vector<QPointF>& polyline, double x0, double x1, int columns);

// ---------------------------------------------------------------- queues

struct QueueSeries {
    // Step series of listener `listener` (ListenerRecord::changes).
    std::vector<QPointF> accept;         // Recv-Q: sk_ack_backlog
    std::vector<QPointF> syn;            // request sockets in SYN-RECV (qlen)
    std::vector<QPointF> acceptCapacity; // backlog + 1 (Q1: sk_acceptq_is_full() is `>`)
    std::vector<QPointF> synCapacity;    // backlog + 1 from 6.13, backlog before (Q2)
    std::int64_t maxAccept = 0, maxSyn = 0, maxCapacity = 0;
};
QueueSeries queueSeries(const Simulation& sim, int listener);

// ---------------------------------------------------------------- rates

// Counts of events per bin [start + i·width, start + (i+1)·width) over [0, end].
struct Bins {
    Time width = Time::s(1);
    std::vector<std::int64_t> counts;
    std::int64_t total() const;
    double perSecond(std::size_t i) const;
    // The per-second rate as a step series (one change per bin, and 0 after the last bin).
    std::vector<QPointF> rateSteps() const;
};

// The bin for per-second rates: 1 s (sar -n TCP,ETCP 1) for runs of 10 s and more; 100 ms, 10 ms … for
// shorter ones, so that a short lesson still shows a shape (at least ten bins).
Time rateBin(Time end);
// "per second" or "per second (100 ms bins)", for the axis title.
QString rateAxisTitle(Time bin);

Bins binTimes(const std::vector<Time>& times, Time end, Time width);
// What one counter of one host went up by in each bin, read from the counter log at the bins' edges
// (a gauge's net decrease in a bin counts as 0: a rate counts events).
Bins counterPerBin(const Simulation& sim, Host host, Counter counter, Time width);

// Drops (and losses) by the rule that made them, from the packets' fates: a server drop is counted when
// the packet arrives, a loss in the network when it was sent. Only reasons that happened are listed.
struct DropsByReason {
    PacketFate fate;
    Bins bins;
};
bool isDrop(PacketFate f);
bool isListenOverflow(PacketFate f);   // counted by TcpExtListenOverflows (S2, A7a, K1)
QString dropReasonLabel(PacketFate f); // "SYN, accept queue full (S2)": what was dropped, why, the rule
std::vector<DropsByReason> dropsByReason(const Simulation& sim, Time width);

// accept() returning a connection (ClientRecord::acceptedAt).
Bins acceptsPerBin(const Simulation& sim, Time width);

// What `sar -n TCP,ETCP 1` prints as active/s, passive/s and retrans/s, for the server and for the
// clients' host (TcpActiveOpens, TcpPassiveOpens, TcpRetransSegs).
struct SarRates {
    Bins serverPassive, serverActive, serverRetrans;
    Bins clientsActive, clientsRetrans;
};
SarRates sarRates(const Simulation& sim, Time width);

// ---------------------------------------------------------------- workers

// Wake-ups per bin, summed over every worker (WorkerRecord::wakeups, futile, eagain; P2, P3, M20): all of
// them, the futile ones (woken, no connection for it: asleep again or EAGAIN), and of those the ones
// that got EAGAIN. From the History alone, so a test can build one by hand.
struct WakeupRates {
    Bins wakeups, futile, eagain;
};
WakeupRates wakeupRates(const History& h, Time width);

// Utilisation: the fraction of the running workers (started, not stopped) that are serving a
// connection, as a step series from 0 to 1 over every worker's changes (WorkerRecord::changes).
std::vector<QPointF> utilisation(const Simulation& sim);
// Connections waiting for a worker: the accept queues of every listener, summed (step series).
std::vector<QPointF> waitingForAccept(const Simulation& sim);
// Saturation, as the course material defines it (more load than the workers can take, so that queuing
// is seen): 1 while a listener's accept queue holds a connection and none of its workers is idle
// (blocked in accept(), in epoll_wait()), and for `dropMark` after a SYN or ACK is dropped by a full
// queue (S1, S2, S5, A7a, K1); else 0. A step series. The microseconds a connection waits while an idle
// worker wakes up do not count.
std::vector<QPointF> saturation(const Simulation& sim, Time dropMark);

// ---------------------------------------------------------------- connect() latency

// connect() latency (connectedAt − connectAt) of every client whose connect() returned success.
struct LatencyHistogram {
    Time binWidth;
    std::vector<std::uint32_t> counts; // bin i: [i·binWidth, (i+1)·binWidth)
    std::uint32_t total = 0;
    Time slowest;
    // The histogram's outline as a step series (x: latency in seconds).
    std::vector<QPointF> steps() const;
    // Grouped bars, for histograms of several runs side by side: this one's bars drawn in part `slot` of
    // `parts` equal parts of each bin (0 elsewhere), as a step series. steps() is slot 0 of 1.
    std::vector<QPointF> stepsInSlot(int slot, int parts) const;
};
LatencyHistogram latencyHistogram(const Simulation& sim, Time binWidth);
// When the clients' SYN retransmissions were sent, after their first SYN: for the k-th retransmission,
// the median over the clients that sent one (about 1, 3, 7, 15 s with classic backoff; 1, 2, 3, 4, 5,
// 7 s with tcp_syn_linear_timeouts). Read from the run (ClientRecord::synTimes), not recomputed, so
// the timer wheel's rounding (M11) is in it. Where the latency histogram's clusters are expected.
std::vector<double> synRetransmissionTimes(const Simulation& sim);

} // namespace backlog::views::charts
