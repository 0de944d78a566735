#include "app/lab/Sysctls.h"

#include "app/lab/ProcFile.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <system_error>

namespace backlog::lab {

const std::vector<std::string>& labSysctlNames() {
    static const std::vector<std::string> names{
        "net.core.somaxconn",
        "net.ipv4.tcp_max_syn_backlog",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.tcp_synack_retries",
        "net.ipv4.tcp_syn_retries",
        "net.ipv4.tcp_syn_linear_timeouts",
        "net.ipv4.tcp_abort_on_overflow",
        "net.ipv4.tcp_migrate_req",
    };
    return names;
}

namespace {

// "net.core.somaxconn" → "ROOT/net/core/somaxconn", as sysctl(8) maps names to files.
std::string pathOf(std::string_view root, const std::string& name) {
    std::string relative = name;
    std::replace(relative.begin(), relative.end(), '.', '/');
    return std::string(root) + "/" + relative;
}

// The file holds one integer and a newline ("4096\n").
LabResult<std::int64_t> parseSysctl(const std::string& path, const std::string& text) {
    const std::size_t end = text.find_last_not_of(" \t\n");
    const std::string_view number = std::string_view(text).substr(0, end == std::string::npos ? 0 : end + 1);
    std::int64_t value = 0;
    const auto [last, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || last != number.data() + number.size())
        return LabError{path + ": \"" + std::string(number) + "\" is not one integer"};
    return value;
}

} // namespace

LabResult<std::vector<Sysctl>> readSysctls(std::string_view root) {
    std::vector<Sysctl> sysctls;
    for (const std::string& name : labSysctlNames()) {
        const std::string path = pathOf(root, name);
        LabResult<std::string> text = readProcFile(path);
        if (!text.ok() && text.systemError() == ENOENT) {
            sysctls.push_back({name, std::nullopt});
            continue;
        }
        if (!text.ok()) return LabError{text.error(), text.systemError()};
        LabResult<std::int64_t> value = parseSysctl(path, text.value());
        if (!value.ok()) return LabError{value.error()};
        sysctls.push_back({name, value.value()});
    }
    return sysctls;
}

std::optional<std::int64_t> sysctlValue(const std::vector<Sysctl>& sysctls, std::string_view name) {
    for (const Sysctl& s : sysctls)
        if (s.name == name) return s.value;
    return std::nullopt;
}

} // namespace backlog::lab
