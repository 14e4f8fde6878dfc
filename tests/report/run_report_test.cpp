// The run report (`ose report`, tools/report/run_report.hpp) on journals whose every figure is
// worked out by hand in the comments from DESIGN §4 and tools/report/performance.hpp — never copied
// from the code's output. The journal is written by the live engine path (run_live) and the report
// replays it, so the report is checked end to end: counts, fees, positions, balances, the
// strategy's equity curve on the grid, its round trips and the performance figures.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/formats/scenario.hpp"
#include "tests/persistence/persistence_support.hpp"
#include "tools/report/run_report.hpp"

namespace ose::test {
namespace {

using tools::build_run_report;
using tools::ReportOptions;
using tools::RunReport;
using tools::StrategyPerformance;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSec = 1000 * kMs;
constexpr int64_t kT0 = 1'700'000'000 * kSec;  // the first input's ts

Amount amt(std::string_view s) {
  return parse_fixed<Amount>(s).value();
}
Qty qty(std::string_view s) {
  return parse_fixed<Qty>(s).value();
}
Price px(std::string_view s) {
  return parse_fixed<Price>(s).value();
}

// BTCUSDT spot (tick 0.01, step 0.00001, fees 0.1 %, band 5 %), one spot account holding only
// USDT 10000, the strategy ema1 on it, its strategy client, a venue and an operator.
const EngineConfig& report_config() {
  static const EngineConfig config = [] {
    auto c = load_config_string(fmt::format(R"(
[engine]
name = "report-test"
max_positions = 16
{}
[[accounts]]
name = "main"
type = "spot"
balances = {{ USDT = "10000" }}

[[strategies]]
name = "ema1"
account = "main"

[[clients]]
name = "ema1"
role = "strategy"
accounts = ["main"]

[[clients]]
name = "sim"
role = "venue"
accounts = ["main"]

[[clients]]
name = "ops"
role = "admin"
accounts = ["*"]
)",
                                            kBtcUsdtSpot),
                                "<report-test>");
    if (!c) throw std::runtime_error(c.error());
    return std::move(*c);
  }();
  return config;
}

// One scripted input: its time after kT0 and its DESIGN §8 line (without "ts").
struct Line {
  int64_t at_ms;
  std::string_view json;
};

// Parses the lines into journal inputs: seq from 1, ts = kT0 + at_ms, the line's source.
std::vector<Input> to_inputs(const EngineConfig& config, const std::vector<Line>& lines) {
  const State state = genesis(config);
  std::vector<Input> out;
  int64_t prev_ts = kT0;
  for (const Line& l : lines) {
    const int64_t ts = kT0 + l.at_ms * kMs;
    const std::string text = fmt::format(R"({{"ts":{},{})", ts, l.json.substr(1));
    auto parsed = parse_scenario_line(state, text, prev_ts);
    if (!parsed) throw std::runtime_error(parsed.error() + ": " + text);
    Input in{};
    in.seq = out.size() + 1;
    in.ts = parsed->ts;
    in.source = parsed->source;
    in.cmd = parsed->cmd;
    out.push_back(in);
    prev_ts = ts;
  }
  return out;
}

// ---- The scripted run ----------------------------------------------------------------------
//
// Accounting (DESIGN §4), spot BTCUSDT, every fill 0.1 BTC with a 0.1 % fee in USDT:
//   equity(ema1) = capital + realized − fees + unrealized, capital = USDT 10000 (genesis),
//   unrealized = size·(mark − avg), mark = (bid + ask)/2.
// Balances: a limit buy locks qty·price USDT; its fill releases the lock, pays qty·fill price,
// refunds the difference, credits the BTC and debits the fee. A sell locks the BTC.
//
//  #  t(s)  input                                   after it: position, realized, fees, unrl
//                                                   → equity; USDT free/locked, BTC free/locked
//  1  0.0  tick 29990/30010 → mark 30000            (ema1 has no order: not on its curve yet)
//  2  0.3  new 1: buy limit IOC 0.1 @30010          lock 3001 → USDT 6999/3001. eq 10000
//  3  0.5  ack 1                                    eq 10000
//  4  0.8  fill 1: 0.1 @30000, fee 3                +0.1@30000, r 0, f 3, u 0 → eq 9997
//                                                   USDT 6999+3001−3000−3 = 6997/0; BTC 0.1/0
//  5  1.2  tick 30190/30210 → mark 30200            u = 0.1·200 = 20 → eq 10017
//  6  1.9  tick 30390/30410 → mark 30400            u = 40 → eq 10037
//  7  2.1  new 2: sell limit IOC 0.1 @30390         BTC 0/0.1. eq 10037
//  8  2.2  ack 2                                    eq 10037
//  9  2.4  fill 2: 0.1 @30400, fee 3.04             flat, r = 0.1·400 = 40, f 6.04 → eq 10033.96
//                                                   USDT 6997+3040−3.04 = 10033.96; BTC 0
// 10  3.0  new 3: buy limit GTC 0.1 @29000          (|29000−30400| = 1400 ≤ 5 % of 30400 = 1520)
//                                                   lock 2900 → USDT 7133.96/2900
// 11  3.1  ack 3
// 12  3.3  cancel 3 (by ema1) → pending_cancel
// 13  3.4  cancel_ack 3 → cancelled                 USDT 10033.96/0. eq 10033.96 throughout
// 14  3.5  tick 30290/30310 → mark 30300            flat: eq 10033.96
// 15  3.6  new 4: buy limit IOC 0.1 @30310          lock 3031
// 16  3.7  ack 4
// 17  3.8  fill 4: 0.1 @30300, fee 3.03             +0.1@30300, r 40, f 9.07, u 0 → eq 10030.93
//                                                   USDT 10033.96−3030−3.03 = 7000.93; BTC 0.1
// 18  4.6  tick 30090/30110 → mark 30100            u = 0.1·(−200) = −20 → eq 10010.93
// 19  5.3  tick 29990/30010 → mark 30000            u = −30 → eq 10000.93
// 20  5.4  new 5: sell limit IOC 0.1 @29990         BTC 0/0.1
// 21  5.5  ack 5
// 22  5.6  fill 5: 0.1 @30000, fee 3                flat, r = 40 − 30 = 10, f 12.07 → eq 9997.93
//                                                   USDT 7000.93+3000−3 = 9997.93; BTC 0
// 23  6.2  tick 30090/30110 → mark 30100            flat: eq 9997.93
// 24  6.3  new 6: buy limit 0.1 @30100.005          off the 0.01 tick: rejected PRICE_TICK (it
//                                                   gets an id; ema1's order count stays)
// 25  6.5  new 7: buy limit IOC 0.1 @30110          lock 3011
// 26  6.6  ack 7
// 27  6.7  fill 7: 0.1 @30100, fee 3.01             +0.1@30100, r 10, f 15.08, u 0 → eq 9994.92
//                                                   USDT 9997.93−3010−3.01 = 6984.92; BTC 0.1
// 28  7.0  new 8: sell limit GTC 0.05 @30500        (|30500−30100| ≤ 1505) BTC 0.05/0.05
// 29  7.1  ack 8 → open, left working
// 30  7.4  tick 30140/30160 → mark 30150            u = 0.1·50 = 5 → eq 10000+10−15.08+5 = 9999.92
//
// Check: USDT 6984.92 + 0.1 BTC·30150 = 9999.92 = the final equity.
const std::vector<Line>& scripted_lines() {
  static const std::vector<Line> lines = {
      {0, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"29990","ask":"30010"})"},
      {300,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"ioc","qty":"0.1","price":"30010"})"},
      {500, R"({"op":"ack","source":"sim","client":"ema1","cl_id":1,"venue_order_id":101})"},
      {800,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":1,"trade_id":1,"qty":"0.1","price":"30000","fee":"3","fee_asset":"USDT","liquidity":"taker"})"},
      {1200, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30190","ask":"30210"})"},
      {1900, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30390","ask":"30410"})"},
      {2100,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":2,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"sell","type":"limit","tif":"ioc","qty":"0.1","price":"30390"})"},
      {2200, R"({"op":"ack","source":"sim","client":"ema1","cl_id":2,"venue_order_id":102})"},
      {2400,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":2,"trade_id":2,"qty":"0.1","price":"30400","fee":"3.04","fee_asset":"USDT","liquidity":"taker"})"},
      {3000,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":3,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"29000"})"},
      {3100, R"({"op":"ack","source":"sim","client":"ema1","cl_id":3,"venue_order_id":103})"},
      {3300, R"({"op":"cancel","source":"ema1","client":"ema1","cl_id":3})"},
      {3400, R"({"op":"cancel_ack","source":"sim","client":"ema1","cl_id":3})"},
      {3500, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30290","ask":"30310"})"},
      {3600,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":4,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"ioc","qty":"0.1","price":"30310"})"},
      {3700, R"({"op":"ack","source":"sim","client":"ema1","cl_id":4,"venue_order_id":104})"},
      {3800,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":4,"trade_id":3,"qty":"0.1","price":"30300","fee":"3.03","fee_asset":"USDT","liquidity":"taker"})"},
      {4600, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30090","ask":"30110"})"},
      {5300, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"29990","ask":"30010"})"},
      {5400,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":5,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"sell","type":"limit","tif":"ioc","qty":"0.1","price":"29990"})"},
      {5500, R"({"op":"ack","source":"sim","client":"ema1","cl_id":5,"venue_order_id":105})"},
      {5600,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":5,"trade_id":4,"qty":"0.1","price":"30000","fee":"3","fee_asset":"USDT","liquidity":"taker"})"},
      {6200, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30090","ask":"30110"})"},
      {6300,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":6,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30100.005"})"},
      {6500,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":7,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"ioc","qty":"0.1","price":"30110"})"},
      {6600, R"({"op":"ack","source":"sim","client":"ema1","cl_id":7,"venue_order_id":107})"},
      {6700,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":7,"trade_id":5,"qty":"0.1","price":"30100","fee":"3.01","fee_asset":"USDT","liquidity":"taker"})"},
      {7000,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":8,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"sell","type":"limit","tif":"gtc","qty":"0.05","price":"30500"})"},
      {7100, R"({"op":"ack","source":"sim","client":"ema1","cl_id":8,"venue_order_id":108})"},
      {7400, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30140","ask":"30160"})"},
  };
  return lines;
}

