// Where every byte of this output comes from (read in the sources, then checked against ss and nstat of
// iproute2-6.1.0 on a real kernel):
//
// ss, iproute2/iproute2 misc/ss.c:
//  * columns[]: header, alignment and left delimiter of each column. main() disables Netid when only one
//    table is dumped (-t) and State when the state filter holds a single state (-l asks for LISTEN and
//    CLOSE, -a for all), so both commands print State .. Process.
//  * sock_state_print(): the state name (sstate_name[]) and both queues as "%-6d".
//    sock_addr_print(): "address:" fills one column (right-aligned) and the port the next (left-aligned).
//  * out()/field_next()/field_flush(): one token per column and line, so the empty Process cell still pads.
//  * render_calc_width(): a column is as wide as its widest token plus its left delimiter (the first column
//    gets no delimiter). render_screen_width() returns -1 when stdout is not a terminal; ss then keeps these
//    widths ("compact output"). On a terminal it would also spread the spare screen width over the columns.
//    We print the compact form: what a pipe, a script or a file receives, independent of any window size.
//  * render(), print_left_spacing(), print_right_spacing(): delimiter, then padding on the aligned side.
//    Left-aligned cells are padded to the column width, so lines end in spaces.
//
// nstat, iproute2/iproute2 misc/nstat.c:
//  * dump_kern_db(): "#%s\n" with info_source "kernel", then "%-32s%-16llu%6.1f\n" per counter. -a dumps
//    absolute values (no history file); without an nstat daemon the rate is always 0, printed "   0.0".
//  * main() loads net/netstat, net/snmp6, net/snmp; load_ugly_table() prepends each file before the previous
//    ones while keeping the file's own field order, so /proc/net/snmp (Tcp*) comes out before
//    /proc/net/netstat (TcpExt*). The id is the line prefix glued to the field name ("TcpExt" + "TW").
//  * useless_numbers[]: TcpRtoAlgorithm, TcpRtoMin, TcpRtoMax, TcpMaxConn and TcpCurrEstab are never
//    printed, not even with -z. (So the kernel's fixed 1, 200, 120000, -1 never appear, and neither does the
//    TcpCurrEstab gauge; the model still keeps it for its own views.)
//
// Counter order, torvalds/linux net/ipv4/proc.c as of 6.12: snmp4_tcp_list[] (the "Tcp:" lines of
// /proc/net/snmp) and snmp4_net_list[] (the "TcpExt:" lines of /proc/net/netstat). 6.15 added TSEcrRejected,
// PAWSOldAck and PAWSTimewait after PAWSEstab, and 6.17 BeyondWindow; 6.12 has none of them.
#include "KernelTools.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <string_view>
#include <utility>

