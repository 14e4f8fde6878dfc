// Venue reports other than fills: ack, venue reject, cancel ack, expiry. Each is an FSM event;
// an illegal one raises ILLEGAL_TRANSITION and changes nothing.
#include "engine/core/apply_context.hpp"

namespace ose::detail {

namespace {

// Lookup and account binding (dispatch() has checked the role). Returns the order, or nullptr
// when the input was refused (and already reported).
OrderRecord* venue_order_found(Ctx& c, const OrderRef& ref) noexcept {
  const OrderRecord* o = find_ref(c, ref);
  if (o == nullptr) {
    c.reject(RejectReason::kUnknownOrder, ref.client, ref.cl_id, ref.order_id);
    return nullptr;
  }
  if (!source_binds(c, o->account)) {
    c.reject(RejectReason::kAccountNotPermitted, ref.client, ref.cl_id, ref.order_id);
    return nullptr;
  }
  return &edit_ref(c, *o);
}

// Common prologue: lookup, account binding, transition. Returns the order and its next status,
// or nullptr when the input was refused (and already reported).
OrderRecord* venue_order(Ctx& c, const OrderRef& ref, OrderEvent ev, OrderStatus& next) noexcept {
  OrderRecord* o = venue_order_found(c, ref);
  if (o == nullptr) return nullptr;
  next = transition(c, *o, ev);
  return next == fsm::kX ? nullptr : o;
}

}  // namespace

void on_ack(Ctx& c) noexcept {
  const AckCmd& a = c.in.cmd.ack;
  // The checks run in on_fill's order: the order, the source's rights, the input's fields (a
  // venue id that is not well formed is MALFORMED and changes nothing), then the transition.
  OrderRecord* o = venue_order_found(c, a.ref);
  if (o == nullptr) return;
  if (!a.venue_order_id.well_formed()) {
    c.count_reject(RejectReason::kMalformed);
    Event e = c.order_event(EventType::kRejected, *o);
    e.reason = RejectReason::kMalformed;
    c.emit(e);
    return;
  }
  const OrderStatus next = transition(c, *o, OrderEvent::kAck);
  if (next == fsm::kX) return;
  set_status(c.s, *o, next);
  if (!a.venue_order_id.empty()) c.s.edit_venue_order_id(order_slot(o->id)) = a.venue_order_id;
  o->updated_ts = c.ts();
  Event e = c.order_event(EventType::kAcked, *o);
  c.emit(e);
}

void on_venue_reject(Ctx& c) noexcept {
  const VenueRejectCmd& r = c.in.cmd.venue_reject;
  OrderStatus next{};
  OrderRecord* o = venue_order(c, r.ref, OrderEvent::kVenueReject, next);
  if (o == nullptr) return;
  const auto reason = in_range(static_cast<uint16_t>(r.reason), kRejectReasonCount) &&
                              r.reason != RejectReason::kNone
                          ? r.reason
                          : RejectReason::kVenueRejected;
  o->reject_reason = reason;
  finish_order(c, *o, next);
  c.count_reject(reason);
  Event e = c.order_event(EventType::kRejected, *o);
  e.reason = reason;
  c.emit(e);
}

void on_cancel_ack(Ctx& c) noexcept {
  OrderStatus next{};
  OrderRecord* o = venue_order(c, c.in.cmd.cancel_ack, OrderEvent::kCancelAck, next);
  if (o == nullptr) return;
  finish_order(c, *o, next);
  Event e = c.order_event(EventType::kCancelled, *o);
  c.emit(e);
}

void on_expired(Ctx& c) noexcept {
  OrderStatus next{};
  OrderRecord* o = venue_order(c, c.in.cmd.expired, OrderEvent::kExpire, next);
  if (o == nullptr) return;
  finish_order(c, *o, next);
  Event e = c.order_event(EventType::kExpired, *o);
  c.emit(e);
}

}  // namespace ose::detail
