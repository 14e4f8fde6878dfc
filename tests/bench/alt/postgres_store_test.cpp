// The PostgreSQL alternative of the performance study (issue 6): the throwaway server starts,
// serves on loopback and leaves nothing behind; the store's tables end up exactly where an
// independent walk over the same events says they must (order statuses and filled quantities,
// trades, position sizes, balances to the 1e-8), pipelined and statement by statement; a failing
// step rolls its whole event back. Expected values are computed here in e8 integers from the
// event list, not by the store's SQL. Without a PostgreSQL server binary every test skips with
// the note.
//
// DISABLED_MeasuresApplyLatency prints the per-event latency of apply() for the record:
//   ose_bench_alt_tests --gtest_also_run_disabled_tests --gtest_filter='*MeasuresApplyLatency*'
// (OSE_PG_EVENTS sets the event count, default 20000; OSE_PG_SYNCHRONOUS_COMMIT=off measures
// against a server with synchronous_commit=off).
#include <gtest/gtest.h>

#ifdef OSE_HAVE_LIBPQ

#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/alt/order_workload.hpp"
#include "bench/alt/postgres_store.hpp"
#include "bench/e2e/latency_stats.hpp"
#include "engine/core/fixed_point.hpp"
#include "support/pg_cluster/postgres_server.hpp"

namespace ose::bench {

using support::PostgresServer;
using support::PostgresServerOptions;
namespace {

constexpr int64_t kE8 = 100'000'000;
constexpr const char* kNotFound = "PostgreSQL server not found";

bool not_installed(const std::string& error) {
  return error.find(kNotFound) != std::string::npos;
}

// "-12.345" or "7.00000000" → e8 integer (the tables hold at most 8 decimals).
int64_t parse_e8(const std::string& s) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) ++i;
  int64_t whole = 0, frac = 0;
  int frac_digits = 0;
  for (; i < s.size() && s[i] != '.'; ++i) whole = whole * 10 + (s[i] - '0');
  if (i < s.size()) ++i;
  for (; i < s.size(); ++i, ++frac_digits) frac = frac * 10 + (s[i] - '0');
  EXPECT_LE(frac_digits, 8) << s;
  for (; frac_digits < 8; ++frac_digits) frac *= 10;
  const int64_t v = whole * kE8 + frac;
  return negative ? -v : v;
}

// qty × price in e8, required exact (the workload's grids make it so).
int64_t notional_e8(int64_t qty_e8, int64_t price_e8) {
  const i128 p = static_cast<i128>(qty_e8) * price_e8;
  EXPECT_EQ(p % kE8, 0) << qty_e8 << " x " << price_e8 << " is not exact in e8";
  return static_cast<int64_t>(p / kE8);
}

