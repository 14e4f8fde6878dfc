// `ose report --config FILE [--json] [--png FILE]`: what happened in a run, rebuilt from its
// journal (tools/report/run_report.hpp). Read-only: it runs beside a live engine too.
#include <fmt/format.h>

#include <iostream>

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
};

int run_report_cmd(const ReportCmdOptions& o) {
  auto opened = open_store(o.store, true);
  if (!opened) {
    fmt::print(stderr, "ose report: {}\n", opened.error());
    return 1;
  }
  ReportOptions ro;
  ro.step_ns = static_cast<int64_t>(o.step_s * 1e9);
  auto report = build_run_report(opened->config, opened->store, ro);
  if (!report) {
    fmt::print(stderr, "ose report: {}\n", report.error());
    return 1;
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
  cmd->add_option("--step", o->step_s, "Equity sampling period in seconds of input time (1)")
      ->check(CLI::Range(0.001, 86400.0));
  return [cmd, o]() { return cmd->parsed() ? run_report_cmd(*o) : -1; };
}

}  // namespace ose::tools
