// `ose_bench_export` (issue 17): how fast `ose export` writes a large journal into SQLite and
// into PostgreSQL, and what a concurrent `ose export --follow` costs a live engine.
//
//   1. A journal of --inputs records of the persistence benchmarks' steady order flow
//      (bench/order_flow.hpp: orders entered and acked, 60% leaving by two maker fills, 40% by
//      cancel, a tick per cycle), written straight into LMDB as the journal thread writes it:
//      fills, ledger entries, position changes and 1-minute bars, not only ticks.
//   2. run_export() of that journal, timed, into each --targets: `null` (a sink that discards
//      every statement: the replay and the row building alone), `sqlite` (a file in the scratch
//      directory) and `pg` (a throwaway cluster on loopback, support/pg_cluster). Rows/s is rows
//      written (summary.rows) over the whole run's wall time, schema and final commit included.
//   3. --follow-rounds: the engine's throughput (bench/study's ose_throughput: a real engine
//      process with the async journal and one client) with and without a concurrent
//      `ose export --follow` into SQLite, alternating, and the ratio of the medians.
#include <fmt/format.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include "bench/bench_fixture.hpp"
#include "bench/order_flow.hpp"
#include "bench/study/engine_runs.hpp"
#include "shm/clock.hpp"
#include "tools/export/export_run.hpp"
#include "tools/export/schema.hpp"
#include "tools/export/sql_sink.hpp"
#if defined(OSE_HAVE_PG_CLUSTER)
#include "support/pg_cluster/postgres_server.hpp"
#endif

extern char** environ;

namespace ose::bench {

namespace {

constexpr uint32_t kWorking = 10'000;  // orders working at once (persistence_bench's figure)
constexpr uint32_t kMaxOrders = 1u << 16;

struct Options {
  uint64_t inputs = 10'000'000;
  std::vector<std::string> targets{"null", "sqlite", "pg"};
  uint32_t batch = sql_export::ExportOptions{}.batch;
  uint64_t rebuild_indexes_over = sql_export::ExportOptions{}.rebuild_indexes_over;
  int follow_rounds = 3;
  uint64_t follow_inputs = 4'000'000;
  std::string ose = OSE_TOOL_PATH;
  std::string dir = "/tmp";
};

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& base) {
    std::string tmpl = base + "/ose-xbench-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      fmt::print(stderr, "cannot create a directory under {}\n", base);
      std::exit(1);
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

// CPU time of this process: on a shared machine, what the export itself cost, net of the time
// the scheduler gave others (the database server's own CPU is not in it).
int64_t process_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// CPU time of the reaped child processes (user + system).
double children_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

double since_s(int64_t t0) {
  return static_cast<double>(shm::monotonic_ns() - t0) / 1e9;
}

// Discards everything: what the export costs without a database. Answers the schema's queries
// as an empty database would.
class NullSink final : public sql_export::SqlSink {
 public:
  sql_export::Dialect dialect() const noexcept override { return sql_export::Dialect::kSqlite; }
  Result<bool> exec(const std::string&) override { return true; }
  Result<bool> prepare(size_t, const std::string&) override { return true; }
  Result<bool> run(size_t, const sql_export::Row&) override { return true; }
  Result<sql_export::QueryRows> query(const std::string& sql,
                                      const std::vector<std::string>&) override {
    sql_export::QueryRows rows;
    if (sql.starts_with("SELECT max(")) rows.push_back({std::nullopt});
    return rows;
  }
  std::string describe() const override { return "null"; }
};

// Every row through the upsert, as before COPY: `pg-upsert`, for comparison.
class UpsertOnly final : public sql_export::SqlSink {
 public:
  explicit UpsertOnly(sql_export::SqlSink& to) : to_(to) {}
  sql_export::Dialect dialect() const noexcept override { return to_.dialect(); }
  Result<bool> exec(const std::string& sql) override { return to_.exec(sql); }
  Result<bool> prepare(size_t id, const std::string& sql) override { return to_.prepare(id, sql); }
  Result<bool> run(size_t id, const sql_export::Row& row) override { return to_.run(id, row); }
  Result<bool> append(size_t id, const sql_export::Row& row) override { return to_.run(id, row); }
  Result<sql_export::QueryRows> query(const std::string& sql,
                                      const std::vector<std::string>& params) override {
    return to_.query(sql, params);
  }
  std::string describe() const override { return to_.describe(); }

 private:
  sql_export::SqlSink& to_;
};

// The journal: `inputs` records of the order flow, in chunks of 1M.
Result<Store> make_journal(const std::string& dir, uint64_t inputs) {
  // About 100 bytes a record with LMDB's overhead; twice that, and never under 1 GiB.
  const uint64_t map = std::max<uint64_t>(1ull << 30, inputs * 200);
  auto store = Store::open(dir, {map, false});
  if (!store) return Error{store.error()};
  OrderFlow flow(kWorking, 0xe17);
  std::vector<Input> chunk;
  for (uint64_t done = 0; done < inputs;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(1'000'000, inputs - done));
    chunk.clear();
    flow.take(n, chunk);
    if (std::string e = append_records(*store, chunk.data(), chunk.size()); !e.empty()) {
      return Error{e};
    }
    done += n;
  }
  return store;
}

