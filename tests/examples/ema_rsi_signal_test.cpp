// The EMA-crossover / RSI rules on scripted closes. Most scripts use ema_fast = 1 (the fast
// EMA is the close itself: α = 2/2 = 1) and ema_slow = 3 (α = 2/4 = 0.5) with RSI(2), so that
// every EMA value is a sum of halves and can be followed by hand; the RSI arithmetic is shown
// bar by bar (gain/loss averages, RS = avg_gain/avg_loss, RSI = 100 − 100/(1 + RS)).
#include <gtest/gtest.h>

#include <vector>

#include "ema_rsi/ema_rsi_signal.hpp"

namespace ose {
namespace {

constexpr double kTolerance = 1e-9;

BotParams Params(int fast, int slow, int rsi_period, double oversold = 30, double overbought = 70) {
  BotParams p;
  p.ema_fast = fast;
  p.ema_slow = slow;
  p.rsi_period = rsi_period;
  p.rsi_oversold = oversold;
  p.rsi_overbought = overbought;
  return p;
}

TEST(EmaRsiSignal, EntersOnACrossUpAndExitsOnACrossDownOrWhenOverbought) {
  EmaRsiSignal s(Params(1, 3, 2));
  // Bars 1-3 warm up: slow seed (20 + 18 + 16)/3 = 18 at bar 3; RSI changes −2, −2 → gain 0,
  // loss 2 → RSI 0. Bar 3 has ready EMAs but no previous bar with them: not judged.
  EXPECT_EQ(s.on_bar(20), BotSignal::kNone);
  EXPECT_EQ(s.on_bar(18), BotSignal::kNone);
  EXPECT_EQ(s.on_bar(16), BotSignal::kNone);
  EXPECT_FALSE(s.ready());
  EXPECT_EQ(s.fast(), 16.0);
  EXPECT_EQ(s.slow(), 18.0);
  EXPECT_EQ(s.rsi(), 0.0);

  // Bar 4, close 14: slow = 18 + 0.5·(14 − 18) = 16, fast 14 (was 16 < 18: still below, no
  // cross). RSI −2: gain (0·1 + 0)/2 = 0, loss (2·1 + 2)/2 = 2 → 0.
  EXPECT_EQ(s.on_bar(14), BotSignal::kNone);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.slow(), 16.0);
  EXPECT_EQ(s.rsi(), 0.0);

  // Bar 5, close 17: slow = 16 + 0.5·(17 − 16) = 16.5, fast 17. Before 14 ≤ 16, now
  // 17 > 16.5: crosses up. RSI +3: gain (0 + 3)/2 = 1.5, loss (2 + 0)/2 = 1 → RS 1.5,
  // RSI = 100 − 100/2.5 = 60 < 70 → Enter.
  EXPECT_EQ(s.on_bar(17), BotSignal::kEnter);
  EXPECT_EQ(s.fast(), 17.0);
  EXPECT_EQ(s.slow(), 16.5);
  EXPECT_EQ(s.rsi(), 60.0);

  // Bar 6, close 17: slow = 16.5 + 0.5·0.5 = 16.75; fast 17 stays above (no new cross).
  // RSI 0: gain 1.5/2 = 0.75, loss 1/2 = 0.5 → RS 1.5 → 60 → nothing.
  EXPECT_EQ(s.on_bar(17), BotSignal::kNone);
  EXPECT_EQ(s.slow(), 16.75);
  EXPECT_EQ(s.rsi(), 60.0);

  // Bar 7, close 16: slow = 16.75 + 0.5·(−0.75) = 16.375, fast 16. Before 17 ≥ 16.75, now
  // 16 < 16.375: crosses down. RSI −1: gain 0.75/2 = 0.375, loss (0.5 + 1)/2 = 0.75 → RS 0.5,
  // RSI = 100 − 100/1.5 = 33.3 > 30 → Exit.
  EXPECT_EQ(s.on_bar(16), BotSignal::kExit);
  EXPECT_EQ(s.slow(), 16.375);
  EXPECT_NEAR(s.rsi(), 100.0 - 100.0 / 1.5, kTolerance);

