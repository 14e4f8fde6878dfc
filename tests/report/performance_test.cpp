// The performance report's arithmetic: the equity curve's grid sampling, round trips cut at the
// position's returns to zero, and every figure of measure_performance against values worked out
// by hand in the comments (never copied from the code's output).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string_view>
#include <vector>

#include "tools/report/performance.hpp"

namespace ose {
namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;  // an arbitrary start of input time
constexpr double kInf = std::numeric_limits<double>::infinity();

Amount amt(std::string_view s) {
  return parse_fixed<Amount>(s).value();
}
Qty qty(std::string_view s) {
  return parse_fixed<Qty>(s).value();
}

// (ts − kT0, equity) pairs, so expectations read in seconds from the start.
struct Pt {
  int64_t since_t0_ns;
  int64_t equity_e8;
  friend bool operator==(const Pt&, const Pt&) = default;
};
std::vector<Pt> since_t0(const EquityCurve& c) {
  std::vector<Pt> out;
  for (const EquityPoint& p : c.points()) out.push_back({p.ts_ns - kT0, p.equity.e8});
  return out;
}

std::vector<int64_t> e8s(const std::vector<Amount>& v) {
  std::vector<int64_t> out;
  for (Amount a : v) out.push_back(a.e8);
  return out;
}

// ---- EquityCurve ---------------------------------------------------------------------------

TEST(EquityCurve, SamplesTheLatestEquityAtEachOneSecondBoundary) {
  EquityCurve c(kSec);
  EXPECT_EQ(c.step_ns(), kSec);
  c.observe(kT0, amt("100"));                // point 0: (0 s, 100)
  c.observe(kT0 + 300'000'000, amt("101"));  // inside step 1 ...
  c.observe(kT0 + 700'000'000, amt("102"));  // ... superseded by this one
  c.observe(kT0 + kSec, amt("103"));         // exactly on boundary 1: counts for it
  EXPECT_EQ(c.points().size(), 1u) << "boundary 1 waits for an observation after it";
  c.observe(kT0 + 1'500'000'000, amt("104"));  // passes boundary 1 → (1 s, 103)
  c.observe(kT0 + 2'200'000'000, amt("105"));  // passes boundary 2 → (2 s, 104)
  const std::vector<Pt> want = {
      {0, amt("100").e8}, {kSec, amt("103").e8}, {2 * kSec, amt("104").e8}};
  EXPECT_EQ(since_t0(c), want);
}

TEST(EquityCurve, AGapOfSeveralStepsGivesFlatPointsThenFinishAddsThePartialPeriod) {
  EquityCurve c(kSec);
  c.observe(kT0, amt("100"));
  c.observe(kT0 + 500'000'000, amt("110"));
  c.observe(kT0 + 4'500'000'000, amt("120"));  // passes boundaries 1..4, all at 110
  const std::vector<Pt> before = {{0, amt("100").e8},
                                  {1 * kSec, amt("110").e8},
                                  {2 * kSec, amt("110").e8},
                                  {3 * kSec, amt("110").e8},
                                  {4 * kSec, amt("110").e8}};
  EXPECT_EQ(since_t0(c), before);
  c.finish();  // last observation 4.5 s > 4 s: a half period ending at 120
  std::vector<Pt> after = before;
  after.push_back({4'500'000'000, amt("120").e8});
  EXPECT_EQ(since_t0(c), after);
  c.finish();                           // idempotent
  c.observe(kT0 + 9 * kSec, amt("1"));  // the curve is closed: ignored
  c.finish();
  EXPECT_EQ(since_t0(c), after);
}

TEST(EquityCurve, FinishAddsALastObservationThatSitsExactlyOnAnUnemittedBoundary) {
  EquityCurve c(kSec);
  c.observe(kT0, amt("1"));
  c.observe(kT0 + 2 * kSec, amt("5"));  // passes boundary 1 (at 1); sits on boundary 2
  c.finish();                           // → (2 s, 5): a full last period
  const std::vector<Pt> want = {{0, amt("1").e8}, {kSec, amt("1").e8}, {2 * kSec, amt("5").e8}};
  EXPECT_EQ(since_t0(c), want);
}

TEST(EquityCurve, FinishAddsNothingWhenTheLastObservationIsTheLastPoint) {
  EquityCurve one(kSec);
  one.observe(kT0, amt("7"));
  one.finish();  // the only observation is point 0 already
  EXPECT_EQ(since_t0(one), (std::vector<Pt>{{0, amt("7").e8}}));
}

TEST(EquityCurve, AnOlderTimestampCountsAsTheLastOne) {
  EquityCurve c(kSec);
  c.observe(kT0, amt("1"));
  c.observe(kT0 + 1'500'000'000, amt("2"));  // passes boundary 1 → (1 s, 1)
  c.observe(kT0 + 200'000'000, amt("3"));    // older: taken as 1.5 s, so it is in step 2
  c.observe(kT0 + 2'500'000'000, amt("4"));  // passes boundary 2 → (2 s, 3)
  const std::vector<Pt> want = {{0, amt("1").e8}, {kSec, amt("1").e8}, {2 * kSec, amt("3").e8}};
  EXPECT_EQ(since_t0(c), want);
}

TEST(EquityCurve, StaysEmptyWithoutObservations) {
  EquityCurve c(kSec);
  c.finish();
  c.finish();
  EXPECT_TRUE(c.points().empty());
}

// ---- RoundTrips ----------------------------------------------------------------------------

TEST(RoundTrips, OpensAndClosesALongCountingTheEntryFee) {
  RoundTrips rt;
  EXPECT_FALSE(rt.open());
  // Buy 1 with net at 100: fee 0.1 → net 99.9.
  rt.on_fill(qty("1"), amt("100"), amt("99.9"));
  EXPECT_TRUE(rt.open());
  EXPECT_TRUE(rt.closed().empty());
  // Sell 1: realizes +5, fee 0.1 → 99.9 + 5 − 0.1 = 104.8. PnL = 104.8 − 100 = 4.8.
  rt.on_fill(qty("0"), amt("99.9"), amt("104.8"));
  EXPECT_FALSE(rt.open());
  EXPECT_EQ(e8s(rt.closed()), (std::vector<int64_t>{amt("4.8").e8}));
}

TEST(RoundTrips, ScalesInAndOutOverSeveralFillsAsOneTrade) {
  RoundTrips rt;
  rt.on_fill(qty("1"), amt("100"), amt("99.9"));    // open at 100; fee 0.1
  rt.on_fill(qty("3"), amt("99.9"), amt("99.7"));   // add 2; fee 0.2
  rt.on_fill(qty("2"), amt("99.7"), amt("101.6"));  // sell 1: +2 − 0.1
  EXPECT_TRUE(rt.open());
  EXPECT_TRUE(rt.closed().empty());
  rt.on_fill(qty("0"), amt("101.6"), amt("107.4"));  // sell 2: +6 − 0.2
  // PnL = 107.4 − 100 = 7.4 (= 2 + 6 − 0.1 − 0.2 − 0.1 − 0.2).
  EXPECT_FALSE(rt.open());
  EXPECT_EQ(e8s(rt.closed()), (std::vector<int64_t>{amt("7.4").e8}));
}

TEST(RoundTrips, AFlipClosesTheLongAndOpensAShortAtTheSameFill) {
  RoundTrips rt;
  rt.on_fill(qty("1"), amt("0"), amt("-0.1"));  // long 1 at net 0; fee 0.1
  // Sell 3 → short 2: the long realizes +10, fee 0.3 → −0.1 + 10 − 0.3 = 9.6.
  // Closed PnL = 9.6 − 0 = 9.6; the short's baseline is 9.6.
  rt.on_fill(qty("-2"), amt("-0.1"), amt("9.6"));
  EXPECT_TRUE(rt.open());
  EXPECT_EQ(e8s(rt.closed()), (std::vector<int64_t>{amt("9.6").e8}));
  // Buy 2 → flat: the short realizes −4, fee 0.2 → 9.6 − 4 − 0.2 = 5.4; PnL = 5.4 − 9.6 = −4.2.
  rt.on_fill(qty("0"), amt("9.6"), amt("5.4"));
  EXPECT_FALSE(rt.open());
  EXPECT_EQ(e8s(rt.closed()), (std::vector<int64_t>{amt("9.6").e8, amt("-4.2").e8}));
}

TEST(RoundTrips, ATradeStillOpenAtTheEndIsNotCounted) {
  RoundTrips rt;
  rt.on_fill(qty("-0.5"), amt("0"), amt("0"));    // short 0.5
  rt.on_fill(qty("0"), amt("0"), amt("3"));       // covered: PnL 3
  rt.on_fill(qty("0.25"), amt("3"), amt("2.9"));  // a new long, never closed
  EXPECT_TRUE(rt.open());
  EXPECT_EQ(e8s(rt.closed()), (std::vector<int64_t>{amt("3").e8}));
}

TEST(RoundTrips, AZeroPnLTradeIsATradeButNeitherWinNorLoss) {
  RoundTrips rt;
  rt.on_fill(qty("1"), amt("50"), amt("50"));  // no fee (zero-fee maker)
  rt.on_fill(qty("0"), amt("50"), amt("50"));  // out at the entry price: PnL 50 − 50 = 0
  ASSERT_EQ(e8s(rt.closed()), (std::vector<int64_t>{0}));
  const Performance p = measure_performance(amt("100"), {}, rt.closed(), kSec);
  EXPECT_EQ(p.trades, 1);
  EXPECT_EQ(p.wins, 0);
  EXPECT_EQ(p.losses, 0);
  EXPECT_DOUBLE_EQ(p.win_rate, 0.0);  // 0 / 1
  EXPECT_TRUE(std::isnan(p.profit_factor)) << "no profit and no loss";
  EXPECT_EQ(p.avg_profit_per_trade.e8, 0);
}

// ---- measure_performance -------------------------------------------------------------------

std::vector<EquityPoint> one_second_curve(std::initializer_list<const char*> equities) {
  std::vector<EquityPoint> out;
  int64_t ts = kT0;
  for (const char* e : equities) {
    out.push_back({ts, amt(e)});
    ts += kSec;
  }
  return out;
}

TEST(MeasurePerformance, FiguresOfASmallHandComputedCurve) {
  const std::vector<EquityPoint> curve =
      one_second_curve({"10000", "10100", "9999", "10200", "10150"});
  const std::vector<Amount> trades = {amt("30"), amt("-10"), amt("0"), amt("50")};
  const Performance p = measure_performance(amt("10000"), curve, trades, kSec);

  EXPECT_EQ(p.capital.e8, amt("10000").e8);
  EXPECT_EQ(p.final_equity.e8, amt("10150").e8);
  EXPECT_EQ(p.net_profit.e8, amt("150").e8);  // 10150 − 10000
  EXPECT_EQ(p.span_ns, 4 * kSec);
  EXPECT_DOUBLE_EQ(p.total_return, 0.015);  // 150 / 10000
  // (1.015)^(31'536'000 s / 4 s) − 1 = e^(7'884'000 · ln 1.015) − 1 = e^(7'884'000 · 0.0148886)
  // = e^117'382: far beyond the largest double (e^709.78).
  EXPECT_EQ(p.annualised_return, kInf);

  // Peaks: 10000, 10100, 10100, 10200, 10200; drops 0, 0, 101, 0, 50.
  // Largest: 101 (fraction 101 / 10100 = 0.01) against 50 / 10200 = 0.0049.
  EXPECT_DOUBLE_EQ(p.max_drawdown, 0.01);
  EXPECT_EQ(p.max_drawdown_amount.e8, amt("101").e8);

  // Returns: r1 = 100/10000 = 0.01, r2 = −101/10100 = −0.01, r3 = 201/9999 = 0.0201020102010,
  // r4 = −50/10200 = −0.0049019607843.
  // mean = (0.01 − 0.01 + 0.0201020102010 − 0.0049019607843) / 4 = 0.0152000494167 / 4
  //      = 0.00380001235418.
  // deviations: 0.00619998764582, −0.01380001235418, 0.01630199784684, −0.00870197313849;
  // squares: 3.84398468e-5, 1.90440341e-4, 2.65755134e-4, 7.57243365e-5; Σ = 5.70359658e-4;
  // variance (n − 1 = 3) = 1.90119886e-4; stddev = 0.0137883968.
  // mean / stddev = 0.275594938; × sqrt(31'536'000 / 1) = × 5615.6923 → 1547.6564.
  const double mean = 0.00380001235418;
  const double stddev =
      std::sqrt((0.00619998764582 * 0.00619998764582 + 0.01380001235418 * 0.01380001235418 +
                 0.01630199784684 * 0.01630199784684 + 0.00870197313849 * 0.00870197313849) /
                3);
  const double want_sharpe = mean / stddev * std::sqrt(31'536'000.0);
  EXPECT_NEAR(want_sharpe, 1547.6564, 1547.6564 * 1e-7) << "the hand figures agree";
  EXPECT_NEAR(p.sharpe, want_sharpe, want_sharpe * 1e-9);

  // Trades {+30, −10, 0, +50}: 4 trades, 2 wins, 1 loss (0 is neither).
  EXPECT_EQ(p.trades, 4);
  EXPECT_EQ(p.wins, 2);
  EXPECT_EQ(p.losses, 1);
  EXPECT_DOUBLE_EQ(p.win_rate, 0.5);                     // 2 / 4
  EXPECT_EQ(p.gross_profit.e8, amt("80").e8);            // 30 + 50
  EXPECT_EQ(p.gross_loss.e8, amt("10").e8);              // |−10|
  EXPECT_DOUBLE_EQ(p.profit_factor, 8.0);                // 80 / 10
  EXPECT_EQ(p.avg_profit_per_trade.e8, amt("17.5").e8);  // (30 − 10 + 0 + 50) / 4 = 70 / 4
}

TEST(MeasurePerformance, AnnualisesOverSpansLongerAndShorterThanAYear) {
  const int64_t t = kT0;
  // 100 → 121 over two years: 1.21^(1/2) − 1 = 1.1 − 1 = 0.1.
  const std::vector<EquityPoint> two_years = {{t, amt("100")}, {t + 2 * kYearNs, amt("121")}};
  Performance p = measure_performance(amt("100"), two_years, {}, kYearNs);
  EXPECT_DOUBLE_EQ(p.total_return, 0.21);
  EXPECT_NEAR(p.annualised_return, 0.1, 1e-12);
  // 100 → 110 over half a year: 1.1^2 − 1 = 0.21.
  const std::vector<EquityPoint> half_year = {{t, amt("100")}, {t + kYearNs / 2, amt("110")}};
  p = measure_performance(amt("100"), half_year, {}, kYearNs / 2);
  EXPECT_NEAR(p.annualised_return, 0.21, 1e-12);
  // Wiped out (1 + total_return = 0) and below zero: −1.
  const std::vector<EquityPoint> zero = {{t, amt("100")}, {t + kSec, amt("0")}};
  EXPECT_EQ(measure_performance(amt("100"), zero, {}, kSec).annualised_return, -1.0);
  const std::vector<EquityPoint> below = {{t, amt("100")}, {t + kSec, amt("-5")}};
  p = measure_performance(amt("100"), below, {}, kSec);
  EXPECT_DOUBLE_EQ(p.total_return, -1.05);  // −105 / 100
  EXPECT_EQ(p.annualised_return, -1.0);
}

// An equity curve of `points` points `step_ns` apart whose equity alternates 100, 101, 100, …
std::vector<EquityPoint> zigzag(int64_t points, int64_t step_ns) {
  std::vector<EquityPoint> out;
  for (int64_t i = 0; i < points; ++i)
    out.push_back({kT0 + i * step_ns, amt(i % 2 ? "101" : "100")});
  return out;
}

TEST(MeasurePerformance, CountsOneReturnBetweenEachPairOfPoints) {
  EXPECT_EQ(measure_performance(amt("100"), {}, {}, kSec).returns, 0);
  EXPECT_EQ(measure_performance(amt("100"), zigzag(1, kSec), {}, kSec).returns, 0);
  EXPECT_EQ(measure_performance(amt("100"), zigzag(2, kSec), {}, kSec).returns, 1);
  EXPECT_EQ(
      measure_performance(amt("10000"),
                          one_second_curve({"10000", "10100", "9999", "10200", "10150"}), {}, kSec)
          .returns,
      4);
}

TEST(SharpeRule, NeedsADayOfInputTimeAndThirtyReturns) {
  constexpr int64_t kDay = 86'400 * kSec;
  // 31 points 2880 s apart: 30 returns over 30 × 2880 s = 86'400 s, exactly a day. Shown.
  Performance p = measure_performance(amt("100"), zigzag(31, kDay / 30), {}, kDay / 30);
  EXPECT_EQ(p.span_ns, kDay);
  EXPECT_EQ(p.returns, 30);
  EXPECT_FALSE(std::isnan(p.sharpe));
  EXPECT_TRUE(sharpe_is_meaningful(p));
  EXPECT_TRUE(annualised_return_is_meaningful(p));

  // The same curve ending 1 ns early (a partial last period): 30 returns, a day less 1 ns.
  std::vector<EquityPoint> short_by_1ns = zigzag(31, kDay / 30);
  short_by_1ns.back().ts_ns -= 1;
  p = measure_performance(amt("100"), short_by_1ns, {}, kDay / 30);
  EXPECT_EQ(p.span_ns, kDay - 1);
  EXPECT_EQ(p.returns, 30);
  EXPECT_FALSE(sharpe_is_meaningful(p));
  EXPECT_FALSE(annualised_return_is_meaningful(p));

  // Hourly returns over a day: 25 points, 24 returns. A long enough span, too few returns.
  p = measure_performance(amt("100"), zigzag(25, 3600 * kSec), {}, 3600 * kSec);
  EXPECT_EQ(p.span_ns, kDay);
  EXPECT_EQ(p.returns, 24);
  EXPECT_FALSE(sharpe_is_meaningful(p));
  EXPECT_TRUE(annualised_return_is_meaningful(p));

  // The demo's case: 30 s of 1 s returns (+1 %, −0.990099 %, alternating). The figure is still
  // computed, for the JSON; the text does not show it.
  p = measure_performance(amt("100"), zigzag(31, kSec), {}, kSec);
  EXPECT_EQ(p.span_ns, 30 * kSec);
  EXPECT_EQ(p.returns, 30);
  EXPECT_FALSE(std::isnan(p.sharpe));
  EXPECT_FALSE(sharpe_is_meaningful(p));
}

TEST(MeasurePerformance, DrawdownPeakStartsAtTheFirstPointAndEachMaximumIsItsOwn) {
  // Capital 200 but the curve starts at 100: the drop to 90 is 10 / 100 = 0.1, not 110 / 200.
  Performance p = measure_performance(amt("200"), one_second_curve({"100", "90", "95"}), {}, kSec);
  EXPECT_DOUBLE_EQ(p.max_drawdown, 0.1);
  EXPECT_EQ(p.max_drawdown_amount.e8, amt("10").e8);
  // 1000 → 800 drops 200 (0.2); 5000 → 4500 drops 500 (0.1): the largest fraction and the
  // largest amount come from different drops.
  p = measure_performance(amt("1000"), one_second_curve({"1000", "800", "5000", "4500"}), {}, kSec);
  EXPECT_DOUBLE_EQ(p.max_drawdown, 0.2);
  EXPECT_EQ(p.max_drawdown_amount.e8, amt("500").e8);
  // Never below the running peak: no drawdown.
  p = measure_performance(amt("1"), one_second_curve({"1", "2", "3"}), {}, kSec);
  EXPECT_EQ(p.max_drawdown, 0.0);
  EXPECT_EQ(p.max_drawdown_amount.e8, 0);
}

TEST(MeasurePerformance, ProfitFactorIsInfiniteWithoutLosses) {
  const std::vector<Amount> trades = {amt("5"), amt("0"), amt("7")};
  const Performance p = measure_performance(amt("100"), {}, trades, kSec);
  EXPECT_EQ(p.trades, 3);
  EXPECT_EQ(p.wins, 2);
  EXPECT_EQ(p.losses, 0);
  EXPECT_EQ(p.gross_loss.e8, 0);
  EXPECT_EQ(p.profit_factor, kInf);                   // 12 / 0 with 12 > 0
  EXPECT_EQ(p.avg_profit_per_trade.e8, amt("4").e8);  // 12 / 3
}

TEST(MeasurePerformance, AverageTradeRoundsHalfToEvenAtOneE8) {
  auto avg = [](std::vector<int64_t> e8) {
    std::vector<Amount> trades;
    for (int64_t v : e8) trades.push_back(Amount::from_e8(v));
    return measure_performance(amt("1"), {}, trades, kSec).avg_profit_per_trade.e8;
  };
  EXPECT_EQ(avg({1, 2}), 2);     // 3 / 2 = 1.5 → 2
  EXPECT_EQ(avg({3, 2}), 2);     // 5 / 2 = 2.5 → 2
  EXPECT_EQ(avg({1, 0}), 0);     // 0.5 → 0
  EXPECT_EQ(avg({-1, -2}), -2);  // −1.5 → −2
  EXPECT_EQ(avg({1, 1, 0}), 1);  // 2 / 3 = 0.67 → 1
  // Σ beyond int64: two trades of INT64_MAX average to INT64_MAX exactly.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(avg({kMax, kMax}), kMax);
}

TEST(MeasurePerformance, UndefinedFiguresAreNaN) {
  // No trades: win rate and profit factor NaN, average 0.
  Performance p = measure_performance(amt("100"), one_second_curve({"100", "101", "99"}), {}, kSec);
  EXPECT_EQ(p.trades, 0);
  EXPECT_TRUE(std::isnan(p.win_rate));
  EXPECT_TRUE(std::isnan(p.profit_factor));
  EXPECT_EQ(p.avg_profit_per_trade.e8, 0);
  EXPECT_FALSE(std::isnan(p.sharpe)) << "two returns are enough";

  // One return (two points): Sharpe NaN; the span is 1 s so the annualised return is defined.
  p = measure_performance(amt("100"), one_second_curve({"100", "100"}), {}, kSec);
  EXPECT_TRUE(std::isnan(p.sharpe));
  EXPECT_DOUBLE_EQ(p.annualised_return, 0.0);  // 1^x − 1

  // Zero span (one point): annualised return and Sharpe NaN.
  p = measure_performance(amt("100"), one_second_curve({"110"}), {}, kSec);
  EXPECT_EQ(p.span_ns, 0);
  EXPECT_DOUBLE_EQ(p.total_return, 0.1);
  EXPECT_TRUE(std::isnan(p.annualised_return));
  EXPECT_TRUE(std::isnan(p.sharpe));

  // Empty curve: the final equity is the capital.
  p = measure_performance(amt("100"), {}, {}, kSec);
  EXPECT_EQ(p.final_equity.e8, amt("100").e8);
  EXPECT_EQ(p.net_profit.e8, 0);
  EXPECT_EQ(p.total_return, 0.0);
  EXPECT_TRUE(std::isnan(p.annualised_return));
  EXPECT_EQ(p.max_drawdown, 0.0);

  // Flat returns (stddev 0): Sharpe NaN.
  p = measure_performance(amt("100"), one_second_curve({"100", "100", "100", "100"}), {}, kSec);
  EXPECT_TRUE(std::isnan(p.sharpe));

  // No capital to measure against: returns NaN.
  p = measure_performance(amt("0"), one_second_curve({"0", "5"}), {}, kSec);
  EXPECT_TRUE(std::isnan(p.total_return));
  EXPECT_TRUE(std::isnan(p.annualised_return));
}

TEST(MeasurePerformance, TakesTheCurveAndTradesAsBuiltByEquityCurveAndRoundTrips) {
  EquityCurve curve(kSec);
  RoundTrips rt;
  curve.observe(kT0, amt("1000"));
  rt.on_fill(qty("1"), amt("0"), amt("-1"));  // fee 1: equity 999
  curve.observe(kT0 + 400'000'000, amt("999"));
  rt.on_fill(qty("0"), amt("-1"), amt("19"));       // +21 − 1: equity 1019
  curve.observe(kT0 + 1'600'000'000, amt("1019"));  // → (1 s, 999)
  curve.finish();                                   // → (1.6 s, 1019)
  const Performance p = measure_performance(amt("1000"), curve.points(), rt.closed(), kSec);
  EXPECT_EQ(p.final_equity.e8, amt("1019").e8);
  EXPECT_EQ(p.span_ns, 1'600'000'000);
  EXPECT_EQ(p.max_drawdown_amount.e8, amt("1").e8);  // 1000 → 999
  EXPECT_DOUBLE_EQ(p.max_drawdown, 0.001);           // 1 / 1000
  EXPECT_EQ(p.trades, 1);
  EXPECT_EQ(p.wins, 1);
  // From net 0 before the opening fill to 19 after the closing one: 21 − 1 − 1 = 19.
  EXPECT_EQ(p.avg_profit_per_trade.e8, amt("19").e8);
}

}  // namespace
}  // namespace ose
