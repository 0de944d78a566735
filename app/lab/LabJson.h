// What the lab's records (Measurement, SavedRun) share to be written and read as JSON with nlohmann/json.
// Private to backlog_lab_records: nlohmann/json is linked there PRIVATE, so only its own .cpp files include
// this header; the public API (Measurement.h, SavedRun.h) speaks in LabResult.
//
// Reading never throws to the caller: the helpers below throw a Refusal (already in words, naming what
// and where), and the public parse functions turn it into a LabError. Writing does the same for text that
// is not UTF-8, which JSON cannot hold.
#pragma once

#ifndef BACKLOG_INSIDE_LAB_RECORDS
#error "app/lab/LabJson.h is private to backlog_lab_records: use app/lab/Measurement.h or app/lab/SavedRun.h"
#endif

#include "app/lab/Measurement.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

namespace backlog::lab::json {

using Json = nlohmann::json;

// Why a text was refused, whole ("a measured run: measurement.segments[12]: expected 9 numbers …").
struct Refusal {
    std::string message;
};

// A place in the document, for messages: built on the stack as the reader descends, made into words only
// when something is refused (so that 40,000 segments cost no strings). `what` names the document ("a
// measured run", "a lab measurement"); the root has no parent.
struct Where {
    enum class Kind { Root, Member, Element, Column };
    explicit Where(std::string_view document) : what(document) {}

    std::string_view what;
    const Where* parent = nullptr;
    Kind kind = Kind::Root;
    std::string_view key; // a member's name, or a column's ("source_port")
    std::size_t index = 0;

    Where member(std::string_view k) const { return {this, Kind::Member, k, 0}; }
    Where element(std::size_t i) const { return {this, Kind::Element, {}, i}; }
    // An element of a record written as an array: its index and what it is ("[3] (source_port)").
    Where column(std::size_t i, std::string_view name) const { return {this, Kind::Column, name, i}; }
    // "measurement.segments[12][3] (source_port)"; empty at the root.
    std::string path() const;
    // Throws Refusal{"WHAT: PATH: why"}.
    [[noreturn]] void refuse(const std::string& why) const;

  private:
    Where(const Where* p, Kind k, std::string_view name, std::size_t i)
        : what(p->what), parent(p), kind(k), key(name), index(i) {}
};

// nlohmann's message without its "[json.exception.parse_error.101] " tag.
std::string words(const nlohmann::json::exception& e);

// `text` parsed: refused as not JSON (at all), cut short (the parser met the end of the input inside the
// value), or not valid JSON (with nlohmann's line and column), or not an object.
Json parseDocument(std::string_view text, const Where& root);
// The object's "format" and "version" checked: at the root, a wrong format is "not WHAT (…)" and another
// version "WHAT of version 3: this Backlog reads version 2".
void checkHeader(const Json& object, std::string_view format, std::int64_t version, const Where& where);

const Json& object(const Json& j, const Where& where);
const Json& array(const Json& j, const Where& where);
// The member `key` of an object (checked by object()); missing: refused.
const Json& member(const Json& object, std::string_view key, const Where& where);
// Refuses a member not named in `keys` (a misspelt key is a mistake, not something to skip).
void onlyKeys(const Json& object, std::initializer_list<std::string_view> keys, const Where& where);
std::string text(const Json& j, const Where& where);
bool boolean(const Json& j, const Where& where);
// "192.0.2.1" as a host-order address.
std::uint32_t address(const Json& j, const Where& where);
// How a value that is not what was expected is named: "a string", "an array", "null", "1.5" …
std::string describe(const Json& j);

// An integer within [min, max]; a fraction, a string, or a number out of range refused.
template <typename T>
T integer(const Json& j, const Where& where, T min = std::numeric_limits<T>::min(),
          T max = std::numeric_limits<T>::max()) {
    const auto range = [&](const std::string& found) {
        where.refuse("expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", found " + found);
    };
    if (j.is_number_unsigned()) {
        const auto u = j.get<std::uint64_t>();
        if (!std::cmp_less_equal(u, max) || !std::cmp_greater_equal(u, min)) range(std::to_string(u));
        return static_cast<T>(u);
    }
    if (j.is_number_integer()) {
        const auto i = j.get<std::int64_t>();
        if (!std::cmp_less_equal(i, max) || !std::cmp_greater_equal(i, min)) range(std::to_string(i));
        return static_cast<T>(i);
    }
    where.refuse("expected an integer, found " + describe(j));
}

// A JSON text written straight into a string: numbers with to_chars, strings through nlohmann (escaped,
// and refused when they are not UTF-8). The caller places the punctuation.
class Writer {
  public:
    void raw(std::string_view s) { out_ += s; }
    template <typename T> void number(T v) {
        char buffer[24];
        const auto end = std::to_chars(buffer, buffer + sizeof buffer, v).ptr;
        out_.append(buffer, end);
    }
    // `where` names the string when it cannot be written ("kernel_release").
    void string(const std::string& s, const Where& where);
    void address(std::uint32_t a);
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

// A Measurement as its JSON object (Measurement.h describes the layout), without a final newline; and
// read back from its object, refusals naming `where` (the root, or a saved run's "measurement").
void writeMeasurement(Writer& w, const Measurement& m, const Where& where);
Measurement readMeasurement(const Json& j, const Where& where);

} // namespace backlog::lab::json
