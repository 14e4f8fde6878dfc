// Ticks: market data, marks, conditional-order triggers (stop, take-profit, trailing, bracket
// exits as OCO pairs) and GTD expiry, all driven by input timestamps and prices only.

#include "engine/core/apply_context.hpp"

namespace ose::detail {

namespace {

bool fires_at_or_above(const OrderRecord& o) noexcept {
  const bool stop = o.type == OrderType::kStopMarket || o.type == OrderType::kStopLimit;
  return stop == (o.side == Side::kBuy);  // stop buy and take-profit sell wait for a rise
}

// Advances a trailing stop with trigger price `last`; true when it fires. A sell trails the
// highest last since activation and fires at ≤ high·(1 − rate); a buy mirrors it.
bool trailing_fires(OrderRecord& o, Price last) noexcept {
  const bool sell = o.side == Side::kSell;
  if ((o.flags & kFlagTrailActive) == 0) {
    const bool reached = sell ? last >= o.activation_price : last <= o.activation_price;
    if (!reached) return false;
    o.flags |= kFlagTrailActive;
    o.trail_extreme = last;
  }
  if (o.trail_extreme.is_zero()) o.trail_extreme = last;
  o.trail_extreme = sell ? max(o.trail_extreme, last) : min(o.trail_extreme, last);
  auto level = sell ? scale_down(o.trail_extreme, o.callback_rate)
                    : scale_up(o.trail_extreme, o.callback_rate);
  if (!level) return false;
  o.stop_price = *level;
  return sell ? last <= *level : last >= *level;
}

// Untriggered → pending_new. A bracket exit cancels its sibling (OCO), taking over the pair's
// spot lock if the sibling held it. Returns true when the sibling left the trigger list.
bool trigger_order(Ctx& c, OrderRecord& o) noexcept {
  State& s = c.s;
  if ((o.flags & kFlagBracketExit) != 0 &&
      s.instrument(o.instrument).kind != InstrumentKind::kSpot) {
    // A futures exit holds no margin: it closes at most the position (0001 "Brackets"). With
    // nothing left to close it and its sibling are cancelled instead of triggering.
    const Qty room = exit_room(s, o.account, o.instrument, o.side);
    if (!room.is_positive()) {
      OrderRecord* sib = s.edit_order(o.linked_id);
      finish_order(c, o, OrderStatus::kCancelled);
      Event e = c.order_event(EventType::kCancelled, o);
      c.emit(e);
      if (sib == nullptr || sib->status != OrderStatus::kUntriggered) return false;
      finish_order(c, *sib, OrderStatus::kCancelled);
      Event ce = c.order_event(EventType::kCancelled, *sib);
      c.emit(ce);
      return true;
    }
    if (remaining(o) > room) {
      add_open_qty(s, o, room - remaining(o));
      o.qty = o.filled_qty + room;
    }
  }
  trigger_unlink(s, order_slot(o.id));
  set_status(s, o, next_status(o.status, OrderEvent::kTrigger));
  o.flags |= kFlagTriggered;
  o.updated_ts = c.ts();
  Event e = c.order_event(EventType::kTriggered, o);
  e.price = o.stop_price;
  c.emit(e);
  if ((o.flags & kFlagBracketExit) == 0) return false;
  OrderRecord* sib = s.edit_order(o.linked_id);
  if (sib == nullptr || sib->status != OrderStatus::kUntriggered) return false;
  if ((o.flags & kFlagSharedLock) != 0) {
    o.reserved = sib->reserved;
    sib->reserved = Amount{};
    o.flags = static_cast<uint8_t>(o.flags & ~kFlagSharedLock);
  }
  finish_order(c, *sib, OrderStatus::kCancelled);
  Event ce = c.order_event(EventType::kCancelled, *sib);
  c.emit(ce);
  return true;
}

// Visits the trailing stops on every tick and the fixed-price orders only when `last` crosses
// one of their cached thresholds. A triggered bracket exit cancels its OCO sibling, which may
// be the saved next slot, so such a trigger restarts the pass (trailing updates are idempotent
// for the same price; untouched orders are simply re-checked).
void run_triggers(Ctx& c, uint16_t instrument, Price last) noexcept {
  State& s = c.s;
  TriggerBookRecord& tb = s.edit_trigger_book(instrument);
  bool restart = true;
  while (restart) {
    restart = false;
    for (uint32_t slot = tb.trail_head; slot != kNoSlot && !restart;) {
      OrderRecord& o = s.edit_order_at(slot);
      slot = o.trig_next;
      restart = trailing_fires(o, last) && trigger_order(c, o);
    }
    if (restart || (last < tb.min_up && last > tb.max_down)) continue;
    Price min_up = Price::from_e8(INT64_MAX);
    Price max_down = Price::from_e8(INT64_MIN);
    for (uint32_t slot = tb.head; slot != kNoSlot && !restart;) {
      // A read: only an order that fires is opened for writing (edit_order_at below).
      const uint32_t this_slot = slot;
      const OrderRecord& o = s.order_at(slot);
      slot = o.trig_next;
      bool fire = false;
      if (fires_at_or_above(o)) {
        fire = last >= o.stop_price;
        if (!fire) min_up = min(min_up, o.stop_price);
      } else {
        fire = last <= o.stop_price;
        if (!fire) max_down = max(max_down, o.stop_price);
      }
      restart = fire && trigger_order(c, s.edit_order_at(this_slot));
    }
    if (!restart) {
      tb.min_up = min_up;
      tb.max_down = max_down;
    }
  }
}

}  // namespace

void on_tick(Ctx& c) noexcept {
  State& s = c.s;
  const TickCmd& t = c.in.cmd.tick;
  // Market data belongs to no account: any venue may send it; an admin only if it may act for
  // every account, since a tick moves marks and triggers everyone's orders.
  const ClientRecord* cl = source_client(c);
  if (cl != nullptr && cl->role == ClientRole::kAdmin && !source_binds_every_account(c)) {
    return c.reject(RejectReason::kAccountNotPermitted);
  }
  if (t.instrument >= s.instrument_count()) return c.reject(RejectReason::kUnknownInstrument);
  const bool prices_ok = (!(t.fields & kTickBid) || t.bid.is_positive()) &&
                         (!(t.fields & kTickAsk) || t.ask.is_positive()) &&
                         (!(t.fields & kTickLast) || t.last.is_positive()) &&
                         (!(t.fields & kTickBidQty) || !t.bid_qty.is_negative()) &&
                         (!(t.fields & kTickAskQty) || !t.ask_qty.is_negative()) &&
                         (!(t.fields & kTickVolume) || !t.volume.is_negative());
  if (t.fields == 0 || (t.fields & ~0x3F) != 0 || !prices_ok) {
    return c.reject(RejectReason::kMalformed);
  }
  MarketRecord& m = s.edit_market(t.instrument);
  if (t.fields & kTickBid) {
    m.bid = t.bid;
    m.has_bid = 1;
  }
  if (t.fields & kTickAsk) {
    m.ask = t.ask;
    m.has_ask = 1;
  }
  if (t.fields & kTickBidQty) m.bid_qty = t.bid_qty;
  if (t.fields & kTickAskQty) m.ask_qty = t.ask_qty;
  if (t.fields & kTickLast) {
    m.last = t.last;
    m.has_last = 1;
  }
  if (t.fields & kTickVolume) m.volume = t.volume;
  if (m.has_bid != 0 && m.has_ask != 0) {
    m.mark = Price::from_e8(
        static_cast<int64_t>(div_round_half_even(static_cast<i128>(m.bid.e8) + m.ask.e8, 2)));
    m.has_mark = 1;
  } else if (m.has_last != 0) {
    m.mark = m.last;
    m.has_mark = 1;
  }
  m.ts = c.ts();
  refresh_unrealized(s, t.instrument);
  // Triggers use this tick's last price, else the mark.
  if (t.fields & kTickLast) {
    run_triggers(c, t.instrument, t.last);
  } else if (m.has_mark != 0) {
    run_triggers(c, t.instrument, m.mark);
  }
}

void expire_due_orders(Ctx& c) noexcept {
  State& s = c.s;
  StateHeader& h = s.edit_header();
  if (c.ts() < h.next_expiry_ts) return;
  int64_t next = INT64_MAX;
  for (uint32_t slot = h.live_head; slot != kNoSlot;) {
    const uint32_t this_slot = slot;
    const OrderRecord& seen = s.order_at(slot);
    slot = seen.live_next;
    if (seen.tif != Tif::kGtd) continue;
    if (seen.expire_ts > c.ts()) {
      next = std::min(next, seen.expire_ts);
      continue;
    }
    OrderRecord& o = s.edit_order_at(this_slot);
    finish_order(c, o, OrderStatus::kExpired);
    Event e = c.order_event(EventType::kExpired, o);
    c.emit(e);
  }
  h.next_expiry_ts = next;
}

}  // namespace ose::detail
