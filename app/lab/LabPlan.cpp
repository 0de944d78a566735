#include "app/lab/LabPlan.h"

#include "model/scenario/Settings.h"

#include <algorithm>

namespace backlog::lab {

namespace {

// "6.18" of "6.18.0-1-amd64".
std::string majorMinor(const std::string& release) {
    const std::size_t first = release.find('.');
    if (first == std::string::npos) return release;
    const std::size_t second = release.find_first_not_of("0123456789", first + 1);
    return release.substr(0, second);
}

std::optional<std::string> beyondLimits(const Scenario& sc, Time end) {
    const auto limit = [](const std::string& what, std::int64_t value, std::int64_t max) {
        return what + " " + std::to_string(value) + ", more than the lab's limit of " + std::to_string(max);
    };
    if (end > LabLimits::maxDuration)
        return "the experiment would take " + formatDuration(end) +
               " of real time, more than the lab's limit of " + formatDuration(LabLimits::maxDuration) +
               " (give --until to run part of it)";
    std::int64_t sockets = 0;
    for (const TrafficEntry& e : sc.traffic) {
        if (e.kind == TrafficEntry::Kind::Clients) {
            sockets += plannedConnections(e.clients);
            continue;
        }
        const std::int64_t syns =
            e.flood.ratePerSecond *
            std::max<std::int64_t>(0, (std::min(e.flood.to, end) - e.flood.from).count()) / 1'000'000'000;
        if (e.flood.ratePerSecond > LabLimits::maxFloodRate)
            return limit("flood " + e.flood.name + ": a rate of", e.flood.ratePerSecond,
                         LabLimits::maxFloodRate) +
                   " SYNs per second";
        if (syns > LabLimits::maxFloodSyns)
            return limit("flood " + e.flood.name + ": spoofed SYNs", syns, LabLimits::maxFloodSyns);
    }
    if (sc.traffic.size() > static_cast<std::size_t>(LabLimits::maxTrafficEntries))
        return limit("traffic entries", static_cast<std::int64_t>(sc.traffic.size()),
                     LabLimits::maxTrafficEntries);
    if (sockets > LabLimits::maxSockets) return limit("client connections", sockets, LabLimits::maxSockets);
    if (sc.server.workers.count > LabLimits::maxWorkers)
        return limit("server.workers.count", sc.server.workers.count, LabLimits::maxWorkers) + " threads";
    if (sc.server.listeners > LabLimits::maxListeners)
        return limit("server.listeners", sc.server.listeners, LabLimits::maxListeners);
    return std::nullopt;
}

void warnAboutWhatIsNotReproduced(const Scenario& sc, const std::string& release,
                                  std::vector<std::string>& out) {
    if (majorMinor(release) != sc.kernel.profile.name)
        out.push_back(std::string("the scenario models Linux ") + sc.kernel.profile.name +
                      "; this machine runs " + release +
                      ", and where the two differ (KERNEL.md section 5) the measurement follows " +
                      majorMinor(release));
    if (sc.kernel.hz != 250)
        out.push_back("kernel.hz " + std::to_string(sc.kernel.hz) +
                      " is not reproduced: the timers run at this kernel's own HZ");
    if (sc.network.rtt > Time::us(100) || sc.network.jitter > Time() || sc.network.lossPpm > 0)
        out.push_back("network.rtt " + formatDuration(sc.network.rtt) +
                      ", jitter and loss are not reproduced: without netem the namespace's loopback delivers "
                      "every segment within microseconds");
    // network.faults are reproduced by socket filters (LabFaults.h), the model's rule whole: a fault of
    // everyone drops spoofed SYNs too, a SYN-ACK to a spoofed source is lost in the black hole either way,
    // and a named fault of a flood drops nothing in either. A filter that cannot be loaded is warned
    // about by the experiment, which alone knows.
    for (const Intervention& iv : sc.events)
        if (iv.key != "start-traffic")
            out.push_back("the change of " + iv.key + (iv.value.empty() ? "" : " to " + iv.value) + " at " +
                          formatDuration(iv.at) +
                          " is not reproduced: the kernel's run keeps the settings it "
                          "started with");
}

} // namespace

LabResult<LabPlan> planExperiment(const Simulation& model, const std::string& kernelRelease,
                                  std::optional<Time> until) {
    LabPlan plan;
    plan.scenario = model.scenario();
    for (std::size_t i = 0; i < plan.scenario.traffic.size(); ++i)
        plan.scenario.traffic[i] = model.trafficAsRun(i);
    // As long as the model's run (with a second for the last answers of a real machine), or --until.
    plan.end = until ? *until : model.history().end + Time::s(1);
    if (until && *until <= Time()) return LabError{"--until: the experiment needs a time after 0s"};
    if (const std::optional<std::string> why = beyondLimits(plan.scenario, plan.end)) return LabError{*why};
    warnAboutWhatIsNotReproduced(plan.scenario, kernelRelease, plan.warnings);
    plan.scenario.events.clear();
    return plan;
}

} // namespace backlog::lab
