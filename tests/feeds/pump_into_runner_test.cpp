// A feed thread pumping into a real Runner's tick queue (in one process): every tick is applied
// as an input, and the market table ends on the last tick the source produced.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/runtime/runner.hpp"
#include "feeds/synthetic_walk.hpp"
#include "feeds/tick_pump.hpp"
#include "shm/clock.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

constexpr const char* kConfig = R"(
[engine]
name = "{}"
max_orders = 64
max_positions = 16
journal = false

{}

# A config declares an account (docs/design/0007): this test only needs one to exist.
[[accounts]]
name = "main"
type = "spot"
)";

class WalkSource final : public TickSource {
 public:
  explicit WalkSource(WalkOptions o) : walk_(std::move(o)) {}
  bool next(int64_t& ts_ns, TickCmd& tick) override {
    walk_.next(ts_ns, tick);
    last_ = tick;
    return true;
  }
  TickCmd last_{};

 private:
  SyntheticWalk walk_;
};

TEST(PumpIntoRunner, EveryTickIsAppliedAndTheMarketEndsOnTheLastOne) {
  const std::string name = fmt::format("pf{}", getpid());
  auto config = load_config_string(fmt::format(fmt::runtime(kConfig), name, test::kBtcUsdtSpot),
                                   "<pump test>");
  ASSERT_TRUE(config.ok()) << config.error();
  auto runner = Runner::create(*config, [](const std::string&) {});
  ASSERT_TRUE(runner.ok()) << runner.error();
  Runner& r = **runner;

  WalkOptions o;
  o.seed = 3;
  o.instruments.push_back(
      {0, Price::from_units(30'000), Price::from_e8(1'000'000), Qty::from_e8(10'000'000), 2, 4});
  WalkSource source(o);
  TickPump pump(source, [&](const TickCmd& t) { return r.submit_tick(t); }, {0, 20'000});
  pump.start();
  const int64_t deadline = shm::monotonic_ns() + 30'000'000'000;
  while (r.state().header().inputs_applied < 20'000 && shm::monotonic_ns() < deadline) {
    r.poll_once();
  }
  pump.join();
  EXPECT_EQ(pump.pumped(), 20'000u);
  EXPECT_EQ(r.state().header().inputs_applied, 20'000u);
  const MarketRecord& m = r.state().market(0);
  EXPECT_EQ(m.bid.e8, source.last_.bid.e8);
  EXPECT_EQ(m.ask.e8, source.last_.ask.e8);
  EXPECT_EQ(m.last.e8, source.last_.last.e8);
  EXPECT_EQ(m.mark.e8, (m.bid.e8 + m.ask.e8) / 2) << "mark = mid with both sides";
  runner->reset();
  EXPECT_NE(::access(engine_lock_path(name).c_str(), F_OK), 0) << "the Runner left its lock file";
}

}  // namespace
}  // namespace ose
