#include "KernelToolsView.h"

#include "KernelTools.h"
#include "Simulation.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace backlog::views {

KernelToolsView::KernelToolsView(QWidget* parent) : QWidget(parent) {
    tool_ = new QComboBox(this);
    // The server's tools, then a client machine's nstat (the retransmitted SYNs are counted there) and
    // the server's kernel log ("Possible SYN flooding …").
    tool_->addItems({QStringLiteral("ss -lnt"), QStringLiteral("ss -tan"), QStringLiteral("nstat -az"),
                     QStringLiteral("nstat -az   (on a client)"), QStringLiteral("dmesg")});
    text_ = new QPlainTextEdit(this);
    text_->setReadOnly(true);
    text_->setLineWrapMode(QPlainTextEdit::NoWrap);
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(tool_);
    layout->addWidget(text_);
    connect(tool_, &QComboBox::currentIndexChanged, this, [this] {
        if (sim_) show(*sim_, t_);
    });
}

void KernelToolsView::show(const Simulation& sim, Time t) {
    sim_ = &sim;
    t_ = t;
    std::string out;
    switch (tool_->currentIndex()) {
    case 0: out = formatSsListening(sim.ssListening(t)); break;
    case 1: out = formatSsAll(sim.ssAll(t)); break;
    case 2: out = formatNstat(sim.history().countersAt(Host::Server, t)); break;
    case 3: out = formatNstat(sim.history().countersAt(Host::Clients, t)); break;
    default:
        // printk's timestamp: seconds since boot (here, since the run began) with microseconds.
        for (const KernelLogLine& line : sim.kernelLog()) {
            if (line.at > t) break;
            const std::int64_t us = line.at.count() / 1000;
            out += QStringLiteral("[%1.%2] ")
                       .arg(us / 1'000'000, 5)
                       .arg(us % 1'000'000, 6, 10, QLatin1Char('0'))
                       .toStdString() +
                   line.text + "\n";
        }
        break;
    }
    const QString command = tool_->currentText().section(QStringLiteral("   "), 0, 0);
    text_->setPlainText(QStringLiteral("$ ") + command + QLatin1Char('\n') + QString::fromStdString(out));
}

QString KernelToolsView::text() const { return text_->toPlainText(); }

} // namespace backlog::views
