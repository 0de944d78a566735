// The kernel's SNMP counters as nstat names them: /proc/net/netstat (TcpExt*, IpExt*, MPTcpExt*) and
// /proc/net/snmp (Ip*, Icmp*, Tcp*, Udp* …) of the current network namespace. KERNEL.md names counters
// this way too ("Counter notation", section 0): TcpExtListenOverflows, TcpExtListenDrops (M5, M16),
// TcpActiveOpens (M18). Counters are per network namespace, so read inside the lab's namespace they are
// that namespace's alone.
#pragma once

#include "app/lab/LabResult.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace backlog::lab {

// Counter name (nstat's: the line's prefix without its colon, then the field) → value. Values are signed
// because the kernel prints one gauge negative (Tcp MaxConn is -1); the others are unsigned longs that
// a machine does not push past 2^63 in practice, and one that did would be reported, not wrapped.
using KernelCounterValues = std::map<std::string, std::int64_t, std::less<>>;

// Parses the text of /proc/net/netstat or /proc/net/snmp: lines in pairs, a header "Prefix: Name1 Name2 …"
// then a value line "Prefix: 1 2 …" with the same prefix and as many fields. `source` names the text in
// errors ("/proc/net/netstat:3: …"). Malformed text (a header without its value line, another prefix,
// a field count that differs, a value that is not a decimal integer or does not fit in 64 bits, a name
// seen twice) gives an error naming the line; nothing is returned from such a text.
LabResult<KernelCounterValues> parseKernelCounters(std::string_view text, std::string_view source);

// Both files of the current network namespace (the calling process's: /proc/net is /proc/self/net),
// merged; nstat reads the same two.
LabResult<KernelCounterValues> readKernelCounters();

} // namespace backlog::lab
