// A measured run as JSON (issue 14): how long a flood's measurement takes to write and to read again, and
// how large it is. The measurement is made up in the shape a 1 s, 20,000-SYN/s flood gives: 40,000
// segments (each spoofed SYN and its SYN-ACK), a queue sample a millisecond, the counters every 10 ms, a
// few real clients. Prints the size and the median of --repeat runs; a figure, never a test.
#include "app/lab/Measurement.h"
#include "app/lab/SavedRun.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace backlog::lab;

Measurement flood(std::size_t segments) {
    Measurement m;
    m.kernelRelease = "6.18.44-fc-v1252";
    m.privilege = "as root";
    m.duration = 1'000'000'000;
    m.serverAddress = 0xC000'0201;
    m.serverPort = 80;
    m.workers = 2;
    std::uint32_t seed = 12345;
    const auto next = [&seed] { return seed = seed * 1'664'525u + 1'013'904'223u; };
    for (std::size_t i = 0; i < segments / 2; ++i) {
        const std::int64_t at = static_cast<std::int64_t>(i) * 50'000 + 10'000'000;
        const std::uint32_t source = 0x0A00'0000 | (next() & 0xFF'FFFF);
        const auto port = static_cast<std::uint16_t>(1024 + next() % 60'000);
        const std::uint32_t seq = next();
        m.segments.push_back({at, source, m.serverAddress, port, 80, kSyn, seq, 0, 0});
        m.segments.push_back(
            {at + 20'000, m.serverAddress, source, 80, port, kSyn | kAck, next(), seq + 1, 0});
    }
    for (std::int64_t t = 0; t < m.duration; t += 1'000'000)
        m.queues.push_back({t, 0, 0, 128, static_cast<std::uint32_t>(t / 1'000'000)});
    for (std::int64_t t = 0; t < m.duration; t += 10'000'000) {
        CounterSample c;
        c.at = t;
        for (int k = 0; k < 26; ++k)
            c.values["TcpExtCounter" + std::to_string(k)] = t / 1'000'000 + k;
        m.counters.push_back(std::move(c));
    }
    for (int i = 0; i < 20; ++i) {
        ClientMeasurement c;
        c.address = 0xC000'020A;
        c.port = static_cast<std::uint16_t>(40'000 + i);
        c.connectAt = 10'000'000 + i * 2'000'000;
        c.connectedAt = c.connectAt + 40'000;
        c.respondedAt = c.connectAt + 50'000'000;
        c.closedAt = c.respondedAt + 1000;
        m.clients.push_back(c);
        m.accepts.push_back({c.connectedAt + 1000, i % 2, 0, c.address, c.port});
        m.wakeups.push_back({c.connectedAt + 900, i % 2, false});
    }
    return m;
}

template <typename F> double medianMs(int repeat, F&& f) {
    std::vector<double> ms;
    for (int r = 0; r < repeat; ++r) {
        const auto start = std::chrono::steady_clock::now();
        f();
        const auto stop = std::chrono::steady_clock::now();
        ms.push_back(std::chrono::duration<double, std::milli>(stop - start).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int repeat = 7;
    std::size_t segments = 40'000;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
        if (a == "--segments") segments = static_cast<std::size_t>(std::max(2, std::atoi(argv[i + 1])));
    }
    SavedRun run;
    run.path = "flood.yaml";
    run.until = 1'000'000'000;
    run.fileText = "title: flood\n";
    run.measurement = flood(segments);
    std::string text;
    const double write = medianMs(repeat, [&] { text = serialiseSavedRun(run).value(); });
    bool ok = true;
    const double read = medianMs(repeat, [&] { ok = parseSavedRun(text).ok() && ok; });
    if (!ok) {
        std::fprintf(stderr, "bench_measurement: the run did not read back\n");
        return 1;
    }
    std::printf("segments          %zu\n", run.measurement.segments.size());
    std::printf("size              %zu bytes (%.1f per segment)\n", text.size(),
                static_cast<double>(text.size()) / static_cast<double>(run.measurement.segments.size()));
    std::printf("serialise         %.1f ms (median of %d)\n", write, repeat);
    std::printf("parse             %.1f ms (median of %d)\n", read, repeat);
    return 0;
}
