// What a lesson asks for that its run can never show: a highlight, zoom or condition naming a client,
// listener or worker the run never has; a step or expectation after the scenario's `until`; a held
// traffic entry started twice. The reader checks what the text alone tells (a client beyond every
// traffic entry's count); this looks at the run itself, at its end, so that a held entry no step starts,
// or a `set:` that changes the counts, is seen as the class would see it. `backlog check` reports each
// finding as FILE:LINE:COL and fails; the window may show them as it shows LessonRun::problems().
#pragma once

#include "model/lesson/LessonRun.h"

#include <vector>

namespace backlog {

// The findings in file order, each where it was written.
std::vector<LessonProblem> auditLesson(const LessonRun& run);

} // namespace backlog
