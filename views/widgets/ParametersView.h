// Settings a teacher changes during the lesson (backlog, somaxconn, workers and their service time, the
// clients' spacing, syncookies, abort_on_overflow, listeners). A change applies from the playhead on:
// the document cuts the history there and simulates again (DESIGN.md point 4).
#pragma once

#include <QPointer>
#include <QWidget>

#include <functional>
#include <vector>

class QFormLayout;
class QLabel;

namespace backlog::views {

class SimulationDocument;
}
namespace backlog {
struct Scenario;
}
namespace backlog::views {

class ParametersView : public QWidget {
    Q_OBJECT
  public:
    explicit ParametersView(SimulationDocument* doc, QWidget* parent = nullptr);
    // Applies key = value at the playhead; shows and returns the error, if any.
    QString apply(const QString& key, const QString& value);

  private:
    void rebuildFields(); // the fields for the loaded scenario (its traffic entries)
    void showValues();    // what is in force at the playhead: as written, or as a step or a change set it
    QPointer<SimulationDocument> doc_;
    QFormLayout* form_;
    QLabel* help_;
    QLabel* status_;
    // Each field's widget and how it shows its value from the settings in force.
    struct Field {
        QPointer<QWidget> widget;
        std::function<void(const Scenario&)> show;
    };
    std::vector<Field> fields_;
};

} // namespace backlog::views
