#include "app/ui/PresenterWindow.h"

#include "model/lesson/Markdown.h"
#include "views/document/AnnotationStore.h"
#include "views/document/LessonPlayer.h"
#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"
#include "views/widgets/NarrationView.h"
#include "views/widgets/StageView.h"

#include <QCloseEvent>
#include <QDateTime>
#include <QGuiApplication>
#include <QKeyEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QScreen>
#include <QTimer>
#include <QVBoxLayout>

namespace backlog::app {

namespace {

// Over the stage: everything dimmed but a circle around the mouse (the teacher's pointer).
class SpotlightOverlay : public QWidget {
  public:
    explicit SpotlightOverlay(QWidget* parent) : QWidget(parent) {
        setAttribute(Qt::WA_TransparentForMouseEvents);
        setAttribute(Qt::WA_NoSystemBackground);
    }
    void moveTo(QPoint p) {
        centre_ = p;
        update();
    }

  protected:
    void paintEvent(QPaintEvent*) override {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing, true);
        QPainterPath dim;
        dim.addRect(QRectF(rect()));
        QPainterPath hole;
        const double r = std::max(60.0, height() / 7.0);
        hole.addEllipse(QPointF(centre_), r, r);
        p.fillPath(dim.subtracted(hole), QColor(0, 0, 0, 150));
    }

  private:
    QPoint centre_;
};

QString htmlOf(const std::string& markdown) {
    return QString::fromStdString(markdownToHtml(markdown).html);
}

} // namespace

PresenterWindow::PresenterWindow(views::SimulationDocument* document, views::Player* player,
                                 views::LessonPlayer* lesson, QWidget* parent)
    : QWidget(parent, Qt::Window), doc_(document), player_(player), lesson_(lesson) {
    setObjectName(QStringLiteral("PresenterWindow"));
    setWindowTitle(tr("Backlog — presenting"));
    setAttribute(Qt::WA_DeleteOnClose);
    const views::Theme theme = views::Theme::projector();
    QPalette pal = palette();
    pal.setColor(QPalette::Window, theme.background);
    pal.setColor(QPalette::WindowText, theme.text);
    setPalette(pal);
    setAutoFillBackground(true);

    stage_ = new views::StageView(this);
    stage_->setDocument(doc_);
    stage_->setTheme(theme);
    stage_->setFocusPolicy(Qt::NoFocus);
    stage_->setMouseTracking(true);
    stage_->installEventFilter(this);
    caption_ = new QLabel(this);
    caption_->setObjectName(QStringLiteral("presenterCaption"));
    caption_->setWordWrap(true);
    caption_->setTextFormat(Qt::RichText);
    caption_->setMargin(14);
    QFont f = caption_->font();
    f.setPointSizeF(f.pointSizeF() * 1.7);
    caption_->setFont(f);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(stage_, 1);
    layout->addWidget(caption_);
    auto* overlay = new SpotlightOverlay(stage_);
    overlay->setObjectName(QStringLiteral("spotlight"));
    overlay->hide();

    connect(lesson_, &views::LessonPlayer::stepChanged, this, &PresenterWindow::showStep);
    // The projector hides the stage's counters while a `reveal: after-answer` question is open, as the
    // window does.
    connect(lesson_, &views::LessonPlayer::concealingChanged, stage_, &views::StageView::setNumbersConcealed);
    stage_->setNumbersConcealed(lesson_->isConcealing());
    // The clicker's first Page Down on an open question: the caption asks before it is skipped.
    connect(lesson_, &views::LessonPlayer::skipAsked, this, [this] {
        caption_->setText(
            caption_->text() +
            tr("<p><i>Skip this question? Page Down again skips it and shows the answer.</i></p>"));
    });
    showStep();
}

PresenterWindow::~PresenterWindow() {
    if (notes_) notes_->close();
}

void PresenterWindow::present(QScreen* screen) {
    const QList<QScreen*> screens = QGuiApplication::screens();
    QScreen* projector = screen ? screen : QGuiApplication::primaryScreen();
    setGeometry(projector->geometry());
    showFullScreen();
    activateWindow();
    setFocus();
    // A second screen: the presenter's notes there.
    for (QScreen* other : screens) {
        if (other == projector) continue;
        notes_ = new PresenterNotes(doc_, lesson_);
        notes_->setAttribute(Qt::WA_DeleteOnClose);
        notes_->setGeometry(other->availableGeometry());
        notes_->show();
        break;
    }
}

