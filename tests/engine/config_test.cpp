// Config loading (DESIGN §8): a good file yields the parsed values and the documented defaults;
// every bad value is refused with "ORIGIN:LINE: KEY: WHAT" naming the first problem.
#include "engine/formats/config.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ose {
namespace {

// Joins lines with '\n', so that element i of `lines` is line i + 1 of the text.
std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (std::string_view line : lines) {
    out.append(line);
    out.push_back('\n');
  }
  return out;
}

Result<EngineConfig> Load(std::initializer_list<std::string_view> lines) {
  return load_config_string(Lines(lines), "<inline>");
}

// What a config needs besides the keys a test is about: an engine name and an account (an
// instrument comes from the test). Appended after the test's lines, so their numbers stay.
constexpr std::string_view kEngineAndAccount = R"(
[engine]
name = "t"
[[accounts]]
name = "main"
)";

// Lines 1-4 declare the assets USDT and BTC, line 5 opens [[instruments]]; `lines` follow from
// line 6 on (then kEngineAndAccount).
Result<EngineConfig> LoadInstrument(std::initializer_list<std::string_view> lines) {
  std::string text = Lines({
      "[[assets]]",       // 1
      "code = \"USDT\"",  // 2
      "[[assets]]",       // 3
      "code = \"BTC\"",   // 4
      "[[instruments]]",  // 5
  });
  text += Lines(lines);
  text += kEngineAndAccount;
  return load_config_string(text, "<inline>");
}

// Passes when loading failed with a message containing `expected`.
::testing::AssertionResult FailsWith(const Result<EngineConfig>& r, std::string_view expected) {
  if (r.ok()) {
    return ::testing::AssertionFailure()
           << "the config loaded; expected an error containing \"" << expected << "\"";
  }
  if (r.error().find(expected) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "error \"" << r.error() << "\" does not contain \"" << expected << "\"";
  }
  return ::testing::AssertionSuccess();
}

// ---- a good config -------------------------------------------------------------------------

// Its own BTCUSDT, not tests/support/btcusdt_spot.hpp: a negative maker fee, an asset precision
// and a bare-integer max_qty exercise the parser where the shared market does not.
constexpr std::string_view kGoodConfig = R"([engine]
name = "demo"
max_orders = 1024
max_positions = 64
durability = "sync"
data_dir = "/tmp/ose-test-data"
snapshot_every = 5000

[[assets]]
code = "USDT"

[[assets]]
code = "USD"

[[assets]]
code = "BTC"
precision = 6

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.0001"
max_qty = 9000
min_notional = "5"
maker_fee = "-0.0001"
taker_fee = "0.001"
price_band = "0.05"

[[instruments]]
symbol = "BTCUSDT-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
max_leverage = 20
maintenance_margin = "0.004"

[[instruments]]
symbol = "BTCUSD-INV"
kind = "inverse"
base = "BTC"
quote = "USD"
tick_size = "0.5"
step_size = "1"
multiplier = "100"
status = "halted"

[[instruments]]
symbol = "BTCUSD-LQ"
kind = "linear"
base = "BTC"
quote = "USD"
settle = "USDT"
tick_size = "0.5"
step_size = "1"
venue = "sim"

[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000", BTC = "1.5" }

[[accounts]]
name = "fut"
type = "futures"
leverage = 5
status = "halted"

[[strategies]]
name = "ema1"
account = "main"
max_open_orders = 50
max_position = "10"
max_order_notional = "50000"
max_daily_loss = "1000"
max_daily_trades = 1000

[[strategies]]
name = "idle"
account = "fut"
state = "paused"

[[clients]]
name = "ema1"
role = "strategy"
accounts = ["main"]
rate_limit = 1000

[[clients]]
name = "sim"
role = "venue"
)";

