#include "app/lab/Measurement.h"

#include <ctime>
#include <sstream>
#include <stdexcept>

namespace backlog::lab {

namespace {

std::int64_t clockNs(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

LabClock LabClock::now() {
    LabClock c;
    c.monotonicEpoch = clockNs(CLOCK_MONOTONIC);
    c.realtimeEpoch = clockNs(CLOCK_REALTIME);
    return c;
}

std::int64_t LabClock::sinceEpoch() const {
    return clockNs(CLOCK_MONOTONIC) - monotonicEpoch;
}

} // namespace backlog::lab

namespace backlog::lab {

namespace {

constexpr std::string_view kHeader = "backlog-lab-measurement 1";

// The rest of a line after its tag and one space, for the records that hold free text.
std::string restOf(std::istringstream& in) {
    std::string rest;
    std::getline(in >> std::ws, rest);
    in.clear(); // an empty rest is an empty text, not a malformed record
    return rest;
}

} // namespace

std::string serialiseMeasurement(const Measurement& m) {
    std::ostringstream out;
    out << kHeader << "\n";
    out << "kernel " << m.kernelRelease << "\nprivilege " << m.privilege << "\nduration " << m.duration
        << "\nserver " << m.serverAddress << " " << m.serverPort << "\nworkers " << m.workers << "\ndrops "
        << m.captureDrops << "\n";
    for (const std::string& w : m.warnings)
        out << "warning " << w << "\n";
    for (const TcpSegment& s : m.segments)
        out << "seg " << s.at << " " << s.source << " " << s.destination << " " << s.sourcePort << " "
            << s.destinationPort << " " << int{s.flags} << " " << s.seq << " " << s.ack << " " << s.payload
            << "\n";
    for (const AcceptRecord& a : m.accepts)
        out << "acc " << a.at << " " << a.worker << " " << a.listener << " " << a.peerAddress << " "
            << a.peerPort << "\n";
    for (const WakeupRecord& w : m.wakeups)
        out << "wake " << w.at << " " << w.worker << " " << (w.eagain ? 1 : 0) << "\n";
    for (const ClientMeasurement& c : m.clients)
        out << "cli " << c.traffic << " " << c.address << " " << c.port << " " << c.connectAt << " "
            << c.connectedAt << " " << c.respondedAt << " " << c.errorAt << " " << c.closedAt << " "
            << (c.error.empty() ? "-" : c.error) << "\n";
    for (const QueueSample& q : m.queues)
        out << "q " << q.at << " " << q.listener << " " << q.acceptQueue << " " << q.backlog << " "
            << q.synRecv << "\n";
    for (const CounterSample& c : m.counters) {
        out << "cnt " << c.at;
        for (const auto& [name, value] : c.values)
            out << " " << name << "=" << value;
        out << "\n";
    }
    return out.str();
}

LabResult<Measurement> parseMeasurement(std::string_view text) {
    Measurement m;
    std::istringstream lines{std::string(text)};
    std::string line;
    int number = 0;
    const auto bad = [&](const std::string& why) {
        return LabError{"measurement line " + std::to_string(number) + ": " + why};
    };
    while (std::getline(lines, line)) {
        ++number;
        if (number == 1) {
            if (line != kHeader)
                return bad("expected \"" + std::string(kHeader) + "\" (not a lab measurement)");
            continue;
        }
        if (line.empty()) continue;
        std::istringstream in(line);
        std::string tag;
        in >> tag;
        if (tag == "kernel") {
            m.kernelRelease = restOf(in);
        } else if (tag == "privilege") {
            m.privilege = restOf(in);
        } else if (tag == "warning") {
            m.warnings.push_back(restOf(in));
        } else if (tag == "duration") {
            in >> m.duration;
        } else if (tag == "server") {
            in >> m.serverAddress >> m.serverPort;
        } else if (tag == "workers") {
            in >> m.workers;
        } else if (tag == "drops") {
            in >> m.captureDrops;
        } else if (tag == "seg") {
            TcpSegment s;
            int flags = 0;
            in >> s.at >> s.source >> s.destination >> s.sourcePort >> s.destinationPort >> flags >> s.seq >>
                s.ack >> s.payload;
            s.flags = static_cast<std::uint8_t>(flags);
            m.segments.push_back(s);
        } else if (tag == "acc") {
            AcceptRecord a;
            in >> a.at >> a.worker >> a.listener >> a.peerAddress >> a.peerPort;
            m.accepts.push_back(a);
        } else if (tag == "wake") {
            WakeupRecord w;
            int eagain = 0;
            in >> w.at >> w.worker >> eagain;
            w.eagain = eagain != 0;
            m.wakeups.push_back(w);
        } else if (tag == "cli") {
            ClientMeasurement c;
            in >> c.traffic >> c.address >> c.port >> c.connectAt >> c.connectedAt >> c.respondedAt >>
                c.errorAt >> c.closedAt >> c.error;
            if (c.error == "-") c.error.clear();
            m.clients.push_back(c);
        } else if (tag == "q") {
            QueueSample q;
            in >> q.at >> q.listener >> q.acceptQueue >> q.backlog >> q.synRecv;
            m.queues.push_back(q);
        } else if (tag == "cnt") {
            CounterSample c;
            in >> c.at;
            std::string pair;
            while (in >> pair) {
                const std::size_t eq = pair.find('=');
                if (eq == std::string::npos) return bad("expected NAME=VALUE, found \"" + pair + "\"");
                try {
                    c.values[pair.substr(0, eq)] = std::stoll(pair.substr(eq + 1));
                } catch (...) {
                    return bad("expected an integer after " + pair.substr(0, eq + 1));
                }
            }
            in.clear(); // the loop ends by failing to read one more pair
            m.counters.push_back(std::move(c));
        } else {
            return bad("unknown record \"" + tag + "\"");
        }
        if (in.fail()) return bad("a " + tag + " record with a missing or malformed field");
    }
    if (number == 0) return LabError{"the measurement is empty"};
    return m;
}

} // namespace backlog::lab
