// Parameter sweeps: `--grid KEY=V1,V2,...` axes, their cartesian product, and the ranking of the
// finished runs' results rows.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "engine/core/result.hpp"

namespace ose::backtest {

struct GridAxis {
  std::string key;
  std::vector<std::string> values;
};

// "ema_fast=5,8,13" → {ema_fast, [5, 8, 13]}. Errors: no '=', an empty value, a key the strategy
// does not have (`keys`), a key given twice (checked against `seen`).
Result<GridAxis> parse_grid_axis(const std::string& text, const std::vector<std::string>& keys,
                                 const std::vector<GridAxis>& seen);

// Every combination, the first axis varying slowest: one vector of (key, value) per run.
std::vector<std::vector<std::pair<std::string, std::string>>> grid_points(
    const std::vector<GridAxis>& axes);

// Orders rows best first by `by` (sharpe, return, annualised, drawdown, win_rate,
// profit_factor): a larger figure is better except for drawdown; a missing figure (null) ranks
// last; ties keep the grid's order. Errors: an unknown `by`.
Result<bool> rank_rows(std::vector<nlohmann::json>& rows, const std::string& by);

}  // namespace ose::backtest
