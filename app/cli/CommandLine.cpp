#include "app/cli/CommandLine.h"

#include "app/export/Export.h"
#ifdef BACKLOG_HAS_LAB
#include "app/lab/Experiment.h"
#include "app/lab/LabPlan.h"
#include "app/lab/MeasuredRun.h"
#endif
#include "app/lab/SavedRun.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/Condition.h"
#include "model/lesson/LessonAudit.h"
#include "model/lesson/LessonGuide.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/LessonRun.h"
#include "model/lesson/Markdown.h"
#include "model/scenario/ScenarioReader.h"
#include "model/scenario/Settings.h"
#include "model/scenario/SourceFile.h"
#include "model/tools/Comparison.h"
#include "model/tools/Report.h"
#include "views/document/AnnotationFile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSaveFile>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

namespace backlog::app {

namespace {

void printErr(const std::string& line) {
    std::fflush(stdout); // what was printed before stays before, when both go to one terminal or pipe
    std::fputs(line.c_str(), stderr);
    std::fputc('\n', stderr);
}

void printOut(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
}

// A screenful of errors at most, and one line counting the rest (ReadError.h): a file with a mistake
// every two bytes must not print half a million lines.
void printErrors(const std::vector<ReadError>& errors, std::size_t unlisted = 0) {
    for (const std::string& line : errorLines(errors, unlisted))
        printErr(line);
}

ReadError problemAt(const std::string& path, const LessonProblem& p) {
    return {path, p.place.line, p.place.column, p.message};
}

// Parses a command's arguments; prints its help, or the error on one line. Returns the exit status when the
// command stops there (0 after --help, 2 for bad arguments).
std::optional<int> parseCommand(QCommandLineParser& parser, const QStringList& arguments,
                                const char* command) {
    if (!parser.parse(arguments)) {
        printErr(std::string("backlog ") + command + ": " + parser.errorText().toStdString());
        return 2;
    }
    if (parser.isSet("help")) {
        printOut(parser.helpText().toStdString());
        return 0;
    }
    return std::nullopt;
}

// A lesson's run, with its steps' changes applied where they fall, reported at its end (or at --until).
// The report is printed even when a step could not be placed (what the run did is still worth seeing),
// but the exit status then says the lesson is not what it claims: 1, as `check` says.
int simulateLesson(const std::string& path, const Lesson& lesson, std::optional<Time> until, bool json) {
    const LessonRun run(lesson);
    std::vector<ReadError> problems;
    for (const LessonProblem& p : run.problems())
        problems.push_back(problemAt(path, p));
    printErrors(problems);
    const Time at = until ? std::min(run.end(), *until) : run.end();
    printOut(json ? jsonReport(run.simulation(), at) : textReport(run.simulation(), at));
    return problems.empty() ? 0 : 1;
}

// One side of `simulate --compare`: a lesson's run (its steps' changes applied) or a scenario's.
struct ComparedRun {
    std::optional<LessonRun> lesson;
    std::unique_ptr<Simulation> scenario;
    std::vector<LessonProblem> problems;
    const Simulation& sim() const { return lesson ? lesson->simulation() : *scenario; }
    Time end() const { return lesson ? lesson->end() : scenario->history().end; }
};

ComparedRun runOf(const FileReadResult& read, std::optional<Time> until) {
    ComparedRun run;
    if (read.lesson) {
        run.lesson.emplace(*read.lesson);
        run.problems = run.lesson->problems();
        return run;
    }
    Scenario scenario = *read.scenario;
    if (until) scenario.until = *until;
    run.scenario = std::make_unique<Simulation>(scenario);
    run.scenario->setCheckpointInterval(Time::never());
    run.scenario->run();
    return run;
}

// `simulate FILE --compare KEY=VALUE…` (issue 16): the file as written (with its --set) and with the
// changes too, each reported, then what differs between them at the later end (or --until). A bad
// --compare is named as such.
int simulateCompared(const std::string& path, const std::vector<std::string>& sets,
                     const std::vector<std::string>& compares, std::optional<Time> until, bool json) {
    const FileReadResult readA = readLessonOrScenarioFile(path, sets);
    if (!readA.errors.empty()) {
        printErrors(readA.errors, readA.moreErrors);
        return 2;
    }
    std::vector<std::string> both = sets;
    both.insert(both.end(), compares.begin(), compares.end());
    FileReadResult readB = readLessonOrScenarioFile(path, both);
    for (ReadError& e : readB.errors)
        for (const std::string& c : compares)
            if (e.message.starts_with("--set " + c + ":")) e.message.replace(0, 5, "--compare");
    if (!readB.errors.empty()) {
        printErrors(readB.errors, readB.moreErrors);
        return 2;
    }
    const ComparedRun a = runOf(readA, until), b = runOf(readB, until);
    std::vector<ReadError> problems;
    for (const ComparedRun* run : {&a, &b})
        for (const LessonProblem& p : run->problems)
            problems.push_back(problemAt(path, p));
    printErrors(problems);
    const Time at = std::max(a.end(), b.end());
    const Time atA = until ? std::min(a.end(), *until) : a.end(),
               atB = until ? std::min(b.end(), *until) : b.end();
    std::string titleB;
    for (const std::string& c : compares)
        titleB += (titleB.empty() ? "" : ", ") + c;
    const std::string titleA = "as written";
    const std::vector<ComparisonRow> rows = compareRuns(a.sim(), b.sim(), until ? std::min(at, *until) : at);
    if (json) {
        std::string out = "{\"a\":{\"title\":\"" + titleA + "\",\"report\":" + jsonReport(a.sim(), atA) +
                          "},\"b\":{\"title\":" + jsonString(titleB) +
                          ",\"report\":" + jsonReport(b.sim(), atB) + "},\"differences\":[";
        for (std::size_t i = 0; i < rows.size(); ++i)
            out += std::string(i ? "," : "") + "{\"group\":\"" +
                   std::string(comparisonGroupName(rows[i].group)) +
                   "\",\"name\":" + jsonString(rows[i].name) + ",\"a\":" + jsonString(rows[i].a.text) +
                   ",\"b\":" + jsonString(rows[i].b.text) + "}";
        printOut(out + "]}\n");
    } else {
        printOut("== a: " + titleA + " ==\n" + textReport(a.sim(), atA) + "\n== b: " + titleB + " ==\n" +
                 textReport(b.sim(), atB) + "\n== what differs at " +
                 formatDuration(until ? std::min(at, *until) : at) + " ==\n" +
                 comparisonText(rows, "a: " + titleA, "b: " + titleB));
    }
    for (const ComparedRun* run : {&a, &b})
        if (run->scenario && run->scenario->stopped()) {
            printErr(path + ": " + *run->scenario->stopped());
            return 1;
        }
    return problems.empty() ? 0 : 1;
}

// "4.19915 s": seconds, as the timeline and the event log show them, without trailing zeros.
std::string seconds(Time t) {
    return formatSecondsTrimmed(t) + " s";
}

// The files a `check` argument names: the file itself, or the *.yaml files of a folder, lessons and
// scenarios alike, but not those of its subfolders: `backlog check lessons/` checks the shipped lessons
// (the start page's list) and `backlog check lessons/scenarios/` the shipped scenarios. A file of the
// folder that cannot be read is passed over (a FIFO among them is not waited on, readSourceFile refuses
// it unopened); one that can is checked, and refused saying why when it is too large or not UTF-8.
QStringList checkedFiles(const QString& argument) {
    const QFileInfo info(argument);
    if (!info.isDir()) return {argument};
    QStringList files;
    for (const QFileInfo& f : QDir(argument).entryInfoList(
             {QStringLiteral("*.yaml"), QStringLiteral("*.yml")}, QDir::Files, QDir::Name))
        if (!readSourceFile(f.filePath().toStdString(), LessonLimits::maxFileBytes).error)
            files << f.filePath();
    return files;
}

#ifdef BACKLOG_HAS_LAB
// The model's run of a scenario or lesson, measured on this machine's kernel instead (issue 14): planned
// (the lab's limits, the warnings), run in a private namespace, made into a run of the model's shape.
// On failure `run` is null and `error` says why; `status` is 2 when the lab refused the plan (bad input)
// and 1 when the experiment could not run or failed.
struct Measured {
    lab::Measurement measurement;
    std::unique_ptr<Simulation> run;
    std::string error;
    int status = 0;
};

Measured measureOnThisMachine(const std::string& path, const Simulation& model, std::optional<Time> until) {
    Measured out;
    const lab::LabResult<lab::LabPlan> plan = lab::planExperiment(model, lab::kernelRelease(), until);
    if (!plan.ok()) {
        out.error = path + ": the lab refuses this experiment: " + plan.error();
        out.status = 2;
        return out;
    }
    printErr("backlog: running " + path + " on this machine's kernel for " + seconds(plan.value().end) +
             " of real time…");
    lab::LabResult<lab::Measurement> measured = lab::runExperiment(plan.value());
    out.status = 1;
    if (!measured.ok()) {
        out.error = path + ": " + measured.error();
        return out;
    }
    lab::LabResult<std::unique_ptr<Simulation>> run =
        lab::measuredRun(plan.value().scenario, measured.value());
    if (!run.ok()) {
        out.error = path + ": " + run.error();
        return out;
    }
    out.measurement = std::move(measured.value());
    out.run = std::move(run.value());
    out.status = 0;
    return out;
}

// `check --lab`: a lesson's expectations read from the kernel's run instead of the model's. The lab's
// warnings come first: an expectation after a change the kernel's run could not make may fail for that.
int checkLessonOnLab(const std::string& path, const Lesson& lesson) {
    const LessonRun run(lesson);
    const Measured outcome = measureOnThisMachine(path, run.simulation(), std::nullopt);
    if (!outcome.run) {
        printErr(outcome.error);
        return 1;
    }
    const Simulation* measured = outcome.run.get();
    for (const std::string& w : measured->source().warnings)
        printOut(path + ": warning: " + w + "\n");
    std::vector<ReadError> failures;
    std::size_t held = 0;
    for (const Expectation& e : lesson.expect) {
        const Time at = std::min(e.at.value_or(run.end()), measured->history().end);
        const std::optional<std::int64_t> value = valueAt(e.that, *measured, at);
        if (satisfies(e.that, value)) {
            ++held;
            continue;
        }
        failures.push_back({path, e.place.line, e.place.column,
                            "on this machine's kernel, expected `" + e.that.text + "` at " + seconds(at) +
                                "; " + describeFound(e.that, *measured, at, value)});
    }
    printErrors(failures);
    printOut(path + ": " + (failures.empty() ? "ok" : "FAILED") + " on Linux " +
             measured->source().kernelRelease + " — " + std::to_string(held) + " of " +
             std::to_string(lesson.expect.size()) + " expectations hold on this machine's kernel\n");
    return failures.empty() ? 0 : 1;
}
#endif

// ", during step 4 (“The queue fills”, from 1.5s)": where in the lesson a moment falls, so that an author
// reading a failed expectation knows which step's narration the number belongs to.
std::string duringStep(const Lesson& lesson, const std::vector<Time>& stepTimes, Time t) {
    const int step = stepBegunBy(stepTimes, t);
    if (step < 0) return ", before the first step";
    const std::string title = stepName(lesson.steps[static_cast<std::size_t>(step)]);
    return ", during step " + std::to_string(step + 1) + (title.empty() ? "" : " (“" + title + "”") +
           (title.empty() ? " (from " : ", from ") + seconds(stepTimes[static_cast<std::size_t>(step)]) + ")";
}

// Places a lesson's steps on a run and checks its expectations. 0: all hold; 1: some do not or a step
// could not be placed.
int checkLesson(const std::string& path, const Lesson& lesson, bool listSteps) {
    const LessonRun run(lesson);
    if (listSteps) {
        for (std::size_t i = 0; i < run.stepTimes().size(); ++i) {
            const Step& step = lesson.steps[i];
            const Time t = run.stepTimes()[i];
            printOut(path + ":" + std::to_string(step.place.line) + ": step " + std::to_string(i + 1) +
                     " at " + (t.isNever() ? std::string("never") : seconds(t)) +
                     (step.when ? " (when " + step.when->text + ")" : "") + "\n");
        }
    }
    // Steps that could not be placed and what can never happen, in file order; then the expectations
    // that do not hold. All of them count as failures; a screenful is printed.
    std::vector<LessonProblem> problems = run.problems();
    const std::vector<LessonProblem> never = auditLesson(run);
    problems.insert(problems.end(), never.begin(), never.end());
    std::stable_sort(problems.begin(), problems.end(), [](const LessonProblem& a, const LessonProblem& b) {
        return std::tie(a.place.line, a.place.column) < std::tie(b.place.line, b.place.column);
    });
    std::vector<ReadError> failures;
    for (const LessonProblem& p : problems)
        failures.push_back(problemAt(path, p));
    const std::vector<ExpectationResult> results = run.check();
    for (std::size_t i = 0; i < results.size(); ++i) {
        const ExpectationResult& r = results[i];
        if (r.holds) continue;
        const Expectation& e = *r.expectation;
        failures.push_back({path, e.place.line, e.place.column,
                            "expectation " + std::to_string(i + 1) + ": expected `" + e.that.text + "` at " +
                                (e.at ? seconds(*e.at) : "the end (" + seconds(r.at) + ")") +
                                duringStep(lesson, run.stepTimes(), r.at) + "; " + r.found});
    }
    printErrors(failures);
    const std::size_t held =
        results.size() -
        static_cast<std::size_t>(std::count_if(results.begin(), results.end(),
                                               [](const ExpectationResult& r) { return !r.holds; }));
    printOut(path + ": " + (failures.empty() ? "ok" : "FAILED") + " — " + std::to_string(held) + " of " +
             std::to_string(results.size()) + " expectations hold, " + std::to_string(lesson.steps.size()) +
             " steps, run ends at " + seconds(run.end()) + "\n");
    return failures.empty() ? 0 : 1;
}

// A scenario has no steps or expectations: it is run to its end, which it must reach within the limits
// of the work a run may do (1 when it stops at one, as `simulate` says).
int checkScenario(const std::string& path, const Scenario& scenario) {
    Simulation sim(scenario);
    sim.setCheckpointInterval(Time::never()); // a one-way run: no cut will ever be asked for
    sim.run();
    if (sim.stopped()) printErr(path + ": " + *sim.stopped());
    printOut(path + ": " + (sim.stopped() ? "FAILED" : "ok") +
             " — a scenario (no expectations), run ends at " + seconds(sim.history().end) + "\n");
    return sim.stopped() ? 1 : 0;
}

// Reads one file as what it says it is (as `simulate`, `export` and the window do) and checks it: a
// lesson's expectations, a scenario's run. 2: the file is not a valid lesson or scenario.
int checkFile(const std::string& path, bool listSteps) {
    const FileReadResult read = readLessonOrScenarioFile(path);
    if (!read.errors.empty()) {
        printErrors(read.errors, read.moreErrors);
        return 2;
    }
    return read.lesson ? checkLesson(path, *read.lesson, listSteps) : checkScenario(path, *read.scenario);
}

// `check --lab FILE`: a lesson's expectations on this machine's kernel (a scenario has none to check).
int checkFileOnLab(const std::string& path) {
    const FileReadResult read = readLessonOrScenarioFile(path);
    if (!read.errors.empty()) {
        printErrors(read.errors, read.moreErrors);
        return 2;
    }
    if (!read.lesson) {
        printOut(path + ": a scenario has no expectations to check on this machine (backlog lab runs it)\n");
        return 0;
    }
#ifdef BACKLOG_HAS_LAB
    return checkLessonOnLab(path, *read.lesson);
#else
    printErr(path + ": the lab needs Linux; this build has no lab");
    return 1;
#endif
}

int check(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Validates lesson files and runs their expectations without a display; a "
        "scenario file is read and run to its end. A folder's *.yaml files are checked, "
        "not its subfolders'. Exit status 0 when every expectation of every file holds; "
        "1 when one does not, a step cannot be placed, a step or expectation asks for "
        "what can never happen (a client, listener or worker the run never has, a moment "
        "after until, a held entry started twice), or a run stops at a limit of its "
        "work; 2 when a file is not a valid lesson or scenario. Each problem is printed "
        "as FILE:LINE:COL, at most 20 a file and then how many more.");
    parser.addHelpOption();
    parser.addPositionalArgument("check", "The command.");
    parser.addPositionalArgument("FILE", "Lesson or scenario files, or folders of them.", "FILE...");
    const QCommandLineOption steps("steps", "Also print the moment each step begins.");
    const QCommandLineOption lab("lab", "Read each lesson's expectations from a run on this machine's real "
                                        "kernel (backlog lab) instead of the model. Needs root and Linux.");
    parser.addOptions({steps, lab});
    if (const std::optional<int> status = parseCommand(parser, arguments, "check")) return *status;
    const QStringList positional = parser.positionalArguments().mid(1);
    if (positional.isEmpty()) {
        printErr("backlog check: expected one or more lesson files (backlog check FILE...)");
        return 2;
    }
    int status = 0;
    for (const QString& argument : positional) {
        const QStringList files = checkedFiles(argument);
        if (files.isEmpty()) {
            printErr(argument.toStdString() + ": no lesson or scenario files in this folder");
            status = 2;
        }
        for (const QString& file : files)
            status = std::max(status, parser.isSet(lab) ? checkFileOnLab(file.toStdString())
                                                        : checkFile(file.toStdString(), parser.isSet(steps)));
    }
    return status;
}

// `backlog guide`: the lesson author's guide, Markdown, made by the code it describes (LessonGuide.h);
// docs/lesson-guide.md is this output.
int guide(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Prints the lesson author's guide (Markdown): every key of a lesson with its "
        "default, the model's timer figures, every rule backlog check enforces "
        "and a worked example. docs/lesson-guide.md is its output.");
    parser.addHelpOption();
    parser.addPositionalArgument("guide", "The command.");
    if (const std::optional<int> status = parseCommand(parser, arguments, "guide")) return *status;
    printOut(lessonGuideMarkdown());
    return 0;
}

