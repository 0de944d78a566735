#include "views/widgets/DifferencesView.h"
#include "views/widgets/DocumentFollower.h"

#include "model/tools/Comparison.h"

#include <QCheckBox>
#include <QFontMetrics>
#include <QHeaderView>
#include <QLabel>
#include <QStackedWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <set>

namespace backlog::views {

namespace {

constexpr int kWhat = 0, kThis = 1, kOther = 2;

QString groupTitle(std::size_t group) {
    switch (static_cast<ComparisonGroup>(group)) {
    case ComparisonGroup::Settings:
        return QObject::tr("Settings");
    case ComparisonGroup::Counters:
        return QObject::tr("Counters (nstat)");
    case ComparisonGroup::Queues:
        return QObject::tr("Queues (ss -lnt)");
    case ComparisonGroup::Clients:
        return QObject::tr("Clients");
    }
    return {};
}

// A side without such a row (a listener or a traffic entry only the other run has).
QString shown(const ComparedValue& v) {
    return v.text.empty() ? QStringLiteral("—") : QString::fromStdString(v.text);
}

// Sets a cell's data only when it changes: an unchanged cell is not repainted. True when it changed.
bool setIfChanged(QTreeWidgetItem* item, int column, int role, const QVariant& value) {
    if (item->data(column, role) == value) return false;
    item->setData(column, role, value);
    return true;
}

} // namespace

DifferencesView::DifferencesView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("DifferencesView"));
    message_ = new QLabel(
        tr("Nothing to compare yet.\n\nCompare two runs: Parameters › Compare with… runs the "
           "scenario again with other settings, and Lab › Run on This Machine… shows the kernel's run "
           "beside the model's; what differs between them appears here."),
        this);
    message_->setObjectName(QStringLiteral("noComparison"));
    message_->setAlignment(Qt::AlignCenter);
    message_->setWordWrap(true);
    message_->setMargin(16);

    only_ = new QCheckBox(tr("Only differences"), this);
    only_->setObjectName(QStringLiteral("onlyDifferences"));
    only_->setChecked(true);
    only_->setToolTip(tr("Show only the rows whose values differ between the two runs"));
    summary_ = new QLabel(this);
    summary_->setObjectName(QStringLiteral("differencesSummary"));
    tree_ = new QTreeWidget(this);
    tree_->setObjectName(QStringLiteral("differences"));
    tree_->setColumnCount(3);
    tree_->setRootIsDecorated(true);
    tree_->setIndentation(tree_->indentation() / 2); // the names need the room more than the groups
    tree_->setUniformRowHeights(true);
    tree_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    tree_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    tree_->header()->setStretchLastSection(false);
    tree_->header()->setSectionResizeMode(kWhat, QHeaderView::Stretch);
    // Sized to their contents by fitValueColumns() when a row comes or goes or a value's width may have
    // changed, not on every change of a cell (ResizeToContents measures every row each time: on lesson
    // 12 a move of the playhead then took up to 4 ms instead of 0.1 ms).
    tree_->header()->setSectionResizeMode(kThis, QHeaderView::Interactive);
    tree_->header()->setSectionResizeMode(kOther, QHeaderView::Interactive);
    // Left: a title wider than its column then loses its end (the tooltip has it), not both ends.
    tree_->header()->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    tree_->header()->setTextElideMode(Qt::ElideRight);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        groups_[g] = new QTreeWidgetItem(tree_, {groupTitle(g)});
        groups_[g]->setFirstColumnSpanned(true);
        QFont bold = groups_[g]->font(kWhat);
        bold.setBold(true);
        groups_[g]->setFont(kWhat, bold);
        groups_[g]->setFlags(Qt::ItemIsEnabled);
        groups_[g]->setExpanded(true);
        groups_[g]->setHidden(true);
    }

    auto* table = new QWidget(this);
    auto* bar = new QHBoxLayout;
    bar->setContentsMargins(4, 2, 6, 2);
    bar->addWidget(only_);
    bar->addStretch(1);
    bar->addWidget(summary_);
    auto* tableLayout = new QVBoxLayout(table);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->addLayout(bar);
    tableLayout->addWidget(tree_);
    pages_ = new QStackedWidget(this);
    pages_->addWidget(message_);
    pages_->addWidget(table);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(pages_);
    connect(only_, &QCheckBox::toggled, this, [this] { rebuildWhenVisible(this); });
    connect(tree_, &QTreeWidget::itemExpanded, this, [this] { fitValueColumns(); });
}

