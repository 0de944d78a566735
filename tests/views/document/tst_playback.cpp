// The two playback clocks (DESIGN.md "Playback: two clocks") and the Player that drives the playhead.
// Time is stepped explicitly, frame by frame: only one test lets the real frame timer run, and it waits
// with QTRY_* for the end, never with a fixed sleep.
#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "views/document/PlaybackClock.h"
#include "views/document/Player.h"
#include "views/document/SimulationDocument.h"

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

namespace backlog {
inline char* toString(const Time& t) {
    return qstrdup((formatSeconds(t) + " s").c_str());
}
} // namespace backlog

using namespace backlog;
using backlog::views::PlaybackClock;
using backlog::views::Player;
using backlog::views::SimulationDocument;
using Factor = PlaybackClock::Factor;
using Mode = PlaybackClock::Mode;

Q_DECLARE_METATYPE(backlog::views::PlaybackClock::Factor)

namespace {

// A LAN: a 20 µs round trip, clients far enough apart that each handshake is alone on the wire, and a
// worker that serves for 100 µs. Everything is over within a few milliseconds.
constexpr const char* kLanYaml = R"(
title: "LAN: a 20 us round trip"
kernel:
  version: "6.18"
network:
  rtt: 20us
server:
  backlog: 4
  workers:
    count: 1
    accept: blocking
    service: 100us
traffic:
  - { name: clients, clients: 6, at: 0s, spacing: 200us, send: true }
seed: 1
)";

constexpr std::int64_t kFrame60 = 16'666'667; // one frame at 60 fps, in ns

// Simulated once per program: "scenarios/sandbox", "scenarios/e1-never-accept" (in lessons/) or
// "lan-20us" (above).
const Simulation& simulation(const QString& name) {
    static std::map<QString, std::unique_ptr<Simulation>> cache;
    auto& slot = cache[name];
    if (!slot) {
        const ReadResult read = name == QLatin1String("lan-20us")
                                    ? readScenarioText(kLanYaml, "lan-20us")
                                    : readScenarioFile(std::string(BACKLOG_SOURCE_DIR "/lessons/") +
                                                       name.toStdString() + ".yaml");
        for (const ReadError& e : read.errors)
            qWarning("%s", e.text().c_str());
        if (!read.scenario) qFatal("cannot read scenario %s", qPrintable(name));
        slot = std::make_unique<Simulation>(*read.scenario);
        slot->run();
    }
    return *slot;
}

// Every send and arrival within [0, end], sorted, each once: what stepping and paced playback must visit,
// computed from the packets themselves rather than from History::nextMoment.
std::vector<Time> momentsOf(const History& h) {
    std::vector<Time> out;
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        for (Time t : {p.sent, p.arrives})
            if (t <= h.end) out.push_back(t);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// A playback: frame k shows times[k] for walls[k] ns of wall time, until the frame that shows the end.
struct Playback {
    std::vector<Time> times;
    std::vector<std::int64_t> walls;
    std::vector<std::int64_t> wallBefore; // prefix sums of walls: wall time at which frame k appears
    bool reachedEnd = false;
    std::int64_t longestTick = 0;

    // Wall time during which a frame showing a time in [from, to) is on screen.
    std::int64_t wallShowing(Time from, Time to) const {
        const auto first = std::lower_bound(times.begin(), times.end(), from) - times.begin();
        const auto last = std::lower_bound(times.begin(), times.end(), to) - times.begin();
        return wallBefore[static_cast<std::size_t>(last)] - wallBefore[static_cast<std::size_t>(first)];
    }
};

// Ticks: "60fps" is a steady 16.67 ms; "jitter" is a deterministic mix from 4 ms to 40 ms (a busy
// machine), to show that the guarantees hold for whatever wall time the frames measure.
Playback play(const PlaybackClock& clock, const History& h, const QString& ticks, std::size_t maxFrames) {
    Playback p;
    std::uint32_t lcg = 12345;
    Time t;
    for (std::size_t k = 0; k < maxFrames; ++k) {
        std::int64_t wall = kFrame60;
        if (ticks == QLatin1String("jitter")) {
            lcg = lcg * 1'103'515'245u + 12'345u;
            wall = 4'000'000 + static_cast<std::int64_t>((lcg >> 8) % 36'000'000u);
        }
        p.times.push_back(t);
        if (t >= h.end) {
            p.reachedEnd = true;
            break;
        }
        p.walls.push_back(wall);
        p.longestTick = std::max(p.longestTick, wall);
        t = clock.advance(t, wall, h);
    }
    p.walls.push_back(0); // the last frame stays up; nothing is measured after it
    p.wallBefore.resize(p.walls.size() + 1);
    std::partial_sum(p.walls.begin(), p.walls.end(), p.wallBefore.begin() + 1);
    return p;
}

double seconds(std::int64_t ns) {
    return static_cast<double>(ns) / 1e9;
}

// Writes YAML to a file a SimulationDocument can load.
QString writeScenario(const QTemporaryDir& dir, const char* name, const std::string& yaml) {
    const QString path = dir.filePath(QString::fromLatin1(name));
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly)) qFatal("cannot write %s", qPrintable(path));
    f.write(yaml.data(), static_cast<qint64>(yaml.size()));
    return path;
}

} // namespace

