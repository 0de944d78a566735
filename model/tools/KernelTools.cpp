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
//
// nstat without -a, misc/nstat.c: main() loads the history file (/tmp/.nstat.uUID, written by the previous
// run) and dump_incr_db() prints, per id, "%-32s%-16llu%6.1f%s\n": the value minus the history's, the rate,
// and " (overflow)" when the value went down (the increment then prints as 0). Ids whose increment and rate
// are both 0 are left out unless -z. The rate column is n->rate, which only nstat's daemon (`nstat -d SECS`)
// fills: update_db() sets it to the mean rate over a sampling interval (`rate = sample` once the interval
// reaches the time constant) and smooths it otherwise; without a daemon it is 0.0 and the header stays
// "#kernel". formatNstatIncrements() prints the mean rate over the interval between the two moments, the
// figure the column stands for (so the panel can show "SYN cookies per second over this step"), under the
// "#kernel" header a daemon-less run prints; an interval of 0 gives exactly the daemon-less 0.0.
//
// ss -s, misc/ss.c print_summary() (iproute2-6.1.0; the slabinfo fields of older releases are gone):
//   printf("TCP:   %d (estab %d, closed %d, orphaned %d, timewait %d)\n",
//          s.tcp_total + s.tcp_tws, tcp_estab, s.tcp_total - (s.tcp4_hashed + s.tcp6_hashed - s.tcp_tws),
//          s.tcp_orphans, s.tcp_tws);
// with get_sockstat_line() reading /proc/net/sockstat "TCP: inuse I orphan O tw T alloc A mem M" (and TCP6's
// inuse) and get_snmp_int() Tcp CurrEstab. So total = alloc + tw and closed = alloc - inuse + tw: a modern
// kernel leaves timewait socks out of inuse, and "closed" counts them again. Checked against ss -s on a
// 6.18 kernel: a listener, three connections, one closed by each side, one left in the queue
// ("TCP: inuse 6 orphan 0 tw 2 alloc 6" with one more listener on the host) print
// "TCP:   8 (estab 4, closed 2, orphaned 0, timewait 2)" (tst_kerneltools). What the kernel counts:
//  * inuse, sock_prot_inuse_add(): +1 when a full socket is hashed (listen(), connect(), a child in
//    tcp_v4_syn_recv_sock()), -1 when unhashed (tcp_done(), and the timewait handover in
//    inet_twsk_hashdance()). Request sockets are never counted.
//  * alloc, tcp_sockets_allocated: every full socket from creation to destruction.
//  * tw: the timewait socks, TIME-WAIT and the FIN-WAIT-2 of a closed socket (tcp_rcv_state_process()
//    turns an orphaned FIN-WAIT-1 that gets its ACK into a timewait sock with substate FIN-WAIT-2 when
//    tcp_fin_timeout is at most TCP_TIMEWAIT_LEN, as by default; ss still shows FIN-WAIT-2).
//  * orphan: sockets the application closed that still live as full sockets.
//  * CurrEstab, tcp_set_state(): ESTABLISHED and CLOSE-WAIT sockets (the capture above: 2 + 2 = estab 4).
// What the model cannot know: the Total line and the transport table of ss -s (unix, UDP and raw sockets,
// the ss process's own netlink socket), IPv6, and sockets the model keeps no record of. Orphans are exact
// only because the model's hosts leave ESTABLISHED through close() alone (no shutdown()); a reset child is
// counted as an allocated CLOSE socket while it waits in the accept queue, and no longer once accept() took
// it (the model does not record when the application closes a socket that is already CLOSE).
//
// The state counts are `ss -tan | awk 'NR>1 {print $1}' | sort | uniq -c`: coreutils uniq prints
// "%7jd " and the line. The states sort the same in the C and in glibc's en_US.UTF-8 collation (no two
// names differ first at a hyphen), so plain `sort` does.
//
// sysctl, procps-ng 4.0.2 (checked on a real host): `sysctl KEY…` prints "KEY = VALUE" a line in the order
// asked; a key whose /proc/sys file does not exist prints "sysctl: cannot stat /proc/sys/net/ipv4/KEY: No
// such file or directory" (on stderr, in the terminal between the others) and the rest still print.
//
// The kprobe log. The course's observe.py (shared/course 002) attaches BCC to tcp_conn_request and calls
// bpf_trace_printk with the listener's sk_ack_backlog, then BPF.trace_print(), which prints each line of
// /sys/kernel/tracing/trace_pipe as it reads it. A line is kernel/trace/trace_output.c
// trace_print_context(): "%16s-%-7d " (comm, pid), "[%03d] " (CPU), trace_print_lat_fmt()'s five flags
// (irqs-off, need-resched, hard/softirq, preempt depth, migrate-disable depth: 6.x), " %5lu.%06lu" (the
// trace clock, seconds and microseconds), ": ", then the event: "bpf_trace_printk: " and the message. The
// program we print for hooks the three places the queues change:
//  * tcp_conn_request(): every SYN that reaches a listener (tcp_v4_conn_request), dropped ones included; a
//    SYN for a request or child that exists goes elsewhere (tcp_check_req) and is not seen;
//  * inet_csk_reqsk_queue_add(): a child joins the accept queue (inet_csk_complete_hashdance() at the
//    handshake's last ACK, tcp_get_cookie_sock() for a cookie, inet_csk_listen_stop() migrating);
//  * inet_csk_accept(): accept() takes the head of the queue. Its kprobe fires when accept() is called, so
//    the program reads the queue on return, like a kretprobe that saved the listener at entry.
// Each line carries three of the listener's fields after the call (bpf_trace_printk takes three
// arguments): sk_ack_backlog, sk_max_ack_backlog and icsk_accept_queue.qlen (the request sockets, the SYN
// queue). tcp_conn_request() leaves sk_ack_backlog as it found it (the course's entry kprobe reads the same
// value), but adds its request to qlen, which an entry kprobe would see one short. The format string:
//   bpf_trace_printk("tcp_conn_request: sk_ack_backlog=%u sk_max_ack_backlog=%u qlen=%d", …)
// For a group of SO_REUSEPORT listeners a fourth, the model's listener number, is added ("listener=N",
// which 5.16's bpf_trace_vprintk allows; a real program would print something naming the socket, such as
// its inode). Honest placeholders, since the model has no processes or CPUs: the softirq that runs
// tcp_conn_request() and inet_csk_reqsk_queue_add() on an idle server shows as "<idle>-0" with flags
// "..s2." (softirq, preempt depth 2), the application calling accept() as "server-1000" with "...11"
// (process context, preempt and migrate-disable depth 1, as published 6.x traces of probes in process
// context show them), all on CPU 000. The clock is the run's time (as dmesg's is: the run starts at boot).
// The values are the listener's at the end of the call's nanosecond (History keeps one length record per
// listener and nanosecond); two calls on one listener in the same nanosecond therefore both show the second's
// result, which the model's events (a wake-up takes 10 us) make rare.
//
// The wake-up log is a second program of the same kind, for M20's question "who was woken, and what came of
// it": one line per wake-up a worker got, when its outcome was known, with the worker's number (the model
// has no threads; a real program would print the woken task's pid) and the outcome: accepted (accept()
// returned a connection), slept_again (futile: epoll_wait() or accept() re-checked the listener inside the
// kernel, found the queue empty and slept again, P3), or EAGAIN (futile: it returned to user space and
// accept() said EAGAIN). Every line is in process context, as the accept() lines are.
#include "model/tools/KernelTools.h"