// --until, when given: a duration of at least `least` (simulate takes 0s, the lab a time after it). False,
// with the message printed, when it is not one.
bool readUntil(const QCommandLineParser& parser, const QCommandLineOption& until, Time least,
               std::optional<Time>& out) {
    if (!parser.isSet(until)) return true;
    const Parsed<Time> t = parseDuration(parser.value(until).toStdString());
    if (!t || *t.value < least) {
        printErr("--until " + parser.value(until).toStdString() + ": " +
                 (t ? std::string(least > Time() ? "expected a duration after 0s"
                                                 : "expected a duration of 0s or more")
                    : t.error));
        return false;
    }
    out = *t.value;
    return true;
}

int simulate(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription("Runs a scenario or a lesson without a display and prints a report: the "
                                     "listeners' queues, the clients, "
                                     "the kernel log, `ss -lnt` and `nstat`. Exit status 0; 1 when a "
                                     "lesson's step could not be placed (the "
                                     "report is still printed); 2 on bad input, printed as FILE:LINE:COL (at "
                                     "most 20 lines and how many more).");
    parser.addHelpOption();
    parser.addPositionalArgument("simulate", "The command.");
    parser.addPositionalArgument("FILE", "A scenario or lesson file (YAML).");
    const QCommandLineOption until("until", "Simulate up to this time (e.g. 30s, 2min), not to the end.",
                                   "DURATION");
    const QCommandLineOption set("set",
                                 "Override a setting, e.g. server.backlog=4 or net.ipv4.tcp_syncookies=0. "
                                 "May be repeated.",
                                 "KEY=VALUE");
    const QCommandLineOption json("json", "Print the report as JSON.");
    const QCommandLineOption compare(
        "compare",
        "Run the file a second time with this change too (e.g. server.backlog=512) "
        "and print both reports and what differs. May be repeated.",
        "KEY=VALUE");
    parser.addOptions({until, set, json, compare});
    if (const std::optional<int> status = parseCommand(parser, arguments, "simulate")) return *status;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        printErr("backlog simulate: expected one scenario file (backlog simulate FILE [--until DURATION] "
                 "[--set KEY=VALUE]... [--json])");
        return 2;
    }
    std::vector<std::string> sets;
    for (const QString& s : parser.values(set))
        sets.push_back(s.toStdString());
    std::optional<Time> untilTime;
    if (!readUntil(parser, until, Time(), untilTime)) return 2;
    const std::string path = positional[1].toStdString();
    const FileReadResult read = readLessonOrScenarioFile(path, sets);
    if (!read.errors.empty()) {
        printErrors(read.errors, read.moreErrors);
        return 2;
    }
    if (parser.isSet(compare)) {
        std::vector<std::string> compares;
        for (const QString& c : parser.values(compare))
            compares.push_back(c.toStdString());
        return simulateCompared(path, sets, compares, untilTime, parser.isSet(json));
    }
    if (read.lesson) return simulateLesson(path, *read.lesson, untilTime, parser.isSet(json));
    Scenario scenario = *read.scenario;
    if (untilTime) scenario.until = *untilTime;
    Simulation sim(scenario);
    sim.setCheckpointInterval(Time::never()); // a one-way run: no cut will ever be asked for
    sim.run();
    const Time at = sim.history().end;
    printOut(parser.isSet(json) ? jsonReport(sim, at) : textReport(sim, at));
    // A run that reached a limit of the work a run may do is reported up to where it stopped, and the
    // exit status says it is not the whole run.
    if (sim.stopped()) {
        printErr(path + ": " + *sim.stopped());
        return 1;
    }
    return 0;
}

