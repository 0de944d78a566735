// Settings a teacher changes during the lesson (backlog, somaxconn, workers and their service time, the
// clients' spacing, syncookies, abort_on_overflow, listeners). A change applies from the playhead on:
// the document cuts the history there and simulates again (DESIGN.md point 4).
#pragma once

#include <QWidget>

class QFormLayout;
class QLabel;

namespace backlog::views {

class SimulationDocument;

class ParametersView : public QWidget {
    Q_OBJECT
public:
    explicit ParametersView(SimulationDocument* doc, QWidget* parent = nullptr);
    // Applies key = value at the playhead; shows and returns the error, if any.
    QString apply(const QString& key, const QString& value);

private:
    void rebuild(); // the fields for the loaded scenario
    SimulationDocument* doc_;
    QFormLayout* form_;
    QLabel* status_;
};

} // namespace backlog::views
