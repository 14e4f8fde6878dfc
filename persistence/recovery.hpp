// Recovery (DESIGN §7): the newest snapshot whose checksum and state hash verify, then the
// journal after it, applied in seq order. A corrupt snapshot falls back to the one before; a
// corrupt or missing journal record stops recovery with an error naming its seq, so state past
// it is never served.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "engine/core/event.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "persistence/store.hpp"

namespace ose {

struct RecoverOptions {
  uint64_t up_to_seq = std::numeric_limits<uint64_t>::max();  // stop after this seq
  bool use_snapshots = true;                                  // false: replay from seq 1
  // With use_snapshots: start from the oldest snapshot that verifies instead of the newest
  // (`ose report --from-oldest-snapshot`: as much history as retention left).
  bool oldest_snapshot = false;
  std::function<void(const std::string&)> log;  // fallbacks, progress
  // Replay observers (`ose report`): the events of each replayed input, and the state after it.
  EventSink* sink = nullptr;
  std::function<void(const Input&, const State&)> after_input;
  std::function<void(const State&)> on_start;  // the state replay starts from (snapshot or not)
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
  bool snapshot_only = false;  // a bad snapshot: recovery falls back to another, nothing is lost
};

// Where a walk is, kept current so that a walk that dies (a fault in a damaged page) can be
// reported as "damaged at …" by whoever watched it (persistence/store_check.hpp). `stage` points
// at a string literal.
struct WalkProgress {
  const char* stage = "opening the environment";
  uint64_t last_key = 0;  // the last seq read in that stage
};

// Every record and snapshot checked, nothing applied: what `ose journal verify` reports.
// Besides the checksums and the seq order, the walk is cross-checked against what the
// environment says about itself: each database's entry count, its first and last key, the
// free-page list and the page total in the meta page, the checkpoint and the snapshot list.
struct VerifyReport {
  uint64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t snapshots = 0;
  // Records 1..pruned_through were removed by retention and the snapshot at (or after) that seq
  // stands for them: not damage, but a replay from seq 1 is impossible (0: nothing pruned).
  uint64_t pruned_through = 0;
  // False when LMDB's own structure is damaged (a walk stopped on an LMDB error, a database's
  // count or ends disagree with the walk, pages are unaccounted for): then nothing may read the
  // environment in-process (a damaged page can fault the reader), only in a child.
  bool structure_sound = true;
  std::vector<ReplayProblem> problems;  // capped at 100; seq 0 = the environment as a whole
  // Damage recovery cannot work around (anything but a bad snapshot): the engine refuses it.
  bool blocks_recovery() const noexcept {
    if (!structure_sound) return true;
    for (const ReplayProblem& p : problems) {
      if (!p.snapshot_only) return true;
    }
    return false;
  }
};
Result<VerifyReport> verify_store(Store& store, WalkProgress* progress = nullptr);

}  // namespace ose
