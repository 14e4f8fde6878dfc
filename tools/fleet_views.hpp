// What `ose fleet` shows of each engine's state and how it sums them over the fleet. A view is
// the rows an engine lists as it holds them (its positions, balances or open orders) plus one or
// more sum tables: rows keyed by a few columns (symbol, asset, strategy + asset) whose fields add
// exactly (fixed point, 8 decimals, as the engine keeps them), per engine and over every engine.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "engine/core/state.hpp"

namespace ose::tools::fleet {

// positions | balances | orders | pnl
bool is_view(const std::string& view);

// The fleet's view, filled engine by engine.
class FleetView {
 public:
  explicit FleetView(std::string view);

  // Adds one engine's state: an Error names a field that does not add up (overflow).
  Result<bool> add(const std::string& engine, const State& state);

  // {"engines": {name: {seq, state_hash, <rows>, <sum tables>}}, "total": the first sum table
  // over every engine, "total_<name>": the others}.
  nlohmann::json to_json() const;
  // The same as text tables: each sum table per engine, then in total.
  std::string to_text() const;

 private:
  std::string view_;
  nlohmann::json engines_ = nlohmann::json::object();
  // Per sum table: key columns' values → field values (e8), per engine and in total.
  using Sums = std::map<std::vector<std::string>, std::vector<int64_t>>;
  std::vector<std::map<std::string, Sums>> per_engine_;
  std::vector<Sums> total_;
};

}  // namespace ose::tools::fleet
