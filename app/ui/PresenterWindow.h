// Presenter mode (F5, or `backlog present FILE`): the stage full screen in the projector theme, the
// current step's narration as a caption, no chrome. A clicker's PageDown/PageUp and the arrow keys move
// between lesson steps (Space plays and pauses, as in the window), B blacks the screen, S turns on a
// spotlight that follows the mouse, Z zooms to what a step highlights (on at first), Escape or F5
// leaves. The lecturer's pen is here too (D, E, L, C, Ctrl+Z, 1–5; Escape leaves the pen first), drawing
// into the window's strokes (StageView::setAnnotations), so both screens show them. With a second screen, a
// presenter's view there shows the narration, the question's answer, the step's notes for the teacher, the
// next step and a clock.
#pragma once

#include <QPointer>
#include <QWidget>

class QLabel;
class QTimer;

namespace backlog::views {
class LessonPlayer;
class Player;
class SimulationDocument;
class StageView;
} // namespace backlog::views

namespace backlog::app {

class PresenterNotes;

class PresenterWindow : public QWidget {
    Q_OBJECT
  public:
    PresenterWindow(views::SimulationDocument* document, views::Player* player, views::LessonPlayer* lesson,
                    QWidget* parent = nullptr);
    ~PresenterWindow() override;

    // Full screen on the primary screen (the projector is usually the one the desktop extends to:
    // `screen` picks it), the notes on another screen when there is one.
    void present(QScreen* screen = nullptr);

    bool isBlacked() const { return blacked_; }
    bool hasSpotlight() const { return spotlight_; }
    // Whether a step that highlights one element without zooming is zoomed to it (Z toggles; on).
    bool zoomsToHighlight() const { return autoZoom_; }
    views::StageView* stage() const { return stage_; }
    QLabel* caption() const { return caption_; }
    PresenterNotes* notes() const { return notes_; }

  signals:
    void closed();

  protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void showStep();
    bool penKey(QKeyEvent* event); // a key of the pen's: handled

    views::SimulationDocument* doc_;
    views::Player* player_;
    views::LessonPlayer* lesson_;
    views::StageView* stage_;
    QLabel* caption_;
    QPointer<PresenterNotes> notes_;
    bool blacked_ = false;
    bool spotlight_ = false;
    bool autoZoom_ = true;
    QPoint mouse_;
};

// The presenter's own screen: the step's narration, its notes: (never on the projector), what comes
// next, the time and the lesson's clock.
class PresenterNotes : public QWidget {
    Q_OBJECT
  public:
    PresenterNotes(views::SimulationDocument* document, views::LessonPlayer* lesson,
                   QWidget* parent = nullptr);
    void refresh();
    // What the presenter reads, as rich text: the step, its question, its notes, and the next step.
    QString text() const;

  private:
    views::SimulationDocument* doc_;
    views::LessonPlayer* lesson_;
    QLabel* now_;
    QLabel* next_;
    QLabel* clock_;
    QTimer* tick_;
    qint64 startedMs_ = 0;
};

} // namespace backlog::app
