// Internal to apply(): the per-input context and the helpers the op handlers share. Not part of
// the engine's public surface.
#pragma once

#include "engine/core/accounting.hpp"
#include "engine/core/apply.hpp"
#include "engine/core/ledger.hpp"
#include "engine/core/order_fsm.hpp"

namespace ose::detail {

struct Ctx {
  State& s;
  const Input& in;
  EventSink& sink;
  ApplyOutcome outcome{};

  uint64_t seq() const noexcept { return in.seq; }
  int64_t ts() const noexcept { return in.ts; }

  void emit(Event& e) noexcept {
    e.seq = in.seq;
    e.ts = in.ts;
    e.op = in.cmd.op;
    ++outcome.events;
    sink.on_event(e);
  }
  // Every reject is counted here, so the State's counters and the outcome agree.
  void count_reject(RejectReason reason) noexcept {
    ++s.edit_header().rejects[static_cast<int>(reason)];
    if (outcome.reject == RejectReason::kNone) outcome.reject = reason;
  }
  Event order_event(EventType type, const OrderRecord& o) const noexcept {
    Event e = make_event(type);
    e.order_id = o.id;
    e.cl_id = o.cl_id;
    e.client = o.client;
    e.account = o.account;
    e.strategy = o.strategy;
    e.instrument = o.instrument;
    e.side = o.side;
    e.status = o.status;
    e.qty = o.qty;
    e.price = o.price;
    return e;
  }
  // A refused input that names no stored order.
  void reject(RejectReason reason, uint16_t client = kNoIndex, uint64_t cl_id = 0,
              uint64_t order_id = 0) noexcept {
    count_reject(reason);
    Event e = make_event(EventType::kRejected);
    e.reason = reason;
    e.client = client;
    e.cl_id = cl_id;
    e.order_id = order_id;
    emit(e);
  }
  void alert(AlertReason reason, const OrderRecord* o) noexcept {
    ++s.edit_header().alerts[static_cast<int>(reason)];
    ++outcome.alerts;
    Event e = o != nullptr ? order_event(EventType::kAlert, *o) : make_event(EventType::kAlert);
    e.alert = reason;
    emit(e);
  }
  void post(uint16_t account, uint16_t asset, LedgerKind kind, Amount dfree, Amount dlocked,
            uint64_t order_id) noexcept {
    post_balance(s, in.seq, in.ts, account, asset, kind, dfree, dlocked, order_id);
  }
};

// ---- order table mechanics (order_table.cpp) -----------------------------------------------
// kNoSlot when the table is full. A reused slot's last order leaves the header's counts by
// status (StateHeader::orders_by_status); the caller gives the new one its first status with
// set_first_status() in the same input.
uint32_t alloc_order_slot(State& s) noexcept;
// The only two writers of an order's status, so that the header's counts by status stay equal
// to a recount of the table (State::recount_orders_by_status) at every input boundary: two
// increments in a header line the input writes anyway, no branch.
inline void set_first_status(State& s, OrderRecord& o, OrderStatus first) noexcept {
  ++s.edit_header().orders_by_status[static_cast<uint8_t>(first)];
  o.status = first;
}
inline void set_status(State& s, OrderRecord& o, OrderStatus next) noexcept {
  uint32_t* by_status = s.edit_header().orders_by_status;
  --by_status[static_cast<uint8_t>(o.status)];
  ++by_status[static_cast<uint8_t>(next)];
  o.status = next;
}
void live_link(State& s, uint32_t slot) noexcept;
void live_unlink(State& s, uint32_t slot) noexcept;
void trigger_link(State& s, uint32_t slot) noexcept;
void trigger_unlink(State& s, uint32_t slot) noexcept;
void retire(State& s, uint32_t slot) noexcept;
// Remaining open quantity, counted into the strategy position's open_buy/sell_qty.
inline Qty remaining(const OrderRecord& o) noexcept {
  return o.qty - o.filled_qty;
}
void add_open_qty(State& s, const OrderRecord& o, Qty delta) noexcept;
// Moves the order to a terminal status: releases its reservation, updates counters, unlinks
// it, retires the slot. `status` must be terminal.
void finish_order(Ctx& c, OrderRecord& o, OrderStatus status) noexcept;
// Applies an FSM transition or, if illegal, counts and alerts. Returns the new status or kX.
OrderStatus transition(Ctx& c, OrderRecord& o, OrderEvent ev) noexcept;
// Resolves an OrderRef to a live-or-recent order, respecting the source's rights. Read-only:
// a handler calls edit_ref() once its checks pass, so a refused input publishes nothing.
const OrderRecord* find_ref(const Ctx& c, const OrderRef& ref) noexcept;
inline OrderRecord& edit_ref(Ctx& c, const OrderRecord& found) noexcept {
  return c.s.edit_order_at(order_slot(found.id));
}
// Rights of the input's source (docs/design/0006-roles.md). Which ops a role may send at all is
// checked once, in dispatch(), before any handler runs; the handlers check the account binding.
// The client the input comes from; nullptr for the engine (replay, timers, the Runner), which
// has every right.
const ClientRecord* source_client(const Ctx& c) noexcept;
// The source may act for `account` (false for an unknown account, true for the engine).
bool source_binds(const Ctx& c, uint16_t account) noexcept;
// The source may act for every configured account (accounts = ["*"], or all of them listed):
// what an input that reaches every account (global or instrument halt, an admin's tick) needs.
bool source_binds_every_account(const Ctx& c) noexcept;

// ---- handlers ------------------------------------------------------------------------------
void on_new_order(Ctx& c) noexcept;                               // order_entry.cpp
void on_cancel(Ctx& c) noexcept;                                  // order_entry.cpp
void on_amend(Ctx& c) noexcept;                                   // order_entry.cpp
void on_cancel_all(Ctx& c) noexcept;                              // order_entry.cpp
void request_cancel(Ctx& c, OrderRecord& o) noexcept;             // order_entry.cpp
void on_ack(Ctx& c) noexcept;                                     // venue_reports.cpp
void on_venue_reject(Ctx& c) noexcept;                            // venue_reports.cpp
void on_fill(Ctx& c) noexcept;                                    // fills.cpp
void on_cancel_ack(Ctx& c) noexcept;                              // venue_reports.cpp
void on_expired(Ctx& c) noexcept;                                 // venue_reports.cpp
void on_tick(Ctx& c) noexcept;                                    // triggers.cpp
void expire_due_orders(Ctx& c) noexcept;                          // triggers.cpp
void refresh_unrealized(State& s, uint16_t instrument) noexcept;  // fills.cpp
void roll_strategy_day(StrategyRecord& st, int64_t ts) noexcept;  // fills.cpp
// How much of the account position an order on `exit_side` can close: |q| when it is opposite
// to the position q, else 0 (fills.cpp; futures bracket exits are held to it).
Qty exit_room(const State& s, uint16_t account, uint16_t instrument, Side exit_side) noexcept;

// Reservation an order needs for `qty` still to trade (order_entry.cpp): the asset it is held
// in and the amount. nullopt on overflow.
struct Reservation {
  uint16_t asset;
  Amount amount;
};
std::optional<Reservation> reservation_for(State& s, const OrderRecord& o, Qty qty) noexcept;

}  // namespace ose::detail
