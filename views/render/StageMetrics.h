// The stage's sizes, in one place: every length is in units of the 1600 × 900 reference stage
// (StageRenderer::Geometry::unit turns them into pixels of the target), every `share` a fraction of
// the room it is taken from.
//
// The layout groups (Bands to Packets) are never scaled by the theme: StageRenderer.h promises that
// hitTest() and the tests see the rectangles paint() fills, whatever the theme's type size. The painting
// groups are scaled where the theme has a scale, at the one place each kind of size is turned into
// pixels (StagePainters.h Ctx): Type by Theme::fontScale (the projector's large type), Lines by
// Theme::lineScale, Glyphs by Theme::glyphScale; the rest are room the painters leave around text and
// shapes inside rectangles the layout fixed, so they follow the geometry, not the theme.
#pragma once

#ifndef BACKLOG_INSIDE_VIEWS_RENDER
#error "views/render/StageMetrics.h is private to backlog_views_render: use views/render/StageRenderer.h"
#endif

#include <cstddef>

namespace backlog::views::stage {

struct StageMetrics {
    // ---------------------------------------------------------------- layout (never scaled by the theme)

    // The reference the stage is designed on; `unit` is the target's size over it.
    double refWidth = 1600.0;
    double refHeight = 900.0;

    // The title band above, the legend band below, the body between them, all inside a side margin.
    // The body's columns are shares of its width: clients, then the network, the server, the workers.
    struct Bands {
        double margin = 14;
        double headerTop = 8;
        double headerHeight = 44;
        double footerBottom = 8;
        double footerHeight = 34;
        double bodyGap = 6; // between the body and each band
        double clientsShare = 0.175;
        double serverLeftShare = 0.385;
        double serverShare = 0.445;
        double workersLeftShare = 0.845;
    } bands;

    // The server panel: its title (address, kernel, sysctls), the listeners, the nstat strip at the foot.
    struct Server {
        double inset = 12; // left and right, for everything in the panel
        double titleTop = 6;
        double titleHeight = 46;
        double countersRise = 46; // the strip's top above the panel's bottom
        double countersHeight = 40;
        double listenersTop = 6;    // below the title
        double listenersBottom = 8; // above the counters
    } server;

    // A listening socket: a header (name, `ss -lnt`) over its two queue rows.
    struct Listener {
        double gapMax = 12; // between listeners (SO_REUSEPORT)
        double gapShare = 0.15;
        double heightMax = 520;
        double headerMax = 32;
        double headerShare = 0.26;
        double inset = 10;  // the header and the rows inside the frame
        double rowsTop = 2; // below the header
        double rowsBottomMax = 10;
        double rowsBottomShare = 0.05;
        double rowGapMax = 10; // between the SYN queue's row and the accept queue's
        double rowGapShare = 0.08;
        double labelWidth = 128; // the queue's name and fill ("SYN queue 3 / 5")
        double slotsLeft = 10;   // between the label column and the slots
        double slotsInset = 4;   // above and below the slots
    } listener;

    // A queue's slots, or — when too many to draw — its gauge.
    struct Slots {
        double widthMax = 150;
        double heightMax = 96;
        double cellMin = 7;    // smaller cells: a gauge
        double oneRowMin = 40; // a queue reads best as one row: kept while its slots are this large
        double gapShare = 0.12;
        double gapMin = 1.0;
        double gapMax = 6.0;
        double gapFallback = 2; // a backlog line between slots on different rows
        double gaugeHeight = 30;
        double gaugeLimitOverhang = 6; // the backlog line beyond the gauge, above and below
        double limitOverhang = 5;      // the same beside slots
    } queueSlots;

    // The clients panel: a row per client (or one block of counts), the attackers' block at its foot.
    struct Clients {
        double inset = 8;
        double rowsTop = 40; // below the panel's title
        double rowsBottom = 8;
        double rowHeightMax = 48;
        double rowRight = 8; // room between a row and the panel's edge, where the wires start
        double attackersHeightMax = 150;
        double attackersShare = 0.3;
        double attackersBottom = 8;
        double attackersGap = 12; // above the attackers
        // Clients drawn apart from an aggregate (Options::clientsApart): at most this many rows, in at
        // most this share of the rows' height, above the block with this gap.
        int apartMax = 8;
        double apartShare = 0.4;
        double apartGap = 8;
    } clients;

    // The workers panel: boxes beside their listener, or one block of counts per listener.
    struct Workers {
        double inset = 8;
        double spareTop = 48; // without a listener to stand beside: below the panel's title
        double spareBottom = 8;
        double gap = 6;
        double boxHeightMax = 50;
        double boxHeightMin = 22; // smaller: aggregated
        double groupInset = 4;    // an aggregated block, above and below
    } workers;

