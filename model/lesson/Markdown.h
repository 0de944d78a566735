// The Markdown subset of lesson narration, questions and explanations: paragraphs, *emphasis*,
// **strong**, `code`, [links](https://…) and lists (- item, 1. item). It is turned into the small HTML
// that Qt's rich text and the exported frames both draw. Anything outside the subset (a heading, an
// image, an unclosed `code span`) is an error with its place, so that an author sees it at `backlog check`
// rather than as stray characters in front of a class.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace backlog {

struct MarkdownError {
    std::size_t offset = 0; // where in the text, from 0
    int line = 1;           // within the text, from 1
    int column = 1;         // from 1
    std::string message;
};

struct MarkdownResult {
    std::string html;
    std::vector<MarkdownError> errors;
};

MarkdownResult markdownToHtml(std::string_view text);

// The text without markup, on one line: for step lists and window titles.
std::string markdownToPlain(std::string_view text);

struct Step;
// What the step list calls a step: its title, or the start of its narration (of its question when it
// says nothing), cut to `maxCharacters` characters with "…".
std::string stepName(const Step& step, std::size_t maxCharacters = 60);

} // namespace backlog