// The caption: the current step's narration (or the lesson's title before the first).
void PresenterWindow::showStep() {
    const Lesson* lesson = lesson_->lesson();
    const int i = lesson_->currentStep();
    views::StageRenderer::Emphasis emphasis;
    if (!lesson || i < 0) {
        caption_->setVisible(false);
    } else {
        const Step& s = lesson->steps[static_cast<std::size_t>(i)];
        caption_->setVisible(true);
        caption_->setText(htmlOf(s.say.empty() && s.question ? s.question->ask : s.say));
        emphasis = views::StageRenderer::Emphasis::of(s);
        // On a projector the back row cannot read a queue drawn for a laptop: when a step points at one
        // element (and at no packets, which fly in from outside it) without a zoom of its own, presenter
        // mode zooms to it. Z turns this off and on.
        if (!emphasis.zoom && autoZoom_ && s.highlight.size() == 1 &&
            s.highlight.front().kind != Target::Kind::PacketKind)
            emphasis.zoom = s.highlight.front();
    }
    stage_->setEmphasis(emphasis);
    stage_->setLessonStep(lesson ? i : -1);
    if (notes_) notes_->refresh();
}

// The presenter's keys are its own: the main window's shortcuts for the same keys (Right steps one
// event there, here it moves to the next step) must not take them first.
bool PresenterWindow::event(QEvent* event) {
    if (event->type() == QEvent::ShortcutOverride) {
        switch (static_cast<QKeyEvent*>(event)->key()) {
        case Qt::Key_PageDown:
        case Qt::Key_PageUp:
        case Qt::Key_Right:
        case Qt::Key_Left:
        case Qt::Key_Up:
        case Qt::Key_Down:
        case Qt::Key_Space:
        case Qt::Key_B:
        case Qt::Key_Period:
        case Qt::Key_S:
        case Qt::Key_Z:
        case Qt::Key_Escape:
        case Qt::Key_F5:
        case Qt::Key_D: // the pen (penKey)
        case Qt::Key_E:
        case Qt::Key_L:
        case Qt::Key_C:
        case Qt::Key_1:
        case Qt::Key_2:
        case Qt::Key_3:
        case Qt::Key_4:
        case Qt::Key_5:
            event->accept();
            return true;
        default:
            break;
        }
    }
    return QWidget::event(event);
}

void PresenterWindow::keyPressEvent(QKeyEvent* event) {
    if (penKey(event)) return;
    switch (event->key()) {
    case Qt::Key_PageDown:
    case Qt::Key_Right:
    case Qt::Key_Down:
        // A clicker sends PageDown (some send the arrows): the next step, or a step in time without a lesson.
        if (lesson_->isActive())
            lesson_->nextStep();
        else
            player_->stepForward();
        break;
    case Qt::Key_PageUp:
    case Qt::Key_Left:
    case Qt::Key_Up:
        if (lesson_->isActive())
            lesson_->previousStep();
        else
            player_->stepBackward();
        break;
    case Qt::Key_Space:
        player_->toggle();
        break;
    case Qt::Key_B:
    case Qt::Key_Period: // what many clickers send for "black screen"
        blacked_ = !blacked_;
        stage_->setVisible(!blacked_);
        caption_->setVisible(!blacked_ && lesson_->isActive() && lesson_->currentStep() >= 0);
        update();
        break;
    case Qt::Key_Z:
        autoZoom_ = !autoZoom_;
        showStep();
        break;
    case Qt::Key_S:
        spotlight_ = !spotlight_;
        if (QWidget* overlay = stage_->findChild<QWidget*>(QStringLiteral("spotlight"))) {
            overlay->setGeometry(stage_->rect());
            overlay->setVisible(spotlight_);
            overlay->raise();
        }
        break;
    case Qt::Key_Escape:
    case Qt::Key_F5:
        close();
        break;
    default:
        QWidget::keyPressEvent(event);
    }
}

// The lecturer's pen, as in the window (MainWindowPen.cpp): D draws, E erases, L is the laser (each
// again turns it off), C clears the step's strokes, Ctrl+Z takes back the last change, 1–5 pick the
// colour, and Escape leaves the pen before it leaves presenter mode. The strokes are the window's.
bool PresenterWindow::penKey(QKeyEvent* event) {
    using Pen = views::StageView::Pen;
    views::AnnotationStore* store = stage_->annotations();
    if (!store) return false;
    const auto toggle = [&](Pen pen) { stage_->setPen(stage_->pen() == pen ? Pen::Off : pen); };
    const bool ctrl = event->modifiers() & Qt::ControlModifier;
    switch (event->key()) {
    case Qt::Key_D:
        toggle(Pen::Draw);
        return true;
    case Qt::Key_E:
        toggle(Pen::Erase);
        return true;
    case Qt::Key_L:
        toggle(Pen::Laser);
        return true;
    case Qt::Key_C:
        store->clearMoment(stage_->moment());
        return true;
    case Qt::Key_Z:
        if (!ctrl) return false; // Z alone is the zoom
        store->undo();
        return true;
    case Qt::Key_Escape:
        if (stage_->pen() == Pen::Off) return false;
        stage_->setPen(Pen::Off);
        return true;
    case Qt::Key_1:
    case Qt::Key_2:
    case Qt::Key_3:
    case Qt::Key_4:
    case Qt::Key_5: {
        const std::vector<QColor> palette = views::Theme::penColours();
        const auto i = static_cast<std::size_t>(event->key() - Qt::Key_1);
        if (i < palette.size()) store->setPenColour(palette[i]);
        return true;
    }
    default:
        return false;
    }
}

