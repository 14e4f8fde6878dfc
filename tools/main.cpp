// The `ose` command line. Each subcommand has --help; errors say what to do next.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "engine/formats/config.hpp"
#include "tools/commands.hpp"
#include "tools/replay.hpp"

namespace {

int replay_main(const std::string& config_path, const std::string& input_path,
                const ose::tools::ReplayOptions& options) {
  auto config = ose::load_config_file(config_path);
  if (!config) {
    fmt::print(stderr, "ose replay: bad config: {}\n", config.error());
    return 1;
  }
  if (input_path == "-") return ose::tools::run_replay(*config, std::cin, "<stdin>", options);
  std::ifstream in(input_path, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "ose replay: cannot read '{}': {}\n", input_path, std::strerror(errno));
    return 1;
  }
  return ose::tools::run_replay(*config, in, input_path, options);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ose — shared-memory order-state engine"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ose 0.1.0");

  auto* replay = app.add_subcommand(
      "replay",
      "Apply a scenario (JSONL, DESIGN §8) to a fresh engine state and write the results");
  std::string config_path;
  std::string input_path;
  ose::tools::ReplayOptions options;
  replay->add_option("CONFIG", config_path, "Engine config (TOML)")->required();
  replay->add_option("INPUT", input_path, "Scenario, one JSON object per line ('-' = stdin)")
      ->required();
  replay->add_option("--state-out", options.state_out,
                     "Write the canonical state JSON here ('-' = stdout)");
  replay->add_option("--events-out", options.events_out,
                     "Write one JSON event per line here ('-' = stdout)");
  replay->add_flag("--strict", options.strict, "Exit 3 if any line was malformed");
  replay->add_flag("--tables", options.tables, "Print orders, positions, balances as tables");
  replay->add_flag("-q,--quiet", options.quiet, "No summary");

  const ose::tools::Run engine = ose::tools::add_engine_command(app);
  const ose::tools::Run send = ose::tools::add_send_command(app);
  const ose::tools::Run inspect = ose::tools::add_inspect_command(app);
  const ose::tools::Run journal = ose::tools::add_journal_command(app);
  const ose::tools::Run snapshot = ose::tools::add_snapshot_command(app);
  const ose::tools::Run recover = ose::tools::add_recover_command(app);
  const ose::tools::Run backup = ose::tools::add_backup_command(app);
  const ose::tools::Run venue = ose::tools::add_venue_command(app);
  const ose::tools::Run report = ose::tools::add_report_command(app);
  const ose::tools::Run demo = ose::tools::add_demo_command(app);
  const ose::tools::Run backtest = ose::tools::add_backtest_command(app);
  const ose::tools::Run export_ = ose::tools::add_export_command(app);
  const ose::tools::Run serve = ose::tools::add_serve_command(app);
  const ose::tools::Run replicate = ose::tools::add_replicate_command(app);
  const ose::tools::Run follow = ose::tools::add_follow_command(app);
  const ose::tools::Run fleet = ose::tools::add_fleet_command(app);

  CLI11_PARSE(app, argc, argv);
  for (const auto* run :
       {&engine, &send, &inspect, &journal, &snapshot, &recover, &backup, &venue, &report, &demo,
        &backtest, &export_, &serve, &replicate, &follow, &fleet}) {
    if (const int rc = (*run)(); rc >= 0) return rc;
  }
  if (replay->parsed()) return replay_main(config_path, input_path, options);
  return 0;
}
