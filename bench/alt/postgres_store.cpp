#include "bench/alt/postgres_store.hpp"

#include <libpq-fe.h>

#include <cstring>
#include <utility>

namespace ose::bench {

namespace {

// The schema of a typical bot's store (see the header). ose_expect() turns "the step found no
// row" into an error, which is what makes a pipelined transaction roll back: a statement that
// merely updates zero rows would let COMMIT through.
constexpr const char* kSchema = R"sql(
DROP TABLE IF EXISTS trades, positions, balances, orders;
CREATE TABLE orders (
  order_id   bigint PRIMARY KEY,
  account    integer NOT NULL,
  instrument text NOT NULL,
  side       text NOT NULL CHECK (side IN ('buy', 'sell')),
  status     text NOT NULL,
  qty        numeric(36,8) NOT NULL CHECK (qty > 0),
  price      numeric(36,8) NOT NULL CHECK (price > 0),
  filled_qty numeric(36,8) NOT NULL DEFAULT 0,
  avg_price  numeric(36,8) NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (filled_qty >= 0 AND filled_qty <= qty)
);
CREATE TABLE trades (
  trade_id bigint PRIMARY KEY,
  order_id bigint NOT NULL REFERENCES orders,
  qty      numeric(36,8) NOT NULL CHECK (qty > 0),
  price    numeric(36,8) NOT NULL,
  fee      numeric(36,8) NOT NULL,
  ts       timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE positions (
  account      integer NOT NULL,
  instrument   text NOT NULL,
  size         numeric(36,8) NOT NULL,
  avg_entry    numeric(36,8) NOT NULL,
  realized_pnl numeric(36,8) NOT NULL,
  fees         numeric(36,8) NOT NULL,
  PRIMARY KEY (account, instrument)
);
CREATE TABLE balances (
  account integer NOT NULL,
  asset   text NOT NULL,
  free    numeric(36,8) NOT NULL CHECK (free >= 0),
  locked  numeric(36,8) NOT NULL CHECK (locked >= 0),
  PRIMARY KEY (account, asset)
);
CREATE OR REPLACE FUNCTION ose_expect(n bigint, expected bigint, what text, id bigint)
RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  IF n <> expected THEN
    RAISE EXCEPTION '% (order %)', what, id;
  END IF;
  RETURN n;
END $$;
)sql";

struct Statement {
  const char* name;
  const char* sql;
};

// One per step. Parameters are text with explicit casts, so the server parses the exact decimal.
constexpr Statement kStatements[] = {
    // $1 order_id, $2 account, $3 instrument, $4 side, $5 qty, $6 limit price
    {"new_order",
     "INSERT INTO orders (order_id, account, instrument, side, status, qty, price, filled_qty,"
     " avg_price, updated_at)"
     " VALUES ($1::bigint, $2::integer, $3::text, $4::text, 'new', $5::numeric, $6::numeric, 0,"
     " 0, now())"},
    // $1 account, $2 asset, $3 qty, $4 unit (limit price for a buy's quote, 1 for a sell's
    // base), $5 order_id
    {"lock",
     "WITH u AS (UPDATE balances SET free = free - $3::numeric * $4::numeric,"
     " locked = locked + $3::numeric * $4::numeric"
     " WHERE account = $1::integer AND asset = $2::text RETURNING 1)"
     " SELECT ose_expect(count(*), 1, 'lock: no balance row', $5::bigint) FROM u"},
    // $1 order_id
    {"ack",
     "WITH u AS (UPDATE orders SET status = 'open', updated_at = now()"
     " WHERE order_id = $1::bigint AND status = 'new' RETURNING 1)"
     " SELECT ose_expect(count(*), 1, 'ack: no such order in status new', $1::bigint) FROM u"},
    // $1 order_id
    {"cancel",
     "WITH u AS (UPDATE orders SET status = 'cancelled', updated_at = now()"
     " WHERE order_id = $1::bigint AND status IN ('new', 'open', 'partially_filled')"
     " RETURNING 1)"
     " SELECT ose_expect(count(*), 1, 'cancel: no such working order', $1::bigint) FROM u"},
    // $1 account, $2 asset, $3 order_id: after "cancel", gives back what the order still holds.
    {"release",
     "WITH r AS (SELECT (qty - filled_qty) * CASE WHEN side = 'buy' THEN price ELSE 1 END"
     " AS amount FROM orders WHERE order_id = $3::bigint),"
     " u AS (UPDATE balances b SET free = b.free + r.amount, locked = b.locked - r.amount"
     " FROM r WHERE b.account = $1::integer AND b.asset = $2::text RETURNING 1)"
     " SELECT ose_expect(count(*), 1, 'release: no balance row', $3::bigint) FROM u"},
    // $1 order_id, $2 fill qty, $3 fill price. Overfill trips the CHECK on filled_qty.
    {"fill_order",
     "WITH u AS (UPDATE orders SET filled_qty = filled_qty + $2::numeric,"
     " avg_price = round((avg_price * filled_qty + $2::numeric * $3::numeric)"
     " / (filled_qty + $2::numeric), 8),"
     " status = CASE WHEN filled_qty + $2::numeric = qty THEN 'filled'"
     " ELSE 'partially_filled' END,"
     " updated_at = now()"
     " WHERE order_id = $1::bigint AND status IN ('new', 'open', 'partially_filled')"
     " RETURNING 1)"
     " SELECT ose_expect(count(*), 1, 'fill: no such working order', $1::bigint) FROM u"},
    // $1 trade_id, $2 order_id, $3 qty, $4 price, $5 fee
    {"insert_trade",
     "INSERT INTO trades (trade_id, order_id, qty, price, fee, ts)"
     " VALUES ($1::bigint, $2::bigint, $3::numeric, $4::numeric, $5::numeric, now())"},
    // $1 account, $2 instrument, $3 signed fill qty (buy +), $4 fill price, $5 fee. In the
    // UPDATE every p.* is the row before this fill (SET expressions see the old row).
    {"upsert_position",
     "INSERT INTO positions AS p (account, instrument, size, avg_entry, realized_pnl, fees)"
     " VALUES ($1::integer, $2::text, $3::numeric, $4::numeric, 0, $5::numeric)"
     " ON CONFLICT (account, instrument) DO UPDATE SET"
     " size = p.size + excluded.size,"
     " avg_entry = CASE"
     " WHEN p.size = 0 OR sign(p.size) = sign(excluded.size) THEN"
     " round((abs(p.size) * p.avg_entry + abs(excluded.size) * excluded.avg_entry)"
     " / (abs(p.size) + abs(excluded.size)), 8)"
     " WHEN abs(excluded.size) < abs(p.size) THEN p.avg_entry"
     " WHEN abs(excluded.size) = abs(p.size) THEN 0"
     " ELSE excluded.avg_entry END,"
     " realized_pnl = p.realized_pnl + CASE"
     " WHEN p.size = 0 OR sign(p.size) = sign(excluded.size) THEN 0"
     " ELSE round(least(abs(p.size), abs(excluded.size))"
     " * (excluded.avg_entry - p.avg_entry) * sign(p.size), 8) END,"
     " fees = p.fees + excluded.fees"},
    // $1 account, $2 quote asset, $3 base asset, $4 fill qty, $5 fill price, $6 fee,
    // $7 order_id. A buy consumes qty × limit of its quote reservation, gets qty × (limit −
    // price) of it back, pays the fee, and receives the base.
    {"settle_buy",
     "WITH o AS (SELECT price AS limit_price FROM orders WHERE order_id = $7::bigint),"
     " u AS (UPDATE balances b SET"
     " free = b.free + CASE WHEN b.asset = $2::text"
     " THEN $4::numeric * (o.limit_price - $5::numeric) - $6::numeric ELSE $4::numeric END,"
     " locked = b.locked - CASE WHEN b.asset = $2::text THEN $4::numeric * o.limit_price"
     " ELSE 0 END"
     " FROM o WHERE b.account = $1::integer AND b.asset IN ($2::text, $3::text) RETURNING 1)"
     " SELECT ose_expect(count(*), 2, 'fill: balance rows missing', $7::bigint) FROM u"},
    // Same parameters. A sell consumes qty of its base reservation and receives qty × price of
    // the quote less the fee.
    {"settle_sell",
     "WITH u AS (UPDATE balances b SET"
     " free = b.free + CASE WHEN b.asset = $2::text THEN $4::numeric * $5::numeric - $6::numeric"
     " ELSE 0 END,"
     " locked = b.locked - CASE WHEN b.asset = $3::text THEN $4::numeric ELSE 0 END"
     " WHERE b.account = $1::integer AND b.asset IN ($2::text, $3::text) RETURNING 1)"
     " SELECT ose_expect(count(*), 2, 'fill: balance rows missing', $7::bigint) FROM u"},
};

// Writes v (e8 fixed point) as "[-]I.FFFFFFFF" into out (≥ 22 bytes: sign, 11 integer digits,
// point, 8 decimals, NUL) and returns out.
char* format_e8(char* out, int64_t v) {
  // Magnitude in unsigned arithmetic: −INT64_MIN does not fit an int64_t.
  uint64_t m = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  char tmp[24];
  int n = 0;
  for (int i = 0; i < 8; ++i) {  // the 8 decimals, least significant first
    tmp[n++] = static_cast<char>('0' + m % 10);
    m /= 10;
  }
  tmp[n++] = '.';
  do {
    tmp[n++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m != 0);
  if (v < 0) tmp[n++] = '-';
  for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return out;
}

char* format_u64(char* out, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (int i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return out;
}

// libpq's messages end in a newline; the caller's report line should not.
std::string trimmed(const char* message) {
  std::string s = message != nullptr ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Runs SQL outside pipeline mode (set-up only): "" or the error.
std::string exec(PGconn* conn, const char* sql) {
  PGresult* r = PQexec(conn, sql);
  const ExecStatusType st = PQresultStatus(r);
  std::string error;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) error = trimmed(PQresultErrorMessage(r));
  PQclear(r);
  return error;
}

}  // namespace

std::string e8_to_decimal(int64_t v_e8) {
  char buf[32];
  return format_e8(buf, v_e8);
}

std::string PostgresStore::symbol(uint16_t instrument) {
  return base_asset(instrument) + kQuoteAsset;
}

std::string PostgresStore::base_asset(uint16_t instrument) {
  std::string s = "A";  // (not "A" + to_string(): g++ 12 -O3 flags that with a false -Wrestrict)
  s += std::to_string(instrument);
  return s;
}

Result<std::unique_ptr<PostgresStore>> PostgresStore::connect(const std::string& conninfo,
                                                              const WorkloadOptions& workload,
                                                              const PostgresStoreOptions& o) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string error =
        "cannot connect to PostgreSQL (" + conninfo + "): " + trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Error{std::move(error)};
  }
  // From here on the store owns the connection; an early return closes it.
  const uint16_t instruments = workload.instruments == 0 ? 1 : workload.instruments;
  const uint32_t accounts = workload.accounts == 0 ? 1 : workload.accounts;
  std::unique_ptr<PostgresStore> store(new PostgresStore(conn, instruments, o.pipeline, ""));
  auto fail = [&](const std::string& what, const std::string& error) {
    return Error{"PostgreSQL store: " + what + ": " + error};
  };