  // Bar 8, close 20: slow = 16.375 + 0.5·3.625 = 18.1875, fast 20. Before 16 ≤ 16.375: a cross
  // up, but RSI +4: gain (0.375 + 4)/2 = 2.1875, loss 0.75/2 = 0.375 → RS 35/6,
  // RSI = 100 − 600/41 = 85.4 ≥ 70: no Enter, and > 70: Exit.
  EXPECT_EQ(s.on_bar(20), BotSignal::kExit);
  EXPECT_EQ(s.slow(), 18.1875);
  EXPECT_NEAR(s.rsi(), 100.0 - 600.0 / 41.0, kTolerance);

  // Bar 9, close 21: no cross (21 > slow 18.1875 + 0.5·2.8125 = 19.59375); RSI +1: gain
  // (2.1875 + 1)/2 = 1.59375, loss 0.375/2 = 0.1875 → RS 8.5, RSI = 100 − 100/9.5 = 89.5:
  // Exit again (it repeats while overbought).
  EXPECT_EQ(s.on_bar(21), BotSignal::kExit);
  EXPECT_EQ(s.slow(), 19.59375);
  EXPECT_NEAR(s.rsi(), 100.0 - 100.0 / 9.5, kTolerance);
}

TEST(EmaRsiSignal, DoesNotEnterOrExitWithTheRsiExactlyAtOverbought) {
  // The script above with rsi_overbought = 60: at bar 5 the EMAs cross up with RSI exactly 60,
  // which is neither below 60 (Enter) nor above it (Exit).
  EmaRsiSignal s(Params(1, 3, 2, 30, 60));
  for (double close : {20.0, 18.0, 16.0, 14.0}) EXPECT_EQ(s.on_bar(close), BotSignal::kNone);
  EXPECT_EQ(s.on_bar(17), BotSignal::kNone);
  EXPECT_EQ(s.rsi(), 60.0);
}

TEST(EmaRsiSignal, EntersWhenTheFastEmaLeavesAnEqualSlowOne) {
  // 12, 8, 10: slow seed 30/3 = 10 = fast at bar 3. RSI changes −4, +2 → gain 1, loss 2.
  // Bar 4, close 11: slow = 10 + 0.5·1 = 10.5, fast 11 > 10.5, before 10 ≤ 10: crosses up.
  // RSI +1: gain (1 + 1)/2 = 1, loss (2 + 0)/2 = 1 → RS 1 → RSI 50 < 70 → Enter.
  EmaRsiSignal s(Params(1, 3, 2));
  for (double close : {12.0, 8.0, 10.0}) EXPECT_EQ(s.on_bar(close), BotSignal::kNone);
  EXPECT_EQ(s.on_bar(11), BotSignal::kEnter);
  EXPECT_EQ(s.rsi(), 50.0);
}

TEST(EmaRsiSignal, DoesNotSellACrossDownIntoAnOversoldMarket) {
  // 10, 12, 14: slow seed 36/3 = 12, fast 14; RSI changes +2, +2 → gain 2, loss 0 → 100 (bar 3
  // is not judged, so that is no Exit yet).
  // Bar 4, close 6: slow = 12 + 0.5·(6 − 12) = 9, fast 6 < 9, before 14 ≥ 12: crosses down.
  //   RSI −8: gain (2 + 0)/2 = 1, loss (0 + 8)/2 = 4 → RS 0.25 → RSI = 100 − 100/1.25 = 20.
  // Bar 4, close 10 instead: slow = 12 + 0.5·(−2) = 11, fast 10 < 11: crosses down.
  //   RSI −4: gain 1, loss 2 → RS 0.5 → RSI = 100 − 100/1.5 = 33.3.
  struct Case {
    double close;
    double oversold;
    double rsi;
    BotSignal expected;
  };
  const std::vector<Case> cases = {
      {6, 30, 20, BotSignal::kNone},                    // 20 < 30: hold (the stop-loss protects)
      {6, 20, 20, BotSignal::kNone},                    // exactly at oversold is not above it
      {6, 19, 20, BotSignal::kExit},                    // 20 > 19
      {10, 30, 100.0 - 100.0 / 1.5, BotSignal::kExit},  // 33.3 > 30
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(testing::Message() << "close " << c.close << " oversold " << c.oversold);
    EmaRsiSignal s(Params(1, 3, 2, c.oversold, 70));
    for (double close : {10.0, 12.0, 14.0}) EXPECT_EQ(s.on_bar(close), BotSignal::kNone);
    EXPECT_FALSE(s.ready());
    EXPECT_EQ(s.on_bar(c.close), c.expected);
    EXPECT_NEAR(s.rsi(), c.rsi, kTolerance);
  }
}

TEST(EmaRsiSignal, IgnoresACrossWhileTheRsiWarmsUpAndDoesNotRememberIt) {
  // RSI(5) needs 6 closes, the EMAs 3: bars 4 and 5 have ready EMAs but are not judged.
  EmaRsiSignal s(Params(1, 3, 5));
  // 9, 12, 9: slow seed 30/3 = 10, fast 9.
  for (double close : {9.0, 12.0, 9.0}) EXPECT_EQ(s.on_bar(close), BotSignal::kNone);
  // Bar 4, close 12: slow = 10 + 0.5·2 = 11; fast 12 > 11, before 9 ≤ 10: a cross up, but the
  // RSI has 3 of its 5 changes: nothing.
  EXPECT_EQ(s.on_bar(12), BotSignal::kNone);
  EXPECT_EQ(s.slow(), 11.0);
  // Bar 5, close 13: slow = 11 + 0.5·2 = 12, fast 13 (no cross); RSI still warming up.
  EXPECT_EQ(s.on_bar(13), BotSignal::kNone);
  EXPECT_FALSE(s.ready());
  // Bar 6, close 12: slow = 12 + 0.5·0 = 12 = fast: no cross either way (not fast < slow).
  // RSI changes +3, −3, +3, +1, −1 → avg_gain 7/5 = 1.4, avg_loss 4/5 = 0.8 → RS 1.75,
  // RSI = 100 − 100/2.75 = 63.6: judged, nothing. The bar-4 cross up is not entered late.
  EXPECT_EQ(s.on_bar(12), BotSignal::kNone);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.slow(), 12.0);
  EXPECT_NEAR(s.rsi(), 100.0 - 100.0 / 2.75, kTolerance);
  // Bar 7, close 11: slow = 12 + 0.5·(−1) = 11.5, fast 11 < 11.5, before 12 ≥ 12 (equal
  // counts): crosses down. RSI −1: gain (1.4·4 + 0)/5 = 1.12, loss (0.8·4 + 1)/5 = 0.84
  // → RS 4/3 → RSI = 100 − 300/7 = 57.1 > 30 → Exit.
  EXPECT_EQ(s.on_bar(11), BotSignal::kExit);
  EXPECT_EQ(s.slow(), 11.5);
  EXPECT_NEAR(s.rsi(), 100.0 - 300.0 / 7.0, kTolerance);
}

