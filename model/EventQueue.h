// The pending events, in (time, order) order. Most events are scheduled in non-decreasing time within
// their own kind (every packet of a fixed-delay network arrives rtt/2 after it is sent; a flood's next
// SYN follows its last; TIME-WAIT always lasts 60 s), so each kind has a FIFO lane that needs no
// sorting, and an event that would break its lane's order (kernel timers, jittered packets, random
// service times) goes to a binary heap instead. The next event is the smallest front. Copyable, for
// checkpoints.
#pragma once

#include "Time.h"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <queue>
#include <vector>

namespace backlog {

enum class EventType : std::uint8_t;

struct Event {
    Time at;
    std::uint64_t order; // within one instant: interventions, then kernel timers (M11), then the rest
    std::uint32_t target;
    std::uint32_t gen;   // lazily cancelled: stale when it no longer matches its target's generation
    EventType type;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
};

class EventQueue {
public:
    // `lane`: the event's kind (an index below kLanes); kNoLane sends it to the heap.
    static constexpr std::size_t kLanes = 12;
    static constexpr std::size_t kNoLane = kLanes;
    void push(const Event& e, std::size_t lane) {
        ++size_;
        if (lane < kLanes && (lanes_[lane].empty() || !(lanes_[lane].back() > e))) lanes_[lane].push_back(e);
        else heap_.push(e);
    }
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const Event& top() const { return *front(); }
    Event pop() {
        const Event* f = front();
        const Event e = *f;
        --size_;
        for (std::deque<Event>& lane : lanes_) {
            if (!lane.empty() && &lane.front() == f) {
                lane.pop_front();
                return e;
            }
        }
        heap_.pop();
        return e;
    }

private:
    const Event* front() const {
        const Event* best = heap_.empty() ? nullptr : &heap_.top();
        for (const std::deque<Event>& lane : lanes_)
            if (!lane.empty() && (!best || *best > lane.front())) best = &lane.front();
        return best;
    }

    std::array<std::deque<Event>, kLanes> lanes_;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> heap_;
    std::size_t size_ = 0;
};

} // namespace backlog
