// New orders, cancels, amends: validation and risk checks in the DESIGN §5 order, then the
// reservation and the bookkeeping of an accepted order.
#include "engine/core/apply_context.hpp"

namespace ose::detail {

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;

// MALFORMED: anything that makes the order meaningless regardless of state.
bool well_formed(const State& s, const NewOrderCmd& n) noexcept {
  if (!in_range(n.side, kSideCount) || !in_range(n.type, kOrderTypeCount) ||
      !in_range(n.tif, kTifCount)) {
    return false;
  }
  if ((n.flags & ~(kFlagPostOnly | kFlagReduceOnly)) != 0) return false;
  if (n.client >= s.client_count() || n.cl_id == 0) return false;
  const auto type = static_cast<OrderType>(n.type);
  if (!n.qty.is_positive()) return false;
  if (has_limit_price(type) != n.price.is_positive() || n.price.is_negative()) return false;
  const bool needs_stop = is_conditional(type) && type != OrderType::kTrailingStop;
  if (needs_stop != n.stop_price.is_positive() || n.stop_price.is_negative()) return false;
  if (type == OrderType::kTrailingStop) {
    if (!n.callback_rate.is_positive() || n.callback_rate.e8 >= kScale) return false;
    if (n.activation_price.is_negative()) return false;
  } else if (!n.callback_rate.is_zero() || !n.activation_price.is_zero()) {
    return false;
  }
  if ((n.flags & kFlagPostOnly) != 0 && type != OrderType::kLimit) return false;
  const auto tif = static_cast<Tif>(n.tif);
  if ((tif == Tif::kGtd) != (n.expire_ts > 0)) return false;
  if (n.stop_loss.is_negative() || n.take_profit.is_negative()) return false;
  const bool bracket = n.stop_loss.is_positive() || n.take_profit.is_positive();
  if (bracket && (is_conditional(type) || (n.flags & kFlagReduceOnly) != 0)) return false;
  return true;
}

bool source_may_act_as(const Ctx& c, uint16_t client) noexcept {
  const uint16_t src = c.in.source;
  if (src == kEngineSource) return true;
  if (src >= c.s.client_count()) return false;
  const ClientRole role = c.s.client(src).role;
  return role == ClientRole::kAdmin || (role == ClientRole::kStrategy && src == client);
}

// A refused order is kept under its (client, cl_id) only when its source speaks for that
// client: the engine, the client itself, or an admin bound to the order's account. Anyone else
// must not be able to block the client's ids.
bool source_speaks_for(const Ctx& c, const NewOrderCmd& n) noexcept {
  if (!source_may_act_as(c, n.client)) return false;
  return c.in.source == n.client || n.account >= c.s.account_count() || source_binds(c, n.account);
}

bool account_permitted(const Ctx& c, const NewOrderCmd& n) noexcept {
  const State& s = c.s;
  const ClientRecord& cl = s.client(n.client);
  if ((cl.accounts[n.account / 64] & (uint64_t{1} << (n.account % 64))) == 0) return false;
  if (s.strategy(n.strategy).account != n.account) return false;
  const bool spot_instrument = s.instrument(n.instrument).kind == InstrumentKind::kSpot;
  const bool spot_account = s.account(n.account).type == AccountType::kSpot;
  if (spot_instrument != spot_account) return false;
  // The source may only act as itself, unless it is the engine or an admin, and only for its
  // own accounts (an admin is bound to accounts too).
  return source_may_act_as(c, n.client) && source_binds(c, n.account);
}

bool halted(const State& s, const NewOrderCmd& n) noexcept {
  return s.header().halted_global != 0 || s.account(n.account).halted != 0 ||
         s.strategy(n.strategy).halted != 0 || s.instrument(n.instrument).halted != 0;
}

// Token bucket on input timestamps: capacity rate_limit orders, refilled at rate_limit/s.
bool take_rate_token(ClientRecord& cl, int64_t ts) noexcept {
  if (cl.rate_limit == 0) return true;
  const int64_t capacity = static_cast<int64_t>(cl.rate_limit) * kNsPerSecond;
  if (cl.bucket_ts == INT64_MIN) {
    cl.tokens_e9 = capacity;
  } else if (ts > cl.bucket_ts) {
    // A full refill takes one second; clamping first keeps the product in range.
    const int64_t elapsed = std::min<int64_t>(ts - cl.bucket_ts, kNsPerSecond);
    cl.tokens_e9 = std::min(capacity, cl.tokens_e9 + elapsed * cl.rate_limit);
  }
  cl.bucket_ts = std::max(cl.bucket_ts, ts);
  if (cl.tokens_e9 < kNsPerSecond) return false;
  cl.tokens_e9 -= kNsPerSecond;
  return true;
}

bool on_tick_grid(const InstrumentRecord& ins, Price p) noexcept {
  return is_multiple(p.e8, ins.tick_size.e8);
}

// |limit − mark| ≤ mark·band, exactly; no check before the instrument has a mark.
bool within_band(const InstrumentRecord& ins, const MarketRecord& m, Price limit) noexcept {
  if (m.has_mark == 0 || ins.price_band.is_zero()) return true;
  const i128 diff = static_cast<i128>(limit.e8) - m.mark.e8;
  const i128 adiff = diff < 0 ? -diff : diff;
  return adiff * kScale <= static_cast<i128>(m.mark.e8) * ins.price_band.e8;
}

// The price a non-limit order is valued at: market → touch; stop/tp → stop; trailing →
// activation, else touch. 0 when it cannot be known (no market data).
Price reference_price(const State& s, const OrderRecord& o) noexcept {
  if (has_limit_price(o.type)) return o.price;
  if (o.type == OrderType::kStopMarket || o.type == OrderType::kTakeProfitMarket) {
    return o.stop_price;
  }
  if (o.type == OrderType::kTrailingStop && o.activation_price.is_positive()) {
    return o.activation_price;
  }
  const MarketRecord& m = s.market(o.instrument);
  if (o.side == Side::kBuy) return m.has_ask != 0 ? m.ask : Price{};
  return m.has_bid != 0 ? m.bid : Price{};
}

}  // namespace

