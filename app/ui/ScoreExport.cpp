#include "app/ui/ScoreExport.h"

#include "model/lesson/Lesson.h"
#include "model/lesson/Markdown.h"
#include "views/document/LessonPlayer.h"
#include "views/document/WholeFile.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <vector>

namespace backlog::app {

namespace {

struct ScoreRow {
    int step = 0; // from 1, as the step list numbers them
    QString question, answer, rightAnswer, result, answeredAt;
};

QString plain(const std::string& markdown) {
    return QString::fromStdString(markdownToPlain(markdown));
}

QString resultOf(views::LessonPlayer::Answer a) {
    switch (a) {
    case views::LessonPlayer::Answer::Right:
        return QStringLiteral("right");
    case views::LessonPlayer::Answer::Wrong:
        return QStringLiteral("wrong");
    case views::LessonPlayer::Answer::Skipped:
        return QStringLiteral("skipped");
    case views::LessonPlayer::Answer::None:
        break;
    }
    return QStringLiteral("not answered");
}

std::vector<ScoreRow> rowsOf(const views::LessonPlayer& player) {
    std::vector<ScoreRow> rows;
    const Lesson* lesson = player.lesson();
    if (!lesson) return rows;
    for (std::size_t i = 0; i < lesson->steps.size(); ++i) {
        const std::optional<Question>& q = lesson->steps[i].question;
        if (!q) continue;
        const int step = static_cast<int>(i);
        ScoreRow r;
        r.step = step + 1;
        r.question = plain(q->ask);
        if (q->kind == Question::Kind::Choice) {
            r.rightAnswer = plain(q->choices[static_cast<std::size_t>(q->answer)]);
            if (const std::optional<int> c = player.chosen(step))
                r.answer = plain(q->choices[static_cast<std::size_t>(*c)]);
        } else {
            r.rightAnswer =
                QString::number(q->number) +
                (q->unit.empty() ? QString() : QLatin1Char(' ') + QString::fromStdString(q->unit));
            if (const std::optional<double> g = player.given(step)) r.answer = QString::number(*g);
        }
        r.result = resultOf(player.answer(step));
        if (const QDateTime at = player.answeredAt(step); at.isValid())
            r.answeredAt = at.toString(Qt::ISODate);
        rows.push_back(std::move(r));
    }
    return rows;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled.
QByteArray csvField(const QString& text) {
    QByteArray f = text.toUtf8();
    if (!f.contains(',') && !f.contains('"') && !f.contains('\n') && !f.contains('\r')) return f;
    return '"' + f.replace("\"", "\"\"") + '"';
}

} // namespace

QByteArray scoreCsv(const views::LessonPlayer& lesson, const QString& lessonFile) {
    const QString title = lesson.lesson() ? QString::fromStdString(lesson.lesson()->title) : QString();
    const QString file = QFileInfo(lessonFile).fileName();
    QByteArray out = "lesson,file,step,question,answer,right answer,result,answered at\r\n";
    for (const ScoreRow& r : rowsOf(lesson)) {
        const QList<QByteArray> fields{
            csvField(title),    csvField(file),          QByteArray::number(r.step), csvField(r.question),
            csvField(r.answer), csvField(r.rightAnswer), csvField(r.result),         csvField(r.answeredAt)};
        out += fields.join(',') + "\r\n";
    }
    return out;
}

QByteArray scoreJson(const views::LessonPlayer& lesson, const QString& lessonFile) {
    QJsonObject o;
    o[QStringLiteral("lesson")] =
        lesson.lesson() ? QString::fromStdString(lesson.lesson()->title) : QString();
    o[QStringLiteral("file")] = QFileInfo(lessonFile).fileName();
    o[QStringLiteral("right")] = lesson.rightAnswers();
    o[QStringLiteral("questions")] = lesson.questionCount();
    QJsonArray answers;
    for (const ScoreRow& r : rowsOf(lesson)) {
        QJsonObject a;
        a[QStringLiteral("step")] = r.step;
        a[QStringLiteral("question")] = r.question;
        a[QStringLiteral("answer")] = r.answer;
        a[QStringLiteral("right answer")] = r.rightAnswer;
        a[QStringLiteral("result")] = r.result;
        a[QStringLiteral("answered at")] = r.answeredAt;
        answers.append(a);
    }
    o[QStringLiteral("answers")] = answers;
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QString writeScore(const views::LessonPlayer& lesson, const QString& lessonFile, const QString& out) {
    const bool json = out.endsWith(QLatin1String(".json"), Qt::CaseInsensitive);
    return views::writeWholeFile(out, json ? scoreJson(lesson, lessonFile) : scoreCsv(lesson, lessonFile));
}

} // namespace backlog::app
