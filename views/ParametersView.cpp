#include "ParametersView.h"

#include "Settings.h"
#include "SimulationDocument.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QVBoxLayout>

namespace backlog::views {

ParametersView::ParametersView(SimulationDocument* doc, QWidget* parent) : QWidget(parent), doc_(doc) {
    auto* layout = new QVBoxLayout(this);
    auto* help = new QLabel(tr("Changes apply from the playhead on."), this);
    help->setWordWrap(true);
    layout->addWidget(help);
    form_ = new QFormLayout;
    layout->addLayout(form_);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    layout->addWidget(status_);
    layout->addStretch(1);
    connect(doc_, &SimulationDocument::loaded, this, &ParametersView::rebuild);
    rebuild(); // the document may already hold a scenario
}

QString ParametersView::apply(const QString& key, const QString& value) {
    const QString error = doc_->change(key, value);
    status_->setText(error.isEmpty() ? tr("%1 = %2 from %3 s").arg(key, value,
                                                                   QString::fromStdString(formatSeconds(doc_->playhead())))
                                     : tr("%1: %2").arg(key, error));
    return error;
}

void ParametersView::rebuild() {
    while (form_->rowCount() > 0) form_->removeRow(0);
    if (!doc_->isLoaded()) return;
    const Scenario& s = doc_->simulation().scenario();
    const auto integer = [&](const QString& label, const QString& key, std::int64_t value, int lo, int hi) {
        auto* box = new QSpinBox(this);
        box->setRange(lo, hi);
        box->setValue(static_cast<int>(value));
        box->setKeyboardTracking(false); // apply when the value is entered, not per keystroke
        connect(box, &QSpinBox::valueChanged, this, [this, key](int v) { apply(key, QString::number(v)); });
        form_->addRow(label, box);
    };
    const auto duration = [&](const QString& label, const QString& key, Time value) {
        auto* edit = new QLineEdit(QString::fromStdString(formatDuration(value)), this);
        connect(edit, &QLineEdit::editingFinished, this, [this, key, edit] { apply(key, edit->text()); });
        form_->addRow(label, edit);
    };
    integer(tr("listen() backlog"), QStringLiteral("server.backlog"), s.server.backlog, -1, 1 << 20);
    integer(tr("net.core.somaxconn"), QStringLiteral("net.core.somaxconn"), s.kernel.somaxconn, 0, 1 << 20);
    integer(tr("Listeners (SO_REUSEPORT)"), QStringLiteral("server.listeners"), s.server.listeners, 1, 64);
    integer(tr("Workers"), QStringLiteral("server.workers.count"), s.server.workers.count, 0, 10000);
    duration(tr("Service time"), QStringLiteral("server.workers.service"), s.server.workers.service.mean);
    for (const TrafficEntry& e : s.traffic) {
        if (e.kind != TrafficEntry::Kind::Clients) continue;
        duration(tr("Spacing of “%1”").arg(QString::fromStdString(e.clients.name)),
                 QStringLiteral("traffic.%1.spacing").arg(QString::fromStdString(e.clients.name)), e.clients.spacing);
    }
    auto* cookies = new QComboBox(this);
    cookies->addItems({tr("0: never"), tr("1: when the SYN queue is full"), tr("2: always")});
    cookies->setCurrentIndex(s.kernel.tcpSyncookies);
    connect(cookies, &QComboBox::activated, this,
            [this](int i) { apply(QStringLiteral("net.ipv4.tcp_syncookies"), QString::number(i)); });
    form_->addRow(tr("net.ipv4.tcp_syncookies"), cookies);
    auto* abort = new QCheckBox(tr("reset instead of ignoring"), this);
    abort->setChecked(s.kernel.tcpAbortOnOverflow != 0);
    connect(abort, &QCheckBox::toggled, this,
            [this](bool on) { apply(QStringLiteral("net.ipv4.tcp_abort_on_overflow"), on ? QStringLiteral("1") : QStringLiteral("0")); });
    form_->addRow(tr("net.ipv4.tcp_abort_on_overflow"), abort);
}

} // namespace backlog::views
