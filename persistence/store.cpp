#include "persistence/store.hpp"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>

#include "persistence/journal_format.hpp"

namespace ose {

namespace {

constexpr const char* kGenesisKey = "genesis_hash";
constexpr const char* kCheckpointKey = "checkpoint";

MDB_val text_key(const char* k) noexcept {
  return MDB_val{std::strlen(k), const_cast<char*>(k)};
}

}  // namespace

Result<Store> Store::open(const std::string& dir, const lmdb::Env::Options& options) {
  Store s(dir, options);
  auto env = lmdb::Env::open(dir, options);
  if (!env) return Error{env.error()};
  s.env_ = std::move(*env);
  if (auto r = s.open_dbs(); !r) return Error{r.error()};
  return s;
}

Result<bool> Store::open_dbs() {
  auto txn = lmdb::Txn::begin(env_, options_.read_only);
  if (!txn) return Error{txn.error()};
  const bool create = !options_.read_only;
  auto j = lmdb::open_db(*txn, "journal", create);
  auto s = lmdb::open_db(*txn, "snapshots", create);
  auto m = lmdb::open_db(*txn, "meta", create);
  if (!j) return Error{j.error()};
  if (!s) return Error{s.error()};
  if (!m) return Error{m.error()};
  journal_ = *j;
  snapshots_ = *s;
  meta_ = *m;
  if (int rc = txn->commit(); rc != 0) return Error{lmdb::describe("mdb_txn_commit", rc)};
  if (!options_.read_only) env_.clear_stale_readers();
  return true;
}

Result<bool> Store::reopen() {
  lmdb::Env::Options o = options_;
  o.map_size = std::max(o.map_size, env_.map_size());
  env_ = lmdb::Env{};
  auto env = lmdb::Env::open(dir_, o);
  if (!env) return Error{env.error()};
  env_ = std::move(*env);
  return open_dbs();
}

Result<bool> Store::bind_genesis(uint64_t genesis_hash) {
  auto txn = lmdb::Txn::begin(env_, options_.read_only);
  if (!txn) return Error{txn.error()};
  MDB_val key = text_key(kGenesisKey);
  MDB_val val{};
  const int rc = mdb_get(txn->get(), meta_, &key, &val);
  if (rc == 0) {
    uint64_t stored = 0;
    if (val.mv_size == sizeof stored) std::memcpy(&stored, val.mv_data, sizeof stored);
    if (stored != genesis_hash) {
      return Error{fmt::format(
          "the journal in {} was written under another config (genesis state hash {:016x}, this "
          "config gives {:016x}): replaying it would not reproduce its outcomes. Restore that "
          "config, or point [engine].data_dir at a new directory",
          dir_, stored, genesis_hash)};
    }
    return true;
  }
  if (rc != MDB_NOTFOUND) return Error{lmdb::describe("mdb_get", rc)};
  if (options_.read_only) return true;  // an empty store: nothing to compare with
  val = MDB_val{sizeof genesis_hash, &genesis_hash};
  if (int p = mdb_put(txn->get(), meta_, &key, &val, 0); p != 0) {
    return Error{lmdb::describe("mdb_put", p)};
  }
  if (int c = txn->commit(); c != 0) return Error{lmdb::describe("mdb_txn_commit", c)};
  return true;
}

Result<bool> Store::write_checkpoint(const Checkpoint& c) {
  auto txn = lmdb::Txn::begin(env_, false);
  if (!txn) return Error{txn.error()};
  MDB_val key = text_key(kCheckpointKey);
  Checkpoint copy = c;
  MDB_val val{sizeof copy, &copy};
  if (int p = mdb_put(txn->get(), meta_, &key, &val, 0); p != 0) {
    return Error{lmdb::describe("mdb_put", p)};
  }
  if (int rc = txn->commit(); rc != 0) return Error{lmdb::describe("mdb_txn_commit", rc)};
  return true;
}

Result<uint64_t> Store::last_seq() {
  auto txn = lmdb::Txn::begin(env_, true);
  if (!txn) return Error{txn.error()};
  auto cur = lmdb::Cursor::open(*txn, journal_);
  if (!cur) return Error{cur.error()};
  MDB_val k{}, v{};
  const int rc = cur->get(k, v, MDB_LAST);
  if (rc == MDB_NOTFOUND) return uint64_t{0};
  if (rc != 0) return Error{lmdb::describe("mdb_cursor_get", rc)};
  auto seq = decode_seq_key(lmdb::view(k));
  if (!seq) return Error{"the journal holds a key that is not a seq"};
  return *seq;
}

Result<StoreSummary> Store::summary(bool verify_snapshots) {
  StoreSummary s;
  auto txn = lmdb::Txn::begin(env_, true);
  if (!txn) return Error{txn.error()};
  MDB_stat st{};
  mdb_stat(txn->get(), journal_, &st);
  s.records = st.ms_entries;
  {
    auto cur = lmdb::Cursor::open(*txn, journal_);
    if (!cur) return Error{cur.error()};
    MDB_val k{}, v{};
    if (cur->get(k, v, MDB_FIRST) == 0) s.first_seq = decode_seq_key(lmdb::view(k)).value_or(0);
    if (cur->get(k, v, MDB_LAST) == 0) s.last_seq = decode_seq_key(lmdb::view(k)).value_or(0);
  }
  {
    auto cur = lmdb::Cursor::open(*txn, snapshots_);
    if (!cur) return Error{cur.error()};
    MDB_val k{}, v{};
    for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
      SnapshotInfo info;
      info.seq = decode_seq_key(lmdb::view(k)).value_or(0);
      info.bytes = v.mv_size;
      SnapshotHeader h{};
      if (v.mv_size >= sizeof h) {
        std::memcpy(&h, v.mv_data, sizeof h);
        info.state_hash = h.state_hash;
        info.taken_wall_ns = h.taken_wall_ns;
      }
      if (verify_snapshots) {
        std::string why;
        if (!decode_snapshot(lmdb::view(v), &why)) info.problem = why;
      }
      s.snapshots.push_back(std::move(info));
    }
  }
  MDB_val key = text_key(kCheckpointKey);
  MDB_val val{};
  if (mdb_get(txn->get(), meta_, &key, &val) == 0 && val.mv_size == sizeof(Checkpoint)) {
    Checkpoint c;
    std::memcpy(&c, val.mv_data, sizeof c);
    s.checkpoint = c;
  }
  MDB_envinfo info{};
  mdb_env_info(env_.get(), &info);
  MDB_stat est{};
  mdb_env_stat(env_.get(), &est);
  s.map_size = info.me_mapsize;
  s.used_bytes = (info.me_last_pgno + 1) * uint64_t{est.ms_psize};
  s.readers = info.me_numreaders;
  s.max_readers = info.me_maxreaders;
  return s;
}

