// The simulated venue's rules against scripted quotes: market, limit, IOC, FOK and post-only,
// partial fills by quoted quantity, resting orders reached by the market, cancels (and a cancel
// racing a fill), amends, and the fee in the settle asset. Prices and fees worked by hand.
#include <gtest/gtest.h>

#include "feeds/venue_model.hpp"

namespace ose {
namespace {

Price px(int64_t units) {
  return Price::from_units(units);
}
Qty qty_e8(int64_t e8) {
  return Qty::from_e8(e8);
}

VenueQuote quote(int64_t bid, int64_t ask, int64_t bid_qty_e8 = 100'000'000,
                 int64_t ask_qty_e8 = 100'000'000) {
  VenueQuote q;
  q.bid = px(bid);
  q.ask = px(ask);
  q.bid_qty = qty_e8(bid_qty_e8);
  q.ask_qty = qty_e8(ask_qty_e8);
  q.has_bid = q.has_ask = true;
  return q;
}

VenueOrder order(uint64_t id, Side side, OrderType type, Tif tif, int64_t size_e8,
                 int64_t price = 0) {
  VenueOrder o;
  o.order_id = id;
  o.side = side;
  o.type = type;
  o.tif = tif;
  o.qty = qty_e8(size_e8);
  o.price = px(price);
  return o;
}

struct VenueRun {
  explicit VenueRun(bool partial = false) : model(VenueModelOptions{partial, 0, 1}) {}
  VenueModel model;
  std::vector<VenueAction> out;
  std::vector<VenueAction> take() { return std::exchange(out, {}); }
};

void expect_kinds(const std::vector<VenueAction>& a, std::initializer_list<VenueActionKind> k) {
  ASSERT_EQ(a.size(), k.size());
  size_t i = 0;
  for (VenueActionKind want : k) EXPECT_EQ(a[i++].kind, want) << "action " << i - 1;
}

TEST(VenueModel, AMarketOrderFillsAtTheTouchAsTaker) {
  VenueRun r;
  r.model.on_new(order(1, Side::kBuy, OrderType::kMarket, Tif::kGtc, 50'000'000),
                 quote(29'999, 30'001), r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kAck, VenueActionKind::kFill});
  EXPECT_EQ(a[1].price, px(30'001));
  EXPECT_EQ(a[1].qty, qty_e8(50'000'000));
  EXPECT_EQ(a[1].liquidity, Liquidity::kTaker);
  EXPECT_EQ(r.model.resting(), 0u);
}

TEST(VenueModel, AMarketOrderWithoutATouchIsRejected) {
  VenueRun r;
  VenueQuote only_ask = quote(0, 30'001);
  only_ask.has_bid = false;
  r.model.on_new(order(1, Side::kSell, OrderType::kStopMarket, Tif::kGtc, 1), only_ask, r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kReject});
  EXPECT_EQ(a[0].reason, RejectReason::kNoMarketData);
}

TEST(VenueModel, AMarketableLimitTakesAtTheTouchNotItsPrice) {
  VenueRun r;
  r.model.on_new(order(1, Side::kSell, OrderType::kLimit, Tif::kGtc, 10'000'000, 29'000),
                 quote(29'999, 30'001), r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kAck, VenueActionKind::kFill});
  EXPECT_EQ(a[1].price, px(29'999));
  EXPECT_EQ(a[1].liquidity, Liquidity::kTaker);
}

TEST(VenueModel, ARestingLimitFillsAtItsPriceAsMakerWhenTheMarketReachesIt) {
  VenueRun r;
  r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 10'000'000, 29'900),
                 quote(29'999, 30'001), r.out);
  expect_kinds(r.take(), {VenueActionKind::kAck});
  EXPECT_EQ(r.model.resting(), 1u);
  r.model.on_market(0, quote(29'950, 29'960), r.out);
  EXPECT_TRUE(r.take().empty()) << "ask 29960 is above the bid price 29900";
  r.model.on_market(0, quote(29'899, 29'900), r.out);  // the ask touches it
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kFill});
  EXPECT_EQ(a[0].price, px(29'900));
  EXPECT_EQ(a[0].liquidity, Liquidity::kMaker);
  EXPECT_EQ(r.model.resting(), 0u);
}

TEST(VenueModel, ATradeThroughARestingOrderFillsIt) {
  VenueRun r;
  r.model.on_new(order(1, Side::kSell, OrderType::kLimit, Tif::kGtc, 10'000'000, 30'100),
                 quote(29'999, 30'001), r.out);
  r.take();
  VenueQuote q = quote(30'000, 30'050);
  q.last = px(30'120);
  q.has_last = true;
  r.model.on_market(0, q, r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kFill});
  EXPECT_EQ(a[0].price, px(30'100));
}

TEST(VenueModel, IocAndFokThatCannotTradeExpire) {
  for (Tif tif : {Tif::kIoc, Tif::kFok}) {
    VenueRun r;
    r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, tif, 10'000'000, 29'000),
                   quote(29'999, 30'001), r.out);
    expect_kinds(r.take(), {VenueActionKind::kAck, VenueActionKind::kExpired});
    EXPECT_EQ(r.model.resting(), 0u);
  }
}

TEST(VenueModel, PostOnlyThatWouldTakeIsRejectedAndOtherwiseRests) {
  VenueRun r;
  VenueOrder o = order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 10'000'000, 30'001);
  o.post_only = true;
  r.model.on_new(o, quote(29'999, 30'001), r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kReject});
  EXPECT_EQ(a[0].reason, RejectReason::kVenueRejected);
  o.order_id = 2;
  o.price = px(29'999);
  r.model.on_new(o, quote(29'999, 30'001), r.out);
  expect_kinds(r.take(), {VenueActionKind::kAck});
  EXPECT_EQ(r.model.resting(), 1u);
}

TEST(VenueModel, PartialFillsTakeOnlyWhatIsQuoted) {
  // 2 BTC against 0.5 BTC at the ask.
  const VenueQuote q = quote(29'999, 30'001, 100'000'000, 50'000'000);
  {
    VenueRun r(true);
    r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kIoc, 200'000'000, 30'001), q,
                   r.out);
    auto a = r.take();
    expect_kinds(a, {VenueActionKind::kAck, VenueActionKind::kFill, VenueActionKind::kExpired});
    EXPECT_EQ(a[1].qty, qty_e8(50'000'000));
  }
  {
    VenueRun r(true);
    r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kFok, 200'000'000, 30'001), q,
                   r.out);
    expect_kinds(r.take(), {VenueActionKind::kAck, VenueActionKind::kExpired});
  }
  {
    VenueRun r(true);
    r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 200'000'000, 30'001), q,
                   r.out);
    auto a = r.take();
    expect_kinds(a, {VenueActionKind::kAck, VenueActionKind::kFill});
    EXPECT_EQ(a[1].qty, qty_e8(50'000'000));
    EXPECT_EQ(r.model.resting(), 1u);
    // The rest (1.5) rests at 30001 and fills as maker when 2 BTC are offered at 30000.
    r.model.on_market(0, quote(29'999, 30'000, 100'000'000, 200'000'000), r.out);
    auto b = r.take();
    expect_kinds(b, {VenueActionKind::kFill});
    EXPECT_EQ(b[0].qty, qty_e8(150'000'000));
    EXPECT_EQ(b[0].price, px(30'001));
    EXPECT_EQ(b[0].liquidity, Liquidity::kMaker);
  }
}

TEST(VenueModel, PartialFillsOfARestingOrderTakeOnlyWhatATradePrinted) {
  // A 2 BTC bid resting at 30000 under a 30001 ask; trades of 0.3 and then 5 BTC print at
  // 29999 (through it) while the ask stays at 30001: 0.3 fills, then the remaining 1.7.
  VenueRun r(true);
  r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 200'000'000, 30'000),
                 quote(29'999, 30'001), r.out);
  expect_kinds(r.take(), {VenueActionKind::kAck});
  VenueQuote q = quote(29'999, 30'001);
  q.last = px(29'999);
  q.last_qty = qty_e8(30'000'000);
  q.has_last = true;
  r.model.on_market(0, q, r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kFill});
  EXPECT_EQ(a[0].qty, qty_e8(30'000'000));
  EXPECT_EQ(a[0].price, px(30'000));
  EXPECT_EQ(a[0].liquidity, Liquidity::kMaker);
  q.last_qty = qty_e8(500'000'000);
  r.model.on_market(0, q, r.out);
  auto b = r.take();
  expect_kinds(b, {VenueActionKind::kFill});
  EXPECT_EQ(b[0].qty, qty_e8(170'000'000));
  EXPECT_EQ(r.model.resting(), 0u);
}

TEST(VenueModel, WithoutABookTheLastPriceStandsInForTheTouch) {
  // Kline replays give only a last price (30000). A market buy takes it as taker; a limit sell
  // at 30010 is not marketable against it and rests, then fills as maker when 30010 prints.
  VenueQuote q;
  q.last = px(30'000);
  q.last_qty = qty_e8(100'000'000);
  VenueRun r;
  r.model.on_new(order(1, Side::kBuy, OrderType::kMarket, Tif::kGtc, 10'000'000), q, r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kAck, VenueActionKind::kFill});
  EXPECT_EQ(a[1].price, px(30'000));
  EXPECT_EQ(a[1].liquidity, Liquidity::kTaker);
  r.model.on_new(order(2, Side::kSell, OrderType::kLimit, Tif::kGtc, 10'000'000, 30'010), q, r.out);
  expect_kinds(r.take(), {VenueActionKind::kAck});
  q.last = px(30'010);
  q.has_last = true;
  r.model.on_market(0, q, r.out);
  auto b = r.take();
  expect_kinds(b, {VenueActionKind::kFill});
  EXPECT_EQ(b[0].price, px(30'010));
  EXPECT_EQ(b[0].liquidity, Liquidity::kMaker);
  // No last price either: still no market.
  r.model.on_new(order(3, Side::kBuy, OrderType::kMarket, Tif::kGtc, 10'000'000), VenueQuote{},
                 r.out);
  auto c = r.take();
  expect_kinds(c, {VenueActionKind::kReject});
  EXPECT_EQ(c[0].reason, RejectReason::kNoMarketData);
}

TEST(VenueModel, CancelOfARestingOrderIsAckedAndACancelRacingAFillGetsNothing) {
  VenueRun r;
  r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 10'000'000, 29'000),
                 quote(29'999, 30'001), r.out);
  r.model.on_new(order(2, Side::kBuy, OrderType::kLimit, Tif::kGtc, 10'000'000, 29'500),
                 quote(29'999, 30'001), r.out);
  r.take();
  r.model.on_cancel(1, r.out);
  expect_kinds(r.take(), {VenueActionKind::kCancelAck});
  r.model.on_market(0, quote(29'400, 29'500), r.out);  // order 2 fills ...
  expect_kinds(r.take(), {VenueActionKind::kFill});
  r.model.on_cancel(2, r.out);  // ... before its cancel arrives
  EXPECT_TRUE(r.take().empty());
}

TEST(VenueModel, AnAmendToAMarketablePriceFillsAtOnce) {
  VenueRun r;
  r.model.on_new(order(1, Side::kBuy, OrderType::kLimit, Tif::kGtc, 10'000'000, 29'000),
                 quote(29'999, 30'001), r.out);
  r.take();
  r.model.on_amend(1, Qty{}, px(30'005), quote(29'999, 30'001), r.out);
  auto a = r.take();
  expect_kinds(a, {VenueActionKind::kFill});
  EXPECT_EQ(a[0].price, px(30'001));
  EXPECT_EQ(r.model.resting(), 0u);
}

TEST(VenueModel, FeesAreChargedInTheSettleAsset) {
  InstrumentRecord spot{};
  spot.kind = InstrumentKind::kSpot;
  spot.multiplier = Rate::from_units(1);
  spot.maker_fee = Rate::from_e8(100'000);  // 0.001
  spot.taker_fee = Rate::from_e8(100'000);
  // 0.1 BTC × 30000 = 3000 USDT; × 0.001 = 3 USDT.
  EXPECT_EQ(venue_fee(spot, qty_e8(10'000'000), px(30'000), Liquidity::kTaker),
            Amount::from_units(3));

  InstrumentRecord inverse{};
  inverse.kind = InstrumentKind::kInverse;
  inverse.multiplier = Rate::from_units(100);
  inverse.maker_fee = Rate::from_e8(20'000);  // 0.0002
  inverse.taker_fee = Rate::from_e8(50'000);  // 0.0005
  // 10 contracts × 100 USD / 20000 = 0.05 BTC; taker × 0.0005 = 0.000025 BTC, maker 0.00001.
  EXPECT_EQ(venue_fee(inverse, Qty::from_units(10), px(20'000), Liquidity::kTaker),
            Amount::from_e8(2'500));
  EXPECT_EQ(venue_fee(inverse, Qty::from_units(10), px(20'000), Liquidity::kMaker),
            Amount::from_e8(1'000));
}

TEST(VenueModel, RandomRejectsFollowTheConfiguredShare) {
  VenueModel model(VenueModelOptions{false, 250'000, 9});  // 25 %
  std::vector<VenueAction> out;
  int rejects = 0;
  for (uint64_t id = 1; id <= 4000; ++id) {
    out.clear();
    model.on_new(order(id, Side::kBuy, OrderType::kLimit, Tif::kIoc, 1, 1), quote(29'999, 30'001),
                 out);
    rejects += out.front().kind == VenueActionKind::kReject;
  }
  EXPECT_GT(rejects, 800);  // 1000 expected; the bounds are 7 standard deviations wide
  EXPECT_LT(rejects, 1200);
}

}  // namespace
}  // namespace ose
