// EmaRsiStrategy through a hand-filled StrategyContext: no engine, no ring. Bars of one update,
// EMA(1)/EMA(3) and RSI(2), so the closes of ema_rsi_signal_test.cpp's first script (scaled by
// 1000) give the same signals: nothing while warming up, an Enter on bar 5 (RSI 60 < 70).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ema_rsi/ema_rsi_strategy.hpp"
#include "engine/formats/config.hpp"

namespace ose {
namespace {

template <typename T>
T dec(const char* text) {
  const auto v = parse_fixed<T>(text);
  EXPECT_TRUE(v) << text;
  return v.value_or(T{});
}

// The names the strategy resolves: BTCUSDT on the grid of tests/examples/bot_orders_test.cpp
// (tick 0.01, step 0.00001, min_notional 5), account main, strategy and client ema1.
constexpr const char* kConfig = R"(
[engine]
name = "fake"
max_orders = 64
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "9000"
min_notional = "5"
[[accounts]]
name = "main"
balances = { USDT = "10000" }
[[strategies]]
name = "ema1"
account = "main"
[[clients]]
name = "ema1"
accounts = ["main"]
)";

State make_names() {
  auto config = load_config_string(kConfig, "<fake>");
  EXPECT_TRUE(config) << config.error();
  auto state = State::create(*config);
  EXPECT_TRUE(state) << state.error();
  return std::move(*state);
}

// Records set by hand; commands recorded, numbered 1, 2, ... as requests.
class FakeContext final : public StrategyContext {
 public:
  int64_t now_ns() const noexcept override { return 0; }
  const State& names() const noexcept override { return names_; }
  NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                             std::string_view symbol) const noexcept override {
    NewOrderCmd n{};
    n.account = names_.find_account(account);
    n.strategy = names_.find_strategy(strategy);
    n.instrument = names_.find_instrument(symbol);
    return n;
  }
  uint64_t next_cl_id() noexcept override { return ++cl_id; }
  uint64_t new_order(const NewOrderCmd& order) noexcept override {
    orders.push_back(order);
    return ++requests;
  }
  uint64_t cancel(uint64_t) noexcept override { return ++requests; }
  uint64_t cancel_all(uint16_t, uint16_t, uint16_t) noexcept override { return ++requests; }
  bool read_market(uint16_t, MarketRecord& out) const noexcept override {
    out = market;
    return true;
  }
  bool read_order(uint64_t, OrderRecord&) const noexcept override { return false; }
  bool read_strategy(uint16_t, StrategyRecord& out) const noexcept override {
    out = StrategyRecord{};  // no open orders
    return true;
  }
  bool read_strategy_position(uint16_t, uint16_t, PositionRecord& out) const noexcept override {
    out = PositionRecord{};  // flat
    return true;
  }
  bool read_balance(uint16_t account, uint16_t asset, BalanceRecord& out) const noexcept override {
    if (account != names_.find_account("main") || asset != names_.find_asset("USDT")) return false;
    out = BalanceRecord{};
    out.free = usdt_free;
    return true;
  }
  void set_timer(int64_t) noexcept override {}

  MarketRecord market{};
  Amount usdt_free = dec<Amount>("10000");
  std::vector<NewOrderCmd> orders;
  uint64_t requests = 0;
  uint64_t cl_id = 0;

 private:
  State names_ = make_names();
};

BotParams params() {
  BotParams p;  // defaults: size 0.1, slippage 0.001, stop-loss 0.02, take-profit 0.04
  p.ema_fast = 1;
  p.ema_slow = 3;
  p.rsi_period = 2;
  p.bar_ticks = 1;
  return p;
}

// A trade at `last` with the ask one dollar above it (the entry's touch).
MarketRecord tick(int64_t ts, const char* last, const char* ask) {
  MarketRecord m{};
  m.ts = ts;
  m.last = dec<Price>(last);
  m.has_last = 1;
  m.ask = dec<Price>(ask);
  m.has_ask = 1;
  return m;
}

