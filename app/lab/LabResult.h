// What a read of the real kernel gives: a value, or why there is none, in words a person can act on.
// The lab reports errors as values, never as exceptions or crashes: the machine it looks at may lack
// a file, forbid a syscall or print something unexpected, and each of those is an answer to show.
// (std::expected would do this, but GCC 12's library does not have it.)
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace backlog::lab {

// Why a value is missing: one line, naming what was read and what the system said.
struct LabError {
    std::string message;
    int systemError = 0; // the errno behind it, when a system call failed (ENOENT: the file is absent)
};

template <typename T> class LabResult {
  public:
    LabResult(T value) : v_(std::move(value)) {}
    LabResult(LabError error) : v_(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(v_); }
    // Only when ok(): std::get throws (rather than reading garbage) if asked for a value that is not there.
    const T& value() const { return std::get<T>(v_); }
    T& value() { return std::get<T>(v_); }
    // Only when !ok().
    const std::string& error() const { return std::get<LabError>(v_).message; }
    int systemError() const { return std::get<LabError>(v_).systemError; }

  private:
    std::variant<T, LabError> v_;
};

} // namespace backlog::lab
