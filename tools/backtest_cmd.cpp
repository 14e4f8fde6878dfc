// `ose backtest`: the sample strategy over historical Binance data in market time, with the
// engine's own core, the simulated venue and modelled latencies (tools/backtest/,
// docs/BACKTEST.md). One run prints the run report and its results row; `--grid` sweeps parameters,
// one process per combination, `--jobs` at a time, and prints the rows ranked.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <list>
#include <thread>

#include "engine/formats/bot_table.hpp"
#include "persistence/store.hpp"
#include "tools/backtest/backtest_run.hpp"
#include "tools/backtest/grid.hpp"
#include "tools/backtest/market_time.hpp"
#include "tools/child_process.hpp"
#include "tools/commands.hpp"
#include "tools/embedded.hpp"
#include "tools/python_strategy.hpp"
#include "tools/report/report_output.hpp"
#include "tools/report/run_report.hpp"
#include "tools/stop_signal.hpp"

namespace fs = std::filesystem;

namespace ose::tools {

namespace {

struct BacktestOptions {
  std::string config_path;
  std::vector<std::string> data;
  std::string from, to;
  int64_t entry_us = 0, response_us = 0, feed_us = 0;
  std::string fill_model = "full";
  double reject_share = 0;
  uint64_t seed = 1;
  std::vector<std::string> sets;
  std::string client;
  std::string out = "./ose-backtest";
  double step_s = 60;
  bool json = false;
  bool quiet = false;
  std::vector<std::string> grid;
  unsigned jobs = 0;
  std::string rank_by = "sharpe";
  std::string strategy = "ema_rsi";  // or python:FILE
};

constexpr std::string_view kPythonPrefix = "python:";

int fail(const std::string& what) {
  fmt::print(stderr, "ose backtest: {}\n", what);
  return 2;
}

BotValueKind kind_of(BotTableEntry::Kind k) {
  switch (k) {
    case BotTableEntry::Kind::kString:
      return BotValueKind::kText;
    case BotTableEntry::Kind::kInteger:
      return BotValueKind::kInteger;
    case BotTableEntry::Kind::kFloat:
      return BotValueKind::kFloat;
  }
  return BotValueKind::kAny;
}

// KEY=VALUE from the command line, as the strategy's --set takes it.
Result<BotSetting> setting_from(const std::string& assignment, const std::string& option) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Error{fmt::format("{} {}: write KEY=VALUE", option, assignment)};
  }
  return BotSetting{assignment.substr(0, eq), assignment.substr(eq + 1), BotValueKind::kAny,
                    option};
}

// Everything a run needs from the options; nothing is run or written.
Result<backtest::BacktestSpec> spec_from(const BacktestOptions& o) {
  backtest::BacktestSpec spec;
  std::string text(kLiveDemoConfig);
  std::string origin = "<embedded config/demo.toml>";
  if (!o.config_path.empty()) {
    auto read = read_config_text(o.config_path);
    if (!read) return Error{read.error()};
    text = std::move(*read);
    origin = o.config_path;
  }
  auto config = load_config_string(text, origin);
  if (!config) return Error{"bad config: " + config.error()};
  spec.config = std::move(*config);
  auto table = read_bot_table(text, origin);
  if (!table) return Error{table.error()};
  for (const BotTableEntry& e : *table) {
    spec.settings.push_back({e.key, e.text, kind_of(e.kind), fmt::format("{}:{}", origin, e.line)});
  }
  for (const std::string& s : o.sets) {
    auto setting = setting_from(s, "--set");
    if (!setting) return Error{setting.error()};
    spec.settings.push_back(*setting);
  }
  spec.data = o.data;
  if (!o.from.empty()) {
    auto t = backtest::parse_market_time(o.from);
    if (!t) return Error{"--from " + t.error()};
    spec.sim.from_ns = *t;
  }
  if (!o.to.empty()) {
    auto t = backtest::parse_market_time(o.to);
    if (!t) return Error{"--to " + t.error()};
    spec.sim.to_ns = *t;
  }
  spec.sim.latency = {o.entry_us * 1000, o.response_us * 1000, o.feed_us * 1000};
  spec.sim.venue.partial_fills = o.fill_model == "partial";
  spec.sim.venue.reject_per_million = static_cast<uint32_t>(std::lround(o.reject_share * 1e6));
  spec.sim.venue.seed = o.seed;
  spec.sim.strategy_client = o.client;
  spec.out_dir = o.out;
  spec.step_ns = static_cast<int64_t>(o.step_s * 1e9);
  spec.progress = !o.quiet;
  return spec;
}

