#include "persistence/journal.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <thread>

#include "persistence/journal_format.hpp"
#include "persistence/replicated_mark.hpp"
#include "shm/clock.hpp"

namespace ose {

JournalOptions JournalOptions::from(const EngineConfig& c) noexcept {
  JournalOptions o;
  o.batch = c.journal_batch;
  o.batch_us = c.journal_batch_us;
  o.snapshot_every = c.snapshot_every;
  o.snapshots_keep = c.snapshots_keep;
  o.keep_unreplicated = c.keep_unreplicated;
  o.retry_ms = c.journal_retry_ms;
  o.max_behind = c.journal_max_behind;
  o.halt_on_failure = c.on_journal_failure == "stop";
  o.spin_when_idle = c.durability == "sync";
  return o;
}

Result<std::unique_ptr<Journal>> Journal::start(Store store, uint64_t seq, SnapshotCut* cut,
                                                const JournalOptions& options,
                                                JournalStatus* status, Log log) {
  if (store.read_only()) return Error{"the journal needs a writable store"};
  auto last = store.last_seq();
  if (!last) return Error{last.error()};
  auto summary = store.summary(false);
  if (!summary) return Error{summary.error()};
  // A journal with no records that starts from a snapshot (a follower's, replication/) ends at
  // that snapshot's seq.
  const bool starts_at_snapshot =
      summary->records == 0 && !summary->snapshots.empty() && summary->snapshots.back().seq == seq;
  if (*last != seq && !starts_at_snapshot) {
    return Error{fmt::format("the journal ends at seq {} but the state to continue from is at {}",
                             *last, seq)};
  }
  std::unique_ptr<Journal> j(new Journal(std::move(store), cut, options, status, std::move(log)));
  // Release: pairs with the Runner's acquire loads of the durable seq (the recovered seq is
  // durable by definition).
  status->durable_seq.store(seq, std::memory_order_release);
  // Relaxed: a monitoring figure, read on its own.
  status->snapshot_seq.store(summary->snapshots.empty() ? 0 : summary->snapshots.back().seq,
                             std::memory_order_relaxed);
  j->publish_state(JournalState::kWriting, 0);
  j->thread_ = std::thread([p = j.get()] { p->run(); });
  // Named, so `top -H` and perf tell it from the Runner (best effort: a failure changes nothing).
  (void)pthread_setname_np(j->thread_.native_handle(), "ose-journal");
  return j;
}

Journal::Journal(Store store, SnapshotCut* cut, const JournalOptions& options,
                 JournalStatus* status, Log log)
    : store_(std::move(store)),
      cut_(cut),
      options_(options),
      status_(status),
      log_(std::move(log)),
      // Room for everything the Runner may run ahead (journal_max_behind) and four batches more,
      // up front: the Runner's enqueue then never allocates while the journal keeps up. (An
      // allocation there can wait milliseconds on the process's mmap lock while the journal
      // thread frees snapshot-sized memory.)
      queue_(size_t{options.max_behind} + size_t{4} * options.batch),
      producer_(queue_) {
  pending_.reserve(size_t{2} * options_.batch);
  // The largest snapshot this State can serialize to, reserved once: growing the buffer by
  // doubling would map and unmap hundreds of MB per snapshot (each munmap holds the process's
  // mmap lock for milliseconds, which any page fault of the Runner then waits for).
  if (cut_ != nullptr) snapshot_.reserve(sizeof(SnapshotHeader) + cut_->region_size());
  prefault_queue();
}

// One lap through the preallocated blocks, so the Runner never takes a first-touch page fault
// (which also waits on the mmap lock) in them later.
void Journal::prefault_queue() noexcept {
  const size_t lap = size_t{options_.max_behind} + size_t{2} * options_.batch;
  Input blank{};
  for (size_t i = 0; i < lap; ++i) {
    if (!queue_.try_enqueue(producer_, blank)) break;  // try_: never allocate for this
  }
  Input buf[128];
  while (queue_.try_dequeue_bulk_from_producer(producer_, buf, std::size(buf)) > 0) {
  }
}

// Without the engine's hash there is no checkpoint to write: the next start replays as after a
// crash, from what the journal managed to write (a failing journal gets no grace here).
Journal::~Journal() {
  join(0);
}

int64_t Journal::thread_cpu_ns() const noexcept {
  if (!thread_.joinable()) return 0;
  clockid_t clock{};
  timespec t{};
  if (pthread_getcpuclockid(const_cast<std::thread&>(thread_).native_handle(), &clock) != 0 ||
      clock_gettime(clock, &t) != 0) {
    return 0;
  }
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

void Journal::on_input(const Input& input) noexcept {
  // A failed enqueue means memory is exhausted: nothing sane is left to do with the input.
  if (!queue_.enqueue(producer_, input)) std::terminate();
}

void Journal::publish_state(JournalState s, int error) noexcept {
  // Relaxed: status words the Runner and monitors read on their own (the Runner acts on them
  // through an input; nothing else is published through them).
  status_->error.store(error, std::memory_order_relaxed);
  status_->state.store(static_cast<uint32_t>(s), std::memory_order_relaxed);
}

// Moves what the queue holds into pending_, up to a batch: more keeps arriving while a commit
// runs, so a busy engine gets large batches without the journal waiting for them.
size_t Journal::gather() noexcept {
  const int64_t deadline = shm::monotonic_ns() + int64_t{options_.batch_us} * 1000;
  size_t got = 0;
  while (pending_.size() - pending_head_ < options_.batch) {
    const size_t want = std::min<size_t>(128, options_.batch - (pending_.size() - pending_head_));
    // Straight into pending_ (push_back within its reserved capacity while the journal keeps
    // up): one copy of each input, not two.
    const size_t n =
        queue_.try_dequeue_bulk_from_producer(producer_, std::back_inserter(pending_), want);
    if (n == 0) break;
    got += n;
    if (shm::monotonic_ns() > deadline) break;
  }
  return got;
}

int Journal::prune(MDB_txn* txn) noexcept {
  MDB_stat st{};
  if (int rc = mdb_stat(txn, store_.snapshots_db(), &st); rc != 0) return rc;
  if (st.ms_entries <= options_.snapshots_keep) return 0;
  uint64_t drop = st.ms_entries - options_.snapshots_keep;
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, store_.snapshots_db(), &cur); rc != 0) return rc;
  MDB_val k{}, v{};
  int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
  // After mdb_cursor_del the cursor rests on the next entry; MDB_NEXT then returns it.
  for (; rc == 0 && drop > 0; --drop) {
    if ((rc = mdb_cursor_del(cur, 0)) != 0) break;
    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
  }
  // The cursor now rests on the oldest snapshot kept: the journal up to its seq is not needed,
  // unless the replication stream has not acknowledged it yet (a replicator that is behind, or
  // down, needs those records; the snapshots alone would leave a gap a follower stops at).
  uint64_t oldest_kept = rc == 0 ? decode_seq_key(lmdb::view(k)).value_or(0) : 0;
  mdb_cursor_close(cur);
  if (rc != 0 && rc != MDB_NOTFOUND) return rc;
  if (options_.keep_unreplicated) {
    oldest_kept = std::min(oldest_kept, read_replicated_mark(store_.dir()));
  }
  if (oldest_kept == 0) return 0;
  if ((rc = mdb_cursor_open(txn, store_.journal_db(), &cur)) != 0) return rc;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (decode_seq_key(lmdb::view(k)).value_or(UINT64_MAX) > oldest_kept) break;
    if ((rc = mdb_cursor_del(cur, 0)) != 0) break;
  }
  mdb_cursor_close(cur);
  return rc == MDB_NOTFOUND ? 0 : rc;
}

