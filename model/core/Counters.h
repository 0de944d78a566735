// The SNMP counters the model moves, named exactly as nstat prints them (KERNEL.md section 4).
// Counters live per host (network namespace): the server's and the clients' are kept apart.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace backlog {

enum class Counter : std::uint8_t {
    // /proc/net/snmp (Tcp*)
    TcpActiveOpens,
    TcpPassiveOpens,
    TcpAttemptFails,
    TcpEstabResets,
    TcpCurrEstab, // a gauge: moves both ways
    TcpInSegs,
    TcpOutSegs,
    TcpRetransSegs,
    TcpOutRsts,
    // /proc/net/netstat (TcpExt*)
    TcpExtSyncookiesSent,
    TcpExtSyncookiesRecv,
    TcpExtSyncookiesFailed,
    TcpExtEmbryonicRsts,
    TcpExtListenOverflows,
    TcpExtListenDrops,
    TcpExtTCPLossProbes,
    TcpExtTCPTimeouts,
    TcpExtTCPSynRetrans,
    TcpExtTCPReqQFullDoCookies,
    TcpExtTCPReqQFullDrop,
    TcpExtTCPACKSkippedSynRecv,
    TcpExtTCPSYNChallenge,
    TcpExtTCPChallengeACK,
    TcpExtTCPMigrateReqSuccess,
    TcpExtTCPMigrateReqFailure,
    Count_
};

inline constexpr std::size_t kCounterCount = static_cast<std::size_t>(Counter::Count_);

std::string_view counterName(Counter c);

using CounterValues = std::array<std::int64_t, kCounterCount>;

inline std::int64_t get(const CounterValues& v, Counter c) {
    return v[static_cast<std::size_t>(c)];
}

} // namespace backlog
