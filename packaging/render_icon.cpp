// backlog_render_icon SVG SIZE OUT.png: the icon's PNG sizes, drawn at build time by Qt's own SVG renderer
// (Qt Svg is already needed), so that no other tool is needed and no binary is committed.
#include <QImage>
#include <QPainter>
#include <QString>
#include <QSvgRenderer>

#include <cstdio>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fputs("usage: backlog_render_icon SVG SIZE OUT.png\n", stderr);
        return 2;
    }
    QSvgRenderer svg(QString::fromLocal8Bit(argv[1]));
    bool sized = false;
    const int size = QString::fromLocal8Bit(argv[2]).toInt(&sized);
    if (!svg.isValid() || !sized || size < 1 || size > 1024) {
        std::fprintf(stderr, "backlog_render_icon: cannot draw %s at %s px\n", argv[1], argv[2]);
        return 1;
    }
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        svg.render(&painter, QRectF(0, 0, size, size));
    }
    if (!image.save(QString::fromLocal8Bit(argv[3]), "PNG")) {
        std::fprintf(stderr, "backlog_render_icon: cannot write %s\n", argv[3]);
        return 1;
    }
    return 0;
}
