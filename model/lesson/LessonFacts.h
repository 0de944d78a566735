// Facts a lesson author needs, measured on the model itself rather than written down (issue 16): what
// the clients' and the server's retransmission timers do under each kernel profile, how far the timer
// wheel moves a timer, which sysctls the clients' host follows too, and what a clients entry does by
// default. Each is found by running a tiny scenario and reading its history, so the guide says exactly
// what the model does.
#pragma once

#include "model/core/Time.h"

#include <string>
#include <vector>

namespace backlog {

// One kernel profile's handshake timers, with its default sysctls and the default seed: times from the
// client's connect() (SYNs) and from the server's first SYN-ACK (SYN-ACKs).
struct ProfileSchedule {
    std::string profile;
    int synRetries = 0;
    int synLinearTimeouts = 0;
    std::vector<Time> synRetransmits; // a client whose SYNs are all lost (T6)
    Time connectFails;                // when its connect() returns ETIMEDOUT
    int synackRetries = 0;
    std::vector<Time> synackRetransmits; // a request whose final ACK is always lost (T1)
    Time requestExpires;                 // when the server forgets it
};
std::vector<ProfileSchedule> profileSchedules();

// Where a timer armed for `nominal` fires over `seeds` seeds (the seed sets the timer wheel's phase, M11):
// the first SYN retransmission, armed for 1 s, under kernel.hz = `hz`.
struct TimerSpread {
    int hz = 0;
    int seeds = 0;
    Time nominal;
    Time earliest;
    Time latest;
};
std::vector<TimerSpread> firstRetransmitSpread(int seeds);

// The kernel settings that change what the clients do, found by changing each one in a run whose server
// never answers: the model's clients run under the same `kernel:` section as the server.
std::vector<std::string> clientHostSettings();

// What a clients entry with no keys but its name does: its settings in the scenario vocabulary
// ("clients" = "1", "send" = "true" …), read from a scenario the reader made.
std::vector<std::pair<std::string, std::string>> defaultClientEntry();

} // namespace backlog