// Curve points as (ms after kT0, equity) so the expectations read like the table above.
struct Pt {
  int64_t at_ms;
  Amount equity;
  friend bool operator==(const Pt&, const Pt&) = default;
};
std::ostream& operator<<(std::ostream& os, const Pt& p) {
  return os << "(" << p.at_ms << " ms, " << to_string(p.equity) << ")";
}
std::vector<Pt> curve_of(const StrategyPerformance& s) {
  std::vector<Pt> out;
  for (const EquityPoint& p : s.curve) {
    EXPECT_EQ((p.ts_ns - kT0) % kMs, 0) << "a grid point off the millisecond grid";
    out.push_back({(p.ts_ns - kT0) / kMs, p.equity});
  }
  return out;
}

// mean / sample stddev of r_i = e_i / e_{i−1} − 1 over the hand-listed curve, × sqrt(periods
// per year): the definition in tools/report/performance.hpp, in long double from the decimal
// strings.
double sharpe_of(const std::vector<std::string_view>& equities, int64_t step_ns) {
  std::vector<long double> e;
  for (std::string_view s : equities) e.push_back(static_cast<long double>(amt(s).e8) / 1e8L);
  std::vector<long double> r;
  for (size_t i = 1; i < e.size(); ++i) r.push_back((e[i] - e[i - 1]) / e[i - 1]);
  long double sum = 0;
  for (long double x : r) sum += x;
  const long double mean = sum / static_cast<long double>(r.size());
  long double squares = 0;
  for (long double x : r) squares += (x - mean) * (x - mean);
  const long double sd = std::sqrt(squares / static_cast<long double>(r.size() - 1));
  return static_cast<double>(mean / sd * std::sqrt(static_cast<long double>(kYearNs) / step_ns));
}

