// `ose fleet --nats URL [positions|balances] [--json]`: the firm-wide view over every engine that
// replicates to this NATS server (every OSE_* stream): each engine's state rebuilt in memory as a
// follower does (replication/follower.hpp), its positions or balances listed per engine and
// summed per instrument or asset. Sums are exact (fixed point, 8 decimals, as the engine keeps
// them).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>

#include "engine/core/fixed_point.hpp"
#include "engine/formats/json_format.hpp"
#include "replication/follower.hpp"
#include "tools/commands.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct FleetArgs {
  std::string url;
  std::string view = "positions";
  bool json = false;
};

// What each view sums, keyed by which field.
struct ViewSpec {
  const char* table;
  const char* key;
  std::vector<const char*> sums;
};

ViewSpec spec_of(const std::string& view) {
  if (view == "balances") return {"balances", "asset", {"free", "locked", "total"}};
  return {"positions",
          "symbol",
          {"size", "open_buy_qty", "open_sell_qty", "realized_pnl", "unrealized_pnl", "fees",
           "margin"}};
}

int fleet(const FleetArgs& a) {
  replication::LinkOptions lo;
  lo.url = a.url;
  lo.client_name = "ose-fleet";
  auto link = replication::Link::connect_within(lo, 5000);
  if (!link) {
    fmt::print(stderr, "ose fleet: {}\n", link.error());
    return kExitFailed;
  }
  auto streams = link->stream_names(std::string(replication::kStreamPrefix));
  if (!streams) {
    fmt::print(stderr, "ose fleet: {}\n", streams.error());
    return kExitFailed;
  }
  const ViewSpec spec = spec_of(a.view);
  nlohmann::json engines = nlohmann::json::object();
  std::map<std::string, std::map<std::string, int64_t>> totals;  // key → field → e8
  for (const std::string& stream : *streams) {
    const std::string engine = stream.substr(replication::kStreamPrefix.size());
    const auto names = replication::stream_names(engine, nullptr);
    if (!names) continue;
    auto state = replication::rebuild_in_memory(*link, *names);
    if (!state) {
      fmt::print(stderr, "ose fleet: engine {}: {}\n", engine, state.error());
      return kExitDamaged;
    }
    nlohmann::json rows = state_to_json(*state)[spec.table];
    for (const auto& row : rows) {
      auto& t = totals[row[spec.key].get<std::string>()];
      for (const char* f : spec.sums) {
        const auto v = parse_decimal_e8(row[f].get<std::string>());
        const auto sum = v ? add_e8(t[f], *v) : std::nullopt;
        if (!sum) {
          fmt::print(stderr, "ose fleet: engine {}: {} '{}' does not add up\n", engine, f,
                     row[f].dump());
          return kExitFailed;
        }
        t[f] = *sum;
      }
    }
    engines[engine] = {{"seq", state->header().seq},
                       {"state_hash", fmt::format("{:016x}", state->hash())},
                       {spec.table, rows}};
  }
  nlohmann::json total = nlohmann::json::array();
  for (const auto& [key, fields] : totals) {
    nlohmann::json row{{spec.key, key}};
    for (const auto& [f, v] : fields) row[f] = format_decimal_e8(v);
    total.push_back(row);
  }
  if (a.json) {
    fmt::print("{}\n", nlohmann::json{{"engines", engines}, {"total", total}}.dump(2));
    return 0;
  }
  for (const auto& [engine, e] : engines.items()) {
    fmt::print("engine {} (seq {}, state hash {}): {} {}\n", engine, e["seq"].get<uint64_t>(),
               e["state_hash"].get<std::string>(), e[spec.table].size(), spec.table);
  }
  fmt::print("\n  {:<16}", spec.key);
  for (const char* f : spec.sums) fmt::print(" {:>18}", f);
  fmt::print("\n");
  for (const auto& row : total) {
    fmt::print("  {:<16}", row[spec.key].get<std::string>());
    for (const char* f : spec.sums) fmt::print(" {:>18}", row[f].get<std::string>());
    fmt::print("\n");
  }
  return 0;
}

}  // namespace

Run add_fleet_command(CLI::App& app) {
  auto a = std::make_shared<FleetArgs>();
  auto* cmd = app.add_subcommand(
      "fleet", "The firm-wide view: every engine replicating to a NATS server, summed");
  cmd->add_option("--nats", a->url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("VIEW", a->view, "positions (per instrument) or balances (per asset)")
      ->check(CLI::IsMember({"positions", "balances"}));
  cmd->add_flag("--json", a->json, "Per engine and in total, as JSON");
  return [cmd, a]() -> int { return cmd->parsed() ? fleet(*a) : -1; };
}

}  // namespace ose::tools
