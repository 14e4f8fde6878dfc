// Seeded, reproducible random input streams for the property and determinism tests: mostly
// valid traffic (ticks that trigger conditional orders, orders of every type with brackets and
// GTD expiry, acks, partial and final fills with fees in every asset, cancels,
// amends, deposits, leverage changes) laced with invalid inputs (overfills, duplicate and zero
// trade ids, unknown and stale orders, illegal transitions, malformed orders) that must change
// nothing. The generator reads the reference model to aim its inputs at orders that exist.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/core/command.hpp"
#include "engine/core/fixed_point.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "tests/engine/reference_model.hpp"

namespace ose::streams {

// DOGEUSDT's price band. With "0.025", ask × (1 + band) has 9 decimals, so a market buy's
// reservation qty × ask × (1 + band) tells one rounding (0001 "Numbers") from two. (The engine
// once rounded twice; "0.02" would hide that again.)
inline constexpr const char* kDogeBand = "0.025";

// Futures fills charge fees in any asset (BNB, the base of a linear contract, USD), which can
// drive that asset's free balance below zero: the engine must report it NEGATIVE_BALANCE. And
// negative free balances are never topped up before an order, an amend or a leverage change:
// what needs no extra lock (a fully reducing futures order, a smaller amend, a leverage change
// that frees margin) must be accepted while free < 0 (0001 "Reservations").

// Two spot markets (one with a 1e-6 tick, so that band reservations need real rounding), a
// linear and an inverse perpetual; spot and futures accounts rich and poor; strategies with
// limits tight enough to be hit.
// max_ledger: every input must post fewer entries than the ledger ring holds, so that the
// property test can walk each input's entries (at most ~20 here, e.g. a cancel_all of 10).
// BTCUSDT is its own here (min_qty 0.0001, max_qty 5), not tests/support/btcusdt_spot.hpp: the
// random streams draw quantities against these limits, so other limits would change every stream.
inline std::string config_toml(uint32_t max_orders, uint32_t max_trades, uint32_t max_ledger,
                               const char* doge_band = kDogeBand) {
  return fmt::format(R"(
[engine]
name = "prop"
max_orders = {}
max_trades = {}
max_ledger = {}

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[assets]]
code = "BNB"
[[assets]]
code = "DOGE"
[[assets]]
code = "USD"

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.0001"
max_qty = "5"
min_notional = "5"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0.05"

[[instruments]]
symbol = "DOGEUSDT"
kind = "spot"
base = "DOGE"
quote = "USDT"
tick_size = "0.000001"
step_size = "1"
min_qty = "10"
max_qty = "1000000"
min_notional = "5"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "{}"

[[instruments]]
symbol = "BTCUSDT-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
min_qty = "0.001"
max_qty = "50"
min_notional = "5"
maker_fee = "0.0002"
taker_fee = "0.0005"
max_leverage = 50
maintenance_margin = "0.004"
price_band = "0.05"

[[instruments]]
symbol = "BTCUSD-INV"
kind = "inverse"
base = "BTC"
quote = "USD"
settle = "BTC"
tick_size = "0.5"
step_size = "1"
min_qty = "1"
max_qty = "100000"
min_notional = "100"
maker_fee = "0.0002"
taker_fee = "0.0005"
multiplier = "100"
max_leverage = 50
maintenance_margin = "0.005"
price_band = "0.05"

[[accounts]]
name = "spot1"
type = "spot"
balances = {{ USDT = "50000", BTC = "1", BNB = "5", DOGE = "20000" }}

[[accounts]]
name = "spot2"
type = "spot"
balances = {{ USDT = "3000", BTC = "0.05" }}

[[accounts]]
name = "fut1"
type = "futures"
leverage = 10
balances = {{ USDT = "20000", BTC = "0.5", BNB = "2" }}

[[accounts]]
name = "fut2"
type = "futures"
leverage = 20
balances = {{ USDT = "600", BTC = "0.05" }}

[[strategies]]
name = "s_btc"
account = "spot1"
max_open_orders = 8
max_position = "1.5"
max_order_notional = "40000"
max_daily_loss = "300"
max_daily_trades = 1000

[[strategies]]
name = "s_doge"
account = "spot1"
max_open_orders = 8
max_position = "200000"
max_order_notional = "20000"
max_daily_loss = "1000000"
max_daily_trades = 12

[[strategies]]
name = "s_small"
account = "spot2"
max_open_orders = 4
max_position = "0.2"
max_order_notional = "2000"
max_daily_loss = "50"
max_daily_trades = 1000

[[strategies]]
name = "f_lin"
account = "fut1"
max_open_orders = 8
max_position = "5"
max_order_notional = "100000"
max_daily_loss = "500"
max_daily_trades = 1000

[[strategies]]
name = "f_inv"
account = "fut1"
max_open_orders = 8
max_position = "3000"
max_order_notional = "100000"
max_daily_loss = "0.02"
max_daily_trades = 1000

[[strategies]]
name = "f_small"
account = "fut2"
max_open_orders = 4
max_position = "1"
max_order_notional = "20000"
max_daily_loss = "100"
max_daily_trades = 1000

[[clients]]
name = "alpha"
role = "strategy"
accounts = ["spot1", "spot2", "fut1"]

[[clients]]
name = "beta"
role = "strategy"
accounts = ["fut1", "fut2"]

[[clients]]
name = "venue"
role = "venue"
)",
                     max_orders, max_trades, max_ledger, doge_band);
}

