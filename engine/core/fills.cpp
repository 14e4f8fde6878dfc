// Fills: the accounting heart (DESIGN §4). A fill is planned completely — balances, positions,
// margins, statistics — and committed only if every figure exists, so an arithmetic overflow
// leaves the State untouched.
#include "engine/core/apply_context.hpp"

namespace ose::detail {

namespace {

constexpr int64_t kNsPerDay = 86'400'000'000'000;

int64_t utc_day(int64_t ts) noexcept {
  return ts >= 0 ? ts / kNsPerDay : (ts - kNsPerDay + 1) / kNsPerDay;
}

struct PositionPlan {
  NettingResult net;
  Amount margin;
  Price liquidation;
  Amount unrealized;
};

std::optional<PositionPlan> plan_position(const State& s, const InstrumentRecord& ins,
                                          uint16_t instrument, const PositionRecord& pos,
                                          Qty signed_fill, Price price, Qty base_fee,
                                          int32_t leverage) noexcept {
  auto net = net_fill(ins.kind, ins.multiplier, pos.size, pos.avg_entry_price, signed_fill, price);
  if (!net) return std::nullopt;
  PositionPlan p{};
  p.net = *net;
  // A spot fee paid in the base asset reduces the holding; the average stays. If the fee
  // leaves a holding of the other sign (a sell that closed the position, or a flat one), that
  // residue was in effect sold at the fill price: it opens at that price, so closing it later
  // realizes only real price moves, not the fee a second time.
  if (!add_e8(p.net.size.e8, -base_fee.e8) || base_fee.e8 == INT64_MIN) return std::nullopt;
  const Qty before_fee = p.net.size;
  p.net.size -= base_fee;
  if (p.net.size.is_zero()) {
    p.net.avg = Price{};
  } else if (before_fee.is_zero() || before_fee.is_positive() != p.net.size.is_positive()) {
    p.net.avg = price;
  }
  if (ins.kind != InstrumentKind::kSpot && !p.net.size.is_zero()) {
    auto m = margin_for(ins, abs(p.net.size), p.net.avg, leverage);
    auto l = liquidation_price(p.net.size, p.net.avg, leverage, ins.maintenance_margin);
    if (!m || !l) return std::nullopt;
    p.margin = *m;
    p.liquidation = *l;
  }
  const MarketRecord& mk = s.market(instrument);
  if (mk.has_mark != 0) {
    auto u = unrealized_pnl(ins.kind, ins.multiplier, p.net.size, p.net.avg, mk.mark);
    if (!u) return std::nullopt;
    p.unrealized = *u;
  }
  return p;
}

// Accumulates overflow checks over a series of int64 sums; the plan is dropped if any failed.
struct Checked {
  bool ok = true;
  int64_t add(int64_t a, int64_t b) noexcept {
    int64_t r = 0;
    ok = ok && !__builtin_add_overflow(a, b, &r);
    return r;
  }
  int64_t sub(int64_t a, int64_t b) noexcept {
    int64_t r = 0;
    ok = ok && !__builtin_sub_overflow(a, b, &r);
    return r;
  }
};

// The balance movements of one fill, checked against the current balances before any is
// posted: the same asset may appear twice (a quote fee on a quote settlement).
struct Postings {
  struct Entry {
    uint16_t asset;
    LedgerKind kind;
    Amount dfree;
    Amount dlocked;
  };
  Entry entries[5] = {};
  int count = 0;

