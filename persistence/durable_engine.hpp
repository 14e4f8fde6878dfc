// The engine with its journal: the engine's lock, recovery, then the Runner (segments published
// with the recovered state), then the journal thread fed by the Runner. `ose engine` runs one; the
// process and crash tests fork one. Without [engine].journal it is the bare Runner.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/runner.hpp"
#include "persistence/journal.hpp"
#include "persistence/recovery.hpp"

namespace ose {

class DurableEngine {
 public:
  using Log = std::function<void(const std::string&)>;

  // `extra_sink`: another InputSink fed after the journal (the input log), or nullptr.
  // The journal is checked first (check_store: in a child process, so a damaged file cannot
  // take the engine down); a damaged one is refused with what is wrong and how to repair it,
  // and `*journal_damaged` (if given) says that was the reason (`ose engine` exits 3 then).
  static Result<std::unique_ptr<DurableEngine>> open(const EngineConfig& config, Log log,
                                                     InputSink* extra_sink = nullptr,
                                                     bool* journal_damaged = nullptr);
  ~DurableEngine();

  Runner& runner() noexcept { return *runner_; }
  Journal* journal() noexcept { return journal_.get(); }
  // What recovery did (seq 0 and nothing replayed for a fresh data_dir or journal = false).
  uint64_t recovered_seq() const noexcept { return recovered_seq_; }
  uint64_t recovered_from_snapshot() const noexcept { return snapshot_seq_; }
  uint64_t replayed() const noexcept { return replayed_; }

  // Runs the Runner until `stop`, then stops the journal: everything applied is written (or the
  // error says what could not be) and the checkpoint records the engine State's hash.
  Result<uint64_t> run(const std::atomic<bool>& stop);

 private:
  class Tee;
  DurableEngine() = default;

  Log log_;
  // Declared before the journal so it is destroyed after it: the Runner holds the engine's
  // lock, which must outlive the journal's last write to the data_dir.
  std::unique_ptr<Runner> runner_;
  // Between the two: the journal thread reads it until the journal is destroyed.
  std::unique_ptr<SnapshotCut> cut_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Tee> tee_;
  uint64_t recovered_seq_ = 0;
  uint64_t snapshot_seq_ = 0;
  uint64_t replayed_ = 0;
};

}  // namespace ose
