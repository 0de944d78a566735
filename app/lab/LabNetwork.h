// The addressing of the experiment's network namespace (issue 14), set up with rtnetlink messages built
// here (no `ip` command): the server's and the clients' addresses on lo, and a "black hole" for spoofed
// sources. KERNEL.md M19: a spoofed SYN creates a request only if the SYN-ACK has a route back, so the
// lab needs two kinds of source: routable ones (10.0.0.0/8 here), whose SYN-ACKs leave through a veth
// and are never answered, as a real spoofed source's are; and unroutable ones (172.16.0.0/12), which
// have no route at all. Every function here changes interfaces, so each refuses to run in the namespace
// of process 1 (the host's): only in a namespace the lab made for itself (Namespace.h).
#pragma once

#include "app/lab/LabResult.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <netinet/in.h>

namespace backlog::lab {

// An IPv4 address in host order from its four bytes: ipv4Address(192, 0, 2, 1).
constexpr std::uint32_t ipv4Address(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return std::uint32_t{a} << 24 | std::uint32_t{b} << 16 | std::uint32_t{c} << 8 | d;
}

// "192.0.2.1" for an address in host order.
std::string ipv4Text(std::uint32_t address);
// The socket address of an IPv4 address and port given in host order.
sockaddr_in ipv4Endpoint(std::uint32_t address, std::uint16_t port);

struct Ipv4Prefix {
    std::uint32_t network = 0; // host order
    int length = 32;           // 0 to 32
    std::uint32_t mask() const { return length <= 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
    bool contains(std::uint32_t address) const { return (address & mask()) == (network & mask()); }
};

// The server's address in the experiment (TEST-NET-1, RFC 5737: never routed anywhere real).
constexpr std::uint32_t labServerAddress = ipv4Address(192, 0, 2, 1);
// Spoofed sources with a route back into the black hole (M19 "routable"), and ones with none.
constexpr Ipv4Prefix routableSpoofedSources{ipv4Address(10, 0, 0, 0), 8};
constexpr Ipv4Prefix unroutableSpoofedSources{ipv4Address(172, 16, 0, 0), 12};

// Empty when the calling thread's network namespace is neither its parent process's nor process 1's (the
// lab has made one of its own); otherwise why the lab must not change it, or cannot tell (neither of
// those namespaces can be read).
std::string refuseHostNamespace();

// Adds each address (host order) to lo as a /32, in order; the first failure stops and is reported
// with the address and the kernel's errno in words ("File exists" for an address already there).
LabResult<bool> addLoopbackAddresses(const std::vector<std::uint32_t>& addresses);

// Where SYN-ACKs to `routed` go and vanish: a veth pair `device`/`peer`, a permanent neighbour `gateway`
// with `gatewayMac` on `device`, and a route `routed` via `gateway` dev `device` onlink.
//
// The peer is up but has no address, and its MAC is `peerMac`, not `gatewayMac`: frames arrive on it as
// PACKET_OTHERHOST and IPv4 drops them, so nothing answers (no RST, no ICMP), and no ARP is ever sent
// (the neighbour is permanent). The peer is not left down, although that would be a black hole too:
// a veth whose peer is down has no carrier, its queue discipline is noop, and the SYN-ACKs would be
// dropped before any packet socket saw them (measured on 6.18: TX dropped rises, AF_PACKET sees
// nothing). Up, they reach the capture (Capture.h) as a real spoofed source's SYN-ACKs would leave a
// server. IPv6 address generation is off on both ends so that they send nothing of their own
// (no link-local address, so no DAD and no router solicitations).
struct BlackHole {
    std::string device = "v0";
    std::string peer = "v1";
    std::uint32_t gateway = ipv4Address(10, 254, 0, 2);
    std::array<std::uint8_t, 6> gatewayMac{0x02, 0, 0, 0, 0, 0x02};
    std::array<std::uint8_t, 6> peerMac{0x02, 0, 0, 0, 0, 0x01};
    Ipv4Prefix routed = routableSpoofedSources;
};

LabResult<bool> addBlackHole(const BlackHole& hole = {});

// The whole addressing of an experiment: labServerAddress and `clients` on lo, then the black hole.
LabResult<bool> setUpLabNetwork(const std::vector<std::uint32_t>& clients = {});

} // namespace backlog::lab