void expect_rel(double actual, double want, const char* what) {
  EXPECT_NEAR(actual, want, std::abs(want) * 1e-9) << what;
}

struct Journaled {
  TempDir dir;
  LiveRun live;
};

RunReport report_on(const EngineConfig& config, const std::string& dir, int64_t step_ns) {
  Store store = open_store(dir, true);
  ReportOptions options;
  options.step_ns = step_ns;
  auto report = build_run_report(config, store, options);
  if (!report) throw std::runtime_error(report.error());
  return std::move(*report);
}

std::array<uint64_t, kOrderStatusCount> statuses(
    std::initializer_list<std::pair<OrderStatus, uint64_t>> counts) {
  std::array<uint64_t, kOrderStatusCount> out{};
  for (const auto& [status, n] : counts) out[static_cast<int>(status)] = n;
  return out;
}

TEST(RunReport, FiguresOfAScriptedRunMatchTheHandComputedEquityCurve) {
  const EngineConfig& config = report_config();
  TempDir dir;
  const auto inputs = to_inputs(config, scripted_lines());
  ASSERT_EQ(inputs.size(), 30u);
  const LiveRun live = run_live(config, dir.path(), inputs, JournalOptions{});
  ASSERT_EQ(live.last_seq, 30u);
  const RunReport r = report_on(config, dir.path(), kSec);

  // ---- run figures ----
  EXPECT_EQ(r.engine, "report-test");
  EXPECT_EQ(r.inputs, 30u);
  EXPECT_EQ(r.ticks, 8u);  // inputs 1, 5, 6, 14, 18, 19, 23, 30
  EXPECT_EQ(r.commands, 22u);
  EXPECT_EQ(r.first_ts_ns, kT0);
  EXPECT_EQ(r.last_ts_ns, kT0 + 7400 * kMs);
  EXPECT_EQ(r.step_ns, kSec);
  // Orders 1..8 by their last status: 1, 2, 4, 5, 7 filled; 3 cancelled; 6 rejected; 8 open.
  EXPECT_EQ(r.orders, 8u);
  EXPECT_EQ(r.orders_by_status, statuses({{OrderStatus::kFilled, 5},
                                          {OrderStatus::kCancelled, 1},
                                          {OrderStatus::kRejected, 1},
                                          {OrderStatus::kOpen, 1}}));
  EXPECT_EQ(r.fills, 5u);
  // 3 + 3.04 + 3.03 + 3 + 3.01
  const std::map<std::string, Amount> fees = {{"USDT", amt("15.08")}};
  EXPECT_EQ(r.fees_by_asset, fees);
  EXPECT_EQ(r.state_hash, live.live_hash);

  // ---- the account's position: +0.1 @30100 at mark 30150 ----
  ASSERT_EQ(r.positions.size(), 1u);
  const tools::PositionLine& p = r.positions[0];
  EXPECT_EQ(p.account, "main");
  EXPECT_EQ(p.symbol, "BTCUSDT");
  EXPECT_EQ(p.size, qty("0.1"));
  EXPECT_EQ(p.avg_entry_price, px("30100"));
  EXPECT_EQ(p.mark, px("30150"));
  EXPECT_EQ(p.realized_pnl, amt("10"));  // +40 − 30
  EXPECT_EQ(p.fees, amt("15.08"));
  EXPECT_EQ(p.unrealized_pnl, amt("5"));  // 0.1 · (30150 − 30100)

  // ---- balances, in asset order (USDT, BTC) ----
  ASSERT_EQ(r.balances.size(), 2u);
  EXPECT_EQ(r.balances[0].account, "main");
  EXPECT_EQ(r.balances[0].asset, "USDT");
  EXPECT_EQ(r.balances[0].free, amt("6984.92"));
  EXPECT_EQ(r.balances[0].locked, amt("0"));
  EXPECT_EQ(r.balances[1].asset, "BTC");
  EXPECT_EQ(r.balances[1].free, amt("0.05"));
  EXPECT_EQ(r.balances[1].locked, amt("0.05"));  // order 8's lock

  // ---- the strategy ----
  ASSERT_EQ(r.strategies.size(), 1u);
  const StrategyPerformance& s = r.strategies[0];
  EXPECT_EQ(s.name, "ema1");
  EXPECT_EQ(s.account, "main");
  EXPECT_EQ(s.asset, "USDT");
  EXPECT_EQ(s.orders, 7);  // accepted: 1, 2, 3, 4, 5, 7, 8 (6 was refused)
  EXPECT_EQ(s.fills, 5);
  EXPECT_EQ(s.volume, amt("15080"));  // 3000 + 3040 + 3030 + 3000 + 3010
  EXPECT_EQ(s.fees, amt("15.08"));
  EXPECT_EQ(s.realized_pnl, amt("10"));
  EXPECT_EQ(s.unrealized_pnl, amt("5"));

  // The curve. Its first observation is the input after which ema1 has an order (#2, 0.3 s;
  // run_report.cpp observes only strategies with orders), so t0 = 0.3 s and the boundaries are
  // 1.3, 2.3, …, 7.3 s; point k holds the equity of the latest input at ts ≤ t0 + k s.
  //   0.3: #2  10000
  //   1.3: #5 (1.2)  10017
  //   2.3: #8 (2.2)  10037
  //   3.3: #12 (3.3, on the boundary: counts for it)  10033.96
  //   4.3: #17 (3.8)  10030.93
  //   5.3: #19 (5.3, on the boundary)  10000.93
  //   6.3: #24 (6.3, on the boundary)  9997.93
  //   7.3: #29 (7.1)  9994.92
  //   7.4: finish(): the last input, a partial period  9999.92
  const std::vector<Pt> want_curve = {
      {300, amt("10000")},     {1300, amt("10017")},    {2300, amt("10037")},
      {3300, amt("10033.96")}, {4300, amt("10030.93")}, {5300, amt("10000.93")},
      {6300, amt("9997.93")},  {7300, amt("9994.92")},  {7400, amt("9999.92")},
  };
  EXPECT_EQ(curve_of(s), want_curve);

  // Round trips: #4 opens (net before 0), #9 closes (net 40 − 6.04 = 33.96): +33.96, a win.
  // #17 opens (net before 33.96), #22 closes (net 10 − 12.07 = −2.07): −2.07 − 33.96 = −36.03
  // (= −30 realized − 3.03 − 3 fees), a loss. #27 opened the third, still open: not counted.
  const Performance& perf = s.performance;
  EXPECT_EQ(perf.capital, amt("10000"));
  EXPECT_EQ(perf.final_equity, amt("9999.92"));
  EXPECT_EQ(perf.net_profit, amt("-0.08"));
  EXPECT_EQ(perf.span_ns, 7100 * kMs);            // 7.4 − 0.3 s
  expect_rel(perf.total_return, -8e-6, "total");  // −0.08 / 10000
  // (1 − 8e-6)^(365 d / 7.1 s) − 1 ≈ e^(−35.5) − 1: all but −1.
  EXPECT_NEAR(perf.annualised_return, std::expm1(std::log1p(-8e-6) * (31'536'000.0 / 7.1)), 1e-12);
  // Peak 10037 (2.3 s); lowest after it 9994.92 (7.3 s): 42.08, 42.08/10037 ≈ 0.0041925.
  EXPECT_EQ(perf.max_drawdown_amount, amt("42.08"));
  expect_rel(perf.max_drawdown, 42.08 / 10037.0, "max drawdown");
  // Returns: 17/10000, 20/10017, −3.04/10037, −3.03/10033.96, −30/10030.93, −3/10000.93,
  // −3.01/9997.93, 5/9994.92 (n = 8): mean ≈ 2.7753e-8, sample sd ≈ 1.53226e-3,
  // × sqrt(31 536 000 one-second periods a year) ≈ 0.101714.
  const double want_sharpe = sharpe_of({"10000", "10017", "10037", "10033.96", "10030.93",
                                        "10000.93", "9997.93", "9994.92", "9999.92"},
                                       kSec);
  EXPECT_NEAR(want_sharpe, 0.1017139234, 1e-9);
  expect_rel(perf.sharpe, want_sharpe, "sharpe");
  EXPECT_EQ(perf.trades, 2);
  EXPECT_EQ(perf.wins, 1);
  EXPECT_EQ(perf.losses, 1);
  expect_rel(perf.win_rate, 0.5, "win rate");
  EXPECT_EQ(perf.gross_profit, amt("33.96"));
  EXPECT_EQ(perf.gross_loss, amt("36.03"));
  expect_rel(perf.profit_factor, 33.96 / 36.03, "profit factor");
  EXPECT_EQ(perf.avg_profit_per_trade, amt("-1.035"));  // (33.96 − 36.03) / 2
}

