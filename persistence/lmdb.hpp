// Thin RAII over the LMDB C API: an environment, transactions and named databases, with every
// failure turned into an Error that names the call and LMDB's own words. Nothing here knows
// what is stored; journal_format.hpp and store.hpp do.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/result.hpp"

namespace ose::lmdb {

// "mdb_put: MDB_MAP_FULL: Environment mapsize limit reached" and the like.
std::string describe(const char* call, int rc);

inline std::string_view view(const MDB_val& v) noexcept {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

class Env {
 public:
  struct Options {
    uint64_t map_size = 64ull << 20;
    bool read_only = false;
  };
  // Opens (creating when writable) the environment in directory `dir`. Flags: MDB_NOTLS (read
  // transactions are not tied to threads) and MDB_RDONLY for readers; never MDB_NOSYNC,
  // MDB_NOMETASYNC, MDB_MAPASYNC or MDB_WRITEMAP (docs/DURABILITY.md says why).
  static Result<Env> open(const std::string& dir, const Options& options);

  Env() = default;
  Env(Env&& o) noexcept : env_(o.env_) { o.env_ = nullptr; }
  Env& operator=(Env&& o) noexcept;
  ~Env();

  MDB_env* get() const noexcept { return env_; }
  uint64_t map_size() const noexcept;
  // Only with no transaction open in this process.
  Result<bool> set_map_size(uint64_t bytes) noexcept;
  // Clears reader slots left by dead processes; returns how many.
  int clear_stale_readers() noexcept;

 private:
  explicit Env(MDB_env* env) noexcept : env_(env) {}
  MDB_env* env_ = nullptr;
};

class Txn {
 public:
  // A read transaction adopts a map another process grew (MDB_MAP_RESIZED) and retries.
  static Result<Txn> begin(const Env& env, bool read_only);

  Txn() = default;
  Txn(Txn&& o) noexcept : txn_(o.txn_) { o.txn_ = nullptr; }
  Txn& operator=(Txn&& o) noexcept;
  ~Txn() { abort(); }

  MDB_txn* get() const noexcept { return txn_; }
  // Returns the LMDB code (0 on success); the transaction is gone either way.
  int commit() noexcept;
  void abort() noexcept;

 private:
  explicit Txn(MDB_txn* t) noexcept : txn_(t) {}
  MDB_txn* txn_ = nullptr;
};

// A named database; `create` only in a write transaction.
Result<MDB_dbi> open_db(const Txn& txn, const char* name, bool create);

// A cursor closed with its scope.
class Cursor {
 public:
  static Result<Cursor> open(const Txn& txn, MDB_dbi dbi);
  Cursor(Cursor&& o) noexcept : c_(o.c_) { o.c_ = nullptr; }
  Cursor& operator=(Cursor&&) = delete;
  ~Cursor() {
    if (c_ != nullptr) mdb_cursor_close(c_);
  }
  // The LMDB code: 0, MDB_NOTFOUND, or an error.
  int get(MDB_val& key, MDB_val& value, MDB_cursor_op op) noexcept {
    return mdb_cursor_get(c_, &key, &value, op);
  }
  int del() noexcept { return mdb_cursor_del(c_, 0); }

 private:
  explicit Cursor(MDB_cursor* c) noexcept : c_(c) {}
  MDB_cursor* c_ = nullptr;
};

}  // namespace ose::lmdb
