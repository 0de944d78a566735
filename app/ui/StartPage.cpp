#include "app/ui/StartPage.h"

#include "app/ui/AppSettings.h"
#include "app/ui/LessonLibrary.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace backlog::app {

namespace {
constexpr int kPathRole = Qt::UserRole;
constexpr int kFolderRole = Qt::UserRole + 1;

QString progressText(const LessonEntry& e) {
    const LessonProgress p = lessonProgress(e.path);
    if (!e.error.isEmpty()) return StartPage::tr("cannot be read");
    if (p.finished) {
        const int right = static_cast<int>(p.answers.count(QLatin1Char('R')));
        const int asked =
            static_cast<int>(p.answers.count(QLatin1Char('R')) + p.answers.count(QLatin1Char('W')) +
                             p.answers.count(QLatin1Char('S')));
        return asked > 0 ? StartPage::tr("done · %1/%2 right").arg(right).arg(asked) : StartPage::tr("done");
    }
    if (p.step < 0) return StartPage::tr("not started");
    return StartPage::tr("step %1 of %2").arg(p.step + 1).arg(e.steps);
}
} // namespace

StartPage::StartPage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("StartPage"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    auto* heading = new QLabel(tr("Lessons"), this);
    QFont f = heading->font();
    f.setPointSizeF(f.pointSizeF() * 1.8);
    f.setBold(true);
    heading->setFont(f);
    auto* intro =
        new QLabel(tr("How Linux takes in TCP connections, one lesson at a time. Open a lesson to follow "
                      "it step by step: Page Down moves on (a presentation clicker sends it), Space plays "
                      "and pauses."),
                   this);
    intro->setWordWrap(true);
    list_ = new QTreeWidget(this);
    list_->setObjectName(QStringLiteral("lessonList"));
    list_->setColumnCount(5);
    list_->setHeaderLabels({tr("№"), tr("Lesson"), tr("Minutes"), tr("Level"), tr("Progress")});
    list_->setRootIsDecorated(false);
    list_->setStyleSheet(QStringLiteral("QTreeView::item { padding: 4px 2px; }"));
    list_->setWordWrap(true);
    list_->setUniformRowHeights(false);
    list_->header()->setSectionResizeMode(1, QHeaderView::Stretch);
    list_->header()->setStretchLastSection(false);
    for (int c : {0, 2, 3, 4})
        list_->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);

    auto* buttons = new QHBoxLayout;
    open_ = new QPushButton(tr("Open Lesson"), this);
    open_->setDefault(true);
    auto* sandbox = new QPushButton(tr("Open the Sandbox"), this);
    sandbox->setToolTip(tr("A scenario without steps, to try parameters freely"));
    auto* add = new QPushButton(tr("Add Folder…"), this);
    add->setToolTip(tr("Lessons you or your teacher wrote: every lesson file in a folder"));
    remove_ = new QPushButton(tr("Remove Folder"), this);
    buttons->addWidget(open_);
    buttons->addWidget(sandbox);
    buttons->addStretch(1);
    buttons->addWidget(add);
    buttons->addWidget(remove_);

    layout->addWidget(heading);
    layout->addWidget(intro);
    layout->addWidget(list_, 1);
    details_ = new QLabel(this);
    details_->setObjectName(QStringLiteral("lessonDetails"));
    details_->setWordWrap(true);
    details_->setMinimumHeight(3 * details_->fontMetrics().lineSpacing());
    details_->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(details_);
    layout->addLayout(buttons);

    connect(open_, &QPushButton::clicked, this, &StartPage::openSelected);
    connect(list_, &QTreeWidget::itemActivated, this, &StartPage::openSelected);
    connect(sandbox, &QPushButton::clicked, this, [this] { emit openRequested(defaultScenarioPath()); });
    connect(add, &QPushButton::clicked, this, &StartPage::addFolder);
    connect(remove_, &QPushButton::clicked, this, &StartPage::removeFolder);
    connect(list_, &QTreeWidget::currentItemChanged, this, [this](QTreeWidgetItem* item) {
        open_->setEnabled(item && !item->data(0, kPathRole).toString().isEmpty());
        remove_->setEnabled(item && !item->data(0, kFolderRole).toString().isEmpty());
        // The selected lesson's summary under the list.
        const QString summary = item ? item->data(1, Qt::UserRole).toString() : QString();
        details_->setText(summary.isEmpty()
                              ? QString()
                              : QStringLiteral("<b>%1</b> — %2")
                                    .arg(item->text(1).toHtmlEscaped(), summary.toHtmlEscaped()));
    });
    refresh();
}