bool PresenterWindow::eventFilter(QObject* watched, QEvent* event) {
    if (watched == stage_ && (event->type() == QEvent::MouseMove || event->type() == QEvent::Resize)) {
        if (auto* overlay =
                static_cast<SpotlightOverlay*>(stage_->findChild<QWidget*>(QStringLiteral("spotlight")))) {
            overlay->setGeometry(stage_->rect());
            if (event->type() == QEvent::MouseMove)
                overlay->moveTo(static_cast<QMouseEvent*>(event)->position().toPoint());
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PresenterWindow::paintEvent(QPaintEvent* event) {
    if (!blacked_) return QWidget::paintEvent(event);
    QPainter(this).fillRect(rect(), Qt::black);
}

void PresenterWindow::closeEvent(QCloseEvent* event) {
    if (notes_) notes_->close();
    emit closed();
    QWidget::closeEvent(event);
}

// ---- the presenter's screen ----------------------------------------------------------------------------

PresenterNotes::PresenterNotes(views::SimulationDocument* document, views::LessonPlayer* lesson,
                               QWidget* parent)
    : QWidget(parent, Qt::Window), doc_(document), lesson_(lesson) {
    setObjectName(QStringLiteral("PresenterNotes"));
    setWindowTitle(tr("Backlog — presenter's view"));
    now_ = new QLabel(this);
    now_->setWordWrap(true);
    now_->setTextFormat(Qt::RichText);
    next_ = new QLabel(this);
    next_->setWordWrap(true);
    clock_ = new QLabel(this);
    QFont big = clock_->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    clock_->setFont(big);
    QFont text = now_->font();
    text.setPointSizeF(text.pointSizeF() * 1.4);
    now_->setFont(text);
    now_->setAlignment(Qt::AlignTop | Qt::AlignLeft); // read from the top, however long the step is
    QFont coming = next_->font();
    coming.setPointSizeF(coming.pointSizeF() * 1.25);
    next_->setFont(coming);
    next_->setFrameShape(QFrame::StyledPanel); // apart from the step, a glance away
    next_->setMargin(8);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(clock_);
    layout->addWidget(now_, 1);
    layout->addWidget(next_);
    tick_ = new QTimer(this);
    tick_->setInterval(1000);
    connect(tick_, &QTimer::timeout, this, &PresenterNotes::refresh);
    tick_->start();
    startedMs_ = QDateTime::currentMSecsSinceEpoch();
    connect(lesson_, &views::LessonPlayer::stepChanged, this, &PresenterNotes::refresh);
    refresh();
}

void PresenterNotes::refresh() {
    const qint64 elapsed = (QDateTime::currentMSecsSinceEpoch() - startedMs_) / 1000;
    clock_->setText(tr("%1   ·   presenting for %2:%3")
                        .arg(QDateTime::currentDateTime().toString(QStringLiteral("HH:mm")))
                        .arg(elapsed / 60)
                        .arg(elapsed % 60, 2, 10, QLatin1Char('0')));
    const Lesson* lesson = lesson_->lesson();
    const int i = lesson_->currentStep();
    if (!lesson || i < 0) {
        now_->setText(tr("No lesson: PageDown steps through time."));
        next_->clear();
        return;
    }
    const Step& s = lesson->steps[static_cast<std::size_t>(i)];
    QString html = QStringLiteral("<h2>%1 / %2 — %3</h2>")
                       .arg(i + 1)
                       .arg(lesson_->stepCount())
                       .arg(QString::fromStdString(s.title).toHtmlEscaped()) +
                   htmlOf(s.say);
    if (s.question) {
        const Question& q = *s.question;
        html += QStringLiteral("<p><b>%1</b> %2</p>").arg(tr("Question:"), htmlOf(q.ask));
        // The answer, for the teacher's eyes: the class sees only the question.
        html +=
            QStringLiteral("<p><b>%1</b> %2</p>").arg(tr("Answer:"), views::answerText(q).toHtmlEscaped());
        html += QStringLiteral("<p><b>%1</b> %2</p>").arg(tr("Explanation:"), htmlOf(q.explain));
    }
    // Last, under their own heading, so that the teacher does not read them out as narration.
    if (!s.notes.empty()) html += QStringLiteral("<h3>%1</h3>").arg(tr("Notes")) + htmlOf(s.notes);
    now_->setText(html);
    const int n = i + 1;
    next_->setText(n < lesson_->stepCount()
                       ? tr("Next: %1. %2")
                             .arg(n + 1)
                             .arg(QString::fromStdString(lesson->steps[static_cast<std::size_t>(n)].title))
                       : tr("This is the last step."));
}

QString PresenterNotes::text() const {
    return now_->text() + QLatin1Char('\n') + next_->text();
}

} // namespace backlog::app
