#include "app/lab/Capture.h"

#include "app/lab/ProcFile.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

constexpr std::size_t ipv4HeaderMin = 20;
constexpr std::size_t tcpHeaderMin = 20;
// Enough for the largest IPv4 header (60) and TCP header (60): the capture keeps no payload.
constexpr std::uint32_t snapLength = 128;
// A ring frame: the tpacket2_hdr and the sockaddr_ll (80 bytes with their alignment), then the packet.
constexpr std::size_t frameSize = 256;
// Ring blocks are allocated whole by the kernel; 64 kB is an order-4 allocation, falling back to vmalloc.
constexpr std::size_t blockSize = 64 * 1024;
// Laps of the ring after stop(): what was queued before it fits in one; a flood that goes on would
// otherwise keep the drain going.
constexpr int drainLaps = 2;
// TPACKET_ALIGN, without the macro's mix of signed and unsigned.
constexpr std::size_t tpacketAlign(std::size_t n) {
    return (n + TPACKET_ALIGNMENT - 1) & ~std::size_t{TPACKET_ALIGNMENT - 1};
}

std::uint16_t get16(const unsigned char* at) {
    return static_cast<std::uint16_t>(at[0] << 8 | at[1]);
}

std::uint32_t get32(const unsigned char* at) {
    return std::uint32_t{get16(at)} << 16 | get16(at + 2);
}

LabError unreadable(const std::string& why) {
    return LabError{"reading a captured packet: " + why};
}

