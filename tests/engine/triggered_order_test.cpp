// A triggered conditional order acts as its triggered form (DESIGN §4: a market order, or a
// limit order for the *_limit types); futures bracket exits are held to the position they close
// (docs/design/0001 "Conditional orders, brackets, expiry"); account positions carry the open
// quantities of their strategies (0001 "Positions"). Values are worked out by hand beside them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

using nlohmann::json;
using test::Harness;

// BTCUSDT spot (tick 0.01, band 5 %) and a linear perpetual with the same tick and band.
const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "triggered"
max_orders = 64
)toml",
                                                    R"toml(
[[instruments]]
symbol = "BTCUSDT-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_qty = "0.001"
max_qty = "1000"
min_notional = "5"
maker_fee = "0.0002"
taker_fee = "0.0005"
max_leverage = 125
maintenance_margin = "0.004"
price_band = "0.05"

[[accounts]]
name = "spot"
type = "spot"
balances = { USDT = "100000", BTC = "1" }

[[accounts]]
name = "fut"
type = "futures"
leverage = 10
balances = { USDT = "50000" }

[[strategies]]
name = "s"
account = "spot"

[[strategies]]
name = "s2"
account = "spot"

[[strategies]]
name = "f"
account = "fut"

[[clients]]
name = "c"
role = "strategy"
accounts = ["spot", "fut"]
)toml");

std::string order(int cl_id, const char* account, const char* strategy, const char* symbol,
                  const json& fields) {
  json j = {{"op", "new_order"},    {"client", "c"},    {"cl_id", cl_id}, {"account", account},
            {"strategy", strategy}, {"symbol", symbol}, {"tif", "gtc"}};
  j.merge_patch(fields);
  return j.dump();
}
std::string amend_price(int cl_id, const char* price) {
  return json{{"op", "amend"}, {"client", "c"}, {"cl_id", cl_id}, {"price", price}}.dump();
}
std::string ack(int cl_id) {
  return json{{"op", "ack"}, {"client", "c"}, {"cl_id", cl_id}}.dump();
}
std::string fill(int cl_id, int trade_id, const char* qty, const char* price) {
  return json{{"op", "fill"}, {"client", "c"},  {"cl_id", cl_id},      {"trade_id", trade_id},
              {"qty", qty},   {"price", price}, {"liquidity", "maker"}}
      .dump();
}
std::string tick(const char* symbol, const char* bid, const char* ask, const char* last) {
  return json{{"op", "tick"}, {"symbol", symbol}, {"bid", bid}, {"ask", ask}, {"last", last}}
      .dump();
}
std::string tick_last(const char* symbol, const char* last) {
  return json{{"op", "tick"}, {"symbol", symbol}, {"last", last}}.dump();
}

// The take_profit_limit buy of the report: stop 28183.56, limit 28183.57, qty 0.004.
json take_profit_limit_buy() {
  return {{"side", "buy"},
          {"type", "take_profit_limit"},
          {"qty", "0.004"},
          {"stop_price", "28183.56"},
          {"price", "28183.57"}};
}

// Places it, triggers it with bid 27641.28 / ask 27641.30 / last 27641.30 (last ≤ stop; mark
// (27641.28 + 27641.30) / 2 = 27641.29), then amends it to 29078.63: |29078.63 − 27641.29| =
// 1437.34 > 27641.29 × 0.05 = 1382.0645, so PRICE_BAND, as for a plain limit order.
void expect_triggered_limit_amend_is_band_checked(const char* account, const char* strategy,
                                                  const char* symbol, const char* lock_asset,
                                                  const char* lock) {
  Harness h(kConfig);
  h.feed(order(1, account, strategy, symbol, take_profit_limit_buy()));
  const OrderRecord* o = h.order("c", 1);
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(to_string(o->status), "untriggered");
  EXPECT_DECIMAL_EQ(h.locked(account, lock_asset), lock);

  const auto fired = h.feed(tick(symbol, "27641.28", "27641.30", "27641.30"));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].type, EventType::kTriggered);
  ASSERT_EQ(to_string(o->status), "pending_new");

  EXPECT_EQ(test::reject_reason(h.feed(amend_price(1, "29078.63"))), "PRICE_BAND");
  EXPECT_DECIMAL_EQ(o->price, "28183.57");
  EXPECT_DECIMAL_EQ(o->reserved, lock);
  EXPECT_DECIMAL_EQ(h.locked(account, lock_asset), lock);

  // A plain limit order at the same price is refused the same way.
  json plain = {{"side", "buy"}, {"type", "limit"}, {"qty", "0.004"}, {"price", "29078.63"}};
  EXPECT_EQ(test::reject_reason(h.feed(order(2, account, strategy, symbol, plain))), "PRICE_BAND");
}

