#include "app/lab/LabNetwork.h"
#include "app/lab/Namespace.h"

#include "app/lab/ProcFile.h"

#include <cerrno>
#include <cstddef>
#include <cstring>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

constexpr std::size_t netlinkAlign(std::size_t length) {
    return (length + NLMSG_ALIGNTO - 1) & ~std::size_t{NLMSG_ALIGNTO - 1};
}
constexpr std::size_t attributeAlign(std::size_t length) {
    return (length + NLA_ALIGNTO - 1) & ~std::size_t{NLA_ALIGNTO - 1};
}
// NLMSG_HDRLEN and NLA_HDRLEN, without the macros' mix of signed and unsigned.
constexpr std::size_t netlinkHeaderLength = netlinkAlign(sizeof(nlmsghdr));
constexpr std::size_t attributeHeaderLength = attributeAlign(sizeof(nlattr));

// One rtnetlink request, built byte by byte: the header, a fixed struct, then attributes (nested ones
// too). Everything is copied in with memcpy, so no pointer into the buffer is ever cast.
class NetlinkMessage {
  public:
    NetlinkMessage(std::uint16_t type, std::uint16_t flags) : bytes_(netlinkHeaderLength) {
        nlmsghdr header{};
        header.nlmsg_type = type;
        header.nlmsg_flags = static_cast<std::uint16_t>(flags | NLM_F_REQUEST | NLM_F_ACK);
        std::memcpy(bytes_.data(), &header, sizeof header);
    }
    template <typename T> void append(const T& fixed) { appendBytes(&fixed, sizeof fixed); }
    void attribute(std::uint16_t type, const void* data, std::size_t length) {
        const std::size_t at = beginNested(type);
        appendBytes(data, length);
        // A plain attribute's nla_len leaves out its trailing padding (NLA_HDRLEN + the data).
        setLength(at, attributeHeaderLength + length);
    }
    void attribute(std::uint16_t type, const std::string& text) {
        attribute(type, text.c_str(), text.size() + 1);
    }
    template <typename T> void attributeValue(std::uint16_t type, const T& value) {
        attribute(type, &value, sizeof value);
    }
    // The offset of the attribute's header, for endNested() once its contents are appended.
    std::size_t beginNested(std::uint16_t type) {
        const std::size_t at = bytes_.size();
        nlattr header{};
        header.nla_type = type;
        appendBytes(&header, sizeof header);
        return at;
    }
    // A nested attribute's nla_len covers everything appended since beginNested(), as nla_nest_end's does.
    void endNested(std::size_t at) { setLength(at, bytes_.size() - at); }
    const std::vector<unsigned char>& finish(std::uint32_t sequence) {
        const auto length = static_cast<std::uint32_t>(bytes_.size());
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_len), &length, sizeof length);
        std::memcpy(bytes_.data() + offsetof(nlmsghdr, nlmsg_seq), &sequence, sizeof sequence);
        return bytes_;
    }

  private:
    void appendBytes(const void* data, std::size_t length) {
        const std::size_t at = bytes_.size();
        bytes_.resize(at + attributeAlign(length));
        std::memcpy(bytes_.data() + at, data, length);
    }
    void setLength(std::size_t at, std::size_t length) {
        const auto value = static_cast<std::uint16_t>(length);
        std::memcpy(bytes_.data() + at + offsetof(nlattr, nla_len), &value, sizeof value);
    }
    std::vector<unsigned char> bytes_;
};

