// The `persistence` input: the Runner's record that the journal stopped or resumed (it is an
// input so that replay reproduces the PERSISTENCE_STOPPED rejects exactly).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "engine/formats/scenario_writer.hpp"
#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

// The shared BTCUSDT spot market; the orders (0.01 BTC at 1000 USDT) are inside its limits.
const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "persist"
max_orders = 16
max_positions = 16
)toml",
                                                    R"toml(
[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "10000", BTC = "5" }

[[strategies]]
name = "s"
account = "main"

[[clients]]
name = "s"
accounts = ["main"]

[[clients]]
name = "ops"
role = "admin"
accounts = ["main"]
)toml");

std::string buy(int cl_id) {
  return fmt::format(
      R"({{"op":"new_order","client":"s","cl_id":{},"account":"main","strategy":"s",)"
      R"("symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.01","price":"1000"}})",
      cl_id);
}

TEST(PersistenceInput, StoppedRejectsNewOrdersButCancelsAndVenueReportsStillApply) {
  test::Harness h(kConfig);
  h.feed(buy(1));
  h.feed(R"({"op":"ack","client":"s","cl_id":1})");
  const auto stopped = h.feed(R"({"op":"persistence","available":false})");
  EXPECT_EQ(test::alert_reason(stopped), "PERSISTENCE_STOPPED");
  EXPECT_EQ(h.state().header().persistence_stopped, 1);

  EXPECT_EQ(test::reject_reason(h.feed(buy(2))), "PERSISTENCE_STOPPED");
  const OrderRecord* refused = h.order("s", 2);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->status, OrderStatus::kRejected);
  // 10000 USDT less the 10 locked by order 1 (0.01 × 1000): order 2 locked nothing.
  EXPECT_EQ(h.free("main", "USDT"), Amount::from_units(9990));

  EXPECT_EQ(test::reject_reason(h.feed(R"({"op":"cancel","client":"s","cl_id":1})")),
            test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(R"({"op":"cancel_ack","client":"s","cl_id":1})")),
            test::kNotRejected);
  EXPECT_EQ(h.order("s", 1)->status, OrderStatus::kCancelled);
  EXPECT_EQ(h.free("main", "USDT"), Amount::from_units(10000));

  const auto resumed = h.feed(R"({"op":"persistence","available":true})");
  EXPECT_EQ(test::alert_reason(resumed), "PERSISTENCE_RESUMED");
  EXPECT_EQ(test::reject_reason(h.feed(buy(3))), test::kNotRejected);
}

TEST(PersistenceInput, HaltedComesBeforePersistenceStopped) {
  test::Harness h(kConfig);
  h.feed(R"({"op":"persistence","available":false})");
  h.feed(R"({"op":"halt","scope":"global"})");
  EXPECT_EQ(test::reject_reason(h.feed(buy(1))), "HALTED");
}

TEST(PersistenceInput, RepeatingTheSameVerdictRaisesNoSecondAlert) {
  test::Harness h(kConfig);
  EXPECT_TRUE(h.feed(R"({"op":"persistence","available":true})").empty());
  h.feed(R"({"op":"persistence","available":false})");
  EXPECT_TRUE(h.feed(R"({"op":"persistence","available":false})").empty());
  EXPECT_EQ(h.state().header().alerts[static_cast<int>(AlertReason::kPersistenceStopped)], 1u);
}

TEST(PersistenceInput, OnlyTheEngineMayIssueIt) {
  test::Harness h(kConfig);
  const auto from_admin = h.feed(R"({"op":"persistence","available":false,"source":"ops"})");
  EXPECT_EQ(test::reject_reason(from_admin), "MALFORMED");
  EXPECT_EQ(h.state().header().persistence_stopped, 0);
}

TEST(PersistenceInput, TheInputLogWritesItAsAReadableLine) {
  test::Harness h(kConfig);
  Input in{};
  in.seq = 1;
  in.ts = 5;
  in.source = kEngineSource;
  in.cmd = make_command(Op::kPersistence);
  in.cmd.persistence.available = 0;
  EXPECT_EQ(scenario_line_of(h.state(), in), R"({"available":false,"op":"persistence","ts":5})");
}

}  // namespace
}  // namespace ose
