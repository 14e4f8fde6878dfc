// The strategy's indicators against numbers worked out by hand: EMA seeded with the simple
// mean, α = 2/(n + 1); Wilder's RSI seeded with simple means of the first n changes, then
// smoothed; a trailing stop that follows the high and fires at high·(1 − callback).
// Where every step is exact in binary (α = 0.5, 0.25; halves and quarters) the test compares
// with EXPECT_EQ; elsewhere with EXPECT_NEAR.
#include <gtest/gtest.h>

#include "ema_rsi/indicators.hpp"

namespace ose {
namespace {

constexpr double kTolerance = 1e-9;

// ---- Ema -----------------------------------------------------------------------------------

TEST(Ema, IsSeededWithTheSimpleMeanThenSmoothsWithTwoOverPeriodPlusOne) {
  // Ema(3): α = 2/(3 + 1) = 0.5. 1, 2, 3 → seed (1 + 2 + 3)/3 = 2;
  // 4 → 2 + 0.5·(4 − 2) = 3; 5 → 3 + 0.5·(5 − 3) = 4.
  Ema ema(3);
  EXPECT_EQ(ema.period(), 3);
  ema.add(1);
  EXPECT_FALSE(ema.ready());
  ema.add(2);
  EXPECT_FALSE(ema.ready());
  ema.add(3);
  ASSERT_TRUE(ema.ready());
  EXPECT_EQ(ema.value(), 2.0);
  ema.add(4);
  EXPECT_EQ(ema.value(), 3.0);
  ema.add(5);
  EXPECT_EQ(ema.value(), 4.0);
}

TEST(Ema, UsesAlphaOneQuarterForPeriodSeven) {
  // Ema(7): α = 2/8 = 0.25. Seven 10s → seed 10; 18 → 10 + 0.25·8 = 12; 4 → 12 + 0.25·(−8) = 10.
  Ema ema(7);
  for (int i = 0; i < 6; ++i) ema.add(10);
  EXPECT_FALSE(ema.ready());
  ema.add(10);
  ASSERT_TRUE(ema.ready());
  EXPECT_EQ(ema.value(), 10.0);
  ema.add(18);
  EXPECT_EQ(ema.value(), 12.0);
  ema.add(4);
  EXPECT_EQ(ema.value(), 10.0);
}

TEST(Ema, SmoothsWithAnInexactAlpha) {
  // Ema(4): α = 2/5 = 0.4. 2, 4, 6, 8 → seed 20/4 = 5; 10 → 5 + 0.4·5 = 7;
  // 0 → 7 + 0.4·(−7) = 7 − 2.8 = 4.2.
  Ema ema(4);
  for (double x : {2.0, 4.0, 6.0, 8.0}) ema.add(x);
  EXPECT_EQ(ema.value(), 5.0);
  ema.add(10);
  EXPECT_NEAR(ema.value(), 7.0, kTolerance);
  ema.add(0);
  EXPECT_NEAR(ema.value(), 4.2, kTolerance);
}

TEST(Ema, OfPeriodOneIsTheLastValue) {
  // α = 2/2 = 1: value = value + (x − value) = x.
  Ema ema(1);
  ema.add(7);
  ASSERT_TRUE(ema.ready());
  EXPECT_EQ(ema.value(), 7.0);
  ema.add(3);
  EXPECT_EQ(ema.value(), 3.0);
}

TEST(Ema, TakesAPeriodBelowOneAsOne) {
  Ema ema(0);
  EXPECT_EQ(ema.period(), 1);
  ema.add(5);
  EXPECT_TRUE(ema.ready());
  EXPECT_EQ(ema.value(), 5.0);
}

// ---- Rsi -----------------------------------------------------------------------------------

TEST(Rsi, SeedsWithSimpleMeansThenUsesWildersSmoothing) {
  // Rsi(3) on 10, 12, 11, 14, 13, 16.
  // Changes +2, −1, +3 → gains 2, 0, 3: avg_gain = 5/3; losses 0, 1, 0: avg_loss = 1/3.
  //   RS = 5, RSI = 100 − 100/6 = 83.33...
  // 13 (−1): avg_gain = (5/3·2 + 0)/3 = 10/9, avg_loss = (1/3·2 + 1)/3 = 5/9.
  //   RS = 2, RSI = 100 − 100/3 = 66.66...
  // 16 (+3): avg_gain = (10/9·2 + 3)/3 = 47/27, avg_loss = (5/9·2 + 0)/3 = 10/27.
  //   RS = 4.7, RSI = 100 − 100/5.7 = 82.456...
  Rsi rsi(3);
  for (double p : {10.0, 12.0, 11.0}) {
    rsi.add(p);
    EXPECT_FALSE(rsi.ready()) << "needs period + 1 = 4 prices";
    EXPECT_EQ(rsi.value(), 50.0) << "neutral before ready";
  }
  rsi.add(14);
  ASSERT_TRUE(rsi.ready());
  EXPECT_NEAR(rsi.value(), 100.0 - 100.0 / 6.0, kTolerance);
  rsi.add(13);
  EXPECT_NEAR(rsi.value(), 100.0 - 100.0 / 3.0, kTolerance);
  rsi.add(16);
  EXPECT_NEAR(rsi.value(), 100.0 - 100.0 / 5.7, kTolerance);
}

TEST(Rsi, GoesFromZeroToEightyOnASharpRise) {
  // Rsi(2) on 10, 8, 8, 12, 11.
  // Changes −2, 0: avg_gain = 0, avg_loss = 2/2 = 1 → RS = 0, RSI = 0.
  // 12 (+4): avg_gain = (0·1 + 4)/2 = 2, avg_loss = (1·1 + 0)/2 = 0.5 → RS = 4, RSI = 80.
  // 11 (−1): avg_gain = (2 + 0)/2 = 1, avg_loss = (0.5 + 1)/2 = 0.75 → RS = 4/3,
  //   RSI = 100 − 100/(7/3) = 100 − 300/7 = 57.14...
  Rsi rsi(2);
  for (double p : {10.0, 8.0, 8.0}) rsi.add(p);
  ASSERT_TRUE(rsi.ready());
  EXPECT_EQ(rsi.value(), 0.0);
  rsi.add(12);
  EXPECT_EQ(rsi.value(), 80.0);
  rsi.add(11);
  EXPECT_NEAR(rsi.value(), 100.0 - 300.0 / 7.0, kTolerance);
}

TEST(Rsi, IsOneHundredWithoutLossesAndFiftyWhenFlat) {
  Rsi rising(3), flat(3), falling(3);
  for (double p : {1.0, 2.0, 3.0, 4.0}) rising.add(p);   // gains only: avg_loss = 0, avg_gain 1
  for (double p : {5.0, 5.0, 5.0, 5.0}) flat.add(p);     // both averages 0
  for (double p : {4.0, 3.0, 2.0, 1.0}) falling.add(p);  // avg_gain = 0, avg_loss = 1 → RS 0
  EXPECT_EQ(rising.value(), 100.0);
  EXPECT_EQ(flat.value(), 50.0);
  EXPECT_EQ(falling.value(), 0.0);
}

TEST(Rsi, OfPeriodOneFollowsTheLastChangeAlone) {
  // Rsi(1): avg = (avg·0 + current)/1 = the current gain or loss.
  Rsi rsi(1);
  rsi.add(10);
  EXPECT_FALSE(rsi.ready());
  rsi.add(11);  // +1: gain 1, loss 0 → 100
  ASSERT_TRUE(rsi.ready());
  EXPECT_EQ(rsi.value(), 100.0);
  rsi.add(9);  // −2: gain 0, loss 2 → 0
  EXPECT_EQ(rsi.value(), 0.0);
  rsi.add(9);  // 0: both 0 → 50
  EXPECT_EQ(rsi.value(), 50.0);
}

// ---- TrailingStop --------------------------------------------------------------------------

// Callback 0.25 keeps every level exact in binary: 100·0.75 = 75, 120·0.75 = 90.
TEST(TrailingStop, FollowsTheHighAndFiresAtTheCallbackBelowIt) {
  TrailingStop ts(0.25);
  EXPECT_FALSE(ts.armed());
  EXPECT_FALSE(ts.update(1.0)) << "not armed: never fires";
  EXPECT_EQ(ts.stop(), 0.0);

  ts.arm(100);
  EXPECT_TRUE(ts.armed());
  EXPECT_EQ(ts.high(), 100.0);
  EXPECT_EQ(ts.stop(), 75.0);    // 100·(1 − 0.25)
  EXPECT_FALSE(ts.update(90));   // 90 > 75
  EXPECT_EQ(ts.high(), 100.0);   // a lower price does not move the high
  EXPECT_FALSE(ts.update(120));  // new high
  EXPECT_EQ(ts.high(), 120.0);
  EXPECT_EQ(ts.stop(), 90.0);   // 120·0.75
  EXPECT_FALSE(ts.update(95));  // 95 > 90
  EXPECT_TRUE(ts.update(90));   // at the stop: fires
  EXPECT_TRUE(ts.armed()) << "stays armed until the caller disarms";
  EXPECT_TRUE(ts.update(89));  // fires again while armed
  ts.disarm();
  EXPECT_FALSE(ts.armed());
  EXPECT_FALSE(ts.update(10));
}

TEST(TrailingStop, FiresBelowTheEntryWhenThePriceNeverRose) {
  TrailingStop ts(0.5);
  ts.arm(100);  // stop 50
  EXPECT_FALSE(ts.update(50.5));
  EXPECT_TRUE(ts.update(50));
}

TEST(TrailingStop, RearmingStartsFromTheNewEntry) {
  TrailingStop ts(0.25);
  ts.arm(100);
  EXPECT_FALSE(ts.update(200));  // high 200, stop 150
  ts.disarm();
  ts.arm(50);
  EXPECT_EQ(ts.high(), 50.0);
  EXPECT_EQ(ts.stop(), 37.5);  // 50·0.75
  EXPECT_FALSE(ts.update(40));
  EXPECT_TRUE(ts.update(37.5));
}

TEST(TrailingStop, WithCallbackZeroNeverFires) {
  TrailingStop ts(0.0);
  ts.arm(100);
  EXPECT_FALSE(ts.update(150));
  EXPECT_EQ(ts.high(), 150.0) << "the high is still tracked";
  EXPECT_FALSE(ts.update(1));
  EXPECT_EQ(ts.stop(), 0.0) << "no stop level";
}

}  // namespace
}  // namespace ose
