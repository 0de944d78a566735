// The fonts every picture is drawn with, bundled in the binary (views.qrc, from resources/fonts) so that
// a frame is the same pixels on every machine (DESIGN.md: golden images and byte-identical exports).
#pragma once

#include <QStringList>

namespace backlog::views {

// Registers DejaVu Sans (regular, bold) and DejaVu Sans Mono with QFontDatabase. Call once after the
// QGuiApplication exists (again is harmless). Returns nothing: a font that fails to load is reported
// with qWarning, and bundledFontFamilies() then lacks it.
void loadBundledFonts();

// The families registered by loadBundledFonts(), e.g. {"DejaVu Sans", "DejaVu Sans Mono"}.
QStringList bundledFontFamilies();

} // namespace backlog::views