// A plain libpq connection for reading the tables back, independent of the store's.
class Db {
 public:
  explicit Db(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {}
  ~Db() { PQfinish(conn_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  std::string error() const { return PQerrorMessage(conn_); }

  // Every row of a query, columns as text; a failing query fails the test and returns none.
  std::vector<std::vector<std::string>> rows(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    std::vector<std::vector<std::string>> out;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      ADD_FAILURE() << sql << ": " << PQresultErrorMessage(r);
    } else {
      for (int i = 0; i < PQntuples(r); ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
        out.push_back(std::move(row));
      }
    }
    PQclear(r);
    return out;
  }
  std::string value(const std::string& sql) {
    const auto r = rows(sql);
    return r.size() == 1 && r[0].size() == 1 ? r[0][0] : "<no single value>";
  }

 private:
  PGconn* conn_;
};

// ---- the server ------------------------------------------------------------------------------

TEST(PostgresServer, ReportsAMissingBinaryWithTheInstallHint) {
  PostgresServerOptions o;
  o.bin_dir = "/nonexistent/postgresql/bin";
  const Result<PostgresServer> s = PostgresServer::start(o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().find("PostgreSQL server not found (Debian: apt-get install postgresql)"),
            std::string::npos)
      << s.error();
}

TEST(PostgresServer, ServesOnLoopbackAndRemovesItsDirectoryOnStop) {
  Result<PostgresServer> s = PostgresServer::start();
  if (!s.ok() && not_installed(s.error())) GTEST_SKIP() << s.error();
  ASSERT_TRUE(s.ok()) << s.error();
  const std::string dir = s->directory();
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/data"));
  {
    Db db(s->conninfo());
    ASSERT_TRUE(db.ok()) << db.error();
    EXPECT_EQ(db.value("SELECT host(inet_server_addr())"), "127.0.0.1");
    EXPECT_EQ(db.value("SELECT inet_server_port()"), std::to_string(s->port()));
    EXPECT_EQ(db.value("SHOW synchronous_commit"), "on");
    EXPECT_EQ(db.value("SHOW fsync"), "on");
  }
  EXPECT_EQ(s->stop(), "");
  EXPECT_FALSE(s->running());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  EXPECT_EQ(s->stop(), "");  // idempotent
}

TEST(PostgresServer, StopsWhenDestroyedEvenWithAClientConnected) {
  std::string dir;
  std::string conninfo;
  std::unique_ptr<Db> client;  // outlives the server: fast shutdown must not wait for it
  {
    PostgresServerOptions o;
    o.synchronous_commit = false;
    Result<PostgresServer> s = PostgresServer::start(o);
    if (!s.ok() && not_installed(s.error())) GTEST_SKIP() << s.error();
    ASSERT_TRUE(s.ok()) << s.error();
    PostgresServer moved = std::move(s).value();  // the moved-from one must not stop it
    dir = moved.directory();
    conninfo = moved.conninfo();
    client = std::make_unique<Db>(conninfo);
    ASSERT_TRUE(client->ok()) << client->error();
    EXPECT_EQ(client->value("SHOW synchronous_commit"), "off");
  }
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  EXPECT_NE(PQping(conninfo.c_str()), PQPING_OK);
}

TEST(PostgresServer, RunsASecondServerAlongsideTheFirst) {
  Result<PostgresServer> a = PostgresServer::start();
  if (!a.ok() && not_installed(a.error())) GTEST_SKIP() << a.error();
  ASSERT_TRUE(a.ok()) << a.error();
  Result<PostgresServer> b = PostgresServer::start();
  ASSERT_TRUE(b.ok()) << b.error();
  EXPECT_NE(a->port(), b->port());
  EXPECT_NE(a->directory(), b->directory());
  Db da(a->conninfo()), db(b->conninfo());
  ASSERT_TRUE(da.ok()) << da.error();
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ(da.value("SELECT 1"), "1");
  EXPECT_EQ(db.value("SELECT 1"), "1");
}

// ---- the store -------------------------------------------------------------------------------

// One server for all store tests: connect() recreates the tables each time.
class PostgresStoreTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    Result<PostgresServer> s = PostgresServer::start();
    if (s.ok()) {
      server_ = std::make_unique<PostgresServer>(std::move(s).value());
    } else {
      start_error_ = s.error();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (not_installed(start_error_)) GTEST_SKIP() << start_error_;
    ASSERT_TRUE(server_ != nullptr) << start_error_;
  }

  std::unique_ptr<PostgresStore> connect(const WorkloadOptions& w) {
    PostgresStoreOptions o;
    o.pipeline = GetParam();
    Result<std::unique_ptr<PostgresStore>> s = PostgresStore::connect(server_->conninfo(), w, o);
    EXPECT_TRUE(s.ok()) << s.error();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  static std::unique_ptr<PostgresServer> server_;
  static std::string start_error_;
};
std::unique_ptr<PostgresServer> PostgresStoreTest::server_;
std::string PostgresStoreTest::start_error_;

INSTANTIATE_TEST_SUITE_P(Transactions, PostgresStoreTest, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Pipelined" : "StatementByStatement";
                         });

struct ExpectedOrder {
  std::string status;
  int64_t qty_e8 = 0, price_e8 = 0, filled_e8 = 0;
  uint8_t side = 0;
};
struct Balance {
  int64_t free_e8 = 0, locked_e8 = 0;
};
using AccountAsset = std::pair<uint32_t, std::string>;

TEST_P(PostgresStoreTest, EndsWhereAnIndependentWalkOfTheEventsSays) {
  WorkloadOptions w;
  w.orders = 200;
  w.accounts = 2;
  w.instruments = 3;
  w.in_flight = 8;
  w.seed = 7;
  const std::vector<OrderEvent> events = make_order_workload(w);
  auto store = connect(w);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->name(), std::string("PostgreSQL (libpq, synchronous_commit=on, ") +
                               (GetParam() ? "pipelined)" : "statement by statement)"));

