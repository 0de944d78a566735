// libFuzzer target for the lesson loader (how to build and run it: tests/fuzz/CMakeLists.txt): any bytes
// given to readLessonText come back as a lesson or as errors with a place, never as a crash, a hang, a leak
// or undefined behaviour. When a lesson comes back, its texts go through the Markdown converter too, which
// must then find nothing wrong (the reader has already checked them); the errors stay within their bound.
// The bytes may be anything: UTF-16 with a byte order mark is decoded, other text that is not UTF-8 (or
// has a NUL) is refused with its place (SourceFile.h). The simulation is not run here:
// a lesson's scenario may legitimately ask for minutes of work.
#include "model/lesson/Condition.h"
#include "model/lesson/Lesson.h"
#include "model/lesson/LessonReader.h"
#include "model/lesson/Markdown.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void broken(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_lesson: %s: %s\n", what, detail.c_str());
    std::abort();
}

// A text the reader accepted: the converter must agree that it is within the subset.
void convert(const std::string& text) {
    const backlog::MarkdownResult html = backlog::markdownToHtml(text);
    if (!html.errors.empty()) broken("Markdown the reader accepted has errors", html.errors.front().message);
    (void)backlog::markdownToPlain(text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const backlog::LessonReadResult result = backlog::readLessonText(text, "fuzz.yaml");
    if (result.lesson.has_value() == !result.errors.empty())
        broken("a lesson and errors together, or neither", "");
    for (const backlog::ReadError& e : result.errors) {
        if (e.message.empty()) broken("an error without a message", e.text());
        if (e.line < 1 || e.column < 1) broken("an error without a place", e.text());
    }
    // Errors are bounded (ReadError.h): the first kErrorsKept kept, the others only counted, and a
    // person is shown a screenful of them and one line for the rest.
    if (result.errors.size() > backlog::kErrorsKept) broken("more errors kept than the bound", "");
    if (result.moreErrors > 0 && result.errors.size() != backlog::kErrorsKept)
        broken("errors counted while there was room to keep them", "");
    if (backlog::errorLines(result.errors, result.moreErrors).size() > backlog::kErrorsShown + 1)
        broken("more lines of errors than a screenful and one", "");
    if (result.lesson) {
        const backlog::Lesson& lesson = *result.lesson;
        convert(lesson.summary);
        for (const backlog::Step& step : lesson.steps) {
            convert(step.say);
            (void)backlog::markdownToPlain(step.title);
            if (!step.question) continue;
            convert(step.question->ask);
            convert(step.question->explain);
            for (const std::string& choice : step.question->choices)
                convert(choice);
        }
    }
    // The parsers below the reader, on the raw bytes: cheap, and reached with inputs YAML would refuse.
    (void)backlog::looksLikeLesson(text);
    (void)backlog::markdownToHtml(text);
    (void)backlog::parseCondition(text.substr(0, 256));
    return 0;
}
