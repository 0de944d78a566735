#include "views/widgets/ParametersView.h"
#include "views/widgets/DocumentFollower.h"

#include "model/scenario/Settings.h"
#include "model/tools/Comparison.h"
#include "model/tools/KernelTools.h"
#include "views/document/SimulationDocument.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

namespace backlog::views {

ParametersView::ParametersView(SimulationDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
    auto* layout = new QVBoxLayout(this);
    help_ = new QLabel(this);
    help_->setWordWrap(true);
    layout->addWidget(help_);
    form_ = new QFormLayout;
    layout->addLayout(form_);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("status"));
    status_->setWordWrap(true);
    layout->addWidget(status_);
    compare_ = new QPushButton(tr("Compare with…"), this);
    compare_->setObjectName(QStringLiteral("compareWith"));
    compare_->setToolTip(
        tr("Run the same scenario again with other settings, beside this one on one playhead"));
    connect(compare_, &QPushButton::clicked, this, &ParametersView::askCompare);
    layout->addWidget(compare_, 0, Qt::AlignLeft);
    layout->addStretch(1);
    // The fields are made once per run (a change at the playhead keeps them: the one being edited is
    // the sender of the change); their values follow the playhead.
    connect(doc_, &SimulationDocument::loaded, this, &ParametersView::rebuildFields);
    rebuildFields(); // the document may already hold a scenario
    followDocument(
        this, doc_, [this] { status_->clear(); }, [this] { showValues(); });
}

void ParametersView::showValues() {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d) return;
    const Scenario now = settingsAt(d->simulation().scenario(), d->playhead());
    for (const Field& f : fields_) {
        // The field being typed in keeps what is typed; the others show what is in force.
        if (!f.widget || f.widget->hasFocus()) continue;
        const QSignalBlocker quiet(f.widget);
        f.show(now);
    }
}

QString ParametersView::apply(const QString& key, const QString& value) {
    if (!doc_) return tr("nothing is open");
    const QString error = doc_->change(key, value);
    status_->setText(
        error.isEmpty()
            ? tr("%1 = %2 from %3 s").arg(key, value, QString::fromStdString(formatSeconds(doc_->playhead())))
            : tr("%1: %2").arg(key, error));
    return error;
}

QString ParametersView::compareWith(const QString& changes, bool fromStart) {
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d) return tr("nothing is open");
    std::vector<std::pair<std::string, std::string>> list;
    for (const QString& line : changes.split(QLatin1Char('\n'))) {
        if (line.trimmed().isEmpty()) continue;
        const auto kv = splitAssignment(line.trimmed().toStdString());
        if (!kv) return tr("%1: expected KEY=VALUE, as server.backlog=512").arg(line.trimmed());
        list.push_back(*kv);
    }
    if (list.empty()) return tr("no change to compare with: type KEY=VALUE, as server.backlog=512");
    const Time from = fromStart ? Time() : d->playhead();
    ChangedRun other = runWithChanges(d->simulation().scenario(), list, from);
    if (!other.run) {
        status_->setText(QString::fromStdString(other.error));
        return QString::fromStdString(other.error);
    }
    QString title = QString::fromStdString(comparisonTitle(list));
    if (!fromStart) title += tr(" from %1").arg(QString::fromStdString(readableDuration(from)));
    doc_->compareWith(std::move(other.run), tr("as it is"), title);
    status_->setText(tr("Comparing with %1").arg(title));
    return {};
}

void ParametersView::askCompare() {
    if (!loadedOrNull(doc_)) return;
    auto* dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("compareDialog"));
    dialog->setWindowTitle(tr("Compare with…"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    auto* layout = new QVBoxLayout(dialog);
    auto* what = new QLabel(tr("The same scenario again with these settings, one per line "
                               "(as <code>server.backlog=512</code>), beside this run on one playhead:"),
                            dialog);
    what->setWordWrap(true);
    layout->addWidget(what);
    auto* text = new QPlainTextEdit(dialog);
    text->setObjectName(QStringLiteral("changes"));
    text->setPlaceholderText(QStringLiteral("server.backlog=512\nserver.workers.count=32"));
    text->setTabChangesFocus(true); // Tab goes on to the choices and the buttons, as in any form
    layout->addWidget(text);
    auto* fromStart = new QRadioButton(tr("From the start"), dialog);
    fromStart->setObjectName(QStringLiteral("fromStart"));
    auto* fromHere = new QRadioButton(
        tr("From the playhead (%1)").arg(QString::fromStdString(readableDuration(doc_->playhead()))), dialog);
    fromHere->setObjectName(QStringLiteral("fromPlayhead"));
    fromStart->setChecked(true);
    layout->addWidget(fromStart);
    layout->addWidget(fromHere);
    auto* error = new QLabel(dialog);
    error->setObjectName(QStringLiteral("error"));
    error->setWordWrap(true);
    error->setStyleSheet(QStringLiteral("color: #B34700"));
    layout->addWidget(error);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Compare"));
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, text, fromStart, error] {
        const QString problem = compareWith(text->toPlainText(), fromStart->isChecked());
        if (problem.isEmpty())
            dialog->accept();
        else
            error->setText(problem); // what was typed stays, to be mended
    });
    dialog->resize(440, 300);
    dialog->open();
}

