#include "tools/views/views.hpp"

#include <fmt/format.h>
#include <lmdb.h>

#include "engine/core/enums.hpp"
#include "engine/formats/json_format.hpp"
#include "engine/layout/command_latency.hpp"
#include "shm/clock.hpp"

namespace ose::tools {

namespace {

bool is_terminal_word(const std::string& status) {
  const auto parsed = parse_order_status(status);
  return parsed.has_value() && is_terminal(*parsed);
}

// Keeps the rows of the canonical JSON that pass the filter (names compared as shown).
void filter_json(nlohmann::json& j, const ViewFilter& f) {
  for (auto& [key, rows] : j.items()) {
    if (!rows.is_array()) continue;
    nlohmann::json kept = nlohmann::json::array();
    for (auto& row : rows) {
      const auto differs = [&](const char* field, const std::string& want) {
        return !want.empty() && row.contains(field) && row[field].is_string() &&
               row[field].get<std::string>() != want;
      };
      if (differs("account", f.account) || differs("symbol", f.symbol) ||
          differs("strategy", f.strategy) || (key == "strategies" && differs("name", f.strategy))) {
        continue;
      }
      if (f.open_only && key == "orders" && row.contains("status") &&
          is_terminal_word(row["status"].get<std::string>())) {
        continue;
      }
      kept.push_back(row);
    }
    rows = std::move(kept);
  }
}

std::string_view journal_state_name(uint32_t state) {
  switch (static_cast<JournalState>(state)) {
    case JournalState::kWriting:
      return "writing";
    case JournalState::kFailing:
      return "FAILING";
    case JournalState::kHalting:
      return "HALTING";
    case JournalState::kNone:
    default:
      return "off";
  }
}

nlohmann::json journal_status_json(const JournalStatus& js) {
  // Relaxed: monitoring words, each read on its own.
  nlohmann::json j;
  j["state"] = std::string(journal_state_name(js.state.load(std::memory_order_relaxed)));
  j["error"] = js.error.load(std::memory_order_relaxed);
  // LMDB's words for its own codes and for errno values alike.
  j["error_text"] = j["error"].get<int>() != 0 ? mdb_strerror(j["error"].get<int>()) : "";
  j["commits"] = js.commits.load(std::memory_order_relaxed);
  j["max_lag_ns"] = js.max_lag_ns.load(std::memory_order_relaxed);
  j["last_lag_ns"] = js.last_lag_ns.load(std::memory_order_relaxed);
  j["snapshot_seq"] = js.snapshot_seq.load(std::memory_order_relaxed);
  j["snapshots_taken"] = js.snapshots_taken.load(std::memory_order_relaxed);
  return j;
}

nlohmann::json command_latency_json(const LatencyHistogram& h) {
  LatencyCounts c{};
  // A writer holds the seqlock odd for one batch; a dead writer could leave it odd: bounded.
  if (!h.load(c, 1u << 16)) return nullptr;
  nlohmann::json j;
  j["count"] = c.count;
  j["sum_ns"] = c.sum_ns;
  j["max_ns"] = c.max_ns;
  j["p50_ns"] = latency_quantile_ns(c, 500);
  j["p99_ns"] = latency_quantile_ns(c, 990);
  nlohmann::json buckets = nlohmann::json::array();
  for (int i = 0; i < kLatencyBuckets; ++i) {
    if (c.buckets[i] != 0) {
      buckets.push_back({{"le_ns", latency_bucket_bound_ns(i)}, {"count", c.buckets[i]}});
    }
  }
  j["buckets"] = buckets;  // the non-empty ones, not cumulative
  j["above_last_bucket"] = c.buckets[kLatencyBuckets];
  return j;
}

}  // namespace

std::string unknown_filter_name(const State& names, const ViewFilter& f) {
  if (!f.account.empty() && names.find_account(f.account) == kNoIndex) {
    return fmt::format("no account '{}'", f.account);
  }
  if (!f.strategy.empty() && names.find_strategy(f.strategy) == kNoIndex) {
    return fmt::format("no strategy '{}'", f.strategy);
  }
  if (!f.symbol.empty() && names.find_instrument(f.symbol) == kNoIndex) {
    return fmt::format("no instrument '{}'", f.symbol);
  }
  return {};
}

bool is_table_view(std::string_view view) noexcept {
  return view == "state" || view == "orders" || view == "positions" || view == "balances" ||
         view == "market" || view == "strategies";
}

nlohmann::json status_json(const StateReader& r) {
  const shm::SegmentHeader& sh = r.segment_header();
  const StateSegmentHeader& h = r.header();
  StateHeader state_header{};
  const bool have = r.read_state_header(state_header);
  // Relaxed: monitoring figures, each read on its own.
  const int32_t pid = sh.owner_pid.load(std::memory_order_relaxed);
  const int64_t age_ns = shm::monotonic_ns() - sh.heartbeat_ns.load(std::memory_order_relaxed);
  nlohmann::json j;
  j["engine"] = std::string(h.engine_name);
  j["pid"] = pid;
  j["alive"] = shm::process_alive(pid);
  j["heartbeat_age_ms"] = age_ns / 1'000'000;
  j["accepting"] = h.accepting.load(std::memory_order_relaxed) != 0;
  j["applied_seq"] = h.applied_seq.load(std::memory_order_relaxed);
  j["durable_seq"] = h.journal.durable_seq.load(std::memory_order_relaxed);
  j["journal"] = journal_status_json(h.journal);
  j["inputs_per_sec"] = h.inputs_per_sec.load(std::memory_order_relaxed);
  j["ticks_applied"] = h.ticks_applied.load(std::memory_order_relaxed);
  j["events_published"] = h.broadcast_published.load(std::memory_order_relaxed);
  j["inputs_applied"] = have ? state_header.inputs_applied : 0;
  j["live_orders"] = have ? state_header.live_count : 0;
  nlohmann::json rejects = nlohmann::json::object();
  nlohmann::json alerts = nlohmann::json::object();
  if (have) {
    for (int i = 0; i < kRejectReasonCount; ++i) {
      if (state_header.rejects[i] != 0) {
        rejects[std::string(to_string(static_cast<RejectReason>(i)))] = state_header.rejects[i];
      }
    }
    for (int i = 0; i < kAlertReasonCount; ++i) {
      if (state_header.alerts[i] != 0) {
        alerts[std::string(to_string(static_cast<AlertReason>(i)))] = state_header.alerts[i];
      }
    }
  }
  j["rejects"] = rejects;
  j["alerts"] = alerts;
  j["command_latency"] = command_latency_json(h.command_latency);
  nlohmann::json clients = nlohmann::json::array();
  for (uint16_t c = 0; c < r.client_count(); ++c) {
    const ClientStatus& cs = r.client_status(c);
    nlohmann::json row;
    row["name"] = client_name(r.names(), c);
    row["role"] = std::string(to_string(r.names().client(c).role));
    row["link"] =
        std::string(to_string(static_cast<ClientLink>(cs.link.load(std::memory_order_relaxed))));
    row["pid"] = cs.pid.load(std::memory_order_relaxed);
    row["commands"] = cs.commands.load(std::memory_order_relaxed);
    row["malformed"] = cs.malformed.load(std::memory_order_relaxed);
    row["violations"] = cs.violations.load(std::memory_order_relaxed);
    row["responses_dropped"] = cs.responses_dropped.load(std::memory_order_relaxed);
    row["unread_commands"] = cs.command_depth.load(std::memory_order_relaxed);
    row["disconnects"] = cs.disconnects.load(std::memory_order_relaxed);
    clients.push_back(row);
  }
  j["clients"] = clients;
  return j;
}

Result<TablesJson> tables_json(const StateReader& r, std::string_view view, const ViewFilter& f,
                               int copy_attempts) {
  if (!is_table_view(view)) return Error{fmt::format("no table view '{}'", view)};
  auto copy = r.copy(copy_attempts);
  if (!copy) return Error{copy.error()};
  return tables_json(*copy, view, f);
}

Result<TablesJson> tables_json(const StateReader::Copy& copy, std::string_view view,
                               const ViewFilter& f, std::optional<uint64_t> state_hash) {
  if (!is_table_view(view)) return Error{fmt::format("no table view '{}'", view)};
  StateJsonParts parts;
  if (view != "state") {
    parts.balances = view == "balances";
    parts.orders = view == "orders";
    parts.positions = view == "positions";
    parts.strategies = view == "strategies";
    parts.market = view == "market";
  }
  parts.open_orders_only = f.open_only;  // filter_json would drop them anyway
  parts.state_hash = state_hash;
  nlohmann::json j = state_to_json(copy.state, parts);
  filter_json(j, f);
  if (view != "state") {
    const std::string key(view);
    nlohmann::json part;
    part[key] = j[key];
    if (view == "positions") part["strategy_positions"] = j["strategy_positions"];
    part["seq"] = j["seq"];
    part["state_hash"] = j["state_hash"];
    j = std::move(part);
  }
  return TablesJson{j.dump(2) + "\n", copy.consistent};
}

}  // namespace ose::tools
