#include "model/scenario/Scenario.h"

namespace backlog {

const std::vector<KernelProfile>& kernelProfiles() {
    // KERNEL.md section 5. 4.15 is the Ubuntu 18.04 kernel of the course's Apache experiment;
    // 6.12 is taken before the January 2025 backport that made the SYN queue hold backlog+1.
    static const std::vector<KernelProfile> profiles{
        {KernelVersion::v4_15, "4.15", 128, false, false, false, true},
        {KernelVersion::v5_4, "5.4", 4096, false, false, false, true},
        {KernelVersion::v6_1, "6.1", 4096, false, false, true, true},
        {KernelVersion::v6_12, "6.12", 4096, false, true, true, true},
        {KernelVersion::v6_18, "6.18", 4096, true, true, true, true},
    };
    return profiles;
}

const KernelProfile* findKernelProfile(const std::string& name) {
    for (const KernelProfile& p : kernelProfiles())
        if (name == p.name) return &p;
    return nullptr;
}

KernelSettings KernelSettings::defaultsFor(const KernelProfile& profile) {
    KernelSettings k;
    k.profile = profile;
    k.somaxconn = profile.defaultSomaxconn;
    k.tcpSynLinearTimeouts = profile.hasLinearSynTimeouts ? 4 : 0;
    return k;
}

} // namespace backlog
