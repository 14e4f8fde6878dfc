// Reject reasons (DESIGN §5, docs/design/0001 "New-order checks"): every reason is produced by
// some input; an order failing two checks is rejected with the one that comes first in the
// DESIGN §5 order; rejected orders are stored unless their (client, cl_id) is taken; daily
// limits reset at 00:00 UTC of input time and the rate limit refills with input time.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/engine/test_support.hpp"

namespace ose {
namespace {

using nlohmann::json;
using test::Harness;
using test::kDay;
using test::kDayStart;
using test::kSecond;

// Spot BTCUSDT (its own, not tests/support/btcusdt_spot.hpp): step 0.001 but min_qty 0.002 (so
// QTY_BELOW_MIN and QTY_STEP can be told apart), min_notional 10. A linear perpetual for margin.
// Strategy "alpha" has no limits to speak of; "tight" has small ones; client "burst" may place 2
// orders per second.
constexpr std::string_view kConfig = R"toml(
[engine]
name = "rejects"
max_orders = 64
max_positions = 64

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_qty = "0.002"
max_qty = "10"
min_notional = "10"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0.05"

[[instruments]]
symbol = "BTCPERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
min_qty = "0.001"
max_qty = "100"
min_notional = "5"
max_leverage = 20
maintenance_margin = "0.004"
price_band = "0.05"

[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "10000", BTC = "5" }

[[accounts]]
name = "fut"
type = "futures"
leverage = 10
balances = { USDT = "1000" }

[[accounts]]
name = "poor"
type = "spot"
balances = { USDT = "1" }

[[strategies]]
name = "alpha"
account = "main"

[[strategies]]
name = "tight"
account = "main"
max_open_orders = 2
max_position = "2"
max_order_notional = "5000"
max_daily_loss = "10"
max_daily_trades = 3

[[strategies]]
name = "perp"
account = "fut"

[[strategies]]
name = "pauper"
account = "poor"

[[clients]]
name = "alpha"
role = "strategy"
accounts = ["main", "fut", "poor"]

[[clients]]
name = "burst"
role = "strategy"
accounts = ["main"]
rate_limit = 2

[[clients]]
name = "outsider"
role = "strategy"
accounts = ["poor"]
)toml";

// The same config with room for two orders only.
std::string small_table_config() {
  std::string c(kConfig);
  const std::string from = "max_orders = 64";
  c.replace(c.find(from), from.size(), "max_orders = 2");
  return c;
}

// A scenario line: `base` with `changes` merged in (a null value removes a key).
std::string line(json base, const json& changes) {
  if (changes.is_object()) base.merge_patch(changes);
  return base.dump();
}

// 0.1 BTC at 100: notional 10, exactly min_notional. Accepted on a fresh state.
std::string order(const json& changes = json::object()) {
  return line({{"op", "new_order"},
               {"client", "alpha"},
               {"cl_id", 1},
               {"account", "main"},
               {"strategy", "alpha"},
               {"symbol", "BTCUSDT"},
               {"side", "buy"},
               {"type", "limit"},
               {"tif", "gtc"},
               {"qty", "0.1"},
               {"price", "100"}},
              changes);
}
std::string tight(const json& changes) {
  json c = {{"strategy", "tight"}};
  c.merge_patch(changes);
  return order(c);
}
std::string ack(int cl_id, const char* client = "alpha") {
  return line({{"op", "ack"}, {"client", client}, {"cl_id", cl_id}}, nullptr);
}
std::string fill(int cl_id, int trade_id, const char* qty, const char* price) {
  return line({{"op", "fill"},
               {"client", "alpha"},
               {"cl_id", cl_id},
               {"trade_id", trade_id},
               {"qty", qty},
               {"price", price}},
              nullptr);
}
std::string tick_at_100() {
  return R"({"op":"tick","symbol":"BTCUSDT","bid":"100","ask":"100"})";  // mark 100
}
std::string halt(const char* scope, const char* name = nullptr) {
  json j = {{"op", "halt"}, {"scope", scope}};
  if (name != nullptr) j["name"] = name;
  return j.dump();
}
std::string set_strategy(const char* name, const char* state) {
  return line({{"op", "set_strategy"}, {"strategy", name}, {"state", state}}, nullptr);
}

constexpr int64_t kT1 = kDayStart + kSecond;

// Strategy "tight" loses 10 USDT today: buys 2 at 100, sells 1 at 90 (realized 1 × (90 − 100)),
// no fees. Two fills, position +1, no open orders.
std::vector<std::string> tight_loses_ten() {
  return {tight({{"cl_id", 1}, {"qty", "2"}}),
          ack(1),
          fill(1, 1, "2", "100"),
          tight({{"cl_id", 2}, {"side", "sell"}, {"qty", "1"}, {"price", "90"}}),
          ack(2),
          fill(2, 2, "1", "90")};
}

// Strategy "tight" makes its 3 trades of the day: a buy of 0.3 filled in three parts.
std::vector<std::string> tight_trades_three_times() {
  return {tight({{"cl_id", 1}, {"qty", "0.3"}}), ack(1), fill(1, 1, "0.1", "100"),
          fill(1, 2, "0.1", "100"), fill(1, 3, "0.1", "100")};
}

enum class Table { kNormal, kTwoSlots };

struct RejectCase {
  const char* name;
  std::vector<std::string> setup;
  std::string input;
  const char* reason;
  bool stored;  // for a new order: kept in the table as `rejected` with that reason
  Table table = Table::kNormal;
};

class Rejects : public ::testing::TestWithParam<RejectCase> {};

TEST_P(Rejects, NameTheExpectedReason) {
  const RejectCase& p = GetParam();
  Harness h(p.table == Table::kNormal ? std::string(kConfig) : small_table_config());
  for (const std::string& l : p.setup) {
    ASSERT_EQ(test::reject_reason(h.feed(l)), test::kNotRejected) << "setup line rejected: " << l;
  }
  const uint32_t slots_before = h.state().header().next_unused_slot;
  const auto reason = parse_reject_reason(p.reason);
  ASSERT_TRUE(reason.has_value()) << p.reason;
  const uint64_t count_before = h.state().header().rejects[static_cast<int>(*reason)];

  const auto events = h.feed(p.input);

  EXPECT_EQ(test::reject_reason(events), p.reason);
  EXPECT_EQ(test::of_type(events, EventType::kRejected).size(), 1u);
  EXPECT_EQ(h.state().header().rejects[static_cast<int>(*reason)], count_before + 1);

  const json in = json::parse(p.input);
  if (in["op"] != "new_order") return;
  const uint32_t slots_after = h.state().header().next_unused_slot;
  const OrderRecord* o = nullptr;
  if (h.state().find_client(in["client"].get<std::string>()) != kNoIndex) {
    o = h.order(in["client"].get<std::string>(), in["cl_id"].get<uint64_t>());
  }
  if (p.stored) {
    ASSERT_NE(o, nullptr) << "a rejected order is kept in the table";
    EXPECT_EQ(to_string(o->status), "rejected");
    EXPECT_EQ(to_string(o->reject_reason), p.reason);
    EXPECT_DECIMAL_EQ(o->reserved, "0");
    EXPECT_EQ(slots_after, slots_before + 1);
  } else {
    EXPECT_EQ(slots_after, slots_before) << "the rejected order must not take a slot";
    if (o != nullptr) {
      EXPECT_NE(to_string(o->status), "rejected");
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<RejectCase>& p) {
  return p.param.name;
}

// ---- every reason of DESIGN §5 ---------------------------------------------------------------

std::vector<RejectCase> every_reason() {
  const std::string burst1 = order({{"client", "burst"}, {"cl_id", 1}, {"ts", kT1}});
  const std::string burst2 = order({{"client", "burst"}, {"cl_id", 2}, {"ts", kT1}});
  return {
      {"MalformedLimitOrderWithoutAPrice", {}, order({{"price", nullptr}}), "MALFORMED", true},
      {"MalformedZeroQuantity", {}, order({{"qty", "0"}}), "MALFORMED", true},
      {"MalformedPostOnlyMarketOrder",
       {},
       order({{"type", "market"}, {"price", nullptr}, {"post_only", true}}),
       "MALFORMED",
       true},
      {"MalformedGtdWithoutExpiry", {}, order({{"tif", "gtd"}}), "MALFORMED", true},
      {"MalformedUnknownClient", {}, order({{"client", "ghost"}}), "MALFORMED", false},
      {"MalformedZeroClientOrderId", {}, order({{"cl_id", 0}}), "MALFORMED", false},
      {"DuplicateClientOrderId",
       {order()},
       order({{"qty", "0.2"}}),
       "DUPLICATE_CLIENT_ORDER_ID",
       false},
      {"UnknownInstrument", {}, order({{"symbol", "DOGEUSDT"}}), "UNKNOWN_INSTRUMENT", true},
      {"UnknownAccount", {}, order({{"account", "ghost"}}), "UNKNOWN_ACCOUNT", true},
      {"UnknownStrategy", {}, order({{"strategy", "ghost"}}), "UNKNOWN_STRATEGY", true},
      {"ClientNotBoundToTheAccount",
       {},
       order({{"client", "outsider"}}),
       "ACCOUNT_NOT_PERMITTED",
       true},
      {"StrategyOfAnotherAccount",
       {},
       order({{"strategy", "pauper"}}),
       "ACCOUNT_NOT_PERMITTED",
       true},
      {"SpotAccountTradingAPerpetual",
       {},
       order({{"symbol", "BTCPERP"}}),
       "ACCOUNT_NOT_PERMITTED",
       true},
      {"HaltedInstrument", {halt("instrument", "BTCUSDT")}, order(), "HALTED", true},
      {"HaltedAccount", {halt("account", "main")}, order(), "HALTED", true},
      {"HaltedStrategy", {halt("strategy", "alpha")}, order(), "HALTED", true},
      {"HaltedGlobally", {halt("global")}, order(), "HALTED", true},
      {"PausedStrategy", {set_strategy("alpha", "paused")}, order(), "STRATEGY_NOT_RUNNING", true},
      {"StoppedStrategy",
       {set_strategy("alpha", "stopped")},
       order(),
       "STRATEGY_NOT_RUNNING",
       true},
      {"ThirdOrderInTheSameInstantAtTwoPerSecond",
       {burst1, burst2},
       order({{"client", "burst"}, {"cl_id", 3}, {"ts", kT1}}),
       "RATE_LIMITED",
       true},
      {"QtyBelowMin", {}, order({{"qty", "0.001"}}), "QTY_BELOW_MIN", true},
      {"QtyAboveMax", {}, order({{"qty", "11"}}), "QTY_ABOVE_MAX", true},
      {"QtyOffTheStep", {}, order({{"qty", "0.1005"}}), "QTY_STEP", true},
      {"PriceOffTheTick", {}, order({{"price", "100.005"}}), "PRICE_TICK", true},
      {"StopPriceOffTheTick",
       {},
       order({{"side", "sell"},
              {"type", "stop_market"},
              {"price", nullptr},
              {"stop_price", "99.999"}}),
       "PRICE_TICK",
       true},
      {"StopLossOffTheTick", {}, order({{"stop_loss", "90.001"}}), "PRICE_TICK", true},
      {"TakeProfitOffTheTick", {}, order({{"take_profit", "110.001"}}), "PRICE_TICK", true},
      {"ActivationPriceOffTheTick",
       {tick_at_100()},
       order({{"side", "sell"},
              {"type", "trailing_stop"},
              {"price", nullptr},
              {"callback_rate", "0.01"},
              {"activation_price", "101.001"}}),
       "PRICE_TICK",
       true},
      // Mark 100, band 5%: 105.01 is 5.01 away, more than 100 × 0.05 = 5.
      {"LimitPriceOutsideTheBand",
       {tick_at_100()},
       order({{"price", "105.01"}}),
       "PRICE_BAND",
       true},
      {"MarketOrderBeforeAnyTick",
       {},
       order({{"type", "market"}, {"tif", "ioc"}, {"price", nullptr}}),
       "NO_MARKET_DATA",
       true},
      // 0.05 × 100 = 5 < 10.
      {"NotionalBelowMin", {}, order({{"qty", "0.05"}}), "MIN_NOTIONAL", true},
      // 1 × 5000.01 = 5000.01 > 5000.
      {"NotionalAboveTheStrategyLimit",
       {},
       tight({{"qty", "1"}, {"price", "5000.01"}}),
       "MAX_ORDER_NOTIONAL",
       true},
      {"ThirdOpenOrderOfAStrategyAllowedTwo",
       {tight({{"cl_id", 1}}), tight({{"cl_id", 2}})},
       tight({{"cl_id", 3}}),
       "MAX_OPEN_ORDERS",
       true},
      // |0 + 2.001| > 2.
      {"PositionBeyondTheStrategyLimit", {}, tight({{"qty", "2.001"}}), "MAX_POSITION", true},
      // |1 + (0.5 open + 0.6)| = 2.1 > 2: open orders on the same side count.
      {"PositionWithOpenOrdersBeyondTheLimit",
       {tight({{"cl_id", 1}, {"qty", "1"}}), ack(1), fill(1, 1, "1", "100"),
        tight({{"cl_id", 2}, {"qty", "0.5"}})},
       tight({{"cl_id", 3}, {"qty", "0.6"}}),
       "MAX_POSITION",
       true},
      // Lost 10 today, the limit is 10.
      {"DailyLossReached", tight_loses_ten(), tight({{"cl_id", 3}}), "DAILY_LOSS_LIMIT", true},
      {"FourthTradeOfTheDay", tight_trades_three_times(), tight({{"cl_id", 2}}), "MAX_DAILY_TRADES",
       true},
      {"ReduceOnlyWithoutAPosition",
       {},
       order({{"side", "sell"}, {"reduce_only", true}}),
       "REDUCE_ONLY",
       true},
      {"ReduceOnlyOnTheSameSideAsThePosition",
       {order({{"cl_id", 1}}), ack(1), fill(1, 1, "0.1", "100")},
       order({{"cl_id", 2}, {"reduce_only", true}}),
       "REDUCE_ONLY",
       true},
      {"ReduceOnlyLargerThanThePosition",
       {order({{"cl_id", 1}}), ack(1), fill(1, 1, "0.1", "100")},
       order({{"cl_id", 2}, {"side", "sell"}, {"qty", "0.2"}, {"reduce_only", true}}),
       "REDUCE_ONLY",
       true},
      // 0.1 × 100 = 10 USDT > 1 USDT free.
      {"SpotBuyWithoutEnoughQuote",
       {},
       order({{"account", "poor"}, {"strategy", "pauper"}}),
       "INSUFFICIENT_BALANCE",
       true},
      // 0.1 BTC to sell, none held.
      {"SpotSellWithoutEnoughBase",
       {},
       order({{"account", "poor"}, {"strategy", "pauper"}, {"side", "sell"}}),
       "INSUFFICIENT_BALANCE",
       true},
      // Margin 1 × 10001 / 10 = 1000.1 > 1000.
      {"FuturesOrderWithoutEnoughMargin",
       {},
       order({{"account", "fut"},
              {"strategy", "perp"},
              {"symbol", "BTCPERP"},
              {"qty", "1"},
              {"price", "10001"}}),
       "INSUFFICIENT_MARGIN",
       true},
      {"ThirdLiveOrderInATableOfTwo",
       {order({{"cl_id", 1}}), order({{"cl_id", 2}})},
       order({{"cl_id", 3}}),
       "TABLE_FULL",
       false,
       Table::kTwoSlots},
      {"CancelOfAnOrderNeverPlaced",
       {},
       R"({"op":"cancel","client":"alpha","cl_id":99})",
       "UNKNOWN_ORDER",
       false},
      {"FillOfAnOrderNeverPlaced", {}, fill(99, 1, "0.1", "100"), "UNKNOWN_ORDER", false},
      {"CancelOfAFilledOrder",
       {order(), ack(1), fill(1, 1, "0.1", "100")},
       R"({"op":"cancel","client":"alpha","cl_id":1})",
       "NOT_CANCELABLE",
       false},
      {"LeverageAboveTheInstrumentMaximum",
       {},
       R"({"op":"set_leverage","account":"fut","symbol":"BTCPERP","leverage":21})",
       "LEVERAGE_TOO_HIGH",
       false},
  };
}

INSTANTIATE_TEST_SUITE_P(EveryReason, Rejects, ::testing::ValuesIn(every_reason()), case_name);

TEST(EveryReason, CoversEachReasonNamedInTheDesign) {
  const char* const design[] = {"MALFORMED",
                                "DUPLICATE_CLIENT_ORDER_ID",
                                "UNKNOWN_INSTRUMENT",
                                "UNKNOWN_ACCOUNT",
                                "UNKNOWN_STRATEGY",
                                "ACCOUNT_NOT_PERMITTED",
                                "HALTED",
                                "STRATEGY_NOT_RUNNING",
                                "RATE_LIMITED",
                                "QTY_BELOW_MIN",
                                "QTY_ABOVE_MAX",
                                "QTY_STEP",
                                "PRICE_TICK",
                                "PRICE_BAND",
                                "NO_MARKET_DATA",
                                "MIN_NOTIONAL",
                                "MAX_ORDER_NOTIONAL",
                                "MAX_OPEN_ORDERS",
                                "MAX_POSITION",
                                "DAILY_LOSS_LIMIT",
                                "MAX_DAILY_TRADES",
                                "REDUCE_ONLY",
                                "INSUFFICIENT_BALANCE",
                                "INSUFFICIENT_MARGIN",
                                "TABLE_FULL",
                                "UNKNOWN_ORDER",
                                "NOT_CANCELABLE",
                                "LEVERAGE_TOO_HIGH"};
  const auto cases = every_reason();
  for (const char* reason : design) {
    bool covered = false;
    for (const RejectCase& c : cases) covered = covered || std::string_view(c.reason) == reason;
    EXPECT_TRUE(covered) << reason;
  }
}

// ---- precedence: the first failing check in the DESIGN §5 order names the reason -----------

std::vector<RejectCase> precedence() {
  const std::string burst1 = order({{"client", "burst"}, {"cl_id", 1}, {"ts", kT1}});
  const std::string burst2 = order({{"client", "burst"}, {"cl_id", 2}, {"ts", kT1}});
  std::vector<std::string> loss_and_three_trades = {
      tight({{"cl_id", 1}, {"qty", "2"}}),
      ack(1),
      fill(1, 1, "1", "100"),
      fill(1, 2, "1", "100"),
      tight({{"cl_id", 2}, {"side", "sell"}, {"qty", "1"}, {"price", "90"}}),
      ack(2),
      fill(2, 3, "1", "90")};
  return {
      {"MalformedBeforeDuplicate", {order()}, order({{"price", nullptr}}), "MALFORMED", false},
      {"DuplicateBeforeUnknownInstrument",
       {order()},
       order({{"symbol", "DOGEUSDT"}}),
       "DUPLICATE_CLIENT_ORDER_ID",
       false},
      {"UnknownInstrumentBeforeUnknownAccount",
       {},
       order({{"symbol", "DOGEUSDT"}, {"account", "ghost"}}),
       "UNKNOWN_INSTRUMENT",
       true},
      {"UnknownAccountBeforeUnknownStrategy",
       {},
       order({{"account", "ghost"}, {"strategy", "ghost"}}),
       "UNKNOWN_ACCOUNT",
       true},
      {"UnknownStrategyBeforeAccountNotPermitted",
       {},
       order({{"strategy", "ghost"}, {"client", "outsider"}}),
       "UNKNOWN_STRATEGY",
       true},
      {"AccountNotPermittedBeforeHalted",
       {halt("global")},
       order({{"client", "outsider"}}),
       "ACCOUNT_NOT_PERMITTED",
       true},
      {"HaltedBeforeStrategyNotRunning",
       {halt("instrument", "BTCUSDT"), set_strategy("alpha", "paused")},
       order(),
       "HALTED",
       true},
      {"StrategyNotRunningBeforeRateLimited",
       {burst1, burst2, line(json::parse(set_strategy("alpha", "paused")), {{"ts", kT1}})},
       order({{"client", "burst"}, {"cl_id", 3}, {"ts", kT1}}),
       "STRATEGY_NOT_RUNNING",
       true},
      {"RateLimitedBeforeQtyBelowMin",
       {burst1, burst2},
       order({{"client", "burst"}, {"cl_id", 3}, {"ts", kT1}, {"qty", "0.001"}}),
       "RATE_LIMITED",
       true},
      {"QtyBelowMinBeforeQtyStep", {}, order({{"qty", "0.0015"}}), "QTY_BELOW_MIN", true},
      {"QtyAboveMaxBeforeQtyStep", {}, order({{"qty", "10.0005"}}), "QTY_ABOVE_MAX", true},
      {"QtyStepBeforePriceTick",
       {},
       order({{"qty", "0.1005"}, {"price", "100.005"}}),
       "QTY_STEP",
       true},
      {"PriceTickBeforePriceBand",
       {tick_at_100()},
       order({{"price", "200.005"}}),
       "PRICE_TICK",
       true},
      // 0.002 × 200 = 0.4 < 10 as well.
      {"PriceBandBeforeMinNotional",
       {tick_at_100()},
       order({{"qty", "0.002"}, {"price", "200"}}),
       "PRICE_BAND",
       true},
      {"NoMarketDataBeforeReduceOnly",
       {},
       order({{"side", "sell"},
              {"type", "market"},
              {"tif", "ioc"},
              {"price", nullptr},
              {"reduce_only", true}}),
       "NO_MARKET_DATA",
       true},
      // 0.05 × 100 = 5 < 10, and 5 > 1 USDT free.
      {"MinNotionalBeforeInsufficientBalance",
       {},
       order({{"account", "poor"}, {"strategy", "pauper"}, {"qty", "0.05"}}),
       "MIN_NOTIONAL",
       true},
      // 2.5 × 2100 = 5250 > 5000, and 2.5 > 2.
      {"MaxOrderNotionalBeforeMaxPosition",
       {},
       tight({{"qty", "2.5"}, {"price", "2100"}}),
       "MAX_ORDER_NOTIONAL",
       true},
      {"MaxOpenOrdersBeforeMaxPosition",
       {tight({{"cl_id", 1}}), tight({{"cl_id", 2}})},
       tight({{"cl_id", 3}, {"qty", "2.5"}}),
       "MAX_OPEN_ORDERS",
       true},
      // |1 + 1.5| = 2.5 > 2, and the day's loss is 10.
      {"MaxPositionBeforeDailyLossLimit", tight_loses_ten(), tight({{"cl_id", 3}, {"qty", "1.5"}}),
       "MAX_POSITION", true},
      {"DailyLossLimitBeforeMaxDailyTrades", loss_and_three_trades, tight({{"cl_id", 3}}),
       "DAILY_LOSS_LIMIT", true},
      // A reduce-only buy against a long position fails REDUCE_ONLY too.
      {"MaxDailyTradesBeforeReduceOnly", tight_trades_three_times(),
       tight({{"cl_id", 2}, {"reduce_only", true}}), "MAX_DAILY_TRADES", true},
      {"ReduceOnlyBeforeInsufficientBalance",
       {},
       order(
           {{"account", "poor"}, {"strategy", "pauper"}, {"side", "sell"}, {"reduce_only", true}}),
       "REDUCE_ONLY",
       true},
      // With no slot to keep it in, the order is reported but not stored.
      {"InsufficientBalanceBeforeTableFull",
       {order({{"cl_id", 1}}), order({{"cl_id", 2}})},
       order({{"cl_id", 3}, {"account", "poor"}, {"strategy", "pauper"}}),
       "INSUFFICIENT_BALANCE",
       false,
       Table::kTwoSlots},
  };
}

INSTANTIATE_TEST_SUITE_P(FirstFailingCheckWins, Rejects, ::testing::ValuesIn(precedence()),
                         case_name);

// ---- storage of rejected orders ------------------------------------------------------------

TEST(RejectedOrders, KeepTheirClientOrderIdSoItCannotBeReused) {
  Harness h(kConfig);
  ASSERT_EQ(test::reject_reason(h.feed(order({{"cl_id", 5}, {"qty", "0.1005"}}))), "QTY_STEP");
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 5}}))), "DUPLICATE_CLIENT_ORDER_ID");
  EXPECT_EQ(to_string(h.order("alpha", 5)->reject_reason), "QTY_STEP");
}

