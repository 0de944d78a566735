#include "app/lab/SynSender.h"

#include "app/lab/Measurement.h"
#include "app/lab/ProcFile.h"

#include <algorithm>
#include <cerrno>
#include <ctime>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace backlog::lab {

namespace {

constexpr std::size_t ipHeaderSize = 20;
constexpr std::size_t tcpHeaderSize = synPacketSize - ipHeaderSize;
constexpr std::uint32_t maxRate = 10'000'000;
constexpr std::chrono::hours maxDuration{1};
constexpr std::int64_t batchInterval = 1'000'000; // ns
constexpr std::int64_t catchUpLimit = 1'000'000'000;

void put16(unsigned char* at, std::uint16_t value) {
    at[0] = static_cast<unsigned char>(value >> 8);
    at[1] = static_cast<unsigned char>(value);
}

void put32(unsigned char* at, std::uint32_t value) {
    put16(at, static_cast<std::uint16_t>(value >> 16));
    put16(at + 2, static_cast<std::uint16_t>(value));
}

std::int64_t monotonicNow() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

void sleepUntil(std::int64_t monotonicNs) {
    timespec until{};
    until.tv_sec = static_cast<time_t>(monotonicNs / 1'000'000'000);
    until.tv_nsec = static_cast<long>(monotonicNs % 1'000'000'000);
    // EINTR: the next batch comes a little early, and sends only what is due by then.
    ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr);
}

// How many SYNs are due `elapsed` ns after the start: SYN i is due at i / rate s. Microseconds keep the
// product within 64 bits (an hour at the highest rate: 3.6e9 × 1e7).
std::uint64_t dueBy(std::int64_t elapsed, std::uint32_t rate) {
    return static_cast<std::uint64_t>(elapsed / 1000) * rate / 1'000'000 + 1;
}

// A raw socket (IPPROTO_RAW: the IPv4 header is ours), closed on every way out.
class RawSocket {
  public:
    RawSocket() : fd_(::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) {}
    ~RawSocket() {
        if (fd_ >= 0) ::close(fd_);
    }
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;
    int fd() const { return fd_; }

  private:
    int fd_;
};

LabError floodError(const std::string& what, int error = 0) {
    return LabError{"sending spoofed SYNs: " + what, error};
}

std::string checkOptions(const FloodOptions& options) {
    if (options.ratePerSecond < 1 || options.ratePerSecond > maxRate)
        return "a rate of " + std::to_string(options.ratePerSecond) + " SYNs/s (1 to 10,000,000)";
    if (options.duration.count() < 0 || options.duration > maxDuration)
        return "a duration of " + std::to_string(options.duration.count()) + " ms (up to an hour)";
    if (options.sources.length < 1 || options.sources.length > 32)
        return "a source prefix of length " + std::to_string(options.sources.length);
    return {};
}

} // namespace

std::uint16_t internetChecksum(const unsigned char* data, std::size_t size) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i + 1 < size; i += 2)
        sum += std::uint32_t{data[i]} << 8 | data[i + 1];
    if (size % 2 != 0) sum += std::uint32_t{data[size - 1]} << 8;
    while (sum >> 16 != 0)
        sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(~sum);
}

SynPacket buildSyn(const SynFields& f) {
    SynPacket p{};
    unsigned char* ip = p.data();
    ip[0] = 0x45; // version 4, header of 5 words
    put16(ip + 2, static_cast<std::uint16_t>(synPacketSize));
    put16(ip + 4, static_cast<std::uint16_t>(f.seq >> 16 ^ f.seq)); // nonzero mostly; the kernel fills a 0
    put16(ip + 6, 0x4000);                                          // DF, as Linux sends TCP
    ip[8] = 64;
    ip[9] = IPPROTO_TCP;
    put32(ip + 12, f.source);
    put32(ip + 16, f.destination);
    put16(ip + 10, internetChecksum(ip, ipHeaderSize));

    unsigned char* tcp = ip + ipHeaderSize;
    put16(tcp, f.sourcePort);
    put16(tcp + 2, f.destinationPort);
    put32(tcp + 4, f.seq);
    tcp[12] = static_cast<unsigned char>((tcpHeaderSize / 4) << 4);
    tcp[13] = kSyn;
    put16(tcp + 14, 64240);
    tcp[20] = 2; // MSS, 4 bytes: 1460
    tcp[21] = 4;
    put16(tcp + 22, 1460);
    // The pseudo-header, then the segment with its checksum field still 0.
    std::array<unsigned char, 12 + tcpHeaderSize> summed{};
    put32(summed.data(), f.source);
    put32(summed.data() + 4, f.destination);
    summed[9] = IPPROTO_TCP;
    put16(summed.data() + 10, static_cast<std::uint16_t>(tcpHeaderSize));
    std::copy(tcp, tcp + tcpHeaderSize, summed.begin() + 12);
    put16(tcp + 16, internetChecksum(summed.data(), summed.size()));
    return p;
}

