// The addresses apply() will touch for an input, fetched ahead (prefetch.hpp). Every read here is
// of the State as it is now, which the inputs applied before this one may still change: that
// makes a hint wrong, never an outcome.
#include "engine/core/prefetch.hpp"

#include <cstddef>

namespace ose {
namespace {

// Read intent: most of these lines are then written, but a read-for-ownership on the first
// write costs little once the line is in the cache.
inline void fetch(const void* p) noexcept {
  __builtin_prefetch(p, 0, 3);
}

void fetch_order(const State& s, uint32_t slot) noexcept {
  if (slot >= s.header().next_unused_slot) return;
  const auto* line = reinterpret_cast<const std::byte*>(&s.order_at(slot));
  static_assert(sizeof(OrderRecord) == 3 * 64);
  fetch(line);
  fetch(line + 64);
  fetch(line + 128);
}

// The line of `slot`'s record that holds its live-list links.
void fetch_live_links(const State& s, uint32_t slot) noexcept {
  if (slot >= s.header().next_unused_slot) return;  // kNoSlot included
  fetch(reinterpret_cast<const std::byte*>(&s.order_at(slot)) + offsetof(OrderRecord, live_prev));
}

const OrderRef* ref_of(const Command& cmd) noexcept {
  switch (cmd.op) {
    case Op::kCancel:
      return &cmd.cancel;
    case Op::kAmend:
      return &cmd.amend.ref;
    case Op::kAck:
      return &cmd.ack.ref;
    case Op::kVenueReject:
      return &cmd.venue_reject.ref;
    case Op::kFill:
      return &cmd.fill.ref;
    case Op::kCancelAck:
      return &cmd.cancel_ack;
    case Op::kExpired:
      return &cmd.expired;
    default:
      return nullptr;
  }
}

bool known_client(const State& s, uint16_t client) noexcept {
  return client < s.client_count();
}

// The ring position `before` entries after `pos` (a handful at most, so no division unless it
// is more than the ring).
uint32_t ahead_of(uint32_t pos, uint32_t before, uint32_t capacity) noexcept {
  const uint64_t p = uint64_t{pos} + before;
  return static_cast<uint32_t>(p < capacity ? p : p % capacity);
}

// The slot a new order takes after `before` other new orders (alloc_order_slot's choice, as of
// now), or kNoSlot.
uint32_t next_slot(const State& s, uint32_t before) noexcept {
  const StateHeader& h = s.header();
  if (uint64_t{h.next_unused_slot} + before < h.caps.orders) return h.next_unused_slot + before;
  if (h.next_unused_slot < h.caps.orders) return kNoSlot;  // the switch to reuse: not worth it
  if (h.retire_tail - h.retire_head <= before) return kNoSlot;
  return s.retire_ring()[ahead_of(h.retire_head_pos, before, h.caps.orders)];
}

// The trade ring position a fill takes after `before` other fills.
const TradeRecord& ring_position(const State& s, uint32_t before) noexcept {
  const StateHeader& h = s.header();
  return s.trades()[ahead_of(h.trades_pos, before, h.caps.trades)];
}

// The order an input names, if its lines are already here to say which one it is.
const OrderRecord* named(const State& s, const OrderRef& ref) noexcept {
  if (ref.order_id != 0) return s.find_order(ref.order_id);
  if (!known_client(s, ref.client) || ref.cl_id == 0) return nullptr;
  return s.find_order(ref.client, ref.cl_id);
}

}  // namespace

void prefetch_far(const State& s, const Command& cmd, Ahead ahead) noexcept {
  // The ledger ring is written in order, an entry (a line) per balance change, but the lines
  // were last written a whole ring ago and are long gone from the cache; order flow posts one
  // to six per input. Keep the next few on their way.
  const StateHeader& h = s.header();
  for (uint32_t k = 2; k <= 5; ++k) fetch(&s.ledger()[ahead_of(h.ledger_pos, k, h.caps.ledger)]);
  if (cmd.op == Op::kNewOrder) {
    if (known_client(s, cmd.new_order.client)) {
      fetch(s.order_index_home(cmd.new_order.client, cmd.new_order.cl_id));
    }
    const uint32_t slot = next_slot(s, ahead.new_orders);
    if (slot != kNoSlot) {
      fetch_order(s, slot);
      fetch(&s.venue_order_id(slot));
    }
    return;
  }
  const OrderRef* ref = ref_of(cmd);
  if (ref == nullptr) return;
  if (ref->order_id != 0) {
    fetch_order(s, order_slot(ref->order_id));
  } else if (known_client(s, ref->client)) {
    fetch(s.order_index_home(ref->client, ref->cl_id));
  }
  if (cmd.op == Op::kFill) {
    // The ring position this trade will take, whose old id the window then forgets.
    fetch(&ring_position(s, ahead.fills));
  }
}

void prefetch_near(const State& s, const Command& cmd, Ahead ahead) noexcept {
  if (cmd.op == Op::kNewOrder) {
    // A reused slot drops its last order's (client, cl_id) from the index.
    if (s.header().next_unused_slot < s.header().caps.orders) return;
    const uint32_t slot = next_slot(s, ahead.new_orders);
    if (slot == kNoSlot) return;
    const OrderRecord& old = s.order_at(slot);
    if (old.cl_id != 0 && known_client(s, old.client)) {
      fetch(s.order_index_home(old.client, old.cl_id));
    }
    return;
  }
  const OrderRef* ref = ref_of(cmd);
  if (ref == nullptr) return;
  const OrderRecord* o = named(s, *ref);
  if (o == nullptr) return;
  if (ref->order_id == 0) fetch_order(s, order_slot(o->id));
  // Terminal on this input (a fill, a cancel ack): its neighbours in the live list are relinked.
  fetch_live_links(s, o->live_prev);
  fetch_live_links(s, o->live_next);
  if (cmd.op != Op::kFill || o->instrument >= s.instrument_count()) return;
  fetch(s.trade_index_home(o->instrument, cmd.fill.trade_id));
  const StateHeader& h = s.header();
  if (h.trades_written + ahead.fills >= h.caps.trades) {
    const TradeRecord& oldest = ring_position(s, ahead.fills);
    if (oldest.instrument < s.instrument_count()) {
      fetch(s.trade_index_home(oldest.instrument, oldest.trade_id));
    }
  }
}

}  // namespace ose
