#include "app/lab/Measurement.h"

#include "app/lab/LabJson.h"

#include <array>
#include <exception>
#include <limits>

namespace backlog::lab::json {

namespace {

constexpr std::string_view kFormat = "backlog-lab-measurement";
constexpr std::int64_t kVersion = 2;

// A record list: `"key":[` and each record on a line of its own.
template <typename Records, typename Write>
void writeList(Writer& w, std::string_view key, const Records& records, Write write) {
    w.raw(",\n\"");
    w.raw(key);
    w.raw("\":[");
    for (std::size_t i = 0; i < records.size(); ++i) {
        w.raw(i ? ",\n" : "\n");
        write(records[i], i);
    }
    w.raw("]");
}

// A time that may not have happened (negative): null.
void writeTime(Writer& w, std::int64_t ns) {
    if (ns < 0)
        w.raw("null");
    else
        w.number(ns);
}

void writeSegment(Writer& w, const TcpSegment& s) {
    w.raw("[");
    w.number(s.at);
    for (const std::uint32_t v :
         {s.source, s.destination, std::uint32_t{s.sourcePort}, std::uint32_t{s.destinationPort},
          std::uint32_t{s.flags}, s.seq, s.ack, s.payload}) {
        w.raw(",");
        w.number(v);
    }
    w.raw("]");
}

void writeClient(Writer& w, const ClientMeasurement& c, const Where& where) {
    w.raw("{\"traffic\":");
    w.number(c.traffic);
    w.raw(",\"address\":");
    w.address(c.address);
    w.raw(",\"port\":");
    w.number(c.port);
    w.raw(",\"connect_ns\":");
    writeTime(w, c.connectAt);
    w.raw(",\"connected_ns\":");
    writeTime(w, c.connectedAt);
    w.raw(",\"responded_ns\":");
    writeTime(w, c.respondedAt);
    w.raw(",\"error_ns\":");
    writeTime(w, c.errorAt);
    w.raw(",\"error\":");
    if (c.error.empty())
        w.raw("null");
    else
        w.string(c.error, where.member("error"));
    w.raw(",\"closed_ns\":");
    writeTime(w, c.closedAt);
    w.raw("}");
}

void writeCounters(Writer& w, const CounterSample& c, const Where& where) {
    w.raw("{\"at_ns\":");
    w.number(c.at);
    w.raw(",\"values\":{");
    const Where values = where.member("values");
    bool first = true;
    for (const auto& [name, value] : c.values) {
        if (!first) w.raw(",");
        first = false;
        w.string(name, values.member(name));
        w.raw(":");
        w.number(value);
    }
    w.raw("}}");
}

void writeRecords(Writer& w, const Measurement& m, const Where& where) {
    writeList(w, "accepts", m.accepts, [&w](const AcceptRecord& a, std::size_t) {
        w.raw("{\"at_ns\":");
        w.number(a.at);
        w.raw(",\"worker\":");
        w.number(a.worker);
        w.raw(",\"listener\":");
        w.number(a.listener);
        w.raw(",\"peer_address\":");
        w.address(a.peerAddress);
        w.raw(",\"peer_port\":");
        w.number(a.peerPort);
        w.raw("}");
    });
    writeList(w, "wakeups", m.wakeups, [&w](const WakeupRecord& r, std::size_t) {
        w.raw("{\"at_ns\":");
        w.number(r.at);
        w.raw(",\"worker\":");
        w.number(r.worker);
        w.raw(r.eagain ? ",\"eagain\":true}" : ",\"eagain\":false}");
    });
    const Where clients = where.member("clients");
    writeList(w, "clients", m.clients,
              [&](const ClientMeasurement& c, std::size_t i) { writeClient(w, c, clients.element(i)); });
    writeList(w, "queues", m.queues, [&w](const QueueSample& q, std::size_t) {
        w.raw("[");
        w.number(q.at);
        for (const std::int64_t v : {std::int64_t{q.listener}, std::int64_t{q.acceptQueue},
                                     std::int64_t{q.backlog}, std::int64_t{q.synRecv}}) {
            w.raw(",");
            w.number(v);
        }
        w.raw("]");
    });
    const Where counters = where.member("counters");
    writeList(w, "counters", m.counters,
              [&](const CounterSample& c, std::size_t i) { writeCounters(w, c, counters.element(i)); });
    writeList(w, "segments", m.segments, [&w](const TcpSegment& s, std::size_t) { writeSegment(w, s); });
}

} // namespace

void writeMeasurement(Writer& w, const Measurement& m, const Where& where) {
    w.raw("{\"format\":\"");
    w.raw(kFormat);
    w.raw("\",\"version\":");
    w.number(kVersion);
    w.raw(",\"kernel_release\":");
    w.string(m.kernelRelease, where.member("kernel_release"));
    w.raw(",\"privilege\":");
    w.string(m.privilege, where.member("privilege"));
    w.raw(",\"duration_ns\":");
    w.number(m.duration);
    w.raw(",\"server_address\":");
    w.address(m.serverAddress);
    w.raw(",\"server_port\":");
    w.number(m.serverPort);
    const Where warnings = where.member("warnings");
    writeList(w, "warnings", m.warnings,
              [&](const std::string& s, std::size_t i) { w.string(s, warnings.element(i)); });
    w.raw(",\n\"capture_drops\":");
    w.number(m.captureDrops);
    w.raw(",\"workers\":");
    w.number(m.workers);
    if (!m.faultsReproduced.empty()) { // optional: a run without faults (or saved before them) has none
        w.raw(",\"faults_reproduced\":[");
        for (std::size_t i = 0; i < m.faultsReproduced.size(); ++i) {
            if (i > 0) w.raw(",");
            w.number(m.faultsReproduced[i]);
        }
        w.raw("]");
    }
    writeRecords(w, m, where);
    w.raw("}");
}

} // namespace backlog::lab::json

