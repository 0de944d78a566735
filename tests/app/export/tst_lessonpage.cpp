// The lesson as a web page (issue 15; LessonPage.h). The film is what the window plays: every step a
// chapter beginning exactly at the step's moment, each chapter at the speed the window's LessonPlayer
// gives it, to the end of the run. The page holds that film (an H.264 video ffprobe can read, one frame
// per moment), a picture of each chapter that is exactly the stage at its step, the narration and the
// questions with their answers, and nothing that reaches out of the file. The same lesson gives the same
// bytes. What the page does in a browser is tests/browser/lesson_page.mjs's.
#include "app/export/Export.h"
#include "app/export/LessonPage.h"

#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/Markdown.h"
#include "tests/common/VideoProbe.h"
#include "views/document/LessonPlayer.h"
#include "views/render/Fonts.h"
#include "views/render/StageRenderer.h"
#include "views/render/Theme.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace backlog;
using backlog::app::ExportOptions;
using backlog::app::ExportRun;

namespace {

const QString kLessons = QStringLiteral(BACKLOG_SOURCE_DIR "/lessons");

std::shared_ptr<const ExportRun> loadRun(const QString& file) {
    QStringList errors;
    std::shared_ptr<const ExportRun> run = ExportRun::load(file, errors);
    if (run && run->prepare().isEmpty()) return run;
    return nullptr;
}

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The text between `open` and the next "</script>".
QByteArray between(const QByteArray& page, const QByteArray& open) {
    const qsizetype from = page.indexOf(open);
    if (from < 0) return {};
    const qsizetype start = from + open.size();
    const qsizetype end = page.indexOf("</script>", start);
    return end < 0 ? QByteArray() : page.mid(start, end - start);
}

} // namespace

class TestLessonPage : public QObject {
    Q_OBJECT
  private slots:
    void initTestCase() { views::loadBundledFonts(); }
    void theFilmPlaysEachStepAsTheWindowDoes_data();
    void theFilmPlaysEachStepAsTheWindowDoes();
    void aStepThatNeverBeginsHasNoChapter();
    void thePageHoldsTheFilmTheStepsAndTheQuestions();
    void thePageReachesForNothingOutside();
    void theSameLessonGivesTheSameBytes();
    void badOptionsAreRefused_data();
    void badOptionsAreRefused();
};

// Every shipped lesson: a chapter per step that begins, starting on the step's moment; time never runs
// backwards; the film ends at the end of the run; a chapter at a linear speed moves speed/fps of
// simulated time a frame.
void TestLessonPage::theFilmPlaysEachStepAsTheWindowDoes_data() {
    QTest::addColumn<QString>("file");
    for (const QString& name : QDir(kLessons).entryList({QStringLiteral("*.yaml")}, QDir::Files, QDir::Name))
        QTest::newRow(qPrintable(name)) << QDir(kLessons).filePath(name);
}

void TestLessonPage::theFilmPlaysEachStepAsTheWindowDoes() {
    QFETCH(QString, file);
    const auto run = loadRun(file);
    QVERIFY(run);
    const Lesson& lesson = *run->lesson();
    const History& history = run->simulation().history();
    const int fps = app::ExportLimits::pageFps;
    const app::LessonFilm film = app::lessonFilm(lesson, run->stepTimes(), history, fps, 1'000'000);
    std::size_t reachable = 0;
    for (const Time t : run->stepTimes())
        reachable += t.isNever() ? 0U : 1U;
    QCOMPARE(film.chapters.size(), reachable);
    QCOMPARE(film.steps.size(), film.moments.size());
    QCOMPARE(film.moments.back(),
             std::max(history.end, run->stepTimes()[static_cast<std::size_t>(film.chapters.back().step)]));
    std::size_t next = 0;
    bool paced = !lesson.speed;
    views::PlaybackClock::Factor speed =
        lesson.speed ? views::lessonSpeedFactor(*lesson.speed) : views::PlaybackClock::Factor{1, 1};
    for (const app::FilmChapter& ch : film.chapters) {
        const Step& step = lesson.steps[static_cast<std::size_t>(ch.step)];
        QCOMPARE(ch.first, next);
        QVERIFY(ch.count >= 1);
        QCOMPARE(film.moments[ch.first], run->stepTimes()[static_cast<std::size_t>(ch.step)]);
        if (step.speed) {
            paced = false;
            speed = views::lessonSpeedFactor(*step.speed);
        } else if (step.paced) {
            paced = true;
        }
        for (std::size_t k = ch.first; k < ch.first + ch.count; ++k) {
            QCOMPARE(film.steps[k], ch.step);
            if (k == ch.first) continue;
            QVERIFY(film.moments[k] >= film.moments[k - 1]);
            if (!paced && k + 1 < ch.first + ch.count) {
                // floor(k × 1e9 × num / (fps × den)) ns from the chapter's start: a frame apart, within 1 ns.
                const std::int64_t step_ns = 1'000'000'000LL * speed.num / (fps * speed.den);
                const std::int64_t gap = (film.moments[k] - film.moments[k - 1]).count();
                QVERIFY2(gap >= step_ns - 1 && gap <= step_ns + 1, qPrintable(QString::number(gap)));
            }
        }
        next = ch.first + ch.count;
    }
    QCOMPARE(next, film.moments.size());
    qInfo("%s: %zu frames (%.1f s of film at %d frames/s), %zu chapters",
          qPrintable(QFileInfo(file).fileName()), film.moments.size(),
          static_cast<double>(film.moments.size()) / fps, fps, film.chapters.size());
    // More frames than the limit: no film, and the caller says so.
    QVERIFY(
        app::lessonFilm(lesson, run->stepTimes(), history, fps, film.moments.size() - 1).chapters.empty());
}

