// The journal thread (DESIGN §7): takes every applied input from the Runner through a moodycamel
// queue, appends them to LMDB in group commits, publishes the durable seq, and keeps a replica
// State (the same inputs applied again) that it serializes into snapshots, so the Runner never
// stalls for one.
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
#include <string>
#include <thread>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/layout/shared_layout.hpp"
#include "engine/runtime/input_sink.hpp"
#include "persistence/store.hpp"

namespace ose {

struct JournalOptions {
  uint32_t batch = 4096;     // most inputs per transaction
  uint32_t batch_us = 1000;  // most time gathering one batch
  uint64_t snapshot_every = 1'000'000;
  uint32_t snapshots_keep = 3;
  uint32_t retry_ms = 200;
  uint32_t max_behind = 131072;  // the Runner's bound: the queue is sized to hold it
  bool halt_on_failure = false;  // on_journal_failure = "stop"
  uint64_t max_map_size = 1ull << 40;

  static JournalOptions from(const EngineConfig& c) noexcept;
};

class Journal final : public InputSink {
 public:
  using Log = std::function<void(const std::string&)>;

  // `replica`: a copy of the State the Runner starts from (recovery's result); `status`: where
  // the durable seq and the journal's state are published (the state segment's header line).
  static Result<std::unique_ptr<Journal>> start(Store store, State replica,
                                                const JournalOptions& options,
                                                JournalStatus* status, Log log);
  ~Journal();

  // Runner thread. Never blocks: a lock-free enqueue (an allocation only when the queue's
  // preallocated blocks are used up, which a failing disk can cause).
  void on_input(const Input& input) noexcept override;

  // Any thread (signal handlers included): snapshot the replica at its next commit.
  void request_snapshot() noexcept {
    // Relaxed: a request flag; the journal thread's exchange picks it up.
    snapshot_requested_.store(true, std::memory_order_relaxed);
  }

  // Writes everything queued, stops the thread, and records a checkpoint (seq, state hash) so
  // the next recovery can prove it reproduced the state. A journal that cannot write gets
  // `grace_ms` to recover; what it could not write is reported in the error.
  Result<uint64_t> stop(uint32_t grace_ms = 5000);

  // After stop(): the replica's hash, which must equal the Runner's (same inputs, same bytes).
  uint64_t replica_hash() const noexcept { return replica_.hash(); }
  uint64_t replica_seq() const noexcept { return replica_.header().seq; }

  uint64_t durable_seq() const noexcept {
    return status_->durable_seq.load(std::memory_order_acquire);
  }

 private:
  Journal(Store store, State replica, const JournalOptions& options, JournalStatus* status,
          Log log);
  void run() noexcept;
  size_t gather() noexcept;
  bool commit(size_t count, const std::string* snapshot) noexcept;
  int write_txn(size_t count, const std::string* snapshot, uint64_t skip_through) noexcept;
  void prefault_queue() noexcept;
  int prune(MDB_txn* txn) noexcept;
  void publish_state(JournalState s, int error) noexcept;

  Store store_;
  State replica_;
  JournalOptions options_;
  JournalStatus* status_;
  Log log_;
  moodycamel::ConcurrentQueue<Input> queue_;
  moodycamel::ProducerToken producer_;
  std::vector<Input> pending_;  // taken from the queue, not yet committed (journal thread only)
  std::string snapshot_;        // the last snapshot's buffer, reused: no large free per snapshot
  size_t pending_head_ = 0;
  std::atomic<bool> snapshot_requested_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> give_up_at_{INT64_MAX};  // monotonic ns: a failing journal stops trying
  std::thread thread_;
};

}  // namespace ose
