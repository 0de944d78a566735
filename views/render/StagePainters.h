// The stage's painters: what each part of the picture looks like, given the layout (StageLayout.h).
// The static layer (panels, empty slots, legend: what does not change while the playhead moves),
// then the dynamic one: clients, queues, counters, workers, packets. Sizes are StageMetrics'; type,
// lines and glyphs are scaled by the theme here, in Ctx, and nowhere else.
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_RENDER
#error "views/render/StagePainters.h is private to backlog_views_render: use views/render/StageRenderer.h"
#endif

#include "views/render/StageMetrics.h"
#include "views/render/StageRenderer.h"
#include "views/render/StageSupport.h"

#include <QByteArray>
#include <QFont>
#include <QImage>
#include <QPainter>
#include <QPen>
#include <QStaticText>
#include <QStringList>

#include <cmath>
#include <map>
#include <tuple>

namespace backlog::views::stage {

QColor withAlpha(QColor c, double a);
// Dark text on light fills (yellow, sky blue, light panels), the theme's entry text otherwise.
QColor textOn(const QColor& fill, const Theme& th);
QString packetLabelText(PacketKind kind, bool cookie, int retrans);

// The shape of each packet kind (a second cue besides colour and label).
void drawGlyph(QPainter& p, const Theme& th, QPointF c, double r, PacketKind kind, bool cookie, bool spoofed,
               bool toServer, double outline);

// Small pictures drawn many times a frame (packet glyphs, filled slots), rendered once into images and
// copied in: on a raster target that is far cheaper than stroking and filling the same shape again.
// Used only where the painter maps whole logical pixels to whole device pixels.
class SpriteCache {
  public:
    void clear() { sprites_.clear(); }
    // Copies in the sprite `key` (drawing it first with `draw`, in a box of `size` logical pixels) with
    // its top-left corner at `topLeft`, rounded to a device pixel.
    template <class Draw>
    void blit(QPainter& p, double dpr, QPointF topLeft, QSizeF size, std::uint64_t key, Draw&& draw) {
        auto it = sprites_.find(key);
        if (it == sprites_.end()) {
            QImage image(QSize(static_cast<int>(std::ceil(size.width() * dpr)),
                               static_cast<int>(std::ceil(size.height() * dpr))),
                         QImage::Format_ARGB32_Premultiplied);
            image.setDevicePixelRatio(dpr);
            image.fill(Qt::transparent);
            QPainter sp(&image);
            sp.setRenderHint(QPainter::Antialiasing, true);
            draw(sp);
            sp.end();
            it = sprites_.emplace(key, std::move(image)).first;
        }
        p.drawImage(QPointF(std::round(topLeft.x() * dpr) / dpr, std::round(topLeft.y() * dpr) / dpr),
                    it->second);
    }

  private:
    std::map<std::uint64_t, QImage> sprites_;
};

// Caches kept between frames: prepared packet labels, and the static layer of the last target.
struct FrameCache {
    int pixelSize = -1;
    QString family;
    std::map<std::tuple<int, bool, int>, QStaticText> packetLabels; // (kind, cookie, retrans)
    QByteArray staticKey;
    QImage staticLayer;
    SpriteCache sprites; // drawn for the static layer's size and theme: cleared with it
    // Labels the static layer drew elided or could not fit: reported again with each frame that copies it.
    std::vector<ElidedLabel> staticElided;
    LabelOverflows staticOverflows;
    std::vector<ElidedLabel> frameElided; // the last frame's own (dynamic layer, or everything uncached)
    bool staticCopied = false;            // the last frame copied the static layer in
};

// Everything one frame's painting needs: the painter, the theme, the layout, and the fonts.
struct Ctx {
    QPainter& p;
    const Theme& th;
    const StageRenderer::Geometry& g;
    const Simulation& sim;
    const History& h;
    const Scenario& sc;
    Time t;
    double u;
    SpriteCache* sprites = nullptr; // set on a pixel-aligned raster target
    double dpr = 1;
    LabelOverflows* overflows = nullptr;        // labels that did not fit (Options::overflows)
    std::vector<ElidedLabel>* elided = nullptr; // labels shortened: their whole text is the tooltip
    bool numbersConcealed = false;              // Options::numbersConcealed
    QFont fTitle, fClock, fPanel, fBody, fBodyBold, fSmall, fMono, fMonoBold, fBig, fLabel;

    Ctx(QPainter& painter, const Theme& theme, const StageRenderer::Geometry& geometry,
        const Simulation& simulation, Time at, SpriteCache* spriteCache = nullptr, double pixelRatio = 1,
        LabelOverflows* overflowSink = nullptr, std::vector<ElidedLabel>* elidedSink = nullptr);

    // Only the bundled families, at pixel sizes, unhinted and without font merging: the same glyphs
    // on every machine (Fonts.h). `px` is a size on the reference, scaled by the theme's type.
    QFont font(double px, bool bold = false, bool mono = false) const;
    // A line width on the reference, scaled by the theme's lines.
    double line(double w) const { return std::max(0.5, w * u * th.lineScale); }
    // A glyph radius on the reference, scaled by the theme's glyphs.
    double glyph(double r) const { return r * u * th.glyphScale; }
    QPen pen(const QColor& c, double w, Qt::PenStyle style = Qt::SolidLine) const {
        return QPen(c, line(w), style, Qt::FlatCap, Qt::MiterJoin);
    }
    // Every label of the stage: fitted into `r` (Fonts.h drawLabel: smaller, wrapped, or — with
    // fit.elide, where the widget's tooltip shows it whole — elided), and reported when it does not fit.
    FittedLabel text(const QRectF& r, int flags, const QString& s, const QFont& f, const QColor& c,
                     const TextFit& fit = {}) const;
    // Whether `s` fits `r` in `f` (smaller by at most fit.minScale, or wrapped), without drawing it.
    bool fits(const QRectF& r, int flags, const QString& s, const QFont& f, const TextFit& fit = {}) const;
    // The first of `candidates` (longest first) that fits `r`; the last one when none does.
    FittedLabel firstFitting(const QRectF& r, int flags, const QStringList& candidates, const QFont& f,
                             const QColor& c, const TextFit& fit = {}) const;
    void panel(const QRectF& r, const QString& title) const;
    QRectF panelSubtitle(const QRectF& r) const;
};

// A listener's header holds its name on the left and what `ss -lnt` says on the right: each its own part.
QRectF headerLeft(const StageRenderer::ListenerGeometry& L, double u);
QRectF headerRight(const StageRenderer::ListenerGeometry& L, double u);
double slotRadius(const StageRenderer::QueueGeometry& q);

// The static layer: everything that does not change while the playhead moves (for a raster target it
// is drawn once and copied in every frame).
void paintStatic(const Ctx& c);
// Everything the static layer depends on, as bytes: when it differs, the layer is drawn again.
QByteArray staticKeyOf(const StageRenderer::Geometry& g, const Theme& th, const Simulation& sim, QSize pixels,
                       double dpr);

// The dynamic layer: what t changes.
void paintClients(const Ctx& c, Time maxFlight);
void paintQueues(const Ctx& c);
void paintCounters(const Ctx& c);
void paintCountersConcealed(const Ctx& c);
void paintWorkers(const Ctx& c);
// Streams, then packets (falling ones first), their labels, the streams' and the drops' labels.
void paintPackets(const Ctx& c, FrameCache& cache);

} // namespace backlog::views::stage