// The options that say what one run does (config, data, range, latencies, venue, parameters), as
// arguments again: for a grid's runs and for a Python strategy's run, which take the same ones.
void append_run_options(const BacktestOptions& o, std::vector<std::string>& a) {
  if (!o.config_path.empty()) a.insert(a.end(), {"--config", o.config_path});
  for (const std::string& d : o.data) a.insert(a.end(), {"--data", d});
  if (!o.from.empty()) a.insert(a.end(), {"--from", o.from});
  if (!o.to.empty()) a.insert(a.end(), {"--to", o.to});
  a.insert(a.end(),
           {"--latency-entry-us", std::to_string(o.entry_us), "--latency-response-us",
            std::to_string(o.response_us), "--feed-latency-us", std::to_string(o.feed_us),
            "--fill-model", o.fill_model, "--reject-share", fmt::format("{}", o.reject_share),
            "--seed", std::to_string(o.seed), "--step", fmt::format("{}", o.step_s)});
  if (!o.client.empty()) a.insert(a.end(), {"--client", o.client});
  for (const std::string& s : o.sets) a.insert(a.end(), {"--set", s});
}

// `--strategy python:FILE`: the run is `python3 -m ose.backtest_cli` with the same options (the
// Python module runs the very same simulation, journal and results row); this process then prints
// what a run of the C++ strategy prints, from the journal and row it left. `ose` never links
// libpython, so it runs where Python is not installed.
int python_run(const BacktestOptions& o, const backtest::BacktestSpec& spec) {
  auto py = python_setup();
  if (!py) return fail(py.error());
  std::vector<std::string> a = {
      "-m", "ose.backtest_cli", "--file", o.strategy.substr(kPythonPrefix.size()), "--out", o.out};
  if (o.quiet) a.push_back("--quiet");
  append_run_options(o, a);
  auto status = run_in_foreground(py->python, a);
  if (!status) return fail(status.error());
  if (*status != 0) return *status;
  std::ifstream in(fs::path(o.out) / "backtest.json");
  const nlohmann::json row = nlohmann::json::parse(in, nullptr, false);
  if (row.is_discarded()) return fail("the Python run left no results row in " + o.out);
  if (o.json) {
    std::cout << row.dump(2) << "\n";
    return 0;
  }
  auto store = Store::open(o.out, {uint64_t{spec.config.journal_map_mb} << 20, true});
  if (!store) return fail(store.error());
  ReportOptions ro;
  ro.step_ns = spec.step_ns;
  ro.curve_from_first_input = true;
  EngineConfig config = spec.config;
  config.data_dir = o.out;
  auto report = build_run_report(config, *store, ro);
  if (!report) return fail("report: " + report.error());
  print_run_report(std::cout, *report);
  std::cout << fmt::format(
      "backtest: {} ticks from {} to {}, {} inputs; journal in {} (state hash {})\n",
      row["ticks"].dump(), row["from"].get<std::string>(), row["to"].get<std::string>(),
      row["inputs"].dump(), o.out, row["state_hash"].get<std::string>());
  return 0;
}

int single_run(const BacktestOptions& o) {
  auto spec = spec_from(o);
  if (!spec) return fail(spec.error());
  if (o.strategy.rfind(kPythonPrefix, 0) == 0) return python_run(o, *spec);
  if (auto ok = backtest::check_backtest(*spec); !ok) return fail(ok.error());
  auto run = backtest::run_backtest(*spec);
  if (!run) return fail(run.error());
  if (o.json) {
    std::cout << run->row.dump(2) << "\n";
  } else {
    print_run_report(std::cout, run->report);
    std::cout << fmt::format(
        "backtest: {} ticks from {} to {}, {} inputs; journal in {} (state hash {})\n",
        run->sim.ticks, run->row["from"].get<std::string>(), run->row["to"].get<std::string>(),
        run->sim.inputs, o.out, run->row["state_hash"].get<std::string>());
  }
  if (!o.quiet) {
    fmt::print(stderr,
               "ose backtest: {} events simulated in {:.3f} s ({:.2f} M events/s), {:.3f} s with "
               "the journal's set-up and final write{}\n",
               run->sim.events, run->sim_s,
               static_cast<double>(run->sim.events) / std::max(run->sim_s, 1e-9) / 1e6, run->wall_s,
               run->sim.bad_rows > 0 ? fmt::format("; {} bad rows skipped", run->sim.bad_rows)
                                     : std::string());
  }
  return 0;
}