// The signal that interrupted an export (0: none). A lock-free atomic: written by a signal handler,
// which may run on any thread, and read on the main thread.
std::atomic<int> interrupted{0};
static_assert(std::atomic<int>::is_always_lock_free);

// SIGINT, SIGTERM and SIGHUP (the terminal closed) set `interrupted` while an export runs, and SIGPIPE
// (stderr read by a pipe that has gone, as in `| head -1`) is ignored: each of them would otherwise
// end the process before the partial files are removed. The previous handlers come back after.
class InterruptGuard {
  public:
    InterruptGuard() {
        interrupted = 0;
        for (std::size_t i = 0; i < std::size(kStopping); ++i)
            previous_[i] = std::signal(kStopping[i], [](int s) { interrupted = s; });
#ifdef SIGPIPE
        previousPipe_ = std::signal(SIGPIPE, SIG_IGN);
#endif
    }
    ~InterruptGuard() {
        for (std::size_t i = 0; i < std::size(kStopping); ++i)
            std::signal(kStopping[i], previous_[i]);
#ifdef SIGPIPE
        std::signal(SIGPIPE, previousPipe_);
#endif
    }
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

  private:
#ifdef SIGHUP
    static constexpr int kStopping[] = {SIGINT, SIGTERM, SIGHUP};
#else
    static constexpr int kStopping[] = {SIGINT, SIGTERM}; // Windows has no SIGHUP or SIGPIPE
#endif
    void (*previous_[std::size(kStopping)])(int) = {};
    void (*previousPipe_)(int) = SIG_DFL;
};