TEST(Config, LoadsTheEngineSection) {
  auto r = load_config_string(kGoodConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();
  const EngineConfig& c = *r;
  EXPECT_EQ(c.source, "<inline>");
  EXPECT_EQ(c.name, "demo");
  EXPECT_EQ(c.max_orders, 1024u);
  EXPECT_EQ(c.max_positions, 64u);
  EXPECT_EQ(c.durability, "sync");
  EXPECT_EQ(c.data_dir, "/tmp/ose-test-data");
  EXPECT_EQ(c.snapshot_every, 5000u);
  EXPECT_EQ(c.max_trades, 1024u);  // default: max_orders
  EXPECT_EQ(c.max_ledger, 1024u);  // default: max_orders
}

TEST(Config, LoadsAssetsInFileOrder) {
  auto r = load_config_string(kGoodConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->assets.size(), 3u);
  EXPECT_EQ(r->assets[0].code, "USDT");
  EXPECT_EQ(r->assets[0].precision, 8);
  EXPECT_EQ(r->assets[1].code, "USD");
  EXPECT_EQ(r->assets[2].code, "BTC");
  EXPECT_EQ(r->assets[2].precision, 6);
}

TEST(Config, ParsesInstrumentDecimalsExactly) {
  auto r = load_config_string(kGoodConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->instruments.size(), 4u);
  const InstrumentSpec& spot = r->instruments[0];
  EXPECT_EQ(spot.symbol, "BTCUSDT");
  EXPECT_EQ(spot.kind, InstrumentKind::kSpot);
  EXPECT_EQ(spot.base, "BTC");
  EXPECT_EQ(spot.quote, "USDT");
  EXPECT_EQ(spot.tick_size.e8, 1'000'000);       // "0.01"
  EXPECT_EQ(spot.step_size.e8, 1'000);           // "0.00001"
  EXPECT_EQ(spot.min_qty.e8, 10'000);            // "0.0001"
  EXPECT_EQ(spot.max_qty.e8, 900'000'000'000);   // 9000, an integer
  EXPECT_EQ(spot.min_notional.e8, 500'000'000);  // "5"
  EXPECT_EQ(spot.maker_fee.e8, -10'000);         // "-0.0001": a maker rebate
  EXPECT_EQ(spot.taker_fee.e8, 100'000);         // "0.001"
  EXPECT_EQ(spot.price_band.e8, 5'000'000);      // "0.05"
  EXPECT_EQ(spot.multiplier.e8, 100'000'000);    // default 1
  EXPECT_EQ(spot.max_leverage, 1);               // default
  EXPECT_EQ(spot.maintenance_margin.e8, 0);      // default
  EXPECT_FALSE(spot.halted);                     // default status "trading"
  EXPECT_EQ(spot.venue, "");

  const InstrumentSpec& perp = r->instruments[1];
  EXPECT_EQ(perp.kind, InstrumentKind::kLinear);
  EXPECT_EQ(perp.tick_size.e8, 10'000'000);  // "0.1"
  EXPECT_EQ(perp.step_size.e8, 100'000);     // "0.001"
  EXPECT_EQ(perp.min_qty.e8, 100'000);       // default: step_size
  EXPECT_EQ(perp.max_leverage, 20);
  EXPECT_EQ(perp.maintenance_margin.e8, 400'000);  // "0.004"
  EXPECT_EQ(perp.min_notional.e8, 0);
  EXPECT_EQ(perp.price_band.e8, 0);

  const InstrumentSpec& inverse = r->instruments[2];
  EXPECT_EQ(inverse.kind, InstrumentKind::kInverse);
  EXPECT_EQ(inverse.tick_size.e8, 50'000'000);       // "0.5"
  EXPECT_EQ(inverse.step_size.e8, 100'000'000);      // "1"
  EXPECT_EQ(inverse.multiplier.e8, 10'000'000'000);  // "100"
  EXPECT_TRUE(inverse.halted);

  EXPECT_EQ(r->instruments[3].venue, "sim");
}

TEST(Config, DefaultsSettleToQuoteForSpotAndLinearAndToBaseForInverse) {
  auto r = load_config_string(kGoodConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->instruments.size(), 4u);
  EXPECT_EQ(r->instruments[0].settle, "USDT");  // spot: quote
  EXPECT_EQ(r->instruments[1].settle, "USDT");  // linear: quote
  EXPECT_EQ(r->instruments[2].settle, "BTC");   // inverse: base
  EXPECT_EQ(r->instruments[3].quote, "USD");    // explicit settle wins over the default
  EXPECT_EQ(r->instruments[3].settle, "USDT");
}

TEST(Config, LoadsAccountsStrategiesAndClients) {
  auto r = load_config_string(kGoodConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();

  ASSERT_EQ(r->accounts.size(), 2u);
  const AccountSpec& main = r->accounts[0];
  EXPECT_EQ(main.name, "main");
  EXPECT_EQ(main.type, AccountType::kSpot);
  EXPECT_EQ(main.leverage, 1);
  EXPECT_FALSE(main.halted);
  // Compared as a set: which order the deposits come in is not what this test is about.
  auto balances = main.balances;
  std::sort(balances.begin(), balances.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].first, "BTC");
  EXPECT_EQ(balances[0].second.e8, 150'000'000);  // "1.5"
  EXPECT_EQ(balances[1].first, "USDT");
  EXPECT_EQ(balances[1].second.e8, 10'000'000'000'000);  // "100000"
  const AccountSpec& fut = r->accounts[1];
  EXPECT_EQ(fut.type, AccountType::kFutures);
  EXPECT_EQ(fut.leverage, 5);
  EXPECT_TRUE(fut.halted);
  EXPECT_TRUE(fut.balances.empty());

  ASSERT_EQ(r->strategies.size(), 2u);
  const StrategySpec& ema = r->strategies[0];
  EXPECT_EQ(ema.name, "ema1");
  EXPECT_EQ(ema.account, "main");
  EXPECT_EQ(ema.state, StrategyState::kRunning);
  EXPECT_EQ(ema.max_open_orders, 50);
  EXPECT_EQ(ema.max_position.e8, 1'000'000'000);            // "10"
  EXPECT_EQ(ema.max_order_notional.e8, 5'000'000'000'000);  // "50000"
  EXPECT_EQ(ema.max_daily_loss.e8, 100'000'000'000);        // "1000"
  EXPECT_EQ(ema.max_daily_trades, 1000);
  const StrategySpec& idle = r->strategies[1];
  EXPECT_EQ(idle.account, "fut");
  EXPECT_EQ(idle.state, StrategyState::kPaused);
  EXPECT_EQ(idle.max_open_orders, 1000);  // defaults
  EXPECT_EQ(idle.max_position.e8, std::numeric_limits<int64_t>::max() / 4);
  EXPECT_EQ(idle.max_daily_trades, std::numeric_limits<int32_t>::max());

  ASSERT_EQ(r->clients.size(), 2u);
  EXPECT_EQ(r->clients[0].name, "ema1");
  EXPECT_EQ(r->clients[0].role, ClientRole::kStrategy);
  EXPECT_EQ(r->clients[0].accounts, std::vector<std::string>{"main"});
  EXPECT_EQ(r->clients[0].rate_limit, 1000u);
  EXPECT_EQ(r->clients[1].role, ClientRole::kVenue);
  EXPECT_TRUE(r->clients[1].accounts.empty());
  EXPECT_EQ(r->clients[1].rate_limit, 0u);  // unlimited
}

// The least a config may say: an engine name, one market (with its assets) and one account.
constexpr std::string_view kSmallestConfig = R"([engine]
name = "least"
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
)";

// Was LoadsAnEmptyConfigWithDefaults: an empty config is now refused (issue 21), so the
// defaults are checked on the smallest config that loads.
TEST(Config, FillsEveryEngineKeyTheSmallestConfigLeavesOutWithItsDefault) {
  auto r = load_config_string(kSmallestConfig, "<inline>");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->name, "least");
  EXPECT_EQ(r->max_orders, 1u << 20);
  EXPECT_EQ(r->max_positions, 1u << 16);
  EXPECT_EQ(r->durability, "async");
  EXPECT_EQ(r->data_dir, "./ose-data");
  EXPECT_EQ(r->snapshot_every, 1'000'000u);
  EXPECT_EQ(r->max_trades, 1u << 20);
  EXPECT_EQ(r->max_ledger, 1u << 20);
  EXPECT_TRUE(r->strategies.empty());
  EXPECT_TRUE(r->clients.empty());
}

TEST(Config, AcceptsMaxQtyEqualToMinQty) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",  // 6
      "base = \"BTC\"",        // 7
      "quote = \"USDT\"",      // 8
      "tick_size = \"0.01\"",  // 9
      "step_size = \"0.5\"",   // 10
      "min_qty = \"1\"",       // 11
      "max_qty = \"1\"",       // 12
  });
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->instruments[0].max_qty, r->instruments[0].min_qty);
}

// ---- instruments ---------------------------------------------------------------------------

TEST(Config, RefusesAnUnknownBaseAsset) {
  auto r = LoadInstrument({
      "symbol = \"ETHUSDT\"",   // 6
      "base = \"ETH\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_size = \"0.01\"",   // 9
      "step_size = \"0.001\"",  // 10
  });
  EXPECT_TRUE(FailsWith(
      r, "<inline>:7: instruments.base: unknown asset 'ETH' (declare it in [[assets]] first)"));
}

TEST(Config, RefusesAnUnknownQuoteAsset) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDC\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDC\"",       // 8
      "tick_size = \"0.01\"",   // 9
      "step_size = \"0.001\"",  // 10
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:8: instruments.quote: unknown asset 'USDC'"));
}

TEST(Config, RefusesAnUnknownSettleAsset) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "kind = \"linear\"",      // 7
      "base = \"BTC\"",         // 8
      "quote = \"USDT\"",       // 9
      "settle = \"USDC\"",      // 10
      "tick_size = \"0.01\"",   // 11
      "step_size = \"0.001\"",  // 12
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:10: instruments.settle: unknown asset 'USDC'"));
}

TEST(Config, RefusesAZeroOrNegativeTickSize) {
  for (std::string_view bad : {"tick_size = \"0\"", "tick_size = \"-0.01\"", "tick_size = 0"}) {
    auto r = LoadInstrument({
        "symbol = \"BTCUSDT\"",   // 6
        "base = \"BTC\"",         // 7
        "quote = \"USDT\"",       // 8
        bad,                      // 9
        "step_size = \"0.001\"",  // 10
    });
    EXPECT_TRUE(FailsWith(r, "<inline>:9: instruments.tick_size: must be > 0")) << bad;
  }
}

TEST(Config, RefusesAZeroOrNegativeStepSize) {
  for (std::string_view bad : {"step_size = \"0\"", "step_size = \"-0.001\"", "step_size = -1"}) {
    auto r = LoadInstrument({
        "symbol = \"BTCUSDT\"",  // 6
        "base = \"BTC\"",        // 7
        "quote = \"USDT\"",      // 8
        "tick_size = \"0.01\"",  // 9
        bad,                     // 10
    });
    EXPECT_TRUE(FailsWith(r, "<inline>:10: instruments.step_size: must be > 0")) << bad;
  }
}

TEST(Config, RefusesAMissingTickSizeNamingTheInstrumentsTable) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "step_size = \"0.001\"",  // 9
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: instruments.tick_size: missing"));
}

TEST(Config, RefusesADuplicateSymbol) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_size = \"0.01\"",   // 9
      "step_size = \"0.001\"",  // 10
      "[[instruments]]",        // 11
      "symbol = \"BTCUSDT\"",   // 12
      "base = \"BTC\"",         // 13
      "quote = \"USDT\"",       // 14
      "tick_size = \"0.1\"",    // 15
      "step_size = \"0.01\"",   // 16
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:12: instruments.symbol: duplicate symbol 'BTCUSDT'"));
}

// One decimal rule for every TOML value (engine/formats/toml_decimal.hpp): a float is read as
// the text written when a double keeps that text exactly (≤ 15 significant digits), and refused
// otherwise.
TEST(Config, ReadsAShortFloatDecimalAsWritten) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_size = 0.01",       // 9
      "step_size = \"0.001\"",  // 10
  });
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->instruments[0].tick_size.e8, 1'000'000);  // exactly 0.01·1e8
}

