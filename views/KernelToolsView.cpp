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
    tool_->addItems({QStringLiteral("ss -lnt"), QStringLiteral("ss -tan"), QStringLiteral("nstat -az")});
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
    default: out = formatNstat(sim.history().countersAt(Host::Server, t)); break;
    }
    text_->setPlainText(QStringLiteral("$ ") + tool_->currentText() + QLatin1Char('\n') + QString::fromStdString(out));
}

QString KernelToolsView::text() const { return text_->toPlainText(); }

} // namespace backlog::views
