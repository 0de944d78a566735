// Drives a SimulationDocument's playhead from wall time (DESIGN.md "Playback: two clocks").
// A frame timer runs only while playing (STYLE.md pattern 4); each tick measures the wall time since
// the previous tick and lets the PlaybackClock turn it into simulated time. Views pull what they draw
// from (history, playhead) when the document says the playhead moved: nothing here knows about them.
#pragma once

#include "views/document/PlaybackClock.h"

#include <QElapsedTimer>
#include <QObject>

#include <cstdint>

class QTimer;

namespace backlog::views {

class SimulationDocument;

class Player : public QObject {
    Q_OBJECT
  public:
    // About 60 frames a second; a tick never accounts for more than kMaxTickWallNs of wall time, so a
    // stall (a debugger, a suspended laptop) pauses the picture instead of jumping over what it missed.
    static constexpr int kFrameIntervalMs = 16;
    static constexpr std::int64_t kMaxTickWallNs = 100'000'000;

    explicit Player(SimulationDocument* document, QObject* parent = nullptr);
    ~Player() override;

    bool isPlaying() const { return playing_; }
    const PlaybackClock& clock() const { return clock_; }
    PlaybackClock::Mode mode() const { return clock_.mode(); }
    QString description() const { return clock_.description(); } // "paced", "linear ×1/1000"

  public slots:
    // Plays from the playhead; at the end, from the start again. Does nothing without a history.
    void play();
    void pause();
    void toggle();
    void setMode(backlog::views::PlaybackClock::Mode mode);
    void setLinearSpeed(backlog::views::PlaybackClock::Factor speed);
    // The next step of the current mode's ladder: the linear speed, or the paced tempo.
    void faster();
    void slower();
    // Single steps to the next / previous send or arrival; they pause playback.
    void stepForward();
    void stepBackward();
    void jumpToStart(); // keeps playing if it was
    void jumpToEnd();   // stops: there is nothing left to play

    // Advances the playhead by `wallNanoseconds` of playback; stops at the end of the history. The frame
    // timer calls it with the measured wall time; tests call it directly to step time explicitly.
    void tick(std::int64_t wallNanoseconds);

    // A moment playback stops at on its way forward (a lesson's next step): a tick that would pass it
    // puts the playhead exactly there, forgets the barrier and says so; playing goes on unless whoever
    // listens pauses. Time::never(): none.
    void setBarrier(Time t) { barrier_ = t; }
    Time barrier() const { return barrier_; }

  signals:
    void playingChanged(bool playing);
    void barrierReached(backlog::Time t);
    void modeChanged(); // the mode, the linear speed or the paced tempo changed: description() too

  private:
    void onFrame();
    void setPlaying(bool playing);
    bool atEnd() const;

    SimulationDocument* document_;
    PlaybackClock clock_;
    QTimer* frameTimer_;
    QElapsedTimer wall_;
    std::int64_t lastFrameNs_ = 0;
    bool playing_ = false;
    Time barrier_ = Time::never();
};

} // namespace backlog::views