TEST(EmaRsiSignal, WithTheDefaultsJudgesFromBarTwentyTwo) {
  // Defaults 9/21/14: the EMAs are ready at bar 21, the RSI at bar 15; bar 22 is the first
  // with a previous ready bar. A flat market: fast = slow, RSI 50, never a signal.
  EmaRsiSignal s{BotParams{}};
  for (int bar = 1; bar <= 21; ++bar) {
    EXPECT_EQ(s.on_bar(100), BotSignal::kNone);
    EXPECT_FALSE(s.ready()) << "bar " << bar;
  }
  EXPECT_EQ(s.on_bar(100), BotSignal::kNone);
  EXPECT_TRUE(s.ready());
  EXPECT_EQ(s.fast(), 100.0);
  EXPECT_EQ(s.slow(), 100.0);
  EXPECT_EQ(s.rsi(), 50.0);
}

TEST(EmaRsiSignal, UsesTheConfiguredPeriods) {
  // ema_fast 3 (α 0.5), ema_slow 7 (α 0.25) on 1..7: fast seed (1 + 2 + 3)/3 = 2, then
  // 4 → 3, 5 → 4, 6 → 5, 7 → 6; slow seed (1 + ... + 7)/7 = 28/7 = 4.
  EmaRsiSignal s(Params(3, 7, 2));
  for (int close = 1; close <= 7; ++close) s.on_bar(close);
  EXPECT_EQ(s.fast(), 6.0);
  EXPECT_EQ(s.slow(), 4.0);
}

}  // namespace
}  // namespace ose
