// A packet capture of the lab namespace's IPv4 TCP segments (issue 14): what the ladder of a measured
// run is drawn from. One AF_PACKET socket on every interface of the current network namespace (lo and
// the black hole's veth, LabNetwork.h), a classic BPF filter in the kernel, a receive ring shared with
// the kernel (PACKET_RX_RING, TPACKET_V2) whose frames carry the kernel's timestamp (CLOCK_REALTIME,
// turned into the experiment's clock by LabClock), and a thread of its own that reads until stop().
// Each segment is kept once, as it was sent (Capture.cpp says why the outgoing copy is the one).
// Read-only: it changes nothing, but like everything of the lab it belongs in the lab's namespace.
#pragma once

#include "app/lab/LabResult.h"
#include "app/lab/Measurement.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace backlog::lab {

// The TCP segment in an IPv4 packet (`data` starts at the IPv4 header; `size` bytes were captured,
// which may be fewer than the packet's total length: only the headers are needed), stamped `at`.
// IP options and TCP options are stepped over by their header lengths; the payload's length comes from
// the IP total length, not from `size` (a capture keeps only the headers, and a frame may carry
// padding after the packet). Not IPv4, not TCP, a fragment, lengths that contradict each other, or
// headers cut short give an error saying which.
LabResult<TcpSegment> parseIpv4Tcp(const unsigned char* data, std::size_t size, std::int64_t at);

struct CaptureOptions {
    std::uint16_t port = 0; // segments from or to this TCP port; 0: every TCP segment
    // The receive ring: what the kernel can hold while the thread is not reading. Frames of 256 bytes
    // (headers only), so 32 MB hold about 130,000 segments, a second of a fast flood and its SYN-ACKs.
    std::size_t ringBytes = 32 << 20;
    std::size_t maxSegments = 4'000'000;    // kept at most; more are counted in notKept
    std::chrono::seconds maxDuration{3600}; // the thread stops reading after this, stop() or not
};

struct CaptureResult {
    std::vector<TcpSegment> segments; // in time order
    std::uint64_t drops = 0;      // segments the kernel could not queue for the capture (PACKET_STATISTICS)
    std::uint64_t notKept = 0;    // read but beyond maxSegments
    bool cutShort = false;        // maxDuration passed before stop(): what came later was not read
    std::uint64_t unreadable = 0; // passed the filter but did not parse (firstUnreadable says why)
    std::string firstUnreadable;
    std::size_t ringFrames = 0; // segments the ring holds
};

class Capture {
  public:
    // Opens and filters the socket, then starts the reading thread: from then on, every matching
    // segment sent in this namespace is captured. `clock` is the experiment's (Measurement.h).
    static LabResult<std::unique_ptr<Capture>> start(const LabClock& clock,
                                                     const CaptureOptions& options = {});
    ~Capture(); // stops the thread if stop() was not called; the segments are then lost
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;

    // Ends the capture: reads what the kernel has queued, joins the thread, closes the socket. Segments
    // sent before stop() are in the result. Only the first call has a result; an error says what failed
    // (the segments read until then are lost with it).
    LabResult<CaptureResult> stop();

  private:
    struct Ring {
        unsigned char* frames = nullptr; // mmap'ed, `count` frames of `frameSize` bytes
        std::size_t bytes = 0;
        std::size_t frameSize = 0;
        std::size_t count = 0;
    };
    Capture(const LabClock& clock, const CaptureOptions& options, int socket, Ring ring, int wake);
    // What one visit to the socket found: the queue emptied, more to read, or a failure (error_).
    enum class Visit { Emptied, More, Failed };
    void run();
    Visit readQueued();
    void keep(const unsigned char* data, std::size_t size, std::int64_t realtime);
    void release();

    LabClock clock_;
    CaptureOptions options_;
    int socket_ = -1;
    Ring ring_;
    std::size_t next_ = 0; // the ring's frame to read next: the kernel fills them in order
    int wake_ = -1;        // an eventfd: stop() writes it and the thread's poll() returns at once
    std::thread thread_;
    std::atomic<bool> stopped_{false};
    // Written by the thread only, read after join().
    CaptureResult result_;
    std::string error_;
};

} // namespace backlog::lab
