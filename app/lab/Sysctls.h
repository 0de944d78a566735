// The sysctls that decide what happens to a connection waiting to be accepted (KERNEL.md section 1),
// read from /proc/sys, never written: the lab only looks at the machine (issue 14, "Read-only"). The
// net.* ones are per network namespace: read inside the lab's namespace they are that namespace's, and a
// fresh namespace starts from the kernel's defaults (somaxconn 4096), not from the host's values.
#pragma once

#include "app/lab/LabResult.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace backlog::lab {

struct Sysctl {
    std::string name;                  // as sysctl(8) names it: "net.core.somaxconn"
    std::optional<std::int64_t> value; // empty: this kernel does not have it (older, or built without)
};

// The names read, in this order: net.core.somaxconn (M1, M2), net.ipv4.tcp_max_syn_backlog (M6),
// tcp_syncookies (M4), tcp_synack_retries (M7), tcp_syn_retries and tcp_syn_linear_timeouts (M10, the
// latter new in 6.5), tcp_abort_on_overflow (M8), tcp_migrate_req (M15, new in 5.14).
const std::vector<std::string>& labSysctlNames();

// Each of labSysctlNames() read from `root` (/proc/sys, or a copy of its layout for tests): a missing
// file is an absent sysctl; a file that cannot be read or does not hold one integer is an error.
LabResult<std::vector<Sysctl>> readSysctls(std::string_view root = "/proc/sys");

// The value of `name` in `sysctls`, if it is there and present on this kernel.
std::optional<std::int64_t> sysctlValue(const std::vector<Sysctl>& sysctls, std::string_view name);

} // namespace backlog::lab
