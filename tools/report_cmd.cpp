// `ose report --config FILE [--json] [--png FILE]`: what happened in a run, rebuilt from its
// journal (tools/report/run_report.hpp). Read-only: it runs beside a live engine too.
#include <fmt/format.h>

#include <iostream>

#include "persistence/store_check.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/commands.hpp"
#include "tools/report/report_output.hpp"
#include "tools/report/run_report.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct ReportCmdOptions {
  StoreArgs store;
  bool json = false;
  std::string png;
  double step_s = 1;
  bool from_oldest_snapshot = false;
  bool step_given = false;
};

int run_report_cmd(const ReportCmdOptions& o) {
  int code = kExitFailed;
  auto opened = open_store(o.store, true, &code);
  if (!opened) {
    fmt::print(stderr, "ose report: {}\n", opened.error());
    return code;
  }
  if (opened->check.blocks_recovery()) {
    fmt::print(stderr,
               "ose report: the journal is damaged:\n{}\n`ose journal verify` lists the damage\n",
               describe_problems(opened->check));
    return kExitDamaged;
  }
  if (opened->check.pruned_through > 0 && !o.from_oldest_snapshot) {
    fmt::print(stderr,
               "ose report: the journal's history before seq {} was pruned by retention "
               "([engine].snapshots_keep keeps the newest snapshots and the records after the "
               "oldest of them), or never was in it (a follower's journal starts at the snapshot "
               "it started from): nothing is damaged, but the run cannot be replayed from its "
               "start. `--from-oldest-snapshot` reports from the snapshot at seq {} on\n",
               opened->check.pruned_through + 1, opened->check.pruned_through);
    return kExitFailed;
  }
  ReportOptions ro;
  ro.step_ns = static_cast<int64_t>(o.step_s * 1e9);
  // A backtest's journal: its equity counts from the first input (the capital is committed for
  // the whole data range), sampled at the backtest's step unless --step says otherwise.
  if (const auto step = backtest::backtest_report_step(opened->store.dir())) {
    ro.curve_from_first_input = true;
    if (!o.step_given) ro.step_ns = *step;
  }
  ro.from_oldest_snapshot = o.from_oldest_snapshot && opened->check.pruned_through > 0;
  auto report = build_run_report(opened->config, opened->store, ro);
  if (!report) {
    fmt::print(stderr, "ose report: {}\n", report.error());
    return kExitDamaged;
  }
  if (o.json) {
    std::cout << run_report_json(*report).dump(2) << "\n";
  } else {
    print_run_report(std::cout, *report);
  }
  if (!o.png.empty()) {
    if (auto png = write_report_png(*report, o.png); !png) {
      fmt::print(stderr, "ose report: --png: {}\n", png.error());
      return 1;
    }
    if (!o.json) std::cout << fmt::format("equity curve and drawdown: {}\n", o.png);
  }
  return 0;
}

}  // namespace

Run add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report",
      "Rebuild a run's report from its journal: orders, fills, fees, positions, balances and "
      "each strategy's performance");
  auto o = std::make_shared<ReportCmdOptions>();
  cmd->add_option("-c,--config", o->store.config_path, "The engine's config (TOML)")->required();
  cmd->add_option("--data-dir", o->store.data_dir, "Journal directory (default: the config's)");
  cmd->add_flag("--json", o->json, "Print JSON (with each strategy's equity curve)");
  cmd->add_option("--png", o->png, "Also draw the equity curves and drawdowns here (gnuplot)");
  cmd->add_flag("--from-oldest-snapshot", o->from_oldest_snapshot,
                "When retention pruned the journal's start: report from the oldest snapshot on");
  auto* step = cmd->add_option("--step", o->step_s,
                               "Equity sampling period in seconds of input time (1; a "
                               "backtest's journal: the backtest's own)")
                   ->check(CLI::Range(0.001, 86400.0));
  return [cmd, o, step]() {
    if (!cmd->parsed()) return -1;
    o->step_given = step->count() > 0;
    return run_report_cmd(*o);
  };
}

}  // namespace ose::tools
