// Accounting (DESIGN §4 "Accounting rules", docs/design/0001 "Reservations", "Fees", "Futures",
// "Conditional orders, brackets, expiry"). Every expected value is worked out by hand from the
// formulas, with the arithmetic next to it; results are rounded half-to-even to 1e-8 once per
// product or quotient, and several cases are chosen so that the rounding shows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

using nlohmann::json;
using test::Harness;
using test::kDayStart;
using test::kSecond;

// The shared BTCUSDT spot market (USDT and BTC are assets 0 and 1, BTCUSDT instrument 0), then
// the assets and markets only these cases need.
const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "accounting"
max_orders = 256
max_positions = 64
)toml",
                                                    R"toml(
[[assets]]
code = "BNB"
[[assets]]
code = "USD"

[[instruments]]
symbol = "BTCUSDT-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
min_qty = "0.001"
max_qty = "1000"
min_notional = "5"
maker_fee = "0.0002"
taker_fee = "0.0005"
max_leverage = 125
maintenance_margin = "0.004"
price_band = "0.05"

[[instruments]]
symbol = "BTCUSD_PERP"
kind = "inverse"
base = "BTC"
quote = "USD"
settle = "BTC"
tick_size = "0.1"
step_size = "1"
min_qty = "1"
max_qty = "100000"
min_notional = "100"
maker_fee = "0.0002"
taker_fee = "0.0005"
multiplier = "100"
max_leverage = 125
maintenance_margin = "0.004"
price_band = "0.05"

[[accounts]]
name = "spot"
type = "spot"
balances = { USDT = "100000", BTC = "1", BNB = "10" }

[[accounts]]
name = "fut"
type = "futures"
leverage = 10
balances = { USDT = "50000", BTC = "2" }

[[strategies]]
name = "s"
account = "spot"

[[strategies]]
name = "f"
account = "fut"

[[clients]]
name = "s"
role = "strategy"
accounts = ["spot"]

[[clients]]
name = "f"
role = "strategy"
accounts = ["fut"]
)toml");

// ---- scenario lines ------------------------------------------------------------------------

std::string with(json base, const json& changes) {
  if (changes.is_object()) base.merge_patch(changes);
  return base.dump();
}

// A spot limit buy of 0.1 BTCUSDT at 60000 by strategy "s"; `changes` adjust it.
std::string spot_order(const json& changes) {
  return with({{"op", "new_order"},
               {"client", "s"},
               {"cl_id", 1},
               {"account", "spot"},
               {"strategy", "s"},
               {"symbol", "BTCUSDT"},
               {"side", "buy"},
               {"type", "limit"},
               {"tif", "gtc"},
               {"qty", "0.1"},
               {"price", "60000"}},
              changes);
}

// A futures limit order by strategy "f".
std::string fut_order(int cl_id, const char* symbol, const char* side, const char* qty,
                      const char* price) {
  return json{{"op", "new_order"}, {"client", "f"},    {"cl_id", cl_id}, {"account", "fut"},
              {"strategy", "f"},   {"symbol", symbol}, {"side", side},   {"type", "limit"},
              {"tif", "gtc"},      {"qty", qty},       {"price", price}}
      .dump();
}

std::string ack(const char* client, int cl_id) {
  return json{{"op", "ack"}, {"client", client}, {"cl_id", cl_id}}.dump();
}
std::string ack_id(uint64_t order_id) {
  return json{{"op", "ack"}, {"order_id", order_id}}.dump();
}

// A fill; `fee_asset` nullptr means no fee.
std::string fill(const char* client, int cl_id, int trade_id, const char* qty, const char* price,
                 const char* fee = nullptr, const char* fee_asset = nullptr) {
  json j = {{"op", "fill"}, {"client", client}, {"cl_id", cl_id},      {"trade_id", trade_id},
            {"qty", qty},   {"price", price},   {"liquidity", "maker"}};
  if (fee != nullptr) {
    j["fee"] = fee;
    j["fee_asset"] = fee_asset;
  }
  return j.dump();
}
std::string fill_id(uint64_t order_id, int trade_id, const char* qty, const char* price,
                    const char* fee, const char* fee_asset) {
  return json{
      {"op", "fill"},   {"order_id", order_id}, {"trade_id", trade_id},   {"qty", qty},
      {"price", price}, {"fee", fee},           {"fee_asset", fee_asset}, {"liquidity", "taker"}}
      .dump();
}

std::string tick_last(const char* symbol, const char* last) {
  return json{{"op", "tick"}, {"symbol", symbol}, {"last", last}}.dump();
}
std::string tick_quote(const char* symbol, const char* bid, const char* ask) {
  return json{{"op", "tick"}, {"symbol", symbol}, {"bid", bid}, {"ask", ask}}.dump();
}

// Every (account, asset) ledger chain: free_after = previous free_after + delta_free (and the
// same for locked), starting from zero, ending at the balance.
void expect_ledger_chains(Harness& h) {
  State& s = h.state();
  ASSERT_LE(s.header().ledger_written, s.caps().ledger) << "the ledger ring wrapped";
  std::map<std::pair<uint16_t, uint16_t>, std::pair<Amount, Amount>> last;
  for (const LedgerEntry& e : h.ledger()) {
    auto& [free, locked] = last[{e.account, e.asset}];
    EXPECT_EQ(e.free_after, free + e.delta_free) << "ledger entry of seq " << e.seq;
    EXPECT_EQ(e.locked_after, locked + e.delta_locked) << "ledger entry of seq " << e.seq;
    free = e.free_after;
    locked = e.locked_after;
  }
  for (uint16_t a = 0; a < s.account_count(); ++a) {
    for (uint16_t k = 0; k < s.asset_count(); ++k) {
      const auto [free, locked] = last[{a, k}];
      EXPECT_EQ(s.balance(a, k).free, free) << "account " << a << " asset " << k;
      EXPECT_EQ(s.balance(a, k).locked, locked) << "account " << a << " asset " << k;
    }
  }
}