inline EngineConfig load_stream_config(uint32_t max_orders, uint32_t max_trades,
                                       uint32_t max_ledger = 64) {
  auto c = load_config_string(config_toml(max_orders, max_trades, max_ledger), "<random_streams>");
  if (!c.ok()) throw std::runtime_error(c.error());
  return std::move(c).value();
}

// One line per input, close to the scenario format, for failure messages.
inline std::string describe(const ref::Model& m, const Input& in) {
  auto d = [](int64_t e8) { return format_decimal_e8(e8); };
  auto name = [](const auto& table, uint16_t i) -> std::string {
    if (i < table.size()) return table[i].name;
    return i == kNoIndex ? "-" : fmt::format("#{}", i);
  };
  auto asset = [&](uint16_t i) -> std::string {
    return i < m.assets().size() ? m.assets()[i] : (i == kNoIndex ? "-" : fmt::format("#{}", i));
  };
  auto symbol = [&](uint16_t i) -> std::string {
    return i < m.instruments().size() ? m.instruments()[i].symbol
                                      : (i == kNoIndex ? "-" : fmt::format("#{}", i));
  };
  auto ref = [&](const OrderRef& r) {
    if (r.order_id != 0) return fmt::format("order_id=0x{:x}", r.order_id);
    return fmt::format("client={} cl_id={}", name(m.clients(), r.client), r.cl_id);
  };
  const Command& c = in.cmd;
  std::string head = fmt::format("seq={} ts={} {}", in.seq, in.ts, to_string(c.op));
  switch (c.op) {
    case Op::kDeposit:
    case Op::kWithdraw:
      return fmt::format("{} account={} asset={} amount={}", head,
                         name(m.accounts(), c.balance.account), asset(c.balance.asset),
                         d(c.balance.amount.e8));
    case Op::kNewOrder: {
      const NewOrderCmd& n = c.new_order;
      return fmt::format(
          "{} client={} cl_id={} account={} strategy={} symbol={} side={} type={} tif={} "
          "flags={} qty={} price={} stop_price={} callback_rate={} activation_price={} "
          "stop_loss={} take_profit={} expire_ts={}",
          head, name(m.clients(), n.client), n.cl_id, name(m.accounts(), n.account),
          name(m.strategies(), n.strategy), symbol(n.instrument), n.side, n.type, n.tif, n.flags,
          d(n.qty.e8), d(n.price.e8), d(n.stop_price.e8), d(n.callback_rate.e8),
          d(n.activation_price.e8), d(n.stop_loss.e8), d(n.take_profit.e8), n.expire_ts);
    }
    case Op::kCancel:
    case Op::kCancelAck:
    case Op::kExpired:
      return fmt::format("{} {}", head, ref(c.cancel));
    case Op::kAmend:
      return fmt::format("{} {} qty={} price={}", head, ref(c.amend.ref), d(c.amend.qty.e8),
                         d(c.amend.price.e8));
    case Op::kCancelAll:
      return fmt::format(
          "{} account={} strategy={} symbol={}", head, name(m.accounts(), c.cancel_all.account),
          name(m.strategies(), c.cancel_all.strategy), symbol(c.cancel_all.instrument));
    case Op::kAck:
      return fmt::format("{} {} venue_order_id={}", head, ref(c.ack.ref),
                         c.ack.venue_order_id.view());
    case Op::kVenueReject:
      return fmt::format("{} {} reason={}", head, ref(c.venue_reject.ref),
                         static_cast<int>(c.venue_reject.reason));
    case Op::kFill:
      return fmt::format("{} {} trade_id={} qty={} price={} fee={} fee_asset={} liquidity={}", head,
                         ref(c.fill.ref), c.fill.trade_id.view(), d(c.fill.qty.e8),
                         d(c.fill.price.e8), d(c.fill.fee.e8), asset(c.fill.fee_asset),
                         c.fill.liquidity);
    case Op::kTick: {
      const TickCmd& t = c.tick;
      std::string s = fmt::format("{} symbol={}", head, symbol(t.instrument));
      if (t.fields & kTickBid) s += " bid=" + d(t.bid.e8);
      if (t.fields & kTickAsk) s += " ask=" + d(t.ask.e8);
      if (t.fields & kTickLast) s += " last=" + d(t.last.e8);
      if (t.fields & kTickBidQty) s += " bid_qty=" + d(t.bid_qty.e8);
      if (t.fields & kTickAskQty) s += " ask_qty=" + d(t.ask_qty.e8);
      return s + fmt::format(" fields=0x{:x}", t.fields);
    }
    case Op::kSetStrategy:
      return fmt::format("{} strategy={} state={}", head,
                         name(m.strategies(), c.set_strategy.strategy), c.set_strategy.state);
    case Op::kHalt:
    case Op::kResume:
      return fmt::format("{} scope={} target={}", head, c.halt.scope, c.halt.target);
    case Op::kSetLeverage:
      return fmt::format("{} account={} symbol={} leverage={}", head,
                         name(m.accounts(), c.set_leverage.account),
                         symbol(c.set_leverage.instrument), c.set_leverage.leverage);
    default:
      return head;
  }
}

