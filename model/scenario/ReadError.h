// A reader's errors (scenario and lesson files) and how many of them a person is shown. A file can
// hold a mistake every two bytes (a lesson full of `![`): a reader keeps the first kErrorsKept and only
// counts the rest, and errorLines() gives a screenful of them and one line counting the others, so that
// neither the reading nor the showing grows with the number of mistakes.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace backlog {

struct ReadError {
    std::string file;
    int line = 0;   // 1-based; 0 when the error has no place in the file (--set, an unreadable file)
    int column = 0; // 1-based
    std::string message;

    // "FILE:LINE:COL: message", or just the message when there is no place (it then says where itself,
    // e.g. "--set server.backlog=abc: expected an integer").
    std::string text() const;
};

// How many errors a reader keeps (the rest are counted), and how many lines a person is shown: about a
// terminal's screenful, which is also what a message box can show without scrolling.
inline constexpr std::size_t kErrorsKept = 100;
inline constexpr std::size_t kErrorsShown = 20;

// What a person is shown of `errors` (plus `unlisted` more that were found but not kept): all of them
// when they fit in shown + 1 lines; otherwise the first `shown` as FILE:LINE:COL lines and then one line
// counting the rest, "… and 499,980 more errors". Never more than shown + 1 lines.
std::vector<std::string> errorLines(const std::vector<ReadError>& errors, std::size_t unlisted = 0,
                                    std::size_t shown = kErrorsShown);

// "499,980": a count as the line about the rest prints it.
std::string groupedCount(std::size_t n);

// The errors of one reading as they are found: the first kErrorsKept kept, the rest counted. A caller
// whose message is costly to build (a place inside a long text) asks full() first and only counts.
class ErrorList {
  public:
    bool full() const { return kept_.size() >= kErrorsKept; }
    bool empty() const { return kept_.empty(); }
    void add(ReadError error);
    void count(std::size_t n = 1) { unlisted_ += n; }
    // Another reading's errors (a lesson's scenario), kept while there is room.
    void append(std::vector<ReadError> errors, std::size_t unlisted);

    std::vector<ReadError>& kept() { return kept_; }
    std::size_t unlisted() const { return unlisted_; }

  private:
    std::vector<ReadError> kept_;
    std::size_t unlisted_ = 0;
};

} // namespace backlog