std::string bytes(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

// Classic BPF, run by the kernel on every frame before it is queued for the capture, so the lab's
// thread sees only what it keeps. With SOCK_DGRAM the program's offset 0 is the network header.
//
// Only PACKET_OUTGOING frames pass, and that is what makes each segment appear once. Measured on 6.18:
// on lo every packet is seen twice, pkttype OUTGOING as it is transmitted and HOST as loopback delivers
// it; on the black hole's veth (LabNetwork.h) a SYN-ACK is seen OUTGOING on v0 and OTHERHOST on its peer
// v1 (the gateway's MAC is not v1's). Every segment in the lab's namespace is sent by a socket of that
// namespace, on lo or v0, so every one has exactly one outgoing copy, stamped when it was handed to the
// device: the moment it was sent, which is what TcpSegment records. A SYN the listener then drops was
// still sent, and is kept. (A frame arriving from outside the namespace would have no outgoing copy;
// the lab's namespace has none: its only other interface, v1, receives only what v0 sends.)
std::vector<sock_filter> segmentFilter(std::uint16_t port) {
    const auto code = [](int c) { return static_cast<std::uint16_t>(c); };
    const auto ancillary = [](int field) { return static_cast<std::uint32_t>(SKF_AD_OFF + field); };
    constexpr std::uint8_t accept = 16;
    constexpr std::uint8_t reject = 17;
    // A jump's offsets count from the instruction after it.
    const auto to = [](std::uint8_t target, std::uint8_t from) {
        return static_cast<std::uint8_t>(target - from - 1);
    };
    std::vector<sock_filter> p{
        {code(BPF_LD | BPF_W | BPF_ABS), 0, 0, ancillary(SKF_AD_PKTTYPE)},
        {code(BPF_JMP | BPF_JEQ | BPF_K), 0, to(reject, 1), PACKET_OUTGOING},
        {code(BPF_LD | BPF_W | BPF_ABS), 0, 0, ancillary(SKF_AD_PROTOCOL)},
        {code(BPF_JMP | BPF_JEQ | BPF_K), 0, to(reject, 3), ETH_P_IP},
        {code(BPF_LD | BPF_B | BPF_ABS), 0, 0, 0}, // version
        {code(BPF_ALU | BPF_AND | BPF_K), 0, 0, 0xf0},
        {code(BPF_JMP | BPF_JEQ | BPF_K), 0, to(reject, 6), 0x40},
        {code(BPF_LD | BPF_B | BPF_ABS), 0, 0, 9}, // protocol
        {code(BPF_JMP | BPF_JEQ | BPF_K), 0, to(reject, 8), IPPROTO_TCP},
        {code(BPF_LD | BPF_H | BPF_ABS), 0, 0, 6}, // fragment offset and more-fragments
        {code(BPF_JMP | BPF_JSET | BPF_K), to(reject, 10), 0, 0x3fff},
        {code(BPF_LDX | BPF_B | BPF_MSH), 0, 0, 0}, // X = the IPv4 header's length
        {code(BPF_LD | BPF_H | BPF_IND), 0, 0, 0},  // source port
        {code(BPF_JMP | BPF_JEQ | BPF_K), to(accept, 13), 0, port},
        {code(BPF_LD | BPF_H | BPF_IND), 0, 0, 2}, // destination port
        {code(BPF_JMP | BPF_JEQ | BPF_K), to(accept, 15), to(reject, 15), port},
        {code(BPF_RET | BPF_K), 0, 0, snapLength},
        {code(BPF_RET | BPF_K), 0, 0, 0},
    };
    if (port == 0) p[11] = {code(BPF_JMP | BPF_JA), 0, 0, to(accept, 11)}; // every port
    return p;
}

LabError socketError(const std::string& what, int error) {
    return LabError{"starting the capture: " + what + ": " + errnoText(error), error};
}

// The socket with its filter and its ring; bound last, so that nothing is queued before the filter is
// in place (an AF_PACKET socket of protocol 0 receives nothing until bind() names one).
//
// Timestamps come from the ring, not from SO_TIMESTAMPNS and recvmsg(): the kernel turns software
// timestamps on for the whole system through deferred work when the first socket asks for them, and a
// packet sent before that work has run carries no stamp; recvmsg() then stamps it when it is read, which
// is when the thread gets to it (measured: a SYN stamped 2 ms after the test's window had closed, now
// and then). A ring frame is stamped as the kernel writes it, while the packet is being sent.
// The ring is the capture's buffer, so SO_RCVBUF plays no part; its size is CaptureOptions::ringBytes.
LabResult<int> openPacketSocket(const CaptureOptions& options, unsigned char*& frames, std::size_t& count) {
    const int fd = ::socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return socketError("socket(AF_PACKET, SOCK_DGRAM)", errno);
    const auto fail = [fd](const std::string& what) {
        const int error = errno;
        ::close(fd);
        return socketError(what, error);
    };
    std::vector<sock_filter> program = segmentFilter(options.port);
    const sock_fprog filter{static_cast<unsigned short>(program.size()), program.data()};
    if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &filter, sizeof filter) != 0)
        return fail("SO_ATTACH_FILTER");
    const int version = TPACKET_V2;
    if (::setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0)
        return fail("PACKET_VERSION");
    const std::size_t blocks = std::max<std::size_t>(1, options.ringBytes / blockSize);
    tpacket_req request{};
    request.tp_block_size = blockSize;
    request.tp_block_nr = static_cast<unsigned>(blocks);
    request.tp_frame_size = frameSize;
    request.tp_frame_nr = static_cast<unsigned>(blocks * (blockSize / frameSize));
    if (::setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &request, sizeof request) != 0)
        return fail("PACKET_RX_RING of " + std::to_string(blocks * blockSize) + " bytes");
    void* ring = ::mmap(nullptr, blocks * blockSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (ring == MAP_FAILED) return fail("mmap of the ring");
    frames = static_cast<unsigned char*>(ring);
    count = request.tp_frame_nr;
    sockaddr_ll all{};
    all.sll_family = AF_PACKET;
    all.sll_protocol = htons(ETH_P_ALL); // every protocol: only ETH_P_ALL taps see outgoing frames
    all.sll_ifindex = 0;                 // every interface of the namespace, those made later too
    if (::bind(fd, reinterpret_cast<sockaddr*>(&all), sizeof all) != 0) {
        ::munmap(ring, blocks * blockSize);
        return fail("bind(ETH_P_ALL)");
    }
    return fd;
}

} // namespace