  // The reference walk: reservations at the limit price, fills release their share, fees in
  // the quote asset. All integers.
  std::map<uint64_t, ExpectedOrder> orders;
  std::map<AccountAsset, Balance> balances;
  std::map<std::pair<uint32_t, uint16_t>, int64_t> position_size_e8;
  size_t trades = 0;
  for (uint32_t a = 0; a < w.accounts; ++a) {
    balances[{a, "USDT"}].free_e8 = PostgresStore::kSeedQuoteE8;
    for (uint16_t i = 0; i < w.instruments; ++i) {
      balances[{a, PostgresStore::base_asset(i)}].free_e8 = PostgresStore::kSeedBaseE8;
    }
  }
  for (const OrderEvent& e : events) {
    ASSERT_EQ(store->apply(e), "") << to_string(e.kind) << " of order " << e.order_id;
    Balance& quote = balances[{e.account, "USDT"}];
    Balance& base = balances[{e.account, PostgresStore::base_asset(e.instrument)}];
    ExpectedOrder& o = orders[e.order_id];
    const bool buy = e.side == 0;
    switch (e.kind) {
      case OrderEventKind::kNew: {
        o = {"new", e.qty_e8, e.price_e8, 0, e.side};
        Balance& b = buy ? quote : base;
        const int64_t amount = buy ? notional_e8(e.qty_e8, e.price_e8) : e.qty_e8;
        b.free_e8 -= amount;
        b.locked_e8 += amount;
        break;
      }
      case OrderEventKind::kAck:
        o.status = "open";
        break;
      case OrderEventKind::kCancel: {
        o.status = "cancelled";
        Balance& b = buy ? quote : base;
        const int64_t rest = o.qty_e8 - o.filled_e8;
        const int64_t amount = buy ? notional_e8(rest, o.price_e8) : rest;
        b.free_e8 += amount;
        b.locked_e8 -= amount;
        break;
      }
      case OrderEventKind::kPartialFill:
      case OrderEventKind::kFill:
        ++trades;
        o.filled_e8 += e.qty_e8;
        o.status = o.filled_e8 == o.qty_e8 ? "filled" : "partially_filled";
        position_size_e8[{e.account, e.instrument}] += buy ? e.qty_e8 : -e.qty_e8;
        if (buy) {
          quote.locked_e8 -= notional_e8(e.qty_e8, o.price_e8);
          quote.free_e8 +=
              notional_e8(e.qty_e8, o.price_e8) - notional_e8(e.qty_e8, e.price_e8) - e.fee_e8;
          base.free_e8 += e.qty_e8;
        } else {
          base.locked_e8 -= e.qty_e8;
          quote.free_e8 += notional_e8(e.qty_e8, e.price_e8) - e.fee_e8;
        }
        break;
    }
  }
  // The workload ends every order, so nothing stays reserved: a check on the walk itself.
  for (const auto& [key, b] : balances) EXPECT_EQ(b.locked_e8, 0) << key.second;

