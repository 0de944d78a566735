// Spoofed SYNs for the lab's SYN-flood experiments (issue 14, KERNEL.md M19 and T1): IPv4+TCP packets
// built here with their checksums and sent from a raw socket (IPPROTO_RAW: the header is ours) with
// source addresses drawn from a prefix. Whether the listener keeps a request for them depends on the
// prefix: LabNetwork.h routes 10.0.0.0/8 into a black hole (a request, SYN-ACKs that nobody answers) and
// leaves 172.16.0.0/12 without a route (no request, only ListenDrops counts the SYN). Sending refuses to
// run in the host's namespace (refuseHostNamespace()): spoofed packets belong inside the lab's own.
#pragma once

#include "app/lab/LabNetwork.h"
#include "app/lab/LabResult.h"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>

namespace backlog::lab {

// The Internet checksum (RFC 1071) of `size` bytes: the ones' complement of their ones' complement sum
// as 16-bit big-endian words, an odd last byte padded with zero. Over a header whose checksum field is
// already filled in, it is 0.
std::uint16_t internetChecksum(const unsigned char* data, std::size_t size);

struct SynFields {
    std::uint32_t source = 0, destination = 0; // host order
    std::uint16_t sourcePort = 0, destinationPort = 0;
    std::uint32_t seq = 0;
};

// IPv4 header (20 bytes, DF, TTL 64, identification from seq) and TCP header (24 bytes: SYN, window
// 64240, one option, MSS 1460, as a real client's SYN carries), both checksums filled in; the TCP one
// covers the pseudo-header (source, destination, protocol, TCP length), so the kernel accepts the SYN
// (it checks: a wrong sum counts TcpInCsumErrors and is dropped, measured on lo).
constexpr std::size_t synPacketSize = 44;
using SynPacket = std::array<unsigned char, synPacketSize>;
SynPacket buildSyn(const SynFields& fields);

// The spoofed SYNs of a flood: a source address uniform in `prefix` (not its network or broadcast
// address when it has them), a source port from 1024 to 65535, a random sequence number. Only
// mt19937_64's own output is used (no std distribution, whose results differ between standard
// libraries), so a seed gives the same SYNs everywhere.
class SpoofedSources {
  public:
    SpoofedSources(Ipv4Prefix prefix, std::uint64_t seed) : prefix_(prefix), random_(seed) {}
    SynFields next(std::uint32_t destination, std::uint16_t destinationPort);

  private:
    Ipv4Prefix prefix_;
    std::mt19937_64 random_;
};

struct FloodOptions {
    std::uint32_t destination = labServerAddress;
    std::uint16_t destinationPort = 0;
    Ipv4Prefix sources = routableSpoofedSources;
    std::uint32_t ratePerSecond = 1000;    // 1 to 10,000,000
    std::chrono::milliseconds duration{1}; // up to an hour
    std::uint64_t maxCount = 0;            // never more than this many SYNs, whatever rate × duration says
    std::uint64_t seed = 1;
};

struct FloodResult {
    std::uint64_t sent = 0;
    std::uint64_t failed = 0; // sends that found no room (ENOBUFS, EAGAIN): a flood rides over them
    std::string firstFailure; // the first of those, in words
    std::int64_t elapsed = 0; // ns from the first send to the end
};

// Sends SYN i (from 0) at i / ratePerSecond seconds after the start, for i below both maxCount and
// ratePerSecond × duration, in batches: every millisecond, all that are due, then clock_nanosleep until
// the next millisecond (CLOCK_MONOTONIC, absolute, so the pace does not drift). A sender that falls
// behind catches up in its next batch, and gives up one second after `duration`. A send refused
// outright (EPERM …) ends the flood with an error; the host's namespace is refused before anything is sent.
LabResult<FloodResult> sendFlood(const FloodOptions& options);

} // namespace backlog::lab
