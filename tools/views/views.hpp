// The JSON views of a live engine, read through its read-only mapping: the status (segment
// header, journal, clients) and the canonical tables of DESIGN §8, whole or one table, filtered
// as `ose inspect` filters them. `ose inspect --json` prints these strings and `ose serve`
// answers /api/* with them, so the two are byte-identical at the same seq.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "engine/client/state_reader.hpp"
#include "engine/core/result.hpp"

namespace ose::tools {

// Rows kept: those naming this account / strategy / instrument (empty: any), and with open_only
// only the orders not yet finished.
struct ViewFilter {
  std::string account, strategy, symbol;
  bool open_only = false;
};

// What is wrong with the filter's names ("no account 'x'"), or empty when every name exists.
std::string unknown_filter_name(const State& names, const ViewFilter& f);

// The tables views: "state" (everything), "orders", "positions" (with strategy_positions),
// "balances", "market", "strategies".
bool is_table_view(std::string_view view) noexcept;

// The engine's status: segment header, journal, counters, rejects and alerts, clients.
nlohmann::json status_json(const StateReader& r);

// One table view of a copy of the state, filtered, as the text `ose inspect VIEW --json` prints
// (2-space indent, newline-terminated). `consistent` as StateReader::Copy's.
struct TablesJson {
  std::string text;
  bool consistent = true;
};
// `copy_attempts` as StateReader::copy's.
Result<TablesJson> tables_json(const StateReader& r, std::string_view view, const ViewFilter& f,
                               int copy_attempts = 200);
// The same view of a copy the caller took (`ose serve` shares one between requests), and its
// hash when the caller has it (StateJsonParts::state_hash).
Result<TablesJson> tables_json(const StateReader::Copy& copy, std::string_view view,
                               const ViewFilter& f,
                               std::optional<uint64_t> state_hash = std::nullopt);

// The status as `ose inspect status --json` prints it.
inline std::string status_text(const StateReader& r) {
  return status_json(r).dump(2) + "\n";
}

}  // namespace ose::tools