#include "model/history/History.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/Settings.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <iterator>
#include <map>
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

bool isNstatUseless(std::string_view id) {
    return std::find(std::begin(kNstatUseless), std::end(kNstatUseless), id) != std::end(kNstatUseless);
}

// The value nstat would read for an id; counters the model does not move read 0, as on an idle host.
std::uint64_t nstatValue(const CounterValues& values, std::string_view id) {
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        if (counterName(static_cast<Counter>(i)) == id) return static_cast<std::uint64_t>(values[i]);
    }
    return 0;
}

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
        if (isNstatUseless(id)) continue;
        out += padRight(std::string(id), 32);
        out += padRight(std::to_string(nstatValue(values, id)), 16);
        out += "   0.0\n"; // "%6.1f" of the rate, 0 without a daemon
    }
    return out;
}

const std::vector<Counter>& nstatCounters() {
    static const std::vector<Counter> counters = [] {
        std::vector<Counter> out;
        for (const std::string_view id : kNstatOrder) {
            if (isNstatUseless(id)) continue;
            for (std::size_t i = 0; i < kCounterCount; ++i)
                if (counterName(static_cast<Counter>(i)) == id) out.push_back(static_cast<Counter>(i));
        }
        return out;
    }();
    return counters;
}

std::string formatNstatIncrements(const CounterValues& now, const CounterValues& before, Time interval,
                                  bool zeros) {
    std::string out = "#kernel\n";
    for (const std::string_view id : kNstatOrder) {
        if (isNstatUseless(id)) continue;
        const std::uint64_t value = nstatValue(now, id);
        const std::uint64_t previous = nstatValue(before, id);
        const bool overflow = value < previous; // dump_incr_db(): the increment then prints as 0
        const std::uint64_t increment = overflow ? 0 : value - previous;
        const double rate = interval > Time()
                                ? static_cast<double>(increment) * 1e9 / static_cast<double>(interval.count())
                                : 0.0;
        if (!zeros && increment == 0 && !(rate > 0.0)) continue;
        // "%6.1f": to_chars rounds the exact value of the double to nearest, ties to even, as glibc's printf
        // does, and does so on every platform (6.25 prints 6.2).
        std::array<char, 64> rateText{};
        const auto written = std::to_chars(rateText.data(), rateText.data() + rateText.size(), rate,
                                           std::chars_format::fixed, 1);
        const std::string rateField(rateText.data(), written.ptr);
        out += padRight(std::string(id), 32);
        out += padRight(std::to_string(increment), 16);
        out += std::string(rateField.size() < 6 ? 6 - rateField.size() : 0, ' ') + rateField;
        if (overflow) out += " (overflow)";
        out += '\n';
    }
    return out;
}