Result<bool> Store::backup(const std::string& dest) {
  std::error_code ec;
  std::filesystem::create_directories(dest, ec);
  if (ec) return Error{fmt::format("cannot create {}: {}", dest, ec.message())};
  if (std::filesystem::exists(std::filesystem::path(dest) / "data.mdb", ec)) {
    return Error{fmt::format("{} already holds a data.mdb; back up into an empty directory", dest)};
  }
  if (int rc = mdb_env_copy2(env_.get(), dest.c_str(), MDB_CP_COMPACT); rc != 0) {
    return Error{fmt::format("backup into {} failed: {}", dest, mdb_strerror(rc))};
  }
  return true;
}

Result<uint64_t> Store::truncate_from(uint64_t from) {
  auto txn = lmdb::Txn::begin(env_, false);
  if (!txn) return Error{txn.error()};
  uint64_t removed = 0;
  for (MDB_dbi db : {journal_, snapshots_}) {
    auto cur = lmdb::Cursor::open(*txn, db);
    if (!cur) return Error{cur.error()};
    unsigned char kb[8];
    // Snapshots at from - 1 and before stay: they hold no input at or past `from`.
    encode_seq_key(from, kb);
    MDB_val k{8, kb}, v{};
    for (int rc = cur->get(k, v, MDB_SET_RANGE); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
      if (int d = cur->del(); d != 0) return Error{lmdb::describe("mdb_cursor_del", d)};
      if (db == journal_) ++removed;
    }
  }
  MDB_val key = text_key(kCheckpointKey);
  mdb_del(txn->get(), meta_, &key, nullptr);
  if (int rc = txn->commit(); rc != 0) return Error{lmdb::describe("mdb_txn_commit", rc)};
  return removed;
}

}  // namespace ose
