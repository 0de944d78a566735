#include "views/widgets/NarrationView.h"

#include "model/lesson/Markdown.h"
#include "views/document/LessonPlayer.h"
#include "views/document/SimulationDocument.h"

#include <QButtonGroup>
#include <QDoubleValidator>
#include <QEvent>
#include <QFrame>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QPushButton>
#include <QRadioButton>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace backlog::views {

namespace {

QString html(const std::string& markdown) {
    return QString::fromStdString(markdownToHtml(markdown).html);
}

QString formatNumber(double v) {
    return QLocale().toString(v, 'g', 12);
}

} // namespace

QString answerText(const Question& q) {
    if (q.kind == Question::Kind::Choice)
        return q.answer >= 0 && static_cast<std::size_t>(q.answer) < q.choices.size()
                   ? QString::fromStdString(markdownToPlain(q.choices[static_cast<std::size_t>(q.answer)]))
                   : QString();
    return formatNumber(q.number) +
           (q.unit.empty() ? QString() : QLatin1Char(' ') + QString::fromStdString(q.unit));
}

NarrationView::NarrationView(SimulationDocument* document, LessonPlayer* lesson, QWidget* parent)
    : QWidget(parent), document_(document), lesson_(lesson) {
    setObjectName(QStringLiteral("NarrationView"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 8, 8, 8);

    lessonTitle_ = new QLabel(this);
    lessonTitle_->setWordWrap(true);
    QFont big = lessonTitle_->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.2);
    lessonTitle_->setFont(big);
    position_ = new QLabel(this);
    position_->setObjectName(QStringLiteral("stepPosition"));
    stepTitle_ = new QLabel(this);
    stepTitle_->setWordWrap(true);
    QFont bold = stepTitle_->font();
    bold.setBold(true);
    stepTitle_->setFont(bold);

    text_ = new QTextBrowser(this);
    text_->setOpenExternalLinks(true);
    // PageUp/PageDown belong to the lesson (the clicker), not to scrolling this text.
    text_->setFocusPolicy(Qt::NoFocus);
    text_->setMinimumHeight(120);

    problems_ = new QLabel(this);
    problems_->setWordWrap(true);
    problems_->setStyleSheet(QStringLiteral("color: #D55E00;"));
    problems_->hide();

    buildQuestionCard(bold);

    score_ = new QLabel(this);
    score_->setObjectName(QStringLiteral("score"));
    score_->setWordWrap(true);
    score_->setFont(bold);

    QHBoxLayout* navigation = buildNavigation();

    steps_ = new QListWidget(this);
    steps_->setObjectName(QStringLiteral("stepList"));
    steps_->setFocusPolicy(Qt::NoFocus);

    layout->addWidget(lessonTitle_);
    layout->addLayout(navigation);
    layout->addWidget(stepTitle_);
    layout->addWidget(text_, 3);
    layout->addWidget(problems_);
    layout->addWidget(card_);
    layout->addWidget(score_);
    layout->addWidget(steps_, 2);

    connectActions();
    rebuild();
}

// The question card: the question, its choices or a number field, Answer and Skip, then the verdict,
// the explanation and Continue.
void NarrationView::buildQuestionCard(const QFont& bold) {
    card_ = new QFrame(this);
    card_->setObjectName(QStringLiteral("questionCard"));
    card_->setFrameShape(QFrame::StyledPanel);
    auto* cardLayout = new QVBoxLayout(card_);
    ask_ = new QLabel(card_);
    ask_->setWordWrap(true);
    ask_->setTextFormat(Qt::RichText);
    ask_->setOpenExternalLinks(true);
    choiceBox_ = new QWidget(card_);
    choiceLayout_ = new QVBoxLayout(choiceBox_);
    choiceLayout_->setContentsMargins(0, 0, 0, 0);
    choices_ = new QButtonGroup(this);
    numberBox_ = new QWidget(card_);
    auto* numberLayout = new QHBoxLayout(numberBox_);
    numberLayout->setContentsMargins(0, 0, 0, 0);
    number_ = new QLineEdit(numberBox_);
    number_->setObjectName(QStringLiteral("numberAnswer"));
    number_->setValidator(new QDoubleValidator(number_));
    number_->setPlaceholderText(tr("your prediction"));
    unit_ = new QLabel(numberBox_);
    numberLayout->addWidget(number_, 1);
    numberLayout->addWidget(unit_);
    auto* buttons = new QHBoxLayout;
    answer_ = new QPushButton(tr("Answer"), card_);
    answer_->setObjectName(QStringLiteral("answerButton"));
    skip_ = new QPushButton(tr("Skip"), card_);
    skip_->setObjectName(QStringLiteral("skipButton"));
    skip_->setToolTip(tr("Show the answer without answering"));
    buttons->addWidget(answer_);
    buttons->addWidget(skip_);
    buttons->addStretch(1);
    verdict_ = new QLabel(card_);
    verdict_->setObjectName(QStringLiteral("verdict"));
    verdict_->setWordWrap(true);
    verdict_->setFont(bold);
    explain_ = new QLabel(card_);
    explain_->setWordWrap(true);
    explain_->setTextFormat(Qt::RichText);
    explain_->setOpenExternalLinks(true);
    continue_ = new QPushButton(tr("Continue"), card_);
    continue_->setObjectName(QStringLiteral("continueButton"));
    continue_->setToolTip(tr("Play on to see what happens (PageDown: the next step)"));
    cardLayout->addWidget(ask_);
    cardLayout->addWidget(choiceBox_);
    cardLayout->addWidget(numberBox_);
    cardLayout->addLayout(buttons);
    cardLayout->addWidget(verdict_);
    cardLayout->addWidget(explain_);
    cardLayout->addWidget(continue_, 0, Qt::AlignLeft);
}

