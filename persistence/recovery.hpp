// Recovery (DESIGN §7): the newest snapshot whose checksum and state hash verify, then the
// journal after it, applied in seq order. A corrupt snapshot falls back to the one before; a
// corrupt or missing journal record stops recovery with an error naming its seq, so state past
// it is never served.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "engine/formats/config.hpp"
#include "engine/core/event.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "persistence/store.hpp"

namespace ose {

struct RecoverOptions {
  uint64_t up_to_seq = std::numeric_limits<uint64_t>::max();  // stop after this seq
  bool use_snapshots = true;                                  // false: replay from seq 1
  std::function<void(const std::string&)> log;                // fallbacks, progress
  // Replay observers (`ose report`): the events of each replayed input, and the state after it.
  EventSink* sink = nullptr;
  std::function<void(const Input&, const State&)> after_input;
};

struct Recovered {
  State state;
  uint64_t snapshot_seq = 0;  // the snapshot it started from; 0 = the config's initial state
  uint64_t replayed = 0;      // journal records applied after it
  uint64_t state_hash = 0;
  int64_t elapsed_ns = 0;
};

// The State the config lays out before any input: what a journal starts from.
Result<State> genesis_state(const EngineConfig& config);

Result<Recovered> recover(const EngineConfig& config, Store& store, const RecoverOptions& options);

// Applies `in` to a state during replay, checking it continues the state's seq.
struct ReplayProblem {
  uint64_t seq;
  std::string what;
};

// Every record and snapshot checked, nothing applied: what `ose journal verify` reports.
struct VerifyReport {
  uint64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t snapshots = 0;
  std::vector<ReplayProblem> problems;  // capped at 100
};
Result<VerifyReport> verify_store(Store& store);

}  // namespace ose