LabResult<TcpSegment> parseIpv4Tcp(const unsigned char* data, std::size_t size, std::int64_t at) {
    if (data == nullptr || size < ipv4HeaderMin)
        return unreadable("an IPv4 header needs 20 bytes, " + bytes(size) + " were captured");
    if (data[0] >> 4 != 4) return unreadable("not IPv4 (IP version " + std::to_string(data[0] >> 4) + ")");
    const std::size_t ipLength = (std::size_t{data[0]} & 0x0f) * 4; // in 32-bit words
    if (ipLength < ipv4HeaderMin) return unreadable("an IPv4 header length of " + bytes(ipLength));
    if (size < ipLength)
        return unreadable("the IPv4 header with its options is " + bytes(ipLength) + ", " + bytes(size) +
                          " were captured");
    const std::size_t total = get16(data + 2);
    if (total < ipLength)
        return unreadable("an IPv4 total length of " + bytes(total) + ", less than its header's " +
                          bytes(ipLength));
    if (data[9] != IPPROTO_TCP) return unreadable("not TCP (IP protocol " + std::to_string(data[9]) + ")");
    if ((get16(data + 6) & 0x3fff) != 0)
        return unreadable("a fragment (offset " + std::to_string((get16(data + 6) & 0x1fff) * 8) +
                          "): its TCP header cannot be read alone");
    const std::size_t tcpLength = total - ipLength;
    if (tcpLength < tcpHeaderMin)
        return unreadable("the IPv4 total length leaves " + bytes(tcpLength) +
                          " for TCP, less than its header");
    if (size < ipLength + tcpHeaderMin)
        return unreadable("the TCP header is cut short: " + bytes(size - ipLength) + " of 20 were captured");
    const unsigned char* tcp = data + ipLength;
    const std::size_t tcpHeader = (std::size_t{tcp[12]} >> 4) * 4;
    if (tcpHeader < tcpHeaderMin) return unreadable("a TCP data offset of " + bytes(tcpHeader));
    if (tcpHeader > tcpLength)
        return unreadable("a TCP header of " + bytes(tcpHeader) + " in a segment of " + bytes(tcpLength));
    if (size < ipLength + tcpHeader)
        return unreadable("the TCP options are cut short: " + bytes(size - ipLength) + " of the header's " +
                          bytes(tcpHeader) + " were captured");
    TcpSegment s;
    s.at = at;
    s.source = get32(data + 12);
    s.destination = get32(data + 16);
    s.sourcePort = get16(tcp);
    s.destinationPort = get16(tcp + 2);
    s.seq = get32(tcp + 4);
    s.ack = get32(tcp + 8);
    s.flags = tcp[13];
    s.payload = static_cast<std::uint32_t>(tcpLength - tcpHeader);
    return s;
}

LabResult<std::unique_ptr<Capture>> Capture::start(const LabClock& clock, const CaptureOptions& options) {
    Ring ring;
    LabResult<int> packet = openPacketSocket(options, ring.frames, ring.count);
    if (!packet.ok()) return LabError{packet.error(), packet.systemError()};
    ring.frameSize = frameSize;
    ring.bytes = ring.count * frameSize;
    const int wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0) {
        const int error = errno;
        ::munmap(ring.frames, ring.bytes);
        ::close(packet.value());
        return socketError("eventfd", error);
    }
    std::unique_ptr<Capture> capture(new Capture(clock, options, packet.value(), ring, wake));
    capture->result_.ringFrames = ring.count;
    capture->thread_ = std::thread([c = capture.get()] { c->run(); });
    return capture;
}

Capture::Capture(const LabClock& clock, const CaptureOptions& options, int socket, Ring ring, int wake)
    : clock_(clock), options_(options), socket_(socket), ring_(ring), wake_(wake) {
}

Capture::~Capture() {
    if (thread_.joinable()) stop();
    release();
    if (wake_ >= 0) ::close(wake_);
}