TEST(RejectedOrders, ADuplicateLeavesTheOriginalOrderUntouched) {
  Harness h(kConfig);
  h.feed(order());
  const auto events = h.feed(order({{"qty", "0.2"}, {"price", "101"}}));
  EXPECT_EQ(test::reject_reason(events), "DUPLICATE_CLIENT_ORDER_ID");
  const OrderRecord* o = h.order("alpha", 1);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(to_string(o->status), "pending_new");
  EXPECT_DECIMAL_EQ(o->qty, "0.1");
  EXPECT_DECIMAL_EQ(o->price, "100");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "10");  // 0.1 × 100, once
  EXPECT_EQ(h.state().header().next_unused_slot, 1u);
}

TEST(RejectedOrders, ReserveNothing) {
  Harness h(kConfig);
  h.feed(order({{"qty", "0.05"}}));  // MIN_NOTIONAL
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "10000");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "0");
  EXPECT_EQ(h.strategy_record("alpha").open_orders, 0u);
}

TEST(RejectedOrders, OfAnotherClientDoNotTakeThatClientsOrderIds) {
  // DESIGN §6: a client "can neither act for another account nor harm another client".
  // Client "burst" sends an order in the name of client "alpha"; it is refused, and alpha's
  // own order with the same cl_id must still be accepted.
  Harness h(kConfig);
  const std::string forged = line(json::parse(order({{"cl_id", 7}})), {{"source", "burst"}});
  ASSERT_EQ(test::reject_reason(h.feed(forged)), "ACCOUNT_NOT_PERMITTED");
  const std::string own = line(json::parse(order({{"cl_id", 7}})), {{"source", "alpha"}});
  const auto events = h.feed(own);
  EXPECT_EQ(test::reject_reason(events), test::kNotRejected);
  EXPECT_EQ(to_string(h.order("alpha", 7)->status), "pending_new");
}