// The lecturer's strokes (issue 16): --annotations FILE, else the lesson's side file when there is one
// (FILE.annotations.json beside it, as the window keeps it), or none with --no-annotations. A side file
// that does not read is an error here, not a silent frame without it: the command names the file and
// the way round it.
bool readAnnotationsOption(const QCommandLineParser& parser, ExportOptions& options) {
    const bool given = parser.isSet(QStringLiteral("annotations"));
    if (parser.isSet(QStringLiteral("no-annotations"))) {
        if (given) printErr("--annotations and --no-annotations: give one or the other");
        return !given;
    }
    const QString path =
        given ? parser.value(QStringLiteral("annotations")) : views::annotationsPathFor(options.file);
    if (!given && !QFileInfo::exists(path)) return true;
    const views::AnnotationsRead read = views::readAnnotations(path);
    if (!read.ok()) {
        printErr("--annotations " + read.error.toStdString() +
                 (given ? std::string() : std::string(" (--no-annotations exports without it)")));
        return false;
    }
    options.annotations = read.strokes;
    return true;
}

// The export's arguments as ExportOptions (all but the file): false, with the reason printed, when one
// cannot be read.
bool readExportOptions(const QCommandLineParser& parser, ExportOptions& options) {
    options.out = parser.value(QStringLiteral("out"));
    const auto time = [&](const QString& option, std::optional<Time>& into) {
        if (!parser.isSet(option)) return true;
        const QString text = parser.value(option);
        const Parsed<Time> t = parseRunTime(text.toStdString());
        if (!t) printErr("--" + option.toStdString() + " " + text.toStdString() + ": " + t.error);
        into = t.value;
        return bool(t);
    };
    if (!time(QStringLiteral("at"), options.at) || !time(QStringLiteral("from"), options.from) ||
        !time(QStringLiteral("to"), options.to))
        return false;
    if (parser.isSet(QStringLiteral("fps"))) {
        bool ok = false;
        options.fps = parser.value(QStringLiteral("fps")).toInt(&ok);
        if (!ok) {
            printErr("--fps " + parser.value(QStringLiteral("fps")).toStdString() +
                     ": expected a whole number of frames per second");
            return false;
        }
    }
    if (parser.isSet(QStringLiteral("speed"))) {
        const std::optional<views::PlaybackClock::Factor> factor =
            parseSpeed(parser.value(QStringLiteral("speed")));
        if (!factor) {
            printErr("--speed " + parser.value(QStringLiteral("speed")).toStdString() +
                     ": expected simulated seconds per second of film, as 1/1000, 0.001 or 2");
            return false;
        }
        options.speed = *factor;
    }
    options.paced = parser.isSet(QStringLiteral("paced"));
    options.steps = parser.isSet(QStringLiteral("steps"));
    options.plain = parser.isSet(QStringLiteral("plain"));
    if (parser.isSet(QStringLiteral("size"))) {
        static const QRegularExpression wxh(QStringLiteral("^(\\d{1,9})x(\\d{1,9})$"));
        const QRegularExpressionMatch m = wxh.match(parser.value(QStringLiteral("size")));
        if (!m.hasMatch()) {
            printErr("--size " + parser.value(QStringLiteral("size")).toStdString() +
                     ": expected WIDTHxHEIGHT in pixels, as in 1920x1080");
            return false;
        }
        options.size = QSize(m.captured(1).toInt(), m.captured(2).toInt());
    }
    if (parser.isSet(QStringLiteral("scale"))) {
        bool ok = false;
        options.scale = parser.value(QStringLiteral("scale")).toDouble(&ok);
        if (!ok) {
            printErr("--scale " + parser.value(QStringLiteral("scale")).toStdString() +
                     ": expected pixels per point, as in 2 or 1.5");
            return false;
        }
    }
    options.transparent = parser.isSet(QStringLiteral("transparent"));
    if (parser.isSet(QStringLiteral("format"))) options.format = parser.value(QStringLiteral("format"));
    if (parser.isSet(QStringLiteral("view"))) options.view = parser.value(QStringLiteral("view"));
    if (parser.isSet(QStringLiteral("chart"))) options.chart = parser.value(QStringLiteral("chart"));
    if (parser.isSet(QStringLiteral("theme"))) options.theme = parser.value(QStringLiteral("theme"));
    for (const QString& c : parser.values(QStringLiteral("client"))) {
        bool ok = false;
        const qlonglong n = c.toLongLong(&ok);
        if (!ok) {
            printErr("--client " + c.toStdString() + ": expected a client's number (from 0)");
            return false;
        }
        options.clients.push_back(n);
    }
    options.compare = parser.values(QStringLiteral("compare"));
    if (!readAnnotationsOption(parser, options)) return false;
    // A lesson page's film is laid out smaller than a slide's frame, so its text stays readable on a phone.
    if (!parser.isSet(QStringLiteral("size")) && writesPage(options)) options.size = kPageFilmSize;
    return true;
}

