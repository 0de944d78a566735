// A student's score in a lesson, for handing in (issue 16): one row per question of the lesson, with what
// was answered, whether it was right, and when. CSV (a spreadsheet opens it) or JSON (a script reads it).
#pragma once

#include <QByteArray>
#include <QString>

namespace backlog::views {
class LessonPlayer;
}

namespace backlog::app {

// The rows as CSV: a header, then lesson, file, step, question, answer, right answer, result (right,
// wrong, skipped or not answered), answered at (ISO 8601, UTC; empty when not answered or kept from an
// earlier session). Fields are quoted where they need it (RFC 4180).
QByteArray scoreCsv(const views::LessonPlayer& lesson, const QString& lessonFile);
// The same as JSON: { "lesson", "file", "right", "questions", "answers": [ { …the row's fields… } ] }.
QByteArray scoreJson(const views::LessonPlayer& lesson, const QString& lessonFile);

// Writes the score to `out`: JSON when it ends in .json, else CSV. Whole or not at all (QSaveFile, every
// write and the commit checked). The error, with the system's reason, or an empty string.
QString writeScore(const views::LessonPlayer& lesson, const QString& lessonFile, const QString& out);

} // namespace backlog::app
