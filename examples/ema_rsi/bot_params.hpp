// The sample strategy's parameters, and the one place that decides which exist and what values
// they allow. They arrive as settings — key, value text, and what kind of value it was written
// as — from the command line (`--set KEY=VALUE`) or, through `ose demo`, from the [bot] table of
// the engine config (read by engine/formats/bot_table.hpp, which knows TOML but not these keys).
//
//   symbol = "BTCUSDT"      # instrument traded (1..15 characters, as in [[instruments]])
//   account = "main"        # account and strategy the orders are booked to (1..15 characters)
//   strategy = "ema1"
//   ema_fast = 9            # EMA periods in bars, 1 ≤ ema_fast < ema_slow ≤ 1000
//   ema_slow = 21
//   rsi_period = 14         # RSI period in bars, 1..1000
//   rsi_oversold = 30       # RSI levels, 0 ≤ rsi_oversold < rsi_overbought ≤ 100
//   rsi_overbought = 70
//   stop_loss = 0.02        # fraction below the entry price; 0 = none, else 0 < x < 1
//   take_profit = 0.04      # fraction above the entry price; 0 = none, else > 0
//   trailing_stop = 0.01    # callback fraction below the high since entry; 0 = off, < 1
//   position_size = 0.1     # fraction of the free quote balance spent per entry, 0 < x ≤ 1
//   max_daily_trades = 10   # entries per UTC day, 1..1000000
//   bar_ticks = 10          # market updates that make one bar, 1..1000000
//   max_slippage = 0.001    # how far through the touch an entry or exit limit may go, < 0.1
//
// Fractions and levels are decimals with at most 8 fraction digits, kept exact as Rate. The
// first problem is reported as "WHERE: bot.KEY: WHAT" (WHERE is the setting's origin, e.g.
// "demo.toml:12"; absent for a command-line setting).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/fixed_point.hpp"
#include "engine/core/result.hpp"

namespace ose {

struct BotParams {
  std::string symbol = "BTCUSDT";
  std::string account = "main";
  std::string strategy = "ema1";
  int32_t ema_fast = 9;     // bars
  int32_t ema_slow = 21;    // bars
  int32_t rsi_period = 14;  // bars
  double rsi_oversold = 30;
  double rsi_overbought = 70;
  Rate stop_loss = Rate::from_e8(2'000'000);       // 0.02
  Rate take_profit = Rate::from_e8(4'000'000);     // 0.04
  Rate trailing_stop = Rate::from_e8(1'000'000);   // 0.01
  Rate position_size = Rate::from_e8(10'000'000);  // 0.1
  int32_t max_daily_trades = 10;                   // entries per UTC day
  int32_t bar_ticks = 10;                          // market updates per bar
  Rate max_slippage = Rate::from_e8(100'000);      // 0.001
};

// How a value was written: a string key wants kText, an integer key kInteger; decimals take any
// kind. kAny (a bare command-line value) is whatever the key wants, if its text parses.
enum class BotValueKind : uint8_t { kAny, kText, kInteger, kFloat };

struct BotSetting {
  std::string key;
  std::string text;
  BotValueKind kind = BotValueKind::kAny;
  std::string where;  // "FILE:LINE", or empty
};

// Every key a setting may name, in the order of the header's example.
const std::vector<std::string>& bot_param_keys();

// The defaults with `settings` applied in order, then the checks that relate two keys.
Result<BotParams> bot_params_from(const std::vector<BotSetting>& settings);

// A setting from `KEY=VALUE` as a TOML value is written (`"text"`, `12`, `0.5`): the form
// `ose demo` passes the [bot] table on. Nothing when there is no '='.
Result<BotSetting> bot_setting_from_toml_assignment(const std::string& assignment);

// Every parameter as "key=value" lines (decimals exact), for `--check` and the start-up log.
std::string describe(const BotParams& p);

// A fraction as a double, for the strategy-side arithmetic (indicators, trailing stop).
inline double to_double(Rate r) {
  return static_cast<double>(r.e8) / static_cast<double>(kScale);
}

}  // namespace ose
