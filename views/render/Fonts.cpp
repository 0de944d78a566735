#include "views/render/Fonts.h"

#include <QColor>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QMutex>
#include <QMutexLocker>
#include <QPainter>

#include <algorithm>
#include <cmath>

// The resources of a static library are not registered by themselves: the initialiser has to be
// referenced from code that is linked in. Q_INIT_RESOURCE must be used outside any namespace.
static void initViewsResources() {
    Q_INIT_RESOURCE(fonts);
}

namespace backlog::views {

namespace {
QMutex& fontsMutex() {
    static QMutex m;
    return m;
}
QStringList& loadedFamilies() {
    static QStringList families;
    return families;
}
bool& fontsLoaded() {
    static bool loaded = false;
    return loaded;
}
} // namespace

void useGlyphsIndependentOfThreads() {
    if (!qEnvironmentVariableIsSet("QT_NO_FT_CACHE")) qputenv("QT_NO_FT_CACHE", "1");
}

void loadBundledFonts() {
    const QMutexLocker lock(&fontsMutex());
    if (fontsLoaded()) return;
    fontsLoaded() = true;
    initViewsResources();
    for (const char* file :
         {":/fonts/DejaVuSans.ttf", ":/fonts/DejaVuSans-Bold.ttf", ":/fonts/DejaVuSansMono.ttf"}) {
        const int id = QFontDatabase::addApplicationFont(QString::fromLatin1(file));
        if (id < 0) {
            qWarning("Backlog: could not load the bundled font %s", file);
            continue;
        }
        for (const QString& family : QFontDatabase::applicationFontFamilies(id))
            if (!loadedFamilies().contains(family)) loadedFamilies() << family;
    }
}

QStringList bundledFontFamilies() {
    const QMutexLocker lock(&fontsMutex());
    return loadedFamilies();
}

// ---------------------------------------------------------------------------------------- labels

namespace {

// How much taller than its box a text may be: a line's height (DejaVu: 1.16 em) holds room for accents
// above capitals (0.2 em) and for descenders; a fifth of a line over its box is never seen as cut.
constexpr double kHeightSlack = 0.2;
// Rounding: advances are fractional, boxes come from layouts scaled to any size.
constexpr double kWidthSlack = 0.5;

int pixelsOf(const QFont& f) {
    return f.pixelSize() > 0 ? f.pixelSize() : -1;
}

QFont withPixels(const QFont& f, int px) {
    QFont g = f;
    g.setPixelSize(std::max(1, px));
    return g;
}

// Greedy word wrap of one line into `width`; a word wider than the width stays whole on its line.
QStringList wrapLine(const QString& line, const QFontMetricsF& fm, double width) {
    QStringList out;
    const QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    QString current;
    for (const QString& w : words) {
        const QString tried = current.isEmpty() ? w : current + QLatin1Char(' ') + w;
        if (current.isEmpty() || fm.horizontalAdvance(tried) <= width + kWidthSlack) {
            current = tried;
        } else {
            out << current;
            current = w;
        }
    }
    if (!current.isEmpty() || out.isEmpty()) out << current;
    return out;
}

double widest(const QStringList& lines, const QFontMetricsF& fm) {
    double w = 0;
    for (const QString& l : lines)
        w = std::max(w, fm.horizontalAdvance(l));
    return w;
}

bool fitsIn(const QSizeF& need, const QRectF& box, const QFontMetricsF& fm) {
    return need.width() <= box.width() + kWidthSlack &&
           need.height() <= box.height() + kHeightSlack * fm.height() + 0.01;
}

QRectF placed(const QRectF& box, int flags, const QSizeF& need) {
    QRectF r(QPointF(), need);
    if (flags & Qt::AlignRight)
        r.moveRight(box.right());
    else if (flags & Qt::AlignHCenter)
        r.moveLeft(box.center().x() - need.width() / 2);
    else
        r.moveLeft(box.left());
    if (flags & Qt::AlignBottom)
        r.moveBottom(box.bottom());
    else if (flags & Qt::AlignTop)
        r.moveTop(box.top());
    else
        r.moveTop(box.center().y() - need.height() / 2);
    return r;
}

} // namespace

FittedLabel fitLabel(const QRectF& box, int flags, const QString& text, const QFont& font,
                     const TextFit& fit) {
    FittedLabel out;
    out.font = font;
    out.shown = text;
    out.bounds = box;
    if (text.isEmpty()) return out;
    const QStringList given = text.split(QLatin1Char('\n'));
    const bool wrap = fit.wrap || (flags & Qt::TextWordWrap) != 0;
    const int asked = pixelsOf(font);
    const int smallest =
        asked > 0 ? std::max(1, static_cast<int>(std::ceil(asked * fit.minScale - 1e-9))) : asked;
    const auto measure = [&](const QFontMetricsF& fm, const QStringList& lines) {
        return QSizeF(widest(lines, fm), fm.height() * static_cast<double>(lines.size()));
    };
    // As asked: the font given, the lines given.
    {
        const QFontMetricsF fm(font);
        const QSizeF need = measure(fm, given);
        out.needed = QSizeF(fm.horizontalAdvance(QString(text).replace(QLatin1Char('\n'), QLatin1Char(' '))),
                            fm.height());
        out.bounds = placed(box, flags, need);
        if (fitsIn(need, box, fm)) return out;
    }
    out.asked = false;
    // Smaller, then (at each size) wrapped.
    for (int px = asked > 0 ? asked : 0; px >= smallest && px > 0; --px) {
        const QFont f = withPixels(font, px);
        const QFontMetricsF fm(f);
        QSizeF need = measure(fm, given);
        QStringList lines = given;
        if (!fitsIn(need, box, fm) && wrap) {
            lines.clear();
            for (const QString& l : given)
                lines << wrapLine(l, fm, box.width());
            need = measure(fm, lines);
        }
        if (fitsIn(need, box, fm)) {
            out.font = f;
            out.shown = lines.join(QLatin1Char('\n'));
            out.bounds = placed(box, flags, need);
            return out;
        }
    }
    // It does not fit: the smallest size, as many lines as the box has room for, the last one elided.
    const QFont f = asked > 0 ? withPixels(font, smallest) : font;
    const QFontMetricsF fm(f);
    out.font = f;
    out.complete = false;
    out.needed =
        QSizeF(fm.horizontalAdvance(QString(text).replace(QLatin1Char('\n'), QLatin1Char(' '))), fm.height());
    QStringList lines;
    if (wrap)
        for (const QString& l : given)
            lines << wrapLine(l, fm, box.width());
    else
        lines = given;
    const int room =
        std::max(1, static_cast<int>(std::floor((box.height() + kHeightSlack * fm.height()) / fm.height())));
    if (lines.size() > room) {
        QStringList kept = lines.mid(0, room);
        kept.last() = lines.mid(room - 1).join(QLatin1Char(' '));
        lines = kept;
    }
    for (QString& l : lines)
        l = fm.elidedText(l, Qt::ElideRight, std::max(0.0, box.width()));
    out.shown = lines.join(QLatin1Char('\n'));
    out.bounds = placed(
        box, flags,
        QSizeF(std::min(box.width(), widest(lines, fm)), fm.height() * static_cast<double>(lines.size())));
    return out;
}

FittedLabel drawLabel(QPainter& p, const QRectF& box, int flags, const QString& text, const QFont& font,
                      const QColor& colour, const TextFit& fit, LabelOverflows* overflows, QStringView view) {
    const FittedLabel f = fitLabel(box, flags, text, font, fit);
    if (text.isEmpty()) return f;
    p.setPen(colour);
    if (f.asked) {
        // Exactly the call every renderer made before labels were fitted: the same pixels.
        p.setFont(font);
        p.drawText(box, flags, text);
        return f;
    }
    p.setFont(f.font);
    p.drawText(f.bounds, static_cast<int>((flags & Qt::AlignHorizontal_Mask) | Qt::AlignVCenter), f.shown);
    if (!f.complete && overflows)
        overflows->push_back({fit.elide ? LabelOverflow::Kind::Elided : LabelOverflow::Kind::Cut,
                              view.toString(), text, box, f.needed, static_cast<double>(pixelsOf(font))});
    return f;
}

void reportOverflow(LabelOverflows* overflows, QStringView view, const QString& text, const QRectF& box,
                    const QFont& font, LabelOverflow::Kind kind) {
    if (!overflows) return;
    const QFontMetricsF fm(font);
    overflows->push_back({kind, view.toString(), text, box, QSizeF(fm.horizontalAdvance(text), fm.height()),
                          static_cast<double>(pixelsOf(font))});
}

} // namespace backlog::views