// `backlog export`: the arguments become ExportOptions; exportFrames() checks and does the rest.
int exportCommand(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Writes frames of a scenario or lesson without a display, painted as the window paints them: one "
        "frame "
        "(--at), a numbered sequence into a new folder (--from/--to/--fps: OUT/frame-00001.png …), or one "
        "frame "
        "per lesson step with its highlight and zoom (--steps: OUT/step-01.png …). A PDF is one file with a "
        "page per frame; a handout is an A4 PDF with a page per lesson step, its frame and its narration; "
        "GIF, "
        "MP4 and WebM are films of --from..--to made by ffmpeg (Debian package ffmpeg). HTML is a lesson as "
        "one self-contained web page that works offline in any browser: its film (played as in the window, "
        "ffmpeg again), the narration beside it, the questions and a score. Exit status 0 when "
        "everything was written, 2 on bad input or when writing failed, 130 when interrupted (Ctrl+C); "
        "nothing "
        "half-written is ever left behind.");
    parser.addHelpOption();
    parser.addPositionalArgument("export", "The command.");
    parser.addPositionalArgument("FILE", "A scenario or lesson file (YAML).");
    const QCommandLineOption out(
        "out",
        "Where to write: a file for one frame, a PDF, a handout, a film or a page; a "
        "new or empty folder for PNG or SVG frames.",
        "PATH");
    const QCommandLineOption at("at", "One frame at this time (e.g. 1.5s).", "T");
    const QCommandLineOption from("from", "A sequence or film from this time…", "T");
    const QCommandLineOption to("to", "…to this time (included when a frame falls on it).", "T");
    const QCommandLineOption fps(
        "fps",
        "Frames per second of film (1 to 240; default 30, 20 for html); at --speed 1, "
        "per simulated second.",
        "N");
    const QCommandLineOption speed("speed",
                                   "Simulated seconds per second of film (1/1000000 to 1000, as 1/1000 or "
                                   "0.001; default 1): 1/1000 shows a 10 ms handshake in 10 s.",
                                   "S");
    const QCommandLineOption paced(
        "paced", "Play the film on the window's paced clock instead: every packet's flight "
                 "at least 0.8 s, every quiet gap at most 0.6 s (as a class sees a lesson).");
    const QCommandLineOption steps("steps", "One frame per step of a lesson, at the step's moment.");
    const QCommandLineOption plain("plain",
                                   "Without a lesson step's highlights and zoom (which the stage shows by "
                                   "default, as the window does).");
    const QCommandLineOption size(
        "size",
        "Frame size in points (default 1920x1080, 1280x720 for html; at most 8192 pixels a "
        "side).",
        "WxH");
    const QCommandLineOption scale("scale",
                                   "Pixels per point for PNG and video (1 to 4; default 1): 2 gives a "
                                   "3840x2160 picture of a 1920x1080 layout.",
                                   "S");
    const QCommandLineOption transparent("transparent",
                                         "PNG without a background (stage, ladder and states).");
    const QCommandLineOption format("format",
                                    "png, svg, pdf, gif, mp4, webm, handout or html (default: from the "
                                    "extension of --out, else png).",
                                    "FORMAT");
    const QCommandLineOption view("view",
                                  "stage (default), ladder, states (TCP state diagram) or charts (the whole "
                                  "window is exported from the window: File › Export…).",
                                  "VIEW");
    const QCommandLineOption chart("chart",
                                   "With --view charts: queues (default), drops, accepts, workers, sar or "
                                   "latency.",
                                   "CHART");
    const QCommandLineOption theme("theme", "light (default), dark or projector.", "THEME");
    const QCommandLineOption client(
        "client",
        "A connection the ladder (may be repeated) or the state diagram shows (from 0; "
        "default 0).",
        "N");
    const QCommandLineOption compare(
        "compare",
        "Run FILE a second time with this change too (e.g. server.backlog=512) and paint both stages on one "
        "clock, each under a strip naming it. May be repeated.",
        "KEY=VALUE");
    const QCommandLineOption annotations(
        "annotations",
        "The lecturer's strokes to paint over the stage (default: FILE.annotations.json beside FILE, when "
        "there is one, as the window saves it).",
        "SIDEFILE");
    const QCommandLineOption noAnnotations("no-annotations", "Without the lecturer's strokes.");
    parser.addOptions({out,   at,    from,   to,      fps,         speed,        paced,
                       steps, plain, size,   scale,   transparent, format,       view,
                       chart, theme, client, compare, annotations, noAnnotations});
    if (const std::optional<int> status = parseCommand(parser, arguments, "export")) return *status;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        printErr(
            "backlog export: expected one scenario or lesson file (backlog export FILE --out PATH [--at T | "
            "--from T --to T [--fps N] | --steps] …; see backlog export --help)");
        return 2;
    }
    // The file first, read as `simulate` reads it: a FIFO or device refused without waiting on it, and
    // a file full of mistakes shown a screenful at a time. The export reads it again for its run.
    if (const FileReadResult read = readLessonOrScenarioFile(positional[1].toStdString());
        !read.errors.empty()) {
        printErrors(read.errors, read.moreErrors);
        return 2;
    }
    ExportOptions options;
    options.file = positional[1];
    if (!readExportOptions(parser, options)) return 2;
    options.progress = [](const QString& line) { printErr(line.toStdString()); };
    // Ctrl+C (or a kill) stops the export between frames, so that nothing half-written is left behind:
    // the handler only sets a flag that the export asks about (a signal handler may do little else).
    const InterruptGuard interrupts;
    options.cancelled = [] { return interrupted.load() != 0; };
    const ExportResult result = exportFrames(options);
    std::vector<ReadError> errors; // messages that already say where (no place of their own)
    for (const QString& e : result.errors)
        errors.push_back({{}, 0, 0, e.toStdString()});
    printErrors(errors);
    if (result.cancelled) return 128 + interrupted.load(); // the shell's convention: 130 for SIGINT
    return result.ok() ? 0 : 2;
}

