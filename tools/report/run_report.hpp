// What happened in a run, rebuilt from its journal: inputs, orders by final status, fills, fees,
// positions, balances, and each strategy's performance (tools/report/performance.hpp) measured on
// its equity curve. `ose report` prints it; `ose demo` prints it when the run ends. Both replay the
// whole journal from the config's initial state, so the report is a pure function of the journal.
//
// A strategy's equity, in the settle asset of the first instrument it traded:
//   capital + Σ over its instruments (realized PnL − fees + unrealized PnL at the mark)
// where capital is its account's total balance of that asset before the first input. The curve
// samples it every `step_ns` of input (engine) time, from the input of its first order on.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/core/enums.hpp"
#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "persistence/store.hpp"
#include "tools/report/performance.hpp"

namespace ose::tools {

struct StrategyPerformance {
  std::string name;
  std::string account;
  std::string asset;  // what equity is counted in
  int64_t orders = 0;
  int64_t fills = 0;
  Amount volume;  // quote units
  Amount fees;    // settle units
  Amount realized_pnl;
  Amount unrealized_pnl;
  Performance performance;
  std::vector<EquityPoint> curve;  // equity sampled every step_ns
};

struct PositionLine {
  std::string account, symbol;
  Qty size;
  Price avg_entry_price, mark;
  Amount realized_pnl, fees, unrealized_pnl;
};

struct BalanceLine {
  std::string account, asset;
  Amount free, locked;
};

struct RunReport {
  std::string engine;
  std::string data_dir;
  uint64_t inputs = 0;  // journal records replayed (= the last seq, unless from_snapshot_seq)
  // The snapshot the replay started from (0: the config's initial state). Only with
  // ReportOptions::from_oldest_snapshot, when retention pruned the journal's start: counts of
  // orders, fills and inputs then cover seq from_snapshot_seq + 1 on; positions, balances and
  // PnL are the full run's.
  uint64_t from_snapshot_seq = 0;
  uint64_t ticks = 0;
  uint64_t commands = 0;  // every other input
  int64_t first_ts_ns = 0, last_ts_ns = 0;
  int64_t step_ns = 0;
  uint64_t orders = 0;  // new orders the engine took or refused, plus bracket exits it created
  std::array<uint64_t, kOrderStatusCount> orders_by_status{};  // by the last status each reached
  uint64_t fills = 0;
  std::map<std::string, Amount> fees_by_asset;
  std::vector<PositionLine> positions;          // account positions a fill touched
  std::vector<BalanceLine> balances;            // non-zero balances
  std::vector<StrategyPerformance> strategies;  // those that placed orders
  uint64_t state_hash = 0;
};

struct ReportOptions {
  int64_t step_ns = 1'000'000'000;
  bool from_oldest_snapshot = false;  // start from the oldest snapshot, not the initial state
  // Sample every strategy's equity from the journal's first input, not from its first order: a
  // backtest commits its capital for the whole data range, so that is the span its return and
  // Sharpe ratio are annualised over. Strategies that never placed an order still get no curve.
  bool curve_from_first_input = false;
};

Result<RunReport> build_run_report(const EngineConfig& config, Store& store,
                                   const ReportOptions& options);

}  // namespace ose::tools