// A count from the database, or −1.
int64_t count(sql_export::SqlSink& sink, const std::string& sql) {
  auto r = sink.query(sql);
  if (!r || r->empty() || !r->at(0).at(0)) return -1;
  return std::stoll(*r->at(0).at(0));
}

void export_into(const Options& o, const EngineConfig& config, Store& store,
                 sql_export::SqlSink& sink, const std::string& label) {
  sql_export::ExportOptions eo;
  eo.batch = o.batch;
  eo.rebuild_indexes_over = o.rebuild_indexes_over;
  const int64_t cpu0 = process_cpu_ns();
  auto s = sql_export::run_export(config, store, sink, eo);
  const double cpu = static_cast<double>(process_cpu_ns() - cpu0) / 1e9;
  if (!s) {
    fmt::print("  {:<8} failed: {}\n", label, s.error());
    return;
  }
  fmt::print(
      "  {:<8} {:>10} inputs {:>11} rows {:>8.2f} s {:>12.0f} rows/s {:>11.0f} inputs/s "
      "(export's CPU {:.2f} s: {:.0f} rows per CPU second)\n",
      label, s->inputs, s->rows, s->seconds, static_cast<double>(s->rows) / s->seconds,
      static_cast<double>(s->inputs) / s->seconds, cpu, static_cast<double>(s->rows) / cpu);
  if (label != "null") {
    // Rows above are statements executed (an order is written again in every transaction that
    // changed it); these are the rows the database holds at the end.
    int64_t held = 0;
    for (const sql_export::Table& t : sql_export::tables()) {
      held += count(sink, fmt::format("SELECT count(*) FROM {}", t.name));
    }
    fmt::print(
        "           rows in the database at the end {} ({:.0f} per s, {:.0f} per CPU s); trades "
        "{}, transactions {}, orders {}, position_history {}\n",
        held, static_cast<double>(held) / s->seconds, static_cast<double>(held) / cpu,
        count(sink, "SELECT count(*) FROM trades"),
        count(sink, "SELECT count(*) FROM transactions"),
        count(sink, "SELECT count(*) FROM orders"),
        count(sink, "SELECT count(*) FROM strategy_position_history"));
  }
}

void export_benchmarks(const Options& o) {
  ScratchDir dir(o.dir);
  const EngineConfig config = make_config(kMaxOrders);
  int64_t t0 = shm::monotonic_ns();
  auto store = make_journal(dir.path(), o.inputs);
  if (!store) {
    fmt::print(stderr, "the journal: {}\n", store.error());
    std::exit(1);
  }
  fmt::print("journal: {} inputs of the order flow written in {:.1f} s ({})\n", o.inputs,
             since_s(t0), dir.path());
  fmt::print("ose export, batch {} inputs per transaction:\n", o.batch);
  for (const std::string& target : o.targets) {
    if (target == "null") {
      NullSink sink;
      export_into(o, config, *store, sink, "null");
    } else if (target == "sqlite") {
      auto sink = sql_export::open_sink("sqlite:" + dir.path() + "/export.db");
      if (!sink) {
        fmt::print("  sqlite   {}\n", sink.error());
        continue;
      }
      export_into(o, config, *store, **sink, "sqlite");
    } else if (target == "pg" || target == "pg-upsert") {
#if defined(OSE_HAVE_PG_CLUSTER)
      const double server_cpu0 = children_cpu_s();
      support::PostgresServerOptions pg;
      pg.parent_dir = o.dir;
      auto server = support::PostgresServer::start(pg);
      if (!server) {
        fmt::print("  {:<8} skipped: {}\n", target, server.error());
        continue;
      }
      const std::string uri =
          fmt::format("postgresql://postgres@127.0.0.1:{}/postgres", server->port());
      if (auto sink = sql_export::open_sink(uri); sink && target == "pg") {
        export_into(o, config, *store, **sink, target);
      } else if (sink) {
        UpsertOnly upserts(**sink);
        export_into(o, config, *store, upserts, target);
      } else {
        fmt::print("  {:<8} {}\n", target, sink.error());
      }
      server->stop();  // the connection closed first, with `sink`
      // The server's processes, reaped by stop(): what the database itself spent.
      fmt::print(
          "           the PostgreSQL server's CPU (its processes, start to stop): {:.2f} s\n",
          children_cpu_s() - server_cpu0);
#else
      fmt::print("  {:<8} skipped: built without libpq\n", target);
#endif
    }
  }
}

