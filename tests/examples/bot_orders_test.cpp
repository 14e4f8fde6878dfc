// The sample strategy's order arithmetic on a BTCUSDT-like grid (tick 0.01, step 0.00001,
// min_notional 5, max_qty 9000). Every number is worked out by hand in the comments.
#include <gtest/gtest.h>

#include "ema_rsi/bot_orders.hpp"

namespace ose {
namespace {

template <typename T>
T dec(const char* text) {
  const auto v = parse_fixed<T>(text);
  EXPECT_TRUE(v) << text;
  return v.value_or(T{});
}

InstrumentRecord btcusdt() {
  InstrumentRecord ins{};
  ins.tick_size = dec<Price>("0.01");
  ins.step_size = dec<Qty>("0.00001");
  ins.min_qty = dec<Qty>("0.00001");
  ins.max_qty = dec<Qty>("9000");
  ins.min_notional = dec<Amount>("5");
  return ins;
}

EntryRules rules(const char* size, const char* slip, const char* sl, const char* tp) {
  return EntryRules{dec<Rate>(size), dec<Rate>(slip), dec<Rate>(sl), dec<Rate>(tp)};
}

TEST(BotOrders, GridRoundingGoesTheStatedWay) {
  const Price tick = dec<Price>("0.01");
  EXPECT_EQ(floor_to_tick(dec<Price>("100.019"), tick), dec<Price>("100.01"));
  EXPECT_EQ(ceil_to_tick(dec<Price>("100.011"), tick), dec<Price>("100.02"));
  EXPECT_EQ(ceil_to_tick(dec<Price>("100.01"), tick), dec<Price>("100.01"));  // on the grid
  EXPECT_EQ(floor_to_step(dec<Qty>("0.01665001"), dec<Qty>("0.00001")), dec<Qty>("0.01665"));
}

TEST(BotOrders, AnEntrySpendsItsShareOfTheFreeBalanceAtTheLimitPrice) {
  // 10000 free · 0.1 = 1000 to spend. Limit = 60000 · 1.001 = 60060.00.
  // qty = 1000 / 60060 = 0.016650016… → 0.01665 on the step grid (lock 999.999 ≤ 1000).
  // Stop-loss 60000 · 0.98 = 58800.00, take-profit 60000 · 1.04 = 62400.00.
  const auto plan = plan_entry(btcusdt(), dec<Amount>("10000"), dec<Price>("60000"),
                               rules("0.1", "0.001", "0.02", "0.04"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->limit, dec<Price>("60060"));
  EXPECT_EQ(plan->qty, dec<Qty>("0.01665"));
  EXPECT_EQ(plan->stop_loss, dec<Price>("58800"));
  EXPECT_EQ(plan->take_profit, dec<Price>("62400"));
}

TEST(BotOrders, RoundingNeverNarrowsAnAllowanceOrABracketDistance) {
  // Touch 60000.01: limit 60000.01 · 1.001 = 60060.01001 → up to 60060.02;
  // stop 60000.01 · 0.98 = 58800.0098 → down to 58800.00;
  // take-profit 60000.01 · 1.04 = 62400.0104 → up to 62400.02.
  const auto plan = plan_entry(btcusdt(), dec<Amount>("10000"), dec<Price>("60000.01"),
                               rules("0.1", "0.001", "0.02", "0.04"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->limit, dec<Price>("60060.02"));
  EXPECT_EQ(plan->stop_loss, dec<Price>("58800"));
  EXPECT_EQ(plan->take_profit, dec<Price>("62400.02"));
}

TEST(BotOrders, NoBracketLegsWhenTheirFractionsAreZero) {
  const auto plan =
      plan_entry(btcusdt(), dec<Amount>("10000"), dec<Price>("60000"), rules("0.1", "0", "0", "0"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->limit, dec<Price>("60000"));
  EXPECT_TRUE(plan->stop_loss.is_zero());
  EXPECT_TRUE(plan->take_profit.is_zero());
}

TEST(BotOrders, AnEntryTooSmallForTheVenueIsNotPlanned) {
  // 40 · 0.1 = 4 < min_notional 5.
  EXPECT_FALSE(
      plan_entry(btcusdt(), dec<Amount>("40"), dec<Price>("60000"), rules("0.1", "0", "0", "0")));
  // 0.0005 USDT buys less than one step at 60000.
  EXPECT_FALSE(
      plan_entry(btcusdt(), dec<Amount>("0.0005"), dec<Price>("60000"), rules("1", "0", "0", "0")));
  EXPECT_FALSE(
      plan_entry(btcusdt(), dec<Amount>("0"), dec<Price>("60000"), rules("1", "0", "0", "0")));
  EXPECT_FALSE(plan_entry(btcusdt(), dec<Amount>("100"), Price{}, rules("1", "0", "0", "0")));
}

TEST(BotOrders, AnEntryIsCappedAtTheInstrumentsMaximumQuantity) {
  // 1e9 at a price of 1 would buy 1e9; max_qty is 9000.
  const auto plan =
      plan_entry(btcusdt(), dec<Amount>("1000000000"), dec<Price>("1"), rules("1", "0", "0", "0"));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->qty, dec<Qty>("9000"));
}

TEST(BotOrders, AnExitSellsThroughTheBidByAtMostTheSlippage) {
  // 59999.99 · 0.999 = 59939.99001 → down to 59939.99.
  EXPECT_EQ(exit_limit(btcusdt(), dec<Price>("59999.99"), dec<Rate>("0.001")),
            dec<Price>("59939.99"));
  EXPECT_EQ(exit_limit(btcusdt(), dec<Price>("60000"), dec<Rate>("0")), dec<Price>("60000"));
}

}  // namespace
}  // namespace ose