// ---- spot ----------------------------------------------------------------------------------

TEST(SpotAccounting, ALimitBuyLocksQuoteAndSettlesFillsWithFeesInBaseQuoteAndAThirdAsset) {
  Harness h(kConfig);
  h.feed(spot_order({}));
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6000");  // 0.1 × 60000
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "94000");   // 100000 − 6000
  h.feed(ack("s", 1));

  // Fill 1: 0.04 at 59990, fee 0.00004 BTC.
  h.feed(fill("s", 1, 1, "0.04", "59990", "0.00004", "BTC"));
  // Released 6000 × 0.04/0.1 = 2400, paid 0.04 × 59990 = 2399.6, improvement 0.4 back to free.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "3600");   // 6000 − 2400
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "94000.4");  // 94000 + 0.4
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.03996");   // 1 + 0.04 − 0.00004
  const PositionRecord& pos = h.position("spot", "BTCUSDT");
  EXPECT_DECIMAL_EQ(pos.size, "0.03996");           // 0.04 − the base fee 0.00004
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "59990");  // a base fee leaves avg as it is
  EXPECT_DECIMAL_EQ(pos.fees, "2.3996");            // 0.00004 BTC × 59990

  // Fill 2: 0.03 at 60000, fee 1.8 USDT.
  h.feed(fill("s", 1, 2, "0.03", "60000", "1.8", "USDT"));
  // Released 3600 × 0.03/0.06 = 1800 = 0.03 × 60000 paid: no improvement.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "1800");   // 3600 − 1800
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93998.6");  // 94000.4 − 1.8 fee
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.06996");   // 1.03996 + 0.03
  EXPECT_DECIMAL_EQ(pos.size, "0.06996");                // 0.03996 + 0.03
  // (0.03996 × 59990 + 0.03 × 60000) / 0.06996 = 4197.2004 / 0.06996
  //   = 59994.28816466552… → 59994.28816467 (rounding shows: the 9th digit is 5, then 523…)
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "59994.28816467");
  EXPECT_DECIMAL_EQ(pos.fees, "4.1996");  // 2.3996 + 1.8

  // Fill 3 (final): 0.03 at 59980, fee 0.0024 BNB.
  h.feed(fill("s", 1, 3, "0.03", "59980", "0.0024", "BNB"));
  // Released all 1800, paid 0.03 × 59980 = 1799.4, improvement 0.6.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93999.2");  // 93998.6 + 0.6 = 100000 − 5999 − 1.8
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.09996");   // 1.06996 + 0.03
  EXPECT_DECIMAL_EQ(h.free("spot", "BNB"), "9.9976");    // 10 − 0.0024
  EXPECT_DECIMAL_EQ(pos.size, "0.09996");
  // (0.06996 × 59994.28816467 + 0.03 × 59980) / 0.09996 = 59990.0000000031… → 59990
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "59990");
  EXPECT_DECIMAL_EQ(pos.fees, "4.1996");  // a BNB fee is not in the position
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "0");

  const OrderRecord* o = h.order("s", 1);
  EXPECT_EQ(to_string(o->status), "filled");
  EXPECT_DECIMAL_EQ(o->filled_qty, "0.1");
  // (2399.6 + 1800 + 1799.4) / 0.1 = 5999 / 0.1 = 59990
  EXPECT_DECIMAL_EQ(o->avg_fill_price, "59990");
  EXPECT_DECIMAL_EQ(o->fees, "1.80244");  // 0.00004 + 1.8 + 0.0024 as reported
  EXPECT_EQ(o->fee_asset, h.asset("BNB"));
  EXPECT_DECIMAL_EQ(o->reserved, "0");

  const StrategyRecord& st = h.strategy_record("s");
  EXPECT_DECIMAL_EQ(st.volume, "5999");  // 2399.6 + 1800 + 1799.4
  EXPECT_DECIMAL_EQ(st.fees, "4.1996");
  EXPECT_EQ(st.fills, 3);
  const PositionRecord& sp = h.strategy_position("s", "BTCUSDT");
  EXPECT_EQ(sp.size, pos.size);
  EXPECT_EQ(sp.avg_entry_price, pos.avg_entry_price);
  expect_ledger_chains(h);
}

TEST(SpotAccounting, ALimitSellLocksBaseAndTheBuyBackRealizesPnl) {
  Harness h(kConfig);
  h.feed(spot_order({{"side", "sell"}, {"qty", "0.5"}, {"price", "61000"}}));
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.5");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "0.5");
  h.feed(ack("s", 1));
  // Sold above the limit: the buyer's price is ours, 0.5 × 61010 = 30505.
  h.feed(fill("s", 1, 1, "0.5", "61010", "30.505", "USDT"));
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "0.5");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "130474.495");  // 100000 + 30505 − 30.505
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").size, "-0.5");
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").avg_entry_price, "61010");

  h.feed(spot_order({{"cl_id", 2}, {"qty", "0.5"}, {"price", "60000"}}));  // locks 30000
  h.feed(ack("s", 2));
  h.feed(fill("s", 2, 2, "0.5", "60000", "30", "USDT"));
  const PositionRecord& pos = h.position("spot", "BTCUSDT");
  EXPECT_DECIMAL_EQ(pos.size, "0");
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "505");  // c·(p − avg)·sign(q) = 0.5 × (60000 − 61010) × −1
  EXPECT_DECIMAL_EQ(pos.fees, "60.505");                    // 30.505 + 30
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "100444.495");  // 130474.495 − 30000 − 30
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");
  EXPECT_EQ(h.strategy_record("s").wins, 1);
  EXPECT_DECIMAL_EQ(h.strategy_record("s").realized_pnl, "505");
  expect_ledger_chains(h);
}

