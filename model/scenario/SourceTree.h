// A parsed lesson or scenario file as a reader walks it: maps, lists and scalars with the place each was
// written, and nothing of the YAML library that parsed it (yaml-cpp is model/scenario's alone, behind
// YamlSupport.h). The lesson reader reads its file through this, and hands its `scenario:` to
// readScenarioNode as it is.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

// Where a node was written, counted as the parser counts: line and column from 0, and the offset in
// bytes into the text it parsed (after decodeSourceText). All -1 for a node that was not written (a
// missing one).
struct SourceMark {
    int line = -1;
    int column = -1;
    int offset = -1;
};

struct SourceEntry;

// One node of a parsed file. A handle: copying one copies no part of the tree, which every node of a
// document shares and keeps alive. Read-only; nothing here throws.
class SourceNode {
  public:
    // Missing: what a lookup finds for a key that is not there (and a default SourceNode). Null: written
    // empty (`steps:` with nothing after it, `~`, an empty file).
    enum class Kind { Missing, Null, Scalar, List, Map };

    SourceNode() = default;

    Kind kind() const;
    bool isMissing() const { return kind() == Kind::Missing; }
    bool isNull() const { return kind() == Kind::Null; }
    bool isScalar() const { return kind() == Kind::Scalar; }
    bool isList() const { return kind() == Kind::List; }
    bool isMap() const { return kind() == Kind::Map; }

    // A scalar's text as the parser gives it: quotes and escapes resolved, a block scalar unindented.
    // Empty for anything else.
    const std::string& scalar() const;
    SourceMark mark() const;
    // A list's items or a map's entries; 0 for anything else.
    std::size_t size() const;
    // The value of a map's first entry whose key is the scalar `key`; missing when there is none (or
    // this is not a map). Duplicate keys are the readers' to report (entries() has them all).
    SourceNode operator[](std::string_view key) const;
    // A map's entries in file order, duplicates included; empty for anything else.
    std::vector<SourceEntry> entries() const;
    // A list's items in order; empty for anything else.
    std::vector<SourceNode> items() const;

    // How a message names what it found: "a map", "a list", "\"text\"" or "nothing".
    std::string describe() const;

  private:
    friend struct YamlNodes; // YamlSupport.h: makes them, and unwraps them for the scenario reader
    struct Impl;
    std::shared_ptr<const Impl> impl_; // none: missing
};

struct SourceEntry {
    SourceNode key;
    SourceNode value;
};

// Why a text was not parsed, where it says so: line and column from 1, as in ReadError.
struct SourceProblem {
    int line = 0;
    int column = 0;
    std::string message; // "YAML syntax: …", or that there is a second document
};

struct ParsedSource {
    SourceNode root; // Null for an empty text; missing when `problem` is set
    std::optional<SourceProblem> problem;
};

// Parses a whole (decoded) lesson or scenario file. Refused: YAML syntax errors, a stray ',' outside
// brackets (yaml-cpp 0.7 would never finish it) and a second document with content; `what` names the
// kind of file in that message ("a lesson file").
ParsedSource parseSource(const std::string& text, std::string_view what);

} // namespace backlog
