#include "model/core/Counters.h"

namespace backlog {

namespace {

// Indexed by Counter. The enumerators are spelled as nstat prints the counters, so each name is simply the
// enumerator's own spelling; KernelTools looks counters up by these names to place them in nstat's output.
constexpr std::array<std::string_view, kCounterCount> kNames{
    "TcpActiveOpens",
    "TcpPassiveOpens",
    "TcpAttemptFails",
    "TcpEstabResets",
    "TcpCurrEstab",
    "TcpInSegs",
    "TcpOutSegs",
    "TcpRetransSegs",
    "TcpOutRsts",
    "TcpExtSyncookiesSent",
    "TcpExtSyncookiesRecv",
    "TcpExtSyncookiesFailed",
    "TcpExtEmbryonicRsts",
    "TcpExtListenOverflows",
    "TcpExtListenDrops",
    "TcpExtTCPLossProbes",
    "TcpExtTCPTimeouts",
    "TcpExtTCPSynRetrans",
    "TcpExtTCPReqQFullDoCookies",
    "TcpExtTCPReqQFullDrop",
    "TcpExtTCPACKSkippedSynRecv",
    "TcpExtTCPSYNChallenge",
    "TcpExtTCPChallengeACK",
    "TcpExtTCPMigrateReqSuccess",
    "TcpExtTCPMigrateReqFailure",
};

// A new enumerator without a name here would leave an empty string_view at the end of the array.
static_assert(!kNames.back().empty(), "every Counter needs its nstat name");

} // namespace

std::string_view counterName(Counter c) {
    const auto i = static_cast<std::size_t>(c);
    return i < kNames.size() ? kNames[i] : std::string_view{};
}

} // namespace backlog
