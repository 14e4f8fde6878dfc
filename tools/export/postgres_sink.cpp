#include "tools/export/postgres_sink.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <array>
#include <charconv>
#include <vector>

namespace ose::sql_export {

namespace {

// Statements queued in pipeline mode before the queue is synchronised: the server's results
// must be read before they fill the socket buffers (both sides would then block on a write).
constexpr size_t kPipelineDepth = 2000;
// Rows of a table buffered for COPY before they are sent (they also go before every exec(), so
// before each COMMIT).
constexpr size_t kCopyBytes = size_t{4} << 20;

std::string trimmed(const char* msg) {
  std::string s = msg != nullptr ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PostgresSink final : public SqlSink {
 public:
  PostgresSink(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  ~PostgresSink() override { PQfinish(conn_); }
  PostgresSink(const PostgresSink&) = delete;
  PostgresSink& operator=(const PostgresSink&) = delete;

  Dialect dialect() const noexcept override { return Dialect::kPostgres; }
  std::string describe() const override { return where_; }

  Result<bool> exec(const std::string& sql) override {
    if (auto ok = copy_out(); !ok) return ok;
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto st = PQresultStatus(r);
    std::string why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return fail(why);
    return true;
  }

  Result<bool> prepare(size_t id, const std::string& sql) override {
    if (auto ok = copy_out(); !ok) return ok;
    const std::string name = fmt::format("ose_export_{}", id);
    PGresult* r = PQprepare(conn_, name.c_str(), sql.c_str(), 0, nullptr);
    const auto st = PQresultStatus(r);
    std::string why = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (st != PGRES_COMMAND_OK) return fail(fmt::format("cannot prepare '{}': {}", sql, why));
    if (names_.size() <= id) names_.resize(id + 1);
    names_[id] = name;
    return true;
  }

  Result<bool> prepare_append(size_t id, const std::string& copy_sql) override {
    if (copies_.size() <= id) copies_.resize(id + 1);
    copies_[id].sql = copy_sql;
    return true;
  }

  Result<bool> prepare_stage(size_t id, const std::string& create_sql, const std::string& copy_sql,
                             const std::string& merge_sql) override {
    if (auto ok = exec(create_sql); !ok) return ok;
    if (auto ok = prepare_append(id, copy_sql); !ok) return ok;
    copies_[id].merge = merge_sql;
    return true;
  }

  // Buffered as append() buffers; copy_out() merges the stage into the table after its COPY.
  Result<bool> stage(size_t id, const Row& row) override { return append(id, row); }

  // COPY's text format: a tab between values, \N for NULL, a newline after the row; backslash,
  // tab, newline and carriage return escaped in text.
  Result<bool> append(size_t id, const Row& row) override {
    Copy& c = copies_[id];
    for (size_t k = 0; k < row.size(); ++k) {
      if (k > 0) c.data.push_back('\t');
      const Value& v = row[k];
      switch (v.kind) {
        case Value::Kind::kNull:
          c.data.append("\\N");
          break;
        case Value::Kind::kInt: {
          char buf[24];
          auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v.i);
          c.data.append(buf, end);
          break;
        }
        case Value::Kind::kText:
          for (const char ch : v.text) {
            switch (ch) {
              case '\\':
                c.data.append("\\\\");
                break;
              case '\t':
                c.data.append("\\t");
                break;
              case '\n':
                c.data.append("\\n");
                break;
              case '\r':
                c.data.append("\\r");
                break;
              default:
                c.data.push_back(ch);
            }
          }
          break;
      }
    }
    c.data.push_back('\n');
    if (c.data.size() >= kCopyBytes) return copy_out();
    return true;
  }

  Result<bool> run(size_t id, const Row& row) override {
    if (!piping_) {
      if (PQenterPipelineMode(conn_) != 1) return fail(trimmed(PQerrorMessage(conn_)));
      piping_ = true;
    }
    const size_t n = row.size();
    values_.resize(n);
    ints_.resize(n);
    for (size_t k = 0; k < n; ++k) {
      const Value& v = row[k];
      switch (v.kind) {
        case Value::Kind::kNull:
          values_[k] = nullptr;
          break;
        case Value::Kind::kInt: {
          auto [end, ec] = std::to_chars(ints_[k].data(), ints_[k].data() + 20, v.i);
          *end = '\0';
          values_[k] = ints_[k].data();
          break;
        }
        case Value::Kind::kText:
          values_[k] = v.text.c_str();
          break;
      }
    }
    if (PQsendQueryPrepared(conn_, names_[id].c_str(), static_cast<int>(n), values_.data(), nullptr,
                            nullptr, 0) != 1) {
      return fail(trimmed(PQerrorMessage(conn_)));
    }
    if (++queued_ >= kPipelineDepth) return sync();
    return true;
  }

  Result<QueryRows> query(const std::string& sql, const std::vector<std::string>& params) override {
    if (auto ok = copy_out(); !ok) return Error{ok.error()};
    std::vector<const char*> p;
    for (const std::string& s : params) p.push_back(s.c_str());
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(p.size()), nullptr, p.data(),
                               nullptr, nullptr, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      std::string why = trimmed(PQresultErrorMessage(r));
      PQclear(r);
      return Error{fmt::format("{}: {}", where_, why)};
    }
    QueryRows rows;
    for (int i = 0; i < PQntuples(r); ++i) {
      auto& row = rows.emplace_back();
      for (int c = 0; c < PQnfields(r); ++c) {
        if (PQgetisnull(r, i, c) != 0) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(r, i, c)));
        }
      }
    }
    PQclear(r);
    return rows;
  }

 private:
  Result<bool> fail(const std::string& why) { return Error{fmt::format("{}: {}", where_, why)}; }

  // Ends the pipeline: every queued statement's result read, the first error returned.
  Result<bool> sync() {
    if (!piping_) return true;
    std::string first_error;
    if (PQpipelineSync(conn_) != 1) first_error = trimmed(PQerrorMessage(conn_));
    bool synced = !first_error.empty();
    while (!synced) {
      PGresult* r = PQgetResult(conn_);
      if (r == nullptr) continue;  // the end of one statement's results
      const auto st = PQresultStatus(r);
      if (st == PGRES_PIPELINE_SYNC) synced = true;
      if (st == PGRES_FATAL_ERROR && first_error.empty()) {
        first_error = trimmed(PQresultErrorMessage(r));
      }
      PQclear(r);
      if (PQstatus(conn_) == CONNECTION_BAD) {
        if (first_error.empty()) first_error = trimmed(PQerrorMessage(conn_));
        break;
      }
    }
    PQexitPipelineMode(conn_);
    piping_ = false;
    queued_ = 0;
    if (!first_error.empty()) return fail(first_error);
    return true;
  }

  // The pipeline ended, then every table's buffered rows sent with one COPY each.
  Result<bool> copy_out() {
    if (auto ok = sync(); !ok) return ok;
    for (Copy& c : copies_) {
      if (c.data.empty()) continue;
      PGresult* r = PQexec(conn_, c.sql.c_str());
      const bool in = PQresultStatus(r) == PGRES_COPY_IN;
      std::string why = trimmed(PQresultErrorMessage(r));
      PQclear(r);
      if (!in) return fail(fmt::format("{}: {}", c.sql, why));
      if (PQputCopyData(conn_, c.data.data(), static_cast<int>(c.data.size())) != 1 ||
          PQputCopyEnd(conn_, nullptr) != 1) {
        return fail(trimmed(PQerrorMessage(conn_)));
      }
      c.data.clear();
      std::string first_error;
      while ((r = PQgetResult(conn_)) != nullptr) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && first_error.empty()) {
          first_error = trimmed(PQresultErrorMessage(r));
        }
        PQclear(r);
      }
      if (!first_error.empty()) return fail(first_error);
      if (!c.merge.empty()) {
        r = PQexec(conn_, c.merge.c_str());
        const bool merged = PQresultStatus(r) == PGRES_COMMAND_OK;
        std::string merge_error = trimmed(PQresultErrorMessage(r));
        PQclear(r);
        if (!merged) return fail(fmt::format("{}: {}", c.merge, merge_error));
      }
    }
    return true;
  }

  struct Copy {
    std::string sql;    // COPY … FROM STDIN
    std::string data;   // rows in COPY's text format, not sent yet
    std::string merge;  // a staged table's: moves the COPY's rows into the table
  };

  PGconn* conn_;
  std::string where_;
  std::vector<Copy> copies_;
  std::vector<std::string> names_;
  std::vector<const char*> values_;
  std::vector<std::array<char, 24>> ints_;
  bool piping_ = false;
  size_t queued_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlSink>> open_postgres(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string where = "PostgreSQL";
  if (conn != nullptr && PQstatus(conn) == CONNECTION_OK) {
    where = fmt::format("postgresql://{}@{}:{}/{}", PQuser(conn), PQhost(conn), PQport(conn),
                        PQdb(conn));
  }
  if (conn == nullptr || PQstatus(conn) != CONNECTION_OK) {
    std::string why = conn != nullptr ? trimmed(PQerrorMessage(conn)) : "out of memory";
    PQfinish(conn);
    return Error{fmt::format("cannot connect to PostgreSQL: {}", why)};
  }
  // Messages about tables that already exist (CREATE … IF NOT EXISTS) are not the user's concern.
  PGresult* r = PQexec(conn, "SET client_min_messages = warning; SET TIME ZONE 'UTC'");
  PQclear(r);
  return std::unique_ptr<SqlSink>(std::make_unique<PostgresSink>(conn, std::move(where)));
}

}  // namespace ose::sql_export
