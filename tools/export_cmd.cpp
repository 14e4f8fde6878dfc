// `ose export --config FILE [--data-dir DIR] --to sqlite:PATH|postgresql://… [--follow] [--json]`:
// the journal's orders, trades, positions, balances and ledger in SQL tables
// (tools/export/export_run.hpp; docs/SQL.md lists them). Read-only on the journal: it runs beside
// a live engine, and `--follow` tails it until SIGINT/SIGTERM.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>

#include "persistence/store_check.hpp"
#include "tools/commands.hpp"
#include "tools/export/export_run.hpp"
#include "tools/stop_signal.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct ExportCmdOptions {
  StoreArgs store;
  std::string to;
  bool follow = false;
  bool json = false;
  bool progress = false;
  bool quiet = false;
  std::string priority = "normal";
  uint32_t batch = 20'000;
  uint64_t rebuild_indexes_over = sql_export::ExportOptions{}.rebuild_indexes_over;
};

// SCHED_IDLE: the kernel runs this process only on CPU time nothing else at normal priority wants,
// so a follow beside a busy engine (its Runner, its journal thread, its clients) takes none of
// theirs; it falls behind while they are busy and catches up when they idle. Set before any
// thread starts, so every thread has it.
bool lower_priority() {
  sched_param none{};
  none.sched_priority = 0;
  return sched_setscheduler(0, SCHED_IDLE, &none) == 0;
}

int run_export_cmd(const ExportCmdOptions& o) {
  if (o.priority == "idle" && !lower_priority()) {
    fmt::print(stderr, "ose export: cannot run at idle priority (SCHED_IDLE): {}\n",
               std::strerror(errno));
    return kExitFailed;
  }
  int code = kExitFailed;
  auto opened = open_store(o.store, true, &code);
  if (!opened) {
    fmt::print(stderr, "ose export: {}\n", opened.error());
    return code;
  }
  if (opened->check.blocks_recovery()) {
    fmt::print(stderr,
               "ose export: the journal is damaged:\n{}\n`ose journal verify` lists the damage\n",
               describe_problems(opened->check));
    return kExitDamaged;
  }
  auto sink = sql_export::open_sink(o.to);
  if (!sink) {
    fmt::print(stderr, "ose export: {}\n", sink.error());
    return kExitFailed;
  }
  sql_export::ExportOptions eo;
  eo.follow = o.follow;
  eo.batch = o.batch;
  eo.rebuild_indexes_over = o.rebuild_indexes_over;
  if (o.follow) {
    stop_on_signals({SIGINT, SIGTERM});
    eo.stop = [] { return stop_requested(); };
  }
  if (!o.quiet && (o.progress || o.follow || isatty(STDERR_FILENO) != 0)) {
    eo.progress = [](const std::string& line) { fmt::print(stderr, "ose export: {}\n", line); };
  }
  auto done = sql_export::run_export(opened->config, opened->store, **sink, eo);
  if (!done) {
    fmt::print(stderr, "ose export: {}\n", done.error());
    return kExitFailed;
  }
  const sql_export::ExportSummary& s = *done;
  if (o.json) {
    nlohmann::json j;
    j["engine"] = opened->config.name;
    j["target"] = (*sink)->describe();
    j["resumed_from"] = s.resumed_from;
    j["last_seq"] = s.last_seq;
    j["inputs"] = s.inputs;
    j["rows"] = s.rows;
    j["transactions"] = s.transactions;
    j["state_hash"] = fmt::format("{:016x}", s.state_hash);
    j["backtest"] = s.backtest;
    j["seconds"] = s.seconds;
    j["rows_per_s"] = s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0;
    if (o.follow) j["lag_ms"] = {{"last", s.lag_ms_last}, {"max", s.lag_ms_max}};
    std::cout << j.dump(2) << "\n";
  } else if (!o.quiet) {
    fmt::print(
        "exported engine {} to {}: seq {} (state hash {:016x}), {} inputs{}, {} rows in "
        "{:.2f} s{}\n",
        opened->config.name, (*sink)->describe(), s.last_seq, s.state_hash, s.inputs,
        s.resumed_from > 0 ? fmt::format(" after seq {}", s.resumed_from) : "", s.rows, s.seconds,
        o.follow ? fmt::format(" (follow lag: last {:.1f} ms, max {:.1f} ms)", s.lag_ms_last,
                               s.lag_ms_max)
                 : "");
  }
  return 0;
}

}  // namespace

Run add_export_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "export",
      "Write the journal's orders, trades, positions, balances and ledger into SQLite or "
      "PostgreSQL (docs/SQL.md); rerun to bring the database up to date");
  auto o = std::make_shared<ExportCmdOptions>();
  cmd->add_option("-c,--config", o->store.config_path, "The engine's config (TOML)")->required();
  cmd->add_option("--data-dir", o->store.data_dir, "Journal directory (default: the config's)");
  cmd->add_option("--to", o->to,
                  "sqlite:PATH, or postgresql://USER[:PASSWORD]@HOST:PORT/DB (postgres:// too)")
      ->required();
  cmd->add_flag("--follow", o->follow,
                "Keep tailing the journal of a live engine until SIGINT/SIGTERM");
  cmd->add_flag("--json", o->json, "Print the summary as JSON");
  cmd->add_flag("--progress", o->progress,
                "A progress line every second (default on a terminal, and with --follow)");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress, no summary");
  cmd->add_option("--priority", o->priority,
                  "normal, or idle: run only on CPU time nothing else wants (SCHED_IDLE), so a "
                  "--follow beside a busy engine never takes its cores; it catches up when they "
                  "idle. The PostgreSQL server's own work keeps its priority")
      ->check(CLI::IsMember({"normal", "idle"}));
  cmd->add_option("--batch", o->batch, "Inputs per database transaction (20000)")
      ->check(CLI::Range(1u, 10'000'000u));
  cmd->add_option("--rebuild-indexes-over", o->rebuild_indexes_over,
                  "Further behind than this many inputs (and than the database's seq): drop the "
                  "secondary indexes for the load and build them when caught up (100000)");
  return [cmd, o]() {
    if (!cmd->parsed()) return -1;
    return run_export_cmd(*o);
  };
}

}  // namespace ose::tools
