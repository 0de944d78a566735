// What `backlog simulate` prints: a text summary for people, or JSON for scripts and tests.
// Everything is read from the History at one time t, as any view would.
#pragma once

#include "model/kernel/Simulation.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace backlog {

std::string textReport(const Simulation& sim, Time t);
std::string jsonReport(const Simulation& sim, Time t);

// How the clients that called connect() by t had fared by t: the report's "Clients" lines, also read by
// the comparison of two runs (Comparison.h).
struct ClientOutcomes {
    std::int64_t started = 0;   // connect() called
    std::int64_t connected = 0; // connect() returned success (the SYN-ACK came)
    std::int64_t accepted = 0;  // a worker's accept() returned the connection
    std::int64_t answered = 0;  // the response (or the server's EOF) reached the client
    // What the failed calls returned, by ClientError (ETIMEDOUT, ECONNRESET, ECONNREFUSED; [None] stays 0).
    std::array<std::int64_t, 4> failed{};
    // Started, and neither answered nor failed: still waiting for the connection or the answer.
    std::int64_t waiting = 0;
    // Connected clients by the SYN retransmissions they needed: [0] the first SYN was answered, [1] one
    // retransmission … up to the most any of them needed (the vector is empty while none is connected).
    std::vector<std::int64_t> byRetransmissions;

    std::int64_t failedWith(ClientError e) const { return failed[static_cast<std::size_t>(e)]; }
    bool operator==(const ClientOutcomes&) const = default;
};

// Counted client by client: O(clients). For one question (a report).
ClientOutcomes clientOutcomesAt(const History& h, Time t);

// The same counts indexed by time, for many questions about one run (a view following the playhead):
// built in O(n log n) from the history as it is (a copy of the times: it holds no reference to the
// run), then each at(t) costs O(r log n), r the most SYN retransmissions a client needed. Equal to
// clientOutcomesAt(h, t) at every t while the history is unchanged; build it again when it changes.
class ClientOutcomeIndex {
  public:
    ClientOutcomeIndex() = default;
    explicit ClientOutcomeIndex(const History& h);
    ClientOutcomes at(Time t) const;

  private:
    std::vector<Time> started_, connected_, accepted_, answered_, finished_;
    std::array<std::vector<Time>, 4> failed_;
    std::vector<std::vector<Time>> connectedAfter_; // by SYN retransmissions
};

// Seconds as a JSON number from integer nanoseconds ("1.034", "0.00002"), identical on every compiler.
std::string jsonSeconds(Time t);
// A JSON string literal with the necessary escapes.
std::string jsonString(std::string_view s);

} // namespace backlog