void Capture::release() {
    if (ring_.frames != nullptr) ::munmap(ring_.frames, ring_.bytes);
    ring_.frames = nullptr;
    if (socket_ >= 0) ::close(socket_);
    socket_ = -1;
}

void Capture::run() {
    const auto deadline = std::chrono::steady_clock::now() + options_.maxDuration;
    std::array<pollfd, 2> fds{pollfd{socket_, POLLIN, 0}, pollfd{wake_, POLLIN, 0}};
    while (!stopped_.load()) {
        const auto left =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result_.cutShort = true; // what arrives later stays unread; PACKET_STATISTICS counts it
            return;
        }
        const int ready =
            ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) {
            error_ = "the capture's poll() failed: " + errnoText(errno);
            return;
        }
        if ((fds[0].revents & POLLIN) != 0 && readQueued() == Visit::Failed) return;
    }
    // stop() was called: what the kernel queued before it is part of the capture.
    for (int lap = 0; lap < drainLaps; ++lap)
        if (readQueued() != Visit::More) return;
}

// Frames the kernel has handed over (TP_STATUS_USER), in ring order, each given back once read; one lap
// of the ring at most.
Capture::Visit Capture::readQueued() {
    for (std::size_t n = 0; n < ring_.count; ++n) {
        unsigned char* frame = ring_.frames + next_ * ring_.frameSize;
        auto* header = static_cast<tpacket2_hdr*>(static_cast<void*>(frame));
        // The status word is shared with the kernel: acquire, so the frame's contents are complete.
        std::atomic_ref<std::uint32_t> status(header->tp_status);
        if ((status.load(std::memory_order_acquire) & TP_STATUS_USER) == 0) return Visit::Emptied;
        sockaddr_ll from{};
        std::memcpy(&from, frame + tpacketAlign(sizeof(tpacket2_hdr)), sizeof from);
        // The filter passes only outgoing IPv4 frames; checked again here, cheaply, in case it ever did not.
        if (from.sll_pkttype == PACKET_OUTGOING && from.sll_protocol == htons(ETH_P_IP) &&
            header->tp_net + std::size_t{header->tp_snaplen} <= ring_.frameSize)
            keep(frame + header->tp_net, header->tp_snaplen,
                 std::int64_t{header->tp_sec} * 1'000'000'000 + header->tp_nsec);
        status.store(TP_STATUS_KERNEL, std::memory_order_release);
        next_ = (next_ + 1) % ring_.count;
    }
    return Visit::More;
}

void Capture::keep(const unsigned char* data, std::size_t size, std::int64_t realtime) {
    LabResult<TcpSegment> segment = parseIpv4Tcp(data, size, clock_.fromRealtime(realtime));
    if (!segment.ok()) {
        if (result_.unreadable++ == 0) result_.firstUnreadable = segment.error();
        return;
    }
    if (result_.segments.size() >= options_.maxSegments) {
        ++result_.notKept;
        return;
    }
    result_.segments.push_back(segment.value());
}

LabResult<CaptureResult> Capture::stop() {
    if (!thread_.joinable()) return LabError{"the capture was stopped already"};
    stopped_.store(true);
    const std::uint64_t one = 1;
    // Should this fail, the thread still sees stopped_ within a second (its poll() timeout).
    [[maybe_unused]] const ssize_t written = ::write(wake_, &one, sizeof one);
    thread_.join();
    tpacket_stats statistics{};
    socklen_t length = sizeof statistics;
    if (::getsockopt(socket_, SOL_PACKET, PACKET_STATISTICS, &statistics, &length) == 0)
        result_.drops += statistics.tp_drops;
    release();
    if (!error_.empty()) return LabError{error_};
    // Frames of different CPUs may be queued out of order; their stamps say when each was sent.
    std::stable_sort(result_.segments.begin(), result_.segments.end(),
                     [](const TcpSegment& a, const TcpSegment& b) { return a.at < b.at; });
    return std::move(result_);
}

} // namespace backlog::lab
