// The lesson author's guide (issue 16), written by the code it describes: the keys come from the
// catalogue the reader uses (LessonKeys.h), the timer figures from runs of the model (LessonFacts.h), every
// rule `backlog check` enforces with an example that a test runs through the reader and the run, and a
// worked example whose every stage is a valid lesson that passes. `backlog guide` prints it;
// docs/lesson-guide.md is its output, and a test fails when the two differ.
#pragma once

#include <string>
#include <vector>

namespace backlog {

// Where a rule is enforced: reading the file (LessonReader, with the scenario reader inside it), placing
// the steps on a run (LessonRun), or looking at the whole run (LessonAudit; and the expectations).
enum class RuleStage { Reading, Running, Audit };

// One rule, with a change to a small valid lesson (ruleSkeleton()) that breaks it and a part of the
// message `backlog check` then prints. The example is lines of the top level: each replaces the
// skeleton's line of the same key or is added; `-KEY` removes that line; `FILE:` begins a whole file.
struct LessonRule {
    RuleStage stage;
    const char* rule;
    const char* example;
    const char* message;
};
const std::vector<LessonRule>& lessonRules();
const char* ruleSkeleton();
std::string ruleExampleLesson(const LessonRule& rule);

// What `backlog check` reports for a lesson's text, each message without its FILE:LINE:COL: the
// reader's errors, or else the run's problems, the audit's findings and the expectations that fail.
// Empty: the lesson passes.
std::vector<std::string> checkLessonText(const std::string& text);

// The worked example: one lesson grown in stages, each a complete lesson that passes.
struct GuideStage {
    const char* title;
    const char* explain; // Markdown: what this stage adds and why
    std::string text;    // the whole lesson
};
const std::vector<GuideStage>& workedExample();

// The guide, Markdown.
std::string lessonGuideMarkdown();

} // namespace backlog