// A measured run kept with --save, reported again: nothing runs, so it opens without root, and on any
// system (the lab's records are portable).
int reportSavedRun(const std::string& file, std::string_view text, bool json) {
    const lab::LabResult<lab::SavedRun> saved = lab::parseSavedRun(text);
    if (!saved.ok()) {
        printErr(file + ": " + saved.error());
        return 2;
    }
    const lab::LabResult<lab::OpenedRun> run = lab::openSavedRun(saved.value());
    if (!run.ok()) {
        printErr(file + ": " + run.error());
        return 2;
    }
    const Simulation& sim = *run.value().measured;
    printOut(json ? jsonReport(sim, sim.history().end) : textReport(sim, sim.history().end));
    return 0;
}

#ifdef BACKLOG_HAS_LAB
// Writes a measured run to `out` whole or not at all (QSaveFile: a full disk costs nothing already there).
bool saveRun(const QString& out, const lab::SavedRun& run) {
    const lab::LabResult<std::string> json = lab::serialiseSavedRun(run);
    if (!json.ok()) {
        printErr("--save " + out.toStdString() + ": " + json.error());
        return false;
    }
    const std::string& text = json.value();
    QSaveFile file(out);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(text.data(), static_cast<qint64>(text.size())) != static_cast<qint64>(text.size()) ||
        !file.commit()) {
        printErr("--save " + out.toStdString() + ": " + file.errorString().toStdString());
        return false;
    }
    return true;
}
#endif

