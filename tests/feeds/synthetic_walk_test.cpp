// The synthetic market: deterministic per seed, always on the tick grid, bid below ask, never
// at or below zero, and moving no more than the configured step.
#include <gtest/gtest.h>

#include <cstdlib>

#include "feeds/synthetic_walk.hpp"

namespace ose {
namespace {

WalkOptions two_markets(uint64_t seed) {
  WalkOptions o;
  o.seed = seed;
  o.start_ts_ns = 1'700'000'000'000'000'000;
  o.interval_ns = 500'000;
  o.instruments.push_back({0, Price::from_units(30'000), Price::from_e8(1'000'000),
                           Qty::from_e8(50'000'000), 2, 5});  // BTC: 0.01 tick, 0.5 quoted
  o.instruments.push_back({3, Price::from_e8(12'000'000), Price::from_e8(10'000),
                           Qty::from_units(1000), 1, 2});  // DOGE: 0.0001 tick, from 0.12
  return o;
}

TEST(SyntheticWalk, TheSameSeedGivesTheSameTicks) {
  SyntheticWalk a(two_markets(7)), b(two_markets(7)), c(two_markets(8));
  bool differs_from_other_seed = false;
  for (int i = 0; i < 10'000; ++i) {
    int64_t ta = 0, tb = 0, tc = 0;
    TickCmd x, y, z;
    a.next(ta, x);
    b.next(tb, y);
    c.next(tc, z);
    ASSERT_EQ(ta, tb);
    ASSERT_EQ(x.bid.e8, y.bid.e8);
    ASSERT_EQ(x.ask.e8, y.ask.e8);
    ASSERT_EQ(x.last.e8, y.last.e8);
    differs_from_other_seed = differs_from_other_seed || x.bid.e8 != z.bid.e8;
  }
  EXPECT_TRUE(differs_from_other_seed);
}

TEST(SyntheticWalk, TicksAreOnTheGridWithBidBelowAskAndBoundedSteps) {
  SyntheticWalk walk(two_markets(42));
  int64_t prev_bid[2] = {0, 0};
  int64_t ts_prev = 0;
  for (int i = 0; i < 20'000; ++i) {
    int64_t ts = 0;
    TickCmd t;
    walk.next(ts, t);
    const int k = i % 2;
    ASSERT_EQ(t.instrument, k == 0 ? 0 : 3) << "round-robin over the instruments";
    const int64_t tick = k == 0 ? 1'000'000 : 10'000;
    const int64_t spread = k == 0 ? 2 : 1;
    const int64_t max_step = k == 0 ? 5 : 2;
    ASSERT_EQ(t.bid.e8 % tick, 0);
    ASSERT_EQ(t.ask.e8 - t.bid.e8, spread * tick);
    ASSERT_GT(t.bid.e8, 0);
    ASSERT_TRUE(t.last.e8 == t.bid.e8 || t.last.e8 == t.ask.e8);
    if (prev_bid[k] != 0) {
      ASSERT_LE(std::abs(t.bid.e8 - prev_bid[k]), max_step * tick);
    }
    prev_bid[k] = t.bid.e8;
    if (i > 0) {
      ASSERT_EQ(ts - ts_prev, 500'000);
    }
    ts_prev = ts;
  }
}

TEST(SyntheticWalk, StartsAtTheGivenMid) {
  SyntheticWalk walk(two_markets(1));
  int64_t ts = 0;
  TickCmd t;
  walk.next(ts, t);
  EXPECT_EQ(ts, 1'700'000'000'000'000'000);
  // Mid 30000.00 = 3'000'000 ticks of 0.01; spread 2 ticks: bid = mid - 1 tick after the first
  // step of at most 5 ticks.
  EXPECT_LE(std::abs(t.bid.e8 - (Price::from_units(30'000).e8 - 1'000'000)), 5 * 1'000'000);
}

}  // namespace
}  // namespace ose
