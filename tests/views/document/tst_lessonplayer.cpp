// The lesson player as a class meets it: steps entered at their moments while playing, a pausing step
// stops the playhead exactly there, a question holds playback until it is answered or skipped, the
// explanation comes after, PageDown/PageUp move between steps, a seek moves the current step, and the
// score counts right answers. Time is driven with Player::tick(), so nothing here waits on a clock.
#include "views/document/LessonPlayer.h"

#include "model/kernel/Simulation.h"
#include "model/tools/Comparison.h"
#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"
#include "views/widgets/NarrationView.h"

#include <QAbstractButton>
#include <QButtonGroup>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>

using namespace backlog;
using namespace backlog::views;

namespace {
const QString kLesson = QStringLiteral(BACKLOG_SOURCE_DIR "/tests/lessons/readme-example.yaml");

// Plays until the player stops by itself (a pausing step, a question, the end), in 50 ms ticks.
void playUntilStopped(Player& player) {
    player.play();
    for (int i = 0; i < 100'000 && player.isPlaying(); ++i)
        player.tick(50'000'000);
}
} // namespace

class TestLessonPlayer : public QObject {
    Q_OBJECT
  private slots:
    void theClockFollowsTheStepsSpeeds_data();
    void theClockFollowsTheStepsSpeeds();
    void opensAtTheFirstStep();
    void stopsExactlyAtAPausingStep();
    void questionHoldsPlaybackUntilAnswered_data();
    void questionHoldsPlaybackUntilAnswered();
    void skipShowsTheAnswer();
    void pageDownAndPageUpMoveBetweenSteps();
    void seekingMovesTheCurrentStep();
    void scoreAtTheEnd();
    void scenarioFileHasNoLesson();
    void aCompareStepPutsTheOtherRunBeside();
    void revealAfterAnswerConcealsUntilAnswered();
};

void TestLessonPlayer::opensAtTheFirstStep() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    QVERIFY(doc.load(kLesson).isEmpty());
    QVERIFY(lesson.isActive());
    QCOMPARE(lesson.stepCount(), 4);
    QCOMPARE(lesson.currentStep(), 0);
    QCOMPARE(doc.playhead(), Time());
    QCOMPARE(view.stepList()->count(), 4);
    QVERIFY(view.narration()->toPlainText().contains(QStringLiteral("Ten clients call connect()")));
    // The Markdown subset became rich text: `code` in a code span, *never* emphasised.
    QVERIFY(view.narration()->toHtml().contains(QStringLiteral("font-style:italic")));
    QVERIFY(view.questionCard()->isHidden());
    // The lesson's own speed: 0.01 of real time, linear.
    QCOMPARE(player.mode(), PlaybackClock::Mode::Linear);
    QCOMPARE(player.clock().linearSpeed(), (PlaybackClock::Factor{1, 100}));
}