// `backlog lab FILE`: the scenario's experiment on this machine's kernel (issue 14), reported as
// `simulate` reports the model's run, marked as measured. The model runs first: it says how long the
// experiment lasts, and a lesson's run places its held traffic. FILE may also be a run kept with --save.
int labCommand(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Runs a scenario's experiment on this machine's real kernel, in a private network namespace it "
        "creates (the host's sockets and sysctls are never touched), and prints the report `simulate` "
        "prints, "
        "marked as measured. Needs Linux, and root or unprivileged user namespaces. It takes real time: as "
        "long as the model's run, or --until. FILE may also be a measured run kept with --save, reported "
        "again without running. Exit status 0; 1 when the lab cannot run here or the experiment failed; 2 "
        "on bad input.");
    parser.addHelpOption();
    parser.addPositionalArgument("lab", "The command.");
    parser.addPositionalArgument("FILE", "A scenario or lesson file (YAML), or a measured run (--save).");
    const QCommandLineOption until("until", "Run the experiment for this long (e.g. 5s), not to the end.",
                                   "DURATION");
    const QCommandLineOption set("set", "Override a setting, e.g. server.backlog=4. May be repeated.",
                                 "KEY=VALUE");
    const QCommandLineOption json("json", "Print the report as JSON.");
    const QCommandLineOption save("save", "Keep the measured run in RUN, to report (or open) again later.",
                                  "RUN");
    parser.addOptions({until, set, json, save});
    if (const std::optional<int> status = parseCommand(parser, arguments, "lab")) return *status;
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        printErr("backlog lab: expected one scenario file (backlog lab FILE [--until DURATION] [--set "
                 "KEY=VALUE]... [--json] [--save RUN])");
        return 2;
    }
    std::optional<Time> untilTime;
    if (!readUntil(parser, until, Time::ns(1), untilTime)) return 2;
    std::vector<std::string> sets;
    for (const QString& s : parser.values(set))
        sets.push_back(s.toStdString());
    const std::string path = positional[1].toStdString();
    // Read once: a measured run (by its first bytes) or a scenario or lesson. A measured run is larger than
    // a lesson may be (a flood's capture), so the cap is its own; the lesson reader applies the lesson's.
    const SourceText raw = readSourceFile(path, std::size_t{1} << 30);
    if (raw.error) {
        printErrors({*raw.error});
        return 2;
    }
    if (lab::looksLikeSavedRun(raw.text)) return reportSavedRun(path, raw.text, parser.isSet(json));
    // Its text decoded as the reader decodes it (UTF-16 with a byte order mark becomes UTF-8): what a saved
    // run keeps, since JSON holds UTF-8 alone. The reader decodes it again, which changes nothing.
    const SourceText source =
        decodeSourceText(raw.text, path, LessonLimits::maxFileBytes, "a lesson or scenario");
    if (source.error) {
        printErrors({*source.error});
        return 2;
    }
    const FileReadResult read = readLessonOrScenarioText(source.text, path, sets);
    if (!read.errors.empty()) {
        printErrors(read.errors, read.moreErrors);
        return 2;
    }
