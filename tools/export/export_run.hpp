// `ose export`: the journal, replayed through the core from seq 1, into SQL tables (schema.hpp,
// rows by derive.hpp). Idempotent and resumable: every transaction writes the rows of a batch of
// inputs together with ose_export_state (engine, last seq, state hash at it), so a run killed at
// any moment leaves the database at a batch boundary, and the next run replays the journal up to
// that seq without writing (checking that it reaches the same state hash: the same journal),
// then carries on. With `follow`, it keeps tailing the journal of a live engine (LMDB read
// transactions, which never block the engine's commits) until `stop` says so.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "persistence/store.hpp"
#include "tools/export/sql_sink.hpp"

namespace ose::sql_export {

struct ExportOptions {
  bool follow = false;
  uint32_t batch = 20'000;  // inputs per transaction (a caught-up follow commits sooner)
  // More inputs than this behind at the start (and at least as many as the database holds):
  // drop the secondary indexes for the load and build them when caught up. UINT64_MAX: never.
  uint64_t rebuild_indexes_over = 100'000;
  uint32_t poll_ms = 20;       // follow: how often an idle export looks for new records
  std::function<bool()> stop;  // follow ends when it returns true
  std::function<void(const std::string&)> progress;  // a line now and then; empty: quiet
};

struct ExportSummary {
  uint64_t resumed_from = 0;  // the seq the database held before this run
  uint64_t last_seq = 0;
  uint64_t inputs = 0;  // written by this run
  uint64_t rows = 0;
  uint64_t transactions = 0;
  uint64_t state_hash = 0;
  bool backtest = false;  // a backtest's results row was exported too
  double seconds = 0;
  // Follow: how far behind the engine the database was at a commit, as the time from an input's
  // engine timestamp to the commit that held it (the last one, and the worst).
  double lag_ms_last = 0;
  double lag_ms_max = 0;
};

Result<ExportSummary> run_export(const EngineConfig& config, Store& store, SqlSink& sink,
                                 const ExportOptions& options);

}  // namespace ose::sql_export