// ◀ Previous, "step 3 of 9", Next ▶: the buttons take no focus, so PageUp/PageDown stay the lesson's.
QHBoxLayout* NarrationView::buildNavigation() {
    auto* navigation = new QHBoxLayout;
    previous_ = new QPushButton(tr("◀ Previous"), this);
    previous_->setToolTip(tr("The previous step (Page Up)"));
    next_ = new QPushButton(tr("Next ▶"), this);
    next_->setToolTip(tr("The next step (Page Down)"));
    previous_->setFocusPolicy(Qt::NoFocus);
    next_->setFocusPolicy(Qt::NoFocus);
    navigation->addWidget(previous_);
    navigation->addStretch(1);
    navigation->addWidget(position_);
    navigation->addStretch(1);
    navigation->addWidget(next_);

    return navigation;
}

void NarrationView::connectActions() {
    connect(previous_, &QPushButton::clicked, lesson_, &LessonPlayer::previousStep);
    connect(next_, &QPushButton::clicked, lesson_, &LessonPlayer::nextStep);
    connect(steps_, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { lesson_->goToStep(steps_->row(item)); });
    connect(steps_, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { lesson_->goToStep(steps_->row(item)); });
    connect(answer_, &QPushButton::clicked, this, &NarrationView::submit);
    connect(number_, &QLineEdit::returnPressed, this, &NarrationView::submit);
    connect(skip_, &QPushButton::clicked, lesson_, &LessonPlayer::skipQuestion);
    connect(continue_, &QPushButton::clicked, lesson_, &LessonPlayer::resume);
    connect(choices_, &QButtonGroup::idClicked, this, [this] { answer_->setEnabled(true); });
    connect(number_, &QLineEdit::textChanged, this,
            [this] { answer_->setEnabled(number_->hasAcceptableInput()); });
    connect(document_, &SimulationDocument::loaded, this, &NarrationView::rebuild);
    connect(lesson_, &LessonPlayer::stepChanged, this, &NarrationView::showStep);
    connect(lesson_, &LessonPlayer::answerChanged, this, [this] {
        showQuestion();
        showScore();
    });
    connect(lesson_, &LessonPlayer::finishedChanged, this, &NarrationView::showScore);
    // PageDown on an open question asks first (LessonPlayer::skipAsked); the next one skips it.
    connect(lesson_, &LessonPlayer::skipAsked, this, [this] {
        verdict_->setText(tr("Skip this question? Press Page Down again to skip it and see the answer."));
        verdict_->setVisible(true);
    });
}

void NarrationView::rebuild() {
    steps_->clear();
    const Lesson* lesson = lesson_->lesson();
    if (!lesson) {
        lessonTitle_->setText(tr("No lesson is open"));
        text_->setHtml(tr("<p>Open a lesson from the start page (<b>Lessons › Start Page</b>) to follow it "
                          "step by step here.</p>"));
        position_->clear();
        stepTitle_->clear();
        card_->hide();
        score_->hide();
        problems_->hide();
        previous_->setEnabled(false);
        next_->setEnabled(false);
        return;
    }
    lessonTitle_->setText(QString::fromStdString(lesson->title));
    for (int i = 0; i < lesson_->stepCount(); ++i) {
        const Step& s = lesson->steps[static_cast<std::size_t>(i)];
        auto* item = new QListWidgetItem(
            QStringLiteral("%1. %2").arg(i + 1).arg(QString::fromStdString(backlog::stepName(s))), steps_);
        if (!lesson_->isReachable(i)) {
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
            item->setToolTip(tr("This step's condition never holds in this run"));
        } else {
            item->setToolTip(QString::fromStdString(formatSeconds(lesson_->stepTime(i))) +
                             QStringLiteral(" s"));
        }
    }
    const QStringList problems = document_->lessonProblems();
    problems_->setVisible(!problems.isEmpty());
    problems_->setText(problems.join(QLatin1Char('\n')));
    showStep();
}

