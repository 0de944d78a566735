#include "views/document/LessonPlayer.h"

#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"

#include "model/lesson/LessonRun.h"
#include "model/tools/Comparison.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace backlog::views {

PlaybackClock::Factor lessonSpeedFactor(double speed) {
    const std::int64_t den = 10'000;
    const auto num = std::max<std::int64_t>(1, std::llround(speed * static_cast<double>(den)));
    const std::int64_t g = std::gcd(num, den);
    return {num / g, den / g};
}

LessonClock LessonClock::atStart(const Lesson& lesson) {
    return lesson.speed ? LessonClock{false, lessonSpeedFactor(*lesson.speed)} : LessonClock{};
}

LessonClock LessonClock::after(const Step& step) const {
    if (step.speed) return {false, lessonSpeedFactor(*step.speed)};
    if (step.paced) return {true, speed};
    return *this;
}

LessonPlayer::LessonPlayer(SimulationDocument* document, Player* player, QObject* parent)
    : QObject(parent), document_(document), player_(player) {
    connect(document_, &SimulationDocument::loaded, this, &LessonPlayer::reset);
    connect(document_, &SimulationDocument::playheadChanged, this, &LessonPlayer::followPlayhead);
    connect(player_, &Player::barrierReached, this, &LessonPlayer::onBarrier);
    connect(this, &LessonPlayer::stepChanged, this, &LessonPlayer::updateConcealing);
    connect(this, &LessonPlayer::answerChanged, this, &LessonPlayer::updateConcealing);
    // A comparison ended elsewhere (End Comparison, another file) is no longer the lesson's.
    connect(document_, &SimulationDocument::comparisonChanged, this, [this] {
        if (!document_->comparison()) comparing_ = -1;
    });
    connect(player_, &Player::playingChanged, this, [this](bool playing) {
        // An open question holds playback: it waits for an answer or a skip (Space does not get past it).
        if (playing && isWaitingForAnswer()) {
            player_->pause();
            return;
        }
        // The run played out after the last step: the lesson is over (the score is shown).
        if (!playing && isActive() && current_ == stepCount() - 1 &&
            document_->playhead() >= document_->end())
            setFinished(true);
    });
}

bool LessonPlayer::isActive() const {
    return document_->lesson() != nullptr;
}
const Lesson* LessonPlayer::lesson() const {
    return document_->lesson();
}
int LessonPlayer::stepCount() const {
    return isActive() ? static_cast<int>(lesson()->steps.size()) : 0;
}

Time LessonPlayer::stepTime(int step) const {
    const std::vector<Time>& times = document_->stepTimes();
    if (step < 0 || static_cast<std::size_t>(step) >= times.size()) return Time::never();
    return times[static_cast<std::size_t>(step)];
}

LessonPlayer::Answer LessonPlayer::answer(int step) const {
    return step >= 0 && static_cast<std::size_t>(step) < answers_.size()
               ? answers_[static_cast<std::size_t>(step)]
               : Answer::None;
}

std::optional<int> LessonPlayer::chosen(int step) const {
    return step >= 0 && static_cast<std::size_t>(step) < chosen_.size()
               ? chosen_[static_cast<std::size_t>(step)]
               : std::nullopt;
}

QDateTime LessonPlayer::answeredAt(int step) const {
    return step >= 0 && static_cast<std::size_t>(step) < answeredAt_.size()
               ? answeredAt_[static_cast<std::size_t>(step)]
               : QDateTime();
}

std::optional<double> LessonPlayer::given(int step) const {
    return step >= 0 && static_cast<std::size_t>(step) < given_.size()
               ? given_[static_cast<std::size_t>(step)]
               : std::nullopt;
}

void LessonPlayer::updateConcealing() {
    const bool concealing = isWaitingForAnswer() &&
                            lesson()->steps[static_cast<std::size_t>(current_)].question->revealAfterAnswer;
    if (concealing == concealing_) return;
    concealing_ = concealing;
    emit concealingChanged(concealing);
}

bool LessonPlayer::isWaitingForAnswer() const {
    if (!isActive() || current_ < 0) return false;
    return lesson()->steps[static_cast<std::size_t>(current_)].question && answer(current_) == Answer::None;
}