void TestLessonPlayer::stopsExactlyAtAPausingStep() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    QVERIFY(doc.load(kLesson).isEmpty());
    playUntilStopped(player);
    // Step 2 (`when: accept_queue_full`, pause: true) stops the playhead at its moment, not a frame later.
    QCOMPARE(lesson.currentStep(), 1);
    QCOMPARE(doc.playhead(), lesson.stepTime(1));
    QCOMPARE(lesson.stepTime(1), Time::us(41'500));
    QVERIFY(!player.isPlaying());
    QVERIFY(lesson.isWaitingForAnswer());
}

void TestLessonPlayer::questionHoldsPlaybackUntilAnswered_data() {
    QTest::addColumn<QString>("typed");
    QTest::addColumn<bool>("right");
    QTest::newRow("the right number") << QStringLiteral("5") << true;
    QTest::newRow("backlog itself") << QStringLiteral("4") << false;
    QTest::newRow("a decimal near it") << QStringLiteral("5.5") << false;
}

void TestLessonPlayer::questionHoldsPlaybackUntilAnswered() {
    QFETCH(QString, typed);
    QFETCH(bool, right);
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    view.show();
    QVERIFY(doc.load(kLesson).isEmpty());
    playUntilStopped(player);
    QCOMPARE(lesson.currentStep(), 1);
    QVERIFY(view.questionCard()->isVisible());
    QVERIFY(view.numberField()->isVisible());
    QVERIFY(!view.answerButton()->isEnabled()); // nothing typed yet
    // Playing does not get past an open question.
    player.play();
    QVERIFY(!player.isPlaying());
    QCOMPARE(lesson.currentStep(), 1);

    QTest::keyClicks(view.numberField(), typed);
    QVERIFY(view.answerButton()->isEnabled());
    QTest::mouseClick(view.answerButton(), Qt::LeftButton);
    QCOMPARE(lesson.answer(1), right ? LessonPlayer::Answer::Right : LessonPlayer::Answer::Wrong);
    QVERIFY(view.verdictLabel()->isVisible());
    QVERIFY(view.verdictLabel()->text().startsWith(right ? QStringLiteral("Right")
                                                         : QStringLiteral("Not quite")));
    QVERIFY(view.verdictLabel()->text().contains(QStringLiteral("5 connections")));
    QVERIFY(view.continueButton()->isVisible());
    QVERIFY(view.answerButton()->isHidden());
    // Continue plays on, to the next step (which asks again).
    QTest::mouseClick(view.continueButton(), Qt::LeftButton);
    QVERIFY(player.isPlaying());
    for (int i = 0; i < 100'000 && player.isPlaying(); ++i)
        player.tick(50'000'000);
    QCOMPARE(lesson.currentStep(), 2);
    QCOMPARE(doc.playhead(), lesson.stepTime(2));
    QVERIFY(view.choiceButtons()->buttons().size() == 3);
}

void TestLessonPlayer::skipShowsTheAnswer() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    view.show();
    QVERIFY(doc.load(kLesson).isEmpty());
    lesson.goToStep(2);
    QVERIFY(lesson.isWaitingForAnswer());
    QCOMPARE(view.choiceButtons()->buttons().size(), 3);
    // A click on a choice's (wrapped) text picks it, as on the radio button itself.
    QLabel* second = view.choiceButtons()->button(1)->parentWidget()->findChild<QLabel*>();
    QVERIFY(second);
    QVERIFY(second->text().contains(QStringLiteral("Nothing: it waits")));
    QTest::mouseClick(second, Qt::LeftButton);
    QCOMPARE(view.choiceButtons()->checkedId(), 1);
    QVERIFY(view.answerButton()->isEnabled());
    QTest::mouseClick(view.skipButton(), Qt::LeftButton);
    QCOMPARE(lesson.answer(2), LessonPlayer::Answer::Skipped);
    QVERIFY(view.verdictLabel()->text().contains(QStringLiteral("Nothing: it waits")));
    for (QAbstractButton* b : view.choiceButtons()->buttons())
        QVERIFY(!b->isEnabled());
}

void TestLessonPlayer::pageDownAndPageUpMoveBetweenSteps() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    QVERIFY(doc.load(kLesson).isEmpty());
    const QList<Time> expected{Time(), Time::us(41'500), Time::us(50'500), Time::s(3)};
    QSignalSpy asked(&lesson, &LessonPlayer::skipAsked);
    for (int i = 1; i < 4; ++i) {
        if (lesson.isWaitingForAnswer()) {
            // The first Page Down on an open question asks (issue 16); it stays, unanswered.
            lesson.nextStep();
            QCOMPARE(lesson.currentStep(), i - 1);
            QVERIFY(lesson.isAskingToSkip());
            QCOMPARE(asked.count(), i - 1);
            QCOMPARE(lesson.answer(i - 1), LessonPlayer::Answer::None);
        }
        lesson.nextStep();
        QCOMPARE(lesson.currentStep(), i);
        QCOMPARE(doc.playhead(), expected[i]);
        QVERIFY(!lesson.isAskingToSkip());
    }
    QCOMPARE(asked.count(), 2); // steps 2 and 3 ask; step 1 has no question
    // Moving on past a question counts it as skipped (a clicker cannot answer).
    QCOMPARE(lesson.answer(1), LessonPlayer::Answer::Skipped);
    QCOMPARE(lesson.answer(2), LessonPlayer::Answer::Skipped);
    for (int i = 2; i >= 0; --i) {
        lesson.previousStep();
        QCOMPARE(lesson.currentStep(), i);
        QCOMPARE(doc.playhead(), expected[i]);
        QVERIFY(!player.isPlaying());
    }
    lesson.previousStep(); // at the first step: stays
    QCOMPARE(lesson.currentStep(), 0);
}