TEST(SpotAccounting, AMarketBuyReservesAskTimesOnePlusBandAndRefundsTheRest) {
  Harness h(kConfig);
  h.feed(tick_quote("BTCUSDT", "60000", "60000.5"));
  h.feed(spot_order({{"type", "market"}, {"tif", "ioc"}, {"price", nullptr}}));
  // 0.1 × 60000.5 × 1.05 = 0.1 × 63000.525 = 6300.0525
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6300.0525");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93699.9475");
  h.feed(ack("s", 1));
  h.feed(fill("s", 1, 1, "0.1", "60001", "0.0001", "BTC"));
  // Paid 0.1 × 60001 = 6000.1 out of the 6300.0525 released; 299.9525 back.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93999.9");  // 100000 − 6000.1
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.0999");    // 1 + 0.1 − 0.0001
  expect_ledger_chains(h);
}

TEST(SpotAccounting, AMarketReservationOnAHalfwayValueRoundsToEven) {
  Harness h(kConfig);
  h.feed(tick_quote("BTCUSDT", "60000.32", "60000.33"));
  h.feed(spot_order({{"type", "market"}, {"tif", "ioc"}, {"price", nullptr}, {"qty", "0.00013"}}));
  // 60000.33 × 1.05 = 63000.3465; × 0.00013 = 8.190045045, exactly halfway between
  // 8.19004504 and 8.19004505: half-to-even keeps the even 8.19004504.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "8.19004504");
  h.feed(ack("s", 1));
  h.feed(fill("s", 1, 1, "0.00004", "60000.33"));
  // Released 8.19004504 × 0.00004/0.00013 = 2.52001385846… → 2.52001386;
  // paid 0.00004 × 60000.33 = 2.4000132.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "5.67003118");    // 8.19004504 − 2.52001386
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "99991.92995562");  // 100000 − 8.19004504
                                                                //   + 2.52001386 − 2.4000132
  // The IOC remainder expires at the venue: the rest is released.
  h.feed(R"({"op":"expired","client":"s","cl_id":1})");
  EXPECT_EQ(to_string(h.order("s", 1)->status), "expired");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "99997.5999868");  // 100000 − 2.4000132
  expect_ledger_chains(h);
}

TEST(SpotAccounting, APositionFeeConvertedFromBaseRoundsHalfToEven) {
  Harness h(kConfig);
  h.feed(spot_order({{"qty", "0.002"}, {"price", "60000.5"}}));  // notional 120.001
  h.feed(ack("s", 1));
  h.feed(fill("s", 1, 1, "0.001", "60000.5", "0.00000001", "BTC"));
  // 0.00000001 × 60000.5 = 0.000600005: halfway, the even neighbour is 0.00060000.
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").fees, "0.0006");
  h.feed(fill("s", 1, 2, "0.001", "60000.5", "0.00000003", "BTC"));
  // 0.00000003 × 60000.5 = 0.001800015: halfway, the even neighbour is 0.00180002.
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").fees, "0.00240002");  // 0.0006 + 0.00180002
  EXPECT_DECIMAL_EQ(h.strategy_record("s").fees, "0.00240002");
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").size, "0.00199996");  // 0.002 − 0.00000004
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.00199996");
}

TEST(SpotAccounting, APartialFillThenCancelReleasesTheRestOnCancelAck) {
  Harness h(kConfig);
  h.feed_all({spot_order({}), ack("s", 1)});
  h.feed(fill("s", 1, 1, "0.025", "60000"));
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "4500");  // 6000 − 6000 × 0.025/0.1
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "94000");

  h.feed(R"({"op":"cancel","client":"s","cl_id":1})");
  EXPECT_EQ(to_string(h.order("s", 1)->status), "pending_cancel");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "4500");  // held until the venue confirms

  h.feed(R"({"op":"cancel_ack","client":"s","cl_id":1})");
  EXPECT_EQ(to_string(h.order("s", 1)->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "98500");  // 100000 − 0.025 × 60000
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.025");
  EXPECT_DECIMAL_EQ(h.strategy_position("s", "BTCUSDT").open_buy_qty, "0");
  expect_ledger_chains(h);
}

// ---- linear futures ------------------------------------------------------------------------

