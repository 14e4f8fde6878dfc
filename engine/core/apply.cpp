// apply(): stamps the input into the State, runs timers due at its ts, then dispatches on the
// op. Operator inputs (deposits, halts, strategy state, leverage) live here; order and market
// handling live in their own files.
#include "engine/core/apply.hpp"

#include <optional>

#include "engine/core/apply_context.hpp"

namespace ose {

namespace detail {
namespace {

void on_balance(Ctx& c, bool deposit) noexcept {
  State& s = c.s;
  const BalanceCmd& b = c.in.cmd.balance;
  if (!b.amount.is_positive()) return c.reject(RejectReason::kMalformed);
  if (b.account >= s.account_count()) return c.reject(RejectReason::kUnknownAccount);
  if (!source_binds(c, b.account)) return c.reject(RejectReason::kAccountNotPermitted);
  if (b.asset >= s.asset_count()) return c.reject(RejectReason::kUnknownAsset);
  const BalanceRecord& bal = s.balance(b.account, b.asset);
  if (deposit) {
    if (!add_e8(bal.free.e8, b.amount.e8) || !add_e8(bal.free.e8 + bal.locked.e8, b.amount.e8)) {
      return c.alert(AlertReason::kArithmeticOverflow, nullptr);
    }
    c.post(b.account, b.asset, LedgerKind::kDeposit, b.amount, Amount{}, 0);
  } else {
    if (b.amount > bal.free) return c.reject(RejectReason::kInsufficientBalance);
    c.post(b.account, b.asset, LedgerKind::kWithdrawal, -b.amount, Amount{}, 0);
  }
  Event e = make_event(EventType::kBalance);
  e.account = b.account;
  e.asset = b.asset;
  e.amount = deposit ? b.amount : -b.amount;
  c.emit(e);
}

void on_set_strategy(Ctx& c) noexcept {
  State& s = c.s;
  const SetStrategyCmd& cmd = c.in.cmd.set_strategy;
  if (cmd.strategy >= s.strategy_count()) return c.reject(RejectReason::kUnknownStrategy);
  if (!source_binds(c, s.strategy(cmd.strategy).account)) {
    return c.reject(RejectReason::kAccountNotPermitted);
  }
  if (!in_range(cmd.state, kStrategyStateCount)) {
    return c.reject(RejectReason::kMalformed);
  }
  s.edit_strategy(cmd.strategy).state = static_cast<StrategyState>(cmd.state);
  Event e = make_event(EventType::kStrategyState);
  e.strategy = cmd.strategy;
  e.account = s.strategy(cmd.strategy).account;
  e.amount = Amount::from_units(cmd.state);
  c.emit(e);
}

void on_halt(Ctx& c, bool halt) noexcept {
  State& s = c.s;
  const HaltCmd& h = c.in.cmd.halt;
  const uint8_t flag = halt ? 1 : 0;
  Event e = make_event(halt ? EventType::kHalted : EventType::kResumed);
  switch (static_cast<HaltScope>(h.scope)) {
    case HaltScope::kGlobal:
      // Global and instrument scopes stop every account's orders: an admin bound to some
      // accounts may not touch them (docs/design/0006-roles.md).
      if (!source_binds_every_account(c)) return c.reject(RejectReason::kAccountNotPermitted);
      s.edit_header().halted_global = flag;
      break;
    case HaltScope::kAccount:
      if (h.target >= s.account_count()) return c.reject(RejectReason::kUnknownAccount);
      if (!source_binds(c, h.target)) return c.reject(RejectReason::kAccountNotPermitted);
      s.edit_account(h.target).halted = flag;
      e.account = h.target;
      break;
    case HaltScope::kStrategy:
      if (h.target >= s.strategy_count()) return c.reject(RejectReason::kUnknownStrategy);
      if (!source_binds(c, s.strategy(h.target).account)) {
        return c.reject(RejectReason::kAccountNotPermitted);
      }
      s.edit_strategy(h.target).halted = flag;
      e.strategy = h.target;
      break;
    case HaltScope::kInstrument:
      if (h.target >= s.instrument_count()) return c.reject(RejectReason::kUnknownInstrument);
      if (!source_binds_every_account(c)) return c.reject(RejectReason::kAccountNotPermitted);
      s.edit_instrument(h.target).halted = flag;
      e.instrument = h.target;
      break;
    default:
      return c.reject(RejectReason::kMalformed);
  }
  e.amount = Amount::from_units(h.scope);
  c.emit(e);
}

void on_set_leverage(Ctx& c) noexcept {
  State& s = c.s;
  const SetLeverageCmd& cmd = c.in.cmd.set_leverage;
  if (cmd.leverage < 1) return c.reject(RejectReason::kMalformed);
  if (cmd.account >= s.account_count()) return c.reject(RejectReason::kUnknownAccount);
  if (!source_binds(c, cmd.account)) return c.reject(RejectReason::kAccountNotPermitted);
  if (cmd.instrument >= s.instrument_count()) return c.reject(RejectReason::kUnknownInstrument);
  const InstrumentRecord& ins = s.instrument(cmd.instrument);
  if (s.account(cmd.account).type != AccountType::kFutures || ins.kind == InstrumentKind::kSpot) {
    return c.reject(RejectReason::kAccountNotPermitted);
  }
  if (cmd.leverage > ins.max_leverage) return c.reject(RejectReason::kLeverageTooHigh);
  PositionRecord& pos = s.edit_position(cmd.account, cmd.instrument);
  // The open position's margin follows the new leverage at once; open orders keep theirs.
  Amount margin{};
  Price liq{};
  if (!pos.size.is_zero()) {
    auto m = margin_for(ins, abs(pos.size), pos.avg_entry_price, cmd.leverage);
    auto l = liquidation_price(pos.size, pos.avg_entry_price, cmd.leverage, ins.maintenance_margin);
    if (!m || !l) return c.alert(AlertReason::kArithmeticOverflow, nullptr);
    margin = *m;
    liq = *l;
  }
  const Amount delta = margin - pos.margin;
  if (delta.is_positive() && delta > s.balance(cmd.account, ins.settle).free) {
    return c.reject(RejectReason::kInsufficientMargin);
  }
  c.post(cmd.account, ins.settle, LedgerKind::kPositionMargin, -delta, delta, 0);
  pos.leverage = cmd.leverage;
  pos.margin = margin;
  pos.liquidation_price = liq;
  pos.touched = 1;
  Event e = make_event(EventType::kLeverage);
  e.account = cmd.account;
  e.instrument = cmd.instrument;
  e.amount = Amount::from_units(cmd.leverage);
  c.emit(e);
}

// Only the Runner issues it (source = engine): a client cannot switch the journal's verdict.
void on_persistence(Ctx& c) noexcept {
  if (c.in.source != kEngineSource) return c.reject(RejectReason::kMalformed);
  const uint8_t available = c.in.cmd.persistence.available;
  if (available > 1) return c.reject(RejectReason::kMalformed);
  const uint8_t stopped = available == 0 ? 1 : 0;
  if (c.s.header().persistence_stopped == stopped) return;  // no change, no alert
  c.s.edit_header().persistence_stopped = stopped;
  c.alert(stopped != 0 ? AlertReason::kPersistenceStopped : AlertReason::kPersistenceResumed,
          nullptr);
}

// Which ops a client of `role` may send at all (docs/design/0006-roles.md). Strategies give
// order instructions, venues report on orders and prices, admins do both and run the accounts.
// nullopt: not an op a client sends (timer, persistence, none: the handlers refuse them).
std::optional<bool> role_may_send(ClientRole role, Op op) noexcept {
  const bool strategy = role == ClientRole::kStrategy;
  const bool venue = role == ClientRole::kVenue;
  const bool admin = role == ClientRole::kAdmin;
  switch (op) {
    case Op::kNewOrder:
    case Op::kCancel:
    case Op::kAmend:
    case Op::kCancelAll:
      return strategy || admin;
    case Op::kAck:
    case Op::kVenueReject:
    case Op::kFill:
    case Op::kCancelAck:
    case Op::kExpired:
    case Op::kTick:
      return venue || admin;
    case Op::kDeposit:
    case Op::kWithdraw:
    case Op::kSetStrategy:
    case Op::kHalt:
    case Op::kResume:
    case Op::kSetLeverage:
      return admin;
    default:
      return std::nullopt;
  }
}

// The order an input names, for the `rejected` event of a refused one.
OrderRef named_order(const Command& cmd) noexcept {
  switch (cmd.op) {
    case Op::kNewOrder: {
      OrderRef r{};
      r.client = cmd.new_order.client;
      r.cl_id = cmd.new_order.cl_id;
      return r;
    }
    case Op::kCancel:
      return cmd.cancel;
    case Op::kAmend:
      return cmd.amend.ref;
    case Op::kAck:
      return cmd.ack.ref;
    case Op::kVenueReject:
      return cmd.venue_reject.ref;
    case Op::kFill:
      return cmd.fill.ref;
    case Op::kCancelAck:
      return cmd.cancel_ack;
    case Op::kExpired:
      return cmd.expired;
    default: {
      OrderRef r{};
      r.client = kNoIndex;
      return r;
    }
  }
}

// Stamps the input, runs due timers, dispatches on the op.
void dispatch(Ctx& c) noexcept {
  State& state = c.s;
  const Input& input = c.in;
  StateHeader& h = state.edit_header();
  h.seq = input.seq;
  h.last_ts = input.ts;
  ++h.inputs_applied;
  expire_due_orders(c);
  if (input.source != kEngineSource && input.source >= state.client_count()) {
    return c.reject(RejectReason::kMalformed);
  }
  if (const ClientRecord* cl = source_client(c)) {
    const std::optional<bool> may = role_may_send(cl->role, input.cmd.op);
    if (may.has_value() && !*may) {
      const OrderRef r = named_order(input.cmd);
      return c.reject(RejectReason::kRoleNotPermitted, r.client, r.cl_id, r.order_id);
    }
  }
  switch (input.cmd.op) {
    case Op::kDeposit:
      return on_balance(c, true);
    case Op::kWithdraw:
      return on_balance(c, false);
    case Op::kNewOrder:
      return on_new_order(c);
    case Op::kCancel:
      return on_cancel(c);
    case Op::kAmend:
      return on_amend(c);
    case Op::kCancelAll:
      return on_cancel_all(c);
    case Op::kAck:
      return on_ack(c);
    case Op::kVenueReject:
      return on_venue_reject(c);
    case Op::kFill:
      return on_fill(c);
    case Op::kCancelAck:
      return on_cancel_ack(c);
    case Op::kExpired:
      return on_expired(c);
    case Op::kTick:
      return on_tick(c);
    case Op::kSetStrategy:
      return on_set_strategy(c);
    case Op::kHalt:
      return on_halt(c, true);
    case Op::kResume:
      return on_halt(c, false);
    case Op::kSetLeverage:
      return on_set_leverage(c);
    case Op::kTimer:
      // Its work, expiry at ts, is done above. Only the engine generates it.
      if (input.source != kEngineSource) return c.reject(RejectReason::kMalformed);
      return;
    case Op::kPersistence:
      return on_persistence(c);
    case Op::kNone:
    default:
      return c.reject(RejectReason::kMalformed);
  }
}

}  // namespace
}  // namespace detail

ApplyOutcome apply(State& state, const Input& input, EventSink& sink) noexcept {
  detail::Ctx c{state, input, sink};
  detail::dispatch(c);
  return c.outcome;
}

}  // namespace ose
