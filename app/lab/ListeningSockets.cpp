#include "app/lab/ListeningSockets.h"

#include "app/lab/ProcFile.h"

#include <array>
#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

// The netlink socket, closed on every way out.
class NetlinkSocket {
  public:
    NetlinkSocket() : fd_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) {}
    ~NetlinkSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    NetlinkSocket(const NetlinkSocket&) = delete;
    NetlinkSocket& operator=(const NetlinkSocket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

// The dump request for one family's listeners, as `ss -lnt` sends it.
struct DumpRequest {
    nlmsghdr header;
    inet_diag_req_v2 request;
};

LabError systemError(const std::string& what, int error) {
    return LabError{"reading the listening sockets (sock_diag): " + what + ": " + errnoText(error), error};
}

// Netlink messages start on 4-byte boundaries (NLMSG_ALIGN, without its C casts).
constexpr std::size_t netlinkAlign(std::size_t length) {
    return (length + NLMSG_ALIGNTO - 1) & ~std::size_t{NLMSG_ALIGNTO - 1};
}
constexpr std::size_t netlinkHeaderLength = netlinkAlign(sizeof(nlmsghdr));

// 0, or the errno of sendto.
int sendDump(int fd, std::uint8_t family, std::uint32_t sequence) {
    DumpRequest message{};
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.header.nlmsg_seq = sequence;
    message.request.sdiag_family = family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = 1U << TCP_LISTEN;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    while (true) {
        const ssize_t sent =
            ::sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
        if (sent < 0 && errno == EINTR) continue;
        return sent < 0 ? errno : 0;
    }
}

ListeningSocket listenerFrom(const inet_diag_msg& diag) {
    ListeningSocket socket;
    socket.family = diag.idiag_family;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (::inet_ntop(diag.idiag_family, diag.id.idiag_src, text.data(), text.size()) != nullptr)
        socket.localAddress = text.data();
    socket.port = ntohs(diag.id.idiag_sport);
    socket.recvQ = diag.idiag_rqueue;
    socket.sendQ = diag.idiag_wqueue;
    socket.inode = diag.idiag_inode;
    return socket;
}

// What one datagram of the answer says: more to come, the end of the dump, or an error.
enum class Part { More, Done };

// Reads the netlink messages of one datagram. Every message is copied out of the buffer before it is
// read (memcpy), so nothing depends on the buffer's alignment.
LabResult<Part> readParts(const char* data, std::size_t length, std::uint32_t sequence,
                          std::vector<ListeningSocket>& out) {
    std::size_t offset = 0;
    while (length - offset >= sizeof(nlmsghdr)) {
        nlmsghdr header{};
        std::memcpy(&header, data + offset, sizeof header);
        if (header.nlmsg_len < sizeof header || header.nlmsg_len > length - offset)
            return LabError{"reading the listening sockets (sock_diag): a truncated netlink message"};
        const char* payload = data + offset + netlinkHeaderLength;
        const std::size_t payloadLength = header.nlmsg_len - netlinkHeaderLength;
        offset += netlinkAlign(header.nlmsg_len);
        if (header.nlmsg_seq != sequence)
            continue; // an answer to someone else's request on this socket: not ours
        if (header.nlmsg_type == NLMSG_DONE) {
            // A dump's end carries an int: negative when the dump itself failed part-way.
            int status = 0;
            if (payloadLength >= sizeof status) std::memcpy(&status, payload, sizeof status);
            if (status < 0) return systemError("the dump ended with an error", -status);
            return Part::Done;
        }
        if (header.nlmsg_type == NLMSG_ERROR) {
            nlmsgerr error{};
            if (payloadLength < sizeof error)
                return LabError{"reading the listening sockets (sock_diag): a truncated error message"};
            std::memcpy(&error, payload, sizeof error);
            return systemError("the kernel answered", -error.error);
        }
        if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
        inet_diag_msg diag{};
        if (payloadLength < sizeof diag)
            return LabError{"reading the listening sockets (sock_diag): a truncated inet_diag_msg"};
        std::memcpy(&diag, payload, sizeof diag);
        out.push_back(listenerFrom(diag));
    }
    return Part::More;
}

// The whole answer to one family's dump: datagrams until NLMSG_DONE (a dump comes in several parts).
LabResult<bool> receiveDump(int fd, std::uint32_t sequence, std::vector<ListeningSocket>& out) {
    // Large enough for any one datagram the kernel sends for a dump (it fills up to 32 kB at a time).
    std::vector<char> buffer(64 * 1024);
    while (true) {
        iovec io{buffer.data(), buffer.size()};
        msghdr message{};
        sockaddr_nl from{};
        message.msg_name = &from;
        message.msg_namelen = sizeof from;
        message.msg_iov = &io;
        message.msg_iovlen = 1;
        const ssize_t received = ::recvmsg(fd, &message, 0);
        if (received < 0 && errno == EINTR) continue;
        if (received < 0) {
            const int error = errno;
            return systemError("recvmsg", error);
        }
        if ((message.msg_flags & MSG_TRUNC) != 0)
            return LabError{"reading the listening sockets (sock_diag): a datagram larger than the buffer"};
        if (received == 0)
            return LabError{"reading the listening sockets (sock_diag): the answer ended without NLMSG_DONE"};
        if (from.nl_pid != 0) continue; // not from the kernel
        LabResult<Part> part = readParts(buffer.data(), static_cast<std::size_t>(received), sequence, out);
        if (!part.ok()) return LabError{part.error(), part.systemError()};
        if (part.value() == Part::Done) return true;
    }
}

} // namespace

LabResult<std::vector<ListeningSocket>> readListeningSockets() {
    NetlinkSocket netlink;
    if (netlink.fd() < 0) {
        const int error = errno;
        return systemError("socket(AF_NETLINK, NETLINK_SOCK_DIAG)", error);
    }
    std::vector<ListeningSocket> listeners;
    std::uint32_t sequence = 1;
    for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
        if (const int error = sendDump(netlink.fd(), family, sequence); error != 0)
            return systemError("sendto", error);
        std::vector<ListeningSocket> ofFamily;
        LabResult<bool> done = receiveDump(netlink.fd(), sequence, ofFamily);
        // A kernel without IPv6 answers the AF_INET6 dump with ENOENT: it simply has no IPv6 listeners.
        if (!done.ok() && family == AF_INET6 && done.systemError() == ENOENT) continue;
        if (!done.ok()) return LabError{done.error(), done.systemError()};
        listeners.insert(listeners.end(), ofFamily.begin(), ofFamily.end());
        ++sequence;
    }
    return listeners;
}

} // namespace backlog::lab
