#include "tools/export/sqlite_sink.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <vector>

namespace ose::sql_export {

namespace {

class SqliteSink final : public SqlSink {
 public:
  SqliteSink(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteSink() override {
    for (sqlite3_stmt* s : statements_) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  SqliteSink(const SqliteSink&) = delete;
  SqliteSink& operator=(const SqliteSink&) = delete;

  Dialect dialect() const noexcept override { return Dialect::kSqlite; }
  std::string describe() const override { return "sqlite:" + path_; }

  Result<bool> exec(const std::string& sql) override {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string why = msg != nullptr ? msg : sqlite3_errmsg(db_);
      sqlite3_free(msg);
      return Error{fmt::format("{}: {}", describe(), why)};
    }
    return true;
  }

  Result<bool> prepare(size_t id, const std::string& sql) override {
    if (statements_.size() <= id) statements_.resize(id + 1, nullptr);
    sqlite3_finalize(statements_[id]);
    statements_[id] = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &statements_[id],
                           nullptr) != SQLITE_OK) {
      return Error{
          fmt::format("{}: cannot prepare '{}': {}", describe(), sql, sqlite3_errmsg(db_))};
    }
    return true;
  }

  Result<bool> run(size_t id, const Row& row) override {
    sqlite3_stmt* s = statements_[id];
    bind(s, row);
    const int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
      return Error{fmt::format("{}: {}", describe(), sqlite3_errmsg(db_))};
    }
    return true;
  }

  Result<QueryRows> query(const std::string& sql, const std::vector<std::string>& params) override {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      return Error{fmt::format("{}: {}", describe(), sqlite3_errmsg(db_))};
    }
    for (size_t k = 0; k < params.size(); ++k) {
      sqlite3_bind_text(s, static_cast<int>(k + 1), params[k].data(),
                        static_cast<int>(params[k].size()), SQLITE_STATIC);
    }
    QueryRows rows;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      auto& r = rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const auto* t = sqlite3_column_text(s, c);
        if (t == nullptr) {
          r.emplace_back(std::nullopt);
        } else {
          r.emplace_back(std::string(reinterpret_cast<const char*>(t)));
        }
      }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return Error{fmt::format("{}: {}", describe(), sqlite3_errmsg(db_))};
    return rows;
  }

 private:
  static void bind(sqlite3_stmt* s, const Row& row) {
    for (size_t k = 0; k < row.size(); ++k) {
      const Value& v = row[k];
      const int at = static_cast<int>(k + 1);
      switch (v.kind) {
        case Value::Kind::kNull:
          sqlite3_bind_null(s, at);
          break;
        case Value::Kind::kInt:
          sqlite3_bind_int64(s, at, v.i);
          break;
        case Value::Kind::kText:
          // Static: the row outlives the step that reads it.
          sqlite3_bind_text(s, at, v.text.data(), static_cast<int>(v.text.size()), SQLITE_STATIC);
          break;
      }
    }
  }

  sqlite3* db_;
  std::string path_;
  std::vector<sqlite3_stmt*> statements_;
};

}  // namespace

Result<std::unique_ptr<SqlSink>> open_sqlite(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc =
      // NOMUTEX: one thread uses the connection, so SQLite's per-call locking is pure cost.
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error{fmt::format("sqlite:{} cannot be opened for writing: {}", path, why)};
  }
  auto sink = std::make_unique<SqliteSink>(db, path);
  // Waits for a reader (a user's query) rather than failing at once; WAL lets them read while the
  // export writes. NORMAL sync in WAL mode: a committed transaction survives a crash of this
  // process (a power loss may lose the last ones, which a rerun writes again).
  sqlite3_busy_timeout(db, 5000);
  // A page cache of 128 MiB (the default is 2 MiB): the indexes' inner pages stay in memory
  // between the export's transactions instead of being read back from the file for every row.
  // Checkpoints every 40 MiB of WAL (the default, 4 MiB, copies pages back into the database
  // file ten times as often).
  if (auto ok = sink->exec(
          "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; "
          "PRAGMA wal_autocheckpoint=10000;");
      !ok) {
    return Error{fmt::format("sqlite:{} cannot be written: {}", path, ok.error())};
  }
  return std::unique_ptr<SqlSink>(std::move(sink));
}

}  // namespace ose::sql_export