// `ose export --follow` into `db` beside the engine of `config_file`.
pid_t spawn_follower(const std::string& ose, const std::string& config_file, const std::string& db,
                     const std::string& priority) {
  std::vector<std::string> args{ose,          "export",       "--config", config_file,
                                "--to",       "sqlite:" + db, "--follow", "-q",
                                "--priority", priority};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, ose.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  // Let it open the journal and the database before the clients start.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return pid;
}

void follow_benchmark(const Options& o) {
  ScratchDir dir(o.dir);
  EngineRunOptions e;
  e.journal = "async";
  e.data_dir_base = dir.path();
  fmt::print(
      "engine throughput ({} inputs, async journal, 1 client) without / with a concurrent "
      "`ose export --follow` into SQLite (at normal priority, and with --priority idle):\n",
      o.follow_inputs);
  // "" : no export beside the engine.
  const std::vector<std::string> modes{"", "normal", "idle"};
  std::vector<std::vector<double>> rates(modes.size());
  for (int r = 0; r < o.follow_rounds; ++r) {
    for (size_t m = 0; m < modes.size(); ++m) {
      const std::string& priority = modes[m];
      EngineRunOptions run = e;
      const std::string db = fmt::format("{}/follow{}{}.db", dir.path(), r, priority);
      if (!priority.empty()) {
        run.companion = [&](const std::string& file) {
          return spawn_follower(o.ose, file, db, priority);
        };
      }
      const std::string label = priority.empty() ? "without" : "with, " + priority;
      const ThroughputRun t = ose_throughput(run, o.follow_inputs);
      if (!t.error.empty()) {
        fmt::print("  round {} {}: {}\n", r, label, t.error);
        continue;
      }
      std::string behind;
      if (!priority.empty()) {
        if (auto sink = sql_export::open_sink("sqlite:" + db); sink) {
          behind = fmt::format("  (the export had reached seq {} when killed)",
                               count(**sink, "SELECT max(last_seq) FROM ose_export_state"));
        }
      }
      fmt::print("  round {} {:<12} {:>12.0f} inputs/s{}\n", r, label, t.inputs_per_s, behind);
      rates[m].push_back(t.inputs_per_s);
    }
  }
  const double bare = median(rates[0]);
  for (size_t m = 1; m < modes.size(); ++m) {
    const double with = median(rates[m]);
    fmt::print(
        "  median without {:.0f}, with the export at {} priority {:.0f} inputs/s: ratio "
        "{:.3f}\n",
        bare, modes[m], with, bare > 0 ? with / bare : 0.0);
  }
}

}  // namespace

}  // namespace ose::bench

int main(int argc, char** argv) {
  ose::bench::Options o;
  CLI::App app{"ose export's throughput into SQLite and PostgreSQL, and --follow's engine cost"};
  app.add_option("--inputs", o.inputs, "Journal records to export (10000000)");
  app.add_option("--targets", o.targets,
                 "Any of null, sqlite, pg, pg-upsert (every row through the upsert, no COPY); "
                 "default null,sqlite,pg")
      ->delimiter(',');
  app.add_option("--batch", o.batch, "Inputs per export transaction");
  app.add_option("--rebuild-indexes-over", o.rebuild_indexes_over,
                 "As `ose export --rebuild-indexes-over` (18446744073709551615: keep the indexes)");
  app.add_option("--follow-rounds", o.follow_rounds, "Engine runs with and without (3; 0: none)");
  app.add_option("--follow-inputs", o.follow_inputs, "Inputs per engine run (4000000)");
  app.add_option("--ose", o.ose, "The ose binary for --follow");
  app.add_option("--dir", o.dir, "Where the scratch directories go (/tmp)");
  CLI11_PARSE(app, argc, argv);
  if (o.inputs > 0 && !o.targets.empty()) ose::bench::export_benchmarks(o);
  if (o.follow_rounds > 0) ose::bench::follow_benchmark(o);
  return 0;
}