TEST(TriggeredOrders, AnAmendOfATriggeredSpotTakeProfitLimitIsBandChecked) {
  // 0.004 × 28183.57 = 112.73428 USDT (the bug re-reserved 0.004 × 29078.63 = 116.31452).
  expect_triggered_limit_amend_is_band_checked("spot", "s", "BTCUSDT", "USDT", "112.73428");
}

TEST(TriggeredOrders, AnAmendOfATriggeredLinearTakeProfitLimitIsBandChecked) {
  // Margin 0.004 × 28183.57 / 10 = 11.273428 USDT (the bug: 11.631452).
  expect_triggered_limit_amend_is_band_checked("fut", "f", "BTCUSDT-PERP", "USDT", "11.273428");
}

TEST(TriggeredOrders, AnAmendInsideTheBandOfATriggeredStopLimitIsAccepted) {
  Harness h(kConfig);
  h.feed(order(1, "spot", "s", "BTCUSDT",
               {{"side", "buy"},
                {"type", "stop_limit"},
                {"qty", "0.004"},
                {"stop_price", "27000"},
                {"price", "27000.01"}}));
  ASSERT_EQ(h.feed(tick("BTCUSDT", "27641.28", "27641.30", "27641.30"))[0].type,
            EventType::kTriggered);
  // |29000 − 27641.29| = 1358.71 ≤ 1382.0645; the lock becomes 0.004 × 29000 = 116.
  EXPECT_EQ(test::reject_reason(h.feed(amend_price(1, "29000"))), test::kNotRejected);
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "116");
}

TEST(TriggeredOrders, AnUntriggeredStopLimitIsNotBandCheckedOnAmend) {
  // Not yet a limit order: its limit may sit anywhere until it triggers (0001 "PRICE_BAND").
  Harness h(kConfig);
  h.feed(tick("BTCUSDT", "27641.28", "27641.30", "27641.31"));  // mark 27641.29
  h.feed(order(1, "spot", "s", "BTCUSDT", take_profit_limit_buy()));
  ASSERT_EQ(to_string(h.order("c", 1)->status), "untriggered");
  EXPECT_EQ(test::reject_reason(h.feed(amend_price(1, "26000.00"))), test::kNotRejected);
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "104");  // 0.004 × 26000
}

// ---- futures bracket exits -------------------------------------------------------------------

// Short 1 at 30000, then a bracket buy of 1.5 at 30000 (stop_loss 29000, take_profit 31000)
// fills: the position flips to long 0.5. Returns the exit ids (stop loss, take profit).
std::pair<uint64_t, uint64_t> flipped_bracket(Harness& h) {
  h.feed(tick("BTCUSDT-PERP", "29999.99", "30000.01", "30000"));
  h.feed(order(1, "fut", "f", "BTCUSDT-PERP",
               {{"side", "sell"}, {"type", "limit"}, {"qty", "1"}, {"price", "30000"}}));
  h.feed(ack(1));
  h.feed(fill(1, 1, "1", "30000"));
  h.feed(order(2, "fut", "f", "BTCUSDT-PERP",
               {{"side", "buy"},
                {"type", "limit"},
                {"qty", "1.5"},
                {"price", "30000"},
                {"stop_loss", "29000"},
                {"take_profit", "31000"}}));
  h.feed(ack(2));
  const auto events = h.feed(fill(2, 2, "1.5", "30000"));
  const auto created = test::of_type(events, EventType::kCreated);
  if (created.size() != 2) return {0, 0};
  return {created[0].order_id, created[1].order_id};
}

TEST(FuturesBrackets, ExitsAfterAFlipCoverOnlyThePositionTheyClose) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = flipped_bracket(h);
  ASSERT_NE(sl_id, 0u);
  EXPECT_DECIMAL_EQ(h.position("fut", "BTCUSDT-PERP").size, "0.5");
  for (uint64_t id : {sl_id, tp_id}) {
    const OrderRecord* x = h.order_by_id(id);
    EXPECT_DECIMAL_EQ(x->qty, "0.5");  // not the entry's 1.5
    EXPECT_DECIMAL_EQ(x->reserved, "0");
  }
  // No order margin: locked is the position margin 0.5 × 30000 / 10 = 1500.
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "1500");
  EXPECT_DECIMAL_EQ(h.strategy_position("f", "BTCUSDT-PERP").open_sell_qty, "1");  // 2 × 0.5
  EXPECT_DECIMAL_EQ(h.position("fut", "BTCUSDT-PERP").open_sell_qty, "1");
}