std::optional<Reservation> reservation_for(State& s, const OrderRecord& o, Qty qty) noexcept {
  const InstrumentRecord& ins = s.instrument(o.instrument);
  Price ref = reference_price(s, o);
  if (!ref.is_positive()) return std::nullopt;
  if (ins.kind == InstrumentKind::kSpot) {
    if (o.side == Side::kSell) return Reservation{ins.base, Amount::from_e8(qty.e8)};
    std::optional<Amount> amt;
    if (has_limit_price(o.type)) {
      amt = notional_quote(ins, qty, ref);
    } else if (o.type != OrderType::kTrailingStop) {
      // Executes at an unknown price: reserve up to the band above the reference.
      amt = notional_scaled_up(qty, ref, ins.price_band);
    } else {
      // A trailing buy may also rise by its callback distance before triggering.
      auto up = scale_up(ref, ins.price_band);
      if (up) up = scale_up(*up, o.callback_rate);
      if (up) amt = notional_quote(ins, qty, *up);
    }
    if (!amt) return std::nullopt;
    return Reservation{ins.quote, *amt};
  }
  // Futures: margin on the part that does not reduce the account position.
  const PositionRecord& pos = s.position(o.account, o.instrument);
  Qty reducible{};
  if ((pos.size.is_positive() && o.side == Side::kSell) ||
      (pos.size.is_negative() && o.side == Side::kBuy)) {
    reducible = abs(pos.size);
  }
  const Qty opening = max(Qty{}, qty - reducible);
  auto m = margin_for(ins, opening, ref, pos.leverage);
  if (!m) return std::nullopt;
  return Reservation{ins.settle, *m};
}

