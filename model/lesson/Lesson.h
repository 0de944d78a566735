// What a lesson file says (DESIGN.md "Lessons"): a scenario, the steps a class goes through, with what
// is said and shown at each, and the expectations that make the lesson a test. Plain data, filled by
// LessonReader; LessonRun places the steps on a run and checks the expectations.
#pragma once

#include "model/core/Time.h"
#include "model/lesson/Condition.h"
#include "model/scenario/Scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace backlog {

// The lesson format this build writes and reads; older versions are upgraded on reading
// (LessonReader's upgrade chain), newer ones are refused with a message naming both.
inline constexpr int kLessonFormatVersion = 1;
inline constexpr const char* kLessonFormatName = "backlog-lesson";

// Where something was written, for messages (1-based; 0 when made up).
struct SourcePlace {
    int line = 0;
    int column = 0;
};

// What a step can point at on the stage (highlight, zoom).
struct Target {
    enum class Kind { SynQueue, AcceptQueue, Listener, Client, Worker, PacketKind, Workers, Clients };
    Kind kind = Kind::AcceptQueue;
    int index = 0;     // listener, client or worker number; the packet kind for PacketKind
    std::string text;  // as written
    SourcePlace place; // where it was written (0:0 when made up)
};

// The views a step can bring to the front.
enum class LessonView { Stage, EventLog, KernelTools, Inspector, Parameters, Ladder, Charts, States };
std::string_view lessonViewName(LessonView v); // "stage", "event-log" …
// The pages a view has that a step can open (issue 16: `view: kernel-tools/nstat`, `view: charts/latency`):
// the Kernel Tools dock's tools and the Charts dock's charts; none for the other views.
const std::vector<std::string>& lessonViewPages(LessonView v);

struct Question {
    enum class Kind { Choice, Number };
    Kind kind = Kind::Choice;
    std::string ask;                  // Markdown subset
    std::vector<std::string> choices; // Choice
    int answer = 0;                   // Choice: index into choices, from 0
    double number = 0;                // Number: the right answer
    double tolerance = 0;             // Number: how far off still counts as right
    std::string unit;                 // Number: shown after the input ("connections")
    std::string explain;              // shown once answered (or skipped)
    // `reveal: after-answer` (issue 16): until the question is answered or skipped, what would give the
    // answer away is hidden: the stage's counters and queue lengths, Kernel Tools, the charts, the event log,
    // the timeline's drop marks (they show the whole run, the future too).
    bool revealAfterAnswer = false;
};

// A second run beside the lesson's own, from this step on (issue 16's "what if"): the lesson's scenario
// again with `set` changed (the --set vocabulary), from the start of the run or from the step's moment,
// on one playhead with the lesson's run. `off` ends the comparison a step began.
struct StepCompare {
    bool off = false;
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<SourcePlace> setPlaces;
    bool fromStep = false; // from the step's moment (as a change made there); else from the start
    std::string titleA;    // the strips' words; empty: "as written" and the changes ("server.backlog=512")
    std::string titleB;
    SourcePlace place;
};

struct Step {
    SourcePlace place;
    // When the step begins: at a time, or when a condition first holds (at or after the previous step).
    std::optional<Time> at;
    std::optional<Condition> when;
    SourcePlace whenPlace;
    // Or a time after an earlier step began (issue 16): `after: { step: 3, by: 500ms }` (step from 1).
    struct After {
        int step = 0; // index into steps, from 0
        Time by;
        SourcePlace place;
    };
    std::optional<After> after;
    std::string title; // a few words for the step list; empty: the first line of the narration
    std::string say;   // Markdown subset (Markdown.h)
    // For the teacher's eyes only (presenter's view), never on the class's screen: what to ask, the
    // pitfall to expect. Markdown subset, like say; empty when the step has none.
    std::string notes;
    // Changes to the run, applied at the step's moment (the --set vocabulary).
    std::vector<std::pair<std::string, std::string>> set;
    std::vector<SourcePlace> setPlaces;
    std::vector<std::string> start;       // held traffic entries that begin now
    std::vector<SourcePlace> startPlaces; // where each was named
    std::optional<int> closeListener;
    // Presentation.
    bool pause = false;
    std::optional<double> speed; // linear speed factor
    bool paced = false;          // switch to paced playback
    std::vector<Target> highlight;
    std::optional<Target> zoom;
    std::optional<LessonView> view;
    std::string viewPage; // a page of that view (lessonViewPages), or empty
    std::optional<Question> question;
    std::optional<StepCompare> compare;
};

struct Expectation {
    SourcePlace place;
    std::optional<Time> at; // nullopt: at the end of the run
    Condition that;
};

struct Lesson {
    int formatVersion = kLessonFormatVersion;
    std::string title;
    std::string summary;
    std::string level; // beginner, intermediate, advanced
    int minutes = 0;
    Scenario scenario;
    // How the lesson starts playing: paced unless a speed is given.
    std::optional<double> speed;
    std::vector<Step> steps;
    std::vector<Expectation> expect;
};

// The sizes a lesson may have; beyond them the reader refuses it, naming the limit.
struct LessonLimits {
    static constexpr std::size_t maxFileBytes = 1 << 20;
    static constexpr std::size_t maxSteps = 500;
    static constexpr std::size_t maxExpectations = 1000;
    static constexpr std::size_t maxTextBytes = 20'000; // one narration, note, question or explanation
    static constexpr std::size_t maxChoices = 8;
    static constexpr std::size_t maxTargets = 16;
    static constexpr double minSpeed = 1e-4; // DESIGN.md "Playback": 1/10,000× to 100×
    static constexpr double maxSpeed = 100;
};

} // namespace backlog