namespace backlog::lab::json {

namespace {

template <typename T>
T integerAt(const Json& o, std::string_view key, const Where& where, T min = std::numeric_limits<T>::min(),
            T max = std::numeric_limits<T>::max()) {
    return integer<T>(member(o, key, where), where.member(key), min, max);
}

// A time that may not have happened: null is -1; a time that did is not negative.
std::int64_t timeAt(const Json& o, std::string_view key, const Where& where) {
    const Json& t = member(o, key, where);
    return t.is_null() ? -1 : integer<std::int64_t>(t, where.member(key), 0);
}

// Each element of the array `key`, read by `read(element, where)`.
template <typename Read> void eachOf(const Json& o, std::string_view key, const Where& where, Read read) {
    const Where list = where.member(key);
    const Json& a = array(member(o, key, where), list);
    for (std::size_t i = 0; i < a.size(); ++i)
        read(a[i], list.element(i));
}

// A record written as an array of `names.size()` integers; the names say which one is wrong.
template <std::size_t N>
void checkColumns(const Json& r, const Where& where, const std::array<std::string_view, N>& names) {
    if (r.is_array() && r.size() == N) return;
    std::string list;
    for (const std::string_view n : names)
        list += (list.empty() ? "" : ", ") + std::string(n);
    where.refuse("expected " + std::to_string(N) + " numbers [" + list + "], found " +
                 (r.is_array() ? "an array of " + std::to_string(r.size()) : describe(r)));
}

constexpr std::array<std::string_view, 9> kSegmentColumns = {
    "at", "source", "destination", "source_port", "destination_port", "flags", "seq", "ack", "payload"};
constexpr std::array<std::string_view, 5> kQueueColumns = {"at", "listener", "accept_queue", "backlog",
                                                           "syn_recv"};

TcpSegment readSegment(const Json& r, const Where& where) {
    checkColumns(r, where, kSegmentColumns);
    const auto u32 = [&](std::size_t i) {
        return integer<std::uint32_t>(r[i], where.column(i, kSegmentColumns[i]));
    };
    const auto u16 = [&](std::size_t i) {
        return integer<std::uint16_t>(r[i], where.column(i, kSegmentColumns[i]));
    };
    TcpSegment s;
    s.at = integer<std::int64_t>(r[0], where.column(0, kSegmentColumns[0]));
    s.source = u32(1);
    s.destination = u32(2);
    s.sourcePort = u16(3);
    s.destinationPort = u16(4);
    s.flags = integer<std::uint8_t>(r[5], where.column(5, kSegmentColumns[5]));
    s.seq = u32(6);
    s.ack = u32(7);
    s.payload = u32(8);
    return s;
}

QueueSample readQueue(const Json& r, const Where& where) {
    checkColumns(r, where, kQueueColumns);
    const auto u32 = [&](std::size_t i) {
        return integer<std::uint32_t>(r[i], where.column(i, kQueueColumns[i]));
    };
    QueueSample q;
    q.at = integer<std::int64_t>(r[0], where.column(0, kQueueColumns[0]));
    q.listener = integer<int>(r[1], where.column(1, kQueueColumns[1]), 0);
    q.acceptQueue = u32(2);
    q.backlog = u32(3);
    q.synRecv = u32(4);
    return q;
}

ClientMeasurement readClient(const Json& r, const Where& where) {
    object(r, where);
    onlyKeys(r,
             {"traffic", "address", "port", "connect_ns", "connected_ns", "responded_ns", "error_ns", "error",
              "closed_ns"},
             where);
    ClientMeasurement c;
    c.traffic = integerAt<int>(r, "traffic", where, 0);
    c.address = address(member(r, "address", where), where.member("address"));
    c.port = integerAt<std::uint16_t>(r, "port", where);
    c.connectAt = timeAt(r, "connect_ns", where);
    c.connectedAt = timeAt(r, "connected_ns", where);
    c.respondedAt = timeAt(r, "responded_ns", where);
    c.errorAt = timeAt(r, "error_ns", where);
    const Json& error = member(r, "error", where);
    if (!error.is_null()) c.error = text(error, where.member("error"));
    c.closedAt = timeAt(r, "closed_ns", where);
    return c;
}

CounterSample readCounters(const Json& r, const Where& where) {
    object(r, where);
    onlyKeys(r, {"at_ns", "values"}, where);
    CounterSample c;
    c.at = integerAt<std::int64_t>(r, "at_ns", where);
    const Where values = where.member("values");
    for (const auto& [name, value] : object(member(r, "values", where), values).items())
        c.values[name] = integer<std::int64_t>(value, values.member(name));
    return c;
}

void readRecords(const Json& j, const Where& where, Measurement& m) {
    eachOf(j, "accepts", where, [&m](const Json& r, const Where& w) {
        object(r, w);
        onlyKeys(r, {"at_ns", "worker", "listener", "peer_address", "peer_port"}, w);
        m.accepts.push_back({integerAt<std::int64_t>(r, "at_ns", w), integerAt<int>(r, "worker", w, 0),
                             integerAt<int>(r, "listener", w, 0),
                             address(member(r, "peer_address", w), w.member("peer_address")),
                             integerAt<std::uint16_t>(r, "peer_port", w)});
    });
    eachOf(j, "wakeups", where, [&m](const Json& r, const Where& w) {
        object(r, w);
        onlyKeys(r, {"at_ns", "worker", "eagain"}, w);
        m.wakeups.push_back({integerAt<std::int64_t>(r, "at_ns", w), integerAt<int>(r, "worker", w, 0),
                             boolean(member(r, "eagain", w), w.member("eagain"))});
    });
    eachOf(j, "clients", where,
           [&m](const Json& r, const Where& w) { m.clients.push_back(readClient(r, w)); });
    eachOf(j, "queues", where, [&m](const Json& r, const Where& w) { m.queues.push_back(readQueue(r, w)); });
    eachOf(j, "counters", where,
           [&m](const Json& r, const Where& w) { m.counters.push_back(readCounters(r, w)); });
    m.segments.reserve(array(member(j, "segments", where), where.member("segments")).size());
    eachOf(j, "segments", where,
           [&m](const Json& r, const Where& w) { m.segments.push_back(readSegment(r, w)); });
}

} // namespace

Measurement readMeasurement(const Json& j, const Where& where) {
    object(j, where);
    checkHeader(j, kFormat, kVersion, where);
    onlyKeys(j,
             {"format", "version", "kernel_release", "privilege", "duration_ns", "server_address",
              "server_port", "warnings", "capture_drops", "workers", "accepts", "wakeups", "clients",
              "queues", "counters", "segments", "faults_reproduced"},
             where);
    Measurement m;
    m.kernelRelease = text(member(j, "kernel_release", where), where.member("kernel_release"));
    m.privilege = text(member(j, "privilege", where), where.member("privilege"));
    m.duration = integerAt<std::int64_t>(j, "duration_ns", where, 0);
    m.serverAddress = address(member(j, "server_address", where), where.member("server_address"));
    m.serverPort = integerAt<std::uint16_t>(j, "server_port", where);
    eachOf(j, "warnings", where, [&m](const Json& r, const Where& w) { m.warnings.push_back(text(r, w)); });
    m.captureDrops = integerAt<std::uint64_t>(j, "capture_drops", where);
    m.workers = integerAt<int>(j, "workers", where, 0);
    if (j.contains("faults_reproduced"))
        eachOf(j, "faults_reproduced", where,
               [&m](const Json& r, const Where& w) { m.faultsReproduced.push_back(integer<int>(r, w, 0)); });
    readRecords(j, where, m);
    return m;
}

} // namespace backlog::lab::json

namespace backlog::lab {

LabResult<std::string> serialiseMeasurement(const Measurement& m) {
    try {
        json::Writer w;
        json::writeMeasurement(w, m, json::Where{"a lab measurement"});
        w.raw("\n");
        return w.take();
    } catch (const json::Refusal& r) {
        return LabError{r.message};
    } catch (const std::exception& e) { // out of memory: nothing else is thrown here
        return LabError{std::string("a lab measurement: ") + e.what()};
    }
}

LabResult<Measurement> parseMeasurement(std::string_view text) {
    const json::Where root{"a lab measurement"};
    try {
        return json::readMeasurement(json::parseDocument(text, root), root);
    } catch (const json::Refusal& r) {
        return LabError{r.message};
    } catch (const std::exception& e) { // out of memory, or a nlohmann error the checks above missed
        return LabError{std::string("a lab measurement: ") + e.what()};
    }
}

} // namespace backlog::lab