void TestLessonPlayer::seekingMovesTheCurrentStep() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    QVERIFY(doc.load(kLesson).isEmpty());
    doc.setPlayhead(Time::s(5));
    QCOMPARE(lesson.currentStep(), 3);
    QCOMPARE(view.stepList()->currentRow(), 3);
    doc.setPlayhead(Time::ms(45));
    QCOMPARE(lesson.currentStep(), 1);
    doc.setPlayhead(Time::ms(1));
    QCOMPARE(lesson.currentStep(), 0);
    // Playing from a seek stops at the next step's moment again.
    player.play();
    for (int i = 0; i < 100'000 && player.isPlaying(); ++i)
        player.tick(50'000'000);
    QCOMPARE(doc.playhead(), lesson.stepTime(1));
}

void TestLessonPlayer::scoreAtTheEnd() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    view.show();
    QVERIFY(doc.load(kLesson).isEmpty());
    lesson.goToStep(1);
    lesson.answerNumber(5);
    lesson.goToStep(2);
    lesson.answerChoice(0); // wrong: the right one is the second
    QCOMPARE(lesson.answer(2), LessonPlayer::Answer::Wrong);
    lesson.nextStep();
    QCOMPARE(lesson.currentStep(), 3);
    QVERIFY(view.scoreLabel()->isHidden());
    for (int i = 0; i < 1'000'000 && player.isPlaying(); ++i)
        player.tick(100'000'000);
    QCOMPARE(doc.playhead(), doc.end());
    QVERIFY(lesson.isFinished());
    QCOMPARE(lesson.rightAnswers(), 1);
    QCOMPARE(lesson.questionCount(), 2);
    QVERIFY(view.scoreLabel()->isVisible());
    QCOMPARE(view.scoreLabel()->text(), QStringLiteral("Lesson complete. 1 of 2 questions answered right."));
}

void TestLessonPlayer::scenarioFileHasNoLesson() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    NarrationView view(&doc, &lesson);
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e2-burst.yaml")).isEmpty());
    QVERIFY(!lesson.isActive());
    QCOMPARE(lesson.currentStep(), -1);
    lesson.nextStep(); // nothing to do, nothing breaks
    QCOMPARE(doc.playhead(), Time());
    QCOMPARE(view.stepList()->count(), 0);
}

// compare: (issue 16): entering a step with one puts its other run beside the lesson's on the playhead,
// titled as the step says; compare: off, or going back before the first, ends it; playing on through a
// comparison's steps keeps the one run; a comparison the user began is left until a step asks for one.
void TestLessonPlayer::aCompareStepPutsTheOtherRunBeside() {
    QTemporaryDir dir;
    const QString file = dir.filePath(QStringLiteral("compare.yaml"));
    {
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("format: backlog-lesson/1\ntitle: What if\nscenario:\n  network: { rtt: 1ms }\n"
                "  server: { backlog: 1, workers: { count: 0 } }\n"
                "  traffic:\n    - { name: a, clients: 4, spacing: 10ms }\n  until: 2s\n"
                "steps:\n  - say: Start.\n"
                "  - at: 100ms\n    say: Wider.\n    compare: { set: { server.backlog: 8 }, title: { a: one, "
                "b: eight } }\n"
                "  - at: 500ms\n    say: Still.\n"
                "  - at: 1s\n    say: Done.\n    compare: off\n");
    }
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    QVERIFY(doc.load(file).isEmpty());
    // A comparison the user began is kept while no step asks for one.
    backlog::ChangedRun user =
        backlog::runWithChanges(doc.simulation().scenario(), {{"server.backlog", "2"}}, Time());
    QVERIFY(user.run);
    doc.compareWith(std::move(user.run), QStringLiteral("mine"), QStringLiteral("backlog 2"));
    lesson.goToStep(0);
    QCOMPARE(doc.comparisonTitle(), QStringLiteral("backlog 2"));
    lesson.goToStep(1);
    QVERIFY(doc.comparison());
    QCOMPARE(doc.title(), QStringLiteral("one"));
    QCOMPARE(doc.comparisonTitle(), QStringLiteral("eight"));
    QCOMPARE(doc.comparison()->scenario().server.backlog, std::int64_t{8});
    const Simulation* other = doc.comparison();
    lesson.nextStep(); // on to step 3: the same comparison, not a new run
    QCOMPARE(lesson.currentStep(), 2);
    QCOMPARE(doc.comparison(), other);
    lesson.goToStep(3); // compare: off
    QVERIFY(!doc.comparison());
    lesson.goToStep(1);
    QVERIFY(doc.comparison());
    doc.setPlayhead(Time::ms(50)); // a seek back before it: step 1, no comparison
    QCOMPARE(lesson.currentStep(), 0);
    QVERIFY(!doc.comparison());
}

