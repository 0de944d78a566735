#include "views/document/Player.h"

#include "views/document/SimulationDocument.h"

#include <QTimer>

#include <algorithm>

namespace backlog::views {

Player::Player(SimulationDocument* document, QObject* parent)
    : QObject(parent), document_(document), frameTimer_(new QTimer(this)) {
    frameTimer_->setObjectName(QStringLiteral("frameTimer"));
    frameTimer_->setTimerType(Qt::PreciseTimer);
    frameTimer_->setInterval(kFrameIntervalMs);
    connect(frameTimer_, &QTimer::timeout, this, &Player::onFrame);
    // A new history starts paused at its beginning (the document resets the playhead).
    connect(document_, &SimulationDocument::loaded, this, &Player::pause);
}

Player::~Player() = default;

bool Player::atEnd() const {
    return document_->playhead() >= document_->end();
}

void Player::setPlaying(bool playing) {
    if (playing == playing_) return;
    playing_ = playing;
    if (playing) {
        wall_.start();
        lastFrameNs_ = 0;
        frameTimer_->start();
    } else {
        frameTimer_->stop();
    }
    emit playingChanged(playing);
}

void Player::play() {
    if (!document_->isLoaded() || document_->end() <= Time()) return;
    if (atEnd()) document_->setPlayhead(Time());
    setPlaying(true);
}

void Player::pause() {
    setPlaying(false);
}

void Player::toggle() {
    if (playing_)
        pause();
    else
        play();
}

void Player::setMode(PlaybackClock::Mode mode) {
    if (mode == clock_.mode()) return;
    clock_.setMode(mode);
    emit modeChanged();
}

void Player::setLinearSpeed(PlaybackClock::Factor speed) {
    const PlaybackClock::Factor before = clock_.linearSpeed();
    clock_.setLinearSpeed(speed);
    if (!(clock_.linearSpeed() == before)) emit modeChanged();
}

void Player::faster() {
    if (clock_.faster()) emit modeChanged();
}

void Player::slower() {
    if (clock_.slower()) emit modeChanged();
}

void Player::stepForward() {
    pause();
    if (!document_->isLoaded()) return;
    const History& history = document_->simulation().history();
    document_->setPlayhead(PlaybackClock::stepForward(document_->playhead(), history));
}

void Player::stepBackward() {
    pause();
    if (!document_->isLoaded()) return;
    const History& history = document_->simulation().history();
    document_->setPlayhead(PlaybackClock::stepBackward(document_->playhead(), history));
}

void Player::jumpToStart() {
    document_->setPlayhead(Time());
}

void Player::jumpToEnd() {
    pause();
    document_->setPlayhead(document_->end());
}

void Player::onFrame() {
    const std::int64_t now = wall_.nsecsElapsed();
    const std::int64_t elapsed = std::clamp<std::int64_t>(now - lastFrameNs_, 0, kMaxTickWallNs);
    lastFrameNs_ = now;
    tick(elapsed);
}

void Player::tick(std::int64_t wallNanoseconds) {
    if (!document_->isLoaded()) {
        pause();
        return;
    }
    const History& history = document_->simulation().history();
    const Time from = document_->playhead();
    const Time to = clock_.advance(from, wallNanoseconds, history);
    if (!barrier_.isNever() && from <= barrier_ && to >= barrier_) {
        const Time at = barrier_;
        barrier_ = Time::never();
        // Whoever set the barrier hears of it first and usually moves the playhead there itself (a
        // lesson entering its step), so that nobody mistakes the move for a seek.
        emit barrierReached(at); // may pause, and may set the next barrier
        if (document_->playhead() == from) document_->setPlayhead(at);
        if (playing_ && atEnd()) pause();
        return;
    }
    document_->setPlayhead(to);
    if (atEnd()) pause();
}

} // namespace backlog::views