int Journal::write_txn(size_t count, const std::string* snapshot, uint64_t snap_seq,
                       uint64_t skip_through) noexcept {
  MDB_txn* txn = nullptr;
  if (int rc = mdb_txn_begin(store_.env().get(), nullptr, 0, &txn); rc != 0) return rc;
  unsigned char key[8];
  // One cursor for the batch: it stays on the last leaf page, where every MDB_APPEND goes, so a
  // record costs no search from the root (mdb_put opens a fresh cursor for each).
  MDB_cursor* cur = nullptr;
  if (int rc = mdb_cursor_open(txn, store_.journal_db(), &cur); rc != 0) {
    mdb_txn_abort(txn);
    return rc;
  }
  for (size_t i = 0; i < count; ++i) {
    const Input& in = pending_[pending_head_ + i];
    if (in.seq <= skip_through) continue;  // a commit reported as failed had in fact landed
    EncodedRecord rec = encode_journal_record(in);
    encode_seq_key(in.seq, key);
    MDB_val k{sizeof key, key}, v{rec.size, rec.bytes};
    if (int rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND); rc != 0) {
      mdb_cursor_close(cur);
      mdb_txn_abort(txn);
      return rc;
    }
  }
  mdb_cursor_close(cur);
  if (snapshot != nullptr) {
    encode_seq_key(snap_seq, key);
    MDB_val k{sizeof key, key}, v{snapshot->size(), const_cast<char*>(snapshot->data())};
    int rc = mdb_put(txn, store_.snapshots_db(), &k, &v, 0);
    if (rc == 0) rc = prune(txn);
    if (rc != 0) {
      mdb_txn_abort(txn);
      return rc;
    }
  }
  return mdb_txn_commit(txn);
}

