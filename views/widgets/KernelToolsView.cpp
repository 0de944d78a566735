#include "views/widgets/KernelToolsView.h"
#include "views/widgets/DocumentFollower.h"

#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"
#include "model/tools/KernelTools.h"
#include "views/document/SimulationDocument.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace backlog::views {

namespace {

QString seconds(Time t) {
    return QString::fromStdString(formatDuration(t));
}

// printk's timestamp: seconds since boot (here, since the run began) with microseconds.
std::string dmesg(const Simulation& sim, Time t) {
    std::string out;
    for (const KernelLogLine& line : sim.kernelLog()) {
        if (line.at > t) break;
        const std::int64_t us = line.at.count() / 1000;
        out += QStringLiteral("[%1.%2] ")
                   .arg(us / 1'000'000, 5)
                   .arg(us % 1'000'000, 6, 10, QLatin1Char('0'))
                   .toStdString() +
               line.text + "\n";
    }
    return out;
}

// Logs read like a terminal: the newest line at the bottom, in view.
bool isLog(KernelToolsView::Tool tool) {
    return tool == KernelToolsView::Tool::Dmesg || tool == KernelToolsView::Tool::Kprobes ||
           tool == KernelToolsView::Tool::Wakeups;
}

} // namespace

KernelToolsView::KernelToolsView(QWidget* parent) : QWidget(parent) {
    tool_ = new QComboBox(this);
    // The server's tools, then a client machine's nstat (the retransmitted SYNs are counted there) and
    // the server's kernel log ("Possible SYN flooding …"), then the others. What follows three spaces is
    // a description, not part of the command.
    tool_->addItems({QStringLiteral("ss -lnt"), QStringLiteral("ss -tan"), QStringLiteral("nstat -az"),
                     QStringLiteral("nstat -az   (on a client)"), QStringLiteral("dmesg"),
                     QStringLiteral("ss -s   (TCP sockets by state)"),
                     QStringLiteral("nstat   (the change since the previous step)"),
                     QStringLiteral("sysctl   (the kernel settings in force)"),
                     QStringLiteral("kprobes   (SYNs, accept-queue adds, accept())"),
                     QStringLiteral("kprobes   (wake-ups: accepted, asleep again, EAGAIN)")});
    tool_->setToolTip(tr("Which tool's output to show at the playhead"));
    copy_ = new QToolButton(this);
    copy_->setText(tr("Copy"));
    copy_->setToolTip(tr("Copy the selected text, or all of it, to the clipboard"));
    text_ = new QPlainTextEdit(this);
    text_->setReadOnly(true);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);
    text_->setLineWrapMode(QPlainTextEdit::NoWrap);
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto* bar = new QHBoxLayout;
    bar->addWidget(tool_, 1);
    bar->addWidget(copy_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(bar);
    layout->addWidget(text_);
    connect(tool_, &QComboBox::currentIndexChanged, this, [this] { refresh(); });
    connect(copy_, &QToolButton::clicked, this, &KernelToolsView::copy);
}

void KernelToolsView::setDocument(SimulationDocument* doc) {
    doc_ = doc;
    // A comparison begun or ended: what was printed was of the runs before. The playhead's move that
    // follows prints again (while the view is visible; when it is shown, otherwise).
    disconnect(comparison_);
    if (doc)
        comparison_ = connect(doc, &SimulationDocument::comparisonChanged, this, [this] {
            shown_ = {};
            text_->clear();
        });
    followDocument(
        this, doc,
        [this] {
            shown_ = {};
            text_->clear();
        },
        [this] {
            if (const SimulationDocument* d = loadedOrNull(doc_)) show(d->simulation(), d->playhead());
        });
}

void KernelToolsView::setTool(Tool tool) {
    tool_->setCurrentIndex(static_cast<int>(tool));
}

KernelToolsView::Tool KernelToolsView::tool() const {
    return static_cast<Tool>(tool_->currentIndex());
}

QString KernelToolsView::text() const {
    return text_->toPlainText();
}

void KernelToolsView::copy() {
    if (text_->textCursor().hasSelection())
        text_->copy();
    else
        QApplication::clipboard()->setText(text());
}

SimulationDocument* KernelToolsView::documentFor(const Simulation& sim) const {
    const auto holds = [&sim](const SimulationDocument* d) {
        return d->isLoaded() && &d->simulation() == &sim;
    };
    if (SimulationDocument* d = doc_.data()) return holds(d) ? d : nullptr;
    // The main window owns both this dock and the document; a test may put them under any parent.
    for (const QObject* o = parent(); o; o = o->parent()) {
        for (SimulationDocument* d : o->findChildren<SimulationDocument*>(Qt::FindDirectChildrenOnly))
            if (holds(d)) return d;
    }
    return nullptr;
}