// ---- ss -s and state counts -------------------------------------------------------------------------------

TcpSockstat tcpSockstat(const std::vector<SsSocket>& sockets, std::int64_t closedHeld) {
    TcpSockstat s;
    for (const SsSocket& socket : sockets) {
        switch (socket.state) {
        case TcpState::Listen:
        case TcpState::SynSent: // hashed by connect()
            ++s.alloc;
            ++s.inuse;
            break;
        case TcpState::Established:
        case TcpState::CloseWait:
            ++s.alloc;
            ++s.inuse;
            ++s.currEstab;
            break;
        case TcpState::FinWait1:
        case TcpState::LastAck:
        case TcpState::Closing:
            ++s.alloc;
            ++s.inuse;
            ++s.orphan; // close() got it here (see the top of this file)
            break;
        case TcpState::FinWait2:
        case TcpState::TimeWait:
            ++s.tw; // timewait socks: neither allocated full sockets nor hashed ones
            break;
        case TcpState::SynRecv:
            break; // a request socket, not a socket
        case TcpState::Closed:
            ++s.alloc; // unhashed, still held
            break;
        }
    }
    s.alloc += closedHeld;
    return s;
}

std::string formatSsSummaryTcp(const TcpSockstat& s) {
    return "TCP:   " + std::to_string(s.alloc + s.tw) + " (estab " + std::to_string(s.currEstab) +
           ", closed " + std::to_string(s.alloc - (s.inuse - s.tw)) + ", orphaned " +
           std::to_string(s.orphan) + ", timewait " + std::to_string(s.tw) + ")\n";
}