  void add(uint16_t asset, LedgerKind kind, Amount dfree, Amount dlocked) noexcept {
    entries[count++] = Entry{asset, kind, dfree, dlocked};
  }
  bool fit(const State& s, uint16_t account) const noexcept {
    Checked c;
    for (int i = 0; i < count; ++i) {
      if (entries[i].asset == kNoIndex) continue;
      int64_t free = s.balance(account, entries[i].asset).free.e8;
      int64_t locked = s.balance(account, entries[i].asset).locked.e8;
      for (int j = 0; j <= i; ++j) {
        if (entries[j].asset != entries[i].asset) continue;
        free = c.add(free, entries[j].dfree.e8);
        locked = c.add(locked, entries[j].dlocked.e8);
      }
      c.add(free, locked);  // the total must stay representable too
    }
    return c.ok;
  }
};

void commit_position(PositionRecord& pos, const PositionPlan& p, Amount fee_settle) noexcept {
  pos.size = p.net.size;
  pos.avg_entry_price = p.net.avg;
  pos.realized_pnl += p.net.realized;
  pos.fees += fee_settle;
  pos.margin = p.margin;
  pos.liquidation_price = p.liquidation;
  pos.unrealized_pnl = p.unrealized;
  pos.touched = 1;
}

// Spot bracket exits are sized to the base actually held for them, on the step grid.
Qty floor_to_step(Qty q, Qty step) noexcept {
  return Qty::from_e8(q.e8 - q.e8 % step.e8);
}

void create_exit(Ctx& c, OrderRecord& entry, bool is_stop, Qty qty, uint32_t& slot_out) noexcept {
  State& s = c.s;
  slot_out = kNoSlot;
  const uint32_t slot = alloc_order_slot(s);
  if (slot == kNoSlot) {
    c.alert(AlertReason::kBracketFailed, &entry);
    return;
  }
  OrderRecord& x = s.edit_order_at(slot);
  const uint32_t generation = order_generation(x.id) + 1;
  x = OrderRecord{};
  x.id = make_order_id(generation, slot);
  x.client = entry.client;
  x.account = entry.account;
  x.strategy = entry.strategy;
  x.instrument = entry.instrument;
  x.side = opposite(entry.side);
  x.type = is_stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
  x.tif = Tif::kGtc;
  set_first_status(s, x, OrderStatus::kUntriggered);
  x.flags = kFlagReduceOnly | kFlagBracketExit;
  x.lock_asset = kNoIndex;
  x.fee_asset = kNoIndex;
  x.qty = qty;
  x.stop_price = is_stop ? entry.stop_loss : entry.take_profit;
  x.linked_id = entry.id;  // until the sibling exists; then the sibling's id
  x.created_ts = x.updated_ts = c.ts();
  live_link(s, slot);
  trigger_link(s, slot);
  add_open_qty(s, x, qty);
  ++s.edit_strategy(x.strategy).open_orders;
  slot_out = slot;
}

// The spot reservation for a pair of exits of `qty`: sells hold the base; buys hold quote at
// the higher of the two stops, plus the band (they execute as market orders).
std::optional<Amount> exit_lock(const State& s, const OrderRecord& entry, Qty qty) noexcept {
  const InstrumentRecord& ins = s.instrument(entry.instrument);
  if (entry.side == Side::kBuy) return Amount::from_e8(qty.e8);
  return notional_scaled_up(qty, max(entry.stop_loss, entry.take_profit), ins.price_band);
}

// Keeps the bracket exits of `entry` sized to its filled quantity (DESIGN §4 brackets).
void sync_bracket(Ctx& c, OrderRecord& entry) noexcept {
  State& s = c.s;
  if (entry.stop_loss.is_zero() && entry.take_profit.is_zero()) return;
  const InstrumentRecord& ins = s.instrument(entry.instrument);
  const bool spot = ins.kind == InstrumentKind::kSpot;
  OrderRecord* first = entry.linked_id != 0 ? s.edit_order(entry.linked_id) : nullptr;
  if (entry.linked_id != 0 && (first == nullptr || first->status != OrderStatus::kUntriggered)) {
    return;  // an exit already triggered or finished: the pair is no longer resized
  }
  OrderRecord* second =
      first != nullptr && first->linked_id != entry.id ? s.edit_order(first->linked_id) : nullptr;
  if (second != nullptr && second->status != OrderStatus::kUntriggered) return;

  Qty target = floor_to_step(entry.filled_qty, ins.step_size);
  Amount current_lock = first != nullptr ? first->reserved : Amount{};
  uint16_t lock_asset = kNoIndex;
  Amount lock{};
  if (spot) {
    lock_asset = entry.side == Side::kBuy ? ins.base : ins.quote;
    const Amount available = s.balance(entry.account, lock_asset).free + current_lock;
    if (entry.side == Side::kBuy) {
      // A fee in base leaves less than the filled quantity to sell.
      target = min(target, floor_to_step(Qty::from_e8(available.e8), ins.step_size));
    }
    auto need = exit_lock(s, entry, target);
    if (!need) return c.alert(AlertReason::kArithmeticOverflow, &entry);
    if (*need > available) {
      auto unit = exit_lock(s, entry, Qty::from_units(1));
      if (!unit || !unit->is_positive()) return c.alert(AlertReason::kArithmeticOverflow, &entry);
      auto affordable = ratio_e8(static_cast<i128>(available.e8) * kScale, unit->e8);
      target = min(target, floor_to_step(Qty::from_e8(affordable.value_or(0)), ins.step_size));
      need = exit_lock(s, entry, target);
      if (!need) return;
    }
    lock = *need;
  }
  if (!spot) {
    // Futures exits hold no margin, so they may never exceed the position they close (0001
    // "Brackets"): after an entry that reduced or flipped the position they cover only what
    // the account holds on the entry's side.
    target = min(target,
                 floor_to_step(exit_room(s, entry.account, entry.instrument, opposite(entry.side)),
                               ins.step_size));
  }
  if (!target.is_positive() || target == entry.exit_qty) return;

  if (first == nullptr) {
    uint32_t sl = kNoSlot;
    uint32_t tp = kNoSlot;
    if (entry.stop_loss.is_positive()) create_exit(c, entry, true, target, sl);
    if (entry.take_profit.is_positive()) create_exit(c, entry, false, target, tp);
    if (sl == kNoSlot && tp == kNoSlot) return;
    OrderRecord& holder = s.edit_order_at(sl != kNoSlot ? sl : tp);
    entry.linked_id = holder.id;
    if (sl != kNoSlot && tp != kNoSlot) {
      OrderRecord& x = s.edit_order_at(sl);
      OrderRecord& y = s.edit_order_at(tp);
      x.linked_id = y.id;
      y.linked_id = x.id;
      if (spot) {
        y.flags |= kFlagSharedLock;
        y.lock_asset = lock_asset;
      }
    }
    if (spot) {
      holder.lock_asset = lock_asset;
      holder.reserved = lock;
      c.post(holder.account, lock_asset, LedgerKind::kLock, -lock, lock, holder.id);
    }
    for (uint32_t slot : {sl, tp}) {
      if (slot == kNoSlot) continue;
      Event e = c.order_event(EventType::kCreated, s.order_at(slot));
      e.price = s.order_at(slot).stop_price;
      c.emit(e);
    }
  } else {
    for (OrderRecord* x : {first, second}) {
      if (x == nullptr) continue;
      add_open_qty(s, *x, target - x->qty);
      x->qty = target;
      x->updated_ts = c.ts();
    }
    if (spot) {
      const Amount delta = lock - first->reserved;
      first->reserved = lock;
      if (delta.is_positive()) {
        c.post(first->account, lock_asset, LedgerKind::kLock, -delta, delta, first->id);
      } else if (delta.is_negative()) {
        c.post(first->account, lock_asset, LedgerKind::kRelease, -delta, delta, first->id);
      }
    }
    for (OrderRecord* x : {first, second}) {
      if (x == nullptr) continue;
      Event e = c.order_event(EventType::kAmended, *x);
      e.price = x->stop_price;
      c.emit(e);
    }
  }
  entry.exit_qty = target;
}

}  // namespace

Qty exit_room(const State& s, uint16_t account, uint16_t instrument, Side exit_side) noexcept {
  const Qty q = s.position(account, instrument).size;
  const bool opposite_to_position =
      (q.is_positive() && exit_side == Side::kSell) || (q.is_negative() && exit_side == Side::kBuy);
  return opposite_to_position ? abs(q) : Qty{};
}

void roll_strategy_day(StrategyRecord& st, int64_t ts) noexcept {
  const int64_t day = utc_day(ts);
  if (day == st.day_index) return;
  st.day_index = day;
  st.day_start_net = st.realized_pnl - st.fees;
  st.day_trades = 0;
}

void refresh_unrealized(State& s, uint16_t instrument) noexcept {
  const InstrumentRecord& ins = s.instrument(instrument);
  const MarketRecord& mk = s.market(instrument);
  if (mk.has_mark == 0) return;
  auto refresh = [&](PositionRecord& p) {
    if (p.size.is_zero()) {
      p.unrealized_pnl = Amount{};
      return;
    }
    // An overflowing figure keeps its previous value: display data, not money that moves.
    if (auto u = unrealized_pnl(ins.kind, ins.multiplier, p.size, p.avg_entry_price, mk.mark)) {
      p.unrealized_pnl = *u;
    }
  };
  for (uint16_t a = 0; a < s.account_count(); ++a) refresh(s.edit_position(a, instrument));
  for (uint16_t k = 0; k < s.strategy_count(); ++k)
    refresh(s.edit_strategy_position(k, instrument));
}

void on_fill(Ctx& c) noexcept {
  State& s = c.s;
  const FillCmd& f = c.in.cmd.fill;
  const OrderRecord* found = find_ref(c, f.ref);
  if (found == nullptr) {
    return c.reject(RejectReason::kUnknownOrder, f.ref.client, f.ref.cl_id, f.ref.order_id);
  }
  if (!source_binds(c, found->account)) {
    return c.reject(RejectReason::kAccountNotPermitted, f.ref.client, f.ref.cl_id, f.ref.order_id);
  }
  OrderRecord& o = edit_ref(c, *found);
  const bool fee_asset_ok =
      f.fee_asset < s.asset_count() || (f.fee_asset == kNoIndex && f.fee.is_zero());
  // A fee may be negative (a rebate) but must be negatable: INT64_MIN has no opposite.
  if (!f.qty.is_positive() || !f.price.is_positive() || !fee_asset_ok ||
      !in_range(f.liquidity, kLiquidityCount) || f.trade_id.empty() || !f.trade_id.well_formed() ||
      f.fee.e8 == INT64_MIN) {
    c.count_reject(RejectReason::kMalformed);
    Event e = c.order_event(EventType::kRejected, o);
    e.reason = RejectReason::kMalformed;
    c.emit(e);
    return;
  }
  if (s.trade_seen(o.instrument, f.trade_id)) return c.alert(AlertReason::kDuplicateTrade, &o);
  const Qty rem = remaining(o);
  if (f.qty > rem) return c.alert(AlertReason::kOverfill, &o);
  const OrderStatus next =
      transition(c, o, f.qty == rem ? OrderEvent::kFinalFill : OrderEvent::kPartialFill);
  if (next == fsm::kX) return;

  // ---- plan -----------------------------------------------------------------------------
  const InstrumentRecord& ins = s.instrument(o.instrument);
  const bool spot = ins.kind == InstrumentKind::kSpot;
  const bool final_fill = f.qty == rem;
  const Qty signed_qty = o.side == Side::kBuy ? f.qty : -f.qty;
  const Amount fee = f.fee;
  const Qty base_fee = spot && f.fee_asset == ins.base ? Qty::from_e8(fee.e8) : Qty{};
  PositionRecord& apos = s.edit_position(o.account, o.instrument);
  PositionRecord& spos = s.edit_strategy_position(o.strategy, o.instrument);
  const int32_t leverage = apos.leverage;

  // The fee valued in the settle asset (DESIGN §4): as is, × price for base, else excluded.
  bool fee_ok = true;
  Amount fee_value{};
  if (f.fee_asset == ins.settle) {
    fee_value = fee;
  } else if (f.fee_asset == ins.base) {
    const auto v = mul_e8(fee.e8, f.price.e8);
    fee_ok = v.has_value();
    fee_value = Amount::from_e8(v.value_or(0));
  }
  auto release = final_fill ? std::optional<Amount>(o.reserved) : pro_rata(o.reserved, f.qty, rem);
  auto notional = notional_quote(ins, f.qty, f.price);
  auto acct = plan_position(s, ins, o.instrument, apos, signed_qty, f.price, base_fee, leverage);
  auto strat = plan_position(s, ins, o.instrument, spos, signed_qty, f.price, base_fee, leverage);
  std::optional<NettingResult> order_avg =
      net_fill(ins.kind, ins.multiplier, o.filled_qty, o.avg_fill_price, f.qty, f.price);
  if (!fee_ok || !release || !notional || !acct || !strat || !order_avg) {
    return c.alert(AlertReason::kArithmeticOverflow, &o);
  }

  // Balance movements and running totals, all checked before anything changes.
  const uint16_t lock_asset = o.lock_asset;
  Checked ck;
  Postings post;
  if (spot) {
    // Settlement: the released part of the lock pays for the fill; the difference (price
    // improvement, or a price beyond the reservation) goes to free.
    const Amount traded = Amount::from_e8(f.qty.e8);
    const uint16_t paid = o.side == Side::kBuy ? ins.quote : ins.base;
    const uint16_t got = o.side == Side::kBuy ? ins.base : ins.quote;
    const Amount paid_amount = o.side == Side::kBuy ? *notional : traded;
    const bool from_lock = lock_asset == paid;
    post.add(paid, LedgerKind::kSettlement,
             Amount::from_e8(ck.sub(from_lock ? release->e8 : 0, paid_amount.e8)),
             from_lock ? -*release : Amount{});
    post.add(got, LedgerKind::kSettlement, o.side == Side::kBuy ? traded : *notional, Amount{});
  } else {
    post.add(lock_asset, LedgerKind::kRelease, *release, -*release);
    const Amount margin_delta = Amount::from_e8(ck.sub(acct->margin.e8, apos.margin.e8));
    post.add(ins.settle, LedgerKind::kPositionMargin, -margin_delta, margin_delta);
    post.add(ins.settle, LedgerKind::kRealizedPnl, acct->net.realized, Amount{});
  }
  if (f.fee_asset != kNoIndex) post.add(f.fee_asset, LedgerKind::kFee, -fee, Amount{});
  StrategyRecord& st = s.edit_strategy(o.strategy);
  ck.add(apos.realized_pnl.e8, acct->net.realized.e8);
  ck.add(apos.fees.e8, fee_value.e8);
  ck.add(spos.realized_pnl.e8, strat->net.realized.e8);
  ck.add(spos.fees.e8, fee_value.e8);
  ck.add(o.fees.e8, fee.e8);
  ck.add(st.volume.e8, notional->e8);
  const int64_t st_fees = ck.add(st.fees.e8, fee_value.e8);
  const int64_t st_realized = ck.add(st.realized_pnl.e8, strat->net.realized.e8);
  const int64_t new_equity = ck.sub(st_realized, st_fees);
  ck.sub(std::max(st.peak_equity.e8, new_equity), new_equity);
  ck.sub(st.day_start_net.e8, new_equity);
  if (!ck.ok || !post.fit(s, o.account) || fee.e8 == INT64_MIN) {
    return c.alert(AlertReason::kArithmeticOverflow, &o);
  }

  // ---- commit ---------------------------------------------------------------------------
  const uint64_t trade_seq = s.trade_remember(o.instrument, f.trade_id, o.id);
  o.reserved -= *release;
  for (int i = 0; i < post.count; ++i) {
    const Postings::Entry& e = post.entries[i];
    if (e.asset != kNoIndex) c.post(o.account, e.asset, e.kind, e.dfree, e.dlocked, o.id);
  }
  commit_position(apos, *acct, fee_value);
  commit_position(spos, *strat, fee_value);
  add_open_qty(s, o, -f.qty);
  o.filled_qty += f.qty;
  o.avg_fill_price = order_avg->avg;
  o.fees += fee;
  o.fee_asset = f.fee_asset;
  set_status(s, o, next);
  o.updated_ts = c.ts();

  roll_strategy_day(st, c.ts());
  ++st.fills;
  ++st.day_trades;
  st.volume += *notional;
  st.fees += fee_value;
  st.realized_pnl += strat->net.realized;
  if (strat->net.closed.is_positive()) {
    if (strat->net.realized.is_positive()) ++st.wins;
    if (strat->net.realized.is_negative()) ++st.losses;
  }
  const Amount equity = st.realized_pnl - st.fees;
  st.peak_equity = max(st.peak_equity, equity);
  st.max_drawdown = max(st.max_drawdown, st.peak_equity - equity);

  Event e = c.order_event(EventType::kFill, o);
  e.trade_seq = trade_seq;
  e.qty = f.qty;
  e.price = f.price;
  e.amount = fee;
  e.asset = f.fee_asset;
  e.liquidity = static_cast<Liquidity>(f.liquidity);
  c.emit(e);
  // The trade happened, so it is applied as reported; a price worse than the order's limit
  // (a buy above it, a sell below) is the venue's error or a misrouted fill, and is raised.
  if (has_limit_price(o.type) && (o.side == Side::kBuy ? f.price > o.price : f.price < o.price)) {
    c.alert(AlertReason::kFillPriceOutsideLimit, &o);
  }

  if (spot) {
    for (uint16_t asset : {ins.base, ins.quote, f.fee_asset}) {
      if (asset != kNoIndex && s.balance(o.account, asset).free.is_negative()) {
        c.alert(AlertReason::kNegativeBalance, &o);
        break;
      }
    }
  } else {
    if (s.balance(o.account, ins.settle).free.is_negative()) c.alert(AlertReason::kMarginCall, &o);
    if (f.fee_asset != kNoIndex && f.fee_asset != ins.settle &&
        s.balance(o.account, f.fee_asset).free.is_negative()) {
      c.alert(AlertReason::kNegativeBalance, &o);
    }
  }

  // Exits first: a finished entry is a terminal slot that creating an exit could reclaim.
  if (!(o.flags & kFlagBracketExit)) sync_bracket(c, o);
  if (final_fill) finish_order(c, o, OrderStatus::kFilled);
}

}  // namespace ose::detail
