// Plays a lesson on top of the document and the player: it knows which step the class is at, stops the
// playhead exactly at each step's moment (Player barriers), applies what a step asks of playback (pause,
// speed), holds playback while a question waits for an answer or a skip, and keeps the score. What a
// step shows (narration, highlights, zoom, the view to bring forward) is read by the views from
// currentStep(); nothing here draws. PageDown/PageUp (what presentation clickers send) are nextStep()
// and previousStep().
#pragma once

#include "model/core/Time.h"
#include "model/lesson/Lesson.h"
#include "views/document/PlaybackClock.h"

#include <QDateTime>
#include <QObject>

#include <vector>

namespace backlog::views {

class Player;
class SimulationDocument;

// The step a class is at when the playhead is at t: the last one whose moment (SimulationDocument's
// stepTimes; never for a step whose condition never held) is at or before t, or the first. The window
// and the export agree through this.
int stepAtMoment(const std::vector<Time>& stepTimes, Time t);

// A lesson's speed (a factor such as 0.001) as the clock's fraction, to four decimals of precision at
// the slow end: 0.001 → 1/1000, 2.5 → 5/2. The window and the lesson's web page play at it.
PlaybackClock::Factor lessonSpeedFactor(double speed);

// How a lesson plays at a step: paced, or linear at a speed. A lesson begins paced unless it names a
// speed; a step's `speed` or `paced` changes it from there on, and a step with neither keeps it. The
// window's LessonPlayer and the lesson page's film (app/export/LessonPage) agree through this.
struct LessonClock {
    bool paced = true;
    PlaybackClock::Factor speed{1, 1};
    static LessonClock atStart(const Lesson& lesson);
    // The clock from `step` on, when it was this before.
    LessonClock after(const Step& step) const;
    bool operator==(const LessonClock&) const = default;
};

class LessonPlayer : public QObject {
    Q_OBJECT
  public:
    enum class Answer { None, Right, Wrong, Skipped };

    LessonPlayer(SimulationDocument* document, Player* player, QObject* parent = nullptr);

    bool isActive() const; // a lesson is open
    const Lesson* lesson() const;
    int stepCount() const;
    int currentStep() const { return current_; } // -1: no lesson
    Time stepTime(int step) const;               // Time::never(): the step never comes in this run
    bool isReachable(int step) const { return !stepTime(step).isNever(); }

    // Questions: the current step's, when it has one and it has not been answered or skipped.
    bool isWaitingForAnswer() const;
    Answer answer(int step) const;
    std::optional<int> chosen(int step) const;   // the choice picked (multiple choice)
    std::optional<double> given(int step) const; // the number entered
    // When the question was answered or skipped (UTC); null when it was not, or came from a saved session.
    QDateTime answeredAt(int step) const;
    int questionCount() const;
    int rightAnswers() const;
    int answeredQuestions() const; // right or wrong, not skipped
    int skippedQuestions() const;
    bool isFinished() const { return finished_; } // the last step was reached and the run played out
    // PageDown on an open question asked once whether to skip it (issue 16): the next PageDown skips.
    bool isAskingToSkip() const { return skipAsked_; }
    // The current step's question says `reveal: after-answer` and is still open (issue 16): the views
    // hide what would give its answer away until it is answered or skipped.
    bool isConcealing() const { return concealing_; }

    // Answers from a saved session (progress remembered per lesson): the step's answer without playing.
    void restoreAnswer(int step, Answer a);

  public slots:
    void nextStep();
    void previousStep();
    // Moves the playhead to the step's moment and enters it, paused. nextStep() plays on from the step
    // (unless it pauses or asks): a clicker's PageDown shows what comes next; previousStep() pauses.
    void goToStep(int step);
    // Answers the current question; returns through answerChanged (the explanation is shown then).
    void answerChoice(int choice);
    void answerNumber(double value);
    void skipQuestion();
    // After an answer: on with the lesson (plays unless the step also pauses).
    void resume();

  signals:
    void stepChanged(int step);
    void answerChanged(int step);
    void finishedChanged(bool finished);
    // The first PageDown on an unanswered question: the views ask "Skip this question?" instead of
    // skipping it silently (a clicker's press may be meant for the next slide).
    void skipAsked(int step);
    void concealingChanged(bool concealing);

  private:
    void reset();
    void enter(int step, bool play);
    void followPlayhead(Time t);
    void onBarrier(Time t);
    void armBarrier();
    int stepAt(Time t) const; // the last reachable step at or before t, or 0
    void setFinished(bool finished);
    void applyClock(const LessonClock& clock);
    // Puts beside the lesson's run the other run of the compare: in force at the current step (issue 16),
    // or ends the one the lesson began; a comparison the user began (Parameters, the lab) is left alone
    // until a step of the lesson's asks for another.
    void followComparison();
    void updateConcealing();

    SimulationDocument* document_;
    Player* player_;
    int current_ = -1;
    bool entering_ = false; // the playhead moves because a step is entered, not because of a seek
    bool finished_ = false;
    bool skipAsked_ = false;
    bool concealing_ = false;
    int comparing_ = -1; // the step whose compare: the document shows, or -1
    std::vector<Answer> answers_;
    std::vector<std::optional<int>> chosen_;
    std::vector<std::optional<double>> given_;
    std::vector<QDateTime> answeredAt_;
};

} // namespace backlog::views