  if (std::string e = exec(conn, "SET client_min_messages = warning"); !e.empty()) {
    return fail("set-up", e);  // (the DROP … IF EXISTS notices are noise)
  }
  if (std::string e = exec(conn, "SET statement_timeout = '30s'"); !e.empty()) {
    return fail("set-up", e);
  }
  if (std::string e = exec(conn, kSchema); !e.empty()) return fail("creating the schema", e);

  // Seed: every account holds kSeedQuoteE8 of the quote asset and kSeedBaseE8 of each base.
  char quote_seed[32], base_seed[32];
  format_e8(quote_seed, kSeedQuoteE8);
  format_e8(base_seed, kSeedBaseE8);
  std::string assets = std::string("('") + kQuoteAsset + "', " + quote_seed + ")";
  for (uint16_t i = 0; i < instruments; ++i) {
    assets += ", ('" + base_asset(i) + "', " + base_seed + ")";
  }
  const std::string seed =
      "INSERT INTO balances (account, asset, free, locked) SELECT a, x.asset, x.amount, 0"
      " FROM generate_series(0, " +
      std::to_string(accounts - 1) + ") AS a CROSS JOIN (VALUES " + assets +
      ") AS x(asset, amount)";
  if (std::string e = exec(conn, seed.c_str()); !e.empty()) return fail("seeding balances", e);