// Each value column as wide as its values (and its title, when there is room), and never so wide that
// the names go: a run's title ("measured on Linux 6.18.44-…") is longer than any value, and in a dock
// of 380 px two such columns left the names nothing. A title cut short is elided; its tooltip has it.
void DifferencesView::fitValueColumns() {
    const int room = tree_->viewport()->width();
    const int cap = std::max(70, room * 3 / 10);
    const QFontMetrics header(tree_->header()->font());
    for (const int column : {kThis, kOther}) {
        const int values =
            static_cast<const QAbstractItemView*>(tree_)->sizeHintForColumn(column); // public there
        const int title = header.horizontalAdvance(tree_->headerItem()->text(column)) + 16;
        tree_->setColumnWidth(column, std::min(cap, std::max(values, std::min(title, room / 4))));
    }
}

void DifferencesView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitValueColumns();
}

void DifferencesView::setDocument(SimulationDocument* document) {
    if (doc_) disconnect(doc_, &SimulationDocument::comparisonChanged, this, nullptr);
    doc_ = document;
    followDocument(
        this, document, [this] { forget(); }, [this] { refresh(); });
    // The other run came or went: nothing shown of the last pair stays (the playhead's move that follows
    // rebuilds).
    if (document) connect(document, &SimulationDocument::comparisonChanged, this, [this] { forget(); });
}

void DifferencesView::setTheme(const Theme& theme) {
    theme_ = theme;
    rebuildWhenVisible(this); // every differing row's wash is set again
}

void DifferencesView::setOnlyDifferences(bool on) {
    only_->setChecked(on);
}

bool DifferencesView::onlyDifferences() const {
    return only_->isChecked();
}

bool DifferencesView::showsMessage() const {
    return pages_->currentWidget() == message_;
}

void DifferencesView::forget() {
    indexed_.reset();
    showMessage();
}

void DifferencesView::showMessage() {
    for (QTreeWidgetItem* group : groups_) {
        qDeleteAll(group->takeChildren());
        group->setHidden(true);
    }
    summary_->clear();
    pages_->setCurrentWidget(message_);
}

void DifferencesView::refresh() {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d || !d->comparison()) {
        forget();
        return;
    }
    const Simulation& a = d->simulation();
    const Simulation& b = *d->comparison();
    if (!indexed_ || indexed_->revision != d->revision())
        indexed_ = Indexed{d->revision(), ClientOutcomeIndex(a.history()), ClientOutcomeIndex(b.history())};
    const QString title = d->title().isEmpty() ? tr("this run") : d->title();
    const QString other = d->comparisonTitle().isEmpty() ? tr("the other run") : d->comparisonTitle();
    if (tree_->headerItem()->text(kThis) != title || tree_->headerItem()->text(kOther) != other) {
        tree_->setHeaderLabels({tr("What"), title, other});
        tree_->headerItem()->setToolTip(kThis, title);
        tree_->headerItem()->setToolTip(kOther, other);
        valuesResized_ = false;
    }
    const ComparisonRows which = only_->isChecked() ? ComparisonRows::Differing : ComparisonRows::All;
    const std::vector<ComparisonRow> rows = compareRuns(a, indexed_->a, b, indexed_->b, d->playhead(), which);
    showRows(rows, d->playhead());
    pages_->setCurrentIndex(1);
}