    // Packets in flight and falling after a drop.
    struct Packets {
        double pathOffset = 7; // requests ride above the line, answers below it
        double pitch = 18;     // a segment sent with another rides this far behind it, per place
        double dataBehind = 1.3;
        double finBehind = 2.6;
        double spoofedInset = 10;  // spoofed sources spread over the attackers' block inside this
        double glyph = 18;         // the glyph's box, what hitTest() and the sample spacing see
        double crowdedShare = 0.9; // samples closer than this many glyphs: only the first is kept
        double fallDrift = 6;      // the least a falling packet drifts back the way it came
        double fallDriftSpread = 40;
        double fallDepth = 110;
        double fallSpeedMin = 0.7;
        double fallSpeedSpread = 0.6;
    } packets;

    // ---------------------------------------------------------------- painting, scaled by the theme

    // Pixel sizes of the type on the reference (× Theme::fontScale).
    struct Type {
        double title = 20;
        double clock = 22;
        double panel = 15;
        double body = 13;
        double small = 11;
        double mono = 12;
        double monoBold = 13;
        double big = 20;   // a queue's fill ("3 / 5")
        double label = 11; // packet labels
        // A filled slot's two lines, as shares of the slot's height, within bounds.
        double slotShare = 0.3;
        double slotMin = 9.0;
        double slotMax = 15.0;
        double slotSmallShare = 0.2;
        double slotSmallMin = 8.0;
        double slotSmallMax = 12.0;
        double ghostMarkShare = 1.1; // the "?" on a ghost client's marker, of the marker's radius
        double ghostMarkMin = 8.0;
    } type;

    // Line widths on the reference (× Theme::lineScale).
    struct Lines {
        double panel = 1;
        double wire = 1;
        double attackers = 1.5;
        double listener = 1.2;
        double slot = 1; // a filled slot's outline is as wide, so that it covers the empty one's
        double acceptArrow = 1.5;
        double glyph = 0.9;
        double attackerGlyph = 1; // the hollow SYN in the attackers' title
        double limit = 2.2;
        double synBacklogCap = 2;
        double client = 1;
        double clientLoud = 2.2; // a waiting or ghost client
        double worker = 1;
        double swatch = 0.8; // an aggregated block's bar and colour keys
        double streamLabel = 1.2;
        double dropLabel = 1;
    } lines;

    // Glyph radii on the reference (× Theme::glyphScale).
    struct Glyphs {
        double packet = 8;
        double legend = 7;
        double attacker = 7;
        double labelGap = 1.2;     // a packet's label from its centre, in radii
        double spriteShare = 1.45; // the widest glyph's reach, in radii: a sprite's size
    } glyphs;

    // ---------------------------------------------------------------- painting, inside the layout

    // Panels and their titles.
    struct Panels {
        double radius = 10;
        double titleInset = 12;
        double titleTop = 6;
        double titleHeight = 28;
        double subtitleTop = 30;
        double subtitleHeight = 18;
        double clockRoom = 16; // beside the clock's widest reading
        double networkTop = 6; // "network · RTT"
        double networkHeight = 24;
        double inFlightTop = 28; // "n packets in flight", below it
        double inFlightHeight = 22;
        std::size_t wiresMax = 160; // more client-listener pairs: a few wires stand for them all
        double attackersRadius = 8;
        double attackersTitleInset = 10;
        double attackersTitleTop = 8;
        double attackersTitleHeight = 22;
        double attackerGlyphRight = 18;
        double attackerGlyphTop = 19;
        double serverLine = 24; // the server's title line, and the sysctls' below it
        double sysctlsHeight = 20;
        double idleNoteHeight = 80; // "nobody calls accept()"
    } panels;

    // A listener's frame, header and queue rows as painted.
    struct ListenerPaint {
        double radius = 8;
        double doorHalfWidth = 3;
        double doorHalfHeight = 16;
        double boldHeaderMin = 24;     // lower headers are set in small type
        double headerNameShare = 0.55; // the header's name part; what ss says has the rest
        double headerSsShare = 0.45;
        double headerSplitGap = 4; // between the name and what ss says
        double bigLabelMin = 44;   // a label column this high has the queue's name over big figures
        double nameRise = 24;      // the name's box above the label's centre
        double nameHeight = 22;
        double figuresHeight = 26;
        double figuresRoom = 4;
        double backlogRoomAbove = 16; // the backlog line's name beside it needs this much
        double backlogLabelLeft = 160;
        double backlogLabelWidth = 156;
        double backlogLabelRise = 18;
        double backlogLabelHeight = 16;
        double backlogUnderMin = 76; // otherwise under the figures, in a label this high
        double backlogUnderTop = 26;
        double arrowGap = 4; // the accept() arrow, from the head of the queue to the workers
        double arrowHeadLength = 8;
        double arrowHeadHalf = 5;
    } listenerPaint;