namespace backlog {

namespace {

enum class Align : std::uint8_t { Left, Right };

struct Column {
    Align align;
    std::string_view header;
    std::string_view delimiter; // printed before the cell unless the cell starts the line
};

// ss.c columns[] without the disabled Netid. The last, unnamed column (extended info, -e/-i/-m) is left out
// as well: it stays empty, so it is zero wide and prints nothing.
constexpr std::array kColumns{
    Column{Align::Left, "State", " "},  Column{Align::Left, "Recv-Q", " "},
    Column{Align::Left, "Send-Q", " "}, Column{Align::Right, "Local Address:", " "},
    Column{Align::Left, "Port", ""},    Column{Align::Right, "Peer Address:", " "},
    Column{Align::Left, "Port", ""},    Column{Align::Left, "Process", ""},
};

using Row = std::array<std::string, kColumns.size()>;

std::string padRight(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

// ss prints "address" + ":" as one token and the port as the next; an IPv6 address is bracketed ("[::]:80")
// or "*", so the port always follows the last colon.
std::pair<std::string, std::string> splitPort(const std::string& endpoint) {
    const auto colon = endpoint.rfind(':');
    if (colon == std::string::npos) return {endpoint, std::string()};
    return {endpoint.substr(0, colon + 1), endpoint.substr(colon + 1)};
}

Row ssRow(const SsSocket& s) {
    auto [localAddr, localPort] = splitPort(s.local);
    auto [peerAddr, peerPort] = splitPort(s.peer);
    return {std::string(ssStateName(s.state)),
            padRight(std::to_string(s.recvQ), 6),
            padRight(std::to_string(s.sendQ), 6),
            std::move(localAddr),
            std::move(localPort),
            std::move(peerAddr),
            std::move(peerPort),
            std::string()};
}

std::string renderSs(const std::vector<SsSocket>& sockets) {
    std::vector<Row> rows;
    rows.reserve(sockets.size() + 1);
    Row& header = rows.emplace_back();
    for (std::size_t c = 0; c < kColumns.size(); ++c)
        header[c] = kColumns[c].header;
    for (const SsSocket& s : sockets)
        rows.push_back(ssRow(s));

    std::array<std::size_t, kColumns.size()> width{};
    for (std::size_t c = 0; c < kColumns.size(); ++c) {
        std::size_t maxLen = 0;
        for (const Row& row : rows)
            maxLen = std::max(maxLen, row[c].size());
        width[c] = (c > 0 && maxLen > 0) ? maxLen + kColumns[c].delimiter.size() : maxLen;
    }

    std::string out;
    for (const Row& row : rows) {
        for (std::size_t c = 0; c < kColumns.size(); ++c) {
            std::size_t printed = 0;
            if (c > 0) {
                out += kColumns[c].delimiter;
                printed = kColumns[c].delimiter.size();
            }
            const std::string& cell = row[c];
            if (kColumns[c].align == Align::Right && width[c] > printed + cell.size()) {
                out.append(width[c] - printed - cell.size(), ' ');
                printed = width[c] - cell.size();
            }
            out += cell;
            printed += cell.size();
            if (kColumns[c].align == Align::Left && width[c] > printed) out.append(width[c] - printed, ' ');
        }
        out += '\n';
    }
    return out;
}

// The ids nstat builds from /proc, in /proc order (see the top of this file). Only the Tcp and TcpExt
// families: the output equals `nstat -az 'Tcp*'` (nstat's own fnmatch pattern, which keeps "#kernel" and,
// unlike `| grep Tcp`, leaves out MPTcpExt*).
// clang-format off
constexpr std::string_view kNstatOrder[] = {
    // /proc/net/snmp, snmp4_tcp_list[]
    "TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn", "TcpActiveOpens", "TcpPassiveOpens",
    "TcpAttemptFails", "TcpEstabResets", "TcpCurrEstab", "TcpInSegs", "TcpOutSegs", "TcpRetransSegs",
    "TcpInErrs", "TcpOutRsts", "TcpInCsumErrors",
    // /proc/net/netstat, snmp4_net_list[]
    "TcpExtSyncookiesSent", "TcpExtSyncookiesRecv", "TcpExtSyncookiesFailed", "TcpExtEmbryonicRsts",
    "TcpExtPruneCalled", "TcpExtRcvPruned", "TcpExtOfoPruned", "TcpExtOutOfWindowIcmps",
    "TcpExtLockDroppedIcmps", "TcpExtArpFilter", "TcpExtTW", "TcpExtTWRecycled", "TcpExtTWKilled",
    "TcpExtPAWSActive", "TcpExtPAWSEstab", "TcpExtDelayedACKs", "TcpExtDelayedACKLocked",
    "TcpExtDelayedACKLost", "TcpExtListenOverflows", "TcpExtListenDrops", "TcpExtTCPHPHits",
    "TcpExtTCPPureAcks", "TcpExtTCPHPAcks", "TcpExtTCPRenoRecovery", "TcpExtTCPSackRecovery",
    "TcpExtTCPSACKReneging", "TcpExtTCPSACKReorder", "TcpExtTCPRenoReorder", "TcpExtTCPTSReorder",
    "TcpExtTCPFullUndo", "TcpExtTCPPartialUndo", "TcpExtTCPDSACKUndo", "TcpExtTCPLossUndo",
    "TcpExtTCPLostRetransmit", "TcpExtTCPRenoFailures", "TcpExtTCPSackFailures", "TcpExtTCPLossFailures",
    "TcpExtTCPFastRetrans", "TcpExtTCPSlowStartRetrans", "TcpExtTCPTimeouts", "TcpExtTCPLossProbes",
    "TcpExtTCPLossProbeRecovery", "TcpExtTCPRenoRecoveryFail", "TcpExtTCPSackRecoveryFail",
    "TcpExtTCPRcvCollapsed", "TcpExtTCPBacklogCoalesce", "TcpExtTCPDSACKOldSent", "TcpExtTCPDSACKOfoSent",
    "TcpExtTCPDSACKRecv", "TcpExtTCPDSACKOfoRecv", "TcpExtTCPAbortOnData", "TcpExtTCPAbortOnClose",
    "TcpExtTCPAbortOnMemory", "TcpExtTCPAbortOnTimeout", "TcpExtTCPAbortOnLinger", "TcpExtTCPAbortFailed",
    "TcpExtTCPMemoryPressures", "TcpExtTCPMemoryPressuresChrono", "TcpExtTCPSACKDiscard",
    "TcpExtTCPDSACKIgnoredOld", "TcpExtTCPDSACKIgnoredNoUndo", "TcpExtTCPSpuriousRTOs",
    "TcpExtTCPMD5NotFound", "TcpExtTCPMD5Unexpected", "TcpExtTCPMD5Failure", "TcpExtTCPSackShifted",
    "TcpExtTCPSackMerged", "TcpExtTCPSackShiftFallback", "TcpExtTCPBacklogDrop", "TcpExtPFMemallocDrop",
    "TcpExtTCPMinTTLDrop", "TcpExtTCPDeferAcceptDrop", "TcpExtIPReversePathFilter",
    "TcpExtTCPTimeWaitOverflow", "TcpExtTCPReqQFullDoCookies", "TcpExtTCPReqQFullDrop",
    "TcpExtTCPRetransFail", "TcpExtTCPRcvCoalesce", "TcpExtTCPOFOQueue", "TcpExtTCPOFODrop",
    "TcpExtTCPOFOMerge", "TcpExtTCPChallengeACK", "TcpExtTCPSYNChallenge", "TcpExtTCPFastOpenActive",
    "TcpExtTCPFastOpenActiveFail", "TcpExtTCPFastOpenPassive", "TcpExtTCPFastOpenPassiveFail",
    "TcpExtTCPFastOpenListenOverflow", "TcpExtTCPFastOpenCookieReqd", "TcpExtTCPFastOpenBlackhole",
    "TcpExtTCPSpuriousRtxHostQueues", "TcpExtBusyPollRxPackets", "TcpExtTCPAutoCorking",
    "TcpExtTCPFromZeroWindowAdv", "TcpExtTCPToZeroWindowAdv", "TcpExtTCPWantZeroWindowAdv",
    "TcpExtTCPSynRetrans", "TcpExtTCPOrigDataSent", "TcpExtTCPHystartTrainDetect",
    "TcpExtTCPHystartTrainCwnd", "TcpExtTCPHystartDelayDetect", "TcpExtTCPHystartDelayCwnd",
    "TcpExtTCPACKSkippedSynRecv", "TcpExtTCPACKSkippedPAWS", "TcpExtTCPACKSkippedSeq",
    "TcpExtTCPACKSkippedFinWait2", "TcpExtTCPACKSkippedTimeWait", "TcpExtTCPACKSkippedChallenge",
    "TcpExtTCPWinProbe", "TcpExtTCPKeepAlive", "TcpExtTCPMTUPFail", "TcpExtTCPMTUPSuccess",
    "TcpExtTCPDelivered", "TcpExtTCPDeliveredCE", "TcpExtTCPAckCompressed", "TcpExtTCPZeroWindowDrop",
    "TcpExtTCPRcvQDrop", "TcpExtTCPWqueueTooBig", "TcpExtTCPFastOpenPassiveAltKey",
    "TcpExtTcpTimeoutRehash", "TcpExtTcpDuplicateDataRehash", "TcpExtTCPDSACKRecvSegs",
    "TcpExtTCPDSACKIgnoredDubious", "TcpExtTCPMigrateReqSuccess", "TcpExtTCPMigrateReqFailure",
    "TcpExtTCPPLBRehash", "TcpExtTCPAORequired", "TcpExtTCPAOBad", "TcpExtTCPAOKeyNotFound",
    "TcpExtTCPAOGood", "TcpExtTCPAODroppedIcmps",
};
// clang-format on

// nstat.c useless_numbers[] (the Tcp ones): constants and a gauge, whose deltas would mean nothing.
constexpr std::string_view kNstatUseless[] = {"TcpRtoAlgorithm", "TcpRtoMin", "TcpRtoMax", "TcpMaxConn",
                                              "TcpCurrEstab"};

} // namespace

std::string formatSsListening(const std::vector<SsSocket>& sockets) {
    std::vector<SsSocket> listeners;
    std::copy_if(sockets.begin(), sockets.end(), std::back_inserter(listeners),
                 [](const SsSocket& s) { return s.state == TcpState::Listen; });
    return renderSs(listeners);
}

std::string formatSsAll(const std::vector<SsSocket>& sockets) {
    // inet_diag dumps the listening hash before the established hash (which holds SYN-RECV requests,
    // children and TIME-WAIT), so listeners always come first; the rest keep the caller's order.
    std::vector<SsSocket> ordered = sockets;
    std::stable_partition(ordered.begin(), ordered.end(),
                          [](const SsSocket& s) { return s.state == TcpState::Listen; });
    return renderSs(ordered);
}

std::string formatNstat(const CounterValues& values) {
    std::string out = "#kernel\n";
    for (const std::string_view id : kNstatOrder) {
        if (std::find(std::begin(kNstatUseless), std::end(kNstatUseless), id) != std::end(kNstatUseless))
            continue;
        std::uint64_t value = 0; // counters the model does not move read 0, as on an idle host
        for (std::size_t i = 0; i < kCounterCount; ++i) {
            if (counterName(static_cast<Counter>(i)) == id) value = static_cast<std::uint64_t>(values[i]);
        }
        out += padRight(std::string(id), 32);
        out += padRight(std::to_string(value), 16);
        out += "   0.0\n"; // "%6.1f" of the rate, 0 without a daemon
    }
    return out;
}

} // namespace backlog