void DifferencesView::showRows(const std::vector<ComparisonRow>& rows, Time t) {
    std::array<std::vector<const ComparisonRow*>, 4> byGroup;
    std::size_t differing = 0;
    for (const ComparisonRow& row : rows) {
        byGroup[static_cast<std::size_t>(row.group)].push_back(&row);
        differing += row.differs ? 1 : 0;
    }
    bool wider = !valuesResized_;
    for (std::size_t g = 0; g < groups_.size(); ++g)
        wider = fillGroup(g, byGroup[g]) || wider;
    if (wider) fitValueColumns();
    valuesResized_ = true;
    const QString when = QString::fromStdString(formatSecondsTrimmed(t));
    const QString summary = differing == 0   ? tr("No differences at %1 s").arg(when)
                            : differing == 1 ? tr("1 difference at %1 s").arg(when)
                                             : tr("%1 differences at %2 s").arg(differing).arg(when);
    if (summary_->text() != summary) summary_->setText(summary);
}

// The group's rows become `rows` in place: rows that went are removed, rows that came are inserted where
// they belong (compareRuns() keeps one order, so the rows that stay are already in it), and every cell
// that changed is set.
// Returns whether the value columns may need another width (a row came or went, or a value's text did).
bool DifferencesView::fillGroup(std::size_t group, const std::vector<const ComparisonRow*>& rows) {
    QTreeWidgetItem* parent = groups_[group];
    std::set<QString> names;
    for (const ComparisonRow* row : rows)
        names.insert(QString::fromStdString(row->name));
    bool resize = false;
    for (int i = parent->childCount() - 1; i >= 0; --i) {
        if (names.contains(parent->child(i)->text(kWhat))) continue;
        delete parent->takeChild(i);
        resize = true;
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const int at = static_cast<int>(i);
        const QString name = QString::fromStdString(rows[i]->name);
        QTreeWidgetItem* item = parent->child(at);
        if (!item || item->text(kWhat) != name) {
            item = new QTreeWidgetItem({name});
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            item->setTextAlignment(kThis, Qt::AlignRight | Qt::AlignVCenter);
            item->setTextAlignment(kOther, Qt::AlignRight | Qt::AlignVCenter);
            parent->insertChild(at, item);
            resize = true;
        }
        resize = fillRow(item, *rows[i]) || resize;
    }
    const QString title =
        rows.empty() ? groupTitle(group) : groupTitle(group) + QStringLiteral("  (%1)").arg(rows.size());
    setIfChanged(parent, kWhat, Qt::DisplayRole, title);
    if (parent->isHidden() != rows.empty()) parent->setHidden(rows.empty());
    return resize;
}

// Returns whether the row's values may have another width now (another length or weight of text).
bool DifferencesView::fillRow(QTreeWidgetItem* item, const ComparisonRow& row) const {
    const QString a = shown(row.a), b = shown(row.b);
    bool wider = a.size() != item->text(kThis).size() || b.size() != item->text(kOther).size();
    setIfChanged(item, kThis, Qt::DisplayRole, a);
    setIfChanged(item, kOther, Qt::DisplayRole, b);
    QFont bold = tree_->font();
    bold.setBold(true);
    QColor wash = theme_.spotlight;
    wash.setAlpha(70);
    QString tip;
    if (row.differs && row.a.number && row.b.number) {
        const std::int64_t delta = *row.b.number - *row.a.number;
        tip = tr("%1 − %2 = %3%4")
                  .arg(tree_->headerItem()->text(kOther), tree_->headerItem()->text(kThis))
                  .arg(delta > 0 ? QStringLiteral("+") : QString())
                  .arg(delta);
    }
    // The name says what (in full, where the column is too narrow for it); the values are washed.
    setIfChanged(item, kWhat, Qt::FontRole, row.differs ? QVariant(bold) : QVariant());
    setIfChanged(item, kWhat, Qt::ToolTipRole, item->text(kWhat));
    for (int column : {kThis, kOther}) {
        wider = setIfChanged(item, column, Qt::FontRole, row.differs ? QVariant(bold) : QVariant()) || wider;
        setIfChanged(item, column, Qt::BackgroundRole, row.differs ? QVariant(QBrush(wash)) : QVariant());
        setIfChanged(item, column, Qt::ToolTipRole, tip.isEmpty() ? QVariant() : QVariant(tip));
    }
    return wider;
}

} // namespace backlog::views