// A step whose condition never holds is passed over, as the window's LessonPlayer passes it over; a step
// at the same moment as the next still gets a frame of its own.
void TestLessonPage::aStepThatNeverBeginsHasNoChapter() {
    const auto run = loadRun(kLessons + QStringLiteral("/01-two-queues.yaml"));
    QVERIFY(run);
    Lesson lesson = *run->lesson();
    std::vector<Time> times = run->stepTimes();
    times[3] = Time::never();
    times[5] = times[6];
    const app::LessonFilm film = app::lessonFilm(lesson, times, run->simulation().history(), 20, 100'000);
    QCOMPARE(film.chapters.size(), times.size() - 1);
    for (const app::FilmChapter& ch : film.chapters)
        QVERIFY(ch.step != 3);
    const auto five = std::find_if(film.chapters.begin(), film.chapters.end(),
                                   [](const app::FilmChapter& c) { return c.step == 5; });
    QVERIFY(five != film.chapters.end());
    QCOMPARE(five->count, std::size_t{1});
    QCOMPARE(film.moments[five->first], times[5]);
    QCOMPARE(film.moments[(five + 1)->first], times[6]);
}

void TestLessonPage::thePageHoldsTheFilmTheStepsAndTheQuestions() {
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    QTemporaryDir dir;
    const QString file = kLessons + QStringLiteral("/01-two-queues.yaml");
    ExportOptions o;
    o.file = file;
    o.out = dir.filePath(QStringLiteral("lesson.html"));
    o.format = QStringLiteral("html");
    o.size = QSize(640, 360);
    const app::ExportResult r = app::exportFrames(o);
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    const QByteArray page = readAll(o.out);
    QVERIFY(page.startsWith("<!DOCTYPE html>"));
    QVERIFY(page.contains("<title>Two queues behind listen() — Backlog</title>"));

    const auto run = loadRun(file);
    QVERIFY(run);
    const Lesson& lesson = *run->lesson();
    QJsonParseError error;
    const QJsonObject data =
        QJsonDocument::fromJson(
            between(page, "<script type=\"application/json\" id=\"lesson-data\">").replace("<\\/", "</"),
            &error)
            .object();
    QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
    QCOMPARE(data[QStringLiteral("title")].toString(), QString::fromStdString(lesson.title));
    QCOMPARE(data[QStringLiteral("fps")].toInt(), app::ExportLimits::pageFps);
    QCOMPARE(data[QStringLiteral("steps")].toInt(), static_cast<int>(lesson.steps.size()));
    const QJsonArray times = data[QStringLiteral("times")].toArray();
    const QJsonArray chapters = data[QStringLiteral("chapters")].toArray();
    QCOMPARE(chapters.size(), static_cast<qsizetype>(lesson.steps.size())); // every step of lesson 1 begins
    QCOMPARE(r.frames, static_cast<int>(times.size()));

    // The film: H.264, one frame per moment.
    const QByteArray film =
        QByteArray::fromBase64(between(page, "<script type=\"text/plain\" id=\"film-data\">").trimmed());
    QVERIFY(film.mid(4, 4) == "ftyp");
    const QString mp4 = dir.filePath(QStringLiteral("film.mp4"));
    {
        QFile f(mp4);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(film), film.size());
    }
    const backlog::test::Probe probed = backlog::test::probe(mp4);
    QCOMPARE(probed.codec, QStringLiteral("h264"));
    QCOMPARE(probed.frames, static_cast<int>(times.size()));

    const views::Theme theme = views::Theme::byName(QStringLiteral("light"));
    int questions = 0, concealing = 0;
    for (qsizetype i = 0; i < chapters.size(); ++i) {
        const QJsonObject ch = chapters[i].toObject();
        const auto s = static_cast<std::size_t>(ch[QStringLiteral("step")].toInt());
        const Step& step = lesson.steps[s];
        const Time at = run->stepTimes()[s];
        // The chapter begins on its step's moment (microseconds, to the nanosecond).
        QCOMPARE(times[static_cast<qsizetype>(ch[QStringLiteral("first")].toDouble())].toDouble(),
                 static_cast<double>(at.count()) / 1000.0);
        QCOMPARE(ch[QStringLiteral("say")].toString(), QString::fromStdString(markdownToHtml(step.say).html));
        QCOMPARE(ch[QStringLiteral("pause")].toBool(), step.pause);
        // Its picture is the stage at the step's moment with the step's highlights, pixel for pixel.
        const auto pictureOf = [](const QString& dataUrl) {
            return QImage::fromData(QByteArray::fromBase64(dataUrl.mid(22).toLatin1()), "PNG")
                .convertToFormat(QImage::Format_ARGB32);
        };
        const auto stageAt = [&](bool numbersConcealed) {
            QImage expected(o.size, QImage::Format_ARGB32_Premultiplied);
            expected.fill(theme.background);
            QPainter p(&expected);
            views::StageRenderer renderer;
            views::StageRenderer::Options options;
            options.numbersConcealed = numbersConcealed;
            renderer.setOptions(options);
            renderer.paint(p, QRectF(QPointF(0, 0), QSizeF(o.size)), run->simulation(), at, theme,
                           views::StageRenderer::Emphasis::of(step));
            p.end();
            return expected.convertToFormat(QImage::Format_ARGB32);
        };
        const QString still = ch[QStringLiteral("still")].toString();
        QVERIFY(still.startsWith(QStringLiteral("data:image/png;base64,")));
        const QImage picture = pictureOf(still);
        QVERIFY2(picture == stageAt(false), qPrintable(QString::number(i)));
        // A question with `reveal: after-answer`: also the same picture without its numbers (what the page
        // shows until it is answered), pixel for pixel as the window's concealed stage.
        const bool conceals = step.question && step.question->revealAfterAnswer;
        QCOMPARE(ch.contains(QStringLiteral("concealed")), conceals);
        if (conceals) {
            ++concealing;
            const QString hidden = ch[QStringLiteral("concealed")].toString();
            QVERIFY(hidden.startsWith(QStringLiteral("data:image/png;base64,")));
            const QImage covered = pictureOf(hidden);
            QVERIFY(covered == stageAt(true));
            QVERIFY(covered != picture);
            QCOMPARE(ch[QStringLiteral("question")].toObject()[QStringLiteral("reveal")].toString(),
                     QStringLiteral("after-answer"));
        }
        // The question, with what the page needs to say right or wrong.
        QCOMPARE(ch.contains(QStringLiteral("question")), step.question.has_value());
        if (!step.question) continue;
        ++questions;
        const QJsonObject q = ch[QStringLiteral("question")].toObject();
        QCOMPARE(q[QStringLiteral("ask")].toString(),
                 QString::fromStdString(markdownToHtml(step.question->ask).html));
        QCOMPARE(q[QStringLiteral("explain")].toString(),
                 QString::fromStdString(markdownToHtml(step.question->explain).html));
        if (step.question->kind == Question::Kind::Choice) {
            QCOMPARE(q[QStringLiteral("kind")].toString(), QStringLiteral("choice"));
            QCOMPARE(q[QStringLiteral("answer")].toInt(), step.question->answer);
            QCOMPARE(q[QStringLiteral("choices")].toArray().size(),
                     static_cast<qsizetype>(step.question->choices.size()));
        } else {
            QCOMPARE(q[QStringLiteral("kind")].toString(), QStringLiteral("number"));
            QCOMPARE(q[QStringLiteral("number")].toDouble(), step.question->number);
            QCOMPARE(q[QStringLiteral("tolerance")].toDouble(), step.question->tolerance);
        }
    }
    QCOMPARE(questions, 3);
    QCOMPARE(concealing, 1); // step 3's: how many requests the SYN queue will hold
}

