// The optional [bot] table of an engine config: the sample strategy's parameters (the engine
// itself ignores the table). This reader only turns each key into text by the config's own
// rules — strings as written, integers as digits, decimals by formats/toml_decimal.hpp — and
// remembers its line; which keys exist and what values they allow is the strategy's business
// (examples/ema_rsi/bot_params.hpp), so it is decided in one place. `ose demo` passes the
// entries to the strategy as `--set KEY=TEXT` and maps its complaints back to FILE:LINE.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace ose {

struct BotTableEntry {
  enum class Kind : uint8_t { kString, kInteger, kFloat };
  std::string key;
  std::string text;  // the value as text: "BTCUSDT", "9", "0.02"
  Kind kind = Kind::kString;
  int line = 0;  // 1-based line of the key in the file

  // The value as TOML writes it ("\"BTCUSDT\"", "9", "0.02"; a float always with a '.').
  std::string toml_value() const;
};

// The [bot] table of TOML text, in file order; empty without one. Errors read
// "ORIGIN:LINE: bot.KEY: WHAT", like the engine config's.
Result<std::vector<BotTableEntry>> read_bot_table(std::string_view toml_text,
                                                  const std::string& origin);

}  // namespace ose
