// The LMDB environment under [engine].data_dir and its three databases:
//   journal    seq (big-endian) → JournalRecord
//   snapshots  seq (big-endian) → SnapshotHeader + canonical State bytes
//   meta       "genesis_hash"   → hash of the State the config lays out before any input, so a
//                                 journal is never replayed under a config it was not written
//                                 under (other risk limits would give other outcomes);
//              "checkpoint"     → (seq, state hash) written at a clean stop.
// Opened writable by the engine's journal thread (one writer: the engine lock) and read-only by
// the tools, which can read while the engine writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/result.hpp"
#include "persistence/lmdb.hpp"

namespace ose {

struct SnapshotInfo {
  uint64_t seq = 0;
  uint64_t state_hash = 0;
  uint64_t bytes = 0;
  int64_t taken_wall_ns = 0;
  std::string problem;  // empty when its checksum verifies
};

struct Checkpoint {
  uint64_t seq = 0;
  uint64_t state_hash = 0;
};

struct StoreSummary {
  uint64_t records = 0;
  uint64_t first_seq = 0;  // 0 when the journal is empty
  uint64_t last_seq = 0;
  std::vector<SnapshotInfo> snapshots;  // oldest first
  std::optional<Checkpoint> checkpoint;
  uint64_t map_size = 0;
  uint64_t used_bytes = 0;  // pages in use × page size
  uint32_t readers = 0;
  uint32_t max_readers = 0;
};

class Store {
 public:
  static Result<Store> open(const std::string& dir, const lmdb::Env::Options& options);

  Store(Store&&) noexcept = default;
  Store& operator=(Store&&) noexcept = default;

  const std::string& dir() const noexcept { return dir_; }
  bool read_only() const noexcept { return options_.read_only; }
  lmdb::Env& env() noexcept { return env_; }
  MDB_dbi journal_db() const noexcept { return journal_; }
  MDB_dbi snapshots_db() const noexcept { return snapshots_; }
  MDB_dbi meta_db() const noexcept { return meta_; }

  // Records the config's genesis hash in a new store, or checks it against the stored one.
  Result<bool> bind_genesis(uint64_t genesis_hash);
  Result<StoreSummary> summary(bool verify_snapshots);
  // Last journaled seq (0 when empty).
  Result<uint64_t> last_seq();
  Result<bool> write_checkpoint(const Checkpoint& c);

  // Closes and reopens the environment (after a failed commit LMDB may refuse further writes
  // until it re-reads its last committed meta page).
  Result<bool> reopen();
  // A consistent copy of the whole environment, compacted, into the empty directory `dest`
  // (mdb_env_copy2 with MDB_CP_COMPACT: one read transaction, so it runs beside the engine).
  Result<bool> backup(const std::string& dest);
  // Deletes journal records with seq ≥ from, and snapshots past from - 1 (operator repair).
  Result<uint64_t> truncate_from(uint64_t from);

 private:
  Store(std::string dir, lmdb::Env::Options options) noexcept
      : dir_(std::move(dir)), options_(options) {}
  Result<bool> open_dbs();

  std::string dir_;
  lmdb::Env::Options options_;
  lmdb::Env env_;
  MDB_dbi journal_ = 0;
  MDB_dbi snapshots_ = 0;
  MDB_dbi meta_ = 0;
};

}  // namespace ose