class StreamGenerator {
 public:
  StreamGenerator(uint64_t seed, const ref::Model& model) : rng_(seed), m_(model) {
    ts_ = 1'704'067'200'000'000'000 + static_cast<int64_t>(uniform(0, 86'399) * 1'000'000'000);
    next_trade_id_ = 1000 + uniform(0, 1000);
    next_cl_id_.assign(m_.clients().size(), 1);
    // Fair prices: BTC ≈ 30000 on all three BTC markets, DOGE ≈ 0.12.
    for (const auto& ins : m_.instruments()) {
      const bool doge = ins.symbol.rfind("DOGE", 0) == 0;
      const int64_t base = doge ? 12'345'600 : 3'000'000'000'000;
      fair_.push_back(base + (base / 100) * static_cast<int64_t>(uniform(0, 10)) / 10);
    }
    // Most streams open with a quote on most markets; some markets stay dark for a while.
    for (uint16_t i = 0; i < m_.instruments().size(); ++i) {
      if (chance(0.8)) warmup_.push_back(i);
    }
  }

  Input next() {
    Input in{};
    in.seq = ++seq_;
    // Sometimes land exactly on a GTD order's expiry: it expires at ts ≥ expire_ts, not after.
    std::erase_if(expiries_, [&](int64_t e) { return e <= ts_; });
    if (!expiries_.empty() && chance(0.1)) {
      ts_ = *std::min_element(expiries_.begin(), expiries_.end());
    } else {
      ts_ +=
          chance(0.01) ? uniform(3'600, 30 * 3'600) * 1'000'000'000 : uniform(1, 3'000) * 1'000'000;
    }
    in.ts = ts_;
    in.source = kEngineSource;
    if (revert_in_ > 0 && --revert_in_ == 0) {
      in.cmd = revert_;  // a halt or a paused strategy lasts a few inputs only
      return in;
    }
    if (!warmup_.empty()) {
      const uint16_t ins = warmup_.back();
      warmup_.pop_back();
      in.cmd = quote_tick(ins);
      return in;
    }
    const int r = static_cast<int>(uniform(0, 999));
    if (r < 180) {
      in.cmd = tick();
    } else if (r < 460) {
      in.cmd = new_order();
    } else if (r < 560) {
      in.cmd = ack();
    } else if (r < 760) {
      in.cmd = fill();
    } else if (r < 820) {
      in.cmd = ref_op(Op::kCancel, {OrderStatus::kUntriggered, OrderStatus::kPendingNew,
                                    OrderStatus::kOpen, OrderStatus::kPartiallyFilled});
    } else if (r < 880) {
      in.cmd = ref_op(Op::kCancelAck, {OrderStatus::kPendingCancel});
    } else if (r < 900) {
      in.cmd = ref_op(Op::kExpired, {OrderStatus::kPendingNew, OrderStatus::kOpen,
                                     OrderStatus::kPartiallyFilled, OrderStatus::kPendingCancel});
    } else if (r < 915) {
      in.cmd = venue_reject();
    } else if (r < 945) {
      in.cmd = amend();
    } else if (r < 950) {
      in.cmd = cancel_all();
    } else if (r < 965) {
      in.cmd = balance(Op::kDeposit);
    } else if (r < 980) {
      in.cmd = balance(Op::kWithdraw);
    } else if (r < 990) {
      in.cmd = set_leverage();
    } else if (r < 994) {
      in.cmd = halt_or_resume();
    } else if (r < 997) {
      in.cmd = set_strategy();
    } else {
      in.cmd = make_command(Op::kTimer);
    }
    return in;
  }

