// The backtest on the real Binance files in ../shared/data.
//
// 1. A minute of BTCUSDT spot bookTicker + trades (2024-08-08 23:58 → 23:59): a scripted strategy
//    buys at market on the first update after T1 and sells at market on the first after T2. The
//    expected fills are worked out here from the CSVs with this file's own minimal parser and
//    the latency model (simulation.hpp): the strategy acts at s = t + F for the tick printed at
//    t; the venue fills at the ask (buy) or bid (sell) of the last bookTicker row printed at or
//    before s + L; the fill is applied at s + L + R; the fee is qty · price · taker_fee rounded
//    half-even to 1e-8.
// 2. The sample EMA/RSI strategy over the two ETHUSDT kline days, twice: the same row and hash,
//    and the row's figures equal what the journal itself says.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/formats/bot_table.hpp"
#include "engine/formats/config.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "tests/backtest/backtest_support.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/backtest/simulation.hpp"
#include "tools/report/run_report.hpp"

namespace ose::backtest::test {
namespace {

const std::string kData = std::string(OSE_SHARED_DATA_DIR) + "/binance/";
const std::string kBook =
    kData + "bookticker/BTCUSDT-spot-bookTicker-20240808T2354-20240809T0005.csv";
const std::string kTrades = kData + "trades/BTCUSDT-spot-trades-20240808T2354-20240809T0005.csv";
const std::string kDemoConfig = std::string(OSE_SOURCE_DIR) + "/config/demo.toml";

// ---- the test's own reading of the files (the product's reader is not used for expectations) --

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

int64_t integer(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// "61837.64000000" → 6183764000000 (units of 1e-8).
int64_t e8(std::string_view s) {
  const size_t dot = s.find('.');
  std::string frac(dot == std::string_view::npos ? "" : s.substr(dot + 1));
  frac.resize(8, '0');
  return integer(s.substr(0, dot)) * 100'000'000 + integer(frac);
}

struct BookRow {
  int64_t t;  // ns
  int64_t bid, ask;
};

// Calls `row` with the fields of every data line that has `columns` of them (the header line
// starts with a letter; the files end their lines with CRLF).
template <typename Row>
void for_each_row(const std::string& path, size_t columns, Row row) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] < '0' || line[0] > '9') continue;
    const auto f = split(line);
    if (f.size() == columns) row(f);
  }
}

// bookTicker: time from transaction_time (ms), else event_time (ms), else local_ts_ns — the spot
// file leaves the first two empty (shared/data/README.md).
std::vector<BookRow> read_book(const std::string& path) {
  std::vector<BookRow> rows;
  for_each_row(path, 8, [&](const std::vector<std::string_view>& f) {
    const int64_t t = !f[5].empty()   ? integer(f[5]) * 1'000'000
                      : !f[6].empty() ? integer(f[6]) * 1'000'000
                                      : integer(f[7]);
    rows.push_back({t, e8(f[1]), e8(f[3])});
  });
  return rows;
}

// trades: the time column (ms).
std::vector<int64_t> read_trade_times(const std::string& path) {
  std::vector<int64_t> times;
  for_each_row(path, 9, [&](const std::vector<std::string_view>& f) {
    times.push_back(integer(f[4]) * 1'000'000);
  });
  return times;
}