std::string formatStateCounts(const std::vector<SsSocket>& sockets) {
    std::map<std::string, std::int64_t, std::less<>> counts; // sorted bytewise, as `sort` sorts these
    for (const SsSocket& socket : sockets)
        ++counts[std::string(ssStateName(socket.state))];
    std::string out;
    for (const auto& [state, n] : counts) {
        const std::string count = std::to_string(n);
        out += std::string(count.size() < 7 ? 7 - count.size() : 0, ' ') + count + ' ' + state + '\n';
    }
    return out;
}

TcpSockstat tcpSockstatAt(const Simulation& sim, Time t) {
    const History& h = sim.history();
    std::int64_t closedHeld = 0;
    for (std::size_t l = 0; l < h.listeners.size(); ++l) {
        for (const QueueEntry& e : h.queueAt(static_cast<int>(l), QueueKind::Accept, t)) {
            if (!isSpoofed(e.flow) && h.serverStateAt(e.flow, t) == TcpState::Closed) ++closedHeld; // D4
        }
    }
    return tcpSockstat(sim.ssAll(t), closedHeld);
}

// ---- sysctl -----------------------------------------------------------------------------------------------

namespace {

struct SysctlField {
    std::string_view name;
    std::int64_t (*read)(const KernelSettings&);
    bool (*exists)(const KernelProfile&); // nullptr: every profile has it
};

// The sysctls of the scenario vocabulary (Settings.cpp makeScenarioKeys()), with the profiles that have
// them; tst_kerneltools checks that every net.* key of settingKeys() is here.
const std::array<SysctlField, 8>& sysctlFields() {
    static const std::array<SysctlField, 8> fields{{
        {"net.core.somaxconn", [](const KernelSettings& k) { return k.somaxconn; }, nullptr},
        {"net.ipv4.tcp_max_syn_backlog", [](const KernelSettings& k) { return k.tcpMaxSynBacklog; }, nullptr},
        {"net.ipv4.tcp_syncookies", [](const KernelSettings& k) -> std::int64_t { return k.tcpSyncookies; },
         nullptr},
        {"net.ipv4.tcp_synack_retries",
         [](const KernelSettings& k) -> std::int64_t { return k.tcpSynackRetries; }, nullptr},
        {"net.ipv4.tcp_syn_retries", [](const KernelSettings& k) -> std::int64_t { return k.tcpSynRetries; },
         nullptr},
        {"net.ipv4.tcp_syn_linear_timeouts",
         [](const KernelSettings& k) -> std::int64_t { return k.tcpSynLinearTimeouts; },
         [](const KernelProfile& p) { return p.hasLinearSynTimeouts; }},
        {"net.ipv4.tcp_abort_on_overflow",
         [](const KernelSettings& k) -> std::int64_t { return k.tcpAbortOnOverflow; }, nullptr},
        {"net.ipv4.tcp_migrate_req", [](const KernelSettings& k) -> std::int64_t { return k.tcpMigrateReq; },
         [](const KernelProfile& p) { return p.hasMigrateReq; }},
    }};
    return fields;
}

// The scenario's timed changes in the order the run applies them: by time, then as they were added
// (pushIntervention in model/kernel/Engine.cpp numbers them in that order).
std::vector<const Intervention*> eventsInOrder(const Scenario& scenario) {
    std::vector<const Intervention*> events;
    events.reserve(scenario.events.size());
    for (const Intervention& e : scenario.events)
        events.push_back(&e);
    std::stable_sort(events.begin(), events.end(),
                     [](const Intervention* a, const Intervention* b) { return a->at < b->at; });
    return events;
}

bool isSettingChange(const Intervention& e) {
    return e.key != "close-listener" && e.key != "start-traffic";
}

} // namespace

