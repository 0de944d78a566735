#include "model/lesson/LessonFacts.h"

#include "model/core/Packet.h"
#include "model/kernel/Simulation.h"
#include "model/scenario/ScenarioReader.h"
#include "model/scenario/Settings.h"

#include <algorithm>
#include <set>

namespace backlog {

namespace {

// A scenario of the reader's making (its defaults, the profile's sysctls), from text the guide controls.
Scenario scenarioFrom(const std::string& text) {
    ReadResult read = readScenarioText(text, "guide");
    return read.scenario ? *read.scenario : Scenario{};
}

// One client whose SYNs are all lost: the server never answers, so only the client's timers act (T6).
std::string unansweredClient(const std::string& kernel) {
    return "kernel: { " + kernel +
           " }\n"
           "network: { faults: [ { drop: syn } ] }\n"
           "traffic: [ { name: c, clients: 1, send: false } ]\n"
           "until: 600s\n";
}

// A client's SYN times after the first, and when its connect() failed, from its connect().
struct ClientTimes {
    std::vector<Time> syns;
    Time failed = Time::never();
    bool operator==(const ClientTimes&) const = default;
};

ClientTimes clientTimes(const Scenario& scenario) {
    Simulation sim(scenario);
    sim.run();
    ClientTimes out;
    if (sim.history().clients.empty()) return out;
    const ClientRecord& c = sim.history().clients.front();
    for (std::size_t i = 1; i < c.synTimes.size(); ++i)
        out.syns.push_back(c.synTimes[i] - c.connectAt);
    if (c.errorAt != Time::never()) out.failed = c.errorAt - c.connectAt;
    return out;
}

// The server's SYN-ACKs to one client whose final ACK is always lost (T1), from the first.
void serverTimes(const std::string& version, ProfileSchedule& out) {
    const Scenario scenario = scenarioFrom("kernel: { version: \"" + version +
                                           "\" }\n"
                                           "network: { faults: [ { drop: client-acks } ] }\n"
                                           "traffic: [ { name: c, clients: 1, send: false } ]\n"
                                           "until: 600s\n");
    out.synackRetries = scenario.kernel.tcpSynackRetries;
    Simulation sim(scenario);
    sim.run();
    const History& h = sim.history();
    Time first = Time::never();
    for (std::uint32_t i = 0; i < h.packetCount(); ++i) {
        const Packet p = h.packet(i);
        if (p.kind != PacketKind::SynAck || p.toServer) continue;
        if (first == Time::never())
            first = p.sent;
        else
            out.synackRetransmits.push_back(p.sent - first);
    }
    // The request's end: the server's socket for the client closes when the timer gives up.
    if (!h.clients.empty())
        for (const auto& [at, state] : h.clients.front().serverStates)
            if (state == TcpState::Closed && first != Time::never()) out.requestExpires = at - first;
}

} // namespace

std::vector<ProfileSchedule> profileSchedules() {
    std::vector<ProfileSchedule> out;
    for (const KernelProfile& profile : kernelProfiles()) {
        ProfileSchedule s;
        s.profile = profile.name;
        const Scenario scenario = scenarioFrom(unansweredClient("version: \"" + s.profile + "\""));
        s.synRetries = scenario.kernel.tcpSynRetries;
        s.synLinearTimeouts = profile.hasLinearSynTimeouts ? scenario.kernel.tcpSynLinearTimeouts : 0;
        const ClientTimes times = clientTimes(scenario);
        s.synRetransmits = times.syns;
        s.connectFails = times.failed;
        serverTimes(s.profile, s);
        out.push_back(std::move(s));
    }
    return out;
}

std::vector<TimerSpread> firstRetransmitSpread(int seeds) {
    std::vector<TimerSpread> out;
    for (const int hz : {100, 250, 300, 1000}) {
        TimerSpread spread{hz, seeds, Time::s(1), Time::never(), Time()};
        for (int seed = 1; seed <= seeds; ++seed) {
            Scenario scenario = scenarioFrom(unansweredClient("hz: " + std::to_string(hz)));
            scenario.seed = static_cast<std::uint64_t>(seed);
            scenario.until = Time::s(2); // the first retransmission is all that is read
            const ClientTimes times = clientTimes(scenario);
            if (times.syns.empty()) continue;
            spread.earliest = std::min(spread.earliest, times.syns.front());
            spread.latest = std::max(spread.latest, times.syns.front());
        }
        out.push_back(spread);
    }
    return out;
}

std::vector<std::string> clientHostSettings() {
    const Scenario base = scenarioFrom(unansweredClient(""));
    const ClientTimes baseline = clientTimes(base);
    std::vector<std::string> out;
    for (const SettingValue& setting : settingValues(base)) {
        const std::string& key = setting.key;
        if (!key.starts_with("kernel.") && !key.starts_with("net.")) continue;
        // Any other value the key takes will do; a few likely ones are tried (every profile, for the
        // version).
        std::set<std::string> candidates{"0", "1", "2", "3", "100", "1000"};
        if (setting.number) {
            candidates.insert(std::to_string(*setting.number + 1));
            candidates.insert(std::to_string(*setting.number - 1));
        }
        for (const KernelProfile& profile : kernelProfiles())
            candidates.insert(profile.name);
        for (const std::string& value : candidates) {
            if (value == setting.text) continue;
            Scenario changed = base;
            if (applySetting(changed, key, value)) continue; // not a value of this key
            if (!(clientTimes(changed) == baseline)) {
                out.push_back(key);
                break;
            }
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> defaultClientEntry() {
    const Scenario scenario = scenarioFrom("traffic: [ { name: c } ]\n");
    std::vector<std::pair<std::string, std::string>> out;
    for (const SettingValue& setting : settingValues(scenario))
        if (setting.key.starts_with("traffic.c.")) out.emplace_back(setting.key.substr(10), setting.text);
    return out;
}

} // namespace backlog
