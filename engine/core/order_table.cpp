// Order table mechanics: slot allocation and reuse, the intrusive live and trigger lists, and
// the one path by which an order becomes terminal.
#include "engine/core/apply_context.hpp"

namespace ose::detail {

uint32_t alloc_order_slot(State& s) noexcept {
  StateHeader& h = s.edit_header();
  if (h.next_unused_slot < h.caps.orders) return h.next_unused_slot++;
  if (h.retire_head == h.retire_tail) return kNoSlot;
  // Reclaim the oldest terminal order: it leaves the table, and its (client, cl_id) with it.
  const uint32_t slot = s.retire_ring()[h.retire_head_pos];
  ++h.retire_head;
  h.retire_head_pos = ring_next(h.retire_head_pos, h.caps.orders);
  OrderRecord& old = s.edit_order_at(slot);
  --h.orders_by_status[static_cast<uint8_t>(old.status)];
  if (old.cl_id != 0 && old.client != kNoIndex) s.index_erase(old.client, old.cl_id, slot);
  // Never-used slots are zero; a reused one must not show its last order's venue id.
  s.edit_venue_order_id(slot) = VenueId{};
  return slot;
}

void retire(State& s, uint32_t slot) noexcept {
  StateHeader& h = s.edit_header();
  s.edit_retire_ring(h.retire_tail_pos) = slot;
  ++h.retire_tail;
  h.retire_tail_pos = ring_next(h.retire_tail_pos, h.caps.orders);
}

void live_link(State& s, uint32_t slot) noexcept {
  StateHeader& h = s.edit_header();
  OrderRecord& o = s.edit_order_at(slot);
  o.live_prev = h.live_tail;
  o.live_next = kNoSlot;
  if (h.live_tail != kNoSlot) {
    s.edit_order_at(h.live_tail).live_next = slot;
  } else {
    h.live_head = slot;
  }
  h.live_tail = slot;
  ++h.live_count;
}

void live_unlink(State& s, uint32_t slot) noexcept {
  StateHeader& h = s.edit_header();
  OrderRecord& o = s.edit_order_at(slot);
  if (o.live_prev != kNoSlot) {
    s.edit_order_at(o.live_prev).live_next = o.live_next;
  } else {
    h.live_head = o.live_next;
  }
  if (o.live_next != kNoSlot) {
    s.edit_order_at(o.live_next).live_prev = o.live_prev;
  } else {
    h.live_tail = o.live_prev;
  }
  o.live_prev = o.live_next = kNoSlot;
  --h.live_count;
}

namespace {
// Direction a conditional order waits for: +1 triggers at or above its stop, −1 at or below.
int trigger_direction(const OrderRecord& o) noexcept {
  const bool stop = o.type == OrderType::kStopMarket || o.type == OrderType::kStopLimit;
  const bool buy = o.side == Side::kBuy;
  if (stop) return buy ? +1 : -1;
  return buy ? -1 : +1;  // take-profit
}
}  // namespace

void trigger_link(State& s, uint32_t slot) noexcept {
  OrderRecord& o = s.edit_order_at(slot);
  TriggerBookRecord& tb = s.edit_trigger_book(o.instrument);
  const bool trailing = o.type == OrderType::kTrailingStop;
  uint32_t& head = trailing ? tb.trail_head : tb.head;
  o.trig_prev = kNoSlot;
  o.trig_next = head;
  if (head != kNoSlot) s.edit_order_at(head).trig_prev = slot;
  head = slot;
  ++tb.count;
  if (trailing) {
    ++tb.trailing_count;
  } else if (trigger_direction(o) > 0) {
    tb.min_up = min(tb.min_up, o.stop_price);
  } else {
    tb.max_down = max(tb.max_down, o.stop_price);
  }
}

void trigger_unlink(State& s, uint32_t slot) noexcept {
  OrderRecord& o = s.edit_order_at(slot);
  TriggerBookRecord& tb = s.edit_trigger_book(o.instrument);
  const bool trailing = o.type == OrderType::kTrailingStop;
  if (o.trig_prev != kNoSlot) {
    s.edit_order_at(o.trig_prev).trig_next = o.trig_next;
  } else {
    (trailing ? tb.trail_head : tb.head) = o.trig_next;
  }
  if (o.trig_next != kNoSlot) s.edit_order_at(o.trig_next).trig_prev = o.trig_prev;
  o.trig_prev = o.trig_next = kNoSlot;
  --tb.count;
  if (trailing) --tb.trailing_count;
  // min_up / max_down stay as they are: conservative until the next scan recomputes them.
}

void add_open_qty(State& s, const OrderRecord& o, Qty delta) noexcept {
  // The account row is the sum of its strategies' rows, like size and fees (0001 "Positions").
  for (PositionRecord* p : {&s.edit_strategy_position(o.strategy, o.instrument),
                            &s.edit_position(o.account, o.instrument)}) {
    if (o.side == Side::kBuy) {
      p->open_buy_qty += delta;
    } else {
      p->open_sell_qty += delta;
    }
  }
}

void finish_order(Ctx& c, OrderRecord& o, OrderStatus status) noexcept {
  State& s = c.s;
  const uint32_t slot = order_slot(o.id);
  if (o.status == OrderStatus::kUntriggered) trigger_unlink(s, slot);
  if (!o.reserved.is_zero() && (o.flags & kFlagBracketExit) != 0) {
    // A bracket exit holding the pair's spot lock hands it to a sibling still waiting on it.
    OrderRecord* sib = s.edit_order(o.linked_id);
    if (sib != nullptr && (sib->flags & kFlagSharedLock) != 0 && !is_terminal(sib->status)) {
      sib->reserved = o.reserved;
      sib->flags = static_cast<uint8_t>(sib->flags & ~kFlagSharedLock);
      o.reserved = Amount{};
    }
  }
  if (!o.reserved.is_zero()) {
    c.post(o.account, o.lock_asset, LedgerKind::kRelease, o.reserved, -o.reserved, o.id);
    o.reserved = Amount{};
  }
  add_open_qty(s, o, -remaining(o));
  StrategyRecord& st = s.edit_strategy(o.strategy);
  --st.open_orders;
  if (o.tif == Tif::kGtd) --s.edit_header().gtd_count;
  live_unlink(s, slot);
  retire(s, slot);
  set_status(s, o, status);
  o.updated_ts = c.ts();
}

OrderStatus transition(Ctx& c, OrderRecord& o, OrderEvent ev) noexcept {
  const OrderStatus next = next_status(o.status, ev);
  if (next == fsm::kX) {
    ++c.s.edit_header().illegal_transitions;
    c.alert(AlertReason::kIllegalTransition, &o);
  }
  return next;
}

const ClientRecord* source_client(const Ctx& c) noexcept {
  const uint16_t src = c.in.source;
  return src != kEngineSource && src < c.s.client_count() ? &c.s.client(src) : nullptr;
}

bool source_binds(const Ctx& c, uint16_t account) noexcept {
  if (c.in.source == kEngineSource) return true;
  const ClientRecord* cl = source_client(c);
  if (cl == nullptr || account >= c.s.account_count()) return false;
  return (cl->accounts[account / 64] & (uint64_t{1} << (account % 64))) != 0;
}

bool source_binds_every_account(const Ctx& c) noexcept {
  if (c.in.source == kEngineSource) return true;
  const ClientRecord* cl = source_client(c);
  if (cl == nullptr) return false;
  // Whole words first, then the configured accounts of the last, partial word.
  const uint32_t n = c.s.account_count();
  for (uint32_t w = 0; w < n / 64; ++w) {
    if (cl->accounts[w] != ~uint64_t{0}) return false;
  }
  const uint32_t rest = n % 64;
  if (rest == 0) return true;
  const uint64_t mask = (uint64_t{1} << rest) - 1;
  return (cl->accounts[n / 64] & mask) == mask;
}

const OrderRecord* find_ref(const Ctx& c, const OrderRef& ref) noexcept {
  const OrderRecord* o = nullptr;
  if (ref.order_id != 0) {
    o = c.s.find_order(ref.order_id);
  } else if (ref.client < c.s.client_count() && ref.cl_id != 0) {
    o = c.s.find_order(ref.client, ref.cl_id);
  }
  if (o == nullptr) return nullptr;
  // A strategy client sees only its own orders: anything else is "unknown" to it.
  const uint16_t src = c.in.source;
  if (src != kEngineSource && src < c.s.client_count() &&
      c.s.client(src).role == ClientRole::kStrategy && o->client != src) {
    return nullptr;
  }
  return o;
}

}  // namespace ose::detail
