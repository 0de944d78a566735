// The fonts every picture is drawn with, bundled in the binary (fonts.qrc, from resources/fonts) so that
// a frame is the same pixels on every machine (DESIGN.md: golden images and byte-identical exports).
#pragma once

#include <QFont>
#include <QRectF>
#include <QSizeF>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <cstdint>
#include <vector>

class QColor;
class QPainter;

namespace backlog::views {

// Registers DejaVu Sans (regular, bold) and DejaVu Sans Mono with QFontDatabase. Call once after the
// QGuiApplication exists (again is harmless). Returns nothing: a font that fails to load is reported
// with qWarning, and bundledFontFamilies() then lacks it.
void loadBundledFonts();

// The families registered by loadBundledFonts(), e.g. {"DejaVu Sans", "DejaVu Sans Mono"}.
QStringList bundledFontFamilies();

// Makes a glyph's pixels independent of what the painting thread drew before. With Qt's FreeType glyph
// cache on, very large text (a lesson step's zoom in the projector theme, lesson 7's step 7) came out
// with other anti-aliased edges depending on which thread had painted which frames, so an export was
// not the same bytes on one core and on two, nor from run to run on two. Turns that cache off for this
// process (QT_NO_FT_CACHE); every other frame measured kept its pixels (the golden images, e2-burst's
// frames). Call before the QGuiApplication is made; a QT_NO_FT_CACHE already set is left as it is.
// Tested by tst_export zoomedTextIsTheSameOnAnyThread.
void useGlyphsIndependentOfThreads();

// ---- labels: text fitted into the room a layout gives it ----
//
// Every label a renderer draws (StageRenderer, LadderRenderer, StateDiagramRenderer) goes through
// drawLabel(): the text is set in the font asked for when it fits its box, else smaller (down to
// TextFit::minScale of that size), else wrapped at spaces onto more lines when the box is tall enough,
// else — only where the widget's tooltip shows the whole text — elided. A label that still does not fit
// is drawn elided all the same (never cut in the middle of a glyph) and reported to the caller's
// collector, so that a test can paint every lesson step and fail on it (tests/views/render/tst_labelsfit).

// A label that did not fit its box.
struct LabelOverflow {
    enum class Kind : std::uint8_t {
        Cut,    // could not be shown whole: a bug of the layout
        Elided, // shortened with "…" where the widget's tooltip has the whole text (TextFit::elide)
    };
    Kind kind = Kind::Cut;
    QString view;          // "stage", "ladder", "states"
    QString text;          // the whole label
    QRectF box;            // the room it had, in the painter's logical coordinates
    QSizeF needed;         // what it needed at the smallest type allowed, on one line
    double fontPixels = 0; // the type size asked for
};
using LabelOverflows = std::vector<LabelOverflow>;

struct TextFit {
    double minScale = 0.6; // type may be set this much smaller than asked for, and no smaller
    bool wrap = false;     // may break at spaces onto more lines when the box is tall enough for them
    bool elide = false;    // may end in "…": only where the widget's tooltip shows the whole text
};

struct FittedLabel {
    QFont font;
    QString shown;        // the lines drawn, '\n'-separated (elided when !complete)
    QRectF bounds;        // where they are drawn
    QSizeF needed;        // the whole text on one line at the smallest size tried
    bool complete = true; // the whole text is shown
    bool asked = true;    // drawn exactly as asked: the font given, one line per '\n'
};

// Where and how `text` fits `box` (nothing is drawn). `flags`: Qt alignment flags.
FittedLabel fitLabel(const QRectF& box, int flags, const QString& text, const QFont& font,
                     const TextFit& fit = {});

// Draws `text` fitted into `box` (fitLabel) in `colour`. When the whole text does not fit, it is drawn
// elided and reported to `overflows` (when given) as `view`'s: Elided when fit.elide allows it, Cut
// otherwise. Returns what was drawn.
FittedLabel drawLabel(QPainter& p, const QRectF& box, int flags, const QString& text, const QFont& font,
                      const QColor& colour, const TextFit& fit = {}, LabelOverflows* overflows = nullptr,
                      QStringView view = {});
// Reports a label that a renderer left out or could not place (e.g. counters with no line left).
void reportOverflow(LabelOverflows* overflows, QStringView view, const QString& text, const QRectF& box,
                    const QFont& font, LabelOverflow::Kind kind = LabelOverflow::Kind::Cut);

} // namespace backlog::views
