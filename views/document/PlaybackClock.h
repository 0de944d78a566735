// How wall time moves the playhead (DESIGN.md "Playback: two clocks"). Plain logic with no widgets
// and no state that changes while playing: the new simulated time is a function of (mode, speed, from,
// wall time, history), so playback is repeatable and testable frame by frame. Wall time, simulated time
// and the frame rate stay apart (STYLE.md, OMNeT++): the caller measures wall time, this class turns
// it into simulated time, and the views draw (history, t).
//
// Linear: t' = t + wall × speed, rounded down to the nanosecond; speed runs from 1/10,000× to 100×.
//
// Paced (the default for lessons). Sends and arrivals (History::nextMoment) cut simulated time into
// segments; within one segment the set of packets in flight does not change, so each segment gets one
// rate (simulated ns per wall ns), chosen from the history alone:
//
//   * Packets in flight: rate = shortest flight in flight / kPacedFlight (0.8 s). While a packet is in
//     flight the rate never exceeds its own flight / 0.8 s, so every flight takes at least 0.8 s of
//     wall time, whatever its length: a 10 µs LAN hop and a 20 ms WAN hop both cross the stage in
//     0.8 s (a 2 s hop, the longest network.rtt allows, too). 0.8 s is long enough to read the label
//     of a moving packet and short enough that a three-way handshake takes about 2.4 s.
//
//   * Nothing in flight (a quiet gap of length G between two moments, or from the last one to the end):
//     the gap is crossed in
//         W(G) = kPacedGap × min(1, ln(1 + G / 1 ms) / ln(1 + 10 s / 1 ms))     (kPacedGap = 0.6 s)
//     of wall time at a constant rate G / W(G). Every decade of quiet adds about the same wall time, so
//     longer waits still look longer — 1 ms ≈ 0.05 s, 150 ms ≈ 0.33 s, 1 s ≈ 0.45 s, 7 s ≈ 0.58 s —
//     but no gap, not even a 131 s timeout, takes more than 0.6 s: a glide, not a cut. W(G) < 0.8 s,
//     so a quiet gap always moves faster than a flight of the same length would.
//
//   * A step never passes a moment: it stops on the next send or arrival and the rest of that frame's
//     wall time is dropped (the "hold" of OMNeT++'s animation). Every moment is therefore drawn in at
//     least one frame, even moments microseconds apart; a burst of moments is stretched to one frame
//     each. (This makes a large flood slow in paced mode: linear mode is the one for floods.)
//
//   Rounding keeps the guarantees: steps inside a flight are rounded down (flights only get longer),
//   steps across a quiet gap are rounded up (a gap takes at most W(G), then up to a whole frame because
//   it ends on a frame). Every step moves at least 1 ns, so playback always reaches the end.
//
// The paced tempo (faster/slower in paced mode) divides both wall-time constants: at paced ×2 a flight
// takes at least 0.4 s and a gap at most 0.3 s.
#pragma once

#include "model/core/Time.h"

#include <QString>

#include <cstdint>

namespace backlog {
class History;
}

namespace backlog::views {

class PlaybackClock {
  public:
    enum class Mode { Linear, Paced };

    // A speed or tempo factor as a fraction: ×1/1000 is {1, 1000}.
    struct Factor {
        std::int64_t num = 1;
        std::int64_t den = 1;
        friend bool operator==(const Factor& a, const Factor& b) { return a.num * b.den == b.num * a.den; }
    };

    static constexpr Factor kMinLinearSpeed{1, 10'000};
    static constexpr Factor kMaxLinearSpeed{100, 1};
    static constexpr Factor kMinPacedTempo{1, 4};
    static constexpr Factor kMaxPacedTempo{10, 1};
    // Paced mode: the least wall time a packet's flight takes, and the most a quiet gap takes (at tempo 1).
    static constexpr std::int64_t kPacedFlightWallNs = 800'000'000;
    static constexpr std::int64_t kPacedGapWallNs = 600'000'000;
    // W(G) grows with ln(1 + G / knee) and reaches kPacedGapWallNs at G = kPacedGapFull.
    static constexpr Time kPacedGapKnee = Time::ms(1);
    static constexpr Time kPacedGapFull = Time::s(10);

    Mode mode() const { return mode_; }
    void setMode(Mode m) { mode_ = m; }

    // Linear speed, clamped to [1/10,000, 100]; stepped along the ladder 1/10000, 1/1000, 1/100, 1/10,
    // 1/4, 1/2, 1, 2, 5, 10, 100.
    Factor linearSpeed() const { return linearSpeed_; }
    void setLinearSpeed(Factor f);
    // Paced tempo, clamped to [1/4, 10]; stepped along 1/4, 1/2, 1, 2, 5, 10.
    Factor pacedTempo() const { return pacedTempo_; }
    void setPacedTempo(Factor f);

    // The next step of the current mode's ladder (the linear speed or the paced tempo). Returns false
    // when already at the end of the ladder.
    bool faster();
    bool slower();

    // The simulated time after `wallNanoseconds` of playback from `from`, never past h.end and never
    // before `from`.
    Time advance(Time from, std::int64_t wallNanoseconds, const History& h) const;

    // The wall time a quiet gap of simulated length `gap` takes in paced mode, W(G) above (at tempo 1).
    static std::int64_t quietGapWallNs(Time gap);

    // The next / previous moment (a send or an arrival) after / before t, for single-stepping: h.end
    // after the last moment, 0 before the first.
    static Time stepForward(Time t, const History& h);
    static Time stepBackward(Time t, const History& h);

    // For the status bar: "paced", "paced ×2", "linear ×1", "linear ×1/1000".
    QString description() const;
    static QString factorText(Factor f); // "×1/1000", "×100"

  private:
    Time advancePaced(Time from, std::int64_t wall, const History& h) const;

    Mode mode_ = Mode::Paced;
    Factor linearSpeed_{1, 1};
    Factor pacedTempo_{1, 1};
};

} // namespace backlog::views