// The arguments of one grid run: everything but the grid, with its values as --set.
std::vector<std::string> child_args(const BacktestOptions& o,
                                    const std::vector<std::pair<std::string, std::string>>& point,
                                    const std::string& out) {
  std::vector<std::string> a = {"backtest", "--quiet", "--json", "--out", out};
  append_run_options(o, a);
  for (const auto& [k, v] : point) a.insert(a.end(), {"--set", k + "=" + v});
  return a;
}

int grid_run(const BacktestOptions& o) {
  std::vector<backtest::GridAxis> axes;
  for (const std::string& g : o.grid) {
    auto axis = backtest::parse_grid_axis(g, bot_param_keys(), axes);
    if (!axis) return fail(axis.error());
    axes.push_back(*axis);
  }
  const auto points = backtest::grid_points(axes);
  if (std::vector<nlohmann::json> none; !backtest::rank_rows(none, o.rank_by)) {
    return fail(backtest::rank_rows(none, o.rank_by).error());
  }
  // Every combination is checked before any runs: a bad value fails the whole sweep at once.
  auto base = spec_from(o);
  if (!base) return fail(base.error());
  {
    std::error_code ec;
    if (fs::exists(o.out, ec) && !fs::is_empty(o.out, ec) &&
        !fs::exists(fs::path(o.out) / "grid.json", ec)) {
      return fail(fmt::format(
          "--out {}: the directory holds other files; a grid writes into an empty directory or "
          "over an earlier grid's",
          o.out));
    }
  }
  std::vector<std::string> dirs;
  for (size_t i = 0; i < points.size(); ++i) {
    backtest::BacktestSpec spec = *base;
    for (const auto& [k, v] : points[i])
      spec.settings.push_back({k, v, BotValueKind::kAny, "--grid"});
    spec.out_dir = (fs::path(o.out) / fmt::format("run-{:04}", i + 1)).string();
    dirs.push_back(spec.out_dir);
    if (auto p = backtest::backtest_params(spec.settings); !p) {
      return fail(fmt::format("grid run {} ({}={}...): {}", i + 1, points[i].front().first,
                              points[i].front().second, p.error()));
    }
  }
  // Checked as the first run will be: its own directory, not the grid's (which an earlier grid
  // left its grid.json and run logs in).
  backtest::BacktestSpec first = *base;
  first.out_dir = dirs.front();
  if (auto ok = backtest::check_backtest(first); !ok) return fail(ok.error());
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return fail(fmt::format("--out {}: {}", o.out, ec.message()));

  const unsigned jobs = o.jobs > 0 ? o.jobs : std::max(1u, std::thread::hardware_concurrency());
  stop_on_signals({SIGINT, SIGTERM});
  const auto started = std::chrono::steady_clock::now();
  std::list<std::pair<size_t, ChildProcess>> running;  // not movable: a list never moves them
  size_t next = 0, done = 0;
  std::vector<std::string> failures;
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto progress = [&] {
    if (o.quiet) return;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const std::string eta =
        done == 0 ? std::string("?")
                  : fmt::format("{:.0f} s", elapsed / static_cast<double>(done) *
                                                static_cast<double>(points.size() - done));
    fmt::print(stderr, "{}grid: {}/{} runs done, {} running, {:.0f} s elapsed, ETA {}{}",
               tty ? "\r" : "", done, points.size(), running.size(), elapsed, eta,
               tty ? "   " : "\n");
  };
  while ((next < points.size() || !running.empty()) && !stop_requested()) {
    while (running.size() < jobs && next < points.size()) {
      fs::create_directories(dirs[next], ec);
      auto child =
          ChildProcess::spawn_self(fmt::format("run {}", next + 1),
                                   child_args(o, points[next], dirs[next]), dirs[next] + ".log");
      if (!child) return fail(child.error());
      running.emplace_back(next, std::move(*child));
      ++next;
    }
    bool finished = false;
    for (auto it = running.begin(); it != running.end();) {
      if (it->second.running()) {
        ++it;
        continue;
      }
      if (!it->second.exited_cleanly()) {
        failures.push_back(fmt::format("run {} ({}): {}\n{}", it->first + 1, dirs[it->first],
                                       it->second.outcome(), it->second.log_tail(6)));
      }
      ++done;
      finished = true;
      it = running.erase(it);
    }
    if (finished) progress();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (tty && !o.quiet) fmt::print(stderr, "\n");
  if (stop_requested()) return fail("stopped; the runs finished so far are in " + o.out);
  if (!failures.empty()) {
    for (const std::string& f : failures) fmt::print(stderr, "ose backtest: {}\n", f);
    return fail(fmt::format("{} of {} grid runs failed", failures.size(), points.size()));
  }

  std::vector<nlohmann::json> rows;
  for (size_t i = 0; i < points.size(); ++i) {
    std::ifstream in(fs::path(dirs[i]) / "backtest.json");
    nlohmann::json row = nlohmann::json::parse(in, nullptr, false);
    if (row.is_discarded()) return fail(fmt::format("run {}: no results row", i + 1));
    row["run"] = i + 1;
    row["journal"] = dirs[i];
    for (const auto& [k, v] : points[i]) row["grid"][k] = v;
    rows.push_back(std::move(row));
  }
  if (auto ranked = backtest::rank_rows(rows, o.rank_by); !ranked) return fail(ranked.error());
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : rows) all.push_back(r);
  std::ofstream(fs::path(o.out) / "grid.json") << all.dump(2) << "\n";
  if (o.json) {
    std::cout << all.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} runs ranked by {} (rows in {}/grid.json):\n", rows.size(), o.rank_by,
                           o.out);
  std::cout << backtest::results_table_header() << "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::cout << fmt::format("{:>4}  {}\n", i + 1, backtest::results_table_line(rows[i]));
  }
  return 0;
}

