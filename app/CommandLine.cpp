#include "CommandLine.h"

#include "Report.h"
#include "ScenarioReader.h"
#include "Settings.h"
#include "Simulation.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cstdio>
#include <string>

namespace backlog::app {

namespace {

void printErr(const std::string& line) {
    std::fputs(line.c_str(), stderr);
    std::fputc('\n', stderr);
}

void printOut(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

int simulate(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "Runs a scenario without a display and prints a report: the listeners' queues, the clients, the "
        "kernel log, `ss -lnt` and `nstat`.");
    parser.addHelpOption();
    parser.addPositionalArgument("simulate", "The command.");
    parser.addPositionalArgument("FILE", "A scenario or lesson file (YAML).");
    const QCommandLineOption until("until", "Simulate up to this time (e.g. 30s, 2min), not to the end.",
                                   "DURATION");
    const QCommandLineOption set("set", "Override a setting, e.g. server.backlog=4 or net.ipv4.tcp_syncookies=0. "
                                        "May be repeated.",
                                 "KEY=VALUE");
    const QCommandLineOption json("json", "Print the report as JSON.");
    parser.addOptions({until, set, json});
    if (!parser.parse(arguments)) {
        printErr("backlog simulate: " + parser.errorText().toStdString());
        return 2;
    }
    if (parser.isSet("help")) {
        printOut(parser.helpText().toStdString());
        return 0;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.size() != 2) {
        printErr("backlog simulate: expected one scenario file (backlog simulate FILE [--until DURATION] "
                 "[--set KEY=VALUE]... [--json])");
        return 2;
    }
    std::vector<std::string> sets;
    for (const QString& s : parser.values(set)) sets.push_back(s.toStdString());
    const ReadResult read = readScenarioFile(positional[1].toStdString(), sets);
    if (!read.scenario) {
        for (const ReadError& e : read.errors) printErr(e.text());
        return 2;
    }
    Scenario scenario = *read.scenario;
    if (parser.isSet(until)) {
        const Parsed<Time> t = parseDuration(parser.value(until).toStdString());
        if (!t || *t.value < Time()) {
            printErr("--until " + parser.value(until).toStdString() + ": " +
                     (t ? std::string("expected a duration of 0s or more") : t.error));
            return 2;
        }
        scenario.until = *t.value;
    }
    Simulation sim(scenario);
    sim.setCheckpointInterval(Time::never()); // a one-way run: no cut will ever be asked for
    sim.run();
    const Time at = sim.history().end;
    printOut(parser.isSet(json) ? jsonReport(sim, at) : textReport(sim, at));
    return 0;
}

} // namespace

bool isCommand(const QStringList& arguments) {
    return arguments.size() > 1 && arguments[1] == QLatin1String("simulate");
}

int runCommand(const QStringList& arguments) {
    if (arguments.value(1) == QLatin1String("simulate")) return simulate(arguments);
    printErr("backlog: unknown command " + arguments.value(1).toStdString());
    return 2;
}

} // namespace backlog::app
