// The dock where the lab is not built: the lab reads the kernel through /proc and sock_diag, which only
// Linux has (DESIGN.md: the Linux-only part is optional and clearly separated). It says so, reads nothing.
#include "app/ui/MachineView.h"

#include "views/render/Theme.h"

#include <QLabel>
#include <QVBoxLayout>

namespace backlog::app {

struct MachineView::Impl {
    QLabel* why = nullptr;
};

MachineView::MachineView(QWidget* parent) : QWidget(parent), d_(std::make_unique<Impl>()) {
    d_->why = new QLabel(tr("Looking at this machine's listen queues needs Linux: the lab reads the kernel's "
                            "listening sockets (sock_diag), its counters (/proc/net) and its sysctls "
                            "(/proc/sys). The lessons and the simulation work the same everywhere."),
                         this);
    d_->why->setObjectName(QStringLiteral("MachineUnavailable"));
    d_->why->setWordWrap(true);
    d_->why->setAlignment(Qt::AlignCenter);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(d_->why);
}

MachineView::~MachineView() = default;

bool MachineView::labAvailable() {
    return false;
}

void MachineView::setTheme(const views::Theme&) {
}

void MachineView::setInterval(std::chrono::milliseconds) {
}

bool MachineView::isSampling() const {
    return false;
}

const MachineSampler* MachineView::sampler() const {
    return nullptr;
}

void MachineView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
}

void MachineView::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
}

} // namespace backlog::app