// Commits pending_[head, head + count) (and the snapshot) until it lands, growing the map on
// MDB_MAP_FULL and retrying every retry_ms on anything else. False: given up (stopping).
bool Journal::commit(size_t count, const std::string* snapshot, uint64_t snap_seq) noexcept {
  uint64_t skip_through = 0;
  bool failing = false;
  for (;;) {
    const int rc = write_txn(count, snapshot, snap_seq, skip_through);
    if (rc == 0) break;
    if (rc == MDB_MAP_FULL) {
      const uint64_t grown = store_.env().map_size() * 2;
      if (grown <= options_.max_map_size && store_.env().set_map_size(grown)) {
        log_(fmt::format("journal map full: grown to {} MiB, retrying the batch", grown >> 20));
        continue;
      }
    }
    if (!failing) {
      failing = true;
      log_(fmt::format(
          "journal commit failed: {}. Durable seq stays at {}; {} inputs held in "
          "memory; retrying every {} ms{}",
          mdb_strerror(rc), durable_seq(), pending_.size() - pending_head_, options_.retry_ms,
          options_.halt_on_failure ? "; the engine stops (on_journal_failure = stop)"
                                   : "; new orders are rejected meanwhile"));
    }
    publish_state(options_.halt_on_failure ? JournalState::kHalting : JournalState::kFailing, rc);
    // Wait, still taking inputs off the queue so the Runner's queue does not grow without end.
    const int64_t until = shm::monotonic_ns() + int64_t{options_.retry_ms} * 1'000'000;
    while (shm::monotonic_ns() < until) {
      if (stopping_.load(std::memory_order_acquire) &&
          shm::monotonic_ns() > give_up_at_.load(std::memory_order_relaxed)) {
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // After a failed commit LMDB may hold the environment unusable (MDB_PANIC): reopen it from
    // its last committed meta page, and skip whatever the "failed" commit did write.
    if (auto r = store_.reopen(); !r) {
      log_("journal reopen failed: " + r.error());
      continue;
    }
    auto last = store_.last_seq();
    skip_through = last ? *last : 0;
  }
  const uint64_t durable = count > 0 ? pending_[pending_head_ + count - 1].seq : durable_seq();
  const int64_t lag =
      count > 0 ? std::max<int64_t>(0, shm::wall_clock_ns() - pending_[pending_head_].ts) : 0;
  pending_head_ += count;
  if (pending_head_ == pending_.size()) {
    pending_.clear();
    pending_head_ = 0;
  } else if (pending_head_ > pending_.size() / 2) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(pending_head_));
    pending_head_ = 0;
  }
  // Release: a reader (the Runner releasing held responses) that sees this seq knows the
  // inputs up to it are on disk.
  status_->durable_seq.store(durable, std::memory_order_release);
  // Relaxed: monitoring figures.
  status_->commits.fetch_add(1, std::memory_order_relaxed);
  status_->last_lag_ns.store(static_cast<uint64_t>(lag), std::memory_order_relaxed);
  if (static_cast<uint64_t>(lag) > status_->max_lag_ns.load(std::memory_order_relaxed)) {
    status_->max_lag_ns.store(static_cast<uint64_t>(lag), std::memory_order_relaxed);
  }
  if (snapshot != nullptr) {
    status_->snapshot_seq.store(snap_seq, std::memory_order_relaxed);
    status_->snapshots_taken.fetch_add(1, std::memory_order_relaxed);
  }
  if (failing || status_->state.load(std::memory_order_relaxed) !=
                     static_cast<uint32_t>(JournalState::kWriting)) {
    log_(fmt::format("journal writing again; durable seq {}", durable));
    publish_state(JournalState::kWriting, 0);
  }
  return true;
}

