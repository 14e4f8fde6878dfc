// The reference model checked against figures worked out by hand from DESIGN.md §4 (exact
// fractions, rounded once half-to-even to 1e-8), so that the property test compares the engine
// with something that is itself known to be right.
#include "tests/engine/reference_model.hpp"

#include <gtest/gtest.h>

#include <string>

#include "engine/formats/config.hpp"

namespace ose::ref {
namespace {

constexpr int64_t kU = 100'000'000;  // one whole unit in e8

// Its own BTCUSDT, not tests/support/btcusdt_spot.hpp: no fees and max_qty 100, the market the
// figures below were worked out for.
EngineConfig small_config(uint32_t max_orders = 64) {
  const std::string toml = R"(
[engine]
name = "model"
max_orders = )" + std::to_string(max_orders) +
                           R"(
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[assets]]
code = "DOGE"
[[assets]]
code = "USD"

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "100"
min_notional = "5"
price_band = "0.05"

[[instruments]]
symbol = "DOGEUSDT"
kind = "spot"
base = "DOGE"
quote = "USDT"
tick_size = "0.000001"
step_size = "1"
min_qty = "1"
max_qty = "1000000"
min_notional = "1"
price_band = "0.025"

[[instruments]]
symbol = "BTC-PERP"
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

[[instruments]]
symbol = "BTC-INV"
kind = "inverse"
base = "BTC"
quote = "USD"
tick_size = "0.5"
step_size = "1"
min_qty = "1"
max_qty = "100000"
min_notional = "100"
multiplier = "100"
max_leverage = 20
maintenance_margin = "0.005"
price_band = "0.5"

[[accounts]]
name = "spot"
type = "spot"
balances = { USDT = "10000" }

[[accounts]]
name = "fut"
type = "futures"
leverage = 10
balances = { USDT = "10000", BTC = "1" }

[[accounts]]
name = "inv"
type = "futures"
leverage = 5
balances = { BTC = "1" }

[[strategies]]
name = "s"
account = "spot"
[[strategies]]
name = "f"
account = "fut"
[[strategies]]
name = "i"
account = "inv"

[[clients]]
name = "c"
accounts = ["spot", "fut", "inv"]
)";
  auto c = load_config_string(toml, "<model test>");
  EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
  return std::move(c).value();
}

enum : uint16_t { kUsdt = 0, kBtc = 1, kDoge = 2 };
enum : uint16_t { kSpotBtc = 0, kSpotDoge = 1, kPerp = 2, kInv = 3 };
enum : uint16_t { kSpotAcct = 0, kFutAcct = 1, kInvAcct = 2 };

class Driver {
 public:
  explicit Driver(const EngineConfig& c) : model(c) {}

  std::vector<ExpectedEvent> run(Command cmd, int64_t ts_step = 1'000'000) {
    Input in{};
    in.seq = ++seq_;
    ts_ += ts_step;
    in.ts = ts_;
    in.source = kEngineSource;
    in.cmd = cmd;
    return model.apply(in);
  }
  uint64_t order(uint16_t account, uint16_t instrument, Side side, OrderType type, int64_t qty,
                 int64_t price, Tif tif = Tif::kGtc, int64_t expire_ts = 0) {
    Command c = make_command(Op::kNewOrder);
    NewOrderCmd& n = c.new_order;
    n.client = 0;
    n.cl_id = ++cl_id_;
    n.account = account;
    n.strategy = account;  // one strategy per account, same index
    n.instrument = instrument;
    n.side = static_cast<uint8_t>(side);
    n.type = static_cast<uint8_t>(type);
    n.tif = static_cast<uint8_t>(tif);
    n.qty = Qty::from_e8(qty);
    n.price = Price::from_e8(price);
    n.expire_ts = expire_ts;
    const auto ev = run(c);
    return ev.empty() ? 0 : ev.back().order_id;
  }
  void fill(uint64_t id, int64_t qty, int64_t price, int64_t fee = 0,
            uint16_t fee_asset = kNoIndex) {
    Command c = make_command(Op::kFill);
    c.fill.ref.order_id = id;
    c.fill.trade_id = VenueId::digits(++trade_);
    c.fill.qty = Qty::from_e8(qty);
    c.fill.price = Price::from_e8(price);
    c.fill.fee = Amount::from_e8(fee);
    c.fill.fee_asset = fee_asset;
    run(c);
  }
  void quote(uint16_t instrument, int64_t bid, int64_t ask) {
    Command c = make_command(Op::kTick);
    c.tick.instrument = instrument;
    c.tick.fields = kTickBid | kTickAsk;
    c.tick.bid = Price::from_e8(bid);
    c.tick.ask = Price::from_e8(ask);
    run(c);
  }
  int64_t ts() const { return ts_; }

