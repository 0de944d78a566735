#include "app/lab/ProcFile.h"

#include <array>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace backlog::lab {

std::string errnoText(int error) {
    std::array<char, 256> buffer{};
    // The GNU strerror_r (glibc, _GNU_SOURCE, which g++ defines) returns the text, in buffer or static.
    const char* text = strerror_r(error, buffer.data(), buffer.size());
    return text != nullptr ? std::string(text) : "errno " + std::to_string(error);
}

LabResult<std::string> readProcFile(const std::string& path) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int error = errno;
        return LabError{path + ": " + errnoText(error), error};
    }
    std::string text;
    std::array<char, 4096> chunk{};
    // /proc files are small (netstat is a few kB); a bound keeps a strange file from eating memory.
    constexpr std::size_t limit = 1 << 20;
    while (true) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int error = errno;
            ::close(fd);
            return LabError{path + ": " + errnoText(error), error};
        }
        if (n == 0) break;
        text.append(chunk.data(), static_cast<std::size_t>(n));
        if (text.size() > limit) {
            ::close(fd);
            return LabError{path + ": longer than " + std::to_string(limit) + " bytes; not a /proc file?"};
        }
    }
    ::close(fd);
    return text;
}

} // namespace backlog::lab
