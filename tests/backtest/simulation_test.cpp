// The backtest's simulation on scripted ticks: tiny bookTicker and trades files, a strategy that
// acts on a given update, and every input captured. The latencies differ (L = 700 µs entry,
// R = 300 µs response, F = 50 µs feed), so each expected timestamp below names the one path of
// simulation.hpp's latency model that can produce it:
//   a tick the exchange prints at t        is applied by the engine at t + F;
//   a command the strategy sends at s      is applied at s and answered at once;
//   the venue                              acts on it at s + L, on its own quote of that instant;
//   the venue's answer                     is applied (and heard) at s + L + R;
//   a resting order a tick at t reaches    fills at the venue at t, applied at t + R;
//   a GTD order                            expires by an input stamped exactly its expire_ts.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/formats/config.hpp"
#include "tests/backtest/backtest_support.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/backtest/market_time.hpp"
#include "tools/backtest/simulation.hpp"

namespace ose::backtest::test {
namespace {

constexpr int64_t kL = 700 * kMicrosecond;
constexpr int64_t kR = 300 * kMicrosecond;
constexpr int64_t kF = 50 * kMicrosecond;

// 2024-08-08T12:00:00Z, and the midnight that ends that UTC day.
constexpr int64_t kB = 1'723'118'400 * kSecond;
constexpr int64_t kMidnight = 1'723'161'600 * kSecond;

// Taker and maker fees differ, so a fill's fee says which it was. Client 0 is the strategy,
// client 1 the venue. The price band is wide: limit orders well away from the touch are allowed.
// The account holds BTC too, so a sell needs no earlier buy.
std::string config_text(int max_daily_trades = 1000) {
  return R"(
[engine]
name = "simtest"
max_orders = 64
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_qty = "0.001"
max_qty = "1000"
min_notional = "1"
maker_fee = "0.0002"
taker_fee = "0.001"
price_band = "0.5"
[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000", BTC = "10" }
[[strategies]]
name = "s1"
account = "main"
max_open_orders = 10
max_position = "100"
max_order_notional = "100000"
max_daily_loss = "100000"
max_daily_trades = )" +
         std::to_string(max_daily_trades) + R"(
[[clients]]
name = "strat"
role = "strategy"
accounts = ["main"]
rate_limit = 1000
[[clients]]
name = "venue"
role = "venue"
accounts = ["main"]
)";
}
constexpr uint16_t kVenueClient = 1;

EngineConfig make_config(int max_daily_trades = 1000) {
  auto c = load_config_string(config_text(max_daily_trades), "<simulation_test>");
  EXPECT_TRUE(c) << c.error();
  return c ? *c : EngineConfig{};
}

struct Quote {
  int64_t t;  // ns: the spot layout's local_ts_ns, transaction and event time left empty
  const char* bid;
  const char* ask;
};
struct Print {
  int64_t t;  // ns, a whole number of ms (the trades layout's time column is in ms)
  const char* price;
  const char* qty;
};

std::string book_ticker_csv(const std::vector<Quote>& quotes) {
  std::string s =
      "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,"
      "event_time,local_ts_ns\n";
  uint64_t id = 1000;
  for (const Quote& q : quotes) {
    s += std::to_string(++id) + "," + q.bid + ",5.00000000," + q.ask + ",5.00000000,,," +
         std::to_string(q.t) + "\n";
  }
  return s;
}

std::string trades_csv(const std::vector<Print>& prints) {
  std::string s =
      "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match,event_time,local_ts_ns\n";
  uint64_t id = 5000;
  for (const Print& p : prints) {
    EXPECT_EQ(p.t % kMillisecond, 0) << "a trade's time is in whole ms";
    const std::string ms = std::to_string(p.t / kMillisecond);
    s += std::to_string(++id) + "," + p.price + "," + p.qty + ",1.0," + ms + ",true,true," + ms +
         "," + std::to_string(p.t) + "\n";
  }
  return s;
}

struct SimRun {
  SimResult result;
  CaptureSink sink;
  ScriptedStrategy strategy;
  std::vector<uint64_t> requests;  // what new_order() returned, in order
};

class SimulationTest : public ::testing::Test {
 protected:
  SimOptions options(const std::vector<Quote>& quotes, const std::vector<Print>& prints = {}) {
    SimOptions o;
    o.data.push_back(
        {dir_.write("BTCUSDT-bookTicker.csv", book_ticker_csv(quotes)), 0, CsvFormat::kAuto});
    if (!prints.empty()) {
      o.data.push_back({dir_.write("BTCUSDT-trades.csv", trades_csv(prints)), 0, CsvFormat::kAuto});
    }
    o.latency = {kL, kR, kF};
    return o;
  }

