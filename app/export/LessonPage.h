// The lesson as a web page (`backlog export LESSON --format html`, issue 15): one self-contained HTML file
// that a student opens offline in any current browser. It holds the lesson's film, painted by the same
// renderers as the window (Export.cpp paints and encodes it), with the steps as chapters, each step's
// narration beside it, the questions that pause the film until they are answered, a score and the
// window's keys. Nothing in it asks the network for anything: its Content-Security-Policy forbids it.
//
// The film is what the class sees when the lesson plays without anyone stopping it: from the first
// step's moment to the end of the run, each step's stretch at the speed the window's LessonPlayer
// gives it (the lesson's speed or paced, then what each step sets). Where the window stops (a step that
// pauses, a question) the page stops too: that is the page's script, not the film.
#pragma once

#include "model/core/Time.h"
#include "model/lesson/Lesson.h"

#include <QByteArray>
#include <QSize>
#include <QString>

#include <cstddef>
#include <vector>

namespace backlog {
class History;
}

namespace backlog::app {

// One step's stretch of the film: frames [first, first + count). Every chapter has at least one frame
// (a step that begins at the same moment as the next still gets its own, with its own highlights), so
// the page can stop on any step and show what that step shows.
struct FilmChapter {
    int step = 0; // index into the lesson's steps (steps that never begin in this run have no chapter)
    std::size_t first = 0;
    std::size_t count = 0;
};

struct LessonFilm {
    std::vector<Time> moments; // frame k shows moments[k]
    std::vector<int> steps;    // frame k shows the highlights of lesson step steps[k]
    std::vector<FilmChapter> chapters;
};

// The film of a lesson at `fps` frames a second: the empty film when it would have more than `limit`
// frames (the caller names the limit) or no step ever begins.
LessonFilm lessonFilm(const Lesson& lesson, const std::vector<Time>& stepTimes, const History& history,
                      int fps, std::size_t limit);

// What the page is made of: the lesson, its film (encoded) and one picture per chapter (its first
// frame, shown before the film has loaded and in place of the film where a browser cannot play it).
struct LessonPageContent {
    const Lesson* lesson = nullptr;
    const LessonFilm* film = nullptr;
    int fps = 0;
    QSize pixels;                   // the film's frame, in pixels
    QByteArray video;               // H.264 in MP4
    std::vector<QByteArray> stills; // PNG, one per chapter
    // PNG, one per chapter: empty, or — a chapter whose question has `reveal: after-answer` — its first
    // frame without the numbers that would give the answer away, shown until the question is answered.
    std::vector<QByteArray> concealedStills;
};

// The page, UTF-8. The script and style come from the program's resources (app/export/page/).
QByteArray lessonPageHtml(const LessonPageContent& content);

} // namespace backlog::app