TEST(LinearFutures, LongThenPartialCloseThenFlipKeepsMarginsPnlAndBalancesExact) {
  Harness h(kConfig);
  const char* perp = "BTCUSDT-PERP";
  // Leverage 10 (the account's). Deposits 50000 USDT.
  h.feed(fut_order(1, perp, "buy", "0.5", "60000"));
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000");  // order margin 0.5 × 60000 / 10
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "47000");
  h.feed(ack("f", 1));
  h.feed(fill("f", 1, 1, "0.5", "60000", "6", "USDT"));
  const PositionRecord& pos = h.position("fut", perp);
  EXPECT_DECIMAL_EQ(pos.size, "0.5");
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "60000");
  EXPECT_DECIMAL_EQ(pos.margin, "3000");  // |q|·avg·mult/L = 0.5 × 60000 × 1 / 10
  // Long: avg·(1 − 1/L)/(1 − m) = 60000 × 0.9 / 0.996 = 54216.8674698795… → 54216.86746988
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "54216.86746988");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000");  // Σ position margins, no open order
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "46994");   // total 50000 − 6 fee, minus 3000 locked

  // Mark = mid of 61000 / 61000.2 = 61000.1.
  h.feed(tick_quote(perp, "61000", "61000.2"));
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "500.05");  // 0.5 × (61000.1 − 60000) × 1

  // Partial close: sell 0.2 at 61000. Fully reducing (0.2 ≤ |0.5|): no order margin.
  h.feed(fut_order(2, perp, "sell", "0.2", "61000"));
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000");
  h.feed(ack("f", 2));
  h.feed(fill("f", 2, 2, "0.2", "61000", "2.44", "USDT"));
  EXPECT_DECIMAL_EQ(pos.size, "0.3");
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "60000");
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "200");                  // 0.2 × (61000 − 60000) × 1
  EXPECT_DECIMAL_EQ(pos.margin, "1800");                       // 0.3 × 60000 / 10
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "300.03");             // 0.3 × (61000.1 − 60000)
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "54216.86746988");  // avg unchanged
  // total = 50000 + 200 − (6 + 2.44) = 50191.56; locked 1800; free 48391.56.
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "1800");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "48391.56");

  // Flip: sell 0.8 at 61500; 0.3 reduces, 0.5 opens: order margin 0.5 × 61500 / 10 = 3075.
  h.feed(fut_order(3, perp, "sell", "0.8", "61500"));
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "4875");    // 1800 + 3075
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "45316.56");  // 48391.56 − 3075
  h.feed(ack("f", 3));
  h.feed(fill("f", 3, 3, "0.8", "61500", "9.84", "USDT"));
  EXPECT_DECIMAL_EQ(pos.size, "-0.5");              // 0.3 − 0.8
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "61500");  // the rest opens at p
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "650");       // 200 + 0.3 × (61500 − 60000)
  EXPECT_DECIMAL_EQ(pos.fees, "18.28");             // 6 + 2.44 + 9.84
  EXPECT_DECIMAL_EQ(pos.margin, "3075");            // 0.5 × 61500 / 10
  // Short: avg·(1 + 1/L)/(1 + m) = 61500 × 1.1 / 1.004 = 67380.4780876494… → 67380.47808765
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "67380.47808765");
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "249.95");  // −0.5 × (61000.1 − 61500)
  // total = 50000 + 650 − 18.28 = 50631.72; locked = 3075 (position only); free 47556.72.
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3075");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "47556.72");

  // A later mark moves the unrealized PnL only.
  h.feed(tick_quote(perp, "60000", "60000"));
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "750");  // −0.5 × (60000 − 61500)
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "47556.72");

  // The strategy position is the account position (one strategy trades it).
  const PositionRecord& sp = h.strategy_position("f", perp);
  EXPECT_EQ(sp.size, pos.size);
  EXPECT_EQ(sp.avg_entry_price, pos.avg_entry_price);
  EXPECT_EQ(sp.realized_pnl, pos.realized_pnl);
  EXPECT_EQ(sp.fees, pos.fees);
  EXPECT_EQ(sp.unrealized_pnl, pos.unrealized_pnl);
  const StrategyRecord& st = h.strategy_record("f");
  EXPECT_DECIMAL_EQ(st.realized_pnl, "650");
  EXPECT_DECIMAL_EQ(st.fees, "18.28");
  EXPECT_DECIMAL_EQ(st.volume, "91400");  // 30000 + 12200 + 49200
  EXPECT_EQ(st.wins, 2);
  EXPECT_EQ(st.losses, 0);
  EXPECT_DECIMAL_EQ(h.free("fut", "BTC"), "2");  // no asset changes hands on a futures fill

  // total = deposits − withdrawals + realized − fees = 50000 − 1000 + 650 − 18.28 = 49631.72
  h.feed(R"({"op":"withdraw","account":"fut","asset":"USDT","amount":"1000"})");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "46556.72");  // 49631.72 − 3075 locked
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3075");
  expect_ledger_chains(h);
}

TEST(LinearFutures, ClosingToFlatReleasesThePositionMarginAndBooksTheLoss) {
  Harness h(kConfig);
  const char* perp = "BTCUSDT-PERP";
  h.feed_all({fut_order(1, perp, "buy", "0.5", "60000"), ack("f", 1),
              fill("f", 1, 1, "0.5", "60000"), fut_order(2, perp, "sell", "0.5", "59000"),
              ack("f", 2), fill("f", 2, 2, "0.5", "59000")});
  const PositionRecord& pos = h.position("fut", perp);
  EXPECT_DECIMAL_EQ(pos.size, "0");
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "-500");  // 0.5 × (59000 − 60000)
  EXPECT_DECIMAL_EQ(pos.margin, "0");
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "0");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "49500");  // 50000 − 500
  EXPECT_EQ(h.strategy_record("f").losses, 1);
  expect_ledger_chains(h);
}

TEST(LinearFutures, AFillThatPushesFreeBelowZeroIsAppliedWithAMarginCall) {
  Harness h(kConfig);
  const char* perp = "BTCUSDT-PERP";
  h.feed_all({fut_order(1, perp, "buy", "0.5", "60000"), ack("f", 1)});            // margin 3000
  h.feed(R"({"op":"withdraw","account":"fut","asset":"USDT","amount":"47000"})");  // free 0
  const auto events = h.feed(fill("f", 1, 1, "0.5", "60000", "6", "USDT"));
  EXPECT_EQ(test::of_type(events, EventType::kFill).size(), 1u);
  EXPECT_EQ(test::alert_reason(events), "MARGIN_CALL");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "-6");  // 50000 − 47000 − 6 − 3000 locked
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000");
  EXPECT_DECIMAL_EQ(h.position("fut", perp).size, "0.5");
}

TEST(LinearFutures, AnOrderMarginShrinksProRataWithFills) {
  Harness h(kConfig);
  const char* perp = "BTCUSDT-PERP";
  h.feed_all({fut_order(1, perp, "buy", "0.5", "60000"), ack("f", 1)});  // margin 3000
  h.feed(fill("f", 1, 1, "0.2", "59000", "2.36", "USDT"));
  // Order margin left: 3000 − 3000 × 0.2/0.5 = 1800; position margin 0.2 × 59000 / 10 = 1180.
  EXPECT_DECIMAL_EQ(h.order("f", 1)->reserved, "1800");
  EXPECT_DECIMAL_EQ(h.position("fut", perp).margin, "1180");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "2980");    // 1800 + 1180
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "47017.64");  // 50000 − 2.36 − 2980
  expect_ledger_chains(h);
}