TEST(Config, RefusesAFloatDecimalADoubleCannotKeep) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",           // 6
      "base = \"BTC\"",                 // 7
      "quote = \"USDT\"",               // 8
      "tick_size = 1234567.000000011",  // 9: 16 significant digits
      "step_size = \"0.001\"",          // 10
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:9: instruments.tick_size: "));
  EXPECT_TRUE(FailsWith(r, "write it as a string"));
}

TEST(Config, RefusesADecimalWithNineFractionDigits) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",         // 6
      "base = \"BTC\"",               // 7
      "quote = \"USDT\"",             // 8
      "tick_size = \"0.000000001\"",  // 9
      "step_size = \"0.001\"",        // 10
  });
  EXPECT_TRUE(FailsWith(r,
                        "<inline>:9: instruments.tick_size: '0.000000001' is not a decimal with "
                        "at most 8 fraction digits"));
}

TEST(Config, RefusesAnIntegerDecimalBeyondInt64) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",    // 6
      "base = \"BTC\"",          // 7
      "quote = \"USDT\"",        // 8
      "tick_size = \"0.01\"",    // 9
      "step_size = \"0.001\"",   // 10
      "max_qty = 100000000000",  // 11: 1e11 × 1e8 does not fit int64
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:11: instruments.max_qty: out of range"));
}

