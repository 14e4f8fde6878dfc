// `ose backtest`'s simulation (docs/BACKTEST.md): one thread, one State, market time only.
//
// Where each thing happens, for a tick the exchange prints at t and an order the strategy sends
// at s (F, L, R: the feed, entry and response latencies):
//
//   t          the venue sees the tick (its quote moves; resting orders it reaches fill)
//   t + F      the engine applies the tick, stamped t + F; the strategy hears of it (after the
//              events of the inputs applied before it and the tick's own, as a live pass
//              delivers responses before market changes)
//   s          the engine applies the strategy's command, stamped s; its answer (accepted or
//              rejected) reaches the strategy at once: they share a host
//   s + L      the venue receives what the engine released (new order, cancel, amend)
//   s + L + R  the venue's answer (ack, fill, ...) is applied by the engine and reaches the
//              strategy; a fill of a resting order the tick at t reached: at t + R
//
// A GTD order expires by a timer input stamped exactly its expire_ts (and leaves the venue then).
// Nothing reads a clock, and ties are broken by scheduling order (sim_event.hpp), so the same data,
// config and strategy give the same inputs, the same journal and the same state hash on every run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/client/strategy.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/input_sink.hpp"
#include "feeds/csv_ticks.hpp"
#include "feeds/venue_model.hpp"

namespace ose::backtest {

struct Latency {
  int64_t entry_ns = 0;     // engine → venue
  int64_t response_ns = 0;  // venue → engine (and strategy)
  int64_t feed_ns = 0;      // exchange → engine (and strategy)
};

struct SimOptions {
  std::vector<CsvFeedFile> data;  // merged by time
  int64_t from_ns = INT64_MIN;    // ticks before are skipped
  int64_t to_ns = INT64_MAX;      // ticks after end the run
  Latency latency;
  VenueModelOptions venue;
  std::string strategy_client;  // the client the strategy acts as; "" = the first strategy role
  // After the last tick, events are still processed for this long (answers in flight arrive),
  // then the run ends; GTD timers and the strategy's timer stop at the last tick.
  int64_t drain_ns = 1'000'000'000;
  // Called about every 2^20 events with the market time reached and the share of the data read
  // (0..1, by bytes), for a progress line.
  std::function<void(int64_t market_ns, uint64_t events, double fraction)> progress;
};

struct SimResult {
  uint64_t events = 0;  // simulation events processed
  uint64_t ticks = 0;   // market ticks (each is three events: exchange, engine, strategy)
  uint64_t inputs = 0;  // inputs applied (= the journal's last seq)
  uint64_t strategy_commands = 0;
  uint64_t venue_reports = 0;
  uint64_t timers = 0;
  uint64_t bad_rows = 0;      // skipped CSV rows (csv_ticks.hpp says why)
  int64_t first_tick_ns = 0;  // market time of the first tick used
  int64_t last_tick_ns = 0;   //   … and of the last
  int64_t last_input_ns = 0;  // the last input's ts
  uint64_t state_hash = 0;
  std::string strategy_error;  // on_start's refusal, if any (nothing ran then)
};

// Runs `strategy` over the data against a fresh State laid out by `config`; every applied input
// goes to `sink` (the journal), or nowhere when it is nullptr. Errors: the data cannot be opened,
// the config has no client of the roles needed.
Result<SimResult> simulate(const EngineConfig& config, const SimOptions& options,
                           Strategy& strategy, InputSink* sink);

// Only the strategy's on_start, against the names the config lays out (no data read, no input
// applied; now_ns() reads 0): "" when it would start, else its refusal. Errors as simulate()'s
// about the config. So a run can be refused before anything is written.
Result<std::string> check_strategy_start(const EngineConfig& config, const SimOptions& options,
                                         Strategy& strategy);

}  // namespace ose::backtest