int run_backtest_command(const BacktestOptions& o) {
  if (o.fill_model != "full" && o.fill_model != "partial") {
    return fail(fmt::format("--fill-model {}: choose full or partial", o.fill_model));
  }
  const bool python = o.strategy.rfind(kPythonPrefix, 0) == 0;
  if (o.strategy != "ema_rsi" && (!python || o.strategy.size() == kPythonPrefix.size())) {
    return fail(fmt::format("--strategy {}: choose ema_rsi or python:FILE", o.strategy));
  }
  if (python && !o.grid.empty()) {
    return fail(
        "--grid runs the built-in strategy only (sweep a Python strategy with a loop "
        "over ose.backtest(); docs/BACKTEST.md)");
  }
  return o.grid.empty() ? single_run(o) : grid_run(o);
}

}  // namespace

Run add_backtest_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "backtest",
      "Backtest the sample strategy on Binance CSV data in market time: the engine's core, the "
      "simulated venue, modelled latencies; deterministic (docs/BACKTEST.md)");
  auto o = std::make_shared<BacktestOptions>();
  cmd->add_option("-c,--config", o->config_path,
                  "Engine config with a [bot] table: instruments, account, risk limits, the "
                  "strategy's parameters (default: the built-in config/demo.toml)");
  cmd->add_option("--data", o->data,
                  "A Binance CSV (klines, bookTicker or trades), FILE or FILE@SYMBOL "
                  "(repeatable; merged by time)")
      ->required();
  cmd->add_option("--from", o->from, "Skip ticks before this UTC time (2024-08-08T23:55:00)");
  cmd->add_option("--to", o->to, "End at this UTC time");
  cmd->add_option("--latency-entry-us", o->entry_us, "Engine → venue latency (µs)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--latency-response-us", o->response_us, "Venue → engine latency (µs)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--feed-latency-us", o->feed_us, "Exchange → engine market-data latency (µs)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--fill-model", o->fill_model,
                  "full: a marketable order fills whole at the touch; partial: at most the "
                  "quantity quoted or printed there");
  cmd->add_option("--reject-share", o->reject_share, "Share of new orders the venue rejects")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--seed", o->seed, "Seed of the venue's random rejects and trade ids");
  cmd->add_option("--set", o->sets, "A strategy parameter, KEY=VALUE (over the [bot] table)");
  cmd->add_option("--strategy", o->strategy,
                  "ema_rsi (the built-in sample strategy), or python:FILE: a Python strategy "
                  "file, run by python3 -m ose.backtest_cli (docs/BACKTEST.md)");
  cmd->add_option("--client", o->client,
                  "The client the strategy acts as (default: the config's first strategy client)");
  cmd->add_option("--out", o->out,
                  "Directory for the journal and results (default ./ose-backtest); a grid puts "
                  "one run-NNNN directory per combination in it");
  cmd->add_option("--step", o->step_s, "Equity sampling period in seconds of market time (60)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", o->json, "Print the results row (a grid: the ranked rows) as JSON");
  cmd->add_flag("-q,--quiet", o->quiet, "No progress lines");
  cmd->add_option("--grid", o->grid,
                  "Sweep a parameter, KEY=V1,V2,... (repeatable: every combination runs)");
  cmd->add_option("--jobs", o->jobs, "Grid runs at once (default: the number of cores)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--rank-by", o->rank_by,
                  "Grid ranking: sharpe, return, annualised, drawdown, win_rate or profit_factor");
  return [cmd, o]() { return cmd->parsed() ? run_backtest_command(*o) : -1; };
}

}  // namespace ose::tools