int LessonPlayer::questionCount() const {
    if (!isActive()) return 0;
    return static_cast<int>(std::count_if(lesson()->steps.begin(), lesson()->steps.end(),
                                          [](const Step& s) { return s.question.has_value(); }));
}

int LessonPlayer::rightAnswers() const {
    return static_cast<int>(std::count(answers_.begin(), answers_.end(), Answer::Right));
}

int LessonPlayer::answeredQuestions() const {
    return static_cast<int>(std::count_if(answers_.begin(), answers_.end(),
                                          [](Answer a) { return a == Answer::Right || a == Answer::Wrong; }));
}

int LessonPlayer::skippedQuestions() const {
    return static_cast<int>(std::count(answers_.begin(), answers_.end(), Answer::Skipped));
}

void LessonPlayer::restoreAnswer(int step, Answer a) {
    if (step < 0 || step >= stepCount() || !lesson()->steps[static_cast<std::size_t>(step)].question) return;
    answers_[static_cast<std::size_t>(step)] = a;
    emit answerChanged(step);
}

void LessonPlayer::reset() {
    player_->setBarrier(Time::never());
    comparing_ = -1; // a new run: the document holds no comparison of the lesson's
    answers_.assign(static_cast<std::size_t>(stepCount()), Answer::None);
    chosen_.assign(answers_.size(), std::nullopt);
    given_.assign(answers_.size(), std::nullopt);
    answeredAt_.assign(answers_.size(), QDateTime());
    current_ = -1;
    finished_ = false;
    if (!isActive()) {
        emit stepChanged(-1);
        return;
    }
    applyClock(LessonClock::atStart(*lesson()));
    enter(0, false);
}

void LessonPlayer::applyClock(const LessonClock& clock) {
    if (clock.paced) {
        player_->setMode(PlaybackClock::Mode::Paced);
        return;
    }
    player_->setLinearSpeed(clock.speed);
    player_->setMode(PlaybackClock::Mode::Linear);
}

void LessonPlayer::setFinished(bool finished) {
    if (finished == finished_) return;
    finished_ = finished;
    emit finishedChanged(finished);
}

void LessonPlayer::enter(int step, bool play) {
    if (!isActive() || step < 0 || step >= stepCount()) return;
    const Step& s = lesson()->steps[static_cast<std::size_t>(step)];
    current_ = step;
    skipAsked_ = false;
    setFinished(false);
    // A step with neither `speed` nor `paced` leaves the clock as it is (the lecturer's Faster and
    // Slower included).
    if (s.speed || s.paced) applyClock(LessonClock().after(s));
    const Time t = stepTime(step);
    entering_ = true;
    if (!t.isNever()) document_->setPlayhead(t);
    entering_ = false;
    armBarrier();
    if (s.pause || isWaitingForAnswer() || !play)
        player_->pause();
    else
        player_->play();
    emit stepChanged(step);
    followComparison();
}

void LessonPlayer::armBarrier() {
    // The next step that comes at all; a step whose condition never held is passed over.
    for (int next = current_ + 1; next < stepCount(); ++next) {
        if (isReachable(next)) {
            player_->setBarrier(stepTime(next));
            return;
        }
    }
    player_->setBarrier(Time::never());
}

void LessonPlayer::onBarrier(Time t) {
    if (!isActive()) return;
    for (int next = current_ + 1; next < stepCount(); ++next) {
        if (!isReachable(next)) continue;
        if (stepTime(next) == t) enter(next, player_->isPlaying());
        return;
    }
}

void LessonPlayer::followComparison() {
    if (!isActive() || current_ < 0) return;
    const int wanted = comparisonStepAt(*lesson(), document_->stepTimes(), current_);
    if (wanted == comparing_) return;
    comparing_ = -1;
    if (wanted < 0) {
        document_->endComparison();
        return;
    }
    const StepCompare& c = *lesson()->steps[static_cast<std::size_t>(wanted)].compare;
    ChangedRun other =
        runWithChanges(document_->simulation().scenario(), c.set, c.fromStep ? stepTime(wanted) : Time());
    if (!other.run) return; // a refused change: `backlog check` and the lesson's problems say so
    document_->compareWith(std::move(other.run),
                           c.titleA.empty() ? tr("as written") : QString::fromStdString(c.titleA),
                           QString::fromStdString(c.titleB.empty() ? comparisonTitle(c.set) : c.titleB));
    comparing_ = wanted;
}

