// A segment's flight, as the History records it (DESIGN.md: every packet's send time, arrival, fate).
#pragma once

#include "model/core/Time.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace backlog {

// A flow is one connection attempt: a client's connect(), or one spoofed SYN of a flood.
using FlowId = std::uint32_t;
inline constexpr FlowId kSpoofedFlow = 0x8000'0000u;    // high bit: a flood's spoofed source
inline constexpr FlowId kUnroutableFlow = 0x4000'0000u; // spoofed from an address with no route back
inline bool isSpoofed(FlowId f) {
    return (f & kSpoofedFlow) != 0;
}
inline bool isUnroutable(FlowId f) {
    return (f & (kSpoofedFlow | kUnroutableFlow)) == (kSpoofedFlow | kUnroutableFlow);
}

// An IPv4 address and port, host order.
struct Endpoint {
    std::uint32_t address = 0;
    std::uint16_t port = 0;
};

// The source a spoofed SYN claims: a keyed function of (seed, flow), so a flood stores none of them.
Endpoint spoofedSource(std::uint64_t seed, FlowId flow);
std::string formatIpv4(std::uint32_t address); // "10.1.0.1"
std::string formatEndpoint(Endpoint e);        // "10.1.0.1:32768"

enum class PacketKind : std::uint8_t { Syn, SynAck, Ack, Data, Fin, Rst };

// What became of a segment. Every drop names the rule that dropped it.
enum class PacketFate : std::uint8_t {
    InFlight,
    Delivered,
    LostInNetwork,          // network.loss or a network.faults window
    Unanswered,             // a SYN-ACK sent to a spoofed address: nobody is there
    DroppedAcceptQueueFull, // S2: a SYN while the accept queue is full (ListenOverflows)
    DroppedSynQueueFull,    // S1 with tcp_syncookies=0 (TCPReqQFullDrop)
    DroppedSynBacklog,      // S5: the 3/4 rule of tcp_max_syn_backlog (ListenDrops only)
    DroppedNoRoute,         // M19/S4: no route back to a spoofed source
    DroppedAckQueueFull,    // A7a: the final ACK (or data) met a full accept queue; request kept
    DroppedCookieQueueFull, // K1: a valid cookie ACK met a full accept queue; no state kept
    DroppedRateLimited,     // A1: duplicate SYN inside tcp_invalid_ratelimit (TCPACKSkippedSynRecv)
    DroppedDuplicateSyn,    // A1: duplicate SYN answered by a SYN-ACK retransmission, then dropped
    DroppedNoSocket,        // reached a host with no socket for it (client already closed)
    Count_
};

std::string_view packetKindName(PacketKind k); // "SYN", "SYN-ACK", "ACK", "data", "FIN", "RST"
std::string_view packetFateName(PacketFate f); // "delivered", "dropped: accept queue full", ...

struct Packet {
    Time sent;
    Time arrives;
    FlowId flow = 0;
    PacketKind kind = PacketKind::Syn;
    bool toServer = true;
    bool cookie = false;       // a SYN-ACK carrying a SYN cookie, or the ACK that answers one
    std::uint8_t retrans = 0;  // 0: first transmission; n: the n-th retransmission
    std::uint8_t listener = 0; // the listener it was for (hashed at arrival for a SYN)
    PacketFate fate = PacketFate::InFlight;
};

} // namespace backlog