KernelToolsView::Since KernelToolsView::nstatSince(const Simulation& sim, Time t) const {
    // The latest step that began before t: at a step's own moment, the change since the one before it.
    const SimulationDocument* doc = documentFor(sim);
    const Lesson* lesson = doc ? doc->lesson() : nullptr;
    if (lesson) {
        const std::vector<Time>& times = doc->stepTimes();
        for (std::size_t i = times.size(); i-- > 0;) {
            if (times[i].isNever() || times[i] >= t) continue;
            QString label = QStringLiteral("step %1").arg(i + 1);
            const std::vector<Step>& steps = lesson->steps;
            if (i < steps.size() && !steps[i].title.empty())
                label += QStringLiteral(" \"%1\"").arg(QString::fromStdString(steps[i].title));
            return {times[i], label + QStringLiteral(" at ") + seconds(times[i])};
        }
    }
    return {Time(), QStringLiteral("the run's start")};
}

std::vector<KernelToolsView::Command> KernelToolsView::commands(const Simulation& sim, Time t,
                                                                const Since& since) const {
    const History& h = sim.history();
    switch (tool()) {
    case Tool::SsListening:
        return {{QStringLiteral("ss -lnt"), formatSsListening(sim.ssListening(t))}};
    case Tool::SsAll:
        return {{QStringLiteral("ss -tan"), formatSsAll(sim.ssAll(t))}};
    case Tool::Nstat:
        return {{QStringLiteral("nstat -az"), formatNstat(h.countersAt(Host::Server, t))}};
    case Tool::NstatClient:
        return {{QStringLiteral("nstat -az"), formatNstat(h.countersAt(Host::Clients, t))}};
    case Tool::Dmesg:
        return {{QStringLiteral("dmesg"), dmesg(sim, t)}};
    case Tool::SsSummary:
        return {{QStringLiteral("ss -s | grep '^TCP:'"), formatSsSummaryTcp(tcpSockstatAt(sim, t))},
                {QStringLiteral("ss -tan | awk 'NR>1 {print $1}' | sort | uniq -c"),
                 formatStateCounts(sim.ssAll(t))}};
    case Tool::NstatSinceStep: {
        // As if nstat had been run at that moment, and is run again now (its history file holds the first).
        const Time interval = t - since.at;
        return {{QStringLiteral("nstat   # since %1, %2 ago (rate: per second)")
                     .arg(since.label, seconds(interval)),
                 formatNstatIncrements(h.countersAt(Host::Server, t), h.countersAt(Host::Server, since.at),
                                       interval)}};
    }
    case Tool::Sysctl: {
        const std::vector<SysctlValue> values = sysctlValues(kernelSettingsAt(sim.scenario(), t));
        return {{QString::fromStdString(sysctlCommand(values)), formatSysctl(values)}};
    }
    case Tool::Kprobes:
        return {{QStringLiteral("sudo python3 observe.py   # the last %1 lines").arg(kProbeLogLines),
                 formatTracePipe(probeHitsAt(sim, t), h.listeners.size() > 1)}};
    case Tool::Wakeups:
        return {{QStringLiteral("sudo python3 wakeups.py   # the last %1 wake-ups and how each ended")
                     .arg(kProbeLogLines),
                 formatWakeupTrace(wakeupHitsAt(sim, t), h.listeners.size() > 1)}};
    }
    return {};
}

void KernelToolsView::show(const Simulation& sim, Time t) {
    SimulationDocument* doc = documentFor(sim);
    shown_ = {doc, doc ? doc->revision() : 0, t};
    print(sim, t);
}

void KernelToolsView::refresh() {
    const SimulationDocument* doc = loadedOrNull(shown_.doc);
    if (doc && doc->revision() == shown_.revision)
        print(doc->simulation(), shown_.t);
    else
        text_->clear(); // nothing printed, or a run that has gone: nothing to print again
}

QString KernelToolsView::printed(const Simulation& sim, Time t, const Since& since) const {
    QString out;
    for (const auto& [command, output] : commands(sim, t, since))
        out += QStringLiteral("$ ") + command + QLatin1Char('\n') + QString::fromStdString(output);
    return out;
}

QString KernelToolsView::side(const QString& title, const Simulation& sim, Time t, Since since) const {
    QString heading = title;
    // The playhead runs to the later of the two ends: the shorter run stays as it was at its own.
    const Time end = sim.history().end;
    if (t > end) {
        heading += tr(", as at its end (%1)").arg(seconds(end));
        t = end;
    }
    since.at = std::min(since.at, t);
    return QStringLiteral("── %1 ──\n").arg(heading) + printed(sim, t, since);
}

void KernelToolsView::print(const Simulation& sim, Time t) {
    const SimulationDocument* doc = documentFor(sim);
    const Simulation* other = doc ? doc->comparison() : nullptr;
    // A lesson's steps are on the one playhead: nstat's change is counted from the same step in both runs.
    const Since since = nstatSince(sim, t);
    const QString out =
        other ? side(doc->title().isEmpty() ? tr("this run") : doc->title(), sim, t, since) +
                    QLatin1Char('\n') +
                    side(doc->comparisonTitle().isEmpty() ? tr("the other run") : doc->comparisonTitle(),
                         *other, t, since)
              : printed(sim, t, since);
    // Unchanged text is left alone, so a selection survives a refresh at the same moment.
    if (out == text_->toPlainText()) return;
    QScrollBar* scroll = text_->verticalScrollBar();
    const int at = scroll->value();
    text_->setPlainText(out);
    scroll->setValue(isLog(tool()) ? scroll->maximum() : at);
}

} // namespace backlog::views