  // Runs the simulation with a strategy that sends orders_at[k] on market update k.
  static void run(SimRun& run, const EngineConfig& config, const SimOptions& o) {
    auto r = simulate(config, o, run.strategy, &run.sink);
    ASSERT_TRUE(r) << r.error();
    run.result = *r;
    EXPECT_EQ(run.result.bad_rows, 0u);
    EXPECT_TRUE(run.result.strategy_error.empty());
  }

  // The engine id of the order request `request` created (its kAccepted answer), or 0.
  static uint64_t accepted_id(const SimRun& run, uint64_t request) {
    const ScriptedStrategy::Heard* h = run.strategy.answer(request);
    if (h == nullptr || h->response.event.type != EventType::kAccepted) return 0;
    return h->response.event.order_id;
  }

  // A strategy that sends `make(ctx)` on update `at` (and nothing else).
  static ScriptedStrategy::Act send_on(size_t at, std::vector<uint64_t>& requests,
                                       std::function<NewOrderCmd(StrategyContext&)> make) {
    return [at, &requests, make](StrategyContext& ctx, size_t update, const MarketRecord&) {
      if (update == at) requests.push_back(ctx.new_order(make(ctx)));
    };
  }

  TempDir dir_;
};

// Every tick the exchange printed is applied by the engine F later, and that is when the
// strategy hears of it; nothing else moves the engine's clock when no order is sent.
TEST_F(SimulationTest, EngineAppliesEachTickFeedLatencyAfterTheExchange) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 400 * kMicrosecond, "102.00", "103.00"},
                                     {kB + 2 * kMillisecond, "104.00", "105.00"}};
  SimRun r;
  run(r, make_config(), options(quotes, {{kB + kMillisecond, "101.50", "0.5"}}));
  const std::vector<int64_t> exchange = {kB, kB + 400 * kMicrosecond, kB + kMillisecond,
                                         kB + 2 * kMillisecond};
  std::vector<int64_t> tick_ts;
  for (const Input& in : r.sink.inputs) {
    EXPECT_EQ(in.cmd.op, Op::kTick) << "no order was sent: ticks are the only inputs";
    tick_ts.push_back(in.ts);
  }
  std::vector<int64_t> expected;
  for (int64_t t : exchange) expected.push_back(t + kF);
  EXPECT_EQ(tick_ts, expected);
  EXPECT_EQ(r.strategy.market_ns, expected);
  EXPECT_EQ(r.strategy.start_ns, kB) << "on_start runs at the first tick's market time";
  EXPECT_EQ(r.result.ticks, 4u);
  EXPECT_EQ(r.result.first_tick_ns, kB);
  EXPECT_EQ(r.result.last_tick_ns, kB + 2 * kMillisecond);
  EXPECT_EQ(r.result.inputs, 4u);
  EXPECT_EQ(r.result.last_input_ns, kB + 2 * kMillisecond + kF);
}

