// The colours, type and line weights the stage (and other pictures) are painted with.
// Colours come from the Okabe–Ito palette, which stays distinguishable under the common colour-vision
// deficiencies; on top of that every packet kind has its own shape and label (DESIGN.md: "every packet
// kind is also told apart by its label"), and spoofed SYNs are hollow where real ones are filled.
#pragma once

#include "model/core/Packet.h"

#include <QColor>
#include <QString>
#include <QStringList>
#include <QStringView>

#include <vector>

namespace backlog::views {

struct Theme {
    QString name; // "light", "dark", "projector"

    // Surfaces and text.
    QColor background;
    QColor panel; // the client, server and worker panels
    QColor panelBorder;
    QColor listenerFill; // a listening socket inside the server
    QColor text;
    QColor mutedText;
    QColor wire; // the faint paths packets travel along

    // Packets, by kind. A cookie SYN-ACK is a SYN-ACK with a dashed outline and a "cookie" label; a
    // spoofed SYN is drawn hollow in `spoofed` (the attacker's colour) instead of filled in `syn`.
    QColor syn;
    QColor synAck;
    QColor ack;
    QColor data;
    QColor fin;
    QColor rst;
    QColor spoofed;
    QColor glyphOutline;

    // Queues.
    QColor slotEmpty;
    QColor slotBorder;
    QColor synEntry;                             // a request socket of a real client (SYN-RECV)
    QColor spoofedEntry;                         // a request socket of a spoofed SYN (also hatched)
    QColor acceptEntry;                          // an established child waiting for accept()
    QColor entryText;                            // text on a filled slot
    QColor limitLine;                            // the backlog line
    QColor alert;                                // drops, ghosts, overflow
    QColor spotlight = QColor(0xE6, 0x9F, 0x00); // a lesson's highlight: Okabe–Ito orange

    // Workers and clients.
    QColor workerIdle;  // blocked in accept() / epoll_wait()
    QColor workerWoken; // a wake-up reached it and it has not run yet: the idle colour, lit up
    QColor workerServing;
    // The two futile wake-ups (M20): woken, re-checked the queue inside the kernel and asleep again; and
    // the costlier one that got back to user space, where accept() said EAGAIN.
    QColor workerWasted;
    QColor workerEagain;
    QColor workerOff; // not started, stopped
    QColor clientDone;

    // Type and weights, relative to the light theme; geometry never depends on them.
    QString sansFamily = QStringLiteral("DejaVu Sans");
    QString monoFamily = QStringLiteral("DejaVu Sans Mono");
    double fontScale = 1.0;
    double lineScale = 1.0;
    double glyphScale = 1.0;

    QColor packetColor(PacketKind kind, bool spoofedSource) const;

    static Theme light();
    static Theme dark();
    static Theme projector(); // high contrast, large type, thick lines: for the back row
    // "light", "dark" or "projector" (case-insensitive); anything else gives light().
    static Theme byName(QStringView name);
    static QStringList names();
    // The lecturer's pen (Annotations.h), keys 1 to 5: Okabe–Ito vermillion, blue, bluish green, orange
    // and reddish purple — told apart under colour-vision deficiencies, and none of them the
    // background of a theme.
    static std::vector<QColor> penColours();
};

} // namespace backlog::views