TEST(LinearFutures, AMarketOrderIsMarginedAtTheTouchWithoutTheBand) {
  Harness h(kConfig);
  h.feed(tick_quote("BTCUSDT-PERP", "60000", "60000.1"));
  h.feed(json{{"op", "new_order"},
              {"client", "f"},
              {"cl_id", 1},
              {"account", "fut"},
              {"strategy", "f"},
              {"symbol", "BTCUSDT-PERP"},
              {"side", "buy"},
              {"type", "market"},
              {"tif", "ioc"},
              {"qty", "0.5"}}
             .dump());
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000.005");  // 0.5 × 60000.1 / 10
}

TEST(LinearFutures, SetLeverageRemarginsTheOpenPositionAtOnce) {
  Harness h(kConfig);
  const char* perp = "BTCUSDT-PERP";
  h.feed_all(
      {fut_order(1, perp, "buy", "0.5", "60000"), ack("f", 1), fill("f", 1, 1, "0.5", "60000")});
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "3000");  // 0.5 × 60000 / 10
  h.feed(R"({"op":"set_leverage","account":"fut","symbol":"BTCUSDT-PERP","leverage":20})");
  const PositionRecord& pos = h.position("fut", perp);
  EXPECT_DECIMAL_EQ(pos.margin, "1500");  // 0.5 × 60000 / 20
  // 60000 × (1 − 1/20) / (1 − 0.004) = 57000 / 0.996 = 57228.9156626506… → 57228.91566265
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "57228.91566265");
  EXPECT_DECIMAL_EQ(h.locked("fut", "USDT"), "1500");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "48500");
  expect_ledger_chains(h);
}

// ---- inverse futures -----------------------------------------------------------------------

TEST(InverseFutures, AverageIsHarmonicAndPnlAndMarginAreInCoin) {
  Harness h(kConfig);
  const char* perp = "BTCUSD_PERP";
  // Order margin qty·mult/(price·L) = 100 × 100 / (50000 × 10) = 0.02 BTC.
  h.feed(fut_order(1, perp, "buy", "100", "50000"));
  EXPECT_DECIMAL_EQ(h.locked("fut", "BTC"), "0.02");
  EXPECT_DECIMAL_EQ(h.free("fut", "BTC"), "1.98");
  h.feed(ack("f", 1));

  h.feed(fill("f", 1, 1, "60", "50000", "0.000024", "BTC"));
  const PositionRecord& pos = h.position("fut", perp);
  EXPECT_DECIMAL_EQ(pos.size, "60");
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "50000");
  EXPECT_DECIMAL_EQ(pos.margin, "0.012");  // 60 × 100 / (50000 × 10)
  // Order margin left 0.02 − 0.012 = 0.008; position margin 0.012.
  EXPECT_DECIMAL_EQ(h.locked("fut", "BTC"), "0.02");
  EXPECT_DECIMAL_EQ(h.free("fut", "BTC"), "1.979976");  // 2 − 0.000024 − 0.02

  h.feed(fill("f", 1, 2, "40", "40000", "0.00002", "BTC"));
  // Harmonic: (60 + 40) / (60/50000 + 40/40000) = 100 / 0.0022 = 45454.5454545454…
  //   → 45454.54545455
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "45454.54545455");
  EXPECT_DECIMAL_EQ(pos.size, "100");
  // 100 × 100 / (45454.54545455 × 10) = 0.0219999999999978 → 0.022
  EXPECT_DECIMAL_EQ(pos.margin, "0.022");
  EXPECT_DECIMAL_EQ(h.locked("fut", "BTC"), "0.022");
  // total = 2 − 0.000024 − 0.00002 = 1.999956; free = 1.999956 − 0.022
  EXPECT_DECIMAL_EQ(h.free("fut", "BTC"), "1.977956");
  EXPECT_DECIMAL_EQ(h.order("f", 1)->avg_fill_price, "45454.54545455");

  // Unrealized at mark 55000: |q|·mult·(1/avg − 1/mark)·sign(q)
  //   = 100 × 100 × (1/45454.54545455 − 1/55000) = 0.0381818181817961… → 0.03818182
  h.feed(tick_quote(perp, "55000", "55000"));
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "0.03818182");

  // Close half at 55000: fully reducing, no order margin.
  h.feed(fut_order(2, perp, "sell", "50", "55000"));
  EXPECT_DECIMAL_EQ(h.locked("fut", "BTC"), "0.022");
  h.feed(ack("f", 2));
  h.feed(fill("f", 2, 3, "50", "55000", "0.00001818", "BTC"));
  // Realized c·mult·(1/avg − 1/p)·sign(q) = 50 × 100 × (1/45454.54545455 − 1/55000)
  //   = 0.0190909090908980… → 0.01909091 BTC
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "0.01909091");
  EXPECT_DECIMAL_EQ(pos.size, "50");
  EXPECT_DECIMAL_EQ(pos.avg_entry_price, "45454.54545455");
  EXPECT_DECIMAL_EQ(pos.margin, "0.011");  // 50 × 100 / (45454.54545455 × 10) → 0.011
  EXPECT_DECIMAL_EQ(pos.unrealized_pnl, "0.01909091");  // same figure for the half still open
  EXPECT_DECIMAL_EQ(pos.fees, "0.00006218");            // 0.000024 + 0.00002 + 0.00001818
  // 45454.54545455 × 0.9 / 0.996 = 41073.384446882… → 41073.38444688
  EXPECT_DECIMAL_EQ(pos.liquidation_price, "41073.38444688");
  // total = 2 + 0.01909091 − 0.00006218 = 2.01902873; locked 0.011; free 2.00802873
  EXPECT_DECIMAL_EQ(h.locked("fut", "BTC"), "0.011");
  EXPECT_DECIMAL_EQ(h.free("fut", "BTC"), "2.00802873");
  EXPECT_DECIMAL_EQ(h.free("fut", "USDT"), "50000");
  expect_ledger_chains(h);
}

