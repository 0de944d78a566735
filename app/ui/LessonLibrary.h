// Where lessons are found: the shipped ones (lessons/ beside the executable, ../share/backlog/lessons
// from it when installed, or the source tree's in a build) and folders the user added; and what the start
// page shows of each. Reading a lesson here only parses it (no simulation), so listing a folder stays quick.
// The shipped scenarios (the sandbox, the worked examples, the benchmark) are in lessons/scenarios/, which
// the start page does not list.
#pragma once

#include <QString>
#include <QStringList>
#include <QVector>

namespace backlog::app {

struct LessonEntry {
    QString path;
    int number = 0; // from the file name's leading digits ("03-slow-workers.yaml" → 3); 0 without
    QString title;
    QString summary; // plain text
    QString level;
    int minutes = 0;
    int steps = 0;
    QString error; // the first problem, when the file is not a valid lesson
};

QString shippedLessonsDir(); // shippedLessonsDirFor(the running program's folder)
// The shipped lessons' folder for a program in PROGRAM_DIR: PROGRAM_DIR/lessons, else the installed
// folder (PREFIX/share/backlog/lessons for PREFIX/bin), else the source tree's when PROGRAM_DIR is in this
// build tree; otherwise the installed folder, which is missing.
QString shippedLessonsDirFor(const QString& programDir);
QString defaultScenarioPath(); // lessons/scenarios/sandbox.yaml: the sandbox the window opens without a file
// The lessons of a folder (files with format: backlog-lesson…), in teaching order: by number, then name.
QVector<LessonEntry> lessonsIn(const QString& folder);

} // namespace backlog::app