void on_new_order(Ctx& c) noexcept {
  State& s = c.s;
  const NewOrderCmd& n = c.in.cmd.new_order;

  // Checks whose failure must not store the order.
  const bool client_ok = n.client < s.client_count() && n.cl_id != 0;
  const bool taken = client_ok && s.find_order(n.client, n.cl_id) != nullptr;
  const bool formed = well_formed(s, n);
  if (!formed) {
    // MALFORMED comes first; it is stored only if (client, cl_id) can key it.
    if (!client_ok || taken) {
      c.reject(RejectReason::kMalformed, n.client, n.cl_id);
      return;
    }
  } else if (taken) {
    c.reject(RejectReason::kDuplicateClientOrderId, n.client, n.cl_id);
    return;
  }

  // Build the record first: a rejected order is stored too, with its reason.
  OrderRecord o{};
  o.cl_id = n.cl_id;
  o.client = n.client;
  o.account = n.account;
  o.strategy = n.strategy;
  o.instrument = n.instrument;
  o.side = static_cast<Side>(n.side & 1);
  o.type = static_cast<OrderType>(in_range(n.type, kOrderTypeCount) ? n.type : 0);
  o.tif = static_cast<Tif>(in_range(n.tif, kTifCount) ? n.tif : 0);
  o.flags = static_cast<uint8_t>(n.flags & (kFlagPostOnly | kFlagReduceOnly));
  o.lock_asset = kNoIndex;
  o.fee_asset = kNoIndex;
  o.qty = n.qty;
  o.price = n.price;
  o.stop_price = n.stop_price;
  o.callback_rate = n.callback_rate;
  o.activation_price = n.activation_price;
  o.stop_loss = n.stop_loss;
  o.take_profit = n.take_profit;
  o.expire_ts = n.expire_ts;
  o.created_ts = o.updated_ts = c.ts();
  o.live_prev = o.live_next = o.trig_prev = o.trig_next = kNoSlot;
  o.linked_id = 0;

  std::optional<Reservation> reservation;
  auto check = [&]() -> RejectReason {
    if (!formed) return RejectReason::kMalformed;
    if (n.instrument >= s.instrument_count()) return RejectReason::kUnknownInstrument;
    if (n.account >= s.account_count()) return RejectReason::kUnknownAccount;
    if (n.strategy >= s.strategy_count()) return RejectReason::kUnknownStrategy;
    if (!account_permitted(c, n)) return RejectReason::kAccountNotPermitted;
    if (halted(s, n)) return RejectReason::kHalted;
    if (s.header().persistence_stopped != 0) return RejectReason::kPersistenceStopped;
    StrategyRecord& st = s.edit_strategy(n.strategy);
    if (st.state != StrategyState::kRunning) return RejectReason::kStrategyNotRunning;
    if (!take_rate_token(s.edit_client(n.client), c.ts())) return RejectReason::kRateLimited;
    const InstrumentRecord& ins = s.instrument(n.instrument);
    if (n.qty < ins.min_qty) return RejectReason::kQtyBelowMin;
    if (n.qty > ins.max_qty) return RejectReason::kQtyAboveMax;
    if (!is_multiple(n.qty.e8, ins.step_size.e8)) return RejectReason::kQtyStep;
    for (Price p : {n.price, n.stop_price, n.activation_price, n.stop_loss, n.take_profit}) {
      if (p.is_positive() && !on_tick_grid(ins, p)) return RejectReason::kPriceTick;
    }
    const MarketRecord& mkt = s.market(n.instrument);
    if (o.type == OrderType::kLimit && !within_band(ins, mkt, n.price)) {
      return RejectReason::kPriceBand;
    }
    const Price ref = reference_price(s, o);
    if (!ref.is_positive()) return RejectReason::kNoMarketData;
    auto notional = notional_quote(ins, n.qty, ref);
    if (!notional) return RejectReason::kMalformed;  // absurd size: would overflow
    if (*notional < ins.min_notional) return RejectReason::kMinNotional;
    if (*notional > st.max_order_notional) return RejectReason::kMaxOrderNotional;
    if (st.open_orders >= static_cast<uint32_t>(st.max_open_orders)) {
      return RejectReason::kMaxOpenOrders;
    }
    const bool reduce_only = (n.flags & kFlagReduceOnly) != 0;
    if (!reduce_only) {
      // Worst case if every working order on this side fills: |pos ± (open + qty)|.
      const PositionRecord& sp = s.strategy_position(n.strategy, n.instrument);
      const Qty open_same = o.side == Side::kBuy ? sp.open_buy_qty : sp.open_sell_qty;
      const i128 projected = static_cast<i128>(sp.size.e8) +
                             side_sign(o.side) * (static_cast<i128>(open_same.e8) + n.qty.e8);
      const i128 aproj = projected < 0 ? -projected : projected;
      if (aproj > st.max_position.e8) return RejectReason::kMaxPosition;
    }
    roll_strategy_day(st, c.ts());
    const Amount net = st.realized_pnl - st.fees;
    const Amount day_loss = st.day_start_net - net;
    if (!reduce_only && day_loss.is_positive() && day_loss >= st.max_daily_loss) {
      return RejectReason::kDailyLossLimit;
    }
    if (st.day_trades >= st.max_daily_trades) return RejectReason::kMaxDailyTrades;
    if (reduce_only) {
      const Qty q = s.position(n.account, n.instrument).size;
      const bool opposite =
          (q.is_positive() && o.side == Side::kSell) || (q.is_negative() && o.side == Side::kBuy);
      if (!opposite || n.qty > abs(q)) return RejectReason::kReduceOnly;
    }
    reservation = reservation_for(s, o, n.qty);
    if (!reservation) return RejectReason::kMalformed;
    // A zero reservation (a reducing futures order) cannot be short of funds, even when a
    // margin call left free negative: that is exactly when positions must be closable.
    if (reservation->amount.is_positive() &&
        reservation->amount > s.balance(n.account, reservation->asset).free) {
      return ins.kind == InstrumentKind::kSpot ? RejectReason::kInsufficientBalance
                                               : RejectReason::kInsufficientMargin;
    }
    return RejectReason::kNone;
  };

  RejectReason reason = check();
  if (reason != RejectReason::kNone && !source_speaks_for(c, n)) {
    // Refused input from a source that may not act as this client (or, an admin, not for this
    // account): reported, but never stored under the client's (client, cl_id), which would
    // block the client's own order.
    c.reject(reason, n.client, n.cl_id);
    return;
  }
  const uint32_t slot = alloc_order_slot(s);
  if (slot == kNoSlot) {
    c.reject(reason == RejectReason::kNone ? RejectReason::kTableFull : reason, n.client, n.cl_id);
    return;
  }
  OrderRecord& rec = s.edit_order_at(slot);
  const uint32_t generation = order_generation(rec.id) + 1;
  o.id = make_order_id(generation, slot);
  rec = o;
  s.index_insert(n.client, n.cl_id, slot);

  if (reason != RejectReason::kNone) {
    set_first_status(s, rec, OrderStatus::kRejected);
    rec.reject_reason = reason;
    retire(s, slot);
    c.count_reject(reason);
    Event e = c.order_event(EventType::kRejected, rec);
    e.reason = reason;
    c.emit(e);
    return;
  }

  set_first_status(s, rec,
                   is_conditional(rec.type) ? OrderStatus::kUntriggered : OrderStatus::kPendingNew);
  rec.lock_asset = reservation->asset;
  rec.reserved = reservation->amount;
  c.post(rec.account, rec.lock_asset, LedgerKind::kLock, -rec.reserved, rec.reserved, rec.id);
  if (rec.type == OrderType::kTrailingStop && rec.activation_price.is_zero()) {
    rec.flags |= kFlagTrailActive;  // active at once; the first tick sets the extreme
  }
  live_link(s, slot);
  if (rec.status == OrderStatus::kUntriggered) trigger_link(s, slot);
  add_open_qty(s, rec, rec.qty);
  StrategyRecord& st = s.edit_strategy(rec.strategy);
  ++st.open_orders;
  ++st.orders;
  if (rec.tif == Tif::kGtd) {
    ++s.edit_header().gtd_count;
    s.edit_header().next_expiry_ts = std::min(s.header().next_expiry_ts, rec.expire_ts);
  }
  Event e = c.order_event(EventType::kAccepted, rec);
  c.emit(e);
}