Scenario settingsAt(const Scenario& scenario, Time t) {
    Scenario live = scenario;
    for (const Intervention* e : eventsInOrder(scenario)) {
        if (e->at > t) break;
        // intervene() (model/kernel/Intervention.cpp) applies the same way; a change the run refused changes
        // nothing here either.
        if (isSettingChange(*e)) static_cast<void>(applySetting(live, e->key, e->value));
    }
    return live;
}

KernelSettings kernelSettingsAt(const Scenario& scenario, Time t) {
    return settingsAt(scenario, t).kernel;
}

std::vector<SysctlValue> sysctlValues(const KernelSettings& kernel) {
    std::vector<SysctlValue> out;
    for (const std::string& key : settingKeys()) {
        for (const SysctlField& field : sysctlFields()) {
            if (field.name != key) continue;
            SysctlValue v{key, std::nullopt};
            if (!field.exists || field.exists(kernel.profile)) v.value = field.read(kernel);
            out.push_back(std::move(v));
        }
    }
    return out;
}

std::string sysctlCommand(const std::vector<SysctlValue>& values) {
    std::string out = "sysctl";
    for (const SysctlValue& v : values)
        out += " " + v.name;
    return out;
}

std::string formatSysctl(const std::vector<SysctlValue>& values) {
    std::string out;
    for (const SysctlValue& v : values) {
        if (v.value) {
            out += v.name + " = " + std::to_string(*v.value) + "\n";
        } else {
            std::string path = v.name;
            std::replace(path.begin(), path.end(), '.', '/');
            out += "sysctl: cannot stat /proc/sys/" + path + ": No such file or directory\n";
        }
    }
    return out;
}

// ---- kprobes ----------------------------------------------------------------------------------------------

std::string_view kernelProbeName(KernelProbe p) {
    switch (p) {
    case KernelProbe::TcpConnRequest:
        return "tcp_conn_request";
    case KernelProbe::InetCskReqskQueueAdd:
        return "inet_csk_reqsk_queue_add";
    case KernelProbe::InetCskAccept:
        return "inet_csk_accept";
    }
    return "?";
}