  Db db(server_->conninfo());
  ASSERT_TRUE(db.ok()) << db.error();
  const auto order_rows = db.rows("SELECT order_id, status, filled_qty FROM orders");
  EXPECT_EQ(order_rows.size(), orders.size());
  EXPECT_EQ(orders.size(), w.orders);
  for (const auto& r : order_rows) {
    const ExpectedOrder& o = orders.at(std::stoull(r[0]));
    EXPECT_EQ(r[1], o.status) << "order " << r[0];
    EXPECT_EQ(parse_e8(r[2]), o.filled_e8) << "order " << r[0];
  }
  EXPECT_EQ(db.value("SELECT count(*) FROM trades"), std::to_string(trades));
  EXPECT_GT(trades, 0u);

  const auto position_rows = db.rows("SELECT account, instrument, size FROM positions");
  EXPECT_EQ(position_rows.size(), position_size_e8.size());
  for (const auto& r : position_rows) {
    const uint32_t account = static_cast<uint32_t>(std::stoul(r[0]));
    uint16_t instrument = 0;
    while (PostgresStore::symbol(instrument) != r[1] && instrument < w.instruments) ++instrument;
    ASSERT_LT(instrument, w.instruments) << r[1];
    EXPECT_EQ(parse_e8(r[2]), (position_size_e8[{account, instrument}])) << r[0] << " " << r[1];
  }

  const auto balance_rows = db.rows("SELECT account, asset, free, locked FROM balances");
  EXPECT_EQ(balance_rows.size(), balances.size());
  for (const auto& r : balance_rows) {
    const Balance& b = balances.at({static_cast<uint32_t>(std::stoul(r[0])), r[1]});
    EXPECT_EQ(parse_e8(r[2]), b.free_e8) << r[0] << " " << r[1] << " free";
    EXPECT_EQ(parse_e8(r[3]), b.locked_e8) << r[0] << " " << r[1] << " locked";
  }
}

OrderEvent event(OrderEventKind kind, uint64_t order_id, uint8_t side, const char* qty,
                 const char* price, uint16_t instrument = 0, uint64_t trade_id = 0,
                 const char* fee = "0") {
  return OrderEvent{
      kind, side, instrument, 0, order_id, trade_id, parse_e8(qty), parse_e8(price), parse_e8(fee)};
}

// new + ack + one fill at the limit price, fee 0.01.
void trade(PostgresStore& s, uint64_t id, uint8_t side, const char* qty, const char* price) {
  EXPECT_EQ(s.apply(event(OrderEventKind::kNew, id, side, qty, price)), "");
  EXPECT_EQ(s.apply(event(OrderEventKind::kAck, id, side, qty, price)), "");
  EXPECT_EQ(s.apply(event(OrderEventKind::kFill, id, side, qty, price, 0, id, "0.01")), "");
}

