#include "model/scenario/ReadError.h"

#include <algorithm>

namespace backlog {

std::string ReadError::text() const {
    if (line <= 0) return message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

std::string groupedCount(std::size_t n) {
    std::string digits = std::to_string(n);
    for (std::size_t at = digits.size(); at > 3; at -= 3)
        digits.insert(at - 3, ",");
    return digits;
}

std::vector<std::string> errorLines(const std::vector<ReadError>& errors, std::size_t unlisted,
                                    std::size_t shown) {
    const std::size_t total = errors.size() + unlisted;
    // A last line saying "… and 1 more error" would take the place of that error itself: show it.
    const std::size_t listed = total <= shown + 1 ? errors.size() : std::min(shown, errors.size());
    std::vector<std::string> lines;
    lines.reserve(listed + 1);
    for (std::size_t i = 0; i < listed; ++i)
        lines.push_back(errors[i].text());
    if (const std::size_t rest = total - listed; rest > 0)
        lines.push_back("… and " + groupedCount(rest) + (rest == 1 ? " more error" : " more errors"));
    return lines;
}

void ErrorList::add(ReadError error) {
    if (full())
        ++unlisted_;
    else
        kept_.push_back(std::move(error));
}

void ErrorList::append(std::vector<ReadError> errors, std::size_t unlisted) {
    for (ReadError& e : errors)
        add(std::move(e));
    unlisted_ += unlisted;
}

} // namespace backlog