namespace {

// The fates of a SYN that tcp_conn_request() handled (connRequest, model/kernel/ListenSocket.cpp): answered
// (a request or a cookie), or dropped by one of its checks (S1, S2, S4/M19, S5). A SYN for an existing
// request or child (A1) and a SYN with no listener never get there.
bool reachedConnRequest(PacketFate f) {
    switch (f) {
    case PacketFate::Delivered:
    case PacketFate::DroppedAcceptQueueFull:
    case PacketFate::DroppedSynQueueFull:
    case PacketFate::DroppedSynBacklog:
    case PacketFate::DroppedNoRoute:
        return true;
    default:
        return false;
    }
}

// The longest one-way flight a packet of the run can have: rtt/2 plus the whole jitter (send(),
// model/kernel/Network.cpp), under every network setting the run passes through.
Time longestFlight(const Scenario& scenario) {
    Scenario live = scenario;
    Time longest = live.network.rtt / 2 + live.network.jitter;
    for (const Intervention* e : eventsInOrder(scenario)) {
        if (!e->key.starts_with("network.")) continue;
        static_cast<void>(applySetting(live, e->key, e->value));
        longest = std::max(longest, live.network.rtt / 2 + live.network.jitter);
    }
    return longest;
}

std::uint32_t firstEnteredAtOrAfter(const StayTrack& track, Time at) {
    std::size_t lo = 0;
    std::size_t hi = track.size();
    while (lo < hi) {
        const std::size_t mid = lo + (hi - lo) / 2;
        if (track.entry(static_cast<std::uint32_t>(mid)).entered < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return static_cast<std::uint32_t>(lo);
}

struct Hit {
    Time at;
    KernelProbe probe;
    int listener;
    std::uint64_t order; // within one nanosecond: packets in arrival processing order, then the queues
};

// Appends every probe hit in [from, to].
void appendHits(const History& h, Time from, Time to, Time flight, std::vector<Hit>& hits) {
    const Time sentFrom = std::max(Time(), from - flight);
    const auto [first, last] = h.packetsSentIn(sentFrom, to);
    for (std::uint32_t i = first; i < last; ++i) {
        const Packet p = h.packet(i);
        if (!p.toServer || p.kind != PacketKind::Syn || p.arrives < from || p.arrives > to) continue;
        if (!reachedConnRequest(p.fate) || static_cast<std::size_t>(p.listener) >= h.queues.size()) continue;
        hits.push_back({p.arrives, KernelProbe::TcpConnRequest, p.listener, i});
    }
    for (std::size_t l = 0; l < h.queues.size(); ++l) {
        const StayTrack& accept = h.queues[l][static_cast<std::size_t>(QueueKind::Accept)];
        const int listener = static_cast<int>(l);
        const auto consider = [&](std::uint32_t stay) {
            const QueueEntry e = accept.entry(stay);
            const std::uint64_t order = (std::uint64_t{1} << 40) + stay;
            if (e.entered >= from && e.entered <= to)
                hits.push_back({e.entered, KernelProbe::InetCskReqskQueueAdd, listener, order});
            if (e.reason == LeaveReason::Accepted && !e.left.isNever() && e.left >= from && e.left <= to)
                hits.push_back(
                    {e.left, KernelProbe::InetCskAccept, listener, order + (std::uint64_t{1} << 39)});
        };
        // Stays that entered before the window and leave in it, then those entering in it.
        if (from > Time())
            for (std::uint32_t stay : accept.at(from - Time::ns(1)))
                consider(stay);
        for (std::uint32_t stay = firstEnteredAtOrAfter(accept, from);
             stay < accept.size() && accept.entry(stay).entered <= to; ++stay)
            consider(stay);
    }
}

std::string padLeft(const std::string& s, std::size_t width) {
    return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

} // namespace

std::vector<ProbeHit> probeHitsAt(const Simulation& sim, Time t, std::size_t limit) {
    const History& h = sim.history();
    if (limit == 0 || t < Time()) return {};
    const Time flight = longestFlight(sim.scenario());
    // Look back from t in stretches of ever more packets (1024 sent, then 4096 before those, …) until they
    // hold `limit` hits or reach the start. A stretch is measured in packets, not time, so a flood is read a
    // few milliseconds back, a quiet minute after it costs nothing, and no stretch is read twice. (Every hit
    // but an accept() comes with a packet's arrival, and accept() takes what such an arrival queued.)
    std::vector<Hit> hits;
    Time to = t;
    for (std::size_t back = 1024;; back *= 4) {
        const std::uint32_t sent = h.packetsSentIn(Time(), to).second; // packets sent up to `to`
        const Time from = sent <= back ? Time() : h.packet(sent - static_cast<std::uint32_t>(back)).sent;
        appendHits(h, from, to, flight, hits);
        if (hits.size() >= limit || from == Time()) break;
        to = from - Time::ns(1);
    }
    std::sort(hits.begin(), hits.end(),
              [](const Hit& a, const Hit& b) { return a.at != b.at ? a.at < b.at : a.order < b.order; });
    if (hits.size() > limit) hits.erase(hits.begin(), hits.end() - static_cast<std::ptrdiff_t>(limit));
    std::vector<ProbeHit> out;
    out.reserve(hits.size());
    for (const Hit& hit : hits) {
        const QueueLengths q = h.queueLengthsAt(hit.listener, hit.at);
        out.push_back(
            {hit.at, hit.probe, hit.listener, q.accept, h.maxBacklogAt(hit.listener, hit.at), q.syn});
    }
    return out;
}

std::string formatTracePipe(const std::vector<ProbeHit>& hits, bool withListener) {
    std::string out;
    for (const ProbeHit& hit : hits) {
        const bool softirq = hit.probe != KernelProbe::InetCskAccept;
        const std::int64_t us = hit.at.count() / 1000; // ns2usecs() truncates
        const std::string micros = std::to_string(us % 1'000'000);
        out += padLeft(softirq ? "<idle>" : "server", 16) + '-' + padRight(softirq ? "0" : "1000", 7) +
               " [000] " + (softirq ? "..s2." : "...11") + ' ' + padLeft(std::to_string(us / 1'000'000), 5) +
               '.' + std::string(6 - micros.size(), '0') + micros +
               ": bpf_trace_printk: " + std::string(kernelProbeName(hit.probe)) + ": ";
        if (withListener) out += "listener=" + std::to_string(hit.listener) + ' ';
        out += "sk_ack_backlog=" + std::to_string(hit.ackBacklog) +
               " sk_max_ack_backlog=" + std::to_string(hit.maxAckBacklog) +
               " qlen=" + std::to_string(hit.qlen) + '\n';
    }
    return out;
}

// ---- wake-ups ---------------------------------------------------------------------------------------------

std::string_view wakeupOutcomeName(WakeupOutcome o) {
    switch (o) {
    case WakeupOutcome::Accepted:
        return "accepted";
    case WakeupOutcome::SleptAgain:
        return "slept_again";
    case WakeupOutcome::Eagain:
        return "EAGAIN";
    }
    return "?";
}

std::vector<WakeupHit> wakeupHitsAt(const Simulation& sim, Time t, std::size_t limit) {
    const History& h = sim.history();
    std::vector<WakeupHit> hits;
    if (limit == 0 || t < Time()) return hits;
    const auto upTo = [t](const std::vector<Time>& v) { return std::upper_bound(v.begin(), v.end(), t); };
    for (std::size_t w = 0; w < h.workers.size(); ++w) {
        const WorkerRecord& r = h.workers[w];
        const auto end = upTo(r.wakeups);
        const auto begin =
            end - std::min<std::ptrdiff_t>(end - r.wakeups.begin(), static_cast<std::ptrdiff_t>(limit));
        if (begin == end) continue;
        // `futile` and `eagain` hold the same moments as the wake-ups they describe (WorkerRecord), so one
        // walk in time order through the three matches them.
        auto futile = std::lower_bound(r.futile.begin(), r.futile.end(), *begin);
        auto eagain = std::lower_bound(r.eagain.begin(), r.eagain.end(), *begin);
        for (auto it = begin; it != end; ++it) {
            WakeupOutcome outcome = WakeupOutcome::Accepted;
            if (futile != r.futile.end() && *futile == *it) {
                ++futile;
                outcome = WakeupOutcome::SleptAgain;
                if (eagain != r.eagain.end() && *eagain == *it) {
                    ++eagain;
                    outcome = WakeupOutcome::Eagain;
                }
            }
            hits.push_back({*it, static_cast<int>(w), r.listener, outcome});
        }
    }
    std::stable_sort(hits.begin(), hits.end(),
                     [](const WakeupHit& a, const WakeupHit& b) { return a.at < b.at; });
    if (hits.size() > limit) hits.erase(hits.begin(), hits.end() - static_cast<std::ptrdiff_t>(limit));
    return hits;
}

std::string formatWakeupTrace(const std::vector<WakeupHit>& hits, bool withListener) {
    std::string out;
    for (const WakeupHit& hit : hits) {
        const std::int64_t us = hit.at.count() / 1000; // ns2usecs() truncates
        const std::string micros = std::to_string(us % 1'000'000);
        out += padLeft("server", 16) + '-' + padRight("1000", 7) + " [000] ...11 " +
               padLeft(std::to_string(us / 1'000'000), 5) + '.' + std::string(6 - micros.size(), '0') +
               micros + ": bpf_trace_printk: wakeup: ";
        if (withListener) out += "listener=" + std::to_string(hit.listener) + ' ';
        out += "worker=" + std::to_string(hit.worker) +
               " outcome=" + std::string(wakeupOutcomeName(hit.outcome)) + '\n';
    }
    return out;
}

} // namespace backlog
