// The feed thread: every tick of the source reaches the sink in order, the limit holds, a sink
// that refuses is retried, and pacing never runs ahead of the source's clock.
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "feeds/synthetic_walk.hpp"
#include "feeds/tick_pump.hpp"
#include "shm/clock.hpp"

namespace ose {
namespace {

class WalkSource final : public TickSource {
 public:
  explicit WalkSource(int64_t interval_ns) : walk_(options(interval_ns)) {}
  bool next(int64_t& ts_ns, TickCmd& tick) override {
    walk_.next(ts_ns, tick);
    return true;
  }

 private:
  static WalkOptions options(int64_t interval_ns) {
    WalkOptions o;
    o.interval_ns = interval_ns;
    o.instruments.push_back(
        {0, Price::from_units(100), Price::from_e8(1'000'000), Qty::from_units(1), 1, 3});
    return o;
  }
  SyntheticWalk walk_;
};

TEST(TickPump, DeliversEveryTickInOrderUpToTheLimit) {
  WalkSource source(1'000);
  WalkSource reference(1'000);
  std::vector<TickCmd> got;
  int refusals = 0;
  TickPump pump(source,
                [&](const TickCmd& t) {
                  if (got.size() == 10 && refusals < 3) {  // a full queue, three times
                    ++refusals;
                    return false;
                  }
                  got.push_back(t);
                  return true;
                },
                {0, 5000});
  pump.start();
  pump.join();
  EXPECT_TRUE(pump.finished());
  EXPECT_EQ(pump.pumped(), 5000u);
  ASSERT_EQ(got.size(), 5000u);
  EXPECT_EQ(refusals, 3);
  for (const TickCmd& t : got) {
    int64_t ts = 0;
    TickCmd want;
    reference.next(ts, want);
    ASSERT_EQ(t.bid.e8, want.bid.e8);
    ASSERT_EQ(t.ask.e8, want.ask.e8);
  }
}

TEST(TickPump, RealTimePacingNeverRunsAhead) {
  // 21 ticks 1 ms apart in source time, at speed 2: at least 10 ms of wall time.
  WalkSource source(1'000'000);
  std::vector<int64_t> arrivals;
  TickPump pump(source,
                [&](const TickCmd&) {
                  arrivals.push_back(shm::monotonic_ns());
                  return true;
                },
                {2.0, 21});
  pump.start();
  pump.join();
  ASSERT_EQ(arrivals.size(), 21u);
  EXPECT_GE(arrivals.back() - arrivals.front(), 10'000'000);
}

TEST(TickPump, StopEndsAnEndlessSource) {
  WalkSource source(1'000'000);
  uint64_t seen = 0;
  TickPump pump(source,
                [&](const TickCmd&) {
                  ++seen;
                  return true;
                },
                {1.0, UINT64_MAX});
  pump.start();
  pump.stop();
  pump.join();
  EXPECT_TRUE(pump.finished());
  EXPECT_EQ(pump.pumped(), seen);
}

}  // namespace
}  // namespace ose