 private:
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  template <typename T>
  const T& pick(const std::vector<T>& v) {
    return v[static_cast<size_t>(uniform(0, static_cast<int64_t>(v.size()) - 1))];
  }
  static int64_t round_to(int64_t v, int64_t step) {
    return std::max(step, *ref::div_half_even(v, step) * step);
  }
  // v · (1 + bp/10000), rounded to the tick.
  int64_t shifted(int64_t v, int64_t bp, int64_t tick) {
    return round_to(*ref::div_half_even(i128{v} * (10'000 + bp), 10'000), tick);
  }
  uint16_t instrument_index(const char* symbol) const {
    for (uint16_t i = 0; i < m_.instruments().size(); ++i) {
      if (m_.instruments()[i].symbol == symbol) return i;
    }
    return kNoIndex;
  }

  // ---- market data ---------------------------------------------------------------------
  void walk(uint16_t i) {
    int64_t bp = uniform(-40, 40);
    if (chance(0.03)) bp = (chance(0.5) ? 1 : -1) * uniform(150, 400);  // a jump
    fair_[i] = shifted(fair_[i], bp, m_.instruments()[i].tick);
  }
  Command quote_tick(uint16_t i) {
    walk(i);
    const int64_t tick = m_.instruments()[i].tick;
    Command c = make_command(Op::kTick);
    c.tick.instrument = i;
    c.tick.fields = kTickBid | kTickAsk | kTickBidQty | kTickAskQty;
    const int64_t half = std::max<int64_t>(tick, round_to(fair_[i] / 20'000, tick));
    c.tick.bid = Price::from_e8(std::max(tick, fair_[i] - half));
    c.tick.ask = Price::from_e8(fair_[i] + half);
    c.tick.bid_qty = Qty::from_e8(uniform(0, 500) * 1'000'000);
    c.tick.ask_qty = Qty::from_e8(uniform(0, 500) * 1'000'000);
    return c;
  }
  Command tick() {
    const auto i = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(fair_.size()) - 1));
    Command c = quote_tick(i);
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 20) {
      c.tick.fields = kTickLast;
      c.tick.last = Price::from_e8(fair_[i]);
    } else if (r < 35) {
      c.tick.fields |= kTickLast;
      c.tick.last = Price::from_e8(fair_[i]);
    } else if (r < 40) {
      c.tick.fields = chance(0.5) ? kTickBid : kTickAsk;
    } else if (r < 42) {
      c.tick.bid = Price{};  // malformed: a bid must be positive
    } else if (r < 43) {
      c.tick.instrument = 77;  // unknown instrument
    } else if (r < 44) {
      c.tick.fields = 0;  // malformed: nothing in it
    }
    return c;
  }