// A market buy sent at s (on the first update, s = B + F) is applied at s, reaches the venue at
// s + L = B + 750 µs, when the venue's ask is already 103 (the exchange moved it at B + 400 µs;
// the engine's ask at s was still 101), and its ack and fill are applied and heard at s + L + R.
TEST_F(SimulationTest, MarketOrderFillsAtTheVenuesQuoteEntryLatencyLater) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 400 * kMicrosecond, "102.00", "103.00"},
                                     {kB + 5 * kMillisecond, "104.00", "105.00"}};
  SimRun r;
  r.strategy.act = send_on(0, r.requests, [](StrategyContext& ctx) {
    return order(ctx, Side::kBuy, OrderType::kMarket, Tif::kIoc, "1.5");
  });
  run(r, make_config(), options(quotes));
  const int64_t s = kB + kF;
  ASSERT_EQ(r.requests.size(), 1u);
  ASSERT_GT(r.requests[0], 0u);

  const ScriptedStrategy::Heard* answer = r.strategy.answer(r.requests[0]);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(answer->response.event.type, EventType::kAccepted);
  EXPECT_EQ(answer->now_ns, s) << "the engine shares the strategy's host: answered at once";
  const uint64_t id = answer->response.event.order_id;

  size_t new_orders = 0;
  for (const Input& in : r.sink.inputs) {
    if (in.cmd.op != Op::kNewOrder) continue;
    ++new_orders;
    EXPECT_EQ(in.ts, s);
    EXPECT_EQ(in.source, 0u) << "the strategy's client";
  }
  EXPECT_EQ(new_orders, 1u);

  const auto acks = inputs_about(r.sink.inputs, Op::kAck, id);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ts, s + kL + kR);
  EXPECT_EQ(acks[0].source, kVenueClient);
  const auto fills = inputs_about(r.sink.inputs, Op::kFill, id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].ts, s + kL + kR);
  EXPECT_EQ(fills[0].source, kVenueClient);
  EXPECT_EQ(fills[0].cmd.fill.price, dec<Price>("103")) << "the venue's ask at s + L, not 101";
  EXPECT_EQ(fills[0].cmd.fill.qty, dec<Qty>("1.5"));
  EXPECT_EQ(fills[0].cmd.fill.liquidity, static_cast<uint8_t>(Liquidity::kTaker));
  EXPECT_EQ(fills[0].cmd.fill.fee, dec<Amount>("0.1545")) << "1.5 · 103 · 0.001";

  const ScriptedStrategy::Heard* acked = r.strategy.first_heard(EventType::kAcked, id);
  ASSERT_NE(acked, nullptr);
  EXPECT_EQ(acked->now_ns, s + kL + kR);
  EXPECT_EQ(acked->response.request, 0u) << "a venue report is unsolicited";
  const ScriptedStrategy::Heard* filled = r.strategy.first_heard(EventType::kFill, id);
  ASSERT_NE(filled, nullptr);
  EXPECT_EQ(filled->now_ns, s + kL + kR);
  EXPECT_EQ(filled->response.event.price, dec<Price>("103"));
  EXPECT_EQ(filled->response.event.status, OrderStatus::kFilled);
}

// A sell sent on the second update (s = B + 400 µs + F = B + 450 µs) reaches the venue at
// s + L = B + 1150 µs: it takes the bid the exchange printed at B + 800 µs (99), neither the
// engine's bid at s (100) nor the one printed at B + 1200 µs (98), after the venue saw it.
TEST_F(SimulationTest, MarketSellTakesTheBidInForceAtTheVenue) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 400 * kMicrosecond, "100.00", "101.00"},
                                     {kB + 800 * kMicrosecond, "99.00", "100.00"},
                                     {kB + 1200 * kMicrosecond, "98.00", "99.00"}};
  SimRun r;
  r.strategy.act = send_on(1, r.requests, [](StrategyContext& ctx) {
    return order(ctx, Side::kSell, OrderType::kMarket, Tif::kIoc, "0.5");
  });
  run(r, make_config(), options(quotes));
  const int64_t s = kB + 400 * kMicrosecond + kF;
  ASSERT_EQ(r.requests.size(), 1u);
  const uint64_t id = accepted_id(r, r.requests[0]);
  ASSERT_NE(id, 0u);
  const auto fills = inputs_about(r.sink.inputs, Op::kFill, id);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].ts, s + kL + kR);
  EXPECT_EQ(fills[0].cmd.fill.price, dec<Price>("99"));
  EXPECT_EQ(fills[0].cmd.fill.fee, dec<Amount>("0.0495")) << "0.5 · 99 · 0.001";
}