  for (const Statement& s : kStatements) {
    PGresult* r = PQprepare(conn, s.name, s.sql, 0, nullptr);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string error = ok ? "" : trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (!ok) return fail(std::string("preparing ") + s.name, error);
  }

  PGresult* r = PQexec(conn, "SHOW synchronous_commit");
  if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
    store->synchronous_commit_ = PQgetvalue(r, 0, 0);
  }
  PQclear(r);
  if (store->synchronous_commit_.empty()) return fail("SHOW synchronous_commit", "no answer");

  if (o.pipeline && PQenterPipelineMode(conn) != 1) {
    return fail("entering pipeline mode", trimmed(PQerrorMessage(conn)));
  }
  return store;
}

PostgresStore::PostgresStore(pg_conn* conn, uint16_t instruments, bool pipeline,
                             std::string sync_commit)
    : conn_(conn),
      instruments_(instruments),
      pipeline_(pipeline),
      synchronous_commit_(std::move(sync_commit)) {
  for (uint16_t i = 0; i < instruments; ++i) {
    symbols_.push_back(symbol(i));
    bases_.push_back(base_asset(i));
  }
}

PostgresStore::~PostgresStore() {
  PQfinish(conn_);
}

std::string PostgresStore::name() const {
  return "PostgreSQL (libpq, synchronous_commit=" + synchronous_commit_ +
         (pipeline_ ? ", pipelined)" : ", statement by statement)");
}