class TestPlayback : public QObject {
    Q_OBJECT
  private slots:
    void linearAdvanceIsExact_data();
    void linearAdvanceIsExact();
    void linearStopsAtTheEnd();
    void speedLadder();
    void pacedTempoLadder();
    void quietGapWallTime();

    void pacedPlayback_data();
    void pacedPlayback();
    void pacedDependsOnlyOnItsInputs();

    void stepping_data();
    void stepping();

    void playerTimerRunsOnlyWhilePlaying();
    void playerReachesTheEndInRealTime();
    void playerTicksAndStopsAtTheEnd();
    void playerPlayAtTheEndStartsOver();
    void playerStepsAndJumps();
    void playerSignalsModeChanges();
};

// ---------------------------------------------------------------- PlaybackClock: linear

void TestPlayback::linearAdvanceIsExact_data() {
    QTest::addColumn<Factor>("speed");
    QTest::addColumn<qint64>("wall");
    QTest::addColumn<qint64>("expected"); // simulated ns

    struct Row {
        Factor speed;
        const char* name;
        qint64 perFrame;
        qint64 perSecond;
    };
    const Row rows[] = {
        {{1, 10'000}, "1/10000", 1'666, 100'000},          {{1, 1'000}, "1/1000", 16'666, 1'000'000},
        {{1, 100}, "1/100", 166'666, 10'000'000},          {{1, 10}, "1/10", 1'666'666, 100'000'000},
        {{1, 4}, "1/4", 4'166'666, 250'000'000},           {{1, 2}, "1/2", 8'333'333, 500'000'000},
        {{1, 1}, "1", 16'666'667, 1'000'000'000},          {{2, 1}, "2", 33'333'334, 2'000'000'000},
        {{5, 1}, "5", 83'333'335, 5'000'000'000},          {{10, 1}, "10", 166'666'670, 10'000'000'000},
        {{100, 1}, "100", 1'666'666'700, 100'000'000'000},
    };
    for (const Row& r : rows) {
        QTest::addRow("x%s, one frame", r.name) << r.speed << qint64{kFrame60} << r.perFrame;
        QTest::addRow("x%s, one second", r.name) << r.speed << qint64{1'000'000'000} << r.perSecond;
    }
}

void TestPlayback::linearAdvanceIsExact() {
    QFETCH(Factor, speed);
    QFETCH(qint64, wall);
    QFETCH(qint64, expected);
    const History& h = simulation(QStringLiteral("scenarios/e1-never-accept")).history();
    QVERIFY2(h.end > Time::s(110), "e1 runs past its 131 s timeout");

    PlaybackClock clock;
    clock.setMode(Mode::Linear);
    clock.setLinearSpeed(speed);
    QCOMPARE(clock.linearSpeed().num, speed.num);
    QCOMPARE(clock.linearSpeed().den, speed.den);
    const Time from = Time::ms(1'234);
    QCOMPARE(clock.advance(from, wall, h), from + Time::ns(expected));
    QCOMPARE(clock.advance(from, 0, h), from);
}

void TestPlayback::linearStopsAtTheEnd() {
    const History& h = simulation(QStringLiteral("scenarios/sandbox")).history();
    PlaybackClock clock;
    clock.setMode(Mode::Linear);
    clock.setLinearSpeed({100, 1});
    QCOMPARE(clock.advance(h.end - Time::ms(1), kFrame60, h), h.end);
    QCOMPARE(clock.advance(h.end, kFrame60, h), h.end);
    QCOMPARE(clock.advance(h.end - Time::ms(1), std::numeric_limits<std::int64_t>::max(), h), h.end);
}

void TestPlayback::speedLadder() {
    PlaybackClock clock;
    QCOMPARE(clock.mode(), Mode::Paced); // the default for lessons
    clock.setMode(Mode::Linear);
    QCOMPARE(clock.description(), QStringLiteral("linear ×1"));

    QStringList down;
    while (clock.slower())
        down << clock.description();
    QCOMPARE(down, QStringList({"linear ×1/2", "linear ×1/4", "linear ×1/10", "linear ×1/100",
                                "linear ×1/1000", "linear ×1/10000"}));
    QStringList up;
    while (clock.faster())
        up << clock.description();
    QCOMPARE(up, QStringList({"linear ×1/1000", "linear ×1/100", "linear ×1/10", "linear ×1/4", "linear ×1/2",
                              "linear ×1", "linear ×2", "linear ×5", "linear ×10", "linear ×100"}));
    QVERIFY(!clock.faster());

    // Clamped to [1/10000, 100], reduced, and a speed off the ladder steps to its neighbours.
    clock.setLinearSpeed({1, 1'000'000});
    QCOMPARE(clock.description(), QStringLiteral("linear ×1/10000"));
    clock.setLinearSpeed({1'000, 1});
    QCOMPARE(clock.description(), QStringLiteral("linear ×100"));
    clock.setLinearSpeed({0, 1});
    QCOMPARE(clock.description(), QStringLiteral("linear ×1/10000"));
    clock.setLinearSpeed({3'000'000'000'000, 1'000'000'000'000});
    QCOMPARE(clock.description(), QStringLiteral("linear ×3"));
    clock.setLinearSpeed({6, 2});
    QCOMPARE(clock.description(), QStringLiteral("linear ×3"));
    QVERIFY(clock.faster());
    QCOMPARE(clock.description(), QStringLiteral("linear ×5"));
    clock.setLinearSpeed({3, 1});
    QVERIFY(clock.slower());
    QCOMPARE(clock.description(), QStringLiteral("linear ×2"));

    // The linear speed is kept while the mode changes.
    clock.setMode(Mode::Paced);
    QCOMPARE(clock.description(), QStringLiteral("paced"));
    clock.setMode(Mode::Linear);
    QCOMPARE(clock.description(), QStringLiteral("linear ×2"));
}

void TestPlayback::pacedTempoLadder() {
    PlaybackClock clock;
    QCOMPARE(clock.description(), QStringLiteral("paced"));
    QStringList up;
    while (clock.faster())
        up << clock.description();
    QCOMPARE(up, QStringList({"paced ×2", "paced ×5", "paced ×10"}));
    QStringList down;
    while (clock.slower())
        down << clock.description();
    QCOMPARE(down, QStringList({"paced ×5", "paced ×2", "paced", "paced ×1/2", "paced ×1/4"}));
    QCOMPARE(clock.linearSpeed(), (Factor{1, 1})); // untouched by the paced ladder
}

void TestPlayback::quietGapWallTime() {
    // The documented figures, and a wall time that grows with the gap but never passes 0.6 s.
    const auto w = [](Time g) { return PlaybackClock::quietGapWallNs(g); };
    QCOMPARE(w(Time()), std::int64_t{0});
    QVERIFY(w(Time::ms(1)) > 40'000'000 && w(Time::ms(1)) < 50'000'000);
    QVERIFY(w(Time::ms(150)) > 300'000'000 && w(Time::ms(150)) < 350'000'000);
    QVERIFY(w(Time::s(1)) > 430'000'000 && w(Time::s(1)) < 470'000'000);
    QVERIFY(w(Time::s(7)) > 560'000'000 && w(Time::s(7)) < 600'000'000);
    QCOMPARE(w(Time::s(10)), PlaybackClock::kPacedGapWallNs);
    QCOMPARE(w(Time::s(131)), PlaybackClock::kPacedGapWallNs);
    QCOMPARE(w(Time::s(100'000)), PlaybackClock::kPacedGapWallNs);
    std::int64_t before = 0;
    for (Time g = Time::ns(1); g < Time::s(20); g = g * 3) {
        QVERIFY(w(g) >= before);
        QVERIFY(w(g) < PlaybackClock::kPacedFlightWallNs); // a gap always moves faster than a flight
        before = w(g);
    }
}

// ---------------------------------------------------------------- PlaybackClock: paced

void TestPlayback::pacedPlayback_data() {
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("ticks");
    for (const char* scenario : {"scenarios/sandbox", "scenarios/e1-never-accept", "lan-20us"}) {
        for (const char* ticks : {"60fps", "jitter"})
            QTest::addRow("%s, %s", scenario, ticks)
                << QString::fromLatin1(scenario) << QString::fromLatin1(ticks);
    }
}

void TestPlayback::pacedPlayback() {
    QFETCH(QString, scenario);
    QFETCH(QString, ticks);
    const History& h = simulation(scenario).history();
    QVERIFY(h.packetCount() > 0);
    const PlaybackClock clock; // paced, tempo 1
    const Playback p = play(clock, h, ticks, 2'000'000);

    // It reaches the end, and every frame moves forward.
    QVERIFY(p.reachedEnd);
    QCOMPARE(p.times.back(), h.end);
    for (std::size_t k = 1; k < p.times.size(); ++k)
        QVERIFY2(p.times[k] > p.times[k - 1],
                 qPrintable(QStringLiteral("frame %1 did not move forward").arg(k)));

    // It never skips a moment: every send and every arrival is shown, exactly, in some frame.
    const std::vector<Time> moments = momentsOf(h);
    for (Time m : moments)
        QVERIFY2(
            std::binary_search(p.times.begin(), p.times.end(), m),
            qPrintable(QStringLiteral("moment %1 s skipped").arg(QString::fromStdString(formatSeconds(m)))));

    // Every flight is on screen for at least 0.8 s of wall time, whether it lasts 10 µs or 20 ms; a flight
    // alone on the wire (the first SYN) for no more than a frame longer (and a few ns: 48 frames of
    // 16,666,667 ns are 16 ns more than 0.8 s).
    std::int64_t shortestShown = std::numeric_limits<std::int64_t>::max();
    Time shortestFlight = Time::never();
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet pk = h.packet(i);
        if (pk.arrives > h.end || pk.arrives <= pk.sent) continue;
        const std::int64_t shown = p.wallShowing(pk.sent, pk.arrives);
        shortestShown = std::min(shortestShown, shown);
        shortestFlight = std::min(shortestFlight, pk.arrives - pk.sent);
        QVERIFY2(shown >= PlaybackClock::kPacedFlightWallNs,
                 qPrintable(QStringLiteral("packet %1 (%2 s flight) shown for only %3 s")
                                .arg(i)
                                .arg(QString::fromStdString(formatSeconds(pk.arrives - pk.sent)))
                                .arg(seconds(shown))));
    }
    const Packet first = h.packet(0);
    QCOMPARE(h.packetsInFlight(first.sent).size(), std::size_t{1});
    QVERIFY(p.wallShowing(first.sent, first.arrives) <=
            PlaybackClock::kPacedFlightWallNs + p.longestTick + 1'000);

    // A quiet stretch (nothing in flight from one moment to the next, or to the end) takes at most 0.6 s,
    // plus the frame it ends in; one of a second or more still takes 0.4 s or more: a glide, not a cut.
    std::vector<Time> bounds = moments;
    if (bounds.empty() || bounds.front() > Time()) bounds.insert(bounds.begin(), Time());
    if (bounds.back() < h.end) bounds.push_back(h.end);
    std::int64_t longestQuiet = 0;
    Time longestGap;
    int longGaps = 0;
    for (std::size_t k = 0; k + 1 < bounds.size(); ++k) {
        if (!h.packetsInFlight(bounds[k]).empty()) continue;
        const Time gap = bounds[k + 1] - bounds[k];
        const std::int64_t shown = p.wallShowing(bounds[k], bounds[k + 1]);
        longestQuiet = std::max(longestQuiet, shown);
        longestGap = std::max(longestGap, gap);
        QVERIFY2(shown <= PlaybackClock::kPacedGapWallNs + p.longestTick,
                 qPrintable(QStringLiteral("a quiet %1 s took %2 s")
                                .arg(QString::fromStdString(formatSeconds(gap)))
                                .arg(seconds(shown))));
        if (gap >= Time::s(1)) {
            ++longGaps;
            QVERIFY2(shown >= 400'000'000, qPrintable(QStringLiteral("a quiet %1 s was cut in %2 s")
                                                          .arg(QString::fromStdString(formatSeconds(gap)))
                                                          .arg(seconds(shown))));
        }
    }
    if (scenario != QLatin1String("lan-20us")) QVERIFY(longGaps > 0); // retransmission waits, service times

    qInfo("%s: %s of simulated time played in %.1f s (%zu frames); shortest flight %s shown %.3f s; "
          "longest quiet %s, longest quiet shown %.3f s",
          qPrintable(scenario), formatSeconds(h.end).c_str(), seconds(p.wallBefore.back()), p.times.size(),
          formatDuration(shortestFlight).c_str(), seconds(shortestShown), formatDuration(longestGap).c_str(),
          seconds(longestQuiet));
}

void TestPlayback::pacedDependsOnlyOnItsInputs() {
    const History& h = simulation(QStringLiteral("scenarios/sandbox")).history();
    const PlaybackClock a, b;
    const Playback first = play(a, h, QStringLiteral("jitter"), 2'000'000);
    const Playback second = play(b, h, QStringLiteral("jitter"), 2'000'000);
    QVERIFY(first.times == second.times);

    // Faster tempo: the same moments in fewer frames, still in order.
    PlaybackClock quick;
    quick.setPacedTempo({5, 1});
    const Playback fast = play(quick, h, QStringLiteral("60fps"), 2'000'000);
    QVERIFY(fast.reachedEnd);
    QVERIFY(fast.times.size() < first.times.size());
    for (Time m : momentsOf(h))
        QVERIFY(std::binary_search(fast.times.begin(), fast.times.end(), m));
}

// ---------------------------------------------------------------- stepping

void TestPlayback::stepping_data() {
    QTest::addColumn<QString>("scenario");
    for (const char* scenario : {"scenarios/sandbox", "scenarios/e1-never-accept", "lan-20us"})
        QTest::newRow(scenario) << QString::fromLatin1(scenario);
}

void TestPlayback::stepping() {
    QFETCH(QString, scenario);
    const History& h = simulation(scenario).history();
    const std::vector<Time> moments = momentsOf(h);

    // Forward from the start: every moment after 0 in order, then the end.
    std::vector<Time> expected;
    for (Time m : moments)
        if (m > Time()) expected.push_back(m);
    if (expected.empty() || expected.back() < h.end) expected.push_back(h.end);
    std::vector<Time> visited;
    for (Time t; t < h.end && visited.size() <= expected.size();) {
        t = PlaybackClock::stepForward(t, h);
        visited.push_back(t);
    }
    QCOMPARE(visited.size(), expected.size());
    QVERIFY(visited == expected);
    QCOMPARE(PlaybackClock::stepForward(h.end, h), h.end);

    // Backward from the end: every moment before it in reverse, then the start.
    expected.clear();
    for (auto it = moments.rbegin(); it != moments.rend(); ++it)
        if (*it<h.end&& * it> Time()) expected.push_back(*it);
    expected.push_back(Time());
    visited.clear();
    for (Time t = h.end; t > Time() && visited.size() <= expected.size();) {
        t = PlaybackClock::stepBackward(t, h);
        visited.push_back(t);
    }
    QCOMPARE(visited.size(), expected.size());
    QVERIFY(visited == expected);
    QCOMPARE(PlaybackClock::stepBackward(Time(), h), Time());
}

// ---------------------------------------------------------------- Player

void TestPlayback::playerTimerRunsOnlyWhilePlaying() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    Player player(&doc);
    auto* timer = player.findChild<QTimer*>(QStringLiteral("frameTimer"));
    QVERIFY(timer);
    QCOMPARE(timer->timerType(), Qt::PreciseTimer);
    QVERIFY(!timer->isActive());
    QVERIFY(!player.isPlaying());
    QSignalSpy playing(&player, &Player::playingChanged);

    player.play();
    QVERIFY(player.isPlaying());
    QVERIFY(timer->isActive());
    QCOMPARE(playing.count(), 1);
    QCOMPARE(playing.at(0).at(0).toBool(), true);
    player.play(); // already playing: nothing changes
    QCOMPARE(playing.count(), 1);
    QTRY_VERIFY(doc.playhead() > Time()); // the real timer moves the playhead

    player.pause();
    QVERIFY(!player.isPlaying());
    QVERIFY(!timer->isActive());
    QCOMPARE(playing.count(), 2);
    QCOMPARE(playing.at(1).at(0).toBool(), false);

    player.toggle();
    QVERIFY(timer->isActive());
    player.toggle();
    QVERIFY(!timer->isActive());
    QCOMPARE(playing.count(), 4);

    // Loading another history pauses.
    player.play();
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/e1-never-accept.yaml")).isEmpty());
    QVERIFY(!player.isPlaying());
    QVERIFY(!timer->isActive());
    QCOMPARE(doc.playhead(), Time());
}

void TestPlayback::playerReachesTheEndInRealTime() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Two seconds of history: about 20 ms of wall time at ×100.
    SimulationDocument doc;
    QVERIFY(doc.load(writeScenario(dir, "lan.yaml", std::string(kLanYaml) + "until: 2s\n")).isEmpty());
    QCOMPARE(doc.end(), Time::s(2));
    Player player(&doc);
    player.setMode(Mode::Linear);
    player.setLinearSpeed({100, 1});
    QCOMPARE(player.description(), QStringLiteral("linear ×100"));
    QSignalSpy playing(&player, &Player::playingChanged);
    QSignalSpy moved(&doc, &SimulationDocument::playheadChanged);

    player.play();
    QTRY_VERIFY_WITH_TIMEOUT(!player.isPlaying(), 10'000);
    QCOMPARE(doc.playhead(), doc.end());
    QVERIFY(!player.findChild<QTimer*>(QStringLiteral("frameTimer"))->isActive());
    QCOMPARE(playing.count(), 2);
    QCOMPARE(playing.at(1).at(0).toBool(), false);
    QVERIFY(moved.count() >= 1);
    Time before;
    for (const QList<QVariant>& args : moved) {
        const Time t = args.at(0).value<Time>();
        QVERIFY(t > before);
        before = t;
    }
}

void TestPlayback::playerTicksAndStopsAtTheEnd() {
    // Ticks stepped by hand follow the clock exactly, frame for frame, and stop at the end.
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    Player player(&doc);
    QCOMPARE(player.mode(), Mode::Paced);
    QSignalSpy playing(&player, &Player::playingChanged);
    const Playback expected =
        play(PlaybackClock(), doc.simulation().history(), QStringLiteral("60fps"), 2'000'000);
    QVERIFY(expected.reachedEnd);

    player.play(); // the timer cannot fire: this test never returns to the event loop while ticking
    std::size_t frame = 0;
    while (player.isPlaying() && frame + 1 < expected.times.size()) {
        QCOMPARE(doc.playhead(), expected.times[frame]);
        player.tick(kFrame60);
        ++frame;
    }
    QCOMPARE(frame + 1, expected.times.size());
    QCOMPARE(doc.playhead(), doc.end());
    QVERIFY(!player.isPlaying());
    QVERIFY(!player.findChild<QTimer*>(QStringLiteral("frameTimer"))->isActive());
    QCOMPARE(playing.count(), 2);
    QCOMPARE(playing.at(1).at(0).toBool(), false);

    player.tick(kFrame60); // at the end a tick changes nothing
    QCOMPARE(doc.playhead(), doc.end());
    QCOMPARE(playing.count(), 2);
}

void TestPlayback::playerPlayAtTheEndStartsOver() {
    SimulationDocument doc;
    Player player(&doc);
    player.play(); // nothing loaded: nothing to play
    QVERIFY(!player.isPlaying());

    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    player.jumpToEnd();
    QCOMPARE(doc.playhead(), doc.end());
    player.play();
    QVERIFY(player.isPlaying());
    QCOMPARE(doc.playhead(), Time());
    player.jumpToEnd();
    QVERIFY(!player.isPlaying());
}

void TestPlayback::playerStepsAndJumps() {
    SimulationDocument doc;
    QVERIFY(doc.load(QStringLiteral(BACKLOG_SOURCE_DIR "/lessons/scenarios/sandbox.yaml")).isEmpty());
    const History& h = doc.simulation().history();
    const std::vector<Time> moments = momentsOf(h);
    Player player(&doc);

    player.play();
    player.stepForward(); // a single step pauses
    QVERIFY(!player.isPlaying());
    const Time first = moments.front() > Time() ? moments[0] : moments[1];
    QCOMPARE(doc.playhead(), first);
    player.stepForward();
    QCOMPARE(doc.playhead(), moments.front() > Time() ? moments[1] : moments[2]);
    player.stepBackward();
    QCOMPARE(doc.playhead(), first);
    player.stepBackward();
    QCOMPARE(doc.playhead(), Time());
    player.stepBackward();
    QCOMPARE(doc.playhead(), Time());

    player.jumpToEnd();
    QCOMPARE(doc.playhead(), doc.end());
    player.stepForward();
    QCOMPARE(doc.playhead(), doc.end());
    player.stepBackward();
    QCOMPARE(doc.playhead(), h.previousMoment(doc.end()));

    player.play();
    player.jumpToStart(); // keeps playing
    QCOMPARE(doc.playhead(), Time());
    QVERIFY(player.isPlaying());
    player.pause();
}

void TestPlayback::playerSignalsModeChanges() {
    SimulationDocument doc;
    Player player(&doc);
    QSignalSpy changed(&player, &Player::modeChanged);
    QCOMPARE(player.description(), QStringLiteral("paced"));

    player.setMode(Mode::Paced); // no change, no signal
    QCOMPARE(changed.count(), 0);
    player.faster();
    QCOMPARE(player.description(), QStringLiteral("paced ×2"));
    QCOMPARE(changed.count(), 1);
    player.setMode(Mode::Linear);
    QCOMPARE(player.description(), QStringLiteral("linear ×1"));
    QCOMPARE(changed.count(), 2);
    player.setLinearSpeed({100, 1});
    QCOMPARE(changed.count(), 3);
    player.faster(); // already at ×100
    QCOMPARE(changed.count(), 3);
    player.setLinearSpeed({100, 1});
    QCOMPARE(changed.count(), 3);
    player.slower();
    QCOMPARE(player.description(), QStringLiteral("linear ×10"));
    QCOMPARE(changed.count(), 4);
}

QTEST_MAIN(TestPlayback)
#include "tst_playback.moc"