TEST(EmaRsiStrategy, RefusesAnEngineWithoutItsInstrument) {
  FakeContext ctx;
  BotParams p = params();
  p.symbol = "ETHUSDT";
  EmaRsiStrategy s(p, {});
  EXPECT_EQ(s.on_start(ctx),
            "the engine has no instrument 'ETHUSDT' (set it with --set or in the [bot] table)");
  EXPECT_EQ(s.instrument_index(), kNoIndex);
}

TEST(EmaRsiStrategy, BuysOnceOnTheCrossUpWithTheBracketPlanEntryWorksOut) {
  FakeContext ctx;
  EmaRsiStrategy s(params(), {});
  ASSERT_EQ(s.on_start(ctx), "");
  const uint16_t btc = ctx.names().find_instrument("BTCUSDT");
  ASSERT_EQ(s.instrument_index(), btc);

  // Bars 1-4 (20000, 18000, 16000, 14000): warm-up, then a fast EMA below the slow one.
  const char* warm[] = {"20000", "18000", "16000", "14000"};
  int64_t ts = 1'000'000'000;
  for (const char* close : warm) {
    s.on_market(ctx, btc, tick(ts++, close, "20000"));
    EXPECT_TRUE(ctx.orders.empty()) << "an order during warm-up, at " << close;
  }
  // Another instrument's market is none of its business.
  s.on_market(ctx, static_cast<uint16_t>(btc + 1), tick(ts++, "17000", "17001"));
  EXPECT_TRUE(ctx.orders.empty());

  // Bar 5, close 17000: fast 17000 > slow 16500 after 14000 ≤ 16000, RSI 60 < 70 → enter at the
  // ask 17001 with 10000 USDT free:
  //   limit  17001 · 1.001 = 17018.001 → up to the tick 17018.01
  //   qty    10000 · 0.1 = 1000 to spend; 1000 / 17018.01 = 0.0587612… → 0.05876
  //          (0.05876 · 17018.01 = 999.978… ≤ 1000; 0.05877 would cost 1000.148…)
  //   stop-loss 17001 · 0.98 = 16660.98, take-profit 17001 · 1.04 = 17681.04 (on the tick)
  s.on_market(ctx, btc, tick(ts++, "17000", "17001"));
  ASSERT_EQ(ctx.orders.size(), 1u);
  const NewOrderCmd& n = ctx.orders[0];
  EXPECT_EQ(n.side, static_cast<uint8_t>(Side::kBuy));
  EXPECT_EQ(n.type, static_cast<uint8_t>(OrderType::kLimit));
  EXPECT_EQ(n.tif, static_cast<uint8_t>(Tif::kIoc));
  EXPECT_EQ(n.qty, dec<Qty>("0.05876"));
  EXPECT_EQ(n.price, dec<Price>("17018.01"));
  EXPECT_EQ(n.stop_loss, dec<Price>("16660.98"));
  EXPECT_EQ(n.take_profit, dec<Price>("17681.04"));
  EXPECT_EQ(n.cl_id, 1u);
  EXPECT_EQ(n.instrument, btc);
  EXPECT_EQ(n.account, ctx.names().find_account("main"));
  EXPECT_EQ(n.strategy, ctx.names().find_strategy("ema1"));
  EXPECT_EQ(s.entries(), 1u);
  EXPECT_EQ(s.bars(), 5u);

  // Bar 6 (17000 again: no new cross) while the entry awaits its answer: nothing more.
  s.on_market(ctx, btc, tick(ts++, "17000", "17001"));
  EXPECT_EQ(ctx.orders.size(), 1u);

  // The engine refuses the entry: counted once; an unrelated answer is not.
  Response other{};
  other.request = 7;
  other.flags = kResponseLast;
  other.event.type = EventType::kRejected;
  s.on_response(ctx, other);
  EXPECT_EQ(s.rejects(), 0u);
  Response refused{};
  refused.request = 1;
  refused.flags = kResponseLast;
  refused.event.type = EventType::kRejected;
  refused.event.reason = RejectReason::kUnknownInstrument;
  s.on_response(ctx, refused);
  EXPECT_EQ(s.rejects(), 1u);
  EXPECT_EQ(s.summary(), "6 bars, 1 entries, 0 exits, 1 rejects");
}

}  // namespace
}  // namespace ose