void request_cancel(Ctx& c, OrderRecord& o) noexcept {
  if (o.status == OrderStatus::kUntriggered) {
    // The venue never saw it: cancelled at once.
    finish_order(c, o, OrderStatus::kCancelled);
    Event e = c.order_event(EventType::kCancelled, o);
    c.emit(e);
    return;
  }
  set_status(c.s, o, next_status(o.status, OrderEvent::kCancelRequest));
  o.updated_ts = c.ts();
  Event e = c.order_event(EventType::kCancelRequested, o);
  c.emit(e);
}

void on_cancel(Ctx& c) noexcept {
  const OrderRef& ref = c.in.cmd.cancel;
  const OrderRecord* o = find_ref(c, ref);
  if (o == nullptr)
    return c.reject(RejectReason::kUnknownOrder, ref.client, ref.cl_id, ref.order_id);
  if (!source_binds(c, o->account)) {
    return c.reject(RejectReason::kAccountNotPermitted, ref.client, ref.cl_id, ref.order_id);
  }
  if (!is_legal(o->status, OrderEvent::kCancelRequest)) {
    c.count_reject(RejectReason::kNotCancelable);
    Event e = c.order_event(EventType::kRejected, *o);
    e.reason = RejectReason::kNotCancelable;
    c.emit(e);
    return;
  }
  request_cancel(c, edit_ref(c, *o));
}

