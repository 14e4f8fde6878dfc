// Where `ose export` writes: one SQL database behind a small interface, so that the derivation of
// the rows (derive.hpp) and the schema (schema.hpp) are written once for SQLite and PostgreSQL.
// Statements are prepared once per table and run with every value as a parameter: an integer or
// text (decimals and timestamps arrive as exact text; the column's type decides what the
// database makes of it), never a float.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.hpp"

namespace ose::sql_export {

enum class Dialect : uint8_t { kSqlite, kPostgres };

struct Value {
  enum class Kind : uint8_t { kNull, kInt, kText };
  Kind kind = Kind::kNull;
  int64_t i = 0;
  std::string text;  // kept between rows: its capacity is reused
};

// One row's parameters, in the table's column order. The values (and their strings' buffers)
// are reused from row to row, so building a row allocates nothing once warm.
class Row {
 public:
  void clear() noexcept { size_ = 0; }
  void null() { next().kind = Value::Kind::kNull; }
  void integer(int64_t v) {
    Value& x = next();
    x.kind = Value::Kind::kInt;
    x.i = v;
  }
  void text(std::string_view v) {
    Value& x = next();
    x.kind = Value::Kind::kText;
    x.text.assign(v.data(), v.size());
  }
  // Text that `write(char* out) -> size_t` puts in place, at most `max` chars: decimals and
  // timestamps formatted straight into the value's buffer, with no string of their own.
  template <typename Write>
  void text_in_place(size_t max, Write&& write) {
    Value& x = next();
    x.kind = Value::Kind::kText;
    x.text.resize(max);
    x.text.resize(write(x.text.data()));
  }
  size_t size() const noexcept { return size_; }
  const Value& operator[](size_t k) const noexcept { return values_[k]; }

 private:
  Value& next() {
    if (size_ == values_.size()) values_.emplace_back();
    return values_[size_++];
  }
  std::vector<Value> values_;
  size_t size_ = 0;
};

using QueryRows = std::vector<std::vector<std::optional<std::string>>>;

class SqlSink {
 public:
  virtual ~SqlSink() = default;
  virtual Dialect dialect() const noexcept = 0;
  // Statements without results: DDL, BEGIN, COMMIT, ROLLBACK.
  virtual Result<bool> exec(const std::string& sql) = 0;
  // Prepares statement `id` (ids are small and dense: one per table).
  virtual Result<bool> prepare(size_t id, const std::string& sql) = 0;
  // How append() may write statement `id`'s table in bulk: `COPY table (columns) FROM STDIN`.
  // The default ignores it.
  virtual Result<bool> prepare_append(size_t /*id*/, const std::string& /*copy_sql*/) {
    return true;
  }
  // Runs statement `id` with `row`'s values. PostgreSQL queues it (pipeline mode): an error may
  // surface at the next exec() or query() instead, which then fails.
  virtual Result<bool> run(size_t id, const Row& row) = 0;
  // Runs statement `id` for a row the table cannot hold yet (a trade, a ledger entry or a history
  // row of an input past the database's last seq), so a sink may insert it without looking for
  // a conflict: PostgreSQL buffers such rows and sends them with COPY before the next exec() or
  // query(). The default runs the upsert.
  virtual Result<bool> append(size_t id, const Row& row) { return run(id, row); }
  // How stage() may write statement `id`'s table in bulk (schema.hpp: create_stage_sql, …).
  // The default ignores it.
  virtual Result<bool> prepare_stage(size_t /*id*/, const std::string& /*create_sql*/,
                                     const std::string& /*copy_sql*/,
                                     const std::string& /*merge_sql*/) {
    return true;
  }
  // Runs statement `id` (an upsert) for a row whose key no other row staged for the table in
  // this transaction has: an order, a position or a balance as a batch leaves it. PostgreSQL
  // buffers such rows, COPYs them into a temporary table and upserts them all with one statement
  // before the next exec() or query() (one statement cannot update a row twice, hence the
  // rule). The default runs the upsert.
  virtual Result<bool> stage(size_t id, const Row& row) { return run(id, row); }
  // A query's rows as text (SQL NULL: nullopt); `params` bind $1.. / ?1.. in order.
  virtual Result<QueryRows> query(const std::string& sql,
                                  const std::vector<std::string>& params = {}) = 0;
  // The target as the user named it, password left out: for messages.
  virtual std::string describe() const = 0;
};

// `sqlite:PATH` or `postgresql://…` / `postgres://…` (any libpq connection URI). The error says
// what is wrong with the target: unknown scheme, a file that cannot be opened for writing, a
// server that does not answer, a login refused.
Result<std::unique_ptr<SqlSink>> open_sink(const std::string& target);

// The parameter placeholder of the k-th value (0-based): `?N` / `$N`.
std::string placeholder(Dialect d, size_t k);

}  // namespace ose::sql_export