// Ticks, an operator's deposit and a new order that the engine refuses without storing it (the
// venue may not act as the strategy's client): no strategy placed an order, so none is reported,
// while the run's counts still add up.
TEST(RunReport, AJournalWithoutStrategyOrdersReportsNoStrategies) {
  const EngineConfig& config = report_config();
  TempDir dir;
  const std::vector<Line> lines = {
      {0, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"29990","ask":"30010"})"},
      {400, R"({"op":"deposit","source":"ops","account":"main","asset":"USDT","amount":"500"})"},
      {1000, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"30090","ask":"30110"})"},
      {1500,
       R"({"op":"new_order","source":"sim","client":"ema1","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})"},
      {2500, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","last":"30200"})"},
  };
  const LiveRun live = run_live(config, dir.path(), to_inputs(config, lines), JournalOptions{});
  const RunReport r = report_on(config, dir.path(), kSec);
  EXPECT_EQ(r.inputs, 5u);
  EXPECT_EQ(r.ticks, 3u);
  EXPECT_EQ(r.commands, 2u);
  EXPECT_EQ(r.first_ts_ns, kT0);
  EXPECT_EQ(r.last_ts_ns, kT0 + 2500 * kMs);
  EXPECT_EQ(r.orders, 1u);  // the refused one, without an id
  EXPECT_EQ(r.orders_by_status, statuses({{OrderStatus::kRejected, 1}}));
  EXPECT_EQ(r.fills, 0u);
  EXPECT_TRUE(r.fees_by_asset.empty());
  EXPECT_TRUE(r.positions.empty());  // no fill touched a position
  ASSERT_EQ(r.balances.size(), 1u);
  EXPECT_EQ(r.balances[0].asset, "USDT");
  EXPECT_EQ(r.balances[0].free, amt("10500"));
  EXPECT_EQ(r.balances[0].locked, amt("0"));
  EXPECT_TRUE(r.strategies.empty());
  EXPECT_EQ(r.state_hash, live.live_hash);
}