// A resting GTC buy at 95 is reached by a trade printed at 94 at t = B + 5 ms: the venue fills it
// at its own price as maker at t, and the engine applies the fill at t + R (heard then too).
TEST_F(SimulationTest, RestingOrderFillsResponseLatencyAfterTheTradeThatReachesIt) {
  const int64_t t = kB + 5 * kMillisecond;
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 10 * kMillisecond, "100.00", "101.00"}};
  SimRun r;
  r.strategy.act = send_on(0, r.requests, [](StrategyContext& ctx) {
    return order(ctx, Side::kBuy, OrderType::kLimit, Tif::kGtc, "2", "95");
  });
  run(r, make_config(), options(quotes, {{t - kMillisecond, "96.00", "1"}, {t, "94.00", "3"}}));
  const int64_t s = kB + kF;
  ASSERT_EQ(r.requests.size(), 1u);
  const uint64_t id = accepted_id(r, r.requests[0]);
  ASSERT_NE(id, 0u);
  const auto acks = inputs_about(r.sink.inputs, Op::kAck, id);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].ts, s + kL + kR) << "the venue rests it and acks at s + L";
  const auto fills = inputs_about(r.sink.inputs, Op::kFill, id);
  ASSERT_EQ(fills.size(), 1u) << "the print at 96 does not reach a buy at 95";
  EXPECT_EQ(fills[0].ts, t + kR);
  EXPECT_EQ(fills[0].cmd.fill.price, dec<Price>("95")) << "its own price";
  EXPECT_EQ(fills[0].cmd.fill.qty, dec<Qty>("2"));
  EXPECT_EQ(fills[0].cmd.fill.liquidity, static_cast<uint8_t>(Liquidity::kMaker));
  EXPECT_EQ(fills[0].cmd.fill.fee, dec<Amount>("0.038")) << "2 · 95 · 0.0002";
  const ScriptedStrategy::Heard* filled = r.strategy.first_heard(EventType::kFill, id);
  ASSERT_NE(filled, nullptr);
  EXPECT_EQ(filled->now_ns, t + kR);
  // The trade ticks reach the engine F after they printed, like the book's.
  size_t trade_ticks = 0;
  for (const Input& in : r.sink.inputs) {
    if (in.cmd.op == Op::kTick && (in.cmd.tick.fields & kTickLast) != 0) {
      EXPECT_TRUE(in.ts == t - kMillisecond + kF || in.ts == t + kF) << in.ts;
      ++trade_ticks;
    }
  }
  EXPECT_EQ(trade_ticks, 2u);
}

// A GTD buy expiring at E = B + 3.123457 ms (no tick near it) is expired by a timer input
// stamped exactly E, and the strategy hears of the expiry then.
constexpr int64_t kExpire = kB + 3'123'457;

NewOrderCmd gtd_buy(StrategyContext& ctx) {
  NewOrderCmd n = order(ctx, Side::kBuy, OrderType::kLimit, Tif::kGtd, "1", "90");
  n.expire_ts = kExpire;
  return n;
}