int stepAtMoment(const std::vector<Time>& stepTimes, Time t) {
    return std::max(0, stepBegunBy(stepTimes, t));
}

int LessonPlayer::stepAt(Time t) const {
    return stepAtMoment(document_->stepTimes(), t);
}

// A seek (the timeline, the event log, Home/End) puts the class at the step whose moment was passed
// last; stepping through a lesson's own moments is handled by enter().
void LessonPlayer::followPlayhead(Time t) {
    if (!isActive() || entering_ || current_ < 0) return;
    const Time here = stepTime(current_);
    int nextReachable = current_ + 1;
    while (nextReachable < stepCount() && !isReachable(nextReachable))
        ++nextReachable;
    const Time next = nextReachable < stepCount() ? stepTime(nextReachable) : Time::never();
    if ((here.isNever() || t >= here) && t < next) return; // still within the current step
    current_ = stepAt(t);
    skipAsked_ = false;
    armBarrier();
    emit stepChanged(current_);
    followComparison();
}

void LessonPlayer::nextStep() {
    if (!isActive()) return;
    if (isWaitingForAnswer()) {
        // Asked once, then skipped: a press meant for the next slide does not throw the question away.
        if (!skipAsked_) {
            skipAsked_ = true;
            emit skipAsked(current_);
            return;
        }
        skipQuestion(); // the question counts as skipped, its answer shown
    }
    for (int next = current_ + 1; next < stepCount(); ++next) {
        if (isReachable(next)) {
            enter(next, true);
            return;
        }
    }
    // After the last step: play the run out.
    player_->play();
}

void LessonPlayer::previousStep() {
    if (!isActive()) return;
    for (int previous = current_ - 1; previous >= 0; --previous) {
        if (isReachable(previous)) {
            enter(previous, false);
            return;
        }
    }
    enter(0, false);
}

void LessonPlayer::goToStep(int step) {
    if (!isActive() || step < 0 || step >= stepCount() || !isReachable(step)) return;
    enter(step, false);
}

void LessonPlayer::answerChoice(int choice) {
    if (!isWaitingForAnswer()) return;
    const Question& q = *lesson()->steps[static_cast<std::size_t>(current_)].question;
    if (q.kind != Question::Kind::Choice || choice < 0 ||
        static_cast<std::size_t>(choice) >= q.choices.size())
        return;
    chosen_[static_cast<std::size_t>(current_)] = choice;
    answers_[static_cast<std::size_t>(current_)] = choice == q.answer ? Answer::Right : Answer::Wrong;
    answeredAt_[static_cast<std::size_t>(current_)] = QDateTime::currentDateTimeUtc();
    emit answerChanged(current_);
}

void LessonPlayer::answerNumber(double value) {
    if (!isWaitingForAnswer()) return;
    const Question& q = *lesson()->steps[static_cast<std::size_t>(current_)].question;
    if (q.kind != Question::Kind::Number || !std::isfinite(value)) return;
    given_[static_cast<std::size_t>(current_)] = value;
    // A small relative slack so that 0.1 + 0.2 style decimals typed by a student still match.
    const double slack = q.tolerance + 1e-9 * std::max(1.0, std::abs(q.number));
    answers_[static_cast<std::size_t>(current_)] =
        std::abs(value - q.number) <= slack ? Answer::Right : Answer::Wrong;
    answeredAt_[static_cast<std::size_t>(current_)] = QDateTime::currentDateTimeUtc();
    emit answerChanged(current_);
}

void LessonPlayer::skipQuestion() {
    if (!isWaitingForAnswer()) return;
    answers_[static_cast<std::size_t>(current_)] = Answer::Skipped;
    answeredAt_[static_cast<std::size_t>(current_)] = QDateTime::currentDateTimeUtc();
    emit answerChanged(current_);
}

void LessonPlayer::resume() {
    if (!isActive() || isWaitingForAnswer()) return;
    player_->play();
}

} // namespace backlog::views