void StartPage::addSection(const QString& title, const QString& folder, bool removable) {
    auto* header = new QTreeWidgetItem(list_, {title});
    QFont bold = header->font(0);
    bold.setBold(true);
    header->setFont(0, bold);
    header->setFlags(Qt::ItemIsEnabled | (removable ? Qt::ItemIsSelectable : Qt::NoItemFlags));
    header->setFirstColumnSpanned(true);
    if (removable) header->setData(0, kFolderRole, folder);
    const QVector<LessonEntry> lessons = lessonsIn(folder);
    if (lessons.isEmpty()) new QTreeWidgetItem(list_, {QString(), tr("(no lesson files here)")});
    for (const LessonEntry& e : lessons) {
        auto* item = new QTreeWidgetItem(list_);
        item->setText(0, e.number > 0 ? QString::number(e.number) : QString());
        item->setText(1, e.title);
        QFont titleFont = item->font(1);
        titleFont.setBold(true);
        item->setFont(1, titleFont);
        item->setData(1, Qt::UserRole, e.summary);
        item->setText(2, e.minutes > 0 ? QString::number(e.minutes) : QString());
        item->setText(3, e.level);
        item->setText(4, progressText(e));
        item->setToolTip(1, e.error.isEmpty() ? e.summary : e.error);
        item->setData(0, kPathRole, e.path);
        item->setTextAlignment(0, Qt::AlignRight | Qt::AlignVCenter);
        if (removable) item->setData(0, kFolderRole, folder);
    }
}

void StartPage::refresh() {
    const QString selected =
        list_->currentItem() ? list_->currentItem()->data(0, kPathRole).toString() : QString();
    list_->clear();
    addSection(tr("Shipped lessons"), shippedLessonsDir(), false);
    for (const QString& folder : settings::lessonFolders.get())
        addSection(QDir::toNativeSeparators(folder), folder, true);
    // Keep the selection, or select the first lesson, so Enter opens something.
    QTreeWidgetItem* first = nullptr;
    for (int i = 0; i < list_->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = list_->topLevelItem(i);
        const QString path = item->data(0, kPathRole).toString();
        if (path.isEmpty()) continue;
        if (!first || path == selected) first = item;
        if (path == selected) break;
    }
    if (first) list_->setCurrentItem(first);
    open_->setEnabled(first != nullptr);
}

void StartPage::openSelected() {
    const QTreeWidgetItem* item = list_->currentItem();
    const QString path = item ? item->data(0, kPathRole).toString() : QString();
    if (!path.isEmpty()) emit openRequested(path);
}

void StartPage::addFolder() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Add a folder of lessons"));
    if (folder.isEmpty()) return;
    QStringList folders = settings::lessonFolders.get();
    if (!folders.contains(folder)) folders << folder;
    settings::lessonFolders.set(folders);
    refresh();
}

void StartPage::removeFolder() {
    const QTreeWidgetItem* item = list_->currentItem();
    const QString folder = item ? item->data(0, kFolderRole).toString() : QString();
    if (folder.isEmpty()) return;
    QStringList folders = settings::lessonFolders.get();
    folders.removeAll(folder);
    settings::lessonFolders.set(folders);
    refresh();
}

} // namespace backlog::app