TEST(OrderTable, IsFullOnlyWhenEverySlotHoldsALiveOrder) {
  Harness h(small_table_config());
  h.feed_all({order({{"cl_id", 1}}), ack(1), fill(1, 1, "0.1", "100")});  // 1 is terminal
  h.feed(order({{"cl_id", 2}}));
  // The oldest terminal slot is reclaimed, and (alpha, 1) with it.
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 3}}))), test::kNotRejected);
  EXPECT_EQ(h.order("alpha", 1), nullptr);
  EXPECT_EQ(to_string(h.order("alpha", 3)->status), "pending_new");
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 4}}))), "TABLE_FULL");
  // cl_id 1 is free again.
  h.feed(R"({"op":"cancel","client":"alpha","cl_id":2})");
  h.feed(R"({"op":"cancel_ack","client":"alpha","cl_id":2})");
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 1}}))), test::kNotRejected);
}

// ---- price band bounds ---------------------------------------------------------------------

TEST(PriceBand, IncludesBothEdgesExactly) {
  Harness h(kConfig);
  h.feed(tick_at_100());  // mark 100; band 100 × 0.05 = 5
  // 0.2 × 95 = 19 ≥ min_notional 10.
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 1}, {"qty", "0.2"}, {"price", "105"}}))),
            test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 2}, {"qty", "0.2"}, {"price", "95"}}))),
            test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 3}, {"qty", "0.2"}, {"price", "105.01"}}))),
            "PRICE_BAND");
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 4}, {"qty", "0.2"}, {"price", "94.99"}}))),
            "PRICE_BAND");
}

