// The [bot] table: defaults when it is absent, every key read, fractions exact whether written
// as floats, integers or strings, and every bad value refused with "ORIGIN:LINE: bot.KEY: WHAT"
// (the engine config's format) naming the first problem.
#include "ema_rsi/bot_params.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/bot_table.hpp"

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

// What `ose demo` does with a config: the [bot] table read by formats (TOML, lines), each entry
// handed to the strategy's own parameter rules as a setting that remembers FILE:LINE.
Result<BotParams> load_bot_params_string(const std::string& text, const std::string& origin) {
  auto table = read_bot_table(text, origin);
  if (!table) return Error{table.error()};
  std::vector<BotSetting> settings;
  for (const BotTableEntry& e : *table) {
    auto s = bot_setting_from_toml_assignment(e.key + "=" + e.toml_value());
    if (!s) return Error{s.error()};
    s->where = origin + ":" + std::to_string(e.line);
    settings.push_back(*s);
  }
  return bot_params_from(settings);
}

Result<BotParams> load_bot_params_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path + ": cannot read"};
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return load_bot_params_string(text, path);
}

Result<BotParams> Load(std::initializer_list<std::string_view> lines) {
  return load_bot_params_string(Lines(lines), "<inline>");
}

// Passes when loading failed with a message containing `expected`.
::testing::AssertionResult FailsWith(const Result<BotParams>& r, std::string_view expected) {
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

void ExpectDefaults(const BotParams& p) {
  EXPECT_EQ(p.symbol, "BTCUSDT");
  EXPECT_EQ(p.account, "main");
  EXPECT_EQ(p.strategy, "ema1");
  EXPECT_EQ(p.ema_fast, 9);
  EXPECT_EQ(p.ema_slow, 21);
  EXPECT_EQ(p.rsi_period, 14);
  EXPECT_EQ(p.rsi_oversold, 30.0);
  EXPECT_EQ(p.rsi_overbought, 70.0);
  EXPECT_EQ(p.stop_loss.e8, 2'000'000);       // 0.02·1e8
  EXPECT_EQ(p.take_profit.e8, 4'000'000);     // 0.04·1e8
  EXPECT_EQ(p.trailing_stop.e8, 1'000'000);   // 0.01·1e8
  EXPECT_EQ(p.position_size.e8, 10'000'000);  // 0.1·1e8
  EXPECT_EQ(p.max_daily_trades, 10);
  EXPECT_EQ(p.bar_ticks, 10);
  EXPECT_EQ(p.max_slippage.e8, 100'000);  // 0.001·1e8
}

// ---- values --------------------------------------------------------------------------------

TEST(BotParams, UsesTheDefaultsWhenThereIsNoBotTable) {
  auto empty = load_bot_params_string("", "<inline>");
  ASSERT_TRUE(empty.ok()) << empty.error();
  ExpectDefaults(*empty);

  // The rest of the file is the engine's business, even keys the engine would refuse.
  auto engine_only = Load({
      "[engine]",
      "name = \"demo\"",
      "whatever = 1",
      "[[assets]]",
      "code = \"USDT\"",
  });
  ASSERT_TRUE(engine_only.ok()) << engine_only.error();
  ExpectDefaults(*engine_only);

  auto empty_table = Load({"[bot]"});
  ASSERT_TRUE(empty_table.ok()) << empty_table.error();
  ExpectDefaults(*empty_table);
}

TEST(BotParams, ReadsEveryKey) {
  auto r = Load({
      "[engine]",
      "name = \"demo\"",
      "[bot]",
      "symbol = \"ETHUSDT\"",
      "account = \"alt\"",
      "strategy = \"ema2\"",
      "ema_fast = 5",
      "ema_slow = 50",
      "rsi_period = 7",
      "rsi_oversold = 25",
      "rsi_overbought = 80",
      "stop_loss = 0.015",
      "take_profit = 0.05",
      "trailing_stop = 0.005",
      "position_size = 0.25",
      "max_daily_trades = 3",
      "bar_ticks = 60",
      "max_slippage = 0.0005",
  });
  ASSERT_TRUE(r.ok()) << r.error();
  const BotParams& p = *r;
  EXPECT_EQ(p.symbol, "ETHUSDT");
  EXPECT_EQ(p.account, "alt");
  EXPECT_EQ(p.strategy, "ema2");
  EXPECT_EQ(p.ema_fast, 5);
  EXPECT_EQ(p.ema_slow, 50);
  EXPECT_EQ(p.rsi_period, 7);
  EXPECT_EQ(p.rsi_oversold, 25.0);
  EXPECT_EQ(p.rsi_overbought, 80.0);
  EXPECT_EQ(p.stop_loss.e8, 1'500'000);       // 0.015·1e8
  EXPECT_EQ(p.take_profit.e8, 5'000'000);     // 0.05·1e8
  EXPECT_EQ(p.trailing_stop.e8, 500'000);     // 0.005·1e8
  EXPECT_EQ(p.position_size.e8, 25'000'000);  // 0.25·1e8
  EXPECT_EQ(p.max_daily_trades, 3);
  EXPECT_EQ(p.bar_ticks, 60);
  EXPECT_EQ(p.max_slippage.e8, 50'000);  // 0.0005·1e8
}

TEST(BotParams, ReadsFractionsExactlyFromFloatsStringsAndIntegers) {
  auto r = Load({
      "[bot]",
      "stop_loss = 0.1",          // float: the double nearest 0.1 reads back as "0.1"
      "take_profit = \"0.1\"",    // the same as a string
      "trailing_stop = 0",        // integer
      "position_size = 1",        // integer 1 = the whole balance
      "max_slippage = 1e-5",      // float in exponent form = 0.00001
      "rsi_oversold = \"33.3\"",  // string level
      "rsi_overbought = 66.5",    // float level
  });
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->stop_loss.e8, 10'000'000);  // 0.1·1e8, not 10'000'000.000000000555
  EXPECT_EQ(r->take_profit.e8, 10'000'000);
  EXPECT_EQ(r->trailing_stop.e8, 0);
  EXPECT_EQ(r->position_size.e8, 100'000'000);  // 1·1e8
  EXPECT_EQ(r->max_slippage.e8, 1'000);         // 0.00001·1e8
  EXPECT_DOUBLE_EQ(r->rsi_oversold, 33.3);
  EXPECT_EQ(r->rsi_overbought, 66.5);
}

TEST(BotParams, AcceptsTheBoundaries) {
  auto r = Load({
      "[bot]", "ema_fast = 999", "ema_slow = 1000", "rsi_period = 1000", "rsi_oversold = 0",
      "rsi_overbought = 100",
      "stop_loss = 0",                   // no stop-loss
      "take_profit = 0",                 // no take-profit
      "trailing_stop = \"0.99999999\"",  // below 1
      "position_size = 1", "max_daily_trades = 1", "bar_ticks = 1",
      "max_slippage = \"0.09999999\"",  // below 0.1
  });
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->ema_fast, 999);
  EXPECT_EQ(r->ema_slow, 1000);
  EXPECT_EQ(r->stop_loss.e8, 0);
  EXPECT_EQ(r->take_profit.e8, 0);
  EXPECT_EQ(r->trailing_stop.e8, 99'999'999);
  EXPECT_EQ(r->max_slippage.e8, 9'999'999);

  auto fast_one = Load({"[bot]", "ema_fast = 1", "ema_slow = 2", "rsi_period = 1"});
  ASSERT_TRUE(fast_one.ok()) << fast_one.error();
  EXPECT_EQ(fast_one->ema_fast, 1);
  EXPECT_EQ(fast_one->rsi_period, 1);
}

// ---- refusals ------------------------------------------------------------------------------

struct Refusal {
  const char* line;      // line 2 of a file whose line 1 is "[bot]"
  const char* expected;  // a part of the message
};

TEST(BotParams, RefusesEveryBadValueNamingItsLineAndKey) {
  const Refusal refusals[] = {
      // types
      {"symbol = 5", "<inline>:2: bot.symbol: expected a string"},
      {"account = true", "<inline>:2: bot.account: expected a string or a number"},
      {"strategy = \"\"", "<inline>:2: bot.strategy: must be 1 to 15 characters"},
      {"symbol = \"ABCDEFGHIJKLMNOP\"", "<inline>:2: bot.symbol: must be 1 to 15 characters"},
      {"ema_fast = 9.0", "<inline>:2: bot.ema_fast: expected an integer"},
      {"ema_slow = \"21\"", "<inline>:2: bot.ema_slow: expected an integer"},
      {"stop_loss = true", "<inline>:2: bot.stop_loss: expected a string or a number"},
      {"take_profit = \"4%\"", "<inline>:2: bot.take_profit: '4%' is not a decimal"},
      {"position_size = 0.123456789", "<inline>:2: bot.position_size: '0.123456789' is not"},
      {"trailing_stop = \"0.000000001\"", "<inline>:2: bot.trailing_stop: '0.000000001' is not"},
      {"rsi_oversold = \"low\"", "<inline>:2: bot.rsi_oversold: 'low' is not a decimal"},
      {"max_slippage = nan", "<inline>:2: bot.max_slippage: must be a finite number"},
      {"max_slippage = [0.1]", "<inline>:2: bot.max_slippage: expected a string or a number"},
      // ranges
      {"ema_fast = 0", "<inline>:2: bot.ema_fast: must be between 1 and 1000"},
      {"ema_slow = 1001", "<inline>:2: bot.ema_slow: must be between 1 and 1000"},
      {"ema_fast = 21", "<inline>:2: bot.ema_fast: ema_fast (21) must be below ema_slow (21)"},
      {"ema_slow = 9", "<inline>:2: bot.ema_slow: ema_fast (9) must be below ema_slow (9)"},
      {"rsi_period = 0", "<inline>:2: bot.rsi_period: must be between 1 and 1000"},
      {"rsi_period = 1001", "<inline>:2: bot.rsi_period: must be between 1 and 1000"},
      {"rsi_oversold = -1", "<inline>:2: bot.rsi_oversold: must be between 0 and 100"},
      {"rsi_overbought = 100.5", "<inline>:2: bot.rsi_overbought: must be between 0 and 100"},
      {"rsi_oversold = 70", "<inline>:2: bot.rsi_oversold: rsi_oversold (70) must be below"},
      {"rsi_overbought = 30", "<inline>:2: bot.rsi_overbought: rsi_oversold (30) must be below"},
      {"stop_loss = 1", "<inline>:2: bot.stop_loss: must be at least 0 and below 1"},
      {"stop_loss = -0.01", "<inline>:2: bot.stop_loss: must be at least 0 and below 1"},
      {"take_profit = \"-0.01\"", "<inline>:2: bot.take_profit: must be at least 0"},
      {"trailing_stop = 1.0", "<inline>:2: bot.trailing_stop: must be at least 0 and below 1"},
      {"trailing_stop = -0.5", "<inline>:2: bot.trailing_stop: must be at least 0 and below 1"},
      {"position_size = 0", "<inline>:2: bot.position_size: must be above 0 and at most 1"},
      {"position_size = 1.00000001", "<inline>:2: bot.position_size: must be above 0"},
      {"max_daily_trades = 0", "<inline>:2: bot.max_daily_trades: must be between 1 and"},
      {"bar_ticks = 0", "<inline>:2: bot.bar_ticks: must be between 1 and"},
      {"bar_ticks = -10", "<inline>:2: bot.bar_ticks: must be between 1 and"},
      {"max_slippage = 0.1", "<inline>:2: bot.max_slippage: must be at least 0 and below 0.1"},
      {"max_slippage = -0.001", "<inline>:2: bot.max_slippage: must be at least 0 and below"},
      // a key [bot] does not know; the message lists the ones it does
      {"stoploss = 0.02",
       "<inline>:2: bot.stoploss: unknown key (valid: symbol, account, strategy, ema_fast, "
       "ema_slow, rsi_period, rsi_oversold, rsi_overbought, stop_loss, take_profit, "
       "trailing_stop, position_size, max_daily_trades, bar_ticks, max_slippage)"},
  };
  for (const Refusal& x : refusals) {
    EXPECT_TRUE(FailsWith(Load({"[bot]", x.line}), x.expected)) << x.line;
  }
}

TEST(BotParams, PointsAtTheKeyThatIsWrittenWhenTwoKeysDisagree) {
  // Both periods written: the fast one (line 3) is blamed, whichever line comes first.
  EXPECT_TRUE(FailsWith(Load({"[bot]", "ema_slow = 10", "ema_fast = 12"}),
                        "<inline>:3: bot.ema_fast: ema_fast (12) must be below ema_slow (10)"));
  EXPECT_TRUE(FailsWith(Load({"[bot]", "rsi_overbought = 40", "rsi_oversold = 60"}),
                        "<inline>:3: bot.rsi_oversold: rsi_oversold (60) must be below "
                        "rsi_overbought (40)"));
}

TEST(BotParams, RefusesABotKeyThatIsNotATable) {
  EXPECT_TRUE(FailsWith(Load({"# top level", "bot = 1", "[engine]", "name = \"x\""}),
                        "<inline>:2: bot: expected a [bot] table"));
  // Under another table, `bot` is that table's key, not ours.
  auto nested = Load({"[engine]", "bot = 1"});
  ASSERT_TRUE(nested.ok()) << nested.error();
  ExpectDefaults(*nested);
}

TEST(BotParams, ReportsOnlyTheFirstProblem) {
  auto r = Load({"[bot]", "ema_fast = 0", "bar_ticks = 0"});
  EXPECT_TRUE(FailsWith(r, "<inline>:2: bot.ema_fast:"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().find("bar_ticks"), std::string::npos) << r.error();
}

// ---- whole-file behaviour ------------------------------------------------------------------

TEST(BotParams, ReportsATomlSyntaxErrorWithItsLine) {
  auto r = Load({
      "[bot]",           // 1
      "symbol = \"X\"",  // 2
      "ema_fast = ",     // 3: no value
  });
  EXPECT_TRUE(FailsWith(r, "<inline>:3: "));
}

TEST(BotParams, UsesTheOriginInMessages) {
  auto r = load_bot_params_string(Lines({"[bot]", "bar_ticks = 0"}), "cfg/bot.toml");
  EXPECT_TRUE(FailsWith(r, "cfg/bot.toml:2: bot.bar_ticks:"));
}

TEST(BotParams, LoadFileNamesAMissingPath) {
  const std::string path = ::testing::TempDir() + "ose-bot-config-test-does-not-exist.toml";
  std::remove(path.c_str());
  auto r = load_bot_params_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind(path, 0), 0u) << r.error();  // the message starts with the path
  EXPECT_TRUE(FailsWith(r, "cannot read"));
}

TEST(BotParams, LoadFileReadsAFileAndNamesItInErrors) {
  const std::string good_path = ::testing::TempDir() + "ose-bot-config-test-good.toml";
  {
    std::ofstream out(good_path);
    out << Lines({"[engine]", "name = \"demo\"", "[bot]", "symbol = \"ETHUSDT\"", "bar_ticks = 5"});
  }
  auto good = load_bot_params_file(good_path);
  ASSERT_TRUE(good.ok()) << good.error();
  EXPECT_EQ(good->symbol, "ETHUSDT");
  EXPECT_EQ(good->bar_ticks, 5);
  EXPECT_EQ(good->ema_fast, 9);
  std::remove(good_path.c_str());

  const std::string bad_path = ::testing::TempDir() + "ose-bot-config-test-bad.toml";
  {
    std::ofstream out(bad_path);
    out << Lines({"[bot]", "position_size = 2"});
  }
  auto bad = load_bot_params_file(bad_path);
  EXPECT_TRUE(FailsWith(bad, bad_path + ":2: bot.position_size: must be above 0 and at most 1"));
  std::remove(bad_path.c_str());

  const std::string syntax_path = ::testing::TempDir() + "ose-bot-config-test-syntax.toml";
  {
    std::ofstream out(syntax_path);
    out << Lines({"[bot]", "symbol = \"ETHUSDT\"", "symbol = \"BTCUSDT\""});  // duplicate key
  }
  auto syntax = load_bot_params_file(syntax_path);
  EXPECT_TRUE(FailsWith(syntax, syntax_path + ":3: "));
  std::remove(syntax_path.c_str());
}

TEST(BotParams, ConvertsAFractionToADouble) {
  EXPECT_EQ(to_double(Rate::from_e8(2'500'000)), 0.025);  // 2'500'000/1e8, correctly rounded
  EXPECT_EQ(to_double(Rate::from_units(1)), 1.0);
}

}  // namespace
}  // namespace ose
