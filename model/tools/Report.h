// What `backlog simulate` prints: a text summary for people, or JSON for scripts and tests.
// Everything is read from the History at one time t, as any view would.
#pragma once

#include "model/kernel/Simulation.h"

#include <string>

namespace backlog {

std::string textReport(const Simulation& sim, Time t);
std::string jsonReport(const Simulation& sim, Time t);

// Seconds as a JSON number from integer nanoseconds ("1.034", "0.00002"), identical on every compiler.
std::string jsonSeconds(Time t);
// A JSON string literal with the necessary escapes.
std::string jsonString(std::string_view s);

} // namespace backlog