std::string PostgresStore::apply(const OrderEvent& e) {
  if (e.instrument >= instruments_) {
    return "instrument " + std::to_string(e.instrument) + " out of range (store seeded for " +
           std::to_string(instruments_) + ")";
  }
  const bool buy = e.side == 0;
  const char* const side = buy ? "buy" : "sell";
  const char* const instrument = symbols_[e.instrument].c_str();
  const char* const base = bases_[e.instrument].c_str();
  char order_id[24], trade_id[24], account[24], qty[32], price[32], fee[32], signed_qty[32];
  format_u64(order_id, e.order_id);
  format_u64(account, e.account);
  format_e8(qty, e.qty_e8);
  format_e8(price, e.price_e8);

  Step steps[4];
  int count = 0;
  switch (e.kind) {
    case OrderEventKind::kNew: {
      const char* const ins[] = {order_id, account, instrument, side, qty, price};
      const char* const lock[] = {account, buy ? kQuoteAsset : base, qty, buy ? price : "1",
                                  order_id};
      steps[count++] = {"new_order", 6, ins};
      steps[count++] = {"lock", 5, lock};
      return pipeline_ ? run_pipelined(steps, count) : run_one_by_one(steps, count);
    }
    case OrderEventKind::kAck: {
      const char* const ack[] = {order_id};
      steps[count++] = {"ack", 1, ack};
      return pipeline_ ? run_pipelined(steps, count) : run_one_by_one(steps, count);
    }
    case OrderEventKind::kCancel: {
      const char* const cancel[] = {order_id};
      const char* const release[] = {account, buy ? kQuoteAsset : base, order_id};
      steps[count++] = {"cancel", 1, cancel};
      steps[count++] = {"release", 3, release};
      return pipeline_ ? run_pipelined(steps, count) : run_one_by_one(steps, count);
    }
    case OrderEventKind::kPartialFill:
    case OrderEventKind::kFill: {
      format_u64(trade_id, e.trade_id);
      format_e8(fee, e.fee_e8);
      format_e8(signed_qty, buy ? e.qty_e8 : -e.qty_e8);
      const char* const fill[] = {order_id, qty, price};
      const char* const trade[] = {trade_id, order_id, qty, price, fee};
      const char* const position[] = {account, instrument, signed_qty, price, fee};
      const char* const settle[] = {account, kQuoteAsset, base, qty, price, fee, order_id};
      steps[count++] = {"fill_order", 3, fill};
      steps[count++] = {"insert_trade", 5, trade};
      steps[count++] = {"upsert_position", 5, position};
      steps[count++] = {buy ? "settle_buy" : "settle_sell", 7, settle};
      return pipeline_ ? run_pipelined(steps, count) : run_one_by_one(steps, count);
    }
  }
  return "unknown event kind " + std::to_string(static_cast<int>(e.kind));
}

