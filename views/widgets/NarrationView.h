// The narration dock of a lesson: the current step's title and text, previous/next buttons, the list of
// steps, the question as a card (choices or a number; the explanation once answered or skipped), and the
// score at the end. It shows what the LessonPlayer says and sends it what the user does.
#pragma once

#include <QFrame>
#include <QWidget>

class QButtonGroup;
class QFont;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QTextBrowser;
class QVBoxLayout;

namespace backlog {
struct Question;
}

namespace backlog::views {

class LessonPlayer;
class SimulationDocument;

// A question's right answer in words, as the card and the presenter's view give it: the right choice's
// text, or the number with its unit ("129 connections").
QString answerText(const Question& q);

class NarrationView : public QWidget {
    Q_OBJECT
  public:
    NarrationView(SimulationDocument* document, LessonPlayer* lesson, QWidget* parent = nullptr);

    // For tests and the screenshot tool: the parts a user reads and presses.
    QTextBrowser* narration() const { return text_; }
    QListWidget* stepList() const { return steps_; }
    QWidget* questionCard() const { return card_; }
    QPushButton* answerButton() const { return answer_; }
    QPushButton* skipButton() const { return skip_; }
    QPushButton* continueButton() const { return continue_; }
    QLineEdit* numberField() const { return number_; }
    QButtonGroup* choiceButtons() const { return choices_; }
    QLabel* verdictLabel() const { return verdict_; }
    QLabel* scoreLabel() const { return score_; }

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void buildQuestionCard(const QFont& bold);
    QHBoxLayout* buildNavigation();
    void connectActions();
    void rebuild();  // a lesson was opened: the step list
    void showStep(); // the current step
    void showQuestion();
    void showScore();
    void submit();

    SimulationDocument* document_;
    LessonPlayer* lesson_;
    QLabel* lessonTitle_;
    QLabel* position_;
    QLabel* stepTitle_;
    QTextBrowser* text_;
    QLabel* problems_;
    QFrame* card_;
    QLabel* ask_;
    QWidget* choiceBox_;
    QVBoxLayout* choiceLayout_;
    QButtonGroup* choices_;
    QWidget* numberBox_;
    QLineEdit* number_;
    QLabel* unit_;
    QPushButton* answer_;
    QPushButton* skip_;
    QLabel* verdict_;
    QLabel* explain_;
    QPushButton* continue_;
    QLabel* score_;
    QPushButton* previous_;
    QPushButton* next_;
    QListWidget* steps_;
};

} // namespace backlog::views
