// Idle-mode configuration words and the clocks heartbeats and timeouts use.
#include <gtest/gtest.h>

#include <cstdint>

#include "shm/clock.hpp"
#include "shm/idle.hpp"

namespace ose::shm {
namespace {

TEST(IdleMode, ParsesTheThreeConfigWords) {
  IdleMode mode = IdleMode::kSpin;
  ASSERT_TRUE(parse_idle_mode("sleep", mode));
  EXPECT_EQ(mode, IdleMode::kSpinYieldSleep);
  ASSERT_TRUE(parse_idle_mode("yield", mode));
  EXPECT_EQ(mode, IdleMode::kSpinYield);
  ASSERT_TRUE(parse_idle_mode("spin", mode));
  EXPECT_EQ(mode, IdleMode::kSpin);
}

TEST(IdleMode, RejectsOtherWordsAndLeavesTheModeAlone) {
  IdleMode mode = IdleMode::kSpinYield;
  EXPECT_FALSE(parse_idle_mode("", mode));
  EXPECT_FALSE(parse_idle_mode("Spin", mode));
  EXPECT_FALSE(parse_idle_mode("sleepy", mode));
  EXPECT_EQ(mode, IdleMode::kSpinYield);
}

TEST(Clock, MonotonicNeverGoesBackAndWallClockIsAfter2020) {
  int64_t last = monotonic_ns();
  for (int i = 0; i < 1000; ++i) {
    const int64_t now = monotonic_ns();
    ASSERT_GE(now, last);
    last = now;
  }
  EXPECT_GT(wall_clock_ns(), int64_t{1'577'836'800} * 1'000'000'000);  // 2020-01-01T00:00:00Z
}

}  // namespace
}  // namespace ose::shm