TEST(Config, RefusesABadKind) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "kind = \"perp\"",        // 7
      "base = \"BTC\"",         // 8
      "quote = \"USDT\"",       // 9
      "tick_size = \"0.01\"",   // 10
      "step_size = \"0.001\"",  // 11
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:7: instruments.kind: must be spot, linear or inverse"));
}

TEST(Config, RefusesMaxQtyBelowMinQty) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_size = \"0.01\"",   // 9
      "step_size = \"0.001\"",  // 10
      "min_qty = \"1\"",        // 11
      "max_qty = \"0.5\"",      // 12
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:12: instruments.max_qty: must be ≥ min_qty"));
}

TEST(Config, RefusesAFeeOfOneOrMore) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_size = \"0.01\"",   // 9
      "step_size = \"0.001\"",  // 10
      "taker_fee = \"1\"",      // 11
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:11: instruments.taker_fee: must be between -1 and 1"));
}

// ---- engine --------------------------------------------------------------------------------

TEST(Config, RefusesABadDurability) {
  auto r = Load({
      "[engine]",                // 1
      "durability = \"fsync\"",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: engine.durability: must be \"async\" or \"sync\""));
}

TEST(Config, RefusesMaxOrdersOutOfRange) {
  auto r = Load({
      "[engine]",        // 1
      "max_orders = 0",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: engine.max_orders: must be between 1 and 268435456"));
}

TEST(Config, RefusesAStringWhereAnIntegerIsExpected) {
  auto r = Load({
      "[engine]",                 // 1
      "snapshot_every = \"10\"",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: engine.snapshot_every: expected an integer"));
}

TEST(Config, RefusesAnEngineNameUnfitForSegmentNames) {
  auto r = Load({
      "[engine]",            // 1
      "name = \"my demo\"",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: engine.name: use letters, digits, '-' and '_' only"));
}

// Two accounts and two instruments need (2 + 0) × 2 = 4 position rows.
constexpr std::string_view kFourPositionRows = R"(
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "A"
base = "BTC"
quote = "USDT"
tick_size = "1"
step_size = "1"
[[instruments]]
symbol = "B"
base = "BTC"
quote = "USDT"
tick_size = "1"
step_size = "1"
[[accounts]]
name = "a1"
[[accounts]]
name = "a2"
)";

TEST(Config, RefusesMaxPositionsBelowWhatTheTablesNeed) {
  const std::string text =
      Lines({"[engine]", "max_positions = 3"}) + std::string(kFourPositionRows);
  auto r = load_config_string(text, "<inline>");
  EXPECT_TRUE(FailsWith(r,
                        "engine.max_positions: 3 is below (accounts + strategies) × "
                        "instruments = 4"));
  EXPECT_TRUE(FailsWith(r, "<inline>:"));
}

TEST(Config, AcceptsMaxPositionsEqualToWhatTheTablesNeed) {
  const std::string text =
      Lines({"[engine]", "name = \"x\"", "max_positions = 4"}) + std::string(kFourPositionRows);
  auto r = load_config_string(text, "<inline>");
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(Config, PointsAtTheMaxPositionsLineWhenItIsTooSmall) {
  // The message should name the line of the offending value, as every other check does.
  const std::string text = Lines({
                               "[engine]",           // 1
                               "name = \"x\"",       // 2
                               "max_positions = 3",  // 3
                           }) +
                           std::string(kFourPositionRows);
  auto r = load_config_string(text, "<inline>");
  EXPECT_TRUE(FailsWith(r, "<inline>:3: engine.max_positions:"));
}

// ---- unknown keys --------------------------------------------------------------------------

TEST(Config, RefusesAnUnknownKeyInTheEngineSection) {
  auto r = Load({
      "[engine]",          // 1
      "max_order = 1024",  // 2: typo of max_orders
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: engine.max_order: unknown key"));
}

TEST(Config, RefusesAnUnknownKeyInAnInstrument) {
  auto r = LoadInstrument({
      "symbol = \"BTCUSDT\"",   // 6
      "base = \"BTC\"",         // 7
      "quote = \"USDT\"",       // 8
      "tick_sise = \"0.01\"",   // 9: typo of tick_size
      "step_size = \"0.001\"",  // 10
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:9: instruments.tick_sise: unknown key"));
}

TEST(Config, RefusesAnUnknownTopLevelTable) {
  auto r = Load({
      "[engin]",       // 1: typo of [engine]
      "name = \"x\"",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:1: config.engin: unknown key"));
}

TEST(Config, RefusesAnUnknownKeyInAnAccount) {
  auto r = Load({
      "[[assets]]",                  // 1
      "code = \"USDT\"",             // 2
      "[[accounts]]",                // 3
      "name = \"main\"",             // 4
      "balance = { USDT = \"1\" }",  // 5: typo of balances
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: accounts.balance: unknown key"));
}

TEST(Config, RefusesAPlainTableWhereAnArrayOfTablesIsExpected) {
  auto r = Load({
      "[assets]",         // 1: should be [[assets]]
      "code = \"USDT\"",  // 2
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:1: assets: expected [[assets]] tables"));
}

// ---- assets, accounts, strategies, clients -------------------------------------------------

TEST(Config, RefusesADuplicateAsset) {
  auto r = Load({
      "[[assets]]",      // 1
      "code = \"BTC\"",  // 2
      "[[assets]]",      // 3
      "code = \"BTC\"",  // 4
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:4: assets.code: duplicate asset 'BTC'"));
}

TEST(Config, RefusesAnOverlongAssetCode) {
  auto r = Load({
      "[[assets]]",               // 1
      "code = \"ABCDEFGHIJKL\"",  // 2: 12 characters
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:2: assets.code: must be 1 to 11 characters"));
}

TEST(Config, RefusesADuplicateAccount) {
  auto r = Load({
      "[[accounts]]",     // 1
      "name = \"main\"",  // 2
      "[[accounts]]",     // 3
      "name = \"main\"",  // 4
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:4: accounts.name: duplicate account 'main'"));
}

TEST(Config, RefusesABadAccountType) {
  auto r = Load({
      "[[accounts]]",       // 1
      "name = \"main\"",    // 2
      "type = \"margin\"",  // 3
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:3: accounts.type: must be spot or futures"));
}

TEST(Config, RefusesABalanceInAnUnknownAsset) {
  auto r = Load({
      "[[assets]]",                                 // 1
      "code = \"USDT\"",                            // 2
      "[[accounts]]",                               // 3
      "name = \"main\"",                            // 4
      "balances = { USDT = \"10\", ETH = \"1\" }",  // 5
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: accounts.balances.ETH: unknown asset 'ETH'"));
}

TEST(Config, RefusesANegativeBalance) {
  auto r = Load({
      "[[assets]]",                       // 1
      "code = \"USDT\"",                  // 2
      "[[accounts]]",                     // 3
      "name = \"main\"",                  // 4
      "balances = { USDT = \"-0.01\" }",  // 5
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: accounts.balances.USDT: must be ≥ 0"));
}

TEST(Config, ReadsAShortFloatBalanceExactlyAndRefusesALongOne) {
  auto ok = Load({
      "[[assets]]",                   // 1
      "code = \"USDT\"",              // 2
      "[[accounts]]",                 // 3
      "name = \"main\"",              // 4
      "balances = { USDT = 100.5 }",  // 5
      "[[assets]]",                   // 6: what a config needs besides
      "code = \"BTC\"",               // 7
      "[[instruments]]",              // 8
      "symbol = \"BTCUSDT\"",         // 9
      "base = \"BTC\"",               // 10
      "quote = \"USDT\"",             // 11
      "tick_size = \"0.01\"",         // 12
      "step_size = \"0.001\"",        // 13
      "[engine]",                     // 14
      "name = \"t\"",                 // 15
  });
  ASSERT_TRUE(ok.ok()) << ok.error();
  EXPECT_EQ(ok->accounts[0].balances[0].second.e8, 10'050'000'000);  // 100.5·1e8
  auto r = Load({
      "[[assets]]",                                // 1
      "code = \"USDT\"",                           // 2
      "[[accounts]]",                              // 3
      "name = \"main\"",                           // 4
      "balances = { USDT = 0.1000000000000001 }",  // 5: 16 significant digits
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: accounts.balances.USDT: "));
  EXPECT_TRUE(FailsWith(r, "write it as a string"));
}

TEST(Config, RefusesAStrategyOnAnUnknownAccount) {
  auto r = Load({
      "[[accounts]]",        // 1
      "name = \"main\"",     // 2
      "[[strategies]]",      // 3
      "name = \"s1\"",       // 4
      "account = \"mian\"",  // 5
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: strategies.account: unknown account 'mian'"));
}

TEST(Config, RefusesAStrategyWithoutAnAccount) {
  auto r = Load({
      "[[accounts]]",     // 1
      "name = \"main\"",  // 2
      "[[strategies]]",   // 3
      "name = \"s1\"",    // 4
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:3: strategies.account: missing"));
}

TEST(Config, RefusesABadStrategyState) {
  auto r = Load({
      "[[accounts]]",          // 1
      "name = \"main\"",       // 2
      "[[strategies]]",        // 3
      "name = \"s1\"",         // 4
      "account = \"main\"",    // 5
      "state = \"sleeping\"",  // 6
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:6: strategies.state: must be running, paused or stopped"));
}

TEST(Config, RefusesADuplicateStrategy) {
  auto r = Load({
      "[[accounts]]",        // 1
      "name = \"main\"",     // 2
      "[[strategies]]",      // 3
      "name = \"s1\"",       // 4
      "account = \"main\"",  // 5
      "[[strategies]]",      // 6
      "name = \"s1\"",       // 7
      "account = \"main\"",  // 8
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:7: strategies.name: duplicate strategy 's1'"));
}

TEST(Config, RefusesAClientWithAnUnknownAccount) {
  auto r = Load({
      "[[accounts]]",                      // 1
      "name = \"main\"",                   // 2
      "[[clients]]",                       // 3
      "name = \"c1\"",                     // 4
      "accounts = [\"main\", \"other\"]",  // 5
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:5: clients.accounts: unknown account 'other'"));
}

TEST(Config, PointsAtTheLineOfTheUnknownAccountInAMultiLineArray) {
  auto r = Load({
      "[[accounts]]",     // 1
      "name = \"main\"",  // 2
      "[[clients]]",      // 3
      "name = \"c1\"",    // 4
      "accounts = [",     // 5
      "  \"main\",",      // 6
      "  \"other\",",     // 7
      "]",                // 8
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:7: clients.accounts: unknown account 'other'"));
}

TEST(Config, RefusesABadClientRole) {
  auto r = Load({
      "[[clients]]",        // 1
      "name = \"c1\"",      // 2
      "role = \"trader\"",  // 3
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:3: clients.role: must be strategy, venue or admin"));
}

TEST(Config, RefusesADuplicateClient) {
  auto r = Load({
      "[[clients]]",    // 1
      "name = \"c1\"",  // 2
      "[[clients]]",    // 3
      "name = \"c1\"",  // 4
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:4: clients.name: duplicate client 'c1'"));
}

// ---- whole-file behaviour ------------------------------------------------------------------

TEST(Config, ReportsATomlSyntaxErrorWithItsLine) {
  auto r = Load({
      "[engine]",       // 1
      "name = \"x\"",   // 2
      "max_orders = ",  // 3: no value
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:3: "));
}

TEST(Config, ReportsOnlyTheFirstProblemInReadingOrder) {
  // The engine section is read before assets, whatever their order in the file.
  auto r = Load({
      "[[assets]]",              // 1
      "code = \"BTC\"",          // 2
      "[[assets]]",              // 3
      "code = \"BTC\"",          // 4: duplicate asset
      "[engine]",                // 5
      "durability = \"never\"",  // 6
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:6: engine.durability:"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("duplicate"), std::string::npos) << r.error();
}

TEST(Config, UsesTheOriginInMessages) {
  auto r = load_config_string(Lines({"[engine]", "durability = \"fsync\""}), "cfg/prod.toml");
  EXPECT_TRUE(FailsWith(r, "cfg/prod.toml:2: engine.durability:"));
}

TEST(Config, LoadConfigFileNamesAMissingPath) {
  const std::string path = ::testing::TempDir() + "ose-config-test-does-not-exist.toml";
  std::remove(path.c_str());
  auto r = load_config_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind(path, 0), 0u) << r.error();  // the message starts with the path
  EXPECT_TRUE(FailsWith(r, "cannot read"));
}

TEST(Config, LoadConfigFileLoadsAFileAndNamesItInErrors) {
  const std::string good_path = ::testing::TempDir() + "ose-config-test-good.toml";
  {
    std::ofstream out(good_path);
    out << kGoodConfig;
  }
  auto good = load_config_file(good_path);
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_EQ(good->source, good_path);
  EXPECT_EQ(good->instruments.size(), 4u);
  std::remove(good_path.c_str());

  const std::string bad_path = ::testing::TempDir() + "ose-config-test-bad.toml";
  {
    std::ofstream out(bad_path);
    out << Lines({"[engine]", "durability = \"fsync\""});
  }
  auto bad = load_config_file(bad_path);
  EXPECT_TRUE(FailsWith(bad, bad_path + ":2: engine.durability: must be \"async\" or \"sync\""));
  std::remove(bad_path.c_str());
}

}  // namespace
}  // namespace ose
