// One backtest run, start to end: a strategy (the sample one with its parameters, or any
// Strategy the caller brings, as the Python module does), the simulation over the data, every input
// journaled into a fresh journal (an ordinary one: `ose report`, `ose recover --check` and `ose
// journal` read it unchanged), then the run report rebuilt from that journal and the results row
// (return, annualised return, drawdown, Sharpe, win rate, profit factor, trades, fees).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ema_rsi/bot_params.hpp"
#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "tools/backtest/simulation.hpp"
#include "tools/report/run_report.hpp"

namespace ose::backtest {

struct BacktestSpec {
  EngineConfig config;               // its data_dir is replaced by out_dir
  std::vector<BotSetting> settings;  // the [bot] table, then --set, then a grid's values
  std::vector<std::string> data;     // FILE[@SYMBOL]
  SimOptions sim;                    // data is filled from `data`
  std::string out_dir = "./ose-backtest";
  int64_t step_ns = 60'000'000'000;  // equity sampling period of the report
  bool progress = false;             // a progress line on stderr
};

// The strategy a run drives, and how its results row names it.
struct BacktestStrategy {
  std::string name;                                  // the row's "strategy"
  nlohmann::json params = nlohmann::json::object();  // the row's "params" (strings)
  std::string booked_as;                             // its [[strategies]] name: the row's figures
  Strategy* strategy = nullptr;
  // After the simulation: non-empty when the strategy failed part way (a Python callback
  // raised, say), which fails the run; nothing is then written beside the journal.
  std::function<std::string()> failure;
};

struct BacktestOutcome {
  SimResult sim;
  tools::RunReport report;
  double wall_s = 0;   // the run: journal set-up, simulation and the journal's final drain
  double sim_s = 0;    // the simulation alone (feeding the journal's queue included)
  nlohmann::json row;  // the results row: deterministic, no wall-clock figure in it
};

// The strategy's parameters from the settings (the strategy's own checks; errors name the key).
Result<BotParams> backtest_params(const std::vector<BotSetting>& settings);

// The sample strategy's parameters as the results row shows them ("key": "value" strings).
nlohmann::json params_json(const BotParams& p);

// Checks everything that can be checked before anything runs: the data specs (each names a
// configured instrument and opens), the range, the output directory (absent, empty or a previous
// backtest's), and `probe`'s on_start against the config's names (when given; a strategy the run
// will not use, so that its refusal comes before anything is written). The error says what is
// wrong.
Result<bool> check_backtest(const BacktestSpec& spec, Strategy* probe);
// The same for the sample strategy: its parameters from spec.settings, then its refusal.
Result<bool> check_backtest(const BacktestSpec& spec);

// Runs `strategy` (spec.settings are not read: the strategy has its parameters already).
Result<BacktestOutcome> run_backtest(const BacktestSpec& spec, const BacktestStrategy& strategy);
// Runs the sample strategy with its parameters from spec.settings (`ose backtest`).
Result<BacktestOutcome> run_backtest(const BacktestSpec& spec);

// When `dir` holds a backtest's journal: the equity sampling period its report used. `ose report`
// then samples the same way (from the first input, at that step), so it prints the backtest's
// own figures.
std::optional<int64_t> backtest_report_step(const std::string& dir);

// The results row as one line of a ranked table, and the table's header.
std::string results_table_header();
std::string results_table_line(const nlohmann::json& row);

}  // namespace ose::backtest