  Model model;

 private:
  uint64_t seq_ = 0;
  int64_t ts_ = 1'704'067'200'000'000'000;
  uint64_t cl_id_ = 0;
  uint64_t trade_ = 0;
};

TEST(ReferenceModel, RoundsHalfToEvenOnBothSidesOfZero) {
  EXPECT_EQ(div_half_even(5, 2), 2);
  EXPECT_EQ(div_half_even(7, 2), 4);
  EXPECT_EQ(div_half_even(-5, 2), -2);
  EXPECT_EQ(div_half_even(-7, 2), -4);
  EXPECT_EQ(div_half_even(5, -2), -2);
  EXPECT_EQ(div_half_even(1, 3), 0);
  EXPECT_EQ(div_half_even(2, 3), 1);
  EXPECT_EQ(div_half_even(-2, 3), -1);
  EXPECT_EQ(div_half_even(15, 10), 2);
  EXPECT_EQ(div_half_even(25, 10), 2);
  EXPECT_EQ(div_half_even(i128{3} * 50'000'000, kU), 2);  // 0001: 0.00000003 × 0.5 → 0.00000002
  EXPECT_EQ(div_half_even(1, 0), std::nullopt);
  EXPECT_EQ(div_half_even(i128{1} << 70, 1), std::nullopt);
}

