// The sample strategy's settings: the optional [bot] table of the engine's TOML config (the
// engine's own loader does not read it). Loading is a cold path, like the engine config: every
// value is validated and the first problem is reported as "ORIGIN:LINE: bot.KEY: WHAT"; a
// missing [bot] table means all defaults; the rest of the file is not looked at.
//
//   [bot]
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
// Fractions and RSI levels may be written as TOML floats (0.02), integers (0, 1) or decimal
// strings ("0.02"). Fractions are kept exact as Rate: a float is turned into its shortest
// round-trip decimal text (0.02 → "0.02", not 0.0200000000000000004163...) and parsed like a
// string, so 0.02 and "0.02" give the same Rate. More than 8 fraction digits is refused, as
// everywhere else in ose.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

// Reads the [bot] table of the TOML file at `path`. A missing or unreadable file is an error
// ("PATH: cannot read: ..."), not a reason to fall back to defaults.
Result<BotParams> load_bot_params_file(const std::string& path);

// The same from TOML text; `origin` names it in messages (a path, or "<inline>").
Result<BotParams> load_bot_params_string(std::string_view toml, const std::string& origin);

// A fraction as a double, for the strategy-side arithmetic (indicators, trailing stop).
inline double to_double(Rate r) {
  return static_cast<double>(r.e8) / static_cast<double>(kScale);
}

}  // namespace ose