#ifdef BACKLOG_HAS_LAB
    const lab::ModelRun model(read);
    const Measured outcome = measureOnThisMachine(path, model.simulation(), untilTime);
    if (!outcome.run) {
        printErr(outcome.error);
        return outcome.status;
    }
    if (parser.isSet(save) && !saveRun(parser.value(save), {path, sets, untilTime ? untilTime->count() : -1,
                                                            source.text, outcome.measurement}))
        return 1;
    const Simulation& sim = *outcome.run;
    printOut(parser.isSet(json) ? jsonReport(sim, sim.history().end) : textReport(sim, sim.history().end));
    return 0;
#else
    printErr("backlog lab: the lab needs Linux (network namespaces, sock_diag, AF_PACKET); this build has "
             "no lab");
    return 1;
#endif
}

} // namespace

int presentHelp(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Opens FILE straight in presenter mode: the stage full screen in the projector theme, the narration "
        "as a caption; with a second screen, the presenter's view there (the step's notes, the answer, the "
        "next step, a clock). PageDown/PageUp (what clickers send) and the arrow keys move between a "
        "lesson's "
        "steps, Space plays and pauses, B blacks the screen, S turns on a spotlight, Z zooms to what a step "
        "highlights, Escape or F5 returns to the window. Needs a display.");
    parser.addHelpOption();
    parser.addPositionalArgument("present", "The command.");
    parser.addPositionalArgument("FILE", "A scenario or lesson file (YAML).");
    return parseCommand(parser, arguments, "present").value_or(0);
}

bool isCommand(const QStringList& arguments) {
    return arguments.size() > 1 &&
           (arguments[1] == QLatin1String("simulate") || arguments[1] == QLatin1String("check") ||
            arguments[1] == QLatin1String("guide") || arguments[1] == QLatin1String("export") ||
            arguments[1] == QLatin1String("lab"));
}

int runCommand(const QStringList& arguments) {
    if (arguments.value(1) == QLatin1String("simulate")) return simulate(arguments);
    if (arguments.value(1) == QLatin1String("check")) return check(arguments);
    if (arguments.value(1) == QLatin1String("guide")) return guide(arguments);
    if (arguments.value(1) == QLatin1String("export")) return exportCommand(arguments);
    if (arguments.value(1) == QLatin1String("lab")) return labCommand(arguments);
    printErr("backlog: unknown command " + arguments.value(1).toStdString());
    return 2;
}

} // namespace backlog::app