  // ---- orders ----------------------------------------------------------------------------
  struct Route {
    uint16_t strategy;
    uint16_t instrument;
  };
  Route route() {
    const auto& st = m_.strategies();
    const auto s = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(st.size()) - 1));
    const std::string& n = st[s].name;
    uint16_t i = kNoIndex;
    if (n == "s_btc") i = instrument_index(chance(0.9) ? "BTCUSDT" : "DOGEUSDT");
    if (n == "s_doge") i = instrument_index("DOGEUSDT");
    if (n == "s_small") i = instrument_index("BTCUSDT");
    if (n == "f_lin") i = instrument_index(chance(0.9) ? "BTCUSDT-PERP" : "BTCUSD-INV");
    if (n == "f_inv") i = instrument_index("BTCUSD-INV");
    if (n == "f_small") i = instrument_index(chance(0.8) ? "BTCUSDT-PERP" : "BTCUSD-INV");
    if (i == kNoIndex || chance(0.02)) {
      i = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(fair_.size()) - 1));
    }
    return {s, i};
  }
  uint16_t client_for(uint16_t account) {
    std::vector<uint16_t> ok;
    for (uint16_t c = 0; c < m_.clients().size(); ++c) {
      const auto& acc = m_.clients()[c].accounts;
      if (std::find(acc.begin(), acc.end(), account) != acc.end()) ok.push_back(c);
    }
    if (ok.empty() || chance(0.02)) {
      return static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.clients().size()) - 1));
    }
    return pick(ok);
  }
  int64_t order_qty(const ref::Instrument& ins) {
    const int64_t step = ins.step;
    int64_t units = 0;
    if (ins.symbol == "BTCUSDT") units = uniform(10, chance(0.9) ? 8'000 : 150'000);
    if (ins.symbol == "DOGEUSDT") units = uniform(10, chance(0.9) ? 20'000 : 300'000);
    if (ins.symbol == "BTCUSDT-PERP") units = uniform(1, chance(0.9) ? 600 : 4'000);
    if (ins.symbol == "BTCUSD-INV") units = uniform(1, chance(0.9) ? 300 : 3'000);
    int64_t q = units * step;
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 2) q += 1;                                         // off the step grid
    if (r == 2) q = std::max<int64_t>(1, ins.min_qty - step);  // below the minimum
    return q;
  }
  uint64_t cl_id_for(uint16_t client) {
    if (chance(0.01)) return 0;  // malformed
    uint64_t& next = next_cl_id_[client];
    if (chance(0.05) && next > 1) {
      return static_cast<uint64_t>(uniform(std::max<int64_t>(1, static_cast<int64_t>(next) - 30),
                                           static_cast<int64_t>(next) - 1));  // maybe taken
    }
    return next++;
  }

  Command new_order() {
    const Route rt = route();
    const ref::Instrument& ins = m_.instruments()[rt.instrument];
    const uint16_t account = m_.strategies()[rt.strategy].account;
    Command c = make_command(Op::kNewOrder);
    NewOrderCmd& n = c.new_order;
    n.client = client_for(account);
    n.cl_id = cl_id_for(n.client);
    n.account = chance(0.01) ? static_cast<uint16_t>(9) : account;
    n.strategy = rt.strategy;
    n.instrument = rt.instrument;
    n.side = static_cast<uint8_t>(uniform(0, 1));
    // Mostly plain orders; a quarter conditional (each kind), some of them limit-priced.
    const int kind = static_cast<int>(uniform(0, 99));
    OrderType type = OrderType::kLimit;
    if (kind >= 52) type = OrderType::kMarket;
    if (kind >= 75) type = OrderType::kStopMarket;
    if (kind >= 80) type = OrderType::kStopLimit;
    if (kind >= 85) type = OrderType::kTakeProfitMarket;
    if (kind >= 89) type = OrderType::kTakeProfitLimit;
    if (kind >= 94) type = OrderType::kTrailingStop;
    const bool limit = type == OrderType::kLimit || type == OrderType::kStopLimit ||
                       type == OrderType::kTakeProfitLimit;
    const bool conditional = type != OrderType::kLimit && type != OrderType::kMarket;
    n.type = static_cast<uint8_t>(type);
    const int tif = static_cast<int>(uniform(0, 99));
    n.tif = static_cast<uint8_t>(tif < 70 ? Tif::kGtc : (tif < 85 ? Tif::kIoc : Tif::kGtd));
    if (n.tif == static_cast<uint8_t>(Tif::kGtd)) {
      n.expire_ts = ts_ + uniform(500, 20'000) * 1'000'000;
      expiries_.push_back(n.expire_ts);
    }
    n.qty = Qty::from_e8(order_qty(ins));
    const ref::Market& mk = m_.market(rt.instrument);
    int64_t anchor = mk.has_mark ? mk.mark : fair_[rt.instrument];
    if (conditional && type != OrderType::kTrailingStop) {
      // A level the walk reaches now and then (±0.1 %..1.5 %); a *_limit's price sits near it.
      n.stop_price =
          Price::from_e8(shifted(anchor, (chance(0.5) ? 1 : -1) * uniform(10, 150), ins.tick));
      anchor = n.stop_price.e8;
    }
    if (type == OrderType::kTrailingStop) {
      const int64_t rates[] = {100'000, 500'000, 1'000'000, 2'000'000};  // 0.1 %..2 %
      n.callback_rate = Rate::from_e8(rates[uniform(0, 3)]);
      if (chance(0.5)) {
        n.activation_price = Price::from_e8(shifted(anchor, uniform(-100, 100), ins.tick));
      }
    }
    if (limit) {
      const int64_t band_bp = ins.band / 10'000;  // the band in basis points
      int64_t bp = uniform(-band_bp * 3 / 5, band_bp * 3 / 5);
      if (chance(0.08)) bp = (chance(0.5) ? 1 : -1) * uniform(band_bp, band_bp * 2);
      n.price = Price::from_e8(shifted(anchor, bp, ins.tick));
      if (chance(0.03)) n.price = Price::from_e8(n.price.e8 + ins.tick / 2 + 1);  // off tick
    }
    const bool futures = ins.kind != InstrumentKind::kSpot;
    if (chance(futures ? 0.15 : 0.03)) n.flags |= kFlagReduceOnly;
    if (type == OrderType::kLimit && chance(0.05)) n.flags |= kFlagPostOnly;
    if (!conditional && (n.flags & kFlagReduceOnly) == 0 && chance(0.3)) {
      // A bracket: the stop loss on the losing side of the entry, the take profit on the
      // winning side, sometimes only one of them.
      const int64_t sgn = n.side == 0 ? 1 : -1;
      const int which = static_cast<int>(uniform(0, 3));
      if (which != 1) {
        n.stop_loss = Price::from_e8(shifted(anchor, -sgn * uniform(20, 200), ins.tick));
      }
      if (which != 2) {
        n.take_profit = Price::from_e8(shifted(anchor, sgn * uniform(20, 200), ins.tick));
      }
    }
    // A few malformed ones.
    const int bad = static_cast<int>(uniform(0, 199));
    if (bad == 0) n.qty = Qty{};
    if (bad == 1) n.price = limit ? Price{} : Price::from_e8(anchor);
    if (bad == 2) n.expire_ts = n.tif == static_cast<uint8_t>(Tif::kGtd) ? 0 : ts_ + 1;
    if (bad == 3) n.side = 5;
    if (bad == 4 && type != OrderType::kLimit) n.flags |= kFlagPostOnly;
    if (bad == 7) n.stop_price = conditional ? Price{} : Price::from_e8(anchor);
    if (bad == 8 && conditional) n.stop_loss = Price::from_e8(anchor);  // no bracket on these
    if (bad == 5) n.instrument = 42;
    if (bad == 6) n.strategy = 42;
    return c;
  }

  // ---- order references ---------------------------------------------------------------------
  std::vector<const ref::Order*> orders_in(std::initializer_list<OrderStatus> statuses) const {
    std::vector<const ref::Order*> out;
    for (const auto& [id, o] : m_.orders()) {
      if (std::find(statuses.begin(), statuses.end(), o.status) != statuses.end()) {
        out.push_back(&o);
      }
    }
    return out;
  }
  OrderRef ref_to(const ref::Order& o) {
    OrderRef r{};
    if (chance(0.3)) {
      r.order_id = o.id;
    } else {
      r.client = o.client;
      r.cl_id = o.cl_id;
    }
    return r;
  }
  // Something that names no order the engine can find: a stale id, a never-used cl_id.
  OrderRef unknown_ref() {
    OrderRef r{};
    const int k = static_cast<int>(uniform(0, 3));
    if (k == 0 && !stale_ids_.empty()) {
      r.order_id = pick(stale_ids_);
    } else if (k == 1) {
      r.order_id = (uint64_t{7} << 32) | static_cast<uint64_t>(uniform(0, 5));
    } else {
      r.client = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.clients().size())));
      r.cl_id = static_cast<uint64_t>(uniform(1'000'000, 2'000'000));
    }
    return r;
  }
  // A reference to an order in one of `statuses` (mostly), any order in the table, or none.
  OrderRef target(std::initializer_list<OrderStatus> statuses, const ref::Order** chosen) {
    *chosen = nullptr;
    for (const auto& [id, o] : m_.orders()) {
      if (std::find(seen_ids_.begin(), seen_ids_.end(), id) == seen_ids_.end()) {
        seen_ids_.push_back(id);
        if (seen_ids_.size() > 400) seen_ids_.erase(seen_ids_.begin());
      }
    }
    stale_ids_.clear();
    for (uint64_t id : seen_ids_) {
      if (m_.find(id) == nullptr) stale_ids_.push_back(id);
    }
    const auto wanted = orders_in(statuses);
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 82 && !wanted.empty()) {
      *chosen = pick(wanted);
    } else if (r < 94 && !m_.orders().empty()) {
      auto it = m_.orders().begin();
      std::advance(it, uniform(0, static_cast<int64_t>(m_.orders().size()) - 1));
      *chosen = &it->second;
    }
    return *chosen != nullptr ? ref_to(**chosen) : unknown_ref();
  }

  Command ref_op(Op op, std::initializer_list<OrderStatus> statuses) {
    Command c = make_command(op);
    const ref::Order* o = nullptr;
    c.cancel = target(statuses, &o);  // cancel, cancel_ack and expired share OrderRef
    return c;
  }
  Command ack() {
    Command c = make_command(Op::kAck);
    const ref::Order* o = nullptr;
    c.ack.ref = target(
        {OrderStatus::kPendingNew, OrderStatus::kPendingNew, OrderStatus::kPendingCancel}, &o);
    c.ack.venue_order_id =
        chance(0.8) ? VenueId::digits(static_cast<uint64_t>(uniform(1, 1'000'000'000))) : VenueId{};
    return c;
  }
  Command venue_reject() {
    Command c = make_command(Op::kVenueReject);
    const ref::Order* o = nullptr;
    c.venue_reject.ref = target({OrderStatus::kPendingNew}, &o);
    const uint16_t reasons[] = {0, 23, 14, 999};
    c.venue_reject.reason = static_cast<RejectReason>(reasons[uniform(0, 3)]);
    return c;
  }
  Command amend() {
    Command c = make_command(Op::kAmend);
    const ref::Order* o = nullptr;
    c.amend.ref = target({OrderStatus::kUntriggered, OrderStatus::kPendingNew, OrderStatus::kOpen,
                          OrderStatus::kPartiallyFilled},
                         &o);
    if (o != nullptr && o->instrument < m_.instruments().size()) {
      const ref::Instrument& ins = m_.instruments()[o->instrument];
      if (chance(0.6)) {
        const int64_t steps = std::max<int64_t>(1, o->qty / ins.step);
        c.amend.qty =
            Qty::from_e8(std::max(o->filled + ins.step, uniform(steps / 2, steps * 2) * ins.step));
        if (chance(0.05)) c.amend.qty = Qty::from_e8(o->filled);  // not above the filled qty
      }
      if (chance(0.6) && o->price > 0) {
        c.amend.price = Price::from_e8(shifted(o->price, uniform(-150, 150), ins.tick));
      }
    }
    return c;
  }
  Command cancel_all() {
    Command c = make_command(Op::kCancelAll);
    c.cancel_all.account = c.cancel_all.strategy = c.cancel_all.instrument = kNoIndex;
    const int k = static_cast<int>(uniform(0, 9));
    if (k < 4) {
      c.cancel_all.strategy =
          static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.strategies().size()) - 1));
    } else if (k < 7) {
      c.cancel_all.instrument =
          static_cast<uint16_t>(uniform(0, static_cast<int64_t>(fair_.size()) - 1));
    } else if (k < 9) {
      c.cancel_all.account =
          static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.accounts().size()) - 1));
    }
    return c;
  }

  // ---- fills -------------------------------------------------------------------------------
  uint64_t trade_id() {
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 8 && !recent_trades_.empty()) return pick(recent_trades_);  // maybe a duplicate
    if (r == 8) return 0;                                               // malformed
    const uint64_t id = next_trade_id_++;
    recent_trades_.push_back(id);
    if (recent_trades_.size() > 24) recent_trades_.erase(recent_trades_.begin());
    return id;
  }
  // The venue's string for a stream trade number: 0 is the empty id (MALFORMED); others alternate
  // between digits and a prefixed form, so both shapes reach the dedup window.
  static VenueId venue_trade_id(uint64_t n) {
    if (n == 0) return VenueId{};
    if (n % 2 == 0) return VenueId::digits(n);
    VenueId id{};
    const std::string s = fmt::format("T-{}", n);
    VenueId::from(s, id);
    return id;
  }
  Command fill() {
    Command c = make_command(Op::kFill);
    FillCmd& f = c.fill;
    const ref::Order* o = nullptr;
    f.ref = target({OrderStatus::kPendingNew, OrderStatus::kOpen, OrderStatus::kPartiallyFilled,
                    OrderStatus::kPendingCancel},
                   &o);
    f.trade_id = venue_trade_id(trade_id());
    f.liquidity = chance(0.01) ? 2 : static_cast<uint8_t>(uniform(0, 1));
    const bool known = o != nullptr && o->instrument < m_.instruments().size();
    const ref::Instrument& ins = m_.instruments()[known ? o->instrument : 0];
    const uint16_t i = known ? o->instrument : 0;
    // Quantity: all of the rest, a part on the step grid, an odd part, or too much.
    const int64_t rem = known ? o->remaining() : ins.step;
    int64_t q = rem;
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 40 && rem >= 2 * ins.step) {
      q = uniform(1, rem / ins.step - 1) * ins.step;
    } else if (r < 50 && rem > 1) {
      q = uniform(1, rem - 1);
    } else if (r < 55) {
      q = rem + ins.step;  // overfill
    }
    if (q <= 0 || chance(0.01)) q = 0;  // malformed
    f.qty = Qty::from_e8(q);
    // Price: at or better than the limit mostly, sometimes worse; market orders near the touch.
    int64_t p = fair_[i];
    if (known && o->price > 0) {
      const int64_t sgn = o->side == Side::kBuy ? -1 : 1;
      p = chance(0.9) ? shifted(o->price, sgn * uniform(0, 100), ins.tick)
                      : shifted(o->price, -sgn * uniform(1, 200), ins.tick);
    } else {
      p = shifted(p, uniform(-80, 80), ins.tick);
    }
    if (known && ins.kind != InstrumentKind::kSpot && chance(0.15)) {
      // Heavy slippage against the order: futures losses large enough for margin calls.
      p = shifted(p, (o->side == Side::kBuy ? 1 : -1) * uniform(100, 400), ins.tick);
    }
    f.price = Price::from_e8(p);
    // Fee: in quote, base, the third asset (BNB), a never-held asset, or none; a rebate at times.
    const int64_t value = ins.kind == InstrumentKind::kInverse
                              ? *ref::div_half_even(i128{q} * ins.multiplier, 100'000'000)
                              : *ref::div_half_even(i128{q} * p, 100'000'000);  // quote units
    const int64_t bp = chance(0.1) ? -uniform(0, 2) : uniform(0, 10);
    const int k = static_cast<int>(uniform(0, 99));
    const uint16_t bnb = asset_index("BNB");
    const uint16_t usd = asset_index("USD");
    if (k < 40) {
      f.fee_asset = ins.kind == InstrumentKind::kInverse ? ins.settle : ins.quote;
      f.fee = Amount::from_e8(
          ins.kind == InstrumentKind::kInverse
              ? *ref::div_half_even(i128{value} * bp * 100'000'000, i128{p} * 10'000)
              : *ref::div_half_even(i128{value} * bp, 10'000));
    } else if (k < 62) {
      f.fee_asset = ins.base;
      f.fee = Amount::from_e8(*ref::div_half_even(i128{q} * bp, 10'000));
      if (ins.kind == InstrumentKind::kInverse) {
        f.fee =
            Amount::from_e8(*ref::div_half_even(i128{value} * bp * 100'000'000, i128{p} * 10'000));
      }
    } else if (k < 80) {
      f.fee_asset = bnb;
      f.fee = Amount::from_e8(*ref::div_half_even(i128{value} * bp, 10'000 * 300));
    } else if (k < 82) {
      f.fee_asset = usd;  // an asset the accounts do not hold
      f.fee = Amount::from_e8(*ref::div_half_even(i128{value} * bp, 10'000));
    } else if (k < 95) {
      f.fee_asset = kNoIndex;
      f.fee = Amount{};
    } else {
      f.fee_asset = ins.quote;
      f.fee = Amount{};
    }
    if (chance(0.005)) f.fee_asset = 99;  // malformed: unknown asset
    return c;
  }
  uint16_t asset_index(const char* code) const {
    for (uint16_t a = 0; a < m_.assets().size(); ++a) {
      if (m_.assets()[a] == code) return a;
    }
    return kNoIndex;
  }

  // ---- operator inputs -----------------------------------------------------------------------
  Command balance(Op op) {
    Command c = make_command(op);
    c.balance.account =
        static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.accounts().size()) - 1));
    c.balance.asset =
        static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.assets().size()) - 1));
    const int64_t free = m_.balance(c.balance.account, c.balance.asset).free;
    int64_t amount = uniform(1, 2'000) * 1'000'000;  // up to 20 units
    if (op == Op::kWithdraw && free > 0 && chance(0.7)) amount = uniform(1, free);
    const int r = static_cast<int>(uniform(0, 99));
    if (r < 4) amount = chance(0.5) ? 0 : -amount;  // malformed
    if (r == 4) c.balance.asset = 31;               // unknown asset
    if (r == 5) c.balance.account = 31;             // unknown account
    c.balance.amount = Amount::from_e8(amount);
    return c;
  }
  Command set_leverage() {
    Command c = make_command(Op::kSetLeverage);
    c.set_leverage.account =
        static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.accounts().size()) - 1));
    c.set_leverage.instrument =
        static_cast<uint16_t>(uniform(0, static_cast<int64_t>(fair_.size()) - 1));
    const int32_t levels[] = {1, 2, 3, 5, 10, 20, 25, 50, 75, 0};
    c.set_leverage.leverage = levels[uniform(0, 9)];
    return c;
  }
  Command halt_or_resume() {
    Command c = make_command(chance(0.85) ? Op::kHalt : Op::kResume);
    c.halt.scope = static_cast<uint8_t>(uniform(0, 4));  // 4 is not a scope
    if (c.halt.scope == 1) {
      c.halt.target = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.accounts().size())));
    } else if (c.halt.scope == 2) {
      c.halt.target =
          static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.strategies().size())));
    } else if (c.halt.scope == 3) {
      c.halt.target = static_cast<uint16_t>(uniform(0, static_cast<int64_t>(fair_.size())));
    }
    if (c.op == Op::kHalt && revert_in_ == 0) {
      revert_ = c;
      revert_.op = Op::kResume;
      revert_in_ = static_cast<int>(uniform(1, 12));
    }
    return c;
  }
  Command set_strategy() {
    Command c = make_command(Op::kSetStrategy);
    c.set_strategy.strategy =
        static_cast<uint16_t>(uniform(0, static_cast<int64_t>(m_.strategies().size()) - 1));
    c.set_strategy.state = static_cast<uint8_t>(chance(0.3) ? 0 : uniform(1, 3));
    if (c.set_strategy.state != 0 && revert_in_ == 0) {
      revert_ = c;
      revert_.set_strategy.state = 0;
      revert_in_ = static_cast<int>(uniform(1, 12));
    }
    return c;
  }

  std::mt19937_64 rng_;
  const ref::Model& m_;
  int64_t ts_ = 0;
  uint64_t seq_ = 0;
  uint64_t next_trade_id_ = 0;
  std::vector<uint64_t> next_cl_id_;
  std::vector<int64_t> fair_;
  std::vector<uint16_t> warmup_;
  std::vector<uint64_t> recent_trades_;
  std::vector<uint64_t> seen_ids_;
  std::vector<uint64_t> stale_ids_;
  std::vector<int64_t> expiries_;
  Command revert_;
  int revert_in_ = 0;
};

// A stream generated once (the generator aims at orders the model knows), then replayed as plain
// inputs.
inline std::vector<Input> make_stream(const EngineConfig& config, uint64_t seed, int n) {
  ref::Model model(config);
  StreamGenerator gen(seed, model);
  std::vector<Input> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(gen.next());
    model.apply(out.back());
  }
  return out;
}

// A State laid out for `config` (a test failure, and an empty State, if it cannot be).
inline State fresh_state(const EngineConfig& config) {
  auto s = State::create(config);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error());
  return std::move(s).value();
}

// 32 order slots and a 16-trade window: a few hundred inputs reuse slots and wrap the window.
inline const EngineConfig& small_config() {
  static const EngineConfig c = load_stream_config(32, 16);
  return c;
}

}  // namespace ose::streams