TEST(ReferenceModel, SpotBuyLimitReservesReleasesProRataAndRefundsPriceImprovement) {
  Driver t(small_config());
  // Buy 0.3 BTC at 30000: locks 9000 USDT.
  const uint64_t id =
      t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 30'000'000, 30'000 * kU);
  ASSERT_NE(t.model.find(id), nullptr);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).free, 1'000 * kU);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 9'000 * kU);
  // 0.1 at 29900, fee 0.0001 BTC: releases 9000·0.1/0.3 = 3000, pays 2990, refunds 10; the
  // base fee leaves 0.0999 BTC, and the position's fees value it at the fill price: 2.99 USDT.
  t.fill(id, 10'000'000, 29'900 * kU, 10'000, kBtc);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).free, 1'010 * kU);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 6'000 * kU);
  EXPECT_EQ(t.model.balance(kSpotAcct, kBtc).free, 9'990'000);
  EXPECT_EQ(t.model.find(id)->reserved, 6'000 * kU);
  EXPECT_EQ(t.model.find(id)->status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(t.model.position(kSpotAcct, kSpotBtc).size, 9'990'000);
  EXPECT_EQ(t.model.position(kSpotAcct, kSpotBtc).avg, 29'900 * kU);
  EXPECT_EQ(t.model.position(kSpotAcct, kSpotBtc).fees, 299'000'000);
  // The rest, 0.2 at 30000 with a 6 USDT fee: releases the last 6000, pays 6000.
  t.fill(id, 20'000'000, 30'000 * kU, 6 * kU, kUsdt);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).free, 1'004 * kU);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 0);
  EXPECT_EQ(t.model.balance(kSpotAcct, kBtc).free, 29'990'000);
  EXPECT_EQ(t.model.find(id)->status, OrderStatus::kFilled);
  EXPECT_EQ(t.model.find(id)->reserved, 0);
  // avg = (0.0999·29900 + 0.2·30000)/0.2999 = 29966.688896298… → 29966.6888963.
  EXPECT_EQ(t.model.position(kSpotAcct, kSpotBtc).avg, 2'996'668'889'630);
  EXPECT_EQ(t.model.position(kSpotAcct, kSpotBtc).fees, 899'000'000);
  // The order's own average: (0.1·29900 + 0.2·30000)/0.3 = 29966.666… → 29966.66666667.
  EXPECT_EQ(t.model.find(id)->avg_fill, 2'996'666'666'667);
}

TEST(ReferenceModel, LinearPositionNetsClosesAndFlipsWithMarginAndLiquidationPrice) {
  Driver t(small_config());
  const uint64_t buy = t.order(kFutAcct, kPerp, Side::kBuy, OrderType::kLimit, 1 * kU, 30'000 * kU);
  EXPECT_EQ(t.model.balance(kFutAcct, kUsdt).locked, 3'000 * kU);  // 1·30000/10
  t.fill(buy, 1 * kU, 30'000 * kU);
  Position p = t.model.position(kFutAcct, kPerp);
  EXPECT_EQ(p.size, 1 * kU);
  EXPECT_EQ(p.margin, 3'000 * kU);
  EXPECT_EQ(p.liquidation, 2'710'843'373'494);  // 30000·0.9/0.996
  // Selling 0.4 only reduces: no order margin. Realized 0.4·(31000 − 30000) = 400.
  const uint64_t sell =
      t.order(kFutAcct, kPerp, Side::kSell, OrderType::kLimit, 40'000'000, 31'000 * kU);
  EXPECT_EQ(t.model.find(sell)->reserved, 0);
  t.fill(sell, 40'000'000, 31'000 * kU);
  p = t.model.position(kFutAcct, kPerp);
  EXPECT_EQ(p.size, 60'000'000);
  EXPECT_EQ(p.avg, 30'000 * kU);
  EXPECT_EQ(p.realized, 400 * kU);
  EXPECT_EQ(p.margin, 1'800 * kU);
  EXPECT_EQ(t.model.balance(kFutAcct, kUsdt).free, 8'600 * kU);
  // Selling 1 flips: margin on the 0.4 that opens, 0.4·29000/10 = 1160.
  const uint64_t flip =
      t.order(kFutAcct, kPerp, Side::kSell, OrderType::kLimit, 1 * kU, 29'000 * kU);
  EXPECT_EQ(t.model.find(flip)->reserved, 1'160 * kU);
  t.fill(flip, 1 * kU, 29'000 * kU);
  p = t.model.position(kFutAcct, kPerp);
  EXPECT_EQ(p.size, -40'000'000);
  EXPECT_EQ(p.avg, 29'000 * kU);
  EXPECT_EQ(p.realized, -200 * kU);  // 400 − 0.6·1000
  EXPECT_EQ(p.margin, 1'160 * kU);
  EXPECT_EQ(p.liquidation, 3'177'290'836'653);  // 29000·1.1/1.004
  // total = 10000 + 400 − 600; locked = the position margin.
  EXPECT_EQ(t.model.balance(kFutAcct, kUsdt).locked, 1'160 * kU);
  EXPECT_EQ(t.model.balance(kFutAcct, kUsdt).free, 8'640 * kU);
}

TEST(ReferenceModel, InversePositionUsesTheHarmonicMeanAndRealizesInBase) {
  Driver t(small_config());
  // 300 contracts of 100 USD at 25000, leverage 5: 300·100/(25000·5) = 0.24 BTC.
  const uint64_t buy =
      t.order(kInvAcct, kInv, Side::kBuy, OrderType::kLimit, 300 * kU, 25'000 * kU);
  EXPECT_EQ(t.model.find(buy)->reserved, 24'000'000);
  t.fill(buy, 100 * kU, 25'000 * kU);
  EXPECT_EQ(t.model.find(buy)->reserved, 16'000'000);  // 0.24·200/300
  EXPECT_EQ(t.model.position(kInvAcct, kInv).margin, 8'000'000);
  EXPECT_EQ(t.model.position(kInvAcct, kInv).liquidation, 2'010'050'251'256);  // 25000·0.8/0.995
  t.fill(buy, 200 * kU, 20'000 * kU);
  // Harmonic: 300/(100/25000 + 200/20000) = 21428.571428… → 21428.57142857.
  Position p = t.model.position(kInvAcct, kInv);
  EXPECT_EQ(p.avg, 2'142'857'142'857);
  EXPECT_EQ(p.margin, 28'000'000);  // 300·100/(21428.57142857·5) = 0.28000000000…
  EXPECT_EQ(t.model.balance(kInvAcct, kBtc).locked, 28'000'000);
  // Close 150 at 30000: 150·100·(1/21428.57142857 − 1/30000) = 0.2000000000047 → 0.2 BTC.
  const uint64_t sell =
      t.order(kInvAcct, kInv, Side::kSell, OrderType::kLimit, 150 * kU, 30'000 * kU);
  t.fill(sell, 150 * kU, 30'000 * kU);
  p = t.model.position(kInvAcct, kInv);
  EXPECT_EQ(p.size, 150 * kU);
  EXPECT_EQ(p.realized, 20'000'000);
  EXPECT_EQ(p.margin, 14'000'000);
  EXPECT_EQ(t.model.balance(kInvAcct, kBtc).free, 1 * kU + 20'000'000 - 14'000'000);
}

TEST(ReferenceModel, MarketBuyReservationRoundsTheWholeProductOnce) {
  Driver t(small_config());
  t.quote(kSpotDoge, 12'345'600, 12'345'700);  // ask 0.123457
  // 1000 × 0.123457 × 1.025 = 126.543425 exactly (rounding the price first would give
  // 0.12654342 × 1000 = 126.54342).
  const uint64_t id = t.order(kSpotAcct, kSpotDoge, Side::kBuy, OrderType::kMarket, 1'000 * kU, 0);
  ASSERT_NE(t.model.find(id), nullptr);
  EXPECT_EQ(t.model.find(id)->status, OrderStatus::kPendingNew);
  EXPECT_EQ(t.model.find(id)->reserved, 12'654'342'500);
}

TEST(ReferenceModel, ExpiresAGtdOrderBeforeTheFirstInputAtItsExpiry) {
  Driver t(small_config());
  const uint64_t id = t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 1'000'000,
                              30'000 * kU, Tif::kGtd, t.ts() + 3'000'000);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 300 * kU);
  const auto ev = t.run(make_command(Op::kTimer), 5'000'000);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].type, EventType::kExpired);
  EXPECT_EQ(t.model.find(id)->status, OrderStatus::kExpired);
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 0);
}

TEST(ReferenceModel, ReclaimsTheOldestTerminalSlotOnceEverySlotHasBeenUsed) {
  Driver t(small_config(2));
  const uint64_t a = t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 0, 1);  // rejected
  const uint64_t b =
      t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 1'000'000, 30'000 * kU);
  EXPECT_EQ(t.model.find(a)->status, OrderStatus::kRejected);
  // Slot 0 (the rejected order) is reclaimed: generation 2.
  const uint64_t c =
      t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 1'000'000, 30'000 * kU);
  EXPECT_EQ(c, (uint64_t{2} << 32) | 0);
  EXPECT_EQ(t.model.find(a), nullptr);
  EXPECT_NE(t.model.find(b), nullptr);
  // Both slots live: the next order is TABLE_FULL and not stored.
  const auto before = t.model.orders().size();
  t.order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 1'000'000, 30'000 * kU);
  EXPECT_EQ(t.model.orders().size(), before);
}

Command tick_last(uint16_t instrument, int64_t last) {
  Command c = make_command(Op::kTick);
  c.tick.instrument = instrument;
  c.tick.fields = kTickLast;
  c.tick.last = Price::from_e8(last);
  return c;
}

// A new order of `type` by the account's own strategy, to be adjusted before it is sent.
Command new_order(uint16_t account, uint16_t instrument, Side side, OrderType type, int64_t qty,
                  uint64_t cl_id) {
  Command c = make_command(Op::kNewOrder);
  NewOrderCmd& n = c.new_order;
  n.cl_id = cl_id;
  n.account = account;
  n.strategy = account;
  n.instrument = instrument;
  n.side = static_cast<uint8_t>(side);
  n.type = static_cast<uint8_t>(type);
  n.qty = Qty::from_e8(qty);
  return c;
}

TEST(ReferenceModel, ATrailingBuyReservesBandAndCallbackAndFiresOnTheBounceFromTheLow) {
  Driver t(small_config());
  t.quote(kSpotBtc, 2'999'999'000'000, 3'000'001'000'000);  // 29999.99 / 30000.01
  Command c = new_order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kTrailingStop, 1'000'000, 900);
  c.new_order.callback_rate = Rate::from_e8(1'000'000);  // 1 %, active at once
  const auto placed = t.run(c);
  ASSERT_EQ(placed.size(), 1u);
  const uint64_t id = placed[0].order_id;
  ASSERT_EQ(t.model.find(id)->status, OrderStatus::kUntriggered);
  // ask × 1.05 = 31500.0105; × 1.01 = 31815.010605; × 0.01 = 318.15010605 (exact each step).
  EXPECT_EQ(t.model.find(id)->reserved, 31'815'010'605);
  EXPECT_TRUE(t.run(tick_last(kSpotBtc, 30'000 * kU)).empty());        // low 30000, fires ≥ 30300
  EXPECT_TRUE(t.run(tick_last(kSpotBtc, 29'000 * kU)).empty());        // low 29000, fires ≥ 29290
  EXPECT_TRUE(t.run(tick_last(kSpotBtc, 2'928'999'000'000)).empty());  // 29289.99
  const auto fired = t.run(tick_last(kSpotBtc, 29'290 * kU));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].type, EventType::kTriggered);
  EXPECT_EQ(t.model.find(id)->status, OrderStatus::kPendingNew);
  EXPECT_EQ(t.model.find(id)->reserved, 31'815'010'605);  // kept as placed
}

TEST(ReferenceModel, ABracketEntryFillCreatesAnOcoPairWithOneLockThatTheTriggeredExitTakes) {
  Driver t(small_config());
  Command c = new_order(kSpotAcct, kSpotBtc, Side::kBuy, OrderType::kLimit, 10'000'000, 901);
  c.new_order.price = Price::from_e8(30'000 * kU);
  c.new_order.stop_loss = Price::from_e8(29'000 * kU);
  c.new_order.take_profit = Price::from_e8(31'000 * kU);
  const uint64_t entry = t.run(c)[0].order_id;
  EXPECT_EQ(t.model.balance(kSpotAcct, kUsdt).locked, 3'000 * kU);  // 0.1 × 30000
  Command f = make_command(Op::kFill);
  f.fill.ref.order_id = entry;
  f.fill.trade_id = VenueId::digits(77);
  f.fill.qty = Qty::from_e8(10'000'000);
  f.fill.price = Price::from_e8(30'000 * kU);
  f.fill.fee_asset = kNoIndex;
  const auto ev = t.run(f);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].type, EventType::kFill);
  EXPECT_EQ(ev[1].type, EventType::kCreated);
  EXPECT_EQ(ev[2].type, EventType::kCreated);
  const uint64_t sl = ev[1].order_id;
  const uint64_t tp = ev[2].order_id;
  EXPECT_EQ(t.model.find(sl)->qty, 10'000'000);
  EXPECT_EQ(t.model.find(tp)->qty, 10'000'000);
  EXPECT_EQ(t.model.find(sl)->reserved, 10'000'000);  // one 0.1 BTC lock for the pair
  EXPECT_EQ(t.model.find(tp)->reserved, 0);
  EXPECT_EQ(t.model.balance(kSpotAcct, kBtc).locked, 10'000'000);
  EXPECT_EQ(t.model.balance(kSpotAcct, kBtc).free, 0);
  const auto fired = t.run(tick_last(kSpotBtc, 31'000 * kU));
  ASSERT_EQ(fired.size(), 2u);
  EXPECT_EQ(fired[0].type, EventType::kTriggered);
  EXPECT_EQ(fired[0].order_id, tp);
  EXPECT_EQ(fired[1].type, EventType::kCancelled);
  EXPECT_EQ(fired[1].order_id, sl);
  EXPECT_EQ(t.model.find(tp)->reserved, 10'000'000);
  EXPECT_EQ(t.model.find(sl)->reserved, 0);
  EXPECT_EQ(t.model.balance(kSpotAcct, kBtc).locked, 10'000'000);
}

TEST(ReferenceModel, FuturesExitsAfterAFlipCoverOnlyThePositionLeft) {
  Driver t(small_config());
  const uint64_t shortx = t.order(kFutAcct, kPerp, Side::kSell, OrderType::kLimit, kU, 30'000 * kU);
  t.fill(shortx, kU, 30'000 * kU);
  Command c = new_order(kFutAcct, kPerp, Side::kBuy, OrderType::kLimit, 150'000'000, 902);
  c.new_order.price = Price::from_e8(30'000 * kU);
  c.new_order.stop_loss = Price::from_e8(29'000 * kU);
  c.new_order.take_profit = Price::from_e8(31'000 * kU);
  const uint64_t entry = t.run(c)[0].order_id;
  // Margin on the 0.5 that opens: 0.5 × 30000 / 10 = 1500, beside the 3000 position margin.
  EXPECT_EQ(t.model.find(entry)->reserved, 1'500 * kU);
  t.fill(entry, 150'000'000, 30'000 * kU);
  EXPECT_EQ(t.model.position(kFutAcct, kPerp).size, 50'000'000);
  int exits = 0;
  for (const auto& [id, o] : t.model.orders()) {
    if (!o.bracket_exit) continue;
    ++exits;
    EXPECT_EQ(o.qty, 50'000'000);  // the long 0.5, not the entry's 1.5
    EXPECT_EQ(o.reserved, 0);
  }
  EXPECT_EQ(exits, 2);
  EXPECT_EQ(t.model.balance(kFutAcct, kUsdt).locked, 1'500 * kU);  // position margin only
}

}  // namespace
}  // namespace ose::ref