TEST_F(SimulationTest, GtdOrderExpiresByAnInputStampedExactlyItsExpireTs) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 10 * kMillisecond, "100.00", "101.00"}};
  SimRun r;
  r.strategy.act = send_on(0, r.requests, gtd_buy);
  run(r, make_config(), options(quotes));
  ASSERT_EQ(r.requests.size(), 1u);
  const uint64_t id = accepted_id(r, r.requests[0]);
  ASSERT_NE(id, 0u);
  const Input* at_expiry = nullptr;
  for (const Input& in : r.sink.inputs) {
    if (in.ts >= kExpire) {
      at_expiry = &in;
      break;
    }
  }
  ASSERT_NE(at_expiry, nullptr);
  EXPECT_EQ(at_expiry->ts, kExpire);
  EXPECT_EQ(at_expiry->cmd.op, Op::kTimer);
  EXPECT_EQ(r.result.timers, 1u);
  const ScriptedStrategy::Heard* expired = r.strategy.first_heard(EventType::kExpired, id);
  ASSERT_NE(expired, nullptr);
  EXPECT_EQ(expired->now_ns, kExpire);
  EXPECT_EQ(expired->response.event.status, OrderStatus::kExpired);
}

// After the engine expired it, the order is gone: a later trade through its price (85 < 90) must
// not fill it at the venue (the venue would be trading an order the engine no longer has).
TEST_F(SimulationTest, ExpiredGtdOrderIsNotFilledByALaterTrade) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 10 * kMillisecond, "100.00", "101.00"}};
  SimRun r;
  r.strategy.act = send_on(0, r.requests, gtd_buy);
  run(r, make_config(), options(quotes, {{kB + 5 * kMillisecond, "85.00", "1"}}));
  ASSERT_EQ(r.requests.size(), 1u);
  const uint64_t id = accepted_id(r, r.requests[0]);
  ASSERT_NE(id, 0u);
  EXPECT_TRUE(inputs_about(r.sink.inputs, Op::kFill, id).empty());
  for (const ScriptedStrategy::Heard& h : r.strategy.heard) {
    EXPECT_NE(h.response.event.type, EventType::kAlert)
        << "alert " << static_cast<int>(h.response.event.alert) << " at " << h.now_ns;
  }
}

// max_daily_trades = 1: the first buy fills at 23:59:59.99 (its fill is the day's one trade),
// the second, sent at 23:59:59.995 + F, is refused MAX_DAILY_TRADES on the spot; the third, sent
// after midnight of market time, is taken and fills.
TEST_F(SimulationTest, DailyTradeLimitResetsAtMidnightOfMarketTime) {
  const std::vector<Quote> quotes = {{kMidnight - 10 * kMillisecond, "100.00", "101.00"},
                                     {kMidnight - 5 * kMillisecond, "100.00", "101.00"},
                                     {kMidnight + 5 * kMillisecond, "100.00", "101.00"}};
  SimRun r;
  r.strategy.act = [&](StrategyContext& ctx, size_t, const MarketRecord&) {
    r.requests.push_back(ctx.new_order(order(ctx, Side::kBuy, OrderType::kMarket, Tif::kIoc, "1")));
  };
  run(r, make_config(1), options(quotes));
  ASSERT_EQ(r.requests.size(), 3u);
  const uint64_t first = accepted_id(r, r.requests[0]);
  ASSERT_NE(first, 0u);
  ASSERT_EQ(inputs_about(r.sink.inputs, Op::kFill, first).size(), 1u);
  EXPECT_EQ(inputs_about(r.sink.inputs, Op::kFill, first)[0].ts,
            kMidnight - 10 * kMillisecond + kF + kL + kR);

  const ScriptedStrategy::Heard* second = r.strategy.answer(r.requests[1]);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->response.event.type, EventType::kRejected);
  EXPECT_EQ(second->response.event.reason, RejectReason::kMaxDailyTrades);
  EXPECT_EQ(second->now_ns, kMidnight - 5 * kMillisecond + kF);

  const uint64_t third = accepted_id(r, r.requests[2]);
  ASSERT_NE(third, 0u) << "a new UTC day of market time: the count starts again";
  const auto fills = inputs_about(r.sink.inputs, Op::kFill, third);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].ts, kMidnight + 5 * kMillisecond + kF + kL + kR);
}

