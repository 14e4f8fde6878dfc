// `ose inspect`: maps a live engine's state segment read-only and prints it — aligned tables
// for people, the canonical JSON of DESIGN §8 for programs. Nothing here can write to the
// engine: the mapping is PROT_READ.
#include <fmt/format.h>
#include <lmdb.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <sstream>
#include <thread>

#include "engine/client/state_reader.hpp"
#include "engine/core/enums.hpp"
#include "engine/formats/json_format.hpp"
#include "shm/broadcast_ring.hpp"
#include "shm/clock.hpp"
#include "tools/commands.hpp"
#include "tools/stop_signal.hpp"
#include "tools/tables.hpp"

namespace ose::tools {

namespace {

struct InspectOptions {
  std::string engine;
  std::string view = "state";
  bool json = false;
  bool watch = false;
  double interval_s = 1.0;
  std::string account, strategy, symbol;
  bool open_only = false;
};

bool is_terminal_word(const std::string& status) {
  const auto parsed = parse_order_status(status);
  return parsed.has_value() && is_terminal(*parsed);
}

// Keeps the rows of the canonical JSON that pass the filters (names compared as shown).
void filter_json(nlohmann::json& j, const InspectOptions& o) {
  for (auto& [key, rows] : j.items()) {
    if (!rows.is_array()) continue;
    nlohmann::json kept = nlohmann::json::array();
    for (auto& row : rows) {
      const auto differs = [&](const char* field, const std::string& want) {
        return !want.empty() && row.contains(field) && row[field].is_string() &&
               row[field].get<std::string>() != want;
      };
      if (differs("account", o.account) || differs("symbol", o.symbol) ||
          differs("strategy", o.strategy) || (key == "strategies" && differs("name", o.strategy))) {
        continue;
      }
      if (o.open_only && key == "orders" && row.contains("status") &&
          is_terminal_word(row["status"].get<std::string>())) {
        continue;
      }
      kept.push_back(row);
    }
    rows = std::move(kept);
  }
}

Result<TableFilter> resolve_filter(const State& names, const InspectOptions& o) {
  TableFilter f;
  f.open_only = o.open_only;
  if (!o.account.empty() && (f.account = names.find_account(o.account)) == kNoIndex) {
    return Error{fmt::format("no account '{}'", o.account)};
  }
  if (!o.strategy.empty() && (f.strategy = names.find_strategy(o.strategy)) == kNoIndex) {
    return Error{fmt::format("no strategy '{}'", o.strategy)};
  }
  if (!o.symbol.empty() && (f.instrument = names.find_instrument(o.symbol)) == kNoIndex) {
    return Error{fmt::format("no instrument '{}'", o.symbol)};
  }
  return f;
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

std::string journal_status_line(const nlohmann::json& j) {
  return fmt::format(
      "journal {}{}  {} commits  loss window last {:.1f} µs, worst {:.1f} µs  newest snapshot "
      "seq {}\n",
      j["state"].get<std::string>(),
      j["error"].get<int>() != 0 ? fmt::format(" ({})", j["error_text"].get<std::string>()) : "",
      j["commits"].get<uint64_t>(), static_cast<double>(j["last_lag_ns"].get<uint64_t>()) / 1e3,
      static_cast<double>(j["max_lag_ns"].get<uint64_t>()) / 1e3,
      j["snapshot_seq"].get<uint64_t>());
}

std::string render_status(const StateReader& r, bool json) {
  const shm::SegmentHeader& sh = r.segment_header();
  const StateSegmentHeader& h = r.header();
  StateHeader state_header{};
  const bool have = r.read_state_header(state_header);
  // Relaxed: monitoring figures, each read on its own.
  const int32_t pid = sh.owner_pid.load(std::memory_order_relaxed);
  const int64_t age_ns = shm::monotonic_ns() - sh.heartbeat_ns.load(std::memory_order_relaxed);
  const bool alive = shm::process_alive(pid);
  nlohmann::json j;
  j["engine"] = std::string(h.engine_name);
  j["pid"] = pid;
  j["alive"] = alive;
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
  if (json) return j.dump(2) + "\n";

  std::string out = fmt::format(
      "engine {}  pid {} ({})  heartbeat {} ms ago  {}\n"
      "applied seq {}  durable seq {}  {} inputs/s  {} inputs  {} live orders  {} ticks\n",
      h.engine_name, pid, alive ? "alive" : "GONE", age_ns / 1'000'000,
      j["accepting"].get<bool>() ? "accepting" : "NOT ACCEPTING", j["applied_seq"].get<uint64_t>(),
      j["durable_seq"].get<uint64_t>(), j["inputs_per_sec"].get<uint64_t>(),
      j["inputs_applied"].get<uint64_t>(), j["live_orders"].get<uint64_t>(),
      j["ticks_applied"].get<uint64_t>());
  out += journal_status_line(j["journal"]);
  if (!rejects.empty()) {
    out += "rejects:";
    for (auto& [k, v] : rejects.items()) out += fmt::format(" {}={}", k, v.get<uint64_t>());
    out += "\n";
  }
  if (!alerts.empty()) {
    out += "alerts:";
    for (auto& [k, v] : alerts.items()) out += fmt::format(" {}={}", k, v.get<uint64_t>());
    out += "\n";
  }
  out += fmt::format("\n  {:<16} {:<9} {:<13} {:>8} {:>10} {:>9} {:>10} {:>8} {:>7} {:>11}\n",
                     "CLIENT", "ROLE", "LINK", "PID", "COMMANDS", "MALFORMED", "VIOLATIONS",
                     "DROPPED", "UNREAD", "DISCONNECTS");
  for (const auto& row : clients) {
    out += fmt::format("  {:<16} {:<9} {:<13} {:>8} {:>10} {:>9} {:>10} {:>8} {:>7} {:>11}\n",
                       row["name"].get<std::string>(), row["role"].get<std::string>(),
                       row["link"].get<std::string>(), row["pid"].get<int32_t>(),
                       row["commands"].get<uint64_t>(), row["malformed"].get<uint64_t>(),
                       row["violations"].get<uint64_t>(), row["responses_dropped"].get<uint64_t>(),
                       row["unread_commands"].get<uint64_t>(), row["disconnects"].get<uint64_t>());
  }
  return out;
}

Result<std::string> render_tables(const StateReader& r, const InspectOptions& o) {
  auto copy = r.copy();
  if (!copy) return Error{copy.error()};
  const State& s = copy->state;
  std::string warning;
  if (!copy->consistent) {
    warning = "(engine busy: each row is whole, but rows may come from different inputs)\n";
  }
  if (o.json) {
    nlohmann::json j = state_to_json(s);
    filter_json(j, o);
    if (o.view != "state") {
      const std::string key = o.view == "market" ? "market" : o.view;
      nlohmann::json part;
      part[key] = j[key];
      if (o.view == "positions") part["strategy_positions"] = j["strategy_positions"];
      part["seq"] = j["seq"];
      part["state_hash"] = j["state_hash"];
      j = std::move(part);
    }
    if (!copy->consistent) std::cerr << warning;
    return j.dump(2) + "\n";
  }
  auto filter = resolve_filter(r.names(), o);
  if (!filter) return Error{filter.error()};
  std::ostringstream out;
  out << warning;
  if (o.view == "state" || o.view == "balances") print_balances(out, s, *filter);
  if (o.view == "state" || o.view == "positions") print_positions(out, s, *filter);
  if (o.view == "state" || o.view == "orders") print_orders(out, s, *filter);
  if (o.view == "state" || o.view == "strategies") print_strategies(out, s, *filter);
  if (o.view == "state" || o.view == "market") print_market(out, s, *filter);
  out << fmt::format("seq {}  state_hash {:016x}\n", s.header().seq, s.hash());
  return out.str();
}

// Prints the broadcast ring from the oldest event it still holds; with --watch, keeps tailing.
int tail_events(const StateReader& r, const InspectOptions& o) {
  shm::BroadcastReader reader(
      &r.broadcast(), r.broadcast_capacity(),
      o.watch ? shm::BroadcastReader::Start::kNewest : shm::BroadcastReader::Start::kOldest);
  uint64_t lost = 0, reported = 0;
  for (;;) {
    Event e;
    const shm::RingStatus st = reader.poll(&e, sizeof e, lost);
    if (lost != reported) {
      fmt::print(stderr, "ose inspect: {} events lost (this reader fell behind the engine)\n",
                 lost - reported);
      reported = lost;
    }
    if (st == shm::RingStatus::kOk) {
      // The ids are read from the live segment, under its seqlocks: r.names() only gives names.
      fmt::print("{}\n", event_to_json(r.names(), e, r.read_event_ids(e)).dump());
      continue;
    }
    if (!o.watch || stop_requested()) return 0;
    std::fflush(stdout);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int run_inspect(const InspectOptions& o) {
  auto reader = StateReader::attach(o.engine);
  if (!reader) {
    fmt::print(stderr, "ose inspect: {}\n", reader.error());
    return 1;
  }
  if (auto f = resolve_filter(reader->names(), o); !f) {
    fmt::print(stderr, "ose inspect: {}\n", f.error());
    return 2;
  }
  stop_on_signals({SIGINT});
  if (o.view == "events") return tail_events(*reader, o);
  for (;;) {
    Result<std::string> text = o.view == "status"
                                   ? Result<std::string>(render_status(*reader, o.json))
                                   : render_tables(*reader, o);
    if (!text) {
      fmt::print(stderr, "ose inspect: {}\n", text.error());
      return 1;
    }
    if (o.watch) fmt::print("\033[H\033[2J");  // like top: home, clear
    fmt::print("{}", *text);
    std::fflush(stdout);
    if (!o.watch) return 0;
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(o.interval_s);
    while (std::chrono::steady_clock::now() < until) {
      if (stop_requested()) return 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace

Run add_inspect_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect",
                                 "Show a live engine's state from its shared memory (read-only)");
  auto o = std::make_shared<InspectOptions>();
  cmd->add_option("-e,--engine", o->engine, "Engine name ([engine] name in its config)")
      ->required();
  cmd->add_option("VIEW", o->view,
                  "state (default: everything), status, orders, positions, balances, market, "
                  "strategies or events")
      ->check(CLI::IsMember({"state", "status", "orders", "positions", "balances", "market",
                             "strategies", "events"}));
  cmd->add_flag("--json", o->json, "Canonical JSON (DESIGN §8) instead of tables");
  cmd->add_flag("-w,--watch", o->watch,
                "Refresh until Ctrl-C, like top (events: follow new events)");
  cmd->add_option("--interval", o->interval_s, "Seconds between refreshes with --watch");
  cmd->add_option("--account", o->account, "Only rows of this account");
  cmd->add_option("--strategy", o->strategy, "Only rows of this strategy");
  cmd->add_option("--symbol", o->symbol, "Only rows of this instrument");
  cmd->add_flag("--open", o->open_only, "Orders: only those not yet finished");
  return [cmd, o]() { return cmd->parsed() ? run_inspect(*o) : -1; };
}

}  // namespace ose::tools
