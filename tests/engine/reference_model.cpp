// The reference model (see reference_model.hpp). Every formula below is written from
// DESIGN.md §4 and docs/design/0001-core-semantics.md; the comments quote the rule they follow.
// Values are int64 counts of 1e-8 units; products are formed exactly in 128 bits and rounded
// once, half-to-even, by div_half_even().
#include "tests/engine/reference_model.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace ose::ref {

namespace {

constexpr i128 kE8 = 100'000'000;
constexpr i128 kE16 = kE8 * kE8;
constexpr int64_t kNsPerDay = 86'400'000'000'000;

i128 abs128(i128 v) {
  return v < 0 ? -v : v;
}
int64_t abs64(int64_t v) {
  return v < 0 ? -v : v;
}
int sign(int64_t v) {
  return v > 0 ? 1 : (v < 0 ? -1 : 0);
}

// Checked 128-bit product of up to three factors.
std::optional<i128> mul(i128 a, i128 b) {
  i128 out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}
std::optional<i128> mul(i128 a, i128 b, i128 c) {
  auto ab = mul(a, b);
  if (!ab) return std::nullopt;
  return mul(*ab, c);
}
std::optional<int64_t> ratio(std::optional<i128> num, std::optional<i128> den) {
  if (!num || !den) return std::nullopt;
  return div_half_even(*num, *den);
}

int64_t floor_day(int64_t ts) {
  int64_t d = ts / kNsPerDay;
  if (ts % kNsPerDay < 0) --d;
  return d;
}

bool limit_priced(OrderType t) {
  return t == OrderType::kLimit || t == OrderType::kStopLimit || t == OrderType::kTakeProfitLimit;
}
bool conditional(OrderType t) {
  return t != OrderType::kMarket && t != OrderType::kLimit;
}
bool terminal(OrderStatus s) {
  return s == OrderStatus::kFilled || s == OrderStatus::kCancelled || s == OrderStatus::kRejected ||
         s == OrderStatus::kExpired;
}
// Statuses in which the venue may still fill the order (DESIGN §4: a fill may arrive in
// pending_cancel).
bool fillable(OrderStatus s) {
  return s == OrderStatus::kPendingNew || s == OrderStatus::kOpen ||
         s == OrderStatus::kPartiallyFilled || s == OrderStatus::kPendingCancel;
}

uint16_t asset_index(const std::vector<std::string>& assets, const std::string& code) {
  for (size_t i = 0; i < assets.size(); ++i) {
    if (assets[i] == code) return static_cast<uint16_t>(i);
  }
  return kNoIndex;
}

}  // namespace

