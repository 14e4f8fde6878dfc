// The scenario / replay input format (DESIGN §8): one JSON object per line. Parsing is the
// edge where names become table indices. Structural problems (bad JSON, unknown op or key,
// wrong types, bad decimals, unknown enum words) are parse errors: the line is reported and
// never applied. Unknown *names* (symbol, account, strategy, client, asset) are not errors
// here: they reach apply() as kNoIndex and are rejected with the matching UNKNOWN_* reason.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"

namespace ose {

struct ScenarioLine {
  Command cmd;
  uint16_t source = kEngineSource;
  int64_t ts = 0;
};

// Parses one line. `prev_ts` is the previous line's ts: a line without "ts" gets prev_ts + 1 ms.
Result<ScenarioLine> parse_scenario_line(const State& state, std::string_view line,
                                         int64_t prev_ts);

inline constexpr int64_t kDefaultTsStepNs = 1'000'000;

}  // namespace ose