// a · b · c / 1e16 in e8 units, rounded half-even (all positive here).
int64_t mul3_half_even(int64_t a, int64_t b, int64_t c) {
  const i128 n = static_cast<i128>(a) * b * c;
  const i128 d = static_cast<i128>(10'000'000'000'000'000);
  i128 q = n / d;
  const i128 r = n % d;
  if (2 * r > d || (2 * r == d && q % 2 == 1)) ++q;
  return static_cast<int64_t>(q);
}

Result<EngineConfig> demo_config() {
  auto text = read_config_text(kDemoConfig);
  if (!text) return Error{text.error()};
  return load_config_string(*text, kDemoConfig);
}

// ---- 1. scripted round trip on bookTicker + trades ------------------------------------------

// 2024-08-08T23:58:00Z; odd latencies, so s + L lands on no printed timestamp.
constexpr int64_t kFrom = 1'723'161'480 * kSecond;
constexpr int64_t kTo = kFrom + 60 * kSecond;
constexpr int64_t kT1 = kFrom + 10 * kSecond;
constexpr int64_t kT2 = kFrom + 40 * kSecond;
constexpr int64_t kL = 1'234'567;
constexpr int64_t kR = 765'432;
constexpr int64_t kF = 123'457;
constexpr std::string_view kQty = "0.00123";

TEST(RealDataBacktest, BookTickerAndTradesRoundTripFillsWhereTheDataSays) {
  auto config = demo_config();
  ASSERT_TRUE(config) << config.error();

  // Expected, from the files: s is the engine time of the first tick printed after T - F.
  const std::vector<BookRow> book = read_book(kBook);
  const std::vector<int64_t> trades = read_trade_times(kTrades);
  ASSERT_GT(book.size(), 10'000u);
  ASSERT_GT(trades.size(), 10'000u);
  auto first_tick_after = [&](int64_t t) {
    int64_t first = INT64_MAX;
    for (const BookRow& b : book) {
      if (b.t >= kFrom && b.t + kF > t) {
        first = std::min(first, b.t);
        break;
      }
    }
    for (int64_t tt : trades) {
      if (tt >= kFrom && tt + kF > t) {
        first = std::min(first, tt);
        break;
      }
    }
    return first + kF;
  };
  // The quote of the last bookTicker row printed in [from, at] (file order breaks ties).
  auto venue_quote_at = [&](int64_t at) {
    const BookRow* last = nullptr;
    for (const BookRow& b : book) {
      if (b.t > at) break;
      if (b.t >= kFrom) last = &b;
    }
    EXPECT_NE(last, nullptr);
    for (const BookRow& b : book) EXPECT_NE(b.t, at) << "a tie at s + L: pick other latencies";
    for (int64_t tt : trades) EXPECT_NE(tt, at) << "a tie at s + L: pick other latencies";
    return last != nullptr ? *last : BookRow{};
  };
  const int64_t s1 = first_tick_after(kT1), s2 = first_tick_after(kT2);
  const int64_t buy_price = venue_quote_at(s1 + kL).ask;
  const int64_t sell_price = venue_quote_at(s2 + kL).bid;
  const int64_t qty = e8(kQty);
  const int64_t taker = config->instruments[0].taker_fee.e8;
  const int64_t buy_fee = mul3_half_even(qty, buy_price, taker);
  const int64_t sell_fee = mul3_half_even(qty, sell_price, taker);
  ASSERT_EQ(taker, 100'000) << "demo.toml: taker_fee 0.001";
  // The fees round: these figures have more than 8 decimals before rounding.
  ASSERT_NE(static_cast<i128>(qty) * buy_price * taker % 10'000'000'000'000'000, 0);

  // The run.
  SimOptions o;
  o.data = {{kBook, 0, CsvFormat::kAuto}, {kTrades, 0, CsvFormat::kAuto}};
  o.from_ns = kFrom;
  o.to_ns = kTo;
  o.latency = {kL, kR, kF};
  ScriptedStrategy strategy;
  std::vector<int64_t> sent;
  strategy.act = [&](StrategyContext& ctx, size_t, const MarketRecord&) {
    const int64_t now = ctx.now_ns();
    const Side side = sent.empty() ? Side::kBuy : Side::kSell;
    if ((sent.empty() && now > kT1) || (sent.size() == 1 && now > kT2)) {
      ctx.new_order(order(ctx, side, OrderType::kMarket, Tif::kIoc, kQty, "0", "ema1"));
      sent.push_back(now);
    }
  };
  CaptureSink sink;
  auto result = simulate(*config, o, strategy, &sink);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->bad_rows, 0u);
  ASSERT_EQ(sent, (std::vector<int64_t>{s1, s2}));

  std::vector<Input> fills;
  for (const Input& in : sink.inputs) {
    if (in.cmd.op == Op::kFill) fills.push_back(in);
  }
  ASSERT_EQ(fills.size(), 2u) << "one trade each way";
  EXPECT_EQ(fills[0].ts, s1 + kL + kR);
  EXPECT_EQ(fills[0].cmd.fill.price.e8, buy_price);
  EXPECT_EQ(fills[0].cmd.fill.qty.e8, qty);
  EXPECT_EQ(fills[0].cmd.fill.fee.e8, buy_fee);
  EXPECT_EQ(fills[1].ts, s2 + kL + kR);
  EXPECT_EQ(fills[1].cmd.fill.price.e8, sell_price);
  EXPECT_EQ(fills[1].cmd.fill.qty.e8, qty);
  EXPECT_EQ(fills[1].cmd.fill.fee.e8, sell_fee);

  // The journal (the captured inputs) replayed from the config's initial state: the run's
  // hash, and the strategy's book says the same trades and fees.
  auto state = State::create(*config);
  ASSERT_TRUE(state) << state.error();
  NullEventSink none;
  for (const Input& in : sink.inputs) apply(*state, in, none);
  EXPECT_EQ(state->hash(), result->state_hash);
  const StrategyRecord& st = state->strategy(state->find_strategy("ema1"));
  EXPECT_EQ(st.fills, 2);
  EXPECT_EQ(st.fees.e8, buy_fee + sell_fee);
  // Gross realized PnL of the round trip: qty · (sell − buy), exact (5 + 2 decimals).
  EXPECT_EQ(st.realized_pnl.e8,
            static_cast<int64_t>(static_cast<i128>(qty) * (sell_price - buy_price) / 100'000'000));
}

// ---- 2. the sample strategy over the ETHUSDT kline days -------------------------------------

BacktestSpec ethusdt_klines_spec(const std::string& out_dir) {
  BacktestSpec spec;
  auto text = read_config_text(kDemoConfig);
  EXPECT_TRUE(text) << text.error();
  auto config = load_config_string(*text, kDemoConfig);
  EXPECT_TRUE(config) << config.error();
  spec.config = *config;
  auto table = read_bot_table(*text, kDemoConfig);
  EXPECT_TRUE(table) << table.error();
  for (const BotTableEntry& e : *table)
    spec.settings.push_back({e.key, e.text, BotValueKind::kAny, ""});
  spec.settings.push_back({"symbol", "ETHUSDT", BotValueKind::kAny, ""});
  spec.data = {kData + "klines/ETHUSDT-1m-2022-08-14.csv",
               kData + "klines/ETHUSDT-1m-2022-08-15.csv"};
  spec.sim.latency = {500 * kMicrosecond, 300 * kMicrosecond, 100 * kMicrosecond};
  spec.out_dir = out_dir;
  return spec;
}

TEST(RealDataBacktest, EmaStrategyOnKlineDaysIsReproducibleAndItsRowIsTheJournals) {
  TempDir dir;
  const BacktestSpec a_spec = ethusdt_klines_spec(dir.file("a"));
  auto a = run_backtest(a_spec);
  ASSERT_TRUE(a) << a.error();
  auto b = run_backtest(ethusdt_klines_spec(dir.file("b")));
  ASSERT_TRUE(b) << b.error();
  EXPECT_EQ(a->sim.state_hash, b->sim.state_hash);
  EXPECT_EQ(a->row.dump(), b->row.dump());
  EXPECT_EQ(a->row["state_hash"], fmt::format("{:016x}", a->sim.state_hash));
  EXPECT_EQ(a->sim.ticks, 2u * 1440u * 4u) << "two full days of 1m bars, four ticks a bar";
  ASSERT_GT(a->row["fills"].get<int64_t>(), 0)
      << "the strategy traded: the comparison says something";

  // The journal in a's directory, read the way `ose report` and `ose recover` read it.
  EngineConfig config = a_spec.config;
  config.data_dir = a_spec.out_dir;
  auto store = Store::open(a_spec.out_dir, {64ull << 20, true});
  ASSERT_TRUE(store) << store.error();
  tools::ReportOptions ro;
  ro.step_ns = a_spec.step_ns;
  ro.curve_from_first_input = true;
  auto report = tools::build_run_report(config, *store, ro);
  ASSERT_TRUE(report) << report.error();
  const tools::StrategyPerformance* perf = nullptr;
  for (const auto& s : report->strategies) {
    if (s.name == "ema1") perf = &s;
  }
  ASSERT_NE(perf, nullptr);
  EXPECT_EQ(a->row["trades"].get<int64_t>(), perf->performance.trades);
  EXPECT_EQ(a->row["fills"].get<int64_t>(), perf->fills);
  EXPECT_EQ(a->row["fees"].get<std::string>(), to_string(perf->fees));
  EXPECT_EQ(report->state_hash, a->sim.state_hash);

  auto recovered = recover(config, *store, RecoverOptions{});
  ASSERT_TRUE(recovered) << recovered.error();
  EXPECT_EQ(recovered->state_hash, a->sim.state_hash);
  const StrategyRecord& st = recovered->state.strategy(recovered->state.find_strategy("ema1"));
  EXPECT_EQ(a->row["fills"].get<int64_t>(), st.fills);
  EXPECT_EQ(a->row["fees"].get<std::string>(), to_string(st.fees));
}

}  // namespace
}  // namespace ose::backtest::test
