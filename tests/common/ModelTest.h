// What the model's QTest programs share: scenarios from YAML text, and readable QCOMPARE output.
#pragma once

#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/lesson/LessonReader.h"
#include "model/scenario/ScenarioReader.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// QCOMPARE prints these by name.
namespace backlog {
inline char* toString(const Time& t) {
    return qstrdup((formatSeconds(t) + " s").c_str());
}
inline char* toString(TcpState s) {
    return qstrdup(std::string(ssStateName(s)).c_str());
}
inline char* toString(ClientError e) {
    return qstrdup(e == ClientError::None ? "no error" : std::string(clientErrorName(e)).c_str());
}
inline char* toString(PacketFate f) {
    return qstrdup(std::string(packetFateName(f)).c_str());
}
inline char* toString(PacketKind k) {
    return qstrdup(std::string(packetKindName(k)).c_str());
}
inline char* toString(LeaveReason r) {
    return qstrdup(std::string(leaveReasonName(r)).c_str());
}
} // namespace backlog

namespace backlog::test {

// "$KEY" → value, for every pair.
inline std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [key, value] : values) {
        for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
            text.replace(at, key.size(), value);
    }
    return text;
}

inline std::string str(const QString& s) {
    return s.toStdString();
}

inline QByteArray show(Time t) {
    return QByteArray::fromStdString(t.isNever() ? std::string("never") : formatSeconds(t));
}

// The scenario in `yaml` (with `--set` overrides), or nothing: the reader's messages go to the log.
inline std::optional<Scenario> scenarioOf(const std::string& yaml,
                                          const std::vector<std::string>& sets = {}) {
    const ReadResult read = readScenarioText(yaml, "test", sets);
    for (const ReadError& e : read.errors)
        qWarning("%s", e.text().c_str());
    return read.scenario;
}

inline std::unique_ptr<Simulation> load(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    const std::optional<Scenario> s = scenarioOf(yaml, sets);
    if (!s) return nullptr;
    return std::make_unique<Simulation>(*s);
}

// A lesson read from text. The reader must never throw; if it does, the exception becomes one error
// ("threw: …") at 0:0, so that a test fails on it instead of the test program ending.
inline LessonReadResult readLessonSafely(std::string_view text, const std::string& fileName = "lesson.yaml") {
    try {
        return readLessonText(text, fileName);
    } catch (const std::exception& e) {
        return {std::nullopt, {{fileName, 0, 0, std::string("threw: ") + e.what()}}};
    } catch (...) {
        return {std::nullopt, {{fileName, 0, 0, "threw: an exception that is not a std::exception"}}};
    }
}

} // namespace backlog::test