// Offline means offline: the page's policy forbids every fetch, and nothing in it names another file
// or host to load (a narration's link is followed only when clicked, in its own tab).
void TestLessonPage::thePageReachesForNothingOutside() {
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    QTemporaryDir dir;
    ExportOptions o;
    o.file = kLessons + QStringLiteral("/10-observing.yaml");
    o.out = dir.filePath(QStringLiteral("lesson.html"));
    o.size = QSize(640, 360);
    const app::ExportResult r = app::exportFrames(o); // the format from the extension
    QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
    const QString page = QString::fromUtf8(readAll(o.out));
    QVERIFY(page.contains(QStringLiteral("content=\"default-src 'none';")));
    static const QRegularExpression fetches(
        QStringLiteral(
            "<(link|iframe|embed|object|source|base)\\b|<(script|img|video|audio)\\b[^>]*\\bsrc=|@import"),
        QRegularExpression::CaseInsensitiveOption);
    QVERIFY(!page.contains(QStringLiteral("url("))); // CSS's (the script's createObjectURL( is not one)
    const QRegularExpressionMatch m = fetches.match(page);
    QVERIFY2(!m.hasMatch(), qPrintable(m.captured(0)));
}

void TestLessonPage::theSameLessonGivesTheSameBytes() {
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    QTemporaryDir dir;
    QByteArray pages[2];
    for (int k = 0; k < 2; ++k) {
        ExportOptions o;
        o.file = kLessons + QStringLiteral("/01-two-queues.yaml");
        o.out = dir.filePath(QStringLiteral("lesson-%1.html").arg(k));
        o.size = QSize(640, 360);
        o.threads = k == 0 ? 1 : 2; // one painting thread or two: the same film
        const app::ExportResult r = app::exportFrames(o);
        QVERIFY2(r.ok(), qPrintable(r.errors.join('\n')));
        pages[k] = readAll(o.out);
    }
    QVERIFY(!pages[0].isEmpty());
    QVERIFY(pages[0] == pages[1]);
}