    // Filled slots and the gauge.
    struct SlotPaint {
        double radiusShare = 0.12; // of the slot's smaller side
        double textWidthMin = 40;  // smaller slots: pips instead of text
        double textHeightMin = 26;
        double textInset = 2;
        double thirdLineShare = 3.6; // the "next" line needs the slot this many small lines high
        double pipWidthMin = 10;
        double pipShare = 0.08;
        int pipsMax = 5;
        double gaugeTextInset = 6;
        double capOverhang = 6; // the ¾ of tcp_max_syn_backlog line
        double capLabelLeft = 300;
        double capLabelWidth = 296;
        double capLabelTop = 4;
        double capLabelHeight = 16;
    } slotPaint;

    // The nstat strip.
    struct Counters {
        double afterName = 18; // after "nstat"
        double itemRoom = 2;
        double itemGap = 18;
        double leastShare = 0.6; // type may shrink to this share of the mono size to fit
    } counters;

    // A client's row, the aggregated clients' block and the attackers' lines.
    struct ClientPaint {
        double markerShare = 0.34; // of the row's height
        double markerMax = 13;
        double markerLeft = 6;
        double textLeft = 14; // after the marker
        double textRight = 16;
        double twoLinesMin = 38; // a row this high has its detail on a second line
        double lineHeight = 17;
        double nameGap = 8;
        double boldMin = 22; // lower rows are set in small type
        double nameGapSmall = 6;
        double barHeight = 26; // the aggregated block's bar
        double barShare = 0.1;
        double lineMax = 34;
        double lineGap = 10; // below the bar
        double keyLeft = 10;
        double keyMax = 9;
        double keyShare = 0.3;
        double countRoom = 2;
        double countShare = 0.4;
        double keyTextLeft = 26;
        double countGap = 6;
        double attackersTop = 32; // the flood's lines below the attackers' title
        double attackersInset = 10;
        double attackersLine = 18;
        double attackersRate = 19; // from the rate's line to the span's
        double attackersSpan = 20;
    } clientPaint;

    // A worker's box and an aggregated block of workers.
    struct WorkerPaint {
        double radius = 6;
        double twoLinesMin = 38;
        double inset = 8;
        double nameDrop = 2; // the name's box reaches this far below the centre
        double stateDrop = 1;
        double oneLineLeft = 6;
        double oneLineRight = 4;
        double barInset = 8;
        double barHeight = 18;
        double barShare = 0.2;
        double linesGap = 6; // below the bar
        double lineMax = 20;
        double lineMin = 9; // lower lines: the bar alone
        double linesBottom = 4;
        double keyHalf = 5;
        double keyTextLeft = 16;
        double countRoom = 2;
        double countGap = 4;
        double countShare = 0.4;
    } workerPaint;

    // Streams, stream labels and drop labels.
    struct Flows {
        double widthPerDoubling = 2.0; // a stream's width: this much per doubling of its count
        double widthMin = 4;
        double widthMax = 26;
        double spreadShare = 0.25; // of the span its packets come from
        double spreadMax = 80;
        double sideOffset = 3;
        double labelAt = 0.4; // along the stream
        double labelPadX = 12;
        double labelPadY = 4;
        double labelGap = 8;
        double labelRadius = 4;
        double dropPadX = 10;
        double dropPadY = 4;
        double dropStackGap = 2;
        double dropAtServer = 30; // left of where they fall, at the server
        double dropAtClient = 16;
        double dropBelow = 16;
        double dropRadius = 3;
        double bodyInset = 2; // labels are kept this far inside the target
    } flows;

    // The legend in the footer.
    struct Legend {
        double left = 4;
        double glyphX = 10;
        double textX = 24;
        double textRoom = 4;
        double spacing = 20;
    } legend;

    // What a lesson step points at (the spotlight), and what a hit or a zoom allows around it.
    struct Emphasis {
        double hitSlack = 3; // around a packet's glyph
        double streamSlack = 6;
        double zoomRoom = 40;
        double spotlightRoom = 5;
        double spotlightRadius = 6;
        double spotlightLine = 3.5;
    } emphasis;
};

inline constexpr StageMetrics kStage{};

} // namespace backlog::views::stage