TEST_P(PostgresStoreTest, KeepsAverageEntryAndRealizedPnlThroughGrowReduceFlipAndFlat) {
  auto store = connect(WorkloadOptions{});
  ASSERT_NE(store, nullptr);
  Db db(server_->conninfo());
  ASSERT_TRUE(db.ok()) << db.error();
  const std::string q =
      "SELECT size, avg_entry, realized_pnl, fees FROM positions WHERE instrument = 'A0USDT'";
  using Row = std::vector<std::string>;
  trade(*store, 1, 0, "1", "100");  // open long 1 @ 100
  trade(*store, 2, 0, "1", "200");  // grow: (1·100 + 1·200) / 2 = 150
  EXPECT_EQ(db.rows(q),
            (std::vector<Row>{{"2.00000000", "150.00000000", "0.00000000", "0.02000000"}}));
  trade(*store, 3, 1, "0.5", "300");  // reduce: 0.5 · (300 − 150) = 75; entry stays
  EXPECT_EQ(db.rows(q),
            (std::vector<Row>{{"1.50000000", "150.00000000", "75.00000000", "0.03000000"}}));
  trade(*store, 4, 1, "2", "100");  // flip: 1.5 · (100 − 150) = −75 booked; short 0.5 @ 100
  EXPECT_EQ(db.rows(q),
            (std::vector<Row>{{"-0.50000000", "100.00000000", "0.00000000", "0.04000000"}}));
  trade(*store, 5, 0, "0.5", "90");  // close the short: 0.5 · (90 − 100) · −1 = 5; flat
  EXPECT_EQ(db.rows(q),
            (std::vector<Row>{{"0.00000000", "0.00000000", "5.00000000", "0.05000000"}}));
  trade(*store, 6, 0, "0.3", "10");  // reopen from flat at the fill price
  trade(*store, 7, 0, "0.7", "11");  // (0.3·10 + 0.7·11) / 1 = 10.7
  trade(*store, 8, 0, "0.1", "10");  // (1·10.7 + 0.1·10) / 1.1 = 10.636363636… → 10.63636364
  EXPECT_EQ(db.rows(q),
            (std::vector<Row>{{"1.10000000", "10.63636364", "5.00000000", "0.08000000"}}));

  // An order filled in two prices below its limit: its average price, and the buyer gets the
  // unused reservation back. Instrument 1 so that the position above is untouched.
  const std::string usdt = "SELECT free, locked FROM balances WHERE asset = 'USDT'";
  const auto before = db.rows(usdt);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(store->apply(event(OrderEventKind::kNew, 9, 0, "1", "50", 1)), "");
  EXPECT_EQ(db.rows(usdt),
            (std::vector<Row>{{e8_to_decimal(parse_e8(before[0][0]) - 50 * kE8), "50.00000000"}}));
  EXPECT_EQ(store->apply(event(OrderEventKind::kPartialFill, 9, 0, "0.4", "50", 1, 9, "0.02")), "");
  EXPECT_EQ(db.value("SELECT status FROM orders WHERE order_id = 9"), "partially_filled");
  EXPECT_EQ(store->apply(event(OrderEventKind::kFill, 9, 0, "0.6", "49", 1, 10, "0.0294")), "");
  EXPECT_EQ(db.rows("SELECT status, filled_qty, avg_price FROM orders WHERE order_id = 9"),
            (std::vector<Row>{{"filled", "1.00000000", "49.40000000"}}));  // 20 + 29.4
  // free: −50 reserved, +0.6 · (50 − 49) back, −0.02 − 0.0294 fees; nothing left locked.
  EXPECT_EQ(db.rows(usdt), (std::vector<Row>{{e8_to_decimal(parse_e8(before[0][0]) - 50 * kE8 +
                                                            60'000'000 - 2'000'000 - 2'940'000),
                                              "0.00000000"}}));
  EXPECT_EQ(db.rows("SELECT size, avg_entry FROM positions WHERE instrument = 'A1USDT'"),
            (std::vector<Row>{{"1.00000000", "49.40000000"}}));
}

TEST_P(PostgresStoreTest, RollsBackTheWholeEventWhenAStepFails) {
  auto store = connect(WorkloadOptions{});
  ASSERT_NE(store, nullptr);
  Db db(server_->conninfo());
  ASSERT_TRUE(db.ok()) << db.error();
  const std::string state =
      "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM trades),"
      " (SELECT count(*) FROM positions), (SELECT string_agg(asset || ':' || free || '/' ||"
      " locked, ' ' ORDER BY asset) FROM balances)";

  const std::string error = store->apply(event(OrderEventKind::kAck, 42, 0, "1", "100"));
  EXPECT_NE(error.find("ack: no such order in status new"), std::string::npos) << error;

  ASSERT_EQ(store->apply(event(OrderEventKind::kNew, 1, 0, "1", "100")), "");
  const auto after_new = db.rows(state);
  // Overfill: the order and balance steps fail on the CHECK, so the trade insert and the
  // position upsert that were already queued behind them must not survive either.
  const std::string overfill =
      store->apply(event(OrderEventKind::kFill, 1, 0, "2", "100", 0, 1, "0.2"));
  EXPECT_NE(overfill.find("check constraint"), std::string::npos) << overfill;
  EXPECT_EQ(db.rows(state), after_new);
  // A duplicate order id: rejected, nothing changes.
  EXPECT_NE(store->apply(event(OrderEventKind::kNew, 1, 0, "1", "100")), "");
  EXPECT_EQ(db.rows(state), after_new);

  // The connection is usable afterwards and the real fill goes through.
  ASSERT_EQ(store->apply(event(OrderEventKind::kFill, 1, 0, "1", "100", 0, 1, "0.1")), "");
  const std::string refill =
      store->apply(event(OrderEventKind::kFill, 1, 0, "0.1", "100", 0, 2, "0"));
  EXPECT_NE(refill.find("fill: no such working order"), std::string::npos) << refill;
  const std::string cancel = store->apply(event(OrderEventKind::kCancel, 1, 0, "1", "100"));
  EXPECT_NE(cancel.find("cancel: no such working order"), std::string::npos) << cancel;
  EXPECT_EQ(db.rows(state), (std::vector<std::vector<std::string>>{
                                {"1", "1", "1",
                                 "A0:1000001.00000000/0.00000000 A1:1000000.00000000/0.00000000 "
                                 "A2:1000000.00000000/0.00000000 A3:1000000.00000000/0.00000000 "
                                 "USDT:999999899.90000000/0.00000000"}}));
}

