// Shared scaffolding of the core benchmarks: a programmatic universe (no config file, so the
// numbers do not depend on what config/ happens to hold), deterministic input builders, a
// counting sink and a cheap health snapshot of the State. Everything here runs outside the
// timed regions; nothing in it allocates once a fixture is built.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/command.hpp"
#include "engine/core/event.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"

namespace ose::bench {

// ---- the universe ----------------------------------------------------------------------------
// 64 instruments: 48 spot pairs and 16 linear perpetuals, all quoted and settled in USDT, so
// one spot account and one futures account cover everything. Asset 0 is USDT, asset 1 + i the
// base of instrument i. Strategies 0-3 trade the spot account, 4-5 the futures account; client
// i is strategy i's own client, and client 6 is the venue that reports fills.
inline constexpr int kInstruments = 64;
inline constexpr int kSpotInstruments = 48;
inline constexpr uint16_t kUsdt = 0;
inline constexpr uint16_t kSpotAccount = 0;
inline constexpr uint16_t kPerpAccount = 1;
inline constexpr uint16_t kSpotStrategies = 4;
inline constexpr uint16_t kPerpStrategies = 2;
inline constexpr uint16_t kVenueClient = kSpotStrategies + kPerpStrategies;

inline constexpr int64_t kTickE8 = 1'000'000;   // 0.01
inline constexpr int64_t kStepE8 = 100'000;     // 0.001
inline constexpr int64_t kTakerFeeE8 = 50'000;  // 0.0005
inline constexpr int64_t kMakerFeeE8 = 20'000;  // 0.0002

constexpr bool is_spot(int instrument) noexcept {
  return instrument < kSpotInstruments;
}
// Start prices spread over two orders of magnitude (50 to ~4945) so quantities, notionals and
// rounding differ between instruments the way they do between real pairs.
constexpr int64_t start_mid_e8(int instrument) noexcept {
  return (5'000 + 7'770 * static_cast<int64_t>(instrument)) * kTickE8;
}

inline EngineConfig make_config(uint32_t max_orders) {
  EngineConfig c;
  c.name = "bench";
  c.max_orders = max_orders;
  c.assets.push_back({"USDT", 8});
  for (int i = 0; i < kInstruments; ++i) {
    c.assets.push_back({"A" + std::to_string(i), 8});
  }
  for (int i = 0; i < kInstruments; ++i) {
    InstrumentSpec ic;
    const std::string base = "A" + std::to_string(i);
    ic.symbol = base + (is_spot(i) ? "USDT" : "USDT-P");
    ic.kind = is_spot(i) ? InstrumentKind::kSpot : InstrumentKind::kLinear;
    ic.base = base;
    ic.quote = "USDT";
    ic.settle = "USDT";
    ic.tick_size = Price::from_e8(kTickE8);
    ic.step_size = Qty::from_e8(kStepE8);
    ic.min_qty = Qty::from_e8(kStepE8);
    ic.max_qty = Qty::from_units(1'000'000);
    ic.min_notional = Amount::from_units(5);
    ic.maker_fee = Rate::from_e8(kMakerFeeE8);
    ic.taker_fee = Rate::from_e8(kTakerFeeE8);
    ic.max_leverage = is_spot(i) ? 1 : 20;
    ic.maintenance_margin = Rate::from_e8(is_spot(i) ? 0 : 400'000);  // 0.004
    ic.price_band = Rate::from_e8(5'000'000);                         // 5%
    c.instruments.push_back(std::move(ic));
  }
  // Balances far above what 100k working orders can lock, so INSUFFICIENT_* never fires, yet
  // far below int64 so long runs of fees and settlements cannot approach overflow.
  AccountSpec spot{"spot", AccountType::kSpot, 1, false, {}};
  spot.balances.emplace_back("USDT", Amount::from_units(1'000'000'000));
  for (int i = 0; i < kSpotInstruments; ++i) {
    spot.balances.emplace_back("A" + std::to_string(i), Amount::from_units(10'000'000));
  }
  AccountSpec perp{"perp", AccountType::kFutures, 10, false, {}};
  perp.balances.emplace_back("USDT", Amount::from_units(1'000'000'000));
  c.accounts = {spot, perp};
  // Limits are generous but real numbers, so every risk check runs its full arithmetic.
  for (uint16_t k = 0; k < kSpotStrategies + kPerpStrategies; ++k) {
    StrategySpec sc;
    sc.name = (k < kSpotStrategies ? "spot" : "perp") + std::to_string(k);
    sc.account = k < kSpotStrategies ? "spot" : "perp";
    sc.max_open_orders = 1'000'000;
    sc.max_position = Qty::from_units(1'000'000'000);
    sc.max_order_notional = Amount::from_units(1'000'000);
    sc.max_daily_loss = Amount::from_units(1'000'000'000);
    sc.max_daily_trades = 2'000'000'000;
    c.strategies.push_back(sc);
    // A rate limit far above the offered load: the token bucket is exercised, never empty.
    c.clients.push_back({sc.name, ClientRole::kStrategy, {sc.account}, 1'000'000});
  }
  // Bound to both accounts: a venue reports only on orders of its accounts.
  c.clients.push_back({"venue", ClientRole::kVenue, {"spot", "perp"}, 0});
  return c;
}

inline State create_state_or_die(const EngineConfig& config) {
  auto r = State::create(config);
  if (!r) {
    std::fprintf(stderr, "bench: State::create failed: %s\n", r.error().c_str());
    std::abort();
  }
  return std::move(r).value();
}

// ---- deterministic randomness ----------------------------------------------------------------
// splitmix64: tiny, fast, and the same stream on every platform, so runs are comparable.
class Rng {
 public:
  explicit Rng(uint64_t seed) noexcept : s_(seed) {}
  uint64_t next() noexcept {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) noexcept { return static_cast<uint32_t>(next() % n); }
  double unit() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  bool percent(uint32_t pct) noexcept { return below(100) < pct; }

 private:
  uint64_t s_;
};

// ---- input builders --------------------------------------------------------------------------

// Stamps inputs the way the engine thread would: consecutive seq, 1 µs apart. The start is
// 2024-01-01T01:00Z, so even the longest run stays inside one UTC day (daily limits never
// roll mid-benchmark) and the rate-limit buckets see a realistic clock.
class Stamper {
 public:
  Input make(uint16_t source, const Command& cmd) noexcept {
    Input in{};
    in.seq = ++seq_;
    in.ts = kStartTs + static_cast<int64_t>(seq_) * 1'000;
    in.source = source;
    in.cmd = cmd;
    return in;
  }

 private:
  static constexpr int64_t kStartTs = 1'704'070'800'000'000'000;
  uint64_t seq_ = 0;
};

inline uint16_t strategy_account(uint16_t strategy) noexcept {
  return strategy < kSpotStrategies ? kSpotAccount : kPerpAccount;
}

// A strategy able to trade `instrument`, spread uniformly over the eligible ones.
inline uint16_t pick_strategy(Rng& rng, int instrument) noexcept {
  return is_spot(instrument) ? static_cast<uint16_t>(rng.below(kSpotStrategies))
                             : static_cast<uint16_t>(kSpotStrategies + rng.below(kPerpStrategies));
}

// Nearest multiple of `grid` (half away from zero); v is an e8 figure held in a double, exact
// below 2^53 (≈ 90 million units), far above any price here.
inline int64_t round_to(double v, int64_t grid) noexcept {
  return std::llround(v / static_cast<double>(grid)) * grid;
}

// A quantity worth between 20 and 2000 USDT at `price`, on the step grid, at least 4 steps so
// that a partial fill of half of it is still a whole number of steps.
inline Qty pick_qty(Rng& rng, Price price) noexcept {
  const double notional = 20.0 + 1'980.0 * rng.unit();
  const double units = notional / (static_cast<double>(price.e8) * 1e-8);
  const int64_t steps = static_cast<int64_t>(units * 1e8 / static_cast<double>(kStepE8));
  return Qty::from_e8((steps < 4 ? 4 : steps) * kStepE8);
}

// A resting limit order of the mixed workloads: buys below the start mid, sells above, within
// 2% (the price band is 5%), sized by pick_qty. `cl_ids` holds each strategy's last cl_id.
struct WorkingOrder {
  uint64_t cl_id;
  uint16_t strategy;  // also its client
  uint16_t instrument;
  Side side;
  Qty qty;
  Price price;
};

inline WorkingOrder random_working_order(
    Rng& rng, std::array<uint64_t, kSpotStrategies + kPerpStrategies>& cl_ids) noexcept {
  WorkingOrder w{};
  w.instrument = static_cast<uint16_t>(rng.below(kInstruments));
  w.strategy = pick_strategy(rng, w.instrument);
  w.cl_id = ++cl_ids[w.strategy];
  w.side = rng.percent(50) ? Side::kBuy : Side::kSell;
  const double offset = 0.02 * rng.unit() * (w.side == Side::kBuy ? -1.0 : 1.0);
  const double mid = static_cast<double>(start_mid_e8(w.instrument));
  w.price = Price::from_e8(round_to(mid * (1.0 + offset), kTickE8));
  w.qty = pick_qty(rng, w.price);
  return w;
}

inline Command new_order(uint16_t strategy, uint16_t instrument, Side side, OrderType type,
                         uint64_t cl_id, Qty qty) noexcept {
  Command c = make_command(Op::kNewOrder);
  NewOrderCmd& n = c.new_order;
  n.cl_id = cl_id;
  n.client = strategy;  // client i is strategy i's own client
  n.account = strategy_account(strategy);
  n.strategy = strategy;
  n.instrument = instrument;
  n.side = static_cast<uint8_t>(side);
  n.type = static_cast<uint8_t>(type);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = qty;
  return c;
}

inline OrderRef ref_by_id(uint64_t order_id) noexcept {
  OrderRef r{};
  r.order_id = order_id;
  return r;
}

inline OrderRef ref_by_cl_id(uint16_t client, uint64_t cl_id) noexcept {
  OrderRef r{};
  r.client = client;
  r.cl_id = cl_id;
  return r;
}

inline Command ack(const OrderRef& ref, uint64_t venue_order_id) noexcept {
  Command c = make_command(Op::kAck);
  c.ack.ref = ref;
  c.ack.venue_order_id = VenueId::digits(venue_order_id);
  return c;
}

// A fill paying a realistic USDT fee: notional × rate, truncated to 1e-8.
inline Command fill(const OrderRef& ref, uint64_t trade_id, Qty qty, Price price,
                    bool maker) noexcept {
  Command c = make_command(Op::kFill);
  FillCmd& f = c.fill;
  f.ref = ref;
  f.trade_id = VenueId::digits(trade_id);
  f.qty = qty;
  f.price = price;
  const i128 notional_e8 = static_cast<i128>(qty.e8) * price.e8 / 100'000'000;
  f.fee = Amount::from_e8(
      static_cast<int64_t>(notional_e8 * (maker ? kMakerFeeE8 : kTakerFeeE8) / 100'000'000));
  f.fee_asset = kUsdt;
  f.liquidity = static_cast<uint8_t>(maker ? Liquidity::kMaker : Liquidity::kTaker);
  return c;
}

inline Command cancel(const OrderRef& ref) noexcept {
  Command c = make_command(Op::kCancel);
  c.cancel = ref;
  return c;
}

inline Command cancel_ack(const OrderRef& ref) noexcept {
  Command c = make_command(Op::kCancelAck);
  c.cancel_ack = ref;
  return c;
}

// A top-of-book tick one tick wide around `last`, as a venue feed would send it.
inline Command tick(uint16_t instrument, Price last, Qty size) noexcept {
  Command c = make_command(Op::kTick);
  TickCmd& t = c.tick;
  t.instrument = instrument;
  t.fields = kTickBid | kTickAsk | kTickBidQty | kTickAskQty | kTickLast;
  t.bid = Price::from_e8(last.e8 - kTickE8);
  t.ask = Price::from_e8(last.e8 + kTickE8);
  t.bid_qty = size;
  t.ask_qty = size;
  t.last = last;
  return c;
}

// ---- sinks and health ------------------------------------------------------------------------

// Counts events by type and keeps the first reject/alert for the error message. It also records
// the ids of triggered orders (into storage sized up front) so the tick benchmark can re-place
// them between timed batches; the mixed benchmark simply never sees a trigger.
class CountingSink final : public EventSink {
 public:
  explicit CountingSink(size_t trigger_capacity = 0) : triggered_(trigger_capacity) {}

  void on_event(const Event& e) noexcept override {
    ++counts_[static_cast<size_t>(e.type) % counts_.size()];
    if ((e.type == EventType::kRejected || e.type == EventType::kAlert) && !has_bad_) {
      first_bad_ = e;
      has_bad_ = true;
    }
    if (e.type == EventType::kTriggered) {
      if (triggered_count_ < triggered_.size()) {
        triggered_[triggered_count_++] = e.order_id;
      } else {
        ++triggered_dropped_;
      }
    }
  }

  uint64_t count(EventType t) const noexcept { return counts_[static_cast<size_t>(t)]; }
  uint64_t bad() const noexcept { return count(EventType::kRejected) + count(EventType::kAlert); }
  uint64_t total() const noexcept {
    uint64_t n = 0;
    for (uint64_t v : counts_) n += v;
    return n;
  }
  const uint64_t* triggered() const noexcept { return triggered_.data(); }
  size_t triggered_count() const noexcept { return triggered_count_; }
  uint64_t triggered_dropped() const noexcept { return triggered_dropped_; }
  void clear_triggered() noexcept { triggered_count_ = 0; }

  // "rejected new_order reason=PRICE_BAND client=1 cl_id=7 order_id=..." for error messages.
  std::string describe_first_bad() const {
    if (!has_bad_) return "none";
    const Event& e = first_bad_;
    std::string s(to_string(e.type));
    s += " op=" + std::string(to_string(e.op));
    if (e.type == EventType::kRejected) s += " reason=" + std::string(to_string(e.reason));
    if (e.type == EventType::kAlert) s += " alert=" + std::string(to_string(e.alert));
    s += " seq=" + std::to_string(e.seq) + " client=" + std::to_string(e.client) +
         " cl_id=" + std::to_string(e.cl_id) + " order_id=" + std::to_string(e.order_id) +
         " instrument=" + std::to_string(e.instrument) +
         " status=" + std::string(to_string(e.status));
    return s;
  }

 private:
  std::array<uint64_t, kEventTypeCount> counts_{};
  std::vector<uint64_t> triggered_;
  size_t triggered_count_ = 0;
  uint64_t triggered_dropped_ = 0;
  Event first_bad_{};
  bool has_bad_ = false;
};

// The State's own refusal counters: a cheap after-the-fact proof that the timed inputs were
// accepted, independent of what any sink saw.
struct Health {
  uint64_t rejects = 0;
  uint64_t alerts = 0;
  uint64_t illegal = 0;

  static Health of(const State& s) noexcept {
    Health h;
    const StateHeader& hd = s.header();
    for (uint64_t v : hd.rejects) h.rejects += v;
    for (uint64_t v : hd.alerts) h.alerts += v;
    h.illegal = hd.illegal_transitions;
    return h;
  }
  uint64_t bad_since(const Health& before) const noexcept {
    return (rejects - before.rejects) + (alerts - before.alerts) + (illegal - before.illegal);
  }
};

// Structural invariants that are cheap to check after a run: every live order is counted by
// exactly one strategy, and no balance went negative. Returns an empty string when sane.
inline std::string check_invariants(const State& s) {
  const StateHeader& h = s.header();
  uint64_t open = 0;
  for (uint16_t k = 0; k < s.strategy_count(); ++k) open += s.strategy(k).open_orders;
  if (open != h.live_count) {
    return "strategy open_orders sum " + std::to_string(open) + " != live_count " +
           std::to_string(h.live_count);
  }
  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t x = 0; x < s.asset_count(); ++x) {
      const BalanceRecord& b = s.balance(a, x);
      if (b.free.is_negative() || b.locked.is_negative()) {
        return "negative balance: account " + std::to_string(a) + " asset " + std::to_string(x) +
               " free " + to_string(b.free) + " locked " + to_string(b.locked);
      }
    }
  }
  return {};
}

// Shared warm-up check of the fixtures: true while `sink` saw no reject or alert; otherwise
// records the first one in `error` (kept from the first failing phase).
inline bool expect_clean(std::string& error, const CountingSink& sink, const char* phase) {
  if (!error.empty()) return false;
  if (sink.bad() == 0) return true;
  error = std::string(phase) + ": " + std::to_string(sink.bad()) +
          " rejects/alerts, first: " + sink.describe_first_bad();
  return false;
}

}  // namespace ose::bench