void NarrationView::showStep() {
    const Lesson* lesson = lesson_->lesson();
    const int i = lesson_->currentStep();
    if (!lesson || i < 0) return;
    const Step& s = lesson->steps[static_cast<std::size_t>(i)];
    position_->setText(tr("Step %1 of %2").arg(i + 1).arg(lesson_->stepCount()));
    stepTitle_->setText(QString::fromStdString(backlog::stepName(s)));
    text_->setHtml(html(s.say));
    steps_->setCurrentRow(i);
    previous_->setEnabled(i > 0);
    next_->setEnabled(i + 1 < lesson_->stepCount());
    showQuestion();
    showScore();
}

void NarrationView::showQuestion() {
    const Lesson* lesson = lesson_->lesson();
    const int i = lesson_->currentStep();
    if (!lesson || i < 0 || !lesson->steps[static_cast<std::size_t>(i)].question) {
        card_->hide();
        return;
    }
    const Question& q = *lesson->steps[static_cast<std::size_t>(i)].question;
    const LessonPlayer::Answer a = lesson_->answer(i);
    const bool open = a == LessonPlayer::Answer::None;
    card_->show();
    ask_->setText(html(q.ask));
    // Rebuild the choices for this question (a different step may have had different ones).
    for (QAbstractButton* b : choices_->buttons())
        choices_->removeButton(b);
    while (QLayoutItem* row = choiceLayout_->takeAt(0)) {
        delete row->widget();
        delete row;
    }
    choiceBox_->setVisible(q.kind == Question::Kind::Choice);
    numberBox_->setVisible(q.kind == Question::Kind::Number);
    if (q.kind == Question::Kind::Choice) {
        for (std::size_t c = 0; c < q.choices.size(); ++c) {
            // A radio button beside a word-wrapped label: a radio button's own text never wraps, and a
            // long answer would widen the dock for good.
            auto* row = new QWidget(choiceBox_);
            auto* rowLayout = new QHBoxLayout(row);
            rowLayout->setContentsMargins(0, 0, 0, 0);
            auto* b = new QRadioButton(row);
            b->setObjectName(QStringLiteral("choice%1").arg(c + 1));
            b->setAccessibleName(QString::fromStdString(markdownToPlain(q.choices[c])));
            auto* label = new QLabel(html(q.choices[c]), row);
            label->setWordWrap(true);
            label->setTextFormat(Qt::RichText);
            label->setProperty("choice", static_cast<int>(c));
            label->installEventFilter(this);
            rowLayout->addWidget(b, 0, Qt::AlignTop);
            rowLayout->addWidget(label, 1);
            choices_->addButton(b, static_cast<int>(c));
            choiceLayout_->addWidget(row);
            b->setEnabled(open);
            label->setEnabled(open);
            if (lesson_->chosen(i) == static_cast<int>(c)) b->setChecked(true);
        }
    } else {
        unit_->setText(QString::fromStdString(q.unit));
        number_->setEnabled(open);
        if (open)
            number_->clear();
        else if (const std::optional<double> v = lesson_->given(i))
            number_->setText(formatNumber(*v));
    }
    answer_->setVisible(open);
    answer_->setEnabled(false);
    skip_->setVisible(open);
    verdict_->setVisible(!open);
    explain_->setVisible(!open);
    continue_->setVisible(!open);
    if (open) return;
    const QString right = answerText(q);
    switch (a) {
    case LessonPlayer::Answer::Right:
        verdict_->setText(tr("Right: %1.").arg(right));
        break;
    case LessonPlayer::Answer::Wrong:
        verdict_->setText(tr("Not quite: the answer is %1.").arg(right));
        break;
    default:
        verdict_->setText(tr("The answer: %1.").arg(right));
        break;
    }
    explain_->setText(html(q.explain));
}

// A click on a choice's text picks it, as a click on a radio button's own text would.
bool NarrationView::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonRelease && watched->property("choice").isValid()) {
        if (QAbstractButton* b = choices_->button(watched->property("choice").toInt()); b && b->isEnabled())
            b->click();
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void NarrationView::submit() {
    const Lesson* lesson = lesson_->lesson();
    const int i = lesson_->currentStep();
    if (!lesson || i < 0 || !lesson_->isWaitingForAnswer()) return;
    const Question& q = *lesson->steps[static_cast<std::size_t>(i)].question;
    if (q.kind == Question::Kind::Choice) {
        if (choices_->checkedId() >= 0) lesson_->answerChoice(choices_->checkedId());
    } else if (number_->hasAcceptableInput()) {
        bool ok = false;
        const double v = QLocale().toDouble(number_->text(), &ok);
        if (ok) lesson_->answerNumber(v);
    }
}

void NarrationView::showScore() {
    const int total = lesson_->questionCount();
    const bool show = lesson_->isActive() && lesson_->isFinished() && total > 0;
    score_->setVisible(show);
    if (!show) return;
    const int skipped = lesson_->skippedQuestions();
    score_->setText(tr("Lesson complete. %1 of %2 questions answered right%3.")
                        .arg(lesson_->rightAnswers())
                        .arg(total)
                        .arg(skipped > 0 ? tr(" (%1 skipped)").arg(skipped) : QString()));
}

} // namespace backlog::views
