// The timeline marks every drop and cookie of the run in its bins and scrubs by click and drag.
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "tests/common/ViewTest.h"
#include "views/widgets/TimelineView.h"

#include <QSignalSpy>
#include <QTest>

#include <memory>
#include <numeric>

using namespace backlog;
using namespace backlog::views;
using backlog::test::runLesson;

namespace {
std::uint64_t sum(const std::vector<std::uint32_t>& v) {
    return std::accumulate(v.begin(), v.end(), std::uint64_t{0});
}
} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
  private slots:
    void marksCountEveryDropAndCookie_data();
    void marksCountEveryDropAndCookie();
    void clickAndDragSeek();
    void lessonStepsAreMarkedAboveTheTrack();
    void concealedFutureDropsAreNotMarked();
};

void TestTimeline::marksCountEveryDropAndCookie_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("e1: SYNs to a full accept queue") << "scenarios/e1-never-accept.yaml";
    QTest::newRow("e2: cookies and cookie ACKs to a full queue") << "scenarios/e2-burst.yaml";
    QTest::newRow("e4: the 3/4 rule under a flood") << "scenarios/e4-flood-no-cookies.yaml";
}

void TestTimeline::marksCountEveryDropAndCookie() {
    QFETCH(QString, file);
    auto sim = runLesson(file.toUtf8().constData());
    QVERIFY(sim);
    const History& h = sim->history();
    const TimelineMarks m = TimelineMarks::of(h);
    // The overflow marks are exactly the server's ListenOverflows; cookies exactly SyncookiesSent.
    const CounterValues end = h.countersAt(Host::Server, h.end);
    QCOMPARE(static_cast<std::int64_t>(sum(m.overflows)), get(end, Counter::TcpExtListenOverflows));
    QCOMPARE(static_cast<std::int64_t>(sum(m.cookies)), get(end, Counter::TcpExtSyncookiesSent));
    QVERIFY(sum(m.overflows) + sum(m.otherDrops) + sum(m.cookies) > 0);
    QVERIFY(m.peak > 0);
}

void TestTimeline::clickAndDragSeek() {
    auto sim = runLesson("scenarios/sandbox.yaml");
    QVERIFY(sim);
    TimelineView view;
    view.resize(800, 60);
    view.setSimulation(sim.get());
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QSignalSpy seek(&view, &TimelineView::seekRequested);
    const Time target = sim->history().end / 4;
    const QPoint at(static_cast<int>(std::lround(view.xOf(target))), 20);
    QTest::mouseClick(&view, Qt::LeftButton, {}, at);
    QTRY_COMPARE(seek.count(), 1);
    const Time got = seek.front().front().value<Time>();
    // One pixel of the 800-pixel track is end/784 of simulated time.
    QVERIFY(std::llabs((got - target).count()) <= (sim->history().end / 700).count());
    // xOf and timeAt are inverse to within a pixel.
    QVERIFY(std::abs(view.xOf(view.timeAt(333.0)) - 333.0) < 1.0);
    view.setPlayhead(got);
    QCOMPARE(view.playhead(), got);
}

// A lesson's steps: a tick at each step's moment above the track, none for a step that never came,
// and the times on the track stay where they were.
void TestTimeline::lessonStepsAreMarkedAboveTheTrack() {
    const auto sim = runLesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    TimelineView view;
    view.resize(600, 60);
    view.setSimulation(sim.get());
    const Time step = Time::ns(sim->history().end.count() / 2);
    view.setStepTimes({Time(), step, Time::never()});
    QCOMPARE(view.stepTimes().size(), std::size_t(3));
    QCOMPARE(view.sizeHint().height(), 60);
    QImage image(view.size(), QImage::Format_ARGB32);
    image.fill(Qt::white);
    view.render(&image);
    const int x = static_cast<int>(std::lround(view.xOf(step)));
    // The tick spans the track's top edge (15 px down); the row above it is blank a few pixels away.
    const auto dark = [&](int px, int py) { return qGray(image.pixel(px, py)) < 128; };
    QVERIFY(dark(x, 12));
    QVERIFY(!dark(x + 6, 12));
    QCOMPARE(view.timeAt(view.xOf(step)).count() / 1'000'000, step.count() / 1'000'000);
}

// reveal: after-answer (issue 16): the drops after the playhead are not marked; those before it are, and
// the picture is what it was once the question is answered.
void TestTimeline::concealedFutureDropsAreNotMarked() {
    const auto sim = runLesson("scenarios/e2-burst.yaml");
    QVERIFY(sim);
    TimelineView view;
    view.resize(600, 60);
    view.setSimulation(sim.get());
    const auto picture = [&] {
        QImage image(view.size(), QImage::Format_ARGB32);
        image.fill(Qt::white);
        view.render(&image);
        return image;
    };
    // The playhead where half the marks are behind it: the first bin past the median drop.
    const TimelineMarks& m = view.marks();
    std::uint64_t total = 0, seen = 0;
    for (std::size_t b = 0; b < m.overflows.size(); ++b)
        total += m.overflows[b] + m.otherDrops[b] + m.cookies[b];
    std::size_t half = 0;
    for (; half < m.overflows.size() && seen * 2 < total; ++half)
        seen += m.overflows[half] + m.otherDrops[half] + m.cookies[half];
    const Time playhead = Time::ns(m.end.count() * static_cast<std::int64_t>(half) / TimelineMarks::kBins);
    view.setPlayhead(playhead);
    const QImage open = picture();
    view.setFutureConcealed(true);
    const QImage concealed = picture();
    const int x = static_cast<int>(std::lround(view.xOf(playhead)));
    // Columns well before the playhead are as they were; after it, some marks are gone and none appear.
    int gone = 0;
    for (int px = 0; px < view.width(); ++px)
        for (int py = 16; py < view.height() - 16; ++py) {
            if (px < x - 2) QCOMPARE(concealed.pixel(px, py), open.pixel(px, py));
            if (px > x + 2 && concealed.pixel(px, py) != open.pixel(px, py)) ++gone;
        }
    QVERIFY(gone > 0);
    view.setFutureConcealed(false);
    QCOMPARE(picture(), open);
}

QTEST_MAIN(TestTimeline)
#include "tst_timeline.moc"
