// The assets and the one spot market that the multi-process, persistence, crash and feed tests
// trade: USDT, BTC and BTCUSDT (tick 0.01, step 0.00001, fees 0.1 %, a 5 % price band once a
// mark exists). TOML, spliced into each test's config where its [engine] table ends.
#pragma once

#include <string>
#include <string_view>

namespace ose::test {

inline constexpr const char* kBtcUsdtSpot = R"(
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
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "9000"
min_notional = "5"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0.05"
)";

// A config of `engine` (its [engine] table), the shared market, then `rest` (accounts, more
// assets and markets: TOML appends a later [[assets]] to the same array).
inline std::string with_btcusdt_spot(std::string_view engine, std::string_view rest) {
  return std::string(engine) + kBtcUsdtSpot + std::string(rest);
}

}  // namespace ose::test