void ParametersView::rebuildFields() {
    fields_.clear();
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    help_->setText(tr("Changes apply from the playhead on."));
    const SimulationDocument* d = loadedOrNull(doc_);
    if (!d) return;
    const Scenario& s = d->simulation().scenario();
    using Read = std::function<std::int64_t(const Scenario&)>;
    const auto integer = [&](const QString& label, const QString& key, const Read& read, int lo, int hi) {
        auto* box = new QSpinBox(this);
        box->setObjectName(key);
        box->setRange(lo, hi);
        box->setKeyboardTracking(false); // apply when the value is entered, not per keystroke
        connect(box, &QSpinBox::valueChanged, this, [this, key](int v) { apply(key, QString::number(v)); });
        form_->addRow(label, box);
        fields_.push_back({box, [box, read](const Scenario& now) {
                               box->setValue(static_cast<int>(
                                   std::clamp<std::int64_t>(read(now), box->minimum(), box->maximum())));
                           }});
    };
    const auto duration = [&](const QString& label, const QString& key,
                              const std::function<Time(const Scenario&)>& read) {
        auto* edit = new QLineEdit(this);
        edit->setObjectName(key);
        connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] { apply(key, edit->text()); });
        form_->addRow(label, edit);
        fields_.push_back({edit, [edit, read](const Scenario& now) {
                               const QString text = QString::fromStdString(formatDuration(read(now)));
                               if (edit->text() != text) edit->setText(text);
                           }});
    };
    integer(
        tr("listen() backlog"), QStringLiteral("server.backlog"),
        [](const Scenario& n) { return n.server.backlog; }, -1, 1 << 20);
    integer(
        tr("net.core.somaxconn"), QStringLiteral("net.core.somaxconn"),
        [](const Scenario& n) { return n.kernel.somaxconn; }, 0, 1 << 20);
    integer(
        tr("Listeners (SO_REUSEPORT)"), QStringLiteral("server.listeners"),
        [](const Scenario& n) { return std::int64_t{n.server.listeners}; }, 1, 64);
    integer(
        tr("Workers"), QStringLiteral("server.workers.count"),
        [](const Scenario& n) { return std::int64_t{n.server.workers.count}; }, 0, 10000);
    duration(tr("Service time"), QStringLiteral("server.workers.service"),
             [](const Scenario& n) { return n.server.workers.service.mean; });
    for (std::size_t i = 0; i < s.traffic.size(); ++i) {
        const TrafficEntry& e = s.traffic[i];
        if (e.kind != TrafficEntry::Kind::Clients) continue;
        duration(
            tr("Spacing of “%1”").arg(QString::fromStdString(e.clients.name)),
            QStringLiteral("traffic.%1.spacing").arg(QString::fromStdString(e.clients.name)),
            [i](const Scenario& n) { return i < n.traffic.size() ? n.traffic[i].clients.spacing : Time(); });
    }
    auto* cookies = new QComboBox(this);
    cookies->setObjectName(QStringLiteral("net.ipv4.tcp_syncookies"));
    cookies->addItems({tr("0: never"), tr("1: when the SYN queue is full"), tr("2: always")});
    connect(cookies, &QComboBox::activated, this,
            [this](int i) { apply(QStringLiteral("net.ipv4.tcp_syncookies"), QString::number(i)); });
    form_->addRow(tr("net.ipv4.tcp_syncookies"), cookies);
    fields_.push_back(
        {cookies, [cookies](const Scenario& now) { cookies->setCurrentIndex(now.kernel.tcpSyncookies); }});
    auto* abort = new QCheckBox(tr("reset instead of ignoring"), this);
    abort->setObjectName(QStringLiteral("net.ipv4.tcp_abort_on_overflow"));
    connect(abort, &QCheckBox::toggled, this, [this](bool on) {
        apply(QStringLiteral("net.ipv4.tcp_abort_on_overflow"),
              on ? QStringLiteral("1") : QStringLiteral("0"));
    });
    form_->addRow(tr("net.ipv4.tcp_abort_on_overflow"), abort);
    fields_.push_back(
        {abort, [abort](const Scenario& now) { abort->setChecked(now.kernel.tcpAbortOnOverflow != 0); }});
    // The kernel's run is what the kernel did: every change would be refused (Simulation::measured), so
    // the fields show the settings it ran with and offer nothing to edit.
    if (d->simulation().source().measured) {
        help_->setText(tr("Measured on the real kernel: these are the settings it ran with. To change one, "
                          "change the scenario and run it on this machine again."));
        for (const Field& f : fields_)
            if (f.widget) f.widget->setEnabled(false);
    }
    showValues();
}

} // namespace backlog::views