// ---- brackets ------------------------------------------------------------------------------

// Spot entry: buy 0.1 at 60000 with stop_loss 58000 and take_profit 63000, filled in two parts.
// Returns the engine ids of the stop-loss and take-profit exits.
std::pair<uint64_t, uint64_t> filled_bracket_entry(Harness& h) {
  h.feed(spot_order({{"stop_loss", "58000"}, {"take_profit", "63000"}}));
  h.feed(ack("s", 1));
  const auto events = h.feed(fill("s", 1, 1, "0.04", "60000", "2.4", "USDT"));
  const auto created = test::of_type(events, EventType::kCreated);
  EXPECT_EQ(created.size(), 2u);
  if (created.size() != 2) return {0, 0};
  uint64_t sl = created[0].order_id;
  uint64_t tp = created[1].order_id;
  if (h.order_by_id(sl)->type != OrderType::kStopMarket) std::swap(sl, tp);
  return {sl, tp};
}

TEST(Brackets, EntryFillsCreateTwoReduceOnlyExitsSizedToTheFilledQtyWithOneLock) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = filled_bracket_entry(h);
  ASSERT_NE(sl_id, 0u);
  const OrderRecord* sl = h.order_by_id(sl_id);
  const OrderRecord* tp = h.order_by_id(tp_id);
  ASSERT_NE(sl, nullptr);
  ASSERT_NE(tp, nullptr);
  EXPECT_EQ(to_string(sl->type), "stop_market");
  EXPECT_EQ(to_string(tp->type), "take_profit_market");
  for (const OrderRecord* x : {sl, tp}) {
    EXPECT_EQ(to_string(x->status), "untriggered");
    EXPECT_EQ(to_string(x->side), "sell");
    EXPECT_EQ(to_string(x->tif), "gtc");
    EXPECT_NE(x->flags & kFlagReduceOnly, 0);
    EXPECT_EQ(x->cl_id, 0u);
    EXPECT_DECIMAL_EQ(x->qty, "0.04");
  }
  EXPECT_DECIMAL_EQ(sl->stop_price, "58000");
  EXPECT_DECIMAL_EQ(tp->stop_price, "63000");
  // One reservation for the pair: 0.04 BTC, not 0.08.
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.04");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");         // 1 + 0.04 bought − 0.04 locked
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "3600");   // 6000 − 2400
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93997.6");  // 94000 − 2.4 fee

  // The second fill resizes both exits to 0.1 and the lock to 0.1 BTC.
  h.feed(fill("s", 1, 2, "0.06", "60000", "3.6", "USDT"));
  EXPECT_DECIMAL_EQ(sl->qty, "0.1");
  EXPECT_DECIMAL_EQ(tp->qty, "0.1");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "93994");  // 100000 − 6000 − 2.4 − 3.6
  EXPECT_DECIMAL_EQ(h.strategy_position("s", "BTCUSDT").open_sell_qty, "0.2");  // two exits
  expect_ledger_chains(h);
}

TEST(Brackets, TakeProfitTriggersCancelsTheStopLossAndTakesOverTheLock) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = filled_bracket_entry(h);
  ASSERT_NE(sl_id, 0u);
  h.feed(fill("s", 1, 2, "0.06", "60000", "3.6", "USDT"));

  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "62999.99")).empty());
  const auto events = h.feed(tick_last("BTCUSDT", "63000"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(events[0].order_id, tp_id);
  EXPECT_EQ(events[1].type, EventType::kCancelled);
  EXPECT_EQ(events[1].order_id, sl_id);

  const OrderRecord* sl = h.order_by_id(sl_id);
  const OrderRecord* tp = h.order_by_id(tp_id);
  EXPECT_EQ(to_string(sl->status), "cancelled");
  EXPECT_EQ(to_string(tp->status), "pending_new");
  EXPECT_DECIMAL_EQ(tp->reserved, "0.1");  // the lock moved to the triggered exit
  EXPECT_DECIMAL_EQ(sl->reserved, "0");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");

  h.feed(ack_id(tp_id));
  h.feed(fill_id(tp_id, 3, "0.1", "63000", "6.3", "USDT"));
  EXPECT_EQ(to_string(tp->status), "filled");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "100287.7");  // 93994 + 0.1 × 63000 − 6.3
  const PositionRecord& pos = h.position("spot", "BTCUSDT");
  EXPECT_DECIMAL_EQ(pos.size, "0");
  EXPECT_DECIMAL_EQ(pos.realized_pnl, "300");  // 0.1 × (63000 − 60000)
  EXPECT_DECIMAL_EQ(pos.fees, "12.3");         // 2.4 + 3.6 + 6.3
  EXPECT_DECIMAL_EQ(h.strategy_position("s", "BTCUSDT").open_sell_qty, "0");
  expect_ledger_chains(h);
}

TEST(Brackets, StopLossTriggersAndCancelsTheTakeProfit) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = filled_bracket_entry(h);
  ASSERT_NE(sl_id, 0u);
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "58000.01")).empty());
  const auto events = h.feed(tick_last("BTCUSDT", "58000"));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(events[0].order_id, sl_id);
  EXPECT_EQ(events[1].type, EventType::kCancelled);
  EXPECT_EQ(events[1].order_id, tp_id);
  EXPECT_EQ(to_string(h.order_by_id(tp_id)->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.order_by_id(sl_id)->reserved, "0.04");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.04");

  // Once an exit has triggered the pair is no longer resized.
  h.feed(fill("s", 1, 2, "0.06", "60000", "3.6", "USDT"));
  EXPECT_DECIMAL_EQ(h.order_by_id(sl_id)->qty, "0.04");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.04");
  expect_ledger_chains(h);
}