void TestLessonPage::badOptionsAreRefused_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("set");
    QTest::addColumn<QString>("message");
    const QString lesson = kLessons + QStringLiteral("/01-two-queues.yaml");
    QTest::newRow("a moment")
        << lesson << "at"
        << "--format html is the whole lesson, played as in the window; it takes no --at";
    QTest::newRow("steps") << lesson << "steps"
                           << "--format html is the whole lesson, played as in the window; it takes no --at, "
                              "--from, --to or --steps";
    QTest::newRow("a view") << lesson << "ladder"
                            << "--format html is a lesson's film of the stage; it takes no --view ladder";
    QTest::newRow("a speed") << lesson << "speed"
                             << "--format html plays at the lesson's own speeds, as the window does";
    QTest::newRow("odd size") << lesson << "odd"
                              << "--size 641x360: HTML needs an even number of pixels a side";
    QTest::newRow("fps") << lesson << "fps"
                         << "--fps 500: expected 1 to 240 frames per second";
    QTest::newRow("a scenario") << kLessons + QStringLiteral("/scenarios/sandbox.yaml") << ""
                                << "--format html needs a lesson; this is a scenario, which has no steps";
    QTest::newRow("too many frames")
        << QStringLiteral("slow") << "fps240"
        << "the lesson played through at 240 frames/s is more than 100000 frames; "
           "give a lower --fps";
}

void TestLessonPage::badOptionsAreRefused() {
    QFETCH(QString, file);
    QFETCH(QString, set);
    QFETCH(QString, message);
    if (!app::ffmpegAvailable()) QSKIP("ffmpeg is not installed (the Debian package ffmpeg); CI installs it");
    QTemporaryDir dir, lessonDir;
    if (file == QLatin1String("slow")) {
        // Lesson 1 at a tenth of its slow motion, 160 ms of it: 16,000 s of film.
        QByteArray text = readAll(kLessons + QStringLiteral("/01-two-queues.yaml"));
        text.replace("speed: 0.001", "speed: 0.0001").replace("until: 16ms", "until: 160ms");
        file = lessonDir.filePath(QStringLiteral("slow.yaml"));
        QFile f(file);
        QVERIFY(f.open(QIODevice::WriteOnly));
        QCOMPARE(f.write(text), text.size());
    }
    ExportOptions o;
    o.file = file;
    o.out = dir.filePath(QStringLiteral("lesson.html"));
    o.format = QStringLiteral("html");
    o.size = QSize(640, 360);
    if (set == QLatin1String("at")) o.at = Time::ms(1);
    if (set == QLatin1String("steps")) o.steps = true;
    if (set == QLatin1String("ladder")) o.view = QStringLiteral("ladder");
    if (set == QLatin1String("speed")) o.speed = {1, 10};
    if (set == QLatin1String("odd")) o.size = QSize(641, 360);
    if (set == QLatin1String("fps")) o.fps = 500;
    if (set == QLatin1String("fps240")) o.fps = 240;
    const app::ExportResult r = app::exportFrames(o);
    QVERIFY(!r.ok());
    QVERIFY2(r.errors.join('\n').contains(message), qPrintable(r.errors.join('\n')));
    QVERIFY(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
}

QTEST_MAIN(TestLessonPage)
#include "tst_lessonpage.moc"