TEST(PriceBand, UsesTheMidOfBidAndAsk) {
  Harness h(kConfig);
  h.feed(R"({"op":"tick","symbol":"BTCUSDT","bid":"99","ask":"101","last":"130"})");  // mark 100
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 1}, {"price", "105"}}))),
            test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 2}, {"price", "105.01"}}))), "PRICE_BAND");
}

// ---- daily limits ----------------------------------------------------------------------------

TEST(DailyLossLimit, LetsReduceOnlyOrdersThrough) {
  Harness h(kConfig);
  for (const std::string& l : tight_loses_ten()) h.feed(l);
  EXPECT_DECIMAL_EQ(h.strategy_record("tight").realized_pnl, "-10");  // 1 × (90 − 100)
  EXPECT_EQ(test::reject_reason(h.feed(tight({{"cl_id", 3}, {"side", "sell"}, {"qty", "0.5"}}))),
            "DAILY_LOSS_LIMIT");
  // Position +1: a reduce-only sell of 0.5 closes half of it.
  const auto events =
      h.feed(tight({{"cl_id", 4}, {"side", "sell"}, {"qty", "0.5"}, {"reduce_only", true}}));
  EXPECT_EQ(test::reject_reason(events), test::kNotRejected);
  EXPECT_EQ(to_string(h.order("alpha", 4)->status), "pending_new");
}