SynFields SpoofedSources::next(std::uint32_t destination, std::uint16_t destinationPort) {
    const std::uint32_t hostMask = ~prefix_.mask();
    std::uint64_t r = random_();
    auto host = static_cast<std::uint32_t>(r) & hostMask;
    // The network and broadcast addresses (a prefix of /30 or wider has them): drawn again, a few times
    // at most (each try fails with probability 2/4 at worst).
    for (int tries = 0; prefix_.length <= 30 && (host == 0 || host == hostMask) && tries < 16; ++tries)
        host = static_cast<std::uint32_t>(r = random_()) & hostMask;
    if (prefix_.length <= 30 && (host == 0 || host == hostMask)) host = 1;
    SynFields f;
    f.source = (prefix_.network & prefix_.mask()) | host;
    f.destination = destination;
    f.sourcePort = static_cast<std::uint16_t>(1024 + (r >> 32) % (65536 - 1024));
    f.destinationPort = destinationPort;
    f.seq = static_cast<std::uint32_t>(random_() >> 32);
    return f;
}

LabResult<FloodResult> sendFlood(const FloodOptions& options) {
    if (std::string why = refuseHostNamespace(); !why.empty()) return floodError("refused: " + why);
    if (std::string why = checkOptions(options); !why.empty()) return floodError(why);
    const RawSocket raw;
    if (raw.fd() < 0) {
        const int error = errno;
        return floodError("socket(AF_INET, SOCK_RAW, IPPROTO_RAW): " + errnoText(error), error);
    }
    const std::int64_t duration = std::chrono::nanoseconds(options.duration).count();
    // The SYNs i with i / rate < duration: ceil(rate × duration).
    const std::uint64_t total =
        std::min(options.maxCount,
                 (static_cast<std::uint64_t>(duration / 1000) * options.ratePerSecond + 999'999) / 1'000'000);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(options.destination);
    SpoofedSources sources(options.sources, options.seed);
    FloodResult result;
    std::uint64_t attempted = 0;
    const std::int64_t start = monotonicNow();
    // Bounded by count (`total`) and by time (duration + catchUpLimit): one batch per millisecond.
    for (std::int64_t next = start; attempted < total; next += batchInterval) {
        const std::int64_t elapsed = monotonicNow() - start;
        if (elapsed > duration + catchUpLimit) break;
        const std::uint64_t due = std::min(total, dueBy(elapsed, options.ratePerSecond));
        for (; attempted < due; ++attempted) {
            const SynPacket packet = buildSyn(sources.next(options.destination, options.destinationPort));
            const ssize_t n = ::sendto(raw.fd(), packet.data(), packet.size(), MSG_DONTWAIT,
                                       reinterpret_cast<const sockaddr*>(&to), sizeof to);
            if (n == static_cast<ssize_t>(packet.size())) {
                ++result.sent;
                continue;
            }
            const int error = n < 0 ? errno : EMSGSIZE;
            if (error != ENOBUFS && error != EAGAIN && error != EINTR)
                return floodError("sendto " + ipv4Text(options.destination) + ": " + errnoText(error), error);
            if (result.failed++ == 0) result.firstFailure = "sendto: " + errnoText(error);
        }
        // Behind time, this returns at once and the next batch catches up.
        if (attempted < total) sleepUntil(next + batchInterval);
    }
    result.elapsed = monotonicNow() - start;
    return result;
}

} // namespace backlog::lab