// The scripted run again with a 500 ms grid: t0 = 0.3 s, boundaries 0.8, 1.3, …, 7.3 s.
TEST(RunReport, AHalfSecondStepSamplesTheSameRunOnAFinerGrid) {
  const EngineConfig& config = report_config();
  TempDir dir;
  const LiveRun live =
      run_live(config, dir.path(), to_inputs(config, scripted_lines()), JournalOptions{});
  const int64_t step = 500 * kMs;
  const RunReport r = report_on(config, dir.path(), step);
  EXPECT_EQ(r.step_ns, step);
  EXPECT_EQ(r.state_hash, live.live_hash);
  ASSERT_EQ(r.strategies.size(), 1u);
  const StrategyPerformance& s = r.strategies[0];
  //   0.3: #2  10000            4.3: #17 (3.8)  10030.93
  //   0.8: #4 (0.8, on it) 9997 4.8: #18 (4.6)  10010.93
  //   1.3: #5 (1.2)  10017      5.3: #19 (5.3)  10000.93
  //   1.8: #5 (1.2)  10017      5.8: #22 (5.6)  9997.93
  //   2.3: #8 (2.2)  10037      6.3: #24 (6.3)  9997.93
  //   2.8: #9 (2.4)  10033.96   6.8: #27 (6.7)  9994.92
  //   3.3: #12 (3.3) 10033.96   7.3: #29 (7.1)  9994.92
  //   3.8: #17 (3.8) 10030.93   7.4: finish()   9999.92
  const std::vector<Pt> want_curve = {
      {300, amt("10000")},     {800, amt("9997")},      {1300, amt("10017")},
      {1800, amt("10017")},    {2300, amt("10037")},    {2800, amt("10033.96")},
      {3300, amt("10033.96")}, {3800, amt("10030.93")}, {4300, amt("10030.93")},
      {4800, amt("10010.93")}, {5300, amt("10000.93")}, {5800, amt("9997.93")},
      {6300, amt("9997.93")},  {6800, amt("9994.92")},  {7300, amt("9994.92")},
      {7400, amt("9999.92")},
  };
  EXPECT_EQ(curve_of(s), want_curve);

  const Performance& perf = s.performance;
  // The end points and the drawdown walk are those of the 1 s grid.
  EXPECT_EQ(perf.final_equity, amt("9999.92"));
  EXPECT_EQ(perf.span_ns, 7100 * kMs);
  expect_rel(perf.total_return, -8e-6, "total");
  EXPECT_EQ(perf.max_drawdown_amount, amt("42.08"));
  expect_rel(perf.max_drawdown, 42.08 / 10037.0, "max drawdown");
  // 15 returns: −3/10000, 20/9997, 0, 20/10017, −3.04/10037, 0, −3.03/10033.96, 0,
  // −20/10030.93, −10/10010.93, −3/10000.93, 0, −3.01/9997.93, 0, 5/9994.92: mean ≈ −7.7963e-8,
  // sample sd ≈ 9.87993e-4, × sqrt(63 072 000 half-second periods a year) ≈ −0.626694.
  const double want_sharpe = sharpe_of(
      {"10000", "9997", "10017", "10017", "10037", "10033.96", "10033.96", "10030.93", "10030.93",
       "10010.93", "10000.93", "9997.93", "9997.93", "9994.92", "9994.92", "9999.92"},
      step);
  EXPECT_NEAR(want_sharpe, -0.6266939294, 1e-9);
  expect_rel(perf.sharpe, want_sharpe, "sharpe");
  // Round trips do not depend on the grid.
  EXPECT_EQ(perf.trades, 2);
  EXPECT_EQ(perf.gross_profit, amt("33.96"));
  EXPECT_EQ(perf.gross_loss, amt("36.03"));
}