TEST(Brackets, CancellingTheExitThatHoldsTheLockHandsItToItsSibling) {
  Harness h(kConfig);
  const auto [sl_id, tp_id] = filled_bracket_entry(h);
  ASSERT_NE(sl_id, 0u);
  EXPECT_DECIMAL_EQ(h.order_by_id(sl_id)->reserved, "0.04");  // the first exit holds it
  h.feed(json{{"op", "cancel"}, {"order_id", sl_id}}.dump());
  EXPECT_EQ(to_string(h.order_by_id(sl_id)->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.order_by_id(tp_id)->reserved, "0.04");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.04");
  h.feed(json{{"op", "cancel"}, {"order_id", tp_id}}.dump());
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1.04");
  expect_ledger_chains(h);
}

TEST(Brackets, SpotBuyExitsAreCappedAtTheBaseLeftAfterABaseFee) {
  Harness h(kConfig);
  h.feed(R"({"op":"withdraw","account":"spot","asset":"BTC","amount":"1"})");  // no BTC held
  h.feed(spot_order({{"stop_loss", "58000"}, {"take_profit", "63000"}}));
  h.feed(ack("s", 1));
  const auto events = h.feed(fill("s", 1, 1, "0.1", "60000", "0.0001", "BTC"));
  const auto created = test::of_type(events, EventType::kCreated);
  ASSERT_EQ(created.size(), 2u);
  // 0.1 bought − 0.0001 fee = 0.0999 BTC to sell (on the 0.00001 step grid).
  for (const Event& e : created) EXPECT_DECIMAL_EQ(h.order_by_id(e.order_id)->qty, "0.0999");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.0999");
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "0");
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").size, "0.0999");
}

TEST(Brackets, ASellEntrysExitsShareOneQuoteLockCoveringTheHigherStop) {
  Harness h(kConfig);
  h.feed(spot_order({{"side", "sell"}, {"stop_loss", "62000"}, {"take_profit", "57000"}}));
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");
  h.feed(ack("s", 1));
  const auto events = h.feed(fill("s", 1, 1, "0.1", "60000"));
  ASSERT_EQ(test::of_type(events, EventType::kCreated).size(), 2u);
  // Both exits are buys executing as market orders: one lock for the pair, at the higher stop
  // plus the band: 0.1 × 62000 × 1.05 = 6510.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6510");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "99490");  // 100000 + 0.1 × 60000 − 6510
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "0.9");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0");

  // Take-profit buy fires at last ≤ 57000; the stop-loss is cancelled; the lock stays whole.
  const auto fired = h.feed(tick_last("BTCUSDT", "57000"));
  ASSERT_EQ(fired.size(), 2u);
  const uint64_t tp_id = fired[0].order_id;
  EXPECT_EQ(to_string(h.order_by_id(tp_id)->type), "take_profit_market");
  EXPECT_EQ(fired[1].type, EventType::kCancelled);
  EXPECT_DECIMAL_EQ(h.order_by_id(tp_id)->reserved, "6510");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6510");

  h.feed(ack_id(tp_id));
  h.feed(fill_id(tp_id, 2, "0.1", "57000", "0", "USDT"));
  // Released 6510, paid 0.1 × 57000 = 5700, 810 back.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "100300");  // 99490 + 810
  EXPECT_DECIMAL_EQ(h.free("spot", "BTC"), "1");
  EXPECT_DECIMAL_EQ(h.position("spot", "BTCUSDT").realized_pnl,
                    "300");  // 0.1 × (57000 − 60000) × −1
  expect_ledger_chains(h);
}

// ---- conditional orders --------------------------------------------------------------------

struct Trigger {
  const char* name;
  const char* type;
  const char* side;
  const char* stop;
  const char* price;  // limit price for *_limit, else nullptr
  const char* lock_asset;
  const char* lock;      // reservation at placement
  const char* short_of;  // a last price that must not trigger
  const char* at;        // the last price that triggers
};

class ConditionalOrder : public ::testing::TestWithParam<Trigger> {};

TEST_P(ConditionalOrder, ReservesAtPlacementAndTriggersAtItsLevel) {
  const Trigger& t = GetParam();
  Harness h(kConfig);
  json changes = {{"type", t.type},
                  {"side", t.side},
                  {"stop_price", t.stop},
                  {"price", t.price != nullptr ? json(t.price) : json(nullptr)}};
  h.feed(spot_order(changes));
  const OrderRecord* o = h.order("s", 1);
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(to_string(o->status), "untriggered");
  EXPECT_DECIMAL_EQ(h.locked("spot", t.lock_asset), t.lock);

  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", t.short_of)).empty());
  EXPECT_EQ(to_string(o->status), "untriggered");

  const auto events = h.feed(tick_last("BTCUSDT", t.at));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(events[0].order_id, o->id);
  EXPECT_EQ(to_string(o->status), "pending_new");
  EXPECT_EQ(to_string(o->type), t.type);                      // keeps its type and id
  EXPECT_DECIMAL_EQ(h.locked("spot", t.lock_asset), t.lock);  // the reservation stays

  h.feed(ack("s", 1));
  EXPECT_EQ(to_string(o->status), "open");
}

// Spot sells lock 0.1 BTC. Market-type buys lock qty × stop × (1 + band); limit-type buys
// lock qty × price.
const Trigger kTriggers[] = {
    // Stop sell fires at last ≤ stop.
    {"StopMarketSell", "stop_market", "sell", "59000", nullptr, "BTC", "0.1", "59000.01", "59000"},
    // Stop buy fires at last ≥ stop: 0.1 × 61000 × 1.05 = 6405.
    {"StopMarketBuy", "stop_market", "buy", "61000", nullptr, "USDT", "6405", "60999.99", "61000"},
    // Take-profit sell fires at last ≥ stop.
    {"TakeProfitMarketSell", "take_profit_market", "sell", "62000", nullptr, "BTC", "0.1",
     "61999.99", "62000"},
    // Take-profit buy fires at last ≤ stop: 0.1 × 58000 × 1.05 = 6090.
    {"TakeProfitMarketBuy", "take_profit_market", "buy", "58000", nullptr, "USDT", "6090",
     "58000.01", "58000"},
    // 0.1 × 61100 = 6110.
    {"StopLimitBuy", "stop_limit", "buy", "61000", "61100", "USDT", "6110", "60999.99", "61000"},
    {"TakeProfitLimitSell", "take_profit_limit", "sell", "62000", "61900", "BTC", "0.1", "61999.99",
     "62000.5"},
    // A gap through the level fires as well.
    {"StopMarketSellOnAGap", "stop_market", "sell", "59000", nullptr, "BTC", "0.1", "59000.01",
     "50000"},
};