// --from and --to keep the ticks in [from, to], both ends included; the text forms parse to the
// instants they name.
TEST_F(SimulationTest, FromAndToKeepOnlyTheTicksInTheRange) {
  std::vector<Quote> quotes;
  for (int k = 0; k < 5; ++k) quotes.push_back({kB + k * kMillisecond, "100.00", "101.00"});
  SimOptions o = options(quotes);
  auto from = parse_market_time("2024-08-08T12:00:00.001Z");
  auto to = parse_market_time("2024-08-08 12:00:00.003");
  ASSERT_TRUE(from) << from.error();
  ASSERT_TRUE(to) << to.error();
  EXPECT_EQ(*from, kB + kMillisecond);
  EXPECT_EQ(*to, kB + 3 * kMillisecond);
  o.from_ns = *from;
  o.to_ns = *to;
  SimRun r;
  run(r, make_config(), o);
  EXPECT_EQ(r.strategy.market_ns,
            (std::vector<int64_t>{kB + kMillisecond + kF, kB + 2 * kMillisecond + kF,
                                  kB + 3 * kMillisecond + kF}));
  EXPECT_EQ(r.result.ticks, 3u);
  EXPECT_EQ(r.result.first_tick_ns, kB + kMillisecond);
  EXPECT_EQ(r.result.last_tick_ns, kB + 3 * kMillisecond);
  EXPECT_EQ(r.sink.inputs.size(), 3u);
}

// A range no tick falls in, or one that ends before it starts, is refused before anything runs
// or is written.
TEST_F(SimulationTest, EmptyRangeIsAnErrorBeforeAnythingRuns) {
  std::vector<Quote> quotes;
  for (int k = 0; k < 5; ++k) quotes.push_back({kB + k * kMillisecond, "100.00", "101.00"});
  BacktestSpec spec;
  spec.config = make_config();
  spec.settings = {{"symbol", "BTCUSDT", BotValueKind::kAny, ""},
                   {"account", "main", BotValueKind::kAny, ""},
                   {"strategy", "s1", BotValueKind::kAny, ""}};
  spec.data = {dir_.write("BTCUSDT-bookTicker.csv", book_ticker_csv(quotes)) + "@BTCUSDT"};
  spec.out_dir = dir_.file("out");
  ASSERT_TRUE(check_backtest(spec)) << check_backtest(spec).error();

  spec.sim.from_ns = kB + 10 * kMillisecond;  // after the last tick
  auto after = check_backtest(spec);
  ASSERT_FALSE(after);
  EXPECT_NE(after.error().find("no tick of the data falls in the --from/--to range"),
            std::string::npos)
      << after.error();
  spec.sim.from_ns = kB + 1'500'000;  // between two ticks
  spec.sim.to_ns = kB + 1'900'000;
  auto between = check_backtest(spec);
  ASSERT_FALSE(between);
  EXPECT_NE(between.error().find("no tick of the data falls"), std::string::npos)
      << between.error();
  spec.sim.from_ns = kB + 3 * kMillisecond;
  spec.sim.to_ns = kB + kMillisecond;
  auto backwards = check_backtest(spec);
  ASSERT_FALSE(backwards);
  EXPECT_NE(backwards.error().find("is after --to"), std::string::npos) << backwards.error();
  EXPECT_FALSE(run_backtest(spec));
  EXPECT_FALSE(std::filesystem::exists(spec.out_dir)) << "nothing is written";
}

