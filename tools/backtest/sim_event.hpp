// The backtest's events and their queue: a discrete-event simulation ordered by (time, sequence).
// Every event that will happen is in the queue with the market time it happens at; the sequence
// number (the order events were scheduled in) breaks ties, so two runs of the same inputs pop the
// same events in the same order — nothing depends on a clock or on a thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/records.hpp"
#include "engine/layout/shared_layout.hpp"
#include "feeds/venue_model.hpp"

namespace ose::backtest {

enum class SimEventKind : uint8_t {
  kExchangeTick,    // the market moves at the exchange: the venue sees it now
  kEngineTick,      // the same tick reaches the engine after the feed latency
  kStrategyMarket,  // the market the tick made reaches the strategy (after what came before it)
  kVenueReceives,   // an order, cancel or amend the engine released reaches the venue
  kEngineReceives,  // a venue report (ack, fill, ...) reaches the engine
  kStrategyHears,   // a response or order event reaches the strategy
  kEngineTimer,     // a GTD order's expire_ts: the engine applies a timer input
  kStrategyTimer,   // the strategy's own timer
};

struct SimEvent {
  int64_t t = 0;     // market time, ns since the Unix epoch
  uint64_t seq = 0;  // scheduling order: the tie-break
  SimEventKind kind = SimEventKind::kExchangeTick;
  uint64_t generation = 0;  // kStrategyTimer: only the latest set_timer() fires
  union {
    TickCmd tick;         // kExchangeTick, kEngineTick
    VenueOrder order;     // kVenueReceives of a new order (kAccepted / kTriggered)
    Event event;          // kVenueReceives of a cancel or amend (the engine's event)
    VenueAction action;   // kEngineReceives
    Response response;    // kStrategyHears
    MarketRecord market;  // kStrategyMarket: as the tick left it (`instrument` says whose)
  };
  uint16_t instrument = 0;  // kStrategyMarket
  bool new_order = false;   // kVenueReceives: `order` (true) or `event` (false)

  SimEvent() noexcept : response{} {}
};

// The events live in a pool of slots and only small keys (time, sequence, slot) move in the
// heap: an event is copied once in and once out, while the heap's sifting moves 24 bytes, not
// the whole event, at every level. Slots are reused, so a run allocates only while the number
// of events in flight grows past anything seen before.
class SimQueue {
 public:
  void reserve(size_t n) {
    heap_.reserve(n);
    slots_.reserve(n);
    free_.reserve(n);
  }
  // Schedules `e` at e.t; its sequence number is the next one.
  void push(const SimEvent& e) {
    uint32_t slot;
    if (free_.empty()) {
      slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(e);
    } else {
      slot = free_.back();
      free_.pop_back();
      slots_[slot] = e;
    }
    slots_[slot].seq = next_seq_;
    heap_.push_back(Key{e.t, next_seq_++, slot});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  bool empty() const noexcept { return heap_.empty(); }
  // The earliest event's time (the queue must not be empty).
  int64_t top_time() const noexcept { return heap_.front().t; }
  // Removes the earliest event into `out`.
  void pop(SimEvent& out) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    const uint32_t slot = heap_.back().slot;
    heap_.pop_back();
    out = slots_[slot];
    free_.push_back(slot);
  }

 private:
  struct Key {
    int64_t t;
    uint64_t seq;
    uint32_t slot;
  };
  struct Later {  // a max-heap of "later", so the front is the earliest
    bool operator()(const Key& a, const Key& b) const noexcept {
      return a.t != b.t ? a.t > b.t : a.seq > b.seq;
    }
  };
  std::vector<Key> heap_;
  std::vector<SimEvent> slots_;
  std::vector<uint32_t> free_;
  uint64_t next_seq_ = 0;
};

}  // namespace ose::backtest