std::optional<int64_t> div_half_even(i128 num, i128 den) {
  if (den == 0) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  // Floor division first: q ≤ num/den < q + 1, 0 ≤ r < den.
  i128 q = num / den;
  i128 r = num % den;
  if (r < 0) {
    q -= 1;
    r += den;
  }
  // Round up when the remainder is more than half, or exactly half and q is odd.
  if (2 * r > den || (2 * r == den && (q & 1) != 0)) q += 1;
  if (q < std::numeric_limits<int64_t>::min() || q > std::numeric_limits<int64_t>::max()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(q);
}

// ---- construction ----------------------------------------------------------------------------

Model::Model(const EngineConfig& c) {
  for (const auto& a : c.assets) assets_.push_back(a.code);
  for (const auto& ic : c.instruments) {
    Instrument ins;
    ins.symbol = ic.symbol;
    ins.kind = ic.kind;
    ins.base = asset_index(assets_, ic.base);
    ins.quote = asset_index(assets_, ic.quote);
    ins.settle = asset_index(assets_, ic.settle);
    ins.tick = ic.tick_size.e8;
    ins.step = ic.step_size.e8;
    ins.min_qty = ic.min_qty.e8;
    ins.max_qty = ic.max_qty.e8;
    ins.min_notional = ic.min_notional.e8;
    // Spot multiplier is 1 (0001: "spot multiplier 1").
    ins.multiplier = ic.kind == InstrumentKind::kSpot ? int64_t{100'000'000} : ic.multiplier.e8;
    ins.maintenance = ic.maintenance_margin.e8;
    ins.band = ic.price_band.e8;
    ins.max_leverage = ic.max_leverage;
    ins.halted = ic.halted;
    instruments_.push_back(ins);
  }
  for (const auto& ac : c.accounts) {
    accounts_.push_back(Account{ac.name, ac.type, ac.leverage, ac.halted});
  }
  for (const auto& sc : c.strategies) {
    Strategy st;
    st.name = sc.name;
    st.account = kNoIndex;
    for (size_t i = 0; i < c.accounts.size(); ++i) {
      if (c.accounts[i].name == sc.account) st.account = static_cast<uint16_t>(i);
    }
    st.state = sc.state;
    st.max_open_orders = sc.max_open_orders;
    st.max_daily_trades = sc.max_daily_trades;
    st.max_position = sc.max_position.e8;
    st.max_order_notional = sc.max_order_notional.e8;
    st.max_daily_loss = sc.max_daily_loss.e8;
    strategies_.push_back(st);
  }
  for (const auto& cc : c.clients) {
    if (cc.rate_limit != 0) throw std::logic_error("reference model: rate limits not modelled");
    Client cl;
    cl.name = cc.name;
    cl.role = cc.role;
    for (const auto& a : cc.accounts) {
      for (size_t i = 0; i < c.accounts.size(); ++i) {
        if (c.accounts[i].name == a) cl.accounts.push_back(static_cast<uint16_t>(i));
      }
    }
    clients_.push_back(cl);
  }
  order_capacity_ = c.max_orders;
  trade_window_ = c.max_trades != 0 ? c.max_trades : c.max_orders;
  slot_ids_.assign(order_capacity_, 0);
  markets_.assign(instruments_.size(), Market{});
  // Account leverage is the default for its instruments, capped by each instrument's maximum.
  for (size_t a = 0; a < accounts_.size(); ++a) {
    for (size_t i = 0; i < instruments_.size(); ++i) {
      leverage_[{static_cast<uint16_t>(a), static_cast<uint16_t>(i)}] =
          std::min(accounts_[a].leverage, instruments_[i].max_leverage);
    }
  }
  // Initial balances are deposits.
  for (size_t a = 0; a < c.accounts.size(); ++a) {
    for (const auto& [code, amount] : c.accounts[a].balances) {
      balances_[{static_cast<uint16_t>(a), asset_index(assets_, code)}].free += amount.e8;
    }
  }
}

// ---- read access -----------------------------------------------------------------------------

Balance Model::balance(uint16_t account, uint16_t asset) const {
  auto it = balances_.find({account, asset});
  return it == balances_.end() ? Balance{} : it->second;
}
Position Model::position(uint16_t account, uint16_t instrument) const {
  auto it = positions_.find({account, instrument});
  return it == positions_.end() ? Position{} : it->second;
}
Position Model::strategy_position(uint16_t strategy, uint16_t instrument) const {
  auto it = strategy_positions_.find({strategy, instrument});
  return it == strategy_positions_.end() ? Position{} : it->second;
}
int32_t Model::leverage(uint16_t account, uint16_t instrument) const {
  return leverage_.at({account, instrument});
}
const Order* Model::find(uint64_t id) const {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}
const Order* Model::find(uint16_t client, uint64_t cl_id) const {
  auto it = keys_.find({client, cl_id});
  return it == keys_.end() ? nullptr : find(it->second);
}
bool Model::trade_remembered(uint16_t instrument, std::string_view trade_id) const {
  return std::find(trades_.begin(), trades_.end(),
                   std::make_pair(instrument, std::string(trade_id))) != trades_.end();
}
int64_t Model::open_qty(uint16_t strategy, uint16_t instrument, Side side) const {
  int64_t sum = 0;
  for (const auto& [id, o] : orders_) {
    if (!terminal(o.status) && o.strategy == strategy && o.instrument == instrument &&
        o.side == side) {
      sum += o.remaining();
    }
  }
  return sum;
}
int Model::open_orders(uint16_t strategy) const {
  int n = 0;
  for (const auto& [id, o] : orders_) {
    if (!terminal(o.status) && o.strategy == strategy) ++n;
  }
  return n;
}

// ---- small helpers ---------------------------------------------------------------------------

void Model::emit(EventType type, uint64_t order_id, bool check_id) {
  ExpectedEvent e;
  e.type = type;
  e.order_id = order_id;
  e.check_id = check_id;
  out_.push_back(e);
}
void Model::reject(RejectReason reason, uint64_t order_id, bool check_id) {
  ExpectedEvent e;
  e.type = EventType::kRejected;
  e.reason = reason;
  e.order_id = order_id;
  e.check_id = check_id;
  out_.push_back(e);
}
void Model::alert(AlertReason reason, uint64_t order_id) {
  ExpectedEvent e;
  e.type = EventType::kAlert;
  e.alert = reason;
  e.order_id = order_id;
  e.check_id = order_id != 0;
  out_.push_back(e);
}

void Model::move(uint16_t account, uint16_t asset, int64_t dfree, int64_t dlocked) {
  Balance& b = balances_[{account, asset}];
  b.free += dfree;
  b.locked += dlocked;
}

std::optional<uint32_t> Model::take_slot() {
  // 0001: "slots are used in order, then the oldest terminal slot is reclaimed, and its
  // (client, cl_id) becomes free again ... TABLE_FULL means every slot holds a live order."
  if (slots_used_ < order_capacity_) return slots_used_++;
  if (terminal_slots_.empty()) return std::nullopt;
  const uint32_t slot = terminal_slots_.front();
  terminal_slots_.pop_front();
  auto it = orders_.find(slot_ids_[slot]);
  if (it != orders_.end()) {
    keys_.erase({it->second.client, it->second.cl_id});
    orders_.erase(it);
  }
  return slot;
}

void Model::finish(Order& o, OrderStatus status) {
  // 0001 brackets: "Spot exits share one reservation, held by the first exit"; when the holder
  // ends while its sibling still waits, the sibling keeps the pair's lock.
  if (o.bracket_exit && o.reserved != 0) {
    auto sib = orders_.find(o.linked_id);
    if (sib != orders_.end() && sib->second.shared_lock && !terminal(sib->second.status)) {
      sib->second.reserved = o.reserved;
      sib->second.shared_lock = false;
      o.reserved = 0;
    }
  }
  // Cancel/reject/expire release the rest (DESIGN §4); a final fill has released it already.
  if (o.reserved != 0) move(o.account, o.lock_asset, o.reserved, -o.reserved);
  o.reserved = 0;
  o.status = status;
  terminal_slots_.push_back(o.slot);
}

Order* Model::resolve(const OrderRef& ref) {
  if (ref.order_id != 0) {
    const auto slot = static_cast<uint32_t>(ref.order_id & 0xFFFF'FFFFu);
    if (slot >= slots_used_ || slot_ids_[slot] != ref.order_id) return nullptr;
    auto it = orders_.find(ref.order_id);
    return it == orders_.end() ? nullptr : &it->second;
  }
  if (ref.client >= clients_.size() || ref.cl_id == 0) return nullptr;
  auto it = keys_.find({ref.client, ref.cl_id});
  return it == keys_.end() ? nullptr : &orders_.at(it->second);
}

void Model::expire_due(int64_t ts) {
  // 0001: a GTD order expires before the first input whose ts ≥ expire_ts is applied.
  std::vector<Order*> due;
  for (auto& [id, o] : orders_) {
    if (!terminal(o.status) && o.tif == Tif::kGtd && o.expire_ts <= ts) due.push_back(&o);
  }
  std::sort(due.begin(), due.end(),
            [](const Order* a, const Order* b) { return a->accepted_seq < b->accepted_seq; });
  for (Order* o : due) {
    finish(*o, OrderStatus::kExpired);
    emit(EventType::kExpired, o->id, true);
  }
}

// ---- formulas --------------------------------------------------------------------------------

std::optional<int64_t> Model::notional(const Instrument& ins, int64_t qty, int64_t price) const {
  // 0001: "Notional ... in quote units: qty × ref × multiplier (spot multiplier 1), inverse
  // qty × multiplier."
  if (ins.kind == InstrumentKind::kInverse) return ratio(mul(qty, ins.multiplier), kE8);
  return ratio(mul(qty, price, ins.multiplier), kE16);
}

std::optional<int64_t> Model::margin(const Instrument& ins, int64_t abs_qty, int64_t price,
                                     int32_t leverage) const {
  // DESIGN §4: qty·price·multiplier/L; inverse qty·multiplier/(price·L).
  if (ins.kind == InstrumentKind::kInverse) {
    return ratio(mul(abs_qty, ins.multiplier), mul(price, leverage));
  }
  return ratio(mul(abs_qty, price, ins.multiplier), mul(kE16, leverage));
}

std::optional<int64_t> Model::liquidation(int64_t size, int64_t avg, int32_t leverage,
                                          int64_t maintenance) const {
  // DESIGN §4: long avg·(1 − 1/L)/(1 − m), short avg·(1 + 1/L)/(1 + m); flat: 0.
  if (size == 0) return 0;
  const i128 L = leverage;
  if (size > 0) return ratio(mul(avg, L - 1, kE8), mul(L, kE8 - maintenance));
  return ratio(mul(avg, L + 1, kE8), mul(L, kE8 + maintenance));
}

std::optional<int64_t> Model::unrealized(const Instrument& ins, int64_t size, int64_t avg,
                                         int64_t mark) const {
  // DESIGN §4: linear q·(mark − avg)·multiplier; inverse |q|·multiplier·(1/avg − 1/mark)·sign(q)
  // = q·multiplier·(mark − avg)/(avg·mark).
  if (size == 0) return 0;
  if (ins.kind == InstrumentKind::kInverse) {
    return ratio(mul(size, ins.multiplier, i128{mark} - avg), mul(avg, mark));
  }
  return ratio(mul(size, i128{mark} - avg, ins.multiplier), kE16);
}

std::optional<Model::Netted> Model::net(const Instrument& ins, int64_t q, int64_t avg, int64_t d,
                                        int64_t p) const {
  // DESIGN §4 netting, signed size q, signed fill d at price p.
  Netted r;
  const i128 aq = abs128(q);
  const i128 ad = abs128(d);
  if (q == 0 || sign(q) == sign(d)) {
    r.size = q + d;
    if (q == 0) {
      r.avg = p;
    } else if (ins.kind == InstrumentKind::kInverse) {
      // Harmonic mean (|q|+|d|)/(|q|/avg + |d|/p) = (|q|+|d|)·avg·p/(|q|·p + |d|·avg).
      auto v = ratio(mul(aq + ad, avg, p), aq * p + ad * avg);
      if (!v) return std::nullopt;
      r.avg = *v;
    } else {
      // (|q|·avg + |d|·p)/(|q|+|d|).
      auto v = div_half_even(aq * avg + ad * p, aq + ad);
      if (!v) return std::nullopt;
      r.avg = *v;
    }
    return r;
  }
  // Opposite: closes c = min(|d|, |q|); the rest opens a new position at p.
  const i128 c = std::min(aq, ad);
  std::optional<int64_t> realized;
  if (ins.kind == InstrumentKind::kInverse) {
    // c·multiplier·(1/avg − 1/p)·sign(q) = c·multiplier·(p − avg)·sign(q)/(avg·p).
    realized = ratio(mul(c, ins.multiplier, (i128{p} - avg) * sign(q)), mul(avg, p));
  } else {
    // c·(p − avg)·sign(q)·multiplier.
    realized = ratio(mul(c, (i128{p} - avg) * sign(q), ins.multiplier), kE16);
  }
  if (!realized) return std::nullopt;
  r.realized = *realized;
  r.closed = static_cast<int64_t>(c);
  r.size = q + d;
  if (ad < aq) {
    r.avg = avg;
  } else if (ad == aq) {
    r.avg = 0;
  } else {
    r.avg = p;
  }
  return r;
}

std::optional<int64_t> Model::reference_price(const Order& o) const {
  // 0001: "the limit price for limit-priced types; ask (buy) / bid (sell) for market;
  // stop_price for stop/take-profit market; activation_price, else ask/bid, for trailing".
  if (limit_priced(o.type)) return o.price;
  if (o.type == OrderType::kStopMarket || o.type == OrderType::kTakeProfitMarket) {
    return o.stop_price;
  }
  if (o.type == OrderType::kTrailingStop && o.activation_price > 0) return o.activation_price;
  const Market& m = markets_[o.instrument];
  if (o.side == Side::kBuy) return m.has_ask ? std::optional<int64_t>(m.ask) : std::nullopt;
  return m.has_bid ? std::optional<int64_t>(m.bid) : std::nullopt;
}

std::optional<Model::Lock> Model::reservation(const Order& o, int64_t qty) const {
  const Instrument& ins = instruments_[o.instrument];
  const auto ref = reference_price(o);
  if (!ref) return std::nullopt;
  if (ins.kind == InstrumentKind::kSpot) {
    // DESIGN §4: sell locks qty base; buy limit qty·price quote; market buy
    // qty·ask·(1 + price_band) — one product, rounded once (0001 "Numbers").
    if (o.side == Side::kSell) return Lock{ins.base, qty};
    if (limit_priced(o.type)) {
      auto v = notional(ins, qty, *ref);
      if (!v) return std::nullopt;
      return Lock{ins.quote, *v};
    }
    if (o.type == OrderType::kTrailingStop) {
      // 0001: "Trailing buy: qty × ref × (1 + band) × (1 + callback_rate) (each step
      // rounded)": the reference raised by the band, then by the callback, then × qty.
      auto up = ratio(mul(*ref, kE8 + ins.band), kE8);
      if (up) up = ratio(mul(*up, kE8 + o.callback_rate), kE8);
      if (!up) return std::nullopt;
      auto v = notional(ins, qty, *up);
      if (!v) return std::nullopt;
      return Lock{ins.quote, *v};
    }
    auto v = ratio(mul(qty, *ref, kE8 + ins.band), kE16);
    if (!v) return std::nullopt;
    return Lock{ins.quote, *v};
  }
  // DESIGN §4 futures: max(0, qty − reducible)·price·multiplier/L, reducible = |q| when the
  // order is opposite to the account position q; market orders use the touch, no band.
  const Position pos = position(o.account, o.instrument);
  int64_t reducible = 0;
  if ((pos.size > 0 && o.side == Side::kSell) || (pos.size < 0 && o.side == Side::kBuy)) {
    reducible = abs64(pos.size);
  }
  const int64_t opening = std::max<int64_t>(0, qty - reducible);
  auto v = margin(ins, opening, *ref, leverage(o.account, o.instrument));
  if (!v) return std::nullopt;
  return Lock{ins.settle, *v};
}

void Model::roll_day(Strategy& st, int64_t ts) const {
  const int64_t day = floor_day(ts);
  if (st.day_known && st.day == day) return;
  st.day_known = true;
  st.day = day;
  st.day_start_net = st.realized - st.fees;  // net PnL does not change between fills
  st.day_trades = 0;
}

// ---- apply -----------------------------------------------------------------------------------

std::vector<ExpectedEvent> Model::apply(const Input& input) {
  if (input.source != kEngineSource) {
    throw std::logic_error("reference model: only engine-source inputs are modelled");
  }
  in_ = &input;
  out_.clear();
  expire_due(input.ts);
  const Command& c = input.cmd;
  switch (c.op) {
    case Op::kDeposit:
      on_balance(c.balance, true);
      break;
    case Op::kWithdraw:
      on_balance(c.balance, false);
      break;
    case Op::kNewOrder:
      on_new_order(c.new_order);
      break;
    case Op::kCancel:
      on_cancel(c.cancel);
      break;
    case Op::kAmend:
      on_amend(c.amend);
      break;
    case Op::kCancelAll:
      on_cancel_all(c.cancel_all);
      break;
    case Op::kAck:
      on_ack(c.ack);
      break;
    case Op::kVenueReject:
      on_venue_reject(c.venue_reject);
      break;
    case Op::kFill:
      on_fill(c.fill);
      break;
    case Op::kCancelAck:
      on_cancel_ack(c.cancel_ack);
      break;
    case Op::kExpired:
      on_expired(c.expired);
      break;
    case Op::kTick:
      on_tick(c.tick);
      break;
    case Op::kSetStrategy:
      on_set_strategy(c.set_strategy);
      break;
    case Op::kHalt:
      on_halt(c.halt, true);
      break;
    case Op::kResume:
      on_halt(c.halt, false);
      break;
    case Op::kSetLeverage:
      on_set_leverage(c.set_leverage);
      break;
    case Op::kTimer:
      break;
    default:
      reject(RejectReason::kMalformed);
      break;
  }
  in_ = nullptr;
  return out_;
}

void Model::on_balance(const BalanceCmd& b, bool deposit) {
  if (b.amount.e8 <= 0) return reject(RejectReason::kMalformed);
  if (b.account >= accounts_.size()) return reject(RejectReason::kUnknownAccount);
  if (b.asset >= assets_.size()) return reject(RejectReason::kUnknownAsset);
  const Balance bal = balance(b.account, b.asset);
  if (deposit) {
    const i128 limit = std::numeric_limits<int64_t>::max();
    if (i128{bal.free} + b.amount.e8 > limit || i128{bal.free} + bal.locked + b.amount.e8 > limit) {
      return alert(AlertReason::kArithmeticOverflow, 0);
    }
    move(b.account, b.asset, b.amount.e8, 0);
  } else {
    if (b.amount.e8 > bal.free) return reject(RejectReason::kInsufficientBalance);
    move(b.account, b.asset, -b.amount.e8, 0);
  }
  emit(EventType::kBalance);
}

RejectReason Model::check_new_order(const NewOrderCmd& n, const Order& o,
                                    std::optional<Lock>& lock) {
  // DESIGN §5 order, after MALFORMED and DUPLICATE_CLIENT_ORDER_ID.
  if (n.instrument >= instruments_.size()) return RejectReason::kUnknownInstrument;
  if (n.account >= accounts_.size()) return RejectReason::kUnknownAccount;
  if (n.strategy >= strategies_.size()) return RejectReason::kUnknownStrategy;
  const Instrument& ins = instruments_[n.instrument];
  const Account& acct = accounts_[n.account];
  Strategy& st = strategies_[n.strategy];
  const Client& cl = clients_[n.client];
  const bool client_may =
      std::find(cl.accounts.begin(), cl.accounts.end(), n.account) != cl.accounts.end();
  const bool kinds_match = (ins.kind == InstrumentKind::kSpot) == (acct.type == AccountType::kSpot);
  if (!client_may || st.account != n.account || !kinds_match) {
    return RejectReason::kAccountNotPermitted;
  }
  if (halted_global_ || acct.halted || st.halted || ins.halted) return RejectReason::kHalted;
  if (st.state != StrategyState::kRunning) return RejectReason::kStrategyNotRunning;
  if (n.qty.e8 < ins.min_qty) return RejectReason::kQtyBelowMin;
  if (n.qty.e8 > ins.max_qty) return RejectReason::kQtyAboveMax;
  if (n.qty.e8 % ins.step != 0) return RejectReason::kQtyStep;
  for (int64_t p :
       {n.price.e8, n.stop_price.e8, n.activation_price.e8, n.stop_loss.e8, n.take_profit.e8}) {
    if (p > 0 && p % ins.tick != 0) return RejectReason::kPriceTick;
  }
  const Market& m = markets_[n.instrument];
  if (o.type == OrderType::kLimit && m.has_mark && ins.band != 0) {
    // |price − mark| ≤ mark × price_band, exactly.
    if (abs128(i128{n.price.e8} - m.mark) * kE8 > i128{m.mark} * ins.band) {
      return RejectReason::kPriceBand;
    }
  }
  const auto ref = reference_price(o);
  if (!ref || *ref <= 0) return RejectReason::kNoMarketData;
  const auto value = notional(ins, n.qty.e8, *ref);
  if (!value) return RejectReason::kMalformed;
  if (*value < ins.min_notional) return RejectReason::kMinNotional;
  if (*value > st.max_order_notional) return RejectReason::kMaxOrderNotional;
  if (open_orders(n.strategy) >= st.max_open_orders) return RejectReason::kMaxOpenOrders;
  const bool reduce_only = (n.flags & kFlagReduceOnly) != 0;
  if (!reduce_only) {
    // 0001: |pos + side·(open same-side qty + qty)| > max_position rejects.
    const int64_t pos = strategy_position(n.strategy, n.instrument).size;
    const i128 projected =
        i128{pos} + (o.side == Side::kBuy ? 1 : -1) *
                        (i128{open_qty(n.strategy, n.instrument, o.side)} + n.qty.e8);
    if (abs128(projected) > st.max_position) return RejectReason::kMaxPosition;
  }
  roll_day(st, in_->ts);
  const int64_t loss = st.day_start_net - (st.realized - st.fees);
  if (!reduce_only && loss > 0 && loss >= st.max_daily_loss) {
    return RejectReason::kDailyLossLimit;
  }
  if (st.day_trades >= st.max_daily_trades) return RejectReason::kMaxDailyTrades;
  if (reduce_only) {
    // Opposite to the account position and no larger than it.
    const int64_t q = position(n.account, n.instrument).size;
    const bool opposite = (q > 0 && o.side == Side::kSell) || (q < 0 && o.side == Side::kBuy);
    if (!opposite || n.qty.e8 > abs64(q)) return RejectReason::kReduceOnly;
  }
  lock = reservation(o, n.qty.e8);
  if (!lock) return RejectReason::kMalformed;
  // Only a lock that is needed can be insufficient: an order that needs nothing (a futures
  // order that only reduces the position) is not refused for a negative free balance.
  if (lock->amount > 0 && lock->amount > balance(n.account, lock->asset).free) {
    return ins.kind == InstrumentKind::kSpot ? RejectReason::kInsufficientBalance
                                             : RejectReason::kInsufficientMargin;
  }
  return RejectReason::kNone;
}

void Model::on_new_order(const NewOrderCmd& n) {
  // 0001 MALFORMED rules.
  const auto type = static_cast<OrderType>(n.type);
  bool ok = n.side < 2 && n.type < kOrderTypeCount && n.tif < 4;
  ok = ok && (n.flags & ~(kFlagPostOnly | kFlagReduceOnly)) == 0;
  ok = ok && n.client < clients_.size() && n.cl_id != 0 && n.qty.e8 > 0;
  if (ok) {
    ok = limit_priced(type) == (n.price.e8 > 0) && n.price.e8 >= 0;
    const bool needs_stop = conditional(type) && type != OrderType::kTrailingStop;
    ok = ok && needs_stop == (n.stop_price.e8 > 0) && n.stop_price.e8 >= 0;
    if (type == OrderType::kTrailingStop) {
      ok = ok && n.callback_rate.e8 > 0 && n.callback_rate.e8 < kE8 && n.activation_price.e8 >= 0;
    } else {
      ok = ok && n.callback_rate.e8 == 0 && n.activation_price.e8 == 0;
    }
    ok = ok && ((n.flags & kFlagPostOnly) == 0 || type == OrderType::kLimit);
    ok = ok && ((n.tif == static_cast<uint8_t>(Tif::kGtd)) == (n.expire_ts > 0));
    ok = ok && n.stop_loss.e8 >= 0 && n.take_profit.e8 >= 0;
    const bool bracket = n.stop_loss.e8 > 0 || n.take_profit.e8 > 0;
    ok = ok && !(bracket && (conditional(type) || (n.flags & kFlagReduceOnly) != 0));
  }
  const bool key_usable = n.client < clients_.size() && n.cl_id != 0;
  const bool taken = key_usable && keys_.count({n.client, n.cl_id}) != 0;
  if (!ok && (!key_usable || taken)) return reject(RejectReason::kMalformed);
  if (ok && taken) return reject(RejectReason::kDuplicateClientOrderId);

  Order o;
  o.cl_id = n.cl_id;
  o.client = n.client;
  o.account = n.account;
  o.strategy = n.strategy;
  o.instrument = n.instrument;
  o.side = (n.side & 1) != 0 ? Side::kSell : Side::kBuy;
  o.type = n.type < kOrderTypeCount ? type : OrderType::kMarket;
  o.tif = n.tif < 4 ? static_cast<Tif>(n.tif) : Tif::kGtc;
  o.reduce_only = (n.flags & kFlagReduceOnly) != 0;
  o.qty = n.qty.e8;
  o.price = n.price.e8;
  o.expire_ts = n.expire_ts;
  o.stop_price = n.stop_price.e8;
  o.callback_rate = n.callback_rate.e8;
  o.activation_price = n.activation_price.e8;
  o.stop_loss = n.stop_loss.e8;
  o.take_profit = n.take_profit.e8;

  std::optional<Lock> lock;
  const RejectReason reason = ok ? check_new_order(n, o, lock) : RejectReason::kMalformed;
  const auto slot = take_slot();
  if (!slot) {
    return reject(reason == RejectReason::kNone ? RejectReason::kTableFull : reason);
  }
  o.slot = *slot;
  o.id = ((slot_ids_[*slot] >> 32) + 1) << 32 | *slot;
  slot_ids_[*slot] = o.id;
  keys_[{o.client, o.cl_id}] = o.id;
  if (reason != RejectReason::kNone) {
    o.status = OrderStatus::kRejected;
    o.reject_reason = reason;
    orders_[o.id] = o;
    terminal_slots_.push_back(o.slot);
    return reject(reason, o.id, true);
  }
  // DESIGN §4: "conditional orders start untriggered"; a trailing stop without an activation
  // price is active at once (0001).
  o.status = conditional(o.type) ? OrderStatus::kUntriggered : OrderStatus::kPendingNew;
  if (conditional(o.type)) o.armed_seq = ++arm_counter_;
  o.trail_active = o.type == OrderType::kTrailingStop && o.activation_price == 0;
  o.lock_asset = lock->asset;
  o.reserved = lock->amount;
  o.accepted_seq = ++accept_counter_;
  move(o.account, o.lock_asset, -o.reserved, o.reserved);
  ++strategies_[o.strategy].orders;
  orders_[o.id] = o;
  emit(EventType::kAccepted, o.id, true);
}

void Model::request_cancel(Order& o) {
  if (o.status == OrderStatus::kUntriggered) {
    finish(o, OrderStatus::kCancelled);
    return emit(EventType::kCancelled, o.id, true);
  }
  o.status = OrderStatus::kPendingCancel;
  emit(EventType::kCancelRequested, o.id, true);
}

void Model::on_cancel(const OrderRef& ref) {
  Order* o = resolve(ref);
  if (o == nullptr) return reject(RejectReason::kUnknownOrder);
  const OrderStatus s = o->status;
  if (s != OrderStatus::kUntriggered && s != OrderStatus::kPendingNew && s != OrderStatus::kOpen &&
      s != OrderStatus::kPartiallyFilled) {
    return reject(RejectReason::kNotCancelable, o->id, true);
  }
  request_cancel(*o);
}

void Model::on_cancel_all(const CancelAllCmd& f) {
  std::vector<Order*> live;
  for (auto& [id, o] : orders_) {
    if (!terminal(o.status)) live.push_back(&o);
  }
  std::sort(live.begin(), live.end(),
            [](const Order* a, const Order* b) { return a->accepted_seq < b->accepted_seq; });
  for (Order* o : live) {
    if (f.account != kNoIndex && o->account != f.account) continue;
    if (f.strategy != kNoIndex && o->strategy != f.strategy) continue;
    if (f.instrument != kNoIndex && o->instrument != f.instrument) continue;
    if (o->status == OrderStatus::kPendingCancel) continue;
    request_cancel(*o);
  }
}

void Model::on_amend(const AmendCmd& a) {
  Order* op = resolve(a.ref);
  if (op == nullptr) return reject(RejectReason::kUnknownOrder);
  Order& o = *op;
  if (a.qty.e8 < 0 || a.price.e8 < 0) return reject(RejectReason::kMalformed, o.id, true);
  const bool amendable = o.status == OrderStatus::kUntriggered ||
                         o.status == OrderStatus::kPendingNew || o.status == OrderStatus::kOpen ||
                         o.status == OrderStatus::kPartiallyFilled;
  if (!limit_priced(o.type) || !amendable) {
    return reject(RejectReason::kNotAmendable, o.id, true);
  }
  const Instrument& ins = instruments_[o.instrument];
  const int64_t qty = a.qty.e8 != 0 ? a.qty.e8 : o.qty;
  const int64_t price = a.price.e8 != 0 ? a.price.e8 : o.price;
  if (qty <= o.filled) return reject(RejectReason::kMalformed, o.id, true);
  if (qty < ins.min_qty) return reject(RejectReason::kQtyBelowMin, o.id, true);
  if (qty > ins.max_qty) return reject(RejectReason::kQtyAboveMax, o.id, true);
  if (qty % ins.step != 0) return reject(RejectReason::kQtyStep, o.id, true);
  if (price % ins.tick != 0) return reject(RejectReason::kPriceTick, o.id, true);
  const Market& m = markets_[o.instrument];
  // PRICE_BAND is for limit orders; a triggered stop_limit / take_profit_limit is one
  // (DESIGN §4: it "becomes pending_new as a ... limit order").
  const bool acts_as_limit = o.type == OrderType::kLimit || (o.triggered && limit_priced(o.type));
  if (acts_as_limit && m.has_mark && ins.band != 0 &&
      abs128(i128{price} - m.mark) * kE8 > i128{m.mark} * ins.band) {
    return reject(RejectReason::kPriceBand, o.id, true);
  }
  Order probe = o;
  probe.qty = qty;
  probe.price = price;
  const auto lock = reservation(probe, qty - o.filled);
  if (!lock || lock->asset != o.lock_asset) return reject(RejectReason::kMalformed, o.id, true);
  const int64_t delta = lock->amount - o.reserved;
  // Only an increase of the lock needs free balance to cover it.
  if (delta > 0 && delta > balance(o.account, o.lock_asset).free) {
    return reject(ins.kind == InstrumentKind::kSpot ? RejectReason::kInsufficientBalance
                                                    : RejectReason::kInsufficientMargin,
                  o.id, true);
  }
  move(o.account, o.lock_asset, -delta, delta);
  o.reserved = lock->amount;
  o.qty = qty;
  o.price = price;
  emit(EventType::kAmended, o.id, true);
}

void Model::on_ack(const AckCmd& a) {
  Order* o = resolve(a.ref);
  if (o == nullptr) return reject(RejectReason::kUnknownOrder);
  if (!a.venue_order_id.well_formed()) return reject(RejectReason::kMalformed, o->id, true);
  if (o->status == OrderStatus::kPendingNew) {
    o->status = OrderStatus::kOpen;
  } else if (o->status != OrderStatus::kPendingCancel) {  // an ack may race a cancel
    return alert(AlertReason::kIllegalTransition, o->id);
  }
  if (!a.venue_order_id.empty()) o->venue_order_id = std::string(a.venue_order_id.view());
  emit(EventType::kAcked, o->id, true);
}

void Model::on_venue_reject(const VenueRejectCmd& r) {
  Order* o = resolve(r.ref);
  if (o == nullptr) return reject(RejectReason::kUnknownOrder);
  if (o->status != OrderStatus::kPendingNew && o->status != OrderStatus::kPendingCancel) {
    return alert(AlertReason::kIllegalTransition, o->id);
  }
  const auto raw = static_cast<uint16_t>(r.reason);
  const RejectReason reason =
      raw != 0 && raw < kRejectReasonCount ? r.reason : RejectReason::kVenueRejected;
  o->reject_reason = reason;
  finish(*o, OrderStatus::kRejected);
  reject(reason, o->id, true);
}

void Model::on_cancel_ack(const OrderRef& ref) {
  Order* o = resolve(ref);
  if (o == nullptr) return reject(RejectReason::kUnknownOrder);
  if (o->status != OrderStatus::kPendingCancel) {
    return alert(AlertReason::kIllegalTransition, o->id);
  }
  finish(*o, OrderStatus::kCancelled);
  emit(EventType::kCancelled, o->id, true);
}

void Model::on_expired(const OrderRef& ref) {
  Order* o = resolve(ref);
  if (o == nullptr) return reject(RejectReason::kUnknownOrder);
  if (terminal(o->status)) return alert(AlertReason::kIllegalTransition, o->id);
  finish(*o, OrderStatus::kExpired);
  emit(EventType::kExpired, o->id, true);
}

void Model::on_fill(const FillCmd& f) {
  Order* op = resolve(f.ref);
  if (op == nullptr) return reject(RejectReason::kUnknownOrder);
  Order& o = *op;
  const bool fee_asset_ok =
      f.fee_asset < assets_.size() || (f.fee_asset == kNoIndex && f.fee.e8 == 0);
  if (f.qty.e8 <= 0 || f.price.e8 <= 0 || !fee_asset_ok || f.liquidity > 1 || f.trade_id.empty() ||
      !f.trade_id.well_formed()) {
    return reject(RejectReason::kMalformed, o.id, true);
  }
  // Duplicate trade ids (per instrument, over the last max_trades applied fills) are ignored.
  if (trade_remembered(o.instrument, f.trade_id.view())) {
    return alert(AlertReason::kDuplicateTrade, o.id);
  }
  const int64_t rem = o.remaining();
  if (f.qty.e8 > rem) return alert(AlertReason::kOverfill, o.id);
  if (!fillable(o.status)) return alert(AlertReason::kIllegalTransition, o.id);

  const Instrument& ins = instruments_[o.instrument];
  const bool spot = ins.kind == InstrumentKind::kSpot;
  const int64_t q = f.qty.e8;
  const int64_t p = f.price.e8;
  const int64_t fee = f.fee.e8;
  const bool final_fill = q == rem;
  const int64_t signed_q = o.side == Side::kBuy ? q : -q;
  const int32_t lev = leverage(o.account, o.instrument);

  // "A fill releases reserved × fill_qty / remaining_qty (the last fill releases all)."
  const auto release =
      final_fill ? std::optional<int64_t>(o.reserved) : ratio(mul(o.reserved, q), i128{rem});
  const auto value = notional(ins, q, p);
  // Position fees are in the settle asset: settle as is, base × fill price, others not at all.
  std::optional<int64_t> fee_settle = 0;
  if (f.fee_asset == ins.settle) {
    fee_settle = fee;
  } else if (f.fee_asset == ins.base) {
    fee_settle = ratio(mul(fee, p), kE8);
  }
  const int64_t base_fee = spot && f.fee_asset == ins.base ? fee : 0;

  struct Plan {
    Position pos;
    Netted net;
  };
  auto plan = [&](const Position& before) -> std::optional<Plan> {
    auto n = net(ins, before.size, before.avg, signed_q, p);
    if (!n) return std::nullopt;
    Plan pl{before, *n};
    // "A fee in the base asset also reduces the position size (avg unchanged)." A residue of
    // the other sign (or from flat) opens at the fill price (0001 "Fees").
    const int64_t before_fee = pl.net.size;
    pl.net.size -= base_fee;
    if (pl.net.size == 0) {
      pl.net.avg = 0;
    } else if (before_fee == 0 || (before_fee > 0) != (pl.net.size > 0)) {
      pl.net.avg = p;
    }
    pl.pos.size = pl.net.size;
    pl.pos.avg = pl.net.avg;
    pl.pos.realized += pl.net.realized;
    pl.pos.fees += fee_settle.value_or(0);
    pl.pos.margin = 0;
    pl.pos.liquidation = 0;
    if (!spot && pl.pos.size != 0) {
      auto mg = margin(ins, abs64(pl.pos.size), pl.pos.avg, lev);
      auto lq = liquidation(pl.pos.size, pl.pos.avg, lev, ins.maintenance);
      if (!mg || !lq) return std::nullopt;
      pl.pos.margin = *mg;
      pl.pos.liquidation = *lq;
    }
    pl.pos.unrealized = 0;
    const Market& m = markets_[o.instrument];
    if (m.has_mark) {
      auto u = unrealized(ins, pl.pos.size, pl.pos.avg, m.mark);
      if (!u) return std::nullopt;
      pl.pos.unrealized = *u;
    }
    return pl;
  };
  const auto acct = plan(position(o.account, o.instrument));
  const auto strat = plan(strategy_position(o.strategy, o.instrument));
  // The order's average fill price: linear for spot/linear, harmonic for inverse.
  std::optional<int64_t> order_avg;
  if (o.filled == 0) {
    order_avg = p;
  } else if (auto n = net(ins, o.filled, o.avg_fill, q, p)) {
    order_avg = n->avg;
  }
  if (!release || !value || !fee_settle || !acct || !strat || !order_avg) {
    return alert(AlertReason::kArithmeticOverflow, o.id);
  }

  trades_.emplace_back(o.instrument, std::string(f.trade_id.view()));
  if (trades_.size() > trade_window_) trades_.pop_front();

  o.reserved -= *release;
  if (spot) {
    // "A fill moves locked → settled, refunds price improvement, credits the other asset."
    if (o.side == Side::kBuy) {
      move(o.account, ins.quote, *release - *value, -*release);
      move(o.account, ins.base, q, 0);
    } else {
      move(o.account, ins.base, *release - q, -*release);
      move(o.account, ins.quote, *value, 0);
    }
  } else {
    // Futures: no asset changes hands; the order margin share is released, the position
    // margin follows the position, realized PnL is added to free.
    const Position before = position(o.account, o.instrument);
    move(o.account, ins.settle, *release, -*release);
    const int64_t dm = acct->pos.margin - before.margin;
    move(o.account, ins.settle, -dm, dm);
    move(o.account, ins.settle, acct->net.realized, 0);
  }
  if (f.fee_asset != kNoIndex) move(o.account, f.fee_asset, -fee, 0);
  positions_[{o.account, o.instrument}] = acct->pos;
  strategy_positions_[{o.strategy, o.instrument}] = strat->pos;

  o.filled += q;
  o.avg_fill = *order_avg;
  o.fees += fee;
  o.fee_asset = f.fee_asset;
  o.status = final_fill ? OrderStatus::kFilled
                        : (o.status == OrderStatus::kPendingCancel ? OrderStatus::kPendingCancel
                                                                   : OrderStatus::kPartiallyFilled);

  Strategy& st = strategies_[o.strategy];
  roll_day(st, in_->ts);
  ++st.fills;
  ++st.day_trades;
  st.volume += *value;
  st.fees += *fee_settle;
  st.realized += strat->net.realized;
  if (strat->net.closed > 0 && strat->net.realized > 0) ++st.wins;
  if (strat->net.closed > 0 && strat->net.realized < 0) ++st.losses;
  const int64_t equity = st.realized - st.fees;
  st.peak_equity = std::max(st.peak_equity, equity);
  st.max_drawdown = std::max(st.max_drawdown, st.peak_equity - equity);

  emit(EventType::kFill, o.id, true);
  // Applied as reported, but a price worse than the limit is raised (docs/design/0006-roles.md).
  const bool worse = o.side == Side::kBuy ? f.price.e8 > o.price : f.price.e8 < o.price;
  if (limit_priced(o.type) && worse) alert(AlertReason::kFillPriceOutsideLimit, o.id);
  if (spot) {
    bool negative = false;
    for (uint16_t asset : {ins.base, ins.quote, f.fee_asset}) {
      if (asset != kNoIndex && balance(o.account, asset).free < 0) negative = true;
    }
    if (negative) alert(AlertReason::kNegativeBalance, o.id);
  } else {
    if (balance(o.account, ins.settle).free < 0) alert(AlertReason::kMarginCall, o.id);
    // A fee in another asset that leaves it negative is reported too (0001 "Fees").
    if (f.fee_asset != kNoIndex && f.fee_asset != ins.settle &&
        balance(o.account, f.fee_asset).free < 0) {
      alert(AlertReason::kNegativeBalance, o.id);
    }
  }
  if (!o.bracket_exit) sync_bracket(o);
  if (final_fill) finish(o, OrderStatus::kFilled);
}

void Model::on_tick(const TickCmd& t) {
  if (t.instrument >= instruments_.size()) return reject(RejectReason::kUnknownInstrument);
  const bool ok =
      t.fields != 0 && (t.fields & ~0x3F) == 0 && (!(t.fields & kTickBid) || t.bid.e8 > 0) &&
      (!(t.fields & kTickAsk) || t.ask.e8 > 0) && (!(t.fields & kTickLast) || t.last.e8 > 0) &&
      (!(t.fields & kTickBidQty) || t.bid_qty.e8 >= 0) &&
      (!(t.fields & kTickAskQty) || t.ask_qty.e8 >= 0) &&
      (!(t.fields & kTickVolume) || t.volume.e8 >= 0);
  if (!ok) return reject(RejectReason::kMalformed);
  Market& m = markets_[t.instrument];
  if (t.fields & kTickBid) {
    m.bid = t.bid.e8;
    m.has_bid = true;
  }
  if (t.fields & kTickAsk) {
    m.ask = t.ask.e8;
    m.has_ask = true;
  }
  if (t.fields & kTickLast) {
    m.last = t.last.e8;
    m.has_last = true;
  }
  // "mark = mid when bid and ask are present, else last."
  if (m.has_bid && m.has_ask) {
    m.mark = *div_half_even(i128{m.bid} + m.ask, 2);
    m.has_mark = true;
  } else if (m.has_last) {
    m.mark = m.last;
    m.has_mark = true;
  }
  if (!m.has_mark) return;
  const Instrument& ins = instruments_[t.instrument];
  auto refresh = [&](std::map<Key2, Position>& table) {
    for (auto& [key, pos] : table) {
      if (key.second != t.instrument) continue;
      if (auto u = unrealized(ins, pos.size, pos.avg, m.mark)) pos.unrealized = *u;
    }
  };
  refresh(positions_);
  refresh(strategy_positions_);
  // DESIGN §4: "Triggers use the tick's last price, else its mark."
  run_triggers(t.instrument, (t.fields & kTickLast) ? t.last.e8 : m.mark);
}

void Model::on_set_strategy(const SetStrategyCmd& s) {
  if (s.strategy >= strategies_.size()) return reject(RejectReason::kUnknownStrategy);
  if (s.state > static_cast<uint8_t>(StrategyState::kStopped)) {
    return reject(RejectReason::kMalformed);
  }
  strategies_[s.strategy].state = static_cast<StrategyState>(s.state);
  emit(EventType::kStrategyState);
}

void Model::on_halt(const HaltCmd& h, bool halt) {
  switch (static_cast<HaltScope>(h.scope)) {
    case HaltScope::kGlobal:
      halted_global_ = halt;
      break;
    case HaltScope::kAccount:
      if (h.target >= accounts_.size()) return reject(RejectReason::kUnknownAccount);
      accounts_[h.target].halted = halt;
      break;
    case HaltScope::kStrategy:
      if (h.target >= strategies_.size()) return reject(RejectReason::kUnknownStrategy);
      strategies_[h.target].halted = halt;
      break;
    case HaltScope::kInstrument:
      if (h.target >= instruments_.size()) return reject(RejectReason::kUnknownInstrument);
      instruments_[h.target].halted = halt;
      break;
    default:
      return reject(RejectReason::kMalformed);
  }
  emit(halt ? EventType::kHalted : EventType::kResumed);
}

void Model::on_set_leverage(const SetLeverageCmd& l) {
  if (l.leverage < 1) return reject(RejectReason::kMalformed);
  if (l.account >= accounts_.size()) return reject(RejectReason::kUnknownAccount);
  if (l.instrument >= instruments_.size()) return reject(RejectReason::kUnknownInstrument);
  const Instrument& ins = instruments_[l.instrument];
  if (accounts_[l.account].type != AccountType::kFutures || ins.kind == InstrumentKind::kSpot) {
    return reject(RejectReason::kAccountNotPermitted);
  }
  if (l.leverage > ins.max_leverage) return reject(RejectReason::kLeverageTooHigh);
  // 0001: "set_leverage re-margins the open position at once (refused INSUFFICIENT_MARGIN if
  // free cannot cover the increase); open orders keep the margin they were placed with."
  Position pos = position(l.account, l.instrument);
  int64_t new_margin = 0;
  int64_t new_liq = 0;
  if (pos.size != 0) {
    auto mg = margin(ins, abs64(pos.size), pos.avg, l.leverage);
    auto lq = liquidation(pos.size, pos.avg, l.leverage, ins.maintenance);
    if (!mg || !lq) return alert(AlertReason::kArithmeticOverflow, 0);
    new_margin = *mg;
    new_liq = *lq;
  }
  const int64_t delta = new_margin - pos.margin;
  if (delta > 0 && delta > balance(l.account, ins.settle).free) {
    return reject(RejectReason::kInsufficientMargin);
  }
  move(l.account, ins.settle, -delta, delta);
  pos.margin = new_margin;
  pos.liquidation = new_liq;
  positions_[{l.account, l.instrument}] = pos;
  leverage_[{l.account, l.instrument}] = l.leverage;
  emit(EventType::kLeverage);
}

// ---- conditional orders and brackets -----------------------------------------------------------

bool Model::trailing_fires(Order& o, int64_t price) const {
  // DESIGN §4: "after activation (last crosses activation_price, or at once without one) a sell
  // trails the highest last and triggers at ≤ high·(1 − rate); a buy trails the lowest and
  // triggers at ≥ low·(1 + rate)."
  const bool sell = o.side == Side::kSell;
  if (!o.trail_active) {
    if (sell ? price < o.activation_price : price > o.activation_price) return false;
    o.trail_active = true;
  }
  if (o.trail_extreme == 0) o.trail_extreme = price;
  o.trail_extreme = sell ? std::max(o.trail_extreme, price) : std::min(o.trail_extreme, price);
  const auto level =
      ratio(mul(o.trail_extreme, sell ? kE8 - o.callback_rate : kE8 + o.callback_rate), kE8);
  if (!level) return false;
  o.stop_price = *level;
  return sell ? price <= *level : price >= *level;
}

void Model::run_triggers(uint16_t instrument, int64_t price) {
  // 0001: trailing stops are checked before fixed-price orders, each newest first.
  std::vector<Order*> trailing, fixed;
  for (auto& [id, o] : orders_) {
    if (o.status != OrderStatus::kUntriggered || o.instrument != instrument) continue;
    (o.type == OrderType::kTrailingStop ? trailing : fixed).push_back(&o);
  }
  auto newest_first = [](const Order* a, const Order* b) { return a->armed_seq > b->armed_seq; };
  std::sort(trailing.begin(), trailing.end(), newest_first);
  std::sort(fixed.begin(), fixed.end(), newest_first);
  for (Order* o : trailing) {
    if (o->status == OrderStatus::kUntriggered && trailing_fires(*o, price)) fire(*o);
  }
  for (Order* o : fixed) {
    if (o->status != OrderStatus::kUntriggered) continue;  // cancelled as an OCO sibling
    // "Stop: buy when last ≥ stop_price, sell when last ≤ stop_price. Take-profit: sell when
    // last ≥ stop_price, buy when last ≤ stop_price."
    const bool stop = o->type == OrderType::kStopMarket || o->type == OrderType::kStopLimit;
    const bool up = stop == (o->side == Side::kBuy);
    if (up ? price >= o->stop_price : price <= o->stop_price) fire(*o);
  }
}

int64_t Model::exit_room(uint16_t account, uint16_t instrument, Side exit_side) const {
  const int64_t q = position(account, instrument).size;
  const bool closes = (q > 0 && exit_side == Side::kSell) || (q < 0 && exit_side == Side::kBuy);
  return closes ? abs64(q) : 0;
}

void Model::fire(Order& o) {
  Order* sib = nullptr;
  if (o.bracket_exit) {
    auto it = orders_.find(o.linked_id);
    if (it != orders_.end() && it->second.status == OrderStatus::kUntriggered) sib = &it->second;
  }
  const Instrument& ins = instruments_[o.instrument];
  if (o.bracket_exit && ins.kind != InstrumentKind::kSpot) {
    // 0001 brackets: a futures exit holds no margin and closes at most the position; with
    // nothing to close, it and its sibling are cancelled instead.
    const int64_t room = exit_room(o.account, o.instrument, o.side);
    if (room == 0) {
      finish(o, OrderStatus::kCancelled);
      emit(EventType::kCancelled, o.id, true);
      if (sib != nullptr) {
        finish(*sib, OrderStatus::kCancelled);
        emit(EventType::kCancelled, sib->id, true);
      }
      return;
    }
    o.qty = std::min(o.qty, o.filled + room);
  }
  // "A triggered order keeps its id and becomes pending_new"; "its reservation stays as placed".
  o.status = OrderStatus::kPendingNew;
  o.triggered = true;
  emit(EventType::kTriggered, o.id, true);
  if (sib == nullptr) return;
  // OCO: the sibling is cancelled at once; the triggered exit takes over the pair's lock.
  if (o.shared_lock) {
    o.reserved = sib->reserved;
    sib->reserved = 0;
    o.shared_lock = false;
  }
  finish(*sib, OrderStatus::kCancelled);
  emit(EventType::kCancelled, sib->id, true);
}

std::optional<int64_t> Model::exit_lock(const Order& entry, int64_t qty) const {
  // Spot exits of a buy entry sell base: qty base. Those of a sell entry buy back at market:
  // qty × the higher stop × (1 + band) quote (0001 brackets; the market-type valuation).
  const Instrument& ins = instruments_[entry.instrument];
  if (entry.side == Side::kBuy) return qty;
  return ratio(mul(qty, std::max(entry.stop_loss, entry.take_profit), kE8 + ins.band), kE16);
}

Order* Model::create_exit(Order& entry, bool is_stop, int64_t qty) {
  const auto slot = take_slot();
  if (!slot) {
    alert(AlertReason::kBracketFailed, entry.id);
    return nullptr;
  }
  Order x;
  x.slot = *slot;
  x.id = ((slot_ids_[*slot] >> 32) + 1) << 32 | *slot;
  slot_ids_[*slot] = x.id;
  x.client = entry.client;
  x.account = entry.account;
  x.strategy = entry.strategy;
  x.instrument = entry.instrument;
  x.side = entry.side == Side::kBuy ? Side::kSell : Side::kBuy;
  x.type = is_stop ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
  x.tif = Tif::kGtc;
  x.reduce_only = true;
  x.status = OrderStatus::kUntriggered;
  x.qty = qty;
  x.stop_price = is_stop ? entry.stop_loss : entry.take_profit;
  x.bracket_exit = true;
  x.linked_id = entry.id;
  x.accepted_seq = ++accept_counter_;
  x.armed_seq = ++arm_counter_;
  return &(orders_[x.id] = x);
}

void Model::sync_bracket(Order& entry) {
  // 0001 brackets: "on each entry fill the exits ... are created or resized to the entry's
  // filled qty, on the step grid; a spot buy entry's exits are capped at the base actually
  // free ... Once an exit has triggered the pair is no longer resized."
  if (entry.stop_loss == 0 && entry.take_profit == 0) return;
  const Instrument& ins = instruments_[entry.instrument];
  const bool spot = ins.kind == InstrumentKind::kSpot;
  Order* first = nullptr;
  Order* second = nullptr;
  if (entry.linked_id != 0) {
    auto it = orders_.find(entry.linked_id);
    if (it == orders_.end() || it->second.status != OrderStatus::kUntriggered) return;
    first = &it->second;
    if (first->linked_id != entry.id) {
      auto jt = orders_.find(first->linked_id);
      if (jt != orders_.end()) {
        if (jt->second.status != OrderStatus::kUntriggered) return;
        second = &jt->second;
      }
    }
  }
  auto floor_step = [&](int64_t q) { return q - q % ins.step; };
  int64_t target = floor_step(entry.filled);
  uint16_t lock_asset = kNoIndex;
  int64_t lock = 0;
  if (spot) {
    lock_asset = entry.side == Side::kBuy ? ins.base : ins.quote;
    const int64_t available =
        balance(entry.account, lock_asset).free + (first != nullptr ? first->reserved : 0);
    // The exits never lock more than is free: the largest size on the step grid, at most the
    // filled qty, whose lock fits (binary search; the lock grows with the size).
    int64_t lo = 0, hi = target / ins.step;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo + 1) / 2;
      const auto need = exit_lock(entry, mid * ins.step);
      if (!need) return alert(AlertReason::kArithmeticOverflow, entry.id);
      if (*need <= available) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    target = lo * ins.step;
    if (target > 0) lock = *exit_lock(entry, target);
  } else {
    // Futures exits cover at most the position they close.
    target = std::min(target,
                      floor_step(exit_room(entry.account, entry.instrument,
                                           entry.side == Side::kBuy ? Side::kSell : Side::kBuy)));
  }
  if (target <= 0 || target == entry.exit_qty) return;
  if (first == nullptr) {
    Order* sl = entry.stop_loss > 0 ? create_exit(entry, true, target) : nullptr;
    Order* tp = entry.take_profit > 0 ? create_exit(entry, false, target) : nullptr;
    if (sl == nullptr && tp == nullptr) return;
    Order* holder = sl != nullptr ? sl : tp;
    entry.linked_id = holder->id;
    if (sl != nullptr && tp != nullptr) {
      sl->linked_id = tp->id;
      tp->linked_id = sl->id;
      if (spot) {
        tp->shared_lock = true;
        tp->lock_asset = lock_asset;
      }
    }
    if (spot) {
      holder->lock_asset = lock_asset;
      holder->reserved = lock;
      move(entry.account, lock_asset, -lock, lock);
    }
    for (Order* x : {sl, tp}) {
      if (x != nullptr) emit(EventType::kCreated, x->id, true);
    }
  } else {
    for (Order* x : {first, second}) {
      if (x != nullptr) x->qty = target;
    }
    if (spot) {
      move(entry.account, lock_asset, first->reserved - lock, lock - first->reserved);
      first->reserved = lock;
    }
    for (Order* x : {first, second}) {
      if (x != nullptr) emit(EventType::kAmended, x->id, true);
    }
  }
  entry.exit_qty = target;
}

}  // namespace ose::ref