// reveal: after-answer (issue 16): while the question of step 2 (README example) is open the player says
// the views must conceal; an answer or a skip ends it; a question without it never conceals; going back
// to an answered question conceals nothing.
void TestLessonPlayer::revealAfterAnswerConcealsUntilAnswered() {
    SimulationDocument doc;
    Player player(&doc);
    LessonPlayer lesson(&doc, &player);
    QSignalSpy changed(&lesson, &LessonPlayer::concealingChanged);
    QVERIFY(doc.load(kLesson).isEmpty());
    QVERIFY(!lesson.isConcealing());
    playUntilStopped(player); // to step 2's question (reveal: after-answer)
    QCOMPARE(lesson.currentStep(), 1);
    QVERIFY(lesson.isWaitingForAnswer());
    QVERIFY(lesson.isConcealing());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(changed.last().at(0).toBool(), true);
    lesson.answerNumber(4); // wrong, but answered: revealed
    QVERIFY(!lesson.isConcealing());
    QCOMPARE(changed.count(), 2);
    QCOMPARE(changed.last().at(0).toBool(), false);
    playUntilStopped(player); // step 3's question says nothing of reveal:
    QCOMPARE(lesson.currentStep(), 2);
    QVERIFY(lesson.isWaitingForAnswer());
    QVERIFY(!lesson.isConcealing());
    lesson.previousStep(); // back to the answered one
    QCOMPARE(lesson.currentStep(), 1);
    QVERIFY(!lesson.isConcealing());
    QCOMPARE(changed.count(), 2);
    // Opened again, the question is open again until skipped.
    QVERIFY(doc.load(kLesson).isEmpty());
    lesson.goToStep(1);
    QVERIFY(lesson.isConcealing());
    lesson.skipQuestion();
    QVERIFY(!lesson.isConcealing());
}

// LessonClock: what the window's player and the lesson page's film both play a step at. A lesson
// begins paced unless it names a speed; `speed` makes it linear at that speed, `paced` paced (keeping
// the speed for later), a step with neither keeps what was.
void TestLessonPlayer::theClockFollowsTheStepsSpeeds_data() {
    QTest::addColumn<double>("lessonSpeed"); // 0: none
    QTest::addColumn<double>("stepSpeed");   // 0: none
    QTest::addColumn<bool>("stepPaced");
    QTest::addColumn<bool>("paced");
    QTest::addColumn<double>("speed");
    QTest::newRow("no speed anywhere: paced") << 0.0 << 0.0 << false << true << 1.0;
    QTest::newRow("the lesson's speed") << 0.001 << 0.0 << false << false << 0.001;
    QTest::newRow("a step's speed over the lesson's") << 0.001 << 0.5 << false << false << 0.5;
    QTest::newRow("a step's speed from paced") << 0.0 << 2.5 << false << false << 2.5;
    QTest::newRow("a paced step keeps the speed for later") << 0.001 << 0.0 << true << true << 0.001;
}

void TestLessonPlayer::theClockFollowsTheStepsSpeeds() {
    QFETCH(double, lessonSpeed);
    QFETCH(double, stepSpeed);
    QFETCH(bool, stepPaced);
    QFETCH(bool, paced);
    QFETCH(double, speed);
    Lesson lesson;
    if (lessonSpeed > 0) lesson.speed = lessonSpeed;
    Step step;
    if (stepSpeed > 0) step.speed = stepSpeed;
    step.paced = stepPaced;
    const LessonClock start = LessonClock::atStart(lesson);
    QCOMPARE(start.paced, lessonSpeed == 0);
    const LessonClock after = start.after(step);
    QCOMPARE(after.paced, paced);
    QCOMPARE(after.speed, lessonSpeedFactor(speed));
    // A step that says nothing changes nothing.
    QCOMPARE(after.after(Step{}), after);
}

QTEST_MAIN(TestLessonPlayer)
#include "tst_lessonplayer.moc"
