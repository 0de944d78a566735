#include "model/scenario/SourceTree.h"

#include "model/scenario/YamlSupport.h"

#include <yaml-cpp/eventhandler.h>

#include <sstream>
#include <utility>

namespace backlog {

// A yaml-cpp node is itself a handle on the parsed tree (which its memory holder keeps alive), so the
// one a SourceNode stands for is held as it is, shared between the SourceNode's copies.
struct SourceNode::Impl {
    YAML::Node node;
};

SourceNode YamlNodes::wrap(const YAML::Node& node) {
    SourceNode out;
    out.impl_ = std::make_shared<SourceNode::Impl>(SourceNode::Impl{node});
    return out;
}

YAML::Node YamlNodes::unwrap(const SourceNode& node) {
    return node.impl_ ? node.impl_->node : YAML::Node(YAML::NodeType::Undefined);
}

SourceNode::Kind SourceNode::kind() const {
    if (!impl_) return Kind::Missing;
    switch (impl_->node.Type()) {
    case YAML::NodeType::Map:
        return Kind::Map;
    case YAML::NodeType::Sequence:
        return Kind::List;
    case YAML::NodeType::Scalar:
        return Kind::Scalar;
    case YAML::NodeType::Null:
        return Kind::Null;
    case YAML::NodeType::Undefined:
        break;
    }
    return Kind::Missing;
}

const std::string& SourceNode::scalar() const {
    static const std::string none;
    return impl_ ? impl_->node.Scalar() : none;
}

SourceMark SourceNode::mark() const {
    if (!impl_) return {};
    const YAML::Mark m = impl_->node.Mark();
    return {m.line, m.column, m.pos};
}

std::size_t SourceNode::size() const {
    return isList() || isMap() ? impl_->node.size() : 0;
}

SourceNode SourceNode::operator[](std::string_view key) const {
    // The entries walked here rather than yaml-cpp's lookup, whose answer for an absent key is an invalid
    // node that throws when asked anything (and which throws outright on a scalar); the first match, as
    // that lookup finds it.
    if (!isMap()) return {};
    for (auto it = impl_->node.begin(); it != impl_->node.end(); ++it)
        if (it->first.IsScalar() && it->first.Scalar() == key) return YamlNodes::wrap(it->second);
    return {};
}

std::vector<SourceEntry> SourceNode::entries() const {
    std::vector<SourceEntry> out;
    if (!isMap()) return out;
    out.reserve(impl_->node.size());
    for (auto it = impl_->node.begin(); it != impl_->node.end(); ++it)
        out.push_back({YamlNodes::wrap(it->first), YamlNodes::wrap(it->second)});
    return out;
}

std::vector<SourceNode> SourceNode::items() const {
    std::vector<SourceNode> out;
    if (!isList()) return out;
    out.reserve(impl_->node.size());
    for (const YAML::Node& item : impl_->node)
        out.push_back(YamlNodes::wrap(item));
    return out;
}

std::string SourceNode::describe() const {
    return impl_ ? describeNode(impl_->node) : "nothing";
}

std::string describeNode(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map:
        return "a map";
    case YAML::NodeType::Sequence:
        return "a list";
    case YAML::NodeType::Scalar:
        return "\"" + node.Scalar() + "\"";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        break;
    }
    return "nothing";
}

namespace {

// Notes where each document's top node starts, without building anything.
class DocumentScan : public YAML::EventHandler {
  public:
    YAML::Mark start;   // of the current document's top node
    bool isNull = true; // the document is empty

    void OnDocumentStart(const YAML::Mark&) override { seenTop_ = false; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { top(mark, true); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { top(mark, false); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
        top(mark, false);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        top(mark, false);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        top(mark, false);
    }
    void OnMapEnd() override {}

  private:
    void top(const YAML::Mark& mark, bool null) {
        if (seenTop_) return;
        seenTop_ = true;
        start = mark;
        isNull = null;
    }

    bool seenTop_ = false;
};

// yaml-cpp 0.7 never gets past a stray ',' outside brackets: YAML::Load returns an empty document and
// LoadAll loops for ever, allocating (jbeder/yaml-cpp#1040, fixed after 0.7). So walk the documents
// first, requiring each to start further on than the last, and refuse a second document that has
// content. Returns where the text is refused, and why.
std::optional<std::pair<YAML::Mark, std::string>> scanDocuments(const std::string& text,
                                                                std::string_view what) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    DocumentScan scan;
    int previous = -1;
    for (int document = 0; parser.HandleNextDocument(scan); ++document) {
        if (scan.start.pos <= previous) {
            const std::size_t at = static_cast<std::size_t>(scan.start.pos);
            return std::pair{scan.start, "YAML syntax: unexpected " +
                                             (at < text.size() ? "'" + text.substr(at, 1) + "'" : "end")};
        }
        if (document > 0 && !scan.isNull)
            return std::pair{scan.start,
                             std::string(what) + " holds one YAML document; this is a second one"};
        previous = scan.start.pos;
    }
    return std::nullopt;
}

} // namespace

ParsedSource parseSource(const std::string& text, std::string_view what) {
    // yaml-cpp counts lines and columns from 0; messages count from 1.
    try {
        if (const auto refused = scanDocuments(text, what))
            return {{}, SourceProblem{refused->first.line + 1, refused->first.column + 1, refused->second}};
        return {YamlNodes::wrap(YAML::Load(text)), std::nullopt};
    } catch (const YAML::Exception& e) {
        return {{}, SourceProblem{e.mark.line + 1, e.mark.column + 1, "YAML syntax: " + e.msg}};
    }
}

} // namespace backlog
