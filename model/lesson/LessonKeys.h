// The one catalogue of the lesson format's keys (issue 16, the lesson author's guide): every map of a
// lesson file, the keys it allows, what each takes, its default and one line of meaning. LessonReader
// reads its lists of allowed keys from here, so a key it accepts is a key the guide documents; the
// defaults are read off default-constructed Lesson, Step, Question … objects, so they cannot drift from
// the code either (tst_lessonguide reads a minimal lesson and compares).
//
// The scenario's keys are the scenario vocabulary (model/scenario/Settings.h): their names, values and
// defaults come from there; this file adds only a line of meaning for each (scenarioKeyDocs()).
#pragma once

#include "model/lesson/Lesson.h"

#include <string>
#include <vector>

namespace backlog {

// The maps of a lesson file that have keys of their own.
enum class LessonMap { Lesson, Step, Question, Compare, CompareTitle, After, Expectation };
std::string_view lessonMapName(LessonMap map); // "the top level", "a step" …

// What one key's value is read into, for reading a default off it: a lesson and one of each thing in it.
struct LessonKeyProbe {
    const Lesson* lesson = nullptr;
    const Step* step = nullptr;
    const Question* question = nullptr;
    const StepCompare* compare = nullptr;
    const Step::After* after = nullptr;
    const Expectation* expectation = nullptr;
};

struct LessonKeyDoc {
    LessonMap map;
    const char* name;
    const char* values;  // what the value may be
    const char* meaning; // one line
    // The value the key left out gives, as a file would write it ("" for nothing); read from the probe's
    // object for the key's map. Null for a required key, or one whose default the reader decides
    // (`defaultText` then says it).
    std::string (*read)(const LessonKeyProbe&) = nullptr;
    const char* defaultText = "required";
};

// Every key of every map, in the order the guide lists them.
const std::vector<LessonKeyDoc>& lessonKeyDocs();
// The keys one map allows, in that order: what LessonReader accepts there.
const std::vector<std::string>& lessonMapKeys(LessonMap map);
// The default the guide prints: read off a default-constructed object, or the doc's defaultText.
std::string lessonKeyDefault(const LessonKeyDoc& doc);
// A probe of default-constructed objects (what lessonKeyDefault() reads).
LessonKeyProbe defaultLessonProbe();

// A scenario key's line of meaning. `key` as settingKeys() spells it ("net.ipv4.tcp_syncookies",
// "traffic.NAME.clients"), or one of the structured keys the scenario reader handles itself
// ("network.faults.drop", "events.at", "traffic.NAME.name" …, see scenarioStructuredKeys()).
struct ScenarioKeyDoc {
    const char* key;
    const char* meaning;
};
const std::vector<ScenarioKeyDoc>& scenarioKeyDocs();
// The meaning of a scenario key, or empty when the catalogue has none (a test keeps that from happening).
std::string scenarioKeyMeaning(std::string_view key);

// The keys a scenario file writes as lists or maps of their own rather than as settings: a fault's,
// an event's, a traffic entry's name and its flood map. With their values and defaults, for the guide.
struct StructuredKeyDoc {
    const char* key;
    const char* values;
    const char* defaultText;
};
const std::vector<StructuredKeyDoc>& scenarioStructuredKeys();

} // namespace backlog