std::string trigger_name(const ::testing::TestParamInfo<Trigger>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(EachKind, ConditionalOrder, ::testing::ValuesIn(kTriggers), trigger_name);

TEST(ConditionalOrders, TriggerOnTheMarkWhenATickHasNoLast) {
  Harness h(kConfig);
  h.feed(spot_order({{"type", "stop_market"}, {"price", nullptr}, {"stop_price", "61000"}}));
  // Mark = (60998 + 61001) / 2 = 60999.5 < 61000.
  EXPECT_TRUE(h.feed(tick_quote("BTCUSDT", "60998", "61001")).empty());
  // Mark = (60999 + 61001) / 2 = 61000 ≥ 61000.
  const auto events = h.feed(tick_quote("BTCUSDT", "60999", "61001"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
}

TEST(ConditionalOrders, ATrailingSellActivatesThenTrailsTheHighAndFiresOnTheCallback) {
  Harness h(kConfig);
  h.feed(spot_order({{"type", "trailing_stop"},
                     {"side", "sell"},
                     {"price", nullptr},
                     {"callback_rate", "0.01"},
                     {"activation_price", "61000"}}));
  const OrderRecord* o = h.order("s", 1);
  ASSERT_NE(o, nullptr);
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");

  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "60500")).empty());  // below activation: waits
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "60000")).empty());  // not active, so no fire
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "61000")).empty());  // activates; high 61000
  EXPECT_DECIMAL_EQ(o->stop_price, "60390");                   // 61000 × (1 − 0.01)
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "62000")).empty());  // new high
  EXPECT_DECIMAL_EQ(o->stop_price, "61380");                   // 62000 × 0.99
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "61500")).empty());  // high stays 62000
  EXPECT_DECIMAL_EQ(o->stop_price, "61380");
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "61380.01")).empty());
  EXPECT_EQ(to_string(o->status), "untriggered");

  const auto events = h.feed(tick_last("BTCUSDT", "61380"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(to_string(o->status), "pending_new");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");
}

TEST(ConditionalOrders, ATrailingBuyWithoutActivationTrailsTheLowAtOnce) {
  Harness h(kConfig);
  h.feed(R"({"op":"tick","symbol":"BTCUSDT","bid":"59999","ask":"60001","last":"60000"})");
  h.feed(spot_order({{"type", "trailing_stop"}, {"price", nullptr}, {"callback_rate", "0.02"}}));
  const OrderRecord* o = h.order("s", 1);
  ASSERT_NE(o, nullptr);
  // Valued at the ask: 60001 × 1.05 = 63001.05; × 1.02 = 64261.071; × 0.1 = 6426.1071.
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6426.1071");

  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "60000")).empty());  // low 60000
  EXPECT_DECIMAL_EQ(o->stop_price, "61200");                   // 60000 × 1.02
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "59000")).empty());  // new low
  EXPECT_DECIMAL_EQ(o->stop_price, "60180");                   // 59000 × 1.02
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "60179.99")).empty());
  const auto events = h.feed(tick_last("BTCUSDT", "60180"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kTriggered);
  EXPECT_EQ(to_string(o->status), "pending_new");
}

// ---- GTD expiry ----------------------------------------------------------------------------

TEST(GtdExpiry, HappensAtTheFirstInputWhoseTsReachesExpireTs) {
  Harness h(kConfig);
  const int64_t expire = kDayStart + 10 * kSecond;
  h.feed(spot_order({{"tif", "gtd"}, {"expire_ts", expire}}));
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "6000");

  const std::string deposit = R"({"op":"deposit","account":"spot","asset":"USDT","amount":"1"})";
  auto events = h.feed(with(json::parse(deposit), {{"ts", expire - 1}}));
  EXPECT_TRUE(test::of_type(events, EventType::kExpired).empty());
  EXPECT_EQ(to_string(h.order("s", 1)->status), "pending_new");

  events = h.feed(with(json::parse(deposit), {{"ts", expire}}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kExpired);  // before the input's own outcome
  EXPECT_EQ(events[1].type, EventType::kBalance);
  EXPECT_EQ(to_string(h.order("s", 1)->status), "expired");
  EXPECT_DECIMAL_EQ(h.locked("spot", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("spot", "USDT"), "100002");  // 100000 + 1 + 1
  expect_ledger_chains(h);
}

TEST(GtdExpiry, ATimerInputExpiresAnUntriggeredOrderToo) {
  Harness h(kConfig);
  const int64_t expire = kDayStart + 10 * kSecond;
  h.feed(spot_order({{"type", "stop_market"},
                     {"side", "sell"},
                     {"price", nullptr},
                     {"stop_price", "59000"},
                     {"tif", "gtd"},
                     {"expire_ts", expire}}));
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0.1");
  const auto events = h.feed(json{{"op", "timer"}, {"ts", expire + 5}}.dump());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kExpired);
  EXPECT_EQ(to_string(h.order("s", 1)->status), "expired");
  EXPECT_DECIMAL_EQ(h.locked("spot", "BTC"), "0");
  // It left the trigger list: a tick through its level does nothing.
  EXPECT_TRUE(h.feed(tick_last("BTCUSDT", "58000")).empty());
}

}  // namespace
}  // namespace ose
