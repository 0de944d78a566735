// How a widget keeps in step with the document it shows: repainted, or its rows and text rebuilt, when a
// run is loaded or cut or the playhead moves, and never left holding anything of a run that is gone.
#pragma once

#include "views/document/SimulationDocument.h"

#include <QWidget>

#include <functional>

namespace backlog::views {

// Keeps a view painted from a document: `view` repaints when a run is loaded, a change cuts the history,
// a comparison comes or goes, the playhead moves or the document goes away; `newHistory` runs first when the
// history is new or cut (a renderer's caches to drop). The connections end with the view; a view that changes
// documents disconnects the old one first.
void repaintOnChange(QWidget* view, SimulationDocument* document,
                     const std::function<void()>& newHistory = {});

// Keeps a view whose content is built from the run (rows, text) in step with a document, paying for it
// only while the view is visible:
// - `forget` runs at once whenever the run is replaced or its history cut, a comparison comes or goes, or
//   the document goes away, on
//   every such view, shown or hidden: nothing built from another run is left to paint or to click;
// - `rebuild` runs then, and on every move of the playhead, while the view is visible, and when the view
//   is shown again after changes it missed.
// The connections end with the view. Calling it again for the same view replaces the earlier document.
void followDocument(QWidget* view, SimulationDocument* document, std::function<void()> forget,
                    std::function<void()> rebuild);
// Something else the view shows from changed (a selection, a filter): `rebuild` now if the view is
// visible, else when it is shown. For a view given to followDocument().
void rebuildWhenVisible(QWidget* view);

} // namespace backlog::views
