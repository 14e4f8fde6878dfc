#include "persistence/lmdb.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace ose::lmdb {

std::string describe(const char* call, int rc) {
  return fmt::format("{}: {}", call, mdb_strerror(rc));
}

Result<Env> Env::open(const std::string& dir, const Options& options) {
  std::error_code ec;
  if (!options.read_only) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error{fmt::format("cannot create data_dir {}: {}", dir, ec.message())};
  } else if (!std::filesystem::exists(std::filesystem::path(dir) / "data.mdb", ec)) {
    return Error{fmt::format("no journal in {} (no data.mdb there)", dir)};
  }
  MDB_env* env = nullptr;
  if (int rc = mdb_env_create(&env); rc != 0) return Error{describe("mdb_env_create", rc)};
  Env owned(env);
  if (int rc = mdb_env_set_maxdbs(env, 4); rc != 0)
    return Error{describe("mdb_env_set_maxdbs", rc)};
  if (int rc = mdb_env_set_mapsize(env, options.map_size); rc != 0) {
    return Error{describe("mdb_env_set_mapsize", rc)};
  }
  const unsigned flags = MDB_NOTLS | (options.read_only ? MDB_RDONLY : 0u);
  if (int rc = mdb_env_open(env, dir.c_str(), flags, 0640); rc != 0) {
    return Error{fmt::format("cannot open the journal in {}: {}", dir, mdb_strerror(rc))};
  }
  return owned;
}

Env& Env::operator=(Env&& o) noexcept {
  if (this != &o) {
    if (env_ != nullptr) mdb_env_close(env_);
    env_ = o.env_;
    o.env_ = nullptr;
  }
  return *this;
}

Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
}

uint64_t Env::map_size() const noexcept {
  MDB_envinfo info{};
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Result<bool> Env::set_map_size(uint64_t bytes) noexcept {
  if (int rc = mdb_env_set_mapsize(env_, bytes); rc != 0) {
    return Error{describe("mdb_env_set_mapsize", rc)};
  }
  return true;
}

int Env::clear_stale_readers() noexcept {
  int dead = 0;
  mdb_reader_check(env_, &dead);
  return dead;
}

Result<Txn> Txn::begin(const Env& env, bool read_only) {
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env.get(), nullptr, read_only ? MDB_RDONLY : 0u, &txn);
  if (rc == MDB_MAP_RESIZED) {
    // Another process (the engine) grew the map: adopt its size and try again.
    mdb_env_set_mapsize(env.get(), 0);
    rc = mdb_txn_begin(env.get(), nullptr, read_only ? MDB_RDONLY : 0u, &txn);
  }
  if (rc != 0) return Error{describe("mdb_txn_begin", rc)};
  return Txn(txn);
}

Txn& Txn::operator=(Txn&& o) noexcept {
  if (this != &o) {
    abort();
    txn_ = o.txn_;
    o.txn_ = nullptr;
  }
  return *this;
}

int Txn::commit() noexcept {
  MDB_txn* t = txn_;
  txn_ = nullptr;
  return t == nullptr ? EINVAL : mdb_txn_commit(t);
}

void Txn::abort() noexcept {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
}

Result<MDB_dbi> open_db(const Txn& txn, const char* name, bool create) {
  MDB_dbi dbi = 0;
  if (int rc = mdb_dbi_open(txn.get(), name, create ? MDB_CREATE : 0u, &dbi); rc != 0) {
    return Error{fmt::format("cannot open the {} database: {}", name, mdb_strerror(rc))};
  }
  return dbi;
}

Result<Cursor> Cursor::open(const Txn& txn, MDB_dbi dbi) {
  MDB_cursor* c = nullptr;
  if (int rc = mdb_cursor_open(txn.get(), dbi, &c); rc != 0) {
    return Error{describe("mdb_cursor_open", rc)};
  }
  return Cursor(c);
}

}  // namespace ose::lmdb