TEST(DailyLossLimit, ResetsAtMidnightUtcOfInputTime) {
  Harness h(kConfig);
  for (const std::string& l : tight_loses_ten()) h.feed(l);
  // One nanosecond before the next 00:00 UTC: still today.
  EXPECT_EQ(test::reject_reason(h.feed(tight({{"cl_id", 3}, {"ts", kDayStart + kDay - 1}}))),
            "DAILY_LOSS_LIMIT");
  // 00:00:00 UTC: a new day, nothing lost yet.
  EXPECT_EQ(test::reject_reason(h.feed(tight({{"cl_id", 4}, {"ts", kDayStart + kDay}}))),
            test::kNotRejected);
}

TEST(MaxDailyTrades, ResetsAtMidnightUtcOfInputTime) {
  Harness h(kConfig);
  for (const std::string& l : tight_trades_three_times()) h.feed(l);
  EXPECT_EQ(test::reject_reason(h.feed(tight({{"cl_id", 2}, {"ts", kDayStart + kDay - 1}}))),
            "MAX_DAILY_TRADES");
  EXPECT_EQ(test::reject_reason(h.feed(tight({{"cl_id", 3}, {"ts", kDayStart + kDay}}))),
            test::kNotRejected);
}

// ---- rate limit --------------------------------------------------------------------------------