void on_cancel_all(Ctx& c) noexcept {
  State& s = c.s;
  const CancelAllCmd& f = c.in.cmd.cancel_all;
  const uint16_t src = c.in.source;
  const ClientRecord* cl = source_client(c);
  const bool strategy_source = cl != nullptr && cl->role == ClientRole::kStrategy;
  // Naming an account outside the binding is refused; without a filter, the orders of other
  // accounts are simply not this source's to cancel.
  if (f.account != kNoIndex && f.account < s.account_count() && !source_binds(c, f.account)) {
    return c.reject(RejectReason::kAccountNotPermitted);
  }
  for (uint32_t slot = s.header().live_head; slot != kNoSlot;) {
    OrderRecord& o = s.edit_order_at(slot);
    slot = o.live_next;  // read before the order may leave the live list
    if (f.account != kNoIndex && o.account != f.account) continue;
    if (f.strategy != kNoIndex && o.strategy != f.strategy) continue;
    if (f.instrument != kNoIndex && o.instrument != f.instrument) continue;
    if (strategy_source && o.client != src) continue;
    if (!source_binds(c, o.account)) continue;
    if (!is_legal(o.status, OrderEvent::kCancelRequest)) continue;  // already pending_cancel
    request_cancel(c, o);
  }
}

void on_amend(Ctx& c) noexcept {
  State& s = c.s;
  const AmendCmd& a = c.in.cmd.amend;
  const OrderRecord* found = find_ref(c, a.ref);
  if (found == nullptr) {
    return c.reject(RejectReason::kUnknownOrder, a.ref.client, a.ref.cl_id, a.ref.order_id);
  }
  if (!source_binds(c, found->account)) {
    return c.reject(RejectReason::kAccountNotPermitted, a.ref.client, a.ref.cl_id, a.ref.order_id);
  }
  OrderRecord& o = edit_ref(c, *found);
  auto refuse = [&](RejectReason r) {
    c.count_reject(r);
    Event e = c.order_event(EventType::kRejected, o);
    e.reason = r;
    c.emit(e);
  };
  if (a.qty.is_negative() || a.price.is_negative()) return refuse(RejectReason::kMalformed);
  if (!has_limit_price(o.type) || !is_legal(o.status, OrderEvent::kAmend)) {
    return refuse(RejectReason::kNotAmendable);
  }
  const InstrumentRecord& ins = s.instrument(o.instrument);
  const Qty new_qty = a.qty.is_zero() ? o.qty : a.qty;
  const Price new_price = a.price.is_zero() ? o.price : a.price;
  if (new_qty <= o.filled_qty) return refuse(RejectReason::kMalformed);
  if (new_qty < ins.min_qty) return refuse(RejectReason::kQtyBelowMin);
  if (new_qty > ins.max_qty) return refuse(RejectReason::kQtyAboveMax);
  if (!is_multiple(new_qty.e8, ins.step_size.e8)) return refuse(RejectReason::kQtyStep);
  if (!on_tick_grid(ins, new_price)) return refuse(RejectReason::kPriceTick);
  // A triggered stop_limit / take_profit_limit is a limit order now: the band applies to it.
  const bool triggered = (o.flags & kFlagTriggered) != 0;
  if (effective_type(o.type, triggered) == OrderType::kLimit &&
      !within_band(ins, s.market(o.instrument), new_price)) {
    return refuse(RejectReason::kPriceBand);
  }
  OrderRecord probe = o;
  probe.qty = new_qty;
  probe.price = new_price;
  auto r = reservation_for(s, probe, new_qty - o.filled_qty);
  if (!r || r->asset != o.lock_asset) return refuse(RejectReason::kMalformed);
  const Amount delta = r->amount - o.reserved;
  if (delta.is_positive() && delta > s.balance(o.account, o.lock_asset).free) {
    return refuse(ins.kind == InstrumentKind::kSpot ? RejectReason::kInsufficientBalance
                                                    : RejectReason::kInsufficientMargin);
  }
  if (delta.is_positive()) {
    c.post(o.account, o.lock_asset, LedgerKind::kLock, -delta, delta, o.id);
  } else if (delta.is_negative()) {
    c.post(o.account, o.lock_asset, LedgerKind::kRelease, -delta, delta, o.id);
  }
  o.reserved = r->amount;
  add_open_qty(s, o, new_qty - o.qty);
  o.qty = new_qty;
  o.price = new_price;
  o.updated_ts = c.ts();
  Event e = c.order_event(EventType::kAmended, o);
  c.emit(e);
}

}  // namespace ose::detail