// The NETLINK_ROUTE socket, closed on every way out. Each request waits for its acknowledgement, so an
// error is tied to the step that caused it.
class RouteNetlink {
  public:
    RouteNetlink() : fd_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) {
        if (fd_ < 0) return;
        const int on = 1;
        // The kernel's own words for a refusal ("Nexthop has invalid gateway"), and no echo of the request.
        ::setsockopt(fd_, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
        ::setsockopt(fd_, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
        // The kernel answers every request at once; a wait this long means something is wrong.
        const timeval limit{2, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    }
    ~RouteNetlink() {
        if (fd_ >= 0) ::close(fd_);
    }
    RouteNetlink(const RouteNetlink&) = delete;
    RouteNetlink& operator=(const RouteNetlink&) = delete;
    int fd() const { return fd_; }
    // Sends `message` and reads its acknowledgement; `what` names the step in the error.
    LabResult<bool> request(NetlinkMessage& message, const std::string& what);

  private:
    LabResult<bool> readAcknowledgement(std::uint32_t sequence, const std::string& what);
    int fd_;
    std::uint32_t sequence_ = 0;
};

LabError failure(const std::string& what, const std::string& detail, int error = 0) {
    return LabError{"setting up the lab's network: " + what + ": " + detail, error};
}

LabResult<bool> RouteNetlink::request(NetlinkMessage& message, const std::string& what) {
    const std::vector<unsigned char>& bytes = message.finish(++sequence_);
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    ssize_t sent = -1;
    do {
        sent =
            ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        const int error = errno;
        return failure(what, "sendto: " + errnoText(error), error);
    }
    return readAcknowledgement(sequence_, what);
}

// The extended acknowledgement's message (NLMSGERR_ATTR_MSG), if the kernel gave one.
std::string kernelMessage(const unsigned char* attributes, std::size_t length) {
    std::size_t offset = 0;
    while (length - offset >= sizeof(nlattr)) {
        nlattr header{};
        std::memcpy(&header, attributes + offset, sizeof header);
        if (header.nla_len < sizeof header || header.nla_len > length - offset) break;
        if (header.nla_type == NLMSGERR_ATTR_MSG) {
            const auto* text = reinterpret_cast<const char*>(attributes + offset + attributeHeaderLength);
            return std::string(text, ::strnlen(text, header.nla_len - attributeHeaderLength));
        }
        offset += attributeAlign(header.nla_len);
    }
    return {};
}

LabResult<bool> RouteNetlink::readAcknowledgement(std::uint32_t sequence, const std::string& what) {
    std::vector<unsigned char> buffer(16 * 1024);
    // Only acknowledgements come on this socket (it joined no multicast group); a few stray ones at most.
    for (int datagram = 0; datagram < 16; ++datagram) {
        const ssize_t received = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (received < 0 && errno == EINTR) continue;
        if (received < 0) {
            const int error = errno;
            return failure(what, "no acknowledgement from the kernel: " + errnoText(error), error);
        }
        const auto length = static_cast<std::size_t>(received);
        for (std::size_t offset = 0; length - offset >= sizeof(nlmsghdr);) {
            nlmsghdr header{};
            std::memcpy(&header, buffer.data() + offset, sizeof header);
            if (header.nlmsg_len < sizeof header || header.nlmsg_len > length - offset)
                return failure(what, "a truncated netlink answer");
            const unsigned char* payload = buffer.data() + offset + netlinkHeaderLength;
            const std::size_t payloadLength = header.nlmsg_len - netlinkHeaderLength;
            offset += netlinkAlign(header.nlmsg_len);
            if (header.nlmsg_seq != sequence || header.nlmsg_type != NLMSG_ERROR) continue;
            nlmsgerr answer{};
            if (payloadLength < sizeof answer) return failure(what, "a truncated netlink acknowledgement");
            std::memcpy(&answer, payload, sizeof answer);
            if (answer.error == 0) return true;
            const std::size_t attributes = netlinkAlign(sizeof answer);
            const std::string said = (header.nlmsg_flags & NLM_F_ACK_TLVS) != 0 && payloadLength > attributes
                                         ? kernelMessage(payload + attributes, payloadLength - attributes)
                                         : std::string();
            return failure(what, errnoText(-answer.error) + (said.empty() ? "" : " (" + said + ")"),
                           -answer.error);
        }
    }
    return failure(what, "the kernel did not acknowledge the request");
}

in_addr_t networkOrder(std::uint32_t address) {
    return htonl(address);
}

LabResult<int> interfaceIndex(const std::string& name) {
    const unsigned index = ::if_nametoindex(name.c_str());
    if (index == 0) {
        const int error = errno;
        return failure("finding interface " + name, errnoText(error), error);
    }
    return static_cast<int>(index);
}

// ifinfomsg for a change to an existing interface: only the flags in `change` are set to `flags`.
ifinfomsg existingLink(int index, unsigned flags = 0, unsigned change = 0) {
    ifinfomsg link{};
    link.ifi_family = AF_UNSPEC;
    link.ifi_index = index;
    link.ifi_flags = flags;
    link.ifi_change = change;
    return link;
}

LabResult<bool> createVethPair(RouteNetlink& netlink, const BlackHole& hole) {
    NetlinkMessage message(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    message.append(existingLink(0));
    message.attribute(IFLA_IFNAME, hole.device);
    const std::size_t linkInfo = message.beginNested(IFLA_LINKINFO);
    message.attribute(IFLA_INFO_KIND, std::string("veth"));
    const std::size_t data = message.beginNested(IFLA_INFO_DATA);
    const std::size_t peer = message.beginNested(VETH_INFO_PEER);
    message.append(existingLink(0)); // the peer's own ifinfomsg comes first, then its attributes
    message.attribute(IFLA_IFNAME, hole.peer);
    message.attribute(IFLA_ADDRESS, hole.peerMac.data(), hole.peerMac.size());
    message.endNested(peer);
    message.endNested(data);
    message.endNested(linkInfo);
    return netlink.request(message, "creating the veth pair " + hole.device + "/" + hole.peer);
}

// No IPv6 link-local address, hence no DAD or router solicitation from this end. A kernel without
// IPv6 has nothing to switch off, which is not an error.
LabResult<bool> switchOffIpv6Addresses(RouteNetlink& netlink, int index, const std::string& name) {
    NetlinkMessage message(RTM_NEWLINK, 0);
    message.append(existingLink(index));
    const std::size_t spec = message.beginNested(IFLA_AF_SPEC);
    const std::size_t inet6 = message.beginNested(AF_INET6);
    message.attributeValue(IFLA_INET6_ADDR_GEN_MODE, std::uint8_t{IN6_ADDR_GEN_MODE_NONE});
    message.endNested(inet6);
    message.endNested(spec);
    LabResult<bool> done = netlink.request(message, "switching off IPv6 addresses on " + name);
    if (!done.ok() && done.systemError() == EAFNOSUPPORT) return true;
    return done;
}

LabResult<bool> bringUp(RouteNetlink& netlink, int index, const std::string& name) {
    NetlinkMessage message(RTM_NEWLINK, 0);
    message.append(existingLink(index, IFF_UP, IFF_UP));
    return netlink.request(message, "bringing up " + name);
}

LabResult<bool> addPermanentNeighbour(RouteNetlink& netlink, int index, const BlackHole& hole) {
    NetlinkMessage message(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL);
    ndmsg neighbour{};
    neighbour.ndm_family = AF_INET;
    neighbour.ndm_ifindex = index;
    neighbour.ndm_state = NUD_PERMANENT;
    message.append(neighbour);
    message.attributeValue(NDA_DST, networkOrder(hole.gateway));
    message.attribute(NDA_LLADDR, hole.gatewayMac.data(), hole.gatewayMac.size());
    return netlink.request(message, "adding the neighbour " + ipv4Text(hole.gateway) + " on " + hole.device);
}

LabResult<bool> addOnlinkRoute(RouteNetlink& netlink, int index, const BlackHole& hole) {
    NetlinkMessage message(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
    rtmsg route{};
    route.rtm_family = AF_INET;
    route.rtm_dst_len = static_cast<unsigned char>(hole.routed.length);
    route.rtm_table = RT_TABLE_MAIN;
    route.rtm_protocol = RTPROT_STATIC;
    route.rtm_scope = RT_SCOPE_UNIVERSE;
    route.rtm_type = RTN_UNICAST;
    // The gateway is in no subnet of the device: onlink says it is reachable there all the same.
    route.rtm_flags = RTNH_F_ONLINK;
    message.append(route);
    message.attributeValue(RTA_DST, networkOrder(hole.routed.network & hole.routed.mask()));
    message.attributeValue(RTA_GATEWAY, networkOrder(hole.gateway));
    message.attributeValue(RTA_OIF, index);
    return netlink.request(message, "adding the route " + ipv4Text(hole.routed.network) + "/" +
                                        std::to_string(hole.routed.length) + " via " +
                                        ipv4Text(hole.gateway) + " dev " + hole.device);
}

LabResult<bool> socketFailure() {
    const int error = errno;
    return failure("socket(AF_NETLINK, NETLINK_ROUTE)", errnoText(error), error);
}

} // namespace

std::string ipv4Text(std::uint32_t address) {
    return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
           std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

std::string refuseHostNamespace() {
    struct stat own {};
    if (::stat("/proc/thread-self/ns/net", &own) != 0)
        return "cannot tell which network namespace this is (/proc/thread-self/ns/net: " + errnoText(errno) +
               ")";
    // A process starts in its parent's namespace: if this one is still there, it has made none of its own.
    // Process 1's is the host's (or the container's); it may be unreadable (here: EACCES), the parent's not.
    bool compared = false;
    for (const pid_t other : {::getppid(), pid_t{1}}) {
        if (other <= 0 || other == ::getpid()) continue;
        const std::string path = "/proc/" + std::to_string(other) + "/ns/net";
        struct stat theirs {};
        if (::stat(path.c_str(), &theirs) != 0) continue;
        compared = true;
        if (own.st_dev == theirs.st_dev && own.st_ino == theirs.st_ino)
            return "this is the network namespace of process " + std::to_string(other) +
                   (other == 1 ? " (the host's)" : " (this process's parent)") +
                   ": the lab changes interfaces and sends traffic only in a namespace of its own "
                   "(Namespace.h)";
    }
    // Unreadable from here (a user namespace may not look at its parent's): the namespace is ours if the
    // lab made it (Namespace.h records the one it made) and this thread is still in it.
    if (!compared && madeByLab(own.st_dev, own.st_ino)) return {};
    if (!compared)
        return "cannot tell this network namespace from the host's: neither the parent's nor process 1's "
               "can be read";
    return {};
}

sockaddr_in ipv4Endpoint(std::uint32_t address, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(address);
    a.sin_port = htons(port);
    return a;
}

LabResult<bool> addLoopbackAddresses(const std::vector<std::uint32_t>& addresses) {
    if (std::string why = refuseHostNamespace(); !why.empty()) return failure("refused", why);
    RouteNetlink netlink;
    if (netlink.fd() < 0) return socketFailure();
    const LabResult<int> lo = interfaceIndex("lo");
    if (!lo.ok()) return LabError{lo.error(), lo.systemError()};
    for (const std::uint32_t address : addresses) {
        NetlinkMessage message(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
        ifaddrmsg header{};
        header.ifa_family = AF_INET;
        header.ifa_prefixlen = 32;
        header.ifa_scope = RT_SCOPE_UNIVERSE;
        header.ifa_index = static_cast<unsigned>(lo.value());
        message.append(header);
        message.attributeValue(IFA_LOCAL, networkOrder(address));
        message.attributeValue(IFA_ADDRESS, networkOrder(address));
        LabResult<bool> done = netlink.request(message, "adding " + ipv4Text(address) + "/32 to lo");
        if (!done.ok()) return done;
    }
    return true;
}

LabResult<bool> addBlackHole(const BlackHole& hole) {
    if (std::string why = refuseHostNamespace(); !why.empty()) return failure("refused", why);
    if (hole.routed.length < 1 || hole.routed.length > 32)
        return failure("the black hole", "a prefix length of " + std::to_string(hole.routed.length));
    RouteNetlink netlink;
    if (netlink.fd() < 0) return socketFailure();
    if (LabResult<bool> done = createVethPair(netlink, hole); !done.ok()) return done;
    const LabResult<int> device = interfaceIndex(hole.device);
    const LabResult<int> peer = interfaceIndex(hole.peer);
    if (!device.ok()) return LabError{device.error(), device.systemError()};
    if (!peer.ok()) return LabError{peer.error(), peer.systemError()};
    for (const auto& [index, name] : {std::pair{peer.value(), hole.peer}, {device.value(), hole.device}}) {
        if (LabResult<bool> done = switchOffIpv6Addresses(netlink, index, name); !done.ok()) return done;
        if (LabResult<bool> done = bringUp(netlink, index, name); !done.ok()) return done;
    }
    if (LabResult<bool> done = addPermanentNeighbour(netlink, device.value(), hole); !done.ok()) return done;
    return addOnlinkRoute(netlink, device.value(), hole);
}

LabResult<bool> setUpLabNetwork(const std::vector<std::uint32_t>& clients) {
    std::vector<std::uint32_t> addresses{labServerAddress};
    addresses.insert(addresses.end(), clients.begin(), clients.end());
    if (LabResult<bool> done = addLoopbackAddresses(addresses); !done.ok()) return done;
    return addBlackHole();
}

} // namespace backlog::lab