// A name the strategy cannot find in the config (here its symbol) is refused by the check that
// runs before anything is written, with the strategy's own words.
TEST_F(SimulationTest, UnknownStrategySymbolIsRefusedBeforeAnythingIsWritten) {
  BacktestSpec spec;
  spec.config = make_config();
  spec.settings = {{"symbol", "XRPUSDT", BotValueKind::kAny, ""},
                   {"account", "main", BotValueKind::kAny, ""},
                   {"strategy", "s1", BotValueKind::kAny, ""}};
  spec.data = {dir_.write("BTCUSDT-bookTicker.csv", book_ticker_csv({{kB, "100.00", "101.00"}})) +
               "@BTCUSDT"};
  spec.out_dir = dir_.file("out");
  auto checked = check_backtest(spec);
  ASSERT_FALSE(checked);
  EXPECT_NE(checked.error().find("the engine has no instrument 'XRPUSDT'"), std::string::npos)
      << checked.error();
  auto run = run_backtest(spec);
  ASSERT_FALSE(run);
  EXPECT_FALSE(std::filesystem::exists(spec.out_dir)) << "nothing is written";
  spec.sim.strategy_client = "venue";
  spec.settings[0].text = "BTCUSDT";
  auto not_a_strategy = check_backtest(spec);
  ASSERT_FALSE(not_a_strategy);
  EXPECT_NE(not_a_strategy.error().find("client 'venue' has role venue, not strategy"),
            std::string::npos)
      << not_a_strategy.error();
}

// The same data, config and strategy twice: the same inputs byte for byte, the same state hash.
TEST_F(SimulationTest, TwoRunsGiveTheSameInputsAndStateHash) {
  const std::vector<Quote> quotes = {{kB, "100.00", "101.00"},
                                     {kB + 400 * kMicrosecond, "102.00", "103.00"},
                                     {kB + 2 * kMillisecond, "99.00", "100.00"},
                                     {kB + 10 * kMillisecond, "100.00", "101.00"}};
  const std::vector<Print> prints = {{kB + kMillisecond, "102.50", "1"},
                                     {kB + 6 * kMillisecond, "89.00", "4"}};
  auto script = [](std::vector<uint64_t>& requests) {
    return [&requests](StrategyContext& ctx, size_t update, const MarketRecord&) {
      if (update == 0) {
        requests.push_back(
            ctx.new_order(order(ctx, Side::kBuy, OrderType::kMarket, Tif::kIoc, "1")));
        requests.push_back(
            ctx.new_order(order(ctx, Side::kBuy, OrderType::kLimit, Tif::kGtc, "1", "95")));
      }
      if (update == 1) requests.push_back(ctx.new_order(gtd_buy(ctx)));
      if (update == 2) {
        requests.push_back(
            ctx.new_order(order(ctx, Side::kSell, OrderType::kLimit, Tif::kGtc, "0.5", "120")));
      }
    };
  };
  const EngineConfig config = make_config();
  const SimOptions o = options(quotes, prints);
  SimRun a;
  a.strategy.act = script(a.requests);
  run(a, config, o);
  SimRun b;
  b.strategy.act = script(b.requests);
  run(b, config, o);
  ASSERT_GT(a.sink.inputs.size(), 10u);
  ASSERT_EQ(a.sink.inputs.size(), b.sink.inputs.size());
  EXPECT_EQ(
      std::memcmp(a.sink.inputs.data(), b.sink.inputs.data(), a.sink.inputs.size() * sizeof(Input)),
      0);
  EXPECT_EQ(a.result.state_hash, b.result.state_hash);
  EXPECT_EQ(a.result.events, b.result.events);
  EXPECT_EQ(a.strategy.market_ns, b.strategy.market_ns);
  ASSERT_EQ(a.strategy.heard.size(), b.strategy.heard.size());
  for (size_t k = 0; k < a.strategy.heard.size(); ++k) {
    EXPECT_EQ(a.strategy.heard[k].now_ns, b.strategy.heard[k].now_ns);
    EXPECT_EQ(
        std::memcmp(&a.strategy.heard[k].response, &b.strategy.heard[k].response, sizeof(Response)),
        0);
  }
}

}  // namespace
}  // namespace ose::backtest::test
