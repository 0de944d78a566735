#include "app/lab/KernelCounters.h"

#include "app/lab/ProcFile.h"

#include <charconv>
#include <system_error>
#include <utility>
#include <vector>

namespace backlog::lab {

namespace {

// One line of a /proc/net counter file, cut at its first ':' and at runs of spaces.
struct CounterLine {
    std::string_view prefix;
    std::vector<std::string_view> fields;
};

std::vector<std::string_view> splitLines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    // The file ends with a newline, and a blank line at the end says nothing: drop trailing blanks.
    while (!lines.empty() && lines.back().find_first_not_of(" \t\r") == std::string_view::npos)
        lines.pop_back();
    return lines;
}

bool cutLine(std::string_view line, CounterLine& out) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    out.prefix = line.substr(0, colon);
    if (out.prefix.find_first_of(" \t") != std::string_view::npos) return false;
    out.fields.clear();
    std::string_view rest = line.substr(colon + 1);
    while (true) {
        const std::size_t start = rest.find_first_not_of(" \t\r");
        if (start == std::string_view::npos) break;
        rest.remove_prefix(start);
        const std::size_t end = rest.find_first_of(" \t\r");
        out.fields.push_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end);
    }
    return true;
}

std::string where(std::string_view source, std::size_t lineIndex) {
    return std::string(source) + ":" + std::to_string(lineIndex + 1) + ": ";
}

// A decimal integer, with a '-' for the one gauge the kernel prints signed (Tcp MaxConn -1).
std::string parseValue(std::string_view field, std::int64_t& value) {
    const char* first = field.data();
    const char* last = field.data() + field.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (ec == std::errc::result_out_of_range)
        return "the value " + std::string(field) + " does not fit in 64 bits";
    if (ec != std::errc() || end != last) return "\"" + std::string(field) + "\" is not a decimal integer";
    return {};
}

// Adds one header/value pair; the error names the line at fault (empty when the pair is good).
std::string addPair(const CounterLine& header, const CounterLine& values, KernelCounterValues& out) {
    if (values.prefix != header.prefix)
        return "expected the values of \"" + std::string(header.prefix) + ":\", found \"" +
               std::string(values.prefix) + ":\"";
    if (values.fields.size() != header.fields.size())
        return "\"" + std::string(header.prefix) + ":\" names " + std::to_string(header.fields.size()) +
               " counters but has " + std::to_string(values.fields.size()) + " values";
    for (std::size_t i = 0; i < header.fields.size(); ++i) {
        std::int64_t value = 0;
        if (std::string why = parseValue(values.fields[i], value); !why.empty())
            return std::string(header.fields[i]) + ": " + why;
        std::string name = std::string(header.prefix) + std::string(header.fields[i]);
        if (out.contains(name)) return "the counter " + name + " appears twice";
        out.emplace(std::move(name), value);
    }
    return {};
}

} // namespace

LabResult<KernelCounterValues> parseKernelCounters(std::string_view text, std::string_view source) {
    const std::vector<std::string_view> lines = splitLines(text);
    if (lines.empty())
        return LabError{std::string(source) + ": empty; expected lines of counter names and values"};
    KernelCounterValues counters;
    CounterLine header;
    CounterLine values;
    for (std::size_t i = 0; i < lines.size(); i += 2) {
        if (!cutLine(lines[i], header))
            return LabError{where(source, i) + "expected \"Prefix: Name …\", found \"" +
                            std::string(lines[i]) + "\""};
        if (i + 1 == lines.size())
            return LabError{where(source, i) + "\"" + std::string(header.prefix) +
                            ":\" names counters but no line of values follows"};
        if (!cutLine(lines[i + 1], values))
            return LabError{where(source, i + 1) + "expected \"" + std::string(header.prefix) +
                            ": values …\", found \"" + std::string(lines[i + 1]) + "\""};
        if (std::string why = addPair(header, values, counters); !why.empty())
            return LabError{where(source, i + 1) + why};
    }
    return counters;
}

LabResult<KernelCounterValues> readKernelCounters() {
    KernelCounterValues all;
    for (const char* path : {"/proc/net/netstat", "/proc/net/snmp"}) {
        LabResult<std::string> text = readProcFile(path);
        if (!text.ok()) return LabError{text.error(), text.systemError()};
        LabResult<KernelCounterValues> counters = parseKernelCounters(text.value(), path);
        if (!counters.ok()) return counters;
        all.merge(counters.value());
    }
    return all;
}

} // namespace backlog::lab
