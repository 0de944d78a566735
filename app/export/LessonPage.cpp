#include "app/export/LessonPage.h"

#include "app/export/Export.h"
#include "model/history/History.h"
#include "model/lesson/Markdown.h"
#include "views/document/LessonPlayer.h"
#include "views/document/PlaybackClock.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

// The resources of a static library are registered by a call from code that is linked in; outside any
// namespace (Q_INIT_RESOURCE).
static void initPageResources() {
    Q_INIT_RESOURCE(page);
}

namespace backlog::app {

namespace {

QString markdown(const std::string& text) {
    return QString::fromStdString(markdownToHtml(text).html);
}

QString stepTitle(const Step& step) {
    return QString::fromStdString(step.title.empty() ? markdownToPlain(step.say) : step.title);
}

QJsonObject questionJson(const Question& q) {
    QJsonObject o;
    o[QStringLiteral("ask")] = markdown(q.ask);
    o[QStringLiteral("explain")] = markdown(q.explain);
    if (q.kind == Question::Kind::Choice) {
        o[QStringLiteral("kind")] = QStringLiteral("choice");
        QJsonArray choices;
        for (const std::string& c : q.choices)
            choices.append(markdown(c));
        o[QStringLiteral("choices")] = choices;
        o[QStringLiteral("answer")] = q.answer;
    } else {
        o[QStringLiteral("kind")] = QStringLiteral("number");
        o[QStringLiteral("number")] = q.number;
        o[QStringLiteral("tolerance")] = q.tolerance;
        o[QStringLiteral("unit")] = QString::fromStdString(q.unit);
    }
    if (q.revealAfterAnswer) o[QStringLiteral("reveal")] = QStringLiteral("after-answer");
    return o;
}

// Progress is kept in the browser under this name: the lesson's title and the words of its steps, so
// that a page exported again from the same lesson finds its progress, and another lesson never does.
QString progressKey(const Lesson& lesson) {
    QCryptographicHash hash(QCryptographicHash::Sha256);
    hash.addData(QByteArray::fromStdString(lesson.title));
    for (const Step& s : lesson.steps) {
        hash.addData(QByteArray::fromStdString(s.say));
        if (s.question) hash.addData(QByteArray::fromStdString(s.question->ask));
    }
    return QString::fromLatin1(hash.result().toHex().left(16));
}

QByteArray lessonJson(const LessonPageContent& c) {
    const Lesson& lesson = *c.lesson;
    const LessonFilm& film = *c.film;
    QJsonObject o;
    o[QStringLiteral("format")] = QStringLiteral("backlog-lesson-page/1");
    o[QStringLiteral("key")] = progressKey(lesson);
    o[QStringLiteral("title")] = QString::fromStdString(lesson.title);
    o[QStringLiteral("summary")] = markdown(lesson.summary);
    o[QStringLiteral("level")] = QString::fromStdString(lesson.level);
    o[QStringLiteral("minutes")] = lesson.minutes;
    o[QStringLiteral("fps")] = c.fps;
    o[QStringLiteral("width")] = c.pixels.width();
    o[QStringLiteral("height")] = c.pixels.height();
    o[QStringLiteral("steps")] = static_cast<int>(lesson.steps.size());
    // Each frame's moment in microseconds (three decimals: nanoseconds), for the time shown under the film.
    QJsonArray times;
    for (const Time t : film.moments)
        times.append(static_cast<double>(t.count()) / 1000.0);
    o[QStringLiteral("times")] = times;
    QJsonArray chapters;
    for (std::size_t i = 0; i < film.chapters.size(); ++i) {
        const FilmChapter& ch = film.chapters[i];
        const Step& step = lesson.steps[static_cast<std::size_t>(ch.step)];
        QJsonObject j;
        j[QStringLiteral("step")] = ch.step;
        j[QStringLiteral("title")] = stepTitle(step);
        j[QStringLiteral("say")] = markdown(step.say);
        j[QStringLiteral("first")] = static_cast<double>(ch.first);
        j[QStringLiteral("count")] = static_cast<double>(ch.count);
        j[QStringLiteral("pause")] = step.pause;
        if (step.question) j[QStringLiteral("question")] = questionJson(*step.question);
        if (i < c.stills.size())
            j[QStringLiteral("still")] =
                QString::fromLatin1("data:image/png;base64," + c.stills[i].toBase64());
        if (i < c.concealedStills.size() && !c.concealedStills[i].isEmpty())
            j[QStringLiteral("concealed")] =
                QString::fromLatin1("data:image/png;base64," + c.concealedStills[i].toBase64());
        chapters.append(j);
    }
    o[QStringLiteral("chapters")] = chapters;
    QByteArray json = QJsonDocument(o).toJson(QJsonDocument::Compact);
    // Inside <script>: "</" would end the element early, whatever the JSON around it means.
    json.replace("</", "<\\/");
    return json;
}

QByteArray resource(const char* name) {
    static const bool registered = (initPageResources(), true);
    Q_UNUSED(registered);
    QFile f(QStringLiteral(":/backlog/page/") + QLatin1String(name));
    if (!f.open(QIODevice::ReadOnly)) return {};
    return f.readAll();
}

} // namespace

LessonFilm lessonFilm(const Lesson& lesson, const std::vector<Time>& stepTimes, const History& history,
                      int fps, std::size_t limit) {
    LessonFilm film;
    views::LessonClock clock = views::LessonClock::atStart(lesson);
    std::vector<std::size_t> reachable;
    for (std::size_t i = 0; i < lesson.steps.size() && i < stepTimes.size(); ++i)
        if (!stepTimes[i].isNever()) reachable.push_back(i);
    for (std::size_t r = 0; r < reachable.size(); ++r) {
        const std::size_t i = reachable[r];
        clock = clock.after(lesson.steps[i]);
        const Time from = stepTimes[i];
        const bool last = r + 1 == reachable.size();
        const Time to = last ? std::max(from, history.end) : stepTimes[reachable[r + 1]];
        const std::size_t room = limit - film.moments.size();
        std::vector<Time> moments = rangeMoments(from, to, fps, clock.speed, clock.paced, history, room + 2);
        // The next step's moment is the next chapter's first frame.
        if (!last && moments.size() > 1 && moments.back() == to) moments.pop_back();
        // The film ends on the run's end, as the window's playhead does (a linear clock's last frame may
        // fall short of it).
        if (last && moments.back() < to) moments.push_back(to);
        if (moments.size() > room) return {};
        film.chapters.push_back({static_cast<int>(i), film.moments.size(), moments.size()});
        film.moments.insert(film.moments.end(), moments.begin(), moments.end());
        film.steps.insert(film.steps.end(), moments.size(), static_cast<int>(i));
    }
    return film;
}

QByteArray lessonPageHtml(const LessonPageContent& c) {
    QByteArray page = resource("lesson.html");
    const QByteArray title = QString::fromStdString(c.lesson->title).toHtmlEscaped().toUtf8();
    // Filled in one pass in the template's order, so nothing inserted (a narration that mentions a
    // placeholder's name, the film's base64) is ever looked at again.
    const std::pair<QByteArray, QByteArray> fills[] = {
        {"{{TITLE}}", title},
        {"{{STYLE}}", resource("lesson.css")},
        {"{{TITLE}}", title},
        {"{{LESSON}}", lessonJson(c)},
        {"{{FILM}}", c.video.toBase64()},
        {"{{SCRIPT}}", resource("lesson.js")},
    };
    QByteArray out;
    out.reserve(page.size() + c.video.size() * 4 / 3 + (1 << 20));
    qsizetype at = 0;
    for (const auto& [name, value] : fills) {
        const qsizetype found = page.indexOf(name, at);
        if (found < 0) continue;
        out.append(page.constData() + at, found - at);
        out.append(value);
        at = found + name.size();
    }
    out.append(page.constData() + at, page.size() - at);
    return out;
}

} // namespace backlog::app