// pending_ holds consecutive seqs from durable + 1 on. A cut at seq S goes with the transaction
// holding record S, or with any later one if S is durable already; while record S is still
// queued the batch goes without it (the Runner enqueued S before it finished the cut, so the
// next gather() finds it).
size_t Journal::batch_for(std::optional<uint64_t> snap_seq, bool* with_snapshot) const noexcept {
  const size_t available = pending_.size() - pending_head_;
  *with_snapshot = false;
  if (!snap_seq) return available;
  if (*snap_seq <= durable_seq()) {
    *with_snapshot = true;
    return available;
  }
  if (available == 0) return 0;
  const uint64_t first = pending_[pending_head_].seq;
  if (*snap_seq < first || *snap_seq - first >= available) return available;
  const size_t count = static_cast<size_t>(*snap_seq - first) + 1;
  *with_snapshot = pending_[pending_head_ + count - 1].seq == *snap_seq;
  return count;
}

// Serializes the finished cut into snapshot_ and hands the buffer back to the engine at once:
// the next cut need not wait for LMDB.
void Journal::take_snapshot(uint64_t seq) noexcept {
  snapshot_.assign(sizeof(SnapshotHeader), '\0');  // keeps the buffer's capacity
  cut_->view().serialize_into(snapshot_);
  cut_->release();
  seal_snapshot(snapshot_, seq, shm::wall_clock_ns());
}

void Journal::run() noexcept {
  uint32_t idle = 0;
  int64_t next_reader_check = 0;
  for (;;) {
    gather();
    const std::optional<uint64_t> snap_seq = cut_ != nullptr ? cut_->ready() : std::nullopt;
    bool with_snapshot = false;
    const size_t count = batch_for(snap_seq, &with_snapshot);
    if (count == 0 && !with_snapshot) {
      if (stopping_.load(std::memory_order_acquire) && queue_.size_approx() == 0) return;
      // Back off: in sync mode spin briefly (the Runner waits on us), then sleep so a 2-core
      // host breathes.
      if (options_.spin_when_idle && ++idle < 64) {
        std::this_thread::yield();
        continue;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      // Housekeeping while idle (a clock read per yield would cost a busy journal CPU).
      const int64_t now = shm::monotonic_ns();
      if (now > next_reader_check) {
        store_.env().clear_stale_readers();
        next_reader_check = now + 10'000'000'000;
      }
      continue;
    }
    idle = 0;
    if (with_snapshot) take_snapshot(*snap_seq);
    if (!commit(count, with_snapshot ? &snapshot_ : nullptr, with_snapshot ? *snap_seq : 0)) {
      return;
    }
  }
}

void Journal::join(uint32_t grace_ms) noexcept {
  give_up_at_.store(shm::monotonic_ns() + int64_t{grace_ms} * 1'000'000, std::memory_order_relaxed);
  // Release: pairs with the journal thread's acquire; the give-up time is visible with it.
  stopping_.store(true, std::memory_order_release);
  if (thread_.joinable()) thread_.join();
}

Result<uint64_t> Journal::stop(uint64_t seq, uint64_t state_hash, uint32_t grace_ms) {
  join(grace_ms);
  const uint64_t durable = durable_seq();
  if (durable != seq) {
    return Error{
        fmt::format("the journal could not write inputs {}..{} ({} applied inputs are not durable)",
                    durable + 1, seq, seq - durable)};
  }
  const uint64_t unseen = queue_.size_approx();
  if (unseen != 0) return Error{fmt::format("{} inputs were still queued at stop", unseen)};
  if (auto c = store_.write_checkpoint({durable, state_hash}); !c) return Error{c.error()};
  return durable;
}

}  // namespace ose
