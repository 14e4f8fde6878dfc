// The command-latency histogram (engine/layout/command_latency.hpp): its log2 buckets, counts
// and quantiles against values worked out by hand, and the Runner counting exactly the stamped
// commands it answered, ignoring unstamped and future stamps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <limits>

#include <fmt/format.h>

#include "engine/client/client.hpp"
#include "engine/formats/config.hpp"
#include "engine/layout/command_latency.hpp"
#include "engine/runtime/runner.hpp"
#include "shm/clock.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

TEST(CommandLatency, BucketBoundsArePowersOfTwoFrom128Ns) {
  EXPECT_EQ(latency_bucket_bound_ns(0), 128u);
  EXPECT_EQ(latency_bucket_bound_ns(3), 1024u);
  EXPECT_EQ(latency_bucket_bound_ns(kLatencyBuckets - 1), 17'179'869'184u);  // 2^34 ns
}

TEST(CommandLatency, EachLatencyFallsInTheBucketWhoseBoundIsTheFirstAtOrAboveIt) {
  EXPECT_EQ(latency_bucket(0), 0);
  EXPECT_EQ(latency_bucket(1), 0);
  EXPECT_EQ(latency_bucket(128), 0);  // bounds are inclusive (Prometheus' le)
  EXPECT_EQ(latency_bucket(129), 1);  // (128, 256]
  EXPECT_EQ(latency_bucket(256), 1);
  EXPECT_EQ(latency_bucket(257), 2);
  EXPECT_EQ(latency_bucket(1000), 3);  // (512, 1024]
  EXPECT_EQ(latency_bucket(1024), 3);
  EXPECT_EQ(latency_bucket(1025), 4);
  EXPECT_EQ(latency_bucket(17'179'869'184u), kLatencyBuckets - 1);
  EXPECT_EQ(latency_bucket(17'179'869'185u), kLatencyBuckets);  // above the last bound
  EXPECT_EQ(latency_bucket(std::numeric_limits<uint64_t>::max()), kLatencyBuckets);
}

TEST(CommandLatency, CountsSumMaxAndBucketsOfAHandfulOfLatencies) {
  LatencyCounts c{};
  for (int64_t ns : {100, 300, 300, 1000, 5000}) EXPECT_TRUE(record_latency(c, ns));
  EXPECT_FALSE(record_latency(c, -5));  // a stamp in the future: counted nowhere
  EXPECT_EQ(c.count, 5u);
  EXPECT_EQ(c.sum_ns, 6700u);
  EXPECT_EQ(c.max_ns, 5000u);
  EXPECT_EQ(c.buckets[0], 1u);  // 100
  EXPECT_EQ(c.buckets[1], 0u);
  EXPECT_EQ(c.buckets[2], 2u);  // 300, 300 in (256, 512]
  EXPECT_EQ(c.buckets[3], 1u);  // 1000 in (512, 1024]
  EXPECT_EQ(c.buckets[6], 1u);  // 5000 in (4096, 8192]
  uint64_t total = 0;
  for (uint64_t b : c.buckets) total += b;
  EXPECT_EQ(total, c.count);
}

TEST(CommandLatency, QuantilesAreTheBoundOfTheRanksBucketCappedAtTheMax) {
  LatencyCounts c{};
  EXPECT_EQ(latency_quantile_ns(c, 500), 0u);  // nothing counted
  for (int64_t ns : {100, 300, 300, 1000, 5000}) record_latency(c, ns);
  // p50: rank ceil(5 · 0.5) = 3; cumulative 1, 1, 3 → bucket 2, bound 512.
  EXPECT_EQ(latency_quantile_ns(c, 500), 512u);
  // p99: rank ceil(4.95) = 5 → bucket 6, bound 8192, above the max 5000 → 5000.
  EXPECT_EQ(latency_quantile_ns(c, 990), 5000u);
  // p0 is rank 1: bucket 0, bound 128.
  EXPECT_EQ(latency_quantile_ns(c, 0), 128u);

  LatencyCounts one{};
  record_latency(one, 100);
  EXPECT_EQ(latency_quantile_ns(one, 500), 100u);  // bound 128 capped at the max

  LatencyCounts slow{};
  record_latency(slow, int64_t{1} << 40);  // above the last bound
  EXPECT_EQ(slow.buckets[kLatencyBuckets], 1u);
  EXPECT_EQ(latency_quantile_ns(slow, 500), uint64_t{1} << 40);

  LatencyCounts huge{};  // a rank that count · permille would overflow
  huge.count = huge.buckets[0] = uint64_t{1} << 63;
  huge.max_ns = 64;
  EXPECT_EQ(latency_quantile_ns(huge, 990), 64u);
}

// ---- the Runner ----------------------------------------------------------------------------

std::string latency_config(const std::string& name) {
  return test::with_btcusdt_spot(fmt::format(R"(
[engine]
name = "{}"
max_orders = 64
max_positions = 16
journal = false
)",
                                             name),
                                 R"(
[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000", BTC = "1" }

[[strategies]]
name = "ema1"
account = "main"

[[clients]]
name = "ema1"
accounts = ["main"]

[[clients]]
name = "raw"
accounts = ["main"]
)");
}

LatencyCounts read_histogram(Runner& r) {
  LatencyCounts c{};
  EXPECT_TRUE(r.segment().header().command_latency.load(c));
  return c;
}

TEST(CommandLatency, TheRunnerCountsEveryStampedCommandAndNothingElse) {
  const std::string name = fmt::format("lat{}", getpid());
  auto config = load_config_string(latency_config(name), "<latency test>");
  ASSERT_TRUE(config.ok()) << (config.ok() ? "" : config.error());
  auto runner = Runner::create(*config, [](const std::string&) {});
  ASSERT_TRUE(runner.ok()) << (runner.ok() ? "" : runner.error());
  Runner& r = **runner;
  auto client = Client::attach(name, "ema1");
  ASSERT_TRUE(client.ok()) << (client.ok() ? "" : client.error());
  auto raw = ClientLine::attach(name, "raw");
  ASSERT_TRUE(raw.ok()) << (raw.ok() ? "" : raw.error());
  EXPECT_EQ(read_histogram(r).count, 0u);

  // Three commands through the client library: stamped. Cancels of unknown orders are answered
  // (a reject) like any other command.
  const int64_t before = shm::monotonic_ns();
  for (uint64_t cl_id = 1; cl_id <= 3; ++cl_id) ASSERT_NE(client->cancel(cl_id), 0u);
  for (int i = 0; i < 4; ++i) r.poll_once();
  const int64_t after = shm::monotonic_ns();
  LatencyCounts c = read_histogram(r);
  EXPECT_EQ(c.count, 3u);
  EXPECT_LE(c.max_ns, static_cast<uint64_t>(after - before));
  EXPECT_LE(c.sum_ns, 3 * static_cast<uint64_t>(after - before));

  // Raw records: unstamped (0, an older producer) and stamped an hour in the future (garbage).
  // Both are applied and answered; neither is counted.
  for (const int64_t stamp : {int64_t{0}, shm::monotonic_ns() + 3'600'000'000'000}) {
    CommandRecord rec{};
    rec.cmd = make_command(Op::kCancel);
    rec.cmd.cancel.client = raw->index();
    rec.cmd.cancel.cl_id = 9;
    rec.sent_mono_ns = stamp;
    ASSERT_EQ(raw->commands().try_push(&rec, sizeof rec), shm::RingStatus::kOk);
  }
  for (int i = 0; i < 4; ++i) r.poll_once();
  // Relaxed: a monitoring counter, read after the Runner's pass on this thread.
  EXPECT_EQ(r.segment().client_status(raw->index()).commands.load(std::memory_order_relaxed), 2u);
  EXPECT_EQ(read_histogram(r).count, 3u);
}

}  // namespace
}  // namespace ose
