// Market times on the command line and in results: UTC, written the ISO way.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace ose::backtest {

// "2024-08-08", "2024-08-08T23:55", "2024-08-08T23:55:00", "2024-08-08 23:55:00.250" (an optional
// trailing 'Z'), all UTC; or an integer: milliseconds since the Unix epoch, as Binance writes
// times. Returns ns since the epoch.
Result<int64_t> parse_market_time(std::string_view text);

// "2024-08-08T23:55:00.250Z" (milliseconds shown only when there are some).
std::string format_market_time(int64_t ns);

}  // namespace ose::backtest
