// A scenario's network.faults on the real kernel (issue 14: "held-back ACKs and data (faults) through a
// socket filter on the listener"): an eBPF socket filter (BPF_PROG_TYPE_SOCKET_FILTER, assembled here by
// hand, no libbpf) that drops, while CLOCK_MONOTONIC is inside a fault's window, the segments of its kind.
//
//  - The server's side goes on the listeners; the children accept() returns inherit the filter when the
//    kernel clones them (sk_clone_lock), so a segment to an established connection is filtered too. It
//    drops what reaches the server: SYNs (`syn`), pure ACKs (`client-acks`), segments with data (`data`)
//    or everything (`all`) from the fault's entry's source address, or from anyone when `of` is empty
//    (spoofed sources too, as model/kernel/Network.cpp faultDrops() has it).
//  - The client's side goes on each client socket of the entry (every entry when `of` is empty) before
//    connect(): it drops what reaches the client: SYN-ACKs (`syn-ack`), segments with data (`data`), or
//    everything (`all`).
//
// The kinds are those of MeasuredRun's reading of a captured segment: an RST is never a SYN-ACK, a segment
// with SYN, FIN or RST is neither a pure ACK nor data. A named fault of a flood drops nothing (the model's
// rule: a named fault applies to that entry's real clients only).
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"
#include "model/scenario/Scenario.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace backlog::lab {

// One rule of a filter: drop segments of `kind` from `source` (0: any) while
// from <= CLOCK_MONOTONIC < to (absolute nanoseconds, as bpf_ktime_get_ns() reads it).
struct FilterRule {
    SegmentKind kind = SegmentKind::All;
    std::uint32_t source = 0; // IPv4, host order; 0: any
    std::uint64_t from = 0, to = 0;
};

// Which side of the connection a filter is attached to: the kinds it can see are those that side receives.
enum class FilterSide { Server, Client };

// The eBPF instructions of a filter (struct bpf_insn, 8 bytes each), for the tests: rules of a kind the
// side never receives (a SYN-ACK at the server) are left out.
std::vector<std::uint64_t> assembleFilter(FilterSide side, const std::vector<FilterRule>& rules);

// A loaded program (its file descriptor, closed with it). Loading needs CAP_BPF or CAP_SYS_ADMIN in the
// initial user namespace, or kernel.unprivileged_bpf_disabled = 0: the error says why in words (with the
// verifier's log when it refused the program).
class SocketFilter {
  public:
    static LabResult<SocketFilter> load(FilterSide side, const std::vector<FilterRule>& rules);
    SocketFilter(SocketFilter&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    SocketFilter& operator=(SocketFilter&& o) noexcept;
    SocketFilter(const SocketFilter&) = delete;
    SocketFilter& operator=(const SocketFilter&) = delete;
    ~SocketFilter();
    // SO_ATTACH_BPF on a socket. Empty, or why not.
    std::string attach(int socketFd) const;
    int fd() const { return fd_; }

  private:
    explicit SocketFilter(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// The faults of a scenario made into filters for one experiment: `entryAddress(i)` is the source address
// of traffic entry i (Experiment.cpp), `clock` the experiment's epoch.
struct LabFaultFilters {
    std::optional<SocketFilter> server;                     // for the listeners (none: no server rule)
    std::vector<std::optional<SocketFilter>> clientByEntry; // per traffic entry (none: no client rule)
    std::vector<int> reproduced; // indices of network.faults that are in a loaded filter
    std::vector<std::string> warnings;
};
LabFaultFilters loadFaultFilters(const Scenario& sc, const LabClock& clock,
                                 const std::vector<std::uint32_t>& entryAddresses);

} // namespace backlog::lab