std::string burst(int cl_id, int64_t ts, const json& changes = json::object()) {
  json c = {{"client", "burst"}, {"cl_id", cl_id}, {"ts", ts}};
  c.merge_patch(changes);
  return order(c);
}

TEST(RateLimit, RefillsWithInputTime) {
  Harness h(kConfig);
  // Capacity 2 orders, refilled at 2 per second of input time.
  EXPECT_EQ(test::reject_reason(h.feed(burst(1, kT1))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(2, kT1))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(3, kT1))), "RATE_LIMITED");
  // 0.499999999 s later: 0.999999998 of a token.
  EXPECT_EQ(test::reject_reason(h.feed(burst(4, kT1 + kSecond / 2 - 1))), "RATE_LIMITED");
  // 0.5 s later: one token.
  EXPECT_EQ(test::reject_reason(h.feed(burst(5, kT1 + kSecond / 2))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(6, kT1 + kSecond / 2))), "RATE_LIMITED");
  // 10 s later the bucket is full again, but holds no more than its capacity of 2.
  EXPECT_EQ(test::reject_reason(h.feed(burst(7, kT1 + 10 * kSecond))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(8, kT1 + 10 * kSecond))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(9, kT1 + 10 * kSecond))), "RATE_LIMITED");
}

TEST(RateLimit, ARejectedOrderThatGotPastTheCheckStillSpendsItsToken) {
  Harness h(kConfig);
  EXPECT_EQ(test::reject_reason(h.feed(burst(1, kT1, {{"qty", "0.1005"}}))), "QTY_STEP");
  EXPECT_EQ(test::reject_reason(h.feed(burst(2, kT1, {{"qty", "0.1005"}}))), "QTY_STEP");
  EXPECT_EQ(test::reject_reason(h.feed(burst(3, kT1))), "RATE_LIMITED");
}