TEST(FuturesBrackets, AnExitTriggersForNoMoreThanThePositionLeft) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = flipped_bracket(h);
  ASSERT_NE(sl_id, 0u);
  // Another sell of 0.3 leaves long 0.2.
  h.feed(order(3, "fut", "f", "BTCUSDT-PERP",
               {{"side", "sell"}, {"type", "limit"}, {"qty", "0.3"}, {"price", "30000"}}));
  h.feed(ack(3));
  h.feed(fill(3, 3, "0.3", "30000"));
  EXPECT_DECIMAL_EQ(h.position("fut", "BTCUSDT-PERP").size, "0.2");

  const auto events = h.feed(tick_last("BTCUSDT-PERP", "29000"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(events[0].order_id, sl_id);
  EXPECT_EQ(events[1].type, EventType::kCancelled);
  EXPECT_EQ(events[1].order_id, tp_id);
  EXPECT_DECIMAL_EQ(h.order_by_id(sl_id)->qty, "0.2");
  EXPECT_DECIMAL_EQ(h.strategy_position("f", "BTCUSDT-PERP").open_sell_qty, "0.2");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "600");  // 0.2 × 30000 / 10, no order margin
}

TEST(FuturesBrackets, ExitsWithNoPositionLeftAreCancelledInsteadOfTriggering) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = flipped_bracket(h);
  ASSERT_NE(sl_id, 0u);
  h.feed(order(3, "fut", "f", "BTCUSDT-PERP",
               {{"side", "sell"}, {"type", "limit"}, {"qty", "0.5"}, {"price", "30000"}}));
  h.feed(ack(3));
  h.feed(fill(3, 3, "0.5", "30000"));
  EXPECT_DECIMAL_EQ(h.position("fut", "BTCUSDT-PERP").size, "0");

  const auto events = h.feed(tick_last("BTCUSDT-PERP", "31000"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kCancelled);
  EXPECT_EQ(events[0].order_id, tp_id);
  EXPECT_EQ(events[1].type, EventType::kCancelled);
  EXPECT_EQ(events[1].order_id, sl_id);
  EXPECT_EQ(to_string(h.order_by_id(sl_id)->status), "cancelled");
  EXPECT_EQ(to_string(h.order_by_id(tp_id)->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.position("fut", "BTCUSDT-PERP").open_sell_qty, "0");
}

// ---- account open quantities -------------------------------------------------------------------

TEST(AccountPositions, CarryTheOpenQuantitiesOfTheirStrategies) {
  Harness h(kConfig);
  h.feed(order(1, "spot", "s", "BTCUSDT",
               {{"side", "buy"}, {"type", "limit"}, {"qty", "0.1"}, {"price", "30000"}}));
  h.feed(order(2, "spot", "s2", "BTCUSDT",
               {{"side", "buy"}, {"type", "limit"}, {"qty", "0.25"}, {"price", "30000"}}));
  h.feed(order(3, "spot", "s2", "BTCUSDT",
               {{"side", "sell"}, {"type", "limit"}, {"qty", "0.2"}, {"price", "31000"}}));
  const PositionRecord& acct = h.position("spot", "BTCUSDT");
  EXPECT_DECIMAL_EQ(acct.open_buy_qty, "0.35");  // 0.1 + 0.25
  EXPECT_DECIMAL_EQ(acct.open_sell_qty, "0.2");
  h.feed(ack(2));
  h.feed(fill(2, 1, "0.05", "30000"));
  EXPECT_DECIMAL_EQ(acct.open_buy_qty, "0.3");
  h.feed(json{{"op", "cancel"}, {"client", "c"}, {"cl_id", 1}}.dump());
  h.feed(json{{"op", "cancel_ack"}, {"client", "c"}, {"cl_id", 1}}.dump());
  EXPECT_DECIMAL_EQ(acct.open_buy_qty, "0.2");
  EXPECT_DECIMAL_EQ(h.strategy_position("s2", "BTCUSDT").open_buy_qty, "0.2");
}

}  // namespace
}  // namespace ose
