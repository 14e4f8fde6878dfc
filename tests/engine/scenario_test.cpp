// The scenario line format (DESIGN §8): structural problems are parse errors with a message a
// person can act on; unknown names are not (apply() rejects them with UNKNOWN_*).
#include <gtest/gtest.h>

#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"

namespace ose {
namespace {

// The fewest keys a market needs, not tests/support/btcusdt_spot.hpp: these cases are about the
// line format, not the market's rules.
constexpr const char* kConfig = R"(
[engine]
name = "scenario"
max_orders = 64
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
[[accounts]]
name = "main"
[[strategies]]
name = "s1"
account = "main"
[[clients]]
name = "c1"
accounts = ["main"]
)";

class ScenarioLines : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = load_config_string(kConfig, "<test>");
    ASSERT_TRUE(config) << config.error();
    auto s = State::create(*config);
    ASSERT_TRUE(s) << s.error();
    state_.emplace(std::move(*s));
  }
  Result<ScenarioLine> parse(std::string_view line, int64_t prev_ts = 0) {
    return parse_scenario_line(*state_, line, prev_ts);
  }
  std::string error_of(std::string_view line) {
    auto r = parse(line);
    return r ? std::string("<parsed>") : r.error();
  }
  std::optional<State> state_;
};

TEST_F(ScenarioLines, ParsesANewOrderIntoIndicesAndFixedPoint) {
  auto r = parse(
      R"({"op":"new_order","client":"c1","cl_id":7,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"sell","type":"limit","tif":"gtd","qty":"0.5","price":"30000.5","expire_ts":99,"post_only":true})");
  ASSERT_TRUE(r) << r.error();
  const NewOrderCmd& n = r->cmd.new_order;
  EXPECT_EQ(r->cmd.op, Op::kNewOrder);
  EXPECT_EQ(n.client, 0);
  EXPECT_EQ(n.cl_id, 7u);
  EXPECT_EQ(n.instrument, 0);
  EXPECT_EQ(n.side, static_cast<uint8_t>(Side::kSell));
  EXPECT_EQ(n.tif, static_cast<uint8_t>(Tif::kGtd));
  EXPECT_EQ(n.qty.e8, 50'000'000);
  EXPECT_EQ(n.price.e8, 3'000'050'000'000);
  EXPECT_EQ(n.expire_ts, 99);
  EXPECT_EQ(n.flags, kFlagPostOnly);
}

TEST_F(ScenarioLines, DefaultsTheTimestampToOneMillisecondAfterThePreviousLine) {
  auto r = parse(R"({"op":"timer"})", 5'000'000);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->ts, 6'000'000);
  auto explicit_ts = parse(R"({"op":"timer","ts":42})", 5'000'000);
  ASSERT_TRUE(explicit_ts);
  EXPECT_EQ(explicit_ts->ts, 42);
}

TEST_F(ScenarioLines, PassesUnknownNamesOnAsNoIndex) {
  auto r = parse(
      R"({"op":"new_order","client":"c1","cl_id":1,"account":"nobody","strategy":"s9","symbol":"DOGE","side":"buy","type":"market","qty":"1"})");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->cmd.new_order.account, kNoIndex);
  EXPECT_EQ(r->cmd.new_order.strategy, kNoIndex);
  EXPECT_EQ(r->cmd.new_order.instrument, kNoIndex);
}

TEST_F(ScenarioLines, NamesAnOrderByEngineIdOrByClientAndClId) {
  auto by_id = parse(R"({"op":"cancel","order_id":4294967296})");
  ASSERT_TRUE(by_id) << by_id.error();
  EXPECT_EQ(by_id->cmd.cancel.order_id, 4294967296u);
  auto by_cl = parse(R"({"op":"cancel","client":"c1","cl_id":"18446744073709551615"})");
  ASSERT_TRUE(by_cl) << by_cl.error();
  EXPECT_EQ(by_cl->cmd.cancel.client, 0);
  EXPECT_EQ(by_cl->cmd.cancel.cl_id, 18446744073709551615u);
}

TEST_F(ScenarioLines, RefusesStructuralProblemsWithAClearMessage) {
  EXPECT_EQ(error_of("{oops"), "not valid JSON");
  EXPECT_EQ(error_of("[1]"), "expected a JSON object");
  EXPECT_EQ(error_of(R"({"ts":1})"), "missing field \"op\"");
  EXPECT_EQ(error_of(R"({"op":"launch"})"), "unknown op 'launch'");
  EXPECT_EQ(error_of(R"({"op":"deposit","account":"main","asset":"USDT","amount":10})"),
            "field \"amount\" must be a decimal string like \"0.01\"");
  EXPECT_EQ(error_of(R"({"op":"deposit","account":"main","asset":"USDT","amount":"1.123456789"})"),
            "field \"amount\": '1.123456789' is not a decimal with at most 8 fraction digits");
  EXPECT_EQ(error_of(R"({"op":"deposit","account":"main","asset":"USDT","amount":"1","memo":"x"})"),
            "unknown field \"memo\"");
  EXPECT_EQ(error_of(R"({"op":"tick","symbol":"BTCUSDT"})"),
            "a tick needs at least one of bid, ask, last, bid_qty, ask_qty, volume");
  EXPECT_EQ(error_of(R"({"op":"cancel","client":"c1","cl_id":-3})"),
            "field \"cl_id\" must be a non-negative integer");
  EXPECT_EQ(error_of(R"({"op":"cancel","client":"c1","cl_id":"99999999999999999999"})"),
            "field \"cl_id\" must be a non-negative integer");
  EXPECT_EQ(error_of(R"({"op":"set_strategy","strategy":"s1","state":"asleep"})"),
            "field \"state\": 'asleep' is not one of running, paused, stopped");
  EXPECT_EQ(
      error_of(
          R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"1","price":"1","fee":"0.1"})"),
      "a fee needs \"fee_asset\"");
  EXPECT_EQ(error_of(R"({"op":"timer","source":"ghost"})"), "unknown source client 'ghost'");
  EXPECT_EQ(error_of(R"({"op":"amend","client":"c1","cl_id":1})"),
            "amend needs \"qty\" or \"price\"");
  EXPECT_EQ(error_of(R"({"op":"cancel_all","symbol":"NOPE"})"),
            "cancel_all names an unknown account, strategy or symbol");
}

TEST_F(ScenarioLines, SurvivesArbitraryBytes) {
  const std::string junk[] = {
      std::string("\0\xff\xfe", 3),       "{\"op\":", "{}", "null", "\"op\"", "{\"op\":null}",
      "{\"op\":\"new_order\",\"qty\":{}}"};
  for (const auto& line : junk) EXPECT_FALSE(parse(line)) << line;
}

}  // namespace
}  // namespace ose
