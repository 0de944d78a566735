// What the kernel's own tools would print at the playhead: ss -lnt, ss -tan, nstat -az (KernelTools.h).
#pragma once

#include "Time.h"

#include <QWidget>

class QPlainTextEdit;
class QComboBox;

namespace backlog {
class Simulation;
}

namespace backlog::views {

class KernelToolsView : public QWidget {
    Q_OBJECT
public:
    explicit KernelToolsView(QWidget* parent = nullptr);
    void show(const Simulation& sim, Time t);
    QString text() const;

private:
    QComboBox* tool_;
    QPlainTextEdit* text_;
    const Simulation* sim_ = nullptr;
    Time t_;
};

} // namespace backlog::views
