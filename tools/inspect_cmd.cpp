// `ose inspect`: maps a live engine's state segment read-only and prints it — aligned tables
// for people, the canonical JSON of DESIGN §8 for programs. Nothing here can write to the
// engine: the mapping is PROT_READ.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "engine/client/state_reader.hpp"
#include "engine/core/enums.hpp"
#include "engine/formats/json_format.hpp"
#include "replication/stream_layout.hpp"
#include "shm/broadcast_ring.hpp"
#include "shm/clock.hpp"
#include "tools/commands.hpp"
#include "tools/stop_signal.hpp"
#include "tools/tables.hpp"
#include "tools/views/views.hpp"

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

ViewFilter view_filter(const InspectOptions& o) {
  return ViewFilter{o.account, o.strategy, o.symbol, o.open_only};
}

Result<TableFilter> resolve_filter(const State& names, const InspectOptions& o) {
  if (std::string wrong = unknown_filter_name(names, view_filter(o)); !wrong.empty()) {
    return Error{std::move(wrong)};
  }
  TableFilter f;
  f.open_only = o.open_only;
  if (!o.account.empty()) f.account = names.find_account(o.account);
  if (!o.strategy.empty()) f.strategy = names.find_strategy(o.strategy);
  if (!o.symbol.empty()) f.instrument = names.find_instrument(o.symbol);
  return f;
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

std::string micros(uint64_t ns) {
  return fmt::format("{:.1f} µs", static_cast<double>(ns) / 1e3);
}

std::string command_latency_line(const nlohmann::json& j) {
  if (j.is_null()) return "command latency: unreadable (the engine died mid-update)\n";
  if (j["count"].get<uint64_t>() == 0) return "command latency: no stamped command yet\n";
  // p50 and p99 are bucket bounds (a factor of two apart): "≤".
  return fmt::format("command latency ({} commands): p50 ≤ {}  p99 ≤ {}  max {}\n",
                     j["count"].get<uint64_t>(), micros(j["p50_ns"].get<uint64_t>()),
                     micros(j["p99_ns"].get<uint64_t>()), micros(j["max_ns"].get<uint64_t>()));
}

// What `ose replicate` (the engine's lag behind its stream) or `ose follow` (the follower's
// progress and last verified snapshot) last wrote beside the segment; null when neither runs.
// The segment is the engine's alone, so they keep it in a file of their own
// (replication::status_path).
nlohmann::json replication_status(const StateSegmentHeader& h) {
  std::ifstream in(replication::status_path(h.engine_name));
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) return nullptr;
  const int64_t wall = j.value("wall_ns", int64_t{0});
  j["age_ms"] = (shm::wall_clock_ns() - wall) / 1'000'000;
  return j;
}

std::string replication_line(const nlohmann::json& j) {
  if (j.value("role", "") == "follower") {
    return fmt::format(
        "follower of {}  applied seq {}  last verified snapshot seq {}  stream sequence {}  "
        "(updated {} ms ago)\n",
        j.value("stream", ""), j.value("applied_seq", uint64_t{0}),
        j.value("verified_seq", uint64_t{0}), j.value("stream_seq", uint64_t{0}),
        j.value("age_ms", int64_t{0}));
  }
  return fmt::format(
      "replication to {} {}  journal seq {}  acknowledged {}  lag {} records  (pid {}, "
      "updated {} ms ago)\n",
      j.value("stream", ""), j.value("connected", false) ? "connected" : "DISCONNECTED",
      j.value("journal_seq", uint64_t{0}), j.value("acked_seq", uint64_t{0}),
      j.value("lag", uint64_t{0}), j.value("pid", 0), j.value("age_ms", int64_t{0}));
}

std::string render_status(const StateReader& r, bool json) {
  const nlohmann::json replication = replication_status(r.header());
  if (json) {
    if (replication.is_null()) return status_text(r);
    nlohmann::json j = status_json(r);
    j["replication"] = replication;
    return j.dump(2) + "\n";
  }
  const StateSegmentHeader& h = r.header();
  const nlohmann::json j = status_json(r);
  const nlohmann::json& rejects = j["rejects"];
  const nlohmann::json& alerts = j["alerts"];
  const nlohmann::json& clients = j["clients"];

  std::string out = fmt::format(
      "engine {}  pid {} ({})  heartbeat {} ms ago  {}\n"
      "applied seq {}  durable seq {}  {} inputs/s  {} inputs  {} live orders  {} ticks\n",
      h.engine_name, j["pid"].get<int32_t>(), j["alive"].get<bool>() ? "alive" : "GONE",
      j["heartbeat_age_ms"].get<int64_t>(),
      j["accepting"].get<bool>() ? "accepting" : "NOT ACCEPTING", j["applied_seq"].get<uint64_t>(),
      j["durable_seq"].get<uint64_t>(), j["inputs_per_sec"].get<uint64_t>(),
      j["inputs_applied"].get<uint64_t>(), j["live_orders"].get<uint64_t>(),
      j["ticks_applied"].get<uint64_t>());
  out += journal_status_line(j["journal"]);
  out += command_latency_line(j["command_latency"]);
  if (!replication.is_null()) out += replication_line(replication);
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
  const char* warning =
      "(engine busy: each row is whole, but rows may come from different inputs)\n";
  if (o.json) {
    auto j = tables_json(r, o.view, view_filter(o));
    if (!j) return Error{j.error()};
    if (!j->consistent) std::cerr << warning;
    return std::move(j->text);
  }
  auto copy = r.copy();
  if (!copy) return Error{copy.error()};
  const State& s = copy->state;
  auto filter = resolve_filter(r.names(), o);
  if (!filter) return Error{filter.error()};
  std::ostringstream out;
  if (!copy->consistent) out << warning;
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