namespace {

// Reads results up to and including the pipeline's sync point. Returns the first error ("" if
// none); later results of an aborted pipeline are PGRES_PIPELINE_ABORTED and say nothing new.
// Each query's results end with a null; two nulls in a row mean nothing more is coming.
std::string drain_to_sync(PGconn* conn) {
  std::string error;
  int nulls = 0;
  for (;;) {
    PGresult* r = PQgetResult(conn);
    if (r == nullptr) {
      if (++nulls == 2 || PQstatus(conn) == CONNECTION_BAD) {
        return error.empty() ? "lost the pipeline's sync: " + trimmed(PQerrorMessage(conn)) : error;
      }
      continue;
    }
    nulls = 0;
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_FATAL_ERROR && error.empty()) error = trimmed(PQresultErrorMessage(r));
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC) return error;
  }
}

}  // namespace

std::string PostgresStore::run_pipelined(const Step* steps, int count) {
  // BEGIN, the steps and COMMIT are queued, then one sync flushes them in one write; the server
  // runs them in order and answers after the COMMIT (with synchronous_commit=on: after its WAL
  // flush). An error aborts the rest up to the sync, which leaves the explicit transaction open
  // and failed: it is rolled back in a second, short pipeline.
  std::string error;
  bool sent = PQsendQueryParams(conn_, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  for (int i = 0; sent && i < count; ++i) {
    sent = PQsendQueryPrepared(conn_, steps[i].statement, steps[i].params, steps[i].values, nullptr,
                               nullptr, 0) == 1;
  }
  sent = sent && PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
  if (!sent) error = "cannot send the transaction: " + trimmed(PQerrorMessage(conn_));
  // Sync even after a failed send, so that whatever was queued is answered and drained.
  if (PQpipelineSync(conn_) != 1) {
    return error.empty() ? "cannot sync the pipeline: " + trimmed(PQerrorMessage(conn_)) : error;
  }
  const std::string drained = drain_to_sync(conn_);
  if (error.empty()) error = drained;
  if (PQtransactionStatus(conn_) != PQTRANS_IDLE && PQstatus(conn_) == CONNECTION_OK) {
    if (PQsendQueryParams(conn_, "ROLLBACK", 0, nullptr, nullptr, nullptr, nullptr, 0) == 1 &&
        PQpipelineSync(conn_) == 1) {
      const std::string rollback_error = drain_to_sync(conn_);
      if (!rollback_error.empty()) error += "; ROLLBACK: " + rollback_error;
    }
  }
  return error;
}

std::string PostgresStore::run_one_by_one(const Step* steps, int count) {
  if (std::string e = exec(conn_, "BEGIN"); !e.empty()) return e;
  for (int i = 0; i < count; ++i) {
    PGresult* r = PQexecPrepared(conn_, steps[i].statement, steps[i].params, steps[i].values,
                                 nullptr, nullptr, 0);
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string error = trimmed(PQresultErrorMessage(r));
      PQclear(r);
      if (std::string e = exec(conn_, "ROLLBACK"); !e.empty()) error += "; ROLLBACK: " + e;
      return error;
    }
    PQclear(r);
  }
  return exec(conn_, "COMMIT");
}

}  // namespace ose::bench
