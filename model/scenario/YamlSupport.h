// What model/scenario's readers share about YAML (yaml-cpp). Private to model/scenario: everything else,
// the lesson reader too, sees a parsed file as SourceTree.h's nodes, so yaml-cpp stays an implementation
// detail of this folder.
#pragma once

#if !defined(BACKLOG_INSIDE_MODEL_SCENARIO)
#error "model/scenario/YamlSupport.h is private to model/scenario: use model/scenario/SourceTree.h"
#endif

#include "model/scenario/SourceTree.h"

#include <yaml-cpp/yaml.h>

#include <string>

namespace backlog {

// "a map", "a list", "\"text\"" or "nothing": how a message names what it found.
std::string describeNode(const YAML::Node& node);

// Between a SourceNode and the yaml-cpp node it stands for.
struct YamlNodes {
    static SourceNode wrap(const YAML::Node& node);
    // A missing node comes back as one of undefined type (IsDefined() false, described as nothing).
    static YAML::Node unwrap(const SourceNode& node);
};

} // namespace backlog