// What AFillWithoutAFeeAddsNoFeeLine expects of its report (run in the death test's child).
bool fee_less_report_ok(const EngineConfig& config, const std::string& dir) {
  const RunReport r = report_on(config, dir, kSec);
  for (const auto& [asset, fee] : r.fees_by_asset) {
    fmt::print(stderr, "unexpected fee line [{}] = {}\n", asset, to_string(fee));
  }
  if (r.fills != 1 || !r.fees_by_asset.empty() || r.strategies.size() != 1) return false;
  const StrategyPerformance& s = r.strategies[0];
  const std::vector<Pt> want = {{300, amt("10000")}, {800, amt("10000")}};
  return s.fees.is_zero() && s.performance.final_equity == amt("10000") && curve_of(s) == want;
}

// A fill without a fee (no "fee", no "fee_asset": legal, DESIGN §8 and engine/fills.cpp) reaches
// the report as a fill event whose asset is kNoIndex. No fee was charged, so there is no fee line
// to report: fees_by_asset stays empty. The report is built in a child process (a death test) so
// that a report that reads past the asset table fails this test cleanly instead of taking the
// whole test binary down.
TEST(RunReport, AFillWithoutAFeeAddsNoFeeLine) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const EngineConfig& config = report_config();
  TempDir dir;
  const std::vector<Line> lines = {
      {0, R"({"op":"tick","source":"sim","symbol":"BTCUSDT","bid":"29990","ask":"30010"})"},
      {300,
       R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"ioc","qty":"0.1","price":"30010"})"},
      {500, R"({"op":"ack","source":"sim","client":"ema1","cl_id":1})"},
      {800,
       R"({"op":"fill","source":"sim","client":"ema1","cl_id":1,"trade_id":1,"qty":"0.1","price":"30000","liquidity":"maker"})"},
  };
  run_live(config, dir.path(), to_inputs(config, lines), JournalOptions{});
  // Hand-computed: one fill, no fee anywhere; ema1 holds +0.1 @30000 at mark 30000, so its
  // equity stays 10000 and its curve is (0.3 s, 10000), (0.8 s, 10000).
  EXPECT_EXIT(std::exit(fee_less_report_ok(config, dir.path()) ? 0 : 1),
              ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace ose::test
