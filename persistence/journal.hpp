// The journal thread (DESIGN §7): takes every applied input from the Runner through a moodycamel
// queue, appends them to LMDB in group commits and publishes the durable seq. Snapshots are cut
// by the thread that owns the State (engine/runtime/snapshot_cut.hpp: a copy made in bounded
// slices between inputs, docs/design/0009-snapshot-cut.md); the journal thread serializes a
// finished cut and commits it with the batch that holds the cut's own input (or a later one), so
// it neither applies inputs nor keeps a State of its own, and the Runner never stalls for long.
//
// Failure handling: MDB_MAP_FULL grows the map and retries the batch it still holds. Any other
// failed commit (a full disk, an I/O error) leaves the durable seq where it was, reports
// JournalState::kFailing (the Runner then rejects new orders), keeps every input in memory and
// retries every journal_retry_ms, reopening the environment first; on success it resumes.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/layout/shared_layout.hpp"
#include "engine/runtime/input_sink.hpp"
#include "engine/runtime/snapshot_cut.hpp"
#include "persistence/store.hpp"

namespace ose {

struct JournalOptions {
  uint32_t batch = 4096;     // most inputs per transaction
  uint32_t batch_us = 1000;  // most time gathering one batch
  uint64_t snapshot_every = 1'000'000;
  uint32_t snapshots_keep = 3;
  // Retention prunes only records the replication stream acknowledged (replicated_mark.hpp).
  bool keep_unreplicated = false;
  uint32_t retry_ms = 200;
  uint32_t max_behind = 131072;  // the Runner's bound: the queue is sized to hold it
  bool halt_on_failure = false;  // on_journal_failure = "stop"
  uint64_t max_map_size = 1ull << 40;
  // Sync durability: the Runner holds responses until a commit, so an idle journal spins
  // (yields) for a while before it sleeps. Async: nobody waits on a commit, so an idle journal
  // sleeps at once instead of taking time slices from the Runner and the clients on a small host.
  bool spin_when_idle = false;

  static JournalOptions from(const EngineConfig& c) noexcept;
};

class Journal final : public InputSink {
 public:
  using Log = std::function<void(const std::string&)>;

  // `seq`: where the State the Runner starts from stands (recovery's result), which must be where
  // the store's journal ends; `cut`: where the engine hands finished snapshot cuts over (it
  // outlives the journal), nullptr for no snapshots; `status`: where the durable seq and the
  // journal's state are published (the state segment's header line).
  static Result<std::unique_ptr<Journal>> start(Store store, uint64_t seq, SnapshotCut* cut,
                                                const JournalOptions& options,
                                                JournalStatus* status, Log log);
  ~Journal();

  // Runner thread. Never blocks: a lock-free enqueue (an allocation only when the queue's
  // preallocated blocks are used up, which a failing disk can cause).
  void on_input(const Input& input) noexcept override;

  // Any thread (signal handlers included): the engine cuts a snapshot from its next pass on.
  void request_snapshot() noexcept {
    if (cut_ != nullptr) cut_->request();
  }

  // After the engine's last input: writes everything queued, stops the thread, and records a
  // checkpoint (seq, the engine State's hash) so the next recovery can prove it reproduced the
  // state. `seq` is the engine's last applied input: everything up to it must be durable. A
  // journal that cannot write gets `grace_ms` to recover; what it could not write is reported
  // in the error.
  Result<uint64_t> stop(uint64_t seq, uint64_t state_hash, uint32_t grace_ms = 5000);

  // The journal thread's CPU time so far (0 once stopped): what the journal costs a core.
  int64_t thread_cpu_ns() const noexcept;

  uint64_t durable_seq() const noexcept {
    return status_->durable_seq.load(std::memory_order_acquire);
  }

 private:
  Journal(Store store, SnapshotCut* cut, const JournalOptions& options, JournalStatus* status,
          Log log);
  void run() noexcept;
  size_t gather() noexcept;
  // How many pending inputs the next transaction takes, and whether the finished cut (at
  // `snap_seq`) goes with it: only with (or after) the record of its own seq.
  size_t batch_for(std::optional<uint64_t> snap_seq, bool* with_snapshot) const noexcept;
  void take_snapshot(uint64_t seq) noexcept;
  bool commit(size_t count, const std::string* snapshot, uint64_t snap_seq) noexcept;
  int write_txn(size_t count, const std::string* snapshot, uint64_t snap_seq,
                uint64_t skip_through) noexcept;
  void join(uint32_t grace_ms) noexcept;
  void prefault_queue() noexcept;
  int prune(MDB_txn* txn) noexcept;
  void publish_state(JournalState s, int error) noexcept;

  Store store_;
  SnapshotCut* cut_;
  JournalOptions options_;
  JournalStatus* status_;
  Log log_;
  moodycamel::ConcurrentQueue<Input> queue_;
  moodycamel::ProducerToken producer_;
  std::vector<Input> pending_;  // taken from the queue, not yet committed (journal thread only)
  std::string snapshot_;        // the last snapshot's buffer, reused: no large free per snapshot
  size_t pending_head_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> give_up_at_{INT64_MAX};  // monotonic ns: a failing journal stops trying
  std::thread thread_;
};

}  // namespace ose