TEST(RateLimit, AnOrderStoppedBeforeTheCheckSpendsNoToken) {
  Harness h(kConfig);
  h.feed(line(json::parse(set_strategy("alpha", "paused")), {{"ts", kT1}}));
  for (int id = 1; id <= 3; ++id) {
    EXPECT_EQ(test::reject_reason(h.feed(burst(id, kT1))), "STRATEGY_NOT_RUNNING");
  }
  h.feed(line(json::parse(set_strategy("alpha", "running")), {{"ts", kT1}}));
  EXPECT_EQ(test::reject_reason(h.feed(burst(4, kT1))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(5, kT1))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(burst(6, kT1))), "RATE_LIMITED");
}

// ---- halts
// ---------------------------------------------------------------------------------------

TEST(Halt, StopsNewOrdersButNotCancelsOrVenueReports) {
  Harness h(kConfig);
  h.feed_all({order({{"cl_id", 1}}), order({{"cl_id", 2}})});
  h.feed(halt("global"));
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 3}}))), "HALTED");
  EXPECT_EQ(test::reject_reason(h.feed(ack(1))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(fill(1, 1, "0.1", "100"))), test::kNotRejected);
  EXPECT_EQ(test::reject_reason(h.feed(R"({"op":"cancel","client":"alpha","cl_id":2})")),
            test::kNotRejected);
  EXPECT_EQ(to_string(h.order("alpha", 1)->status), "filled");
  EXPECT_EQ(to_string(h.order("alpha", 2)->status), "pending_cancel");
  h.feed(R"({"op":"resume","scope":"global"})");
  EXPECT_EQ(test::reject_reason(h.feed(order({{"cl_id", 4}}))), test::kNotRejected);
}

}  // namespace
}  // namespace ose
