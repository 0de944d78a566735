// Two runs' stages on one playhead (ComparedStages.h): the layout takes whichever arrangement shows each
// stage larger, each side is exactly the single stage painted in its rectangle (one painting path), the
// two sides differ where the runs do, a run that ended is shown at its end, and the titles fit.
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "views/render/ComparedStages.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QImage>
#include <QPainter>
#include <QTest>

#include <memory>

using namespace backlog;
using namespace backlog::views;

namespace {

std::unique_ptr<Simulation> run(int backlog, const char* until = "400ms") {
    const std::string yaml = "title: compared\nserver:\n  backlog: " + std::to_string(backlog) +
                             "\n  workers:\n    count: 1\n    service: 50ms\ntraffic:\n  - clients: 12\n"
                             "    at: 10ms\n    spacing: 2ms\nuntil: " +
                             until + "\n";
    const ReadResult read = readScenarioText(yaml, "compared");
    if (!read.scenario) return nullptr;
    auto sim = std::make_unique<Simulation>(*read.scenario);
    sim->run();
    return sim;
}

QImage blank(QSize size) {
    QImage image(size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::magenta);
    return image;
}

// The pixels of `image` inside `r`, shrunk by a pixel each side (the edge is the clip's).
QImage inside(const QImage& image, const QRectF& r) {
    return image.copy(r.toAlignedRect().adjusted(1, 1, -1, -1));
}

} // namespace

class TestComparedStages : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() { loadBundledFonts(); }

    void theLayoutShowsEachStageLarger_data() {
        QTest::addColumn<QSize>("size");
        QTest::addColumn<bool>("sideBySide");
        QTest::newRow("a landscape window: one above the other") << QSize(1280, 800) << false;
        // 16:9 whole: two 16:9 stages side by side are each 539 px tall, one above the other 512 px.
        QTest::newRow("a projector, 16:9: side by side") << QSize(1920, 1080) << true;
        QTest::newRow("a very wide strip: side by side") << QSize(2400, 600) << true;
        QTest::newRow("a tall narrow pane") << QSize(600, 1000) << false;
    }
    void theLayoutShowsEachStageLarger() {
        QFETCH(QSize, size);
        QFETCH(bool, sideBySide);
        const QRectF target(QPointF(0, 0), QSizeF(size));
        const ComparedLayout l = comparedLayout(target);
        QCOMPARE(l.sideBySide, sideBySide);
        for (std::size_t i = 0; i < 2; ++i) {
            QVERIFY(target.contains(l.stages[i]));
            QVERIFY(target.contains(l.titles[i]));
            QCOMPARE(l.titles[i].bottom(), l.stages[i].top()); // each title right above its stage
            QVERIFY(l.stages[i].height() > l.titles[i].height() * 5);
        }
        QVERIFY(!l.stages[0].intersects(l.stages[1]));
        QCOMPARE(comparedSideAt(l.stages[1].center(), l), std::optional<int>(1));
        QCOMPARE(comparedSideAt(l.titles[0].center(), l), std::optional<int>(0));
    }

    // Each side is the single stage painted into its rectangle, pixel for pixel.
    void eachSideIsTheSingleStage() {
        const auto a = run(4), b = run(8);
        QVERIFY(a && b);
        const QSize size(1400, 900);
        const QRectF target(QPointF(0, 0), QSizeF(size));
        const Time t = Time::ms(40);
        const Theme theme = Theme::light();
        StageRenderer ra, rb;
        QImage compared = blank(size);
        {
            QPainter p(&compared);
            paintComparedStages(p, target,
                                {ComparedSide{&ra, a.get(), "model"}, ComparedSide{&rb, b.get(), "other"}}, t,
                                theme, {});
        }
        const ComparedLayout l = comparedLayout(target);
        const Simulation* runs[2] = {a.get(), b.get()};
        for (std::size_t i = 0; i < 2; ++i) {
            StageRenderer alone;
            QImage single = blank(size);
            QPainter p(&single);
            alone.paint(p, l.stages[i], *runs[i], t, theme, {});
            p.end();
            QCOMPARE(inside(compared, l.stages[i]), inside(single, l.stages[i]));
        }
        // Nothing left unpainted, and the two sides differ where the runs do (backlog 4 against 8).
        for (int y = 0; y < size.height(); y += 7)
            for (int x = 0; x < size.width(); x += 7)
                QVERIFY(compared.pixelColor(x, y) != QColor(Qt::magenta));
        QVERIFY(inside(compared, l.stages[0]) !=
                inside(compared, l.stages[1]).scaled(inside(compared, l.stages[0]).size()));
    }

    // The playhead past a run's end: that side shows its run at its end.
    void aRunThatEndedIsShownAtItsEnd() {
        const auto a = run(4, "400ms"), b = run(4, "100ms");
        QVERIFY(a && b);
        QVERIFY(b->history().end < Time::ms(300));
        const QSize size(1280, 800);
        const QRectF target(QPointF(0, 0), QSizeF(size));
        const Theme theme = Theme::dark();
        StageRenderer ra, rb, rb2;
        QImage late = blank(size), atEnd = blank(size);
        {
            QPainter p(&late);
            paintComparedStages(p, target, {ComparedSide{&ra, a.get(), "a"}, ComparedSide{&rb, b.get(), "b"}},
                                Time::ms(300), theme, {});
        }
        const ComparedLayout l = comparedLayout(target);
        {
            QPainter p(&atEnd);
            rb2.paint(p, l.stages[1], *b, b->history().end, theme, {});
        }
        QCOMPARE(inside(late, l.stages[1]), inside(atEnd, l.stages[1]));
    }

    // The titles the window gives fit their strips at the window's and a projector's sizes.
    void theTitlesFit_data() {
        QTest::addColumn<QSize>("size");
        QTest::newRow("window") << QSize(1064, 700);
        QTest::newRow("projector") << QSize(1920, 1080);
        QTest::newRow("small") << QSize(640, 420);
    }
    void theTitlesFit() {
        QFETCH(QSize, size);
        const auto a = run(4);
        QVERIFY(a);
        StageRenderer ra, rb;
        QImage image = blank(size);
        LabelOverflows overflows;
        QPainter p(&image);
        paintComparedStages(p, QRectF(QPointF(0, 0), QSizeF(size)),
                            {ComparedSide{&ra, a.get(), "model (Linux 6.18)"},
                             ComparedSide{&rb, a.get(), "measured on Linux 6.18.44-fc-v1252"}},
                            Time::ms(30), Theme::light(), {}, &overflows);
        p.end();
        int titles = 0;
        for (const LabelOverflow& o : overflows)
            titles += o.text.contains(QLatin1String("Linux 6.18")) ? 1 : 0;
        QCOMPARE(titles, 0);
    }
};

QTEST_MAIN(TestComparedStages)
#include "tst_comparedstages.moc"
