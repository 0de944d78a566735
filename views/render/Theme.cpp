#include "views/render/Theme.h"

namespace backlog::views {

namespace {
// Okabe & Ito, "Color Universal Design" (2008).
namespace okabe_ito {
const QColor orange(0xE6, 0x9F, 0x00);
const QColor skyBlue(0x56, 0xB4, 0xE9);
const QColor bluishGreen(0x00, 0x9E, 0x73);
const QColor yellow(0xF0, 0xE4, 0x42);
const QColor blue(0x00, 0x72, 0xB2);
const QColor vermillion(0xD5, 0x5E, 0x00);
const QColor reddishPurple(0xCC, 0x79, 0xA7);
} // namespace okabe_ito
} // namespace

QColor Theme::packetColor(PacketKind kind, bool spoofedSource) const {
    switch (kind) {
    case PacketKind::Syn:
        return spoofedSource ? spoofed : syn;
    case PacketKind::SynAck:
        return synAck;
    case PacketKind::Ack:
        return ack;
    case PacketKind::Data:
        return data;
    case PacketKind::Fin:
        return fin;
    case PacketKind::Rst:
        return rst;
    }
    return text;
}

Theme Theme::light() {
    using namespace okabe_ito;
    Theme t;
    t.name = QStringLiteral("light");
    t.background = QColor(0xFB, 0xFA, 0xF7);
    t.panel = QColor(0xF0, 0xEF, 0xEA);
    t.panelBorder = QColor(0xA3, 0xA1, 0x9A);
    t.listenerFill = QColor(0xFF, 0xFF, 0xFF);
    t.text = QColor(0x1B, 0x1B, 0x1B);
    t.mutedText = QColor(0x5E, 0x5E, 0x5A);
    t.wire = QColor(0xD4, 0xD2, 0xCB);
    t.syn = blue;
    t.synAck = orange;
    t.ack = bluishGreen;
    t.data = skyBlue;
    t.fin = reddishPurple;
    t.rst = QColor(0x1B, 0x1B, 0x1B);
    t.spoofed = vermillion;
    t.glyphOutline = QColor(0x1B, 0x1B, 0x1B);
    t.slotEmpty = QColor(0xFF, 0xFF, 0xFF);
    t.slotBorder = QColor(0x8E, 0x8C, 0x85);
    t.synEntry = blue;
    t.spoofedEntry = vermillion;
    t.acceptEntry = bluishGreen;
    t.entryText = QColor(0xFF, 0xFF, 0xFF);
    t.limitLine = QColor(0x1B, 0x1B, 0x1B);
    t.alert = vermillion;
    t.workerIdle = QColor(0xD6, 0xEB, 0xF8); // sky blue, light
    t.workerWoken = skyBlue;                 // the idle colour at full strength
    t.workerServing = bluishGreen;
    t.workerWasted = yellow;
    // Reddish purple, not orange: orange is the spotlight's, and it is the hue furthest from yellow for
    // every colour-vision deficiency.
    t.workerEagain = reddishPurple;
    t.workerOff = QColor(0xDD, 0xDC, 0xD7);
    t.clientDone = QColor(0xB5, 0xB3, 0xAC);
    return t;
}

Theme Theme::dark() {
    using namespace okabe_ito;
    Theme t;
    t.name = QStringLiteral("dark");
    t.background = QColor(0x1C, 0x1D, 0x21);
    t.panel = QColor(0x27, 0x29, 0x2E);
    t.panelBorder = QColor(0x5D, 0x61, 0x69);
    t.listenerFill = QColor(0x31, 0x34, 0x3A);
    t.text = QColor(0xEE, 0xEE, 0xEA);
    t.mutedText = QColor(0xA9, 0xAB, 0xAF);
    t.wire = QColor(0x3C, 0x3F, 0x46);
    // On a dark ground the deep blue is too dim for SYNs: sky blue takes SYN and yellow takes data.
    t.syn = skyBlue;
    t.synAck = orange;
    t.ack = bluishGreen;
    t.data = yellow;
    t.fin = reddishPurple;
    t.rst = QColor(0xF4, 0xF4, 0xF0);
    t.spoofed = vermillion;
    t.glyphOutline = QColor(0xF4, 0xF4, 0xF0);
    t.slotEmpty = QColor(0x23, 0x25, 0x29);
    t.slotBorder = QColor(0x75, 0x79, 0x82);
    t.synEntry = blue;
    t.spoofedEntry = vermillion;
    t.acceptEntry = bluishGreen;
    t.entryText = QColor(0xFF, 0xFF, 0xFF);
    t.limitLine = QColor(0xF4, 0xF4, 0xF0);
    t.alert = QColor(0xF0, 0x7A, 0x2A);     // vermillion, lifted for a dark ground
    t.spotlight = QColor(0xF0, 0xE4, 0x42); // Okabe–Ito yellow: bright on a dark ground
    t.workerIdle = QColor(0x2B, 0x4A, 0x5E);
    t.workerWoken = skyBlue;
    t.workerServing = bluishGreen;
    t.workerWasted = yellow;
    t.workerEagain = reddishPurple;
    t.workerOff = QColor(0x3A, 0x3C, 0x42);
    t.clientDone = QColor(0x6A, 0x6D, 0x74);
    return t;
}

Theme Theme::projector() {
    using namespace okabe_ito;
    // Projectors wash out light tints and thin lines: pure white and black, full-strength colours,
    // thick outlines on everything, and type a third larger.
    Theme t = light();
    t.name = QStringLiteral("projector");
    t.background = QColor(0xFF, 0xFF, 0xFF);
    t.panel = QColor(0xF2, 0xF2, 0xF2);
    t.panelBorder = QColor(0x00, 0x00, 0x00);
    t.listenerFill = QColor(0xFF, 0xFF, 0xFF);
    t.text = QColor(0x00, 0x00, 0x00);
    t.mutedText = QColor(0x22, 0x22, 0x22);
    t.wire = QColor(0xBB, 0xBB, 0xBB);
    t.rst = QColor(0x00, 0x00, 0x00);
    t.glyphOutline = QColor(0x00, 0x00, 0x00);
    t.slotBorder = QColor(0x00, 0x00, 0x00);
    t.limitLine = QColor(0x00, 0x00, 0x00);
    t.workerIdle = QColor(0xBF, 0xE1, 0xF6);
    t.workerOff = QColor(0xD0, 0xD0, 0xD0);
    t.clientDone = QColor(0x90, 0x90, 0x90);
    t.fontScale = 1.3;
    t.lineScale = 2.0;
    t.glyphScale = 1.35;
    return t;
}

Theme Theme::byName(QStringView name) {
    if (name.compare(QLatin1String("dark"), Qt::CaseInsensitive) == 0) return dark();
    if (name.compare(QLatin1String("projector"), Qt::CaseInsensitive) == 0) return projector();
    return light();
}

QStringList Theme::names() {
    return {QStringLiteral("light"), QStringLiteral("dark"), QStringLiteral("projector")};
}

std::vector<QColor> Theme::penColours() {
    using namespace okabe_ito;
    return {vermillion, blue, bluishGreen, orange, reddishPurple};
}

} // namespace backlog::views
