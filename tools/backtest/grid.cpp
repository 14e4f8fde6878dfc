#include "tools/backtest/grid.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ose::backtest {

Result<GridAxis> parse_grid_axis(const std::string& text, const std::vector<std::string>& keys,
                                 const std::vector<GridAxis>& seen) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Error{fmt::format("--grid {}: write KEY=V1,V2,...", text)};
  }
  GridAxis axis;
  axis.key = text.substr(0, eq);
  if (std::find(keys.begin(), keys.end(), axis.key) == keys.end()) {
    std::string known;
    for (const std::string& k : keys) known += (known.empty() ? "" : ", ") + k;
    return Error{fmt::format("--grid {}: the strategy has no parameter '{}' (it has: {})", text,
                             axis.key, known)};
  }
  for (const GridAxis& s : seen) {
    if (s.key == axis.key) return Error{fmt::format("--grid {}: {} is swept twice", text, s.key)};
  }
  const std::string list = text.substr(eq + 1);
  size_t start = 0;
  while (true) {
    const size_t comma = list.find(',', start);
    const std::string v = list.substr(start, comma == std::string::npos ? comma : comma - start);
    if (v.empty()) return Error{fmt::format("--grid {}: an empty value", text)};
    axis.values.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return axis;
}

std::vector<std::vector<std::pair<std::string, std::string>>> grid_points(
    const std::vector<GridAxis>& axes) {
  std::vector<std::vector<std::pair<std::string, std::string>>> points(1);
  for (const GridAxis& axis : axes) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& p : points) {
      for (const std::string& v : axis.values) {
        auto q = p;
        q.emplace_back(axis.key, v);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

Result<bool> rank_rows(std::vector<nlohmann::json>& rows, const std::string& by) {
  static const std::vector<std::pair<std::string, std::string>> kFields = {
      {"sharpe", "sharpe"},         {"return", "return"},     {"annualised", "annualised_return"},
      {"drawdown", "max_drawdown"}, {"win_rate", "win_rate"}, {"profit_factor", "profit_factor"}};
  std::string field;
  for (const auto& [name, f] : kFields) {
    if (name == by) field = f;
  }
  if (field.empty()) {
    return Error{fmt::format(
        "--rank-by {}: choose sharpe, return, annualised, drawdown, win_rate or profit_factor",
        by)};
  }
  const bool smaller_is_better = field == "max_drawdown";
  // A figure as a number: null ranks last; "inf" (a profit factor without losses) first.
  auto value = [&](const nlohmann::json& row) {
    const nlohmann::json& v = row[field];
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) return v.get<std::string>() == "inf" ? HUGE_VAL : -HUGE_VAL;
    return std::nan("");
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const nlohmann::json& a, const nlohmann::json& b) {
    const double x = value(a), y = value(b);
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return smaller_is_better ? x < y : x > y;
  });
  return true;
}

}  // namespace ose::backtest
