// The pending events, in (time, order) order. Most events are scheduled in non-decreasing time within
// their own kind (every packet of a fixed-delay network arrives rtt/2 after it is sent; a flood's next
// SYN follows its last; TIME-WAIT always lasts 60 s), so each kind has a FIFO lane that needs no
// sorting, and an event that would break its lane's order (kernel timers, jittered packets, random
// service times) goes to a binary heap instead. The next event is the smallest front. Copyable, for
// checkpoints.
#pragma once

#include "model/core/Time.h"

#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace backlog {

enum class EventType : std::uint8_t;

struct Event {
    Time at;
    std::uint64_t order; // within one instant: interventions, then kernel timers (M11), then the rest
    std::uint32_t target;
    std::uint32_t gen; // lazily cancelled: stale when it no longer matches its target's generation
    EventType type;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : order > o.order; }
};

// A FIFO of events in a power-of-two ring: no allocation per push once grown, and copyable.
class EventRing {
  public:
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const Event& front() const { return buf_[head_]; }
    const Event& back() const { return buf_[(head_ + size_ - 1) & (buf_.size() - 1)]; }
    void pop_front() {
        head_ = (head_ + 1) & (buf_.size() - 1);
        --size_;
    }
    void push_back(const Event& e) {
        if (size_ == buf_.size()) grow();
        buf_[(head_ + size_) & (buf_.size() - 1)] = e;
        ++size_;
    }

  private:
    void grow() {
        std::vector<Event> bigger(buf_.empty() ? 64 : buf_.size() * 2);
        for (std::size_t i = 0; i < size_; ++i)
            bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
        buf_.swap(bigger);
        head_ = 0;
    }
    std::vector<Event> buf_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

class EventQueue {
  public:
    // `lane`: the event's kind (an index below kLanes); kNoLane sends it to the heap.
    static constexpr std::size_t kLanes = 16;
    static constexpr std::size_t kNoLane = kLanes;
    void push(const Event& e, std::size_t lane) {
        ++size_;
        if (lane < kLanes && (lanes_[lane].empty() || !(lanes_[lane].back() > e))) {
            lanes_[lane].push_back(e);
            busy_ |= 1u << lane;
        } else {
            heap_.push(e);
        }
    }
    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    const Event& top() const { return *front(); }
    Event pop() {
        Event e{};
        popIfNotAfter(Time::never(), e);
        return e;
    }
    // Takes the next event if it is due at or before t: one scan of the fronts.
    bool popIfNotAfter(Time t, Event& out) {
        std::size_t from = kLanes;
        const Event* best = front(&from);
        if (!best || best->at > t) return false;
        out = *best;
        --size_;
        if (from < kLanes) {
            lanes_[from].pop_front();
            if (lanes_[from].empty()) busy_ &= ~(1u << from);
        } else {
            heap_.pop();
        }
        return true;
    }

  private:
    // The smallest front, looking only at the lanes that hold something.
    const Event* front(std::size_t* lane = nullptr) const {
        const Event* best = heap_.empty() ? nullptr : &heap_.top();
        for (std::uint32_t busy = busy_; busy != 0; busy &= busy - 1) {
            const auto i = static_cast<std::size_t>(std::countr_zero(busy));
            if (!best || *best > lanes_[i].front()) {
                best = &lanes_[i].front();
                if (lane) *lane = i;
            }
        }
        return best;
    }

    std::array<EventRing, kLanes> lanes_;
    std::priority_queue<Event, std::vector<Event>, std::greater<>> heap_;
    std::size_t size_ = 0;
    std::uint32_t busy_ = 0; // bit i: lane i is not empty
};

} // namespace backlog
