#include "model/core/Packet.h"

#include "model/core/Rng.h"

namespace backlog {

Endpoint spoofedSource(std::uint64_t seed, FlowId flow) {
    const std::uint64_t m = mix64(seed ^ flow);
    return {static_cast<std::uint32_t>(m), static_cast<std::uint16_t>(1024 + (m >> 32) % 64511)};
}

std::string formatIpv4(std::uint32_t a) {
    return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xFF) + "." +
           std::to_string((a >> 8) & 0xFF) + "." + std::to_string(a & 0xFF);
}

std::string formatEndpoint(Endpoint e) {
    return formatIpv4(e.address) + ":" + std::to_string(e.port);
}

std::string_view packetKindName(PacketKind k) {
    switch (k) {
    case PacketKind::Syn:
        return "SYN";
    case PacketKind::SynAck:
        return "SYN-ACK";
    case PacketKind::Ack:
        return "ACK";
    case PacketKind::Data:
        return "data";
    case PacketKind::Fin:
        return "FIN";
    case PacketKind::Rst:
        return "RST";
    }
    return "?";
}

std::string_view packetFateName(PacketFate f) {
    switch (f) {
    case PacketFate::InFlight:
        return "in flight";
    case PacketFate::Delivered:
        return "delivered";
    case PacketFate::LostInNetwork:
        return "lost in the network";
    case PacketFate::Unanswered:
        return "sent to a spoofed address";
    case PacketFate::DroppedAcceptQueueFull:
        return "dropped: accept queue full";
    case PacketFate::DroppedSynQueueFull:
        return "dropped: SYN queue full";
    case PacketFate::DroppedSynBacklog:
        return "dropped: tcp_max_syn_backlog 3/4 rule";
    case PacketFate::DroppedNoRoute:
        return "dropped: no route to the source";
    case PacketFate::DroppedAckQueueFull:
        return "ACK dropped: accept queue full";
    case PacketFate::DroppedCookieQueueFull:
        return "cookie ACK dropped: accept queue full";
    case PacketFate::DroppedRateLimited:
        return "duplicate SYN ignored (rate limit)";
    case PacketFate::DroppedDuplicateSyn:
        return "duplicate SYN: SYN-ACK resent";
    case PacketFate::DroppedNoSocket:
        return "no socket: RST";
    case PacketFate::Count_:
        break;
    }
    return "?";
}

} // namespace backlog
