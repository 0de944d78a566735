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
class QPushButton;

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
    // "What if" (issue 16): the same scenario again with `changes` (KEY=VALUE, one a line, the --set
    // vocabulary), from the start or from the playhead, beside this run on one playhead
    // (SimulationDocument::compareWith). The strip of the other side names the changes. Returns the error
    // (a line that is not KEY=VALUE, a refused change), shown in the dock, or an empty string.
    QString compareWith(const QString& changes, bool fromStart);
    // The "Compare with…" button's dialog: the changes typed, from the start or from the playhead; it
    // stays open, with what was typed, while a change is refused.
    void askCompare();

  private:
    void rebuildFields(); // the fields for the loaded scenario (its traffic entries)
    void showValues();    // what is in force at the playhead: as written, or as a step or a change set it
    QPointer<SimulationDocument> doc_;
    QFormLayout* form_;
    QLabel* help_;
    QLabel* status_;
    QPushButton* compare_;
    // Each field's widget and how it shows its value from the settings in force.
    struct Field {
        QPointer<QWidget> widget;
        std::function<void(const Scenario&)> show;
    };
    std::vector<Field> fields_;
};

} // namespace backlog::views
