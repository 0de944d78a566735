// The Differences dock: what differs, at the playhead, between the document's run and the run it is
// compared with (SimulationDocument::compareWith: the kernel's run beside the model's, issue 14; the same
// scenario under other settings, issue 16). A table of compareRuns()'s rows (model/tools/Comparison.h)
// grouped as settings, counters, queues and clients, one column per side headed by the document's titles
// of the two runs; differing values in bold on the theme's spotlight. "Only differences" (on by default)
// hides the rows that are the same. Without a comparison it says how to get one.
//
// The rows follow the playhead without flicker: a row that stays is updated in place, a row that comes or
// goes is inserted or removed where it belongs, so the scroll position and the groups a person folded stay
// as they are. The view keeps nothing of either run beyond a rebuild but the text it shows and the clients'
// outcomes indexed by time (copies, for the document's revision they were made at).
#pragma once

#include "model/tools/Report.h"
#include "views/document/SimulationDocument.h"
#include "views/render/Theme.h"

#include <QPointer>
#include <QWidget>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

class QCheckBox;
class QLabel;
class QStackedWidget;
class QTreeWidget;
class QTreeWidgetItem;

namespace backlog {
struct ComparisonRow;
}

namespace backlog::views {

class DifferencesView : public QWidget {
    Q_OBJECT
  public:
    explicit DifferencesView(QWidget* parent = nullptr);

    // The document whose two runs are compared at its playhead: followed while the view is visible;
    // emptied at once when a run is replaced, cut, or the comparison begins or ends.
    void setDocument(SimulationDocument* document);
    // The colour differing values are marked with: the spotlight's, as a light wash under their bold text.
    void setTheme(const Theme& theme);

    void setOnlyDifferences(bool on);
    bool onlyDifferences() const;
    // True while the message (no comparison) is shown instead of the table.
    bool showsMessage() const;

  protected:
    void resizeEvent(QResizeEvent* event) override;

  private:
    void forget();
    void refresh();
    void showMessage();
    void showRows(const std::vector<ComparisonRow>& rows, Time t);
    bool fillGroup(std::size_t group, const std::vector<const ComparisonRow*>& rows);
    bool fillRow(QTreeWidgetItem* item, const ComparisonRow& row) const;
    void fitValueColumns();

    QStackedWidget* pages_;
    QLabel* message_;
    QCheckBox* only_;
    QLabel* summary_;
    QTreeWidget* tree_;
    std::array<QTreeWidgetItem*, 4> groups_{}; // by ComparisonGroup
    bool valuesResized_ = false;               // the value columns fit their titles and values
    QPointer<SimulationDocument> doc_;
    Theme theme_ = Theme::light();
    // The clients' outcomes of both runs indexed by time, for the document's revision they were made at.
    struct Indexed {
        std::uint64_t revision = 0;
        ClientOutcomeIndex a, b;
    };
    std::optional<Indexed> indexed_;
};

} // namespace backlog::views