// ---- the measurement -------------------------------------------------------------------------

TEST_P(PostgresStoreTest, DISABLED_MeasuresApplyLatency) {
  const char* events_env = std::getenv("OSE_PG_EVENTS");
  const size_t n = events_env != nullptr ? std::strtoull(events_env, nullptr, 10) : 20'000;
  // OSE_PG_SYNCHRONOUS_COMMIT=off: a server of its own with commits that do not wait for the
  // WAL flush, to see the client/server cost without the disk's.
  const char* sync_env = std::getenv("OSE_PG_SYNCHRONOUS_COMMIT");
  std::optional<PostgresServer> own;
  if (sync_env != nullptr && std::string(sync_env) == "off") {
    PostgresServerOptions so;
    so.synchronous_commit = false;
    Result<PostgresServer> s = PostgresServer::start(so);
    ASSERT_TRUE(s.ok()) << s.error();
    own.emplace(std::move(s).value());
  }
  WorkloadOptions w;
  w.orders = n / 3 + 1;  // 3.6 events per order on average at 40 % cancels
  std::vector<OrderEvent> events = make_order_workload(w);
  ASSERT_GE(events.size(), n);
  events.resize(n);
  PostgresStoreOptions o;
  o.pipeline = GetParam();
  Result<std::unique_ptr<PostgresStore>> connected =
      PostgresStore::connect(own ? own->conninfo() : server_->conninfo(), w, o);
  ASSERT_TRUE(connected.ok()) << connected.error();
  PostgresStore& store = *connected.value();
  std::vector<int64_t> samples;
  samples.reserve(n);
  const auto begin = std::chrono::steady_clock::now();
  for (const OrderEvent& e : events) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string error = store.apply(e);
    const auto t1 = std::chrono::steady_clock::now();
    ASSERT_EQ(error, "");
    samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count());
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const LatencyStats s = LatencyStats::of(std::move(samples));
  std::printf(
      "%s: %zu events in %.2f s = %.0f events/s; apply() min %.1f us, p50 %.1f us, "
      "p90 %.1f us, p99 %.1f us, p99.9 %.1f us, max %.1f us, mean %.1f us\n",
      store.name().c_str(), n, seconds, static_cast<double>(n) / seconds,
      static_cast<double>(s.min_ns) / 1e3, static_cast<double>(s.p50_ns) / 1e3,
      static_cast<double>(s.p90_ns) / 1e3, static_cast<double>(s.p99_ns) / 1e3,
      static_cast<double>(s.p999_ns) / 1e3, static_cast<double>(s.max_ns) / 1e3, s.mean_ns / 1e3);
}

}  // namespace
}  // namespace ose::bench

#else  // built without libpq

TEST(PostgresStore, NeedsLibpqAtBuildTime) {
  GTEST_SKIP() << "built without libpq (Debian: apt-get install libpq-dev): PostgreSQL "
                  "alternative compiled out";
}

#endif
