// `ose-bench roundtrip|throughput|all`: the performance study's own binary, built only with
// OSE_BUILD_BENCH so that `ose` carries none of it. The end-to-end harness (`all`:
// bench/study/study.hpp). It forks a real engine process (spinning, pinned when there are cores to
// pin to) and real client processes, and in the same run measures the physical floors (a two-line
// shared-memory flag ping-pong) and the kernel wake-up baseline (Boost message_queue), so the
// ratios it prints come from one machine state.
//
// The workload keeps the order table small for any run length: each round trip submits a
// stop-limit order far from the market (accepted untriggered: the full new-order path of
// checks, reservation, tables and events, with no venue involved) and, untimed, cancels it,
// which finishes the order at once and lets its slot be reused.
//
// `--journal none,async,sync` runs the engine bare, with the LMDB journal in async mode, and in
// sync mode (responses held until durable), each in a fresh data_dir, one after the other.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include "bench/e2e/floors.hpp"
#include "bench/e2e/latency_stats.hpp"
#include "bench/study/engine_runs.hpp"
#include "bench/study/python_runs.hpp"
#include "bench/study/study.hpp"
#include "bench/study/study_output.hpp"

namespace ose::bench_cli {

namespace {

struct BenchOptions {
  uint64_t round_trips = 1'000'000;
  uint64_t floor_round_trips = 1'000'000;
  uint64_t mq_round_trips = 20'000;
  uint64_t inputs = 5'000'000;
  std::vector<int> client_counts{1, 4};
  std::vector<std::string> journal_modes{"none"};
  uint64_t sync_round_trips = 20'000;  // each waits for an fdatasync: fewer
  std::string data_dir_base = "/tmp";
  bool pin = true;
  bool json = false;
};

std::string row(const std::string& name, const bench::LatencyStats& s) {
  return fmt::format("  {:<42} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}\n", name, s.p50_ns, s.p90_ns,
                     s.p99_ns, s.p999_ns, s.max_ns, s.count);
}

// The engine's round trip in one journal mode; nullopt after printing why it failed.
std::optional<bench::LatencyStats> engine_round_trips(const BenchOptions& o,
                                                      const std::string& mode, bool pin) {
  bench::EngineRunOptions e;
  e.journal = mode;
  e.data_dir_base = o.data_dir_base;
  e.pin = pin;
  const uint64_t round_trips =
      mode == "sync" ? std::min(o.round_trips, o.sync_round_trips) : o.round_trips;
  bench::RoundTripRun run = bench::ose_round_trips(e, round_trips);
  if (!run.error.empty()) {
    fmt::print(stderr, "ose-bench: {}\n", run.error);
    return std::nullopt;
  }
  return run.stats;
}

int run_roundtrip(const BenchOptions& o) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = o.pin && cores >= 2;
  fmt::print("ose-bench roundtrip: {} round trips per journal mode ({} cores{})\n", o.round_trips,
             cores, pin ? ", engine on cpu 0, client on cpu 1" : "");
  std::vector<std::pair<std::string, bench::LatencyStats>> modes;
  for (const std::string& mode : o.journal_modes) {
    auto stats = engine_round_trips(o, mode, pin);
    if (!stats) return 1;
    modes.emplace_back(mode, *stats);
  }
  const bench::LatencyStats engine_rt = modes.front().second;

  const bench::LatencyStats flag =
      bench::flag_pingpong(o.floor_round_trips, pin ? 0 : -1, pin ? 1 : -1);
  const bench::LatencyStats ring =
      bench::spsc_ring_pingpong(o.floor_round_trips, pin ? 0 : -1, pin ? 1 : -1);
  const bench::LatencyStats mq =
      bench::message_queue_pingpong(o.mq_round_trips, pin ? 0 : -1, pin ? 1 : -1);

  fmt::print("\n  {:<42} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}\n", "round trip (ns)", "p50", "p90",
             "p99", "p99.9", "max", "samples");
  for (const auto& [mode, stats] : modes) {
    fmt::print("{}", row(fmt::format("ose new order -> response ({})",
                                     mode == "none" ? "no journal" : "journal " + mode),
                         stats));
  }
  fmt::print("{}", row("floor: two-line flag ping-pong", flag));
  fmt::print("{}", row("SpscRing ping-pong (no engine)", ring));
  fmt::print("{}", row("Boost message_queue ping-pong", mq));
  const auto ratio = [](int64_t a, int64_t b) { return b > 0 ? double(a) / double(b) : 0.0; };
  fmt::print("\n  ose / flag floor:        p50 {:.2f}x (goal <= 2)   p99 {:.2f}x (goal <= 4)\n",
             ratio(engine_rt.p50_ns, flag.p50_ns), ratio(engine_rt.p99_ns, flag.p99_ns));
  fmt::print("  message_queue / ose:     p50 {:.0f}x (goal >= 100)\n",
             ratio(mq.p50_ns, engine_rt.p50_ns));
  for (size_t i = 1; i < modes.size(); ++i) {
    fmt::print(
        "  {} / {}:{:>{}}p50 {:.2f}x   p99 {:.2f}x\n", modes[i].first, modes[0].first, "",
        std::max<int>(1, 18 - static_cast<int>(modes[i].first.size() + modes[0].first.size())),
        ratio(modes[i].second.p50_ns, engine_rt.p50_ns),
        ratio(modes[i].second.p99_ns, engine_rt.p99_ns));
  }
  return 0;
}

int run_throughput(const BenchOptions& o) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  fmt::print("ose-bench throughput: {} inputs per run (new order + cancel pairs), {} cores\n\n",
             o.inputs, cores);
  fmt::print("  {:>8} {:>10} {:>14} {:>12} {:>12}\n", "clients", "journal", "inputs/s", "inputs",
             "seconds");
  std::vector<double> rates;
  for (const std::string& mode : o.journal_modes) {
    for (int clients : o.client_counts) {
      bench::EngineRunOptions e;
      e.journal = mode;
      e.data_dir_base = o.data_dir_base;
      e.clients = clients;
      e.pin = o.pin;
      const bench::ThroughputRun run = bench::ose_throughput(e, o.inputs);
      if (!run.error.empty()) {
        fmt::print(stderr, "ose-bench: {}\n", run.error);
        return 1;
      }
      rates.push_back(run.inputs_per_s);
      fmt::print("  {:>8} {:>10} {:>14.0f} {:>12} {:>12.3f}\n", clients, mode, run.inputs_per_s,
                 run.inputs, run.seconds);
    }
  }
  fmt::print("\n  goal: >= 5,000,000 inputs/s with one client\n");
  const size_t per_mode = o.client_counts.size();
  for (size_t m = 1; m < o.journal_modes.size(); ++m) {
    for (size_t k = 0; k < per_mode; ++k) {
      fmt::print("  {} clients, journal {} vs {}: {:+.1f}% throughput (goal for async: >= -10%)\n",
                 o.client_counts[k], o.journal_modes[m], o.journal_modes[0],
                 100.0 * (rates[m * per_mode + k] / rates[k] - 1.0));
    }
  }
  return 0;
}

struct PythonCmdOptions {
  bench::PythonEnv env{OSE_BENCH_PYTHON, OSE_BENCH_PYTHONPATH, OSE_BENCH_PYTHON_SCRIPTS};
  uint64_t round_trips = 100'000;
  int rounds = 3;
  std::vector<std::string> modes{"spin", "yield", "park", "poll"};
  uint64_t snapshot_orders = 1'000'000;
  int repeats = 5;
  bool pin = true;
};

std::string ms_list(const std::vector<double>& ms) {
  std::string out;
  for (double v : ms) out += fmt::format("{}{:.1f}", out.empty() ? "" : " ", v);
  return out;
}

double min_of(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::min_element(v.begin(), v.end());
}

// Issue 16's benchmark: the Python client's round trip against the C++ client's on one engine,
// and the order table's snapshot into numpy and pandas.
int run_python(const PythonCmdOptions& o) {
  if (o.env.python.empty()) {
    fmt::print(stderr, "ose-bench python: this build has no Python module (OSE_BUILD_PYTHON)\n");
    return 1;
  }
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = o.pin && cores >= 2;
  fmt::print("ose-bench python: {} ({} cores{})\n", o.env.python, cores,
             pin ? ", engine on cpu 0, clients on cpu 1" : "");
  int rc = 0;
  if (o.round_trips > 0) {
    bench::PythonRoundTripOptions r;
    r.engine.pin = pin;
    r.env = o.env;
    r.round_trips = o.round_trips;
    r.rounds = o.rounds;
    r.modes = o.modes;
    fmt::print("round trips: {} rounds of {} per client (C++, then Python by wait mode)\n",
               o.rounds, o.round_trips);
    const bench::PythonRoundTripRun run = bench::python_round_trips(r, [](const std::string& l) {
      fmt::print("{}\n", l);
      std::fflush(stdout);
    });
    if (!run.error.empty()) {
      fmt::print(stderr, "ose-bench python: {}\n", run.error);
      rc = 1;
    }
    fmt::print("\n  {:<42} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}\n", "round trip (ns)", "p50",
               "p90", "p99", "p99.9", "max", "samples");
    for (const bench::ModeLatency& m : run.runs) {
      fmt::print("{}",
                 row(m.mode == "C++" ? "C++ client" : "Python, wait mode " + m.mode, m.stats));
    }
    if (!run.runs.empty() && run.runs.front().stats.p50_ns > 0) {
      const bench::LatencyStats& cpp = run.runs.front().stats;
      fmt::print("\n");
      for (size_t i = 1; i < run.runs.size(); ++i) {
        const bench::LatencyStats& py = run.runs[i].stats;
        fmt::print("  Python {:<5} / C++:  p50 {:.2f}x (goal <= 3)   p99 {:.2f}x   p99.9 {:.2f}x\n",
                   run.runs[i].mode, double(py.p50_ns) / double(cpp.p50_ns),
                   double(py.p99_ns) / double(std::max<int64_t>(cpp.p99_ns, 1)),
                   double(py.p999_ns) / double(std::max<int64_t>(cpp.p999_ns, 1)));
      }
    }
  }
  if (o.snapshot_orders > 0) {
    bench::PythonSnapshotOptions s;
    s.engine.pin = pin;
    s.env = o.env;
    s.orders = o.snapshot_orders;
    s.repeats = o.repeats;
    fmt::print("\nsnapshot: {} working orders, Reader.orders() and to_pandas() {} times each\n",
               o.snapshot_orders, o.repeats);
    const bench::PythonSnapshotRun run = bench::python_snapshot(s);
    if (!run.error.empty()) {
      fmt::print(stderr, "ose-bench python: {}\n", run.error);
      return 1;
    }
    fmt::print("  order table: {} slots, {} rows returned, consistent: {}\n", run.order_capacity,
               run.rows, run.consistent);
    const auto line = [](const char* what, const std::vector<double>& wall,
                         const std::vector<double>& cpu, const char* goal) {
      fmt::print("  {:<36} wall {}   best {:.1f}{}\n", what, ms_list(wall), min_of(wall), goal);
      fmt::print("  {:<36} cpu  {}   best {:.1f}\n", "", ms_list(cpu), min_of(cpu));
    };
    line("orders() to numpy (ms):", run.orders_ms, run.orders_cpu_ms, " (goal <= 50)");
    line("orders(), previous result held (ms):", run.orders_kept_ms, run.orders_kept_cpu_ms,
         " (goal <= 50)");
    line("orders(out=reused array) (ms):", run.orders_out_ms, run.orders_out_cpu_ms,
         " (goal <= 50)");
    line("to_pandas(money=\"e8\") (ms):", run.to_pandas_e8_ms, run.to_pandas_e8_cpu_ms, "");
    line("to_pandas() with Decimal money (ms):", run.to_pandas_decimal_ms,
         run.to_pandas_decimal_cpu_ms, "");
  }
  return rc;
}

struct StudyCmdOptions {
  std::string out_dir;
  std::string docs;
  bench::StudyOptions study;
};

int run_all(const StudyCmdOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) {
    fmt::print(stderr, "ose-bench all: cannot create {}: {}\n", o.out_dir, ec.message());
    return 1;
  }
  fmt::print("ose-bench all: {}, results in {}\n",
             o.study.quick ? "a quick (seconds-long) run" : "the full study", o.out_dir);
  const bench::StudyResults results = bench::run_study(o.study, [](const std::string& line) {
    fmt::print("{}\n", line);
    std::fflush(stdout);
  });
  const std::string json_path = (std::filesystem::path(o.out_dir) / "results.json").string();
  const std::string md_path = (std::filesystem::path(o.out_dir) / "results.md").string();
  std::ofstream(json_path) << bench::study_json(results).dump(2) << "\n";
  const std::string markdown = bench::study_markdown(results);
  std::ofstream(md_path) << markdown;
  fmt::print("\n{}", markdown);
  fmt::print("wrote {} and {}\n", json_path, md_path);
  int rc = 0;
  if (auto plots = bench::write_study_plots(results, o.out_dir); !plots) {
    fmt::print(stderr, "ose-bench all: plots: {}\n", plots.error());
    rc = 1;
  } else {
    for (const std::string& png : *plots) fmt::print("wrote {}\n", png);
  }
  if (!o.docs.empty()) {
    if (auto d = bench::update_study_section(o.docs, markdown); !d) {
      fmt::print(stderr, "ose-bench all: {}\n", d.error());
      rc = 1;
    } else {
      fmt::print("regenerated the study tables in {}\n", o.docs);
    }
  }
  return rc;
}

int main_with(int argc, char** argv) {
  CLI::App app{"ose-bench — end-to-end benchmarks against a real engine process, with baselines"};
  app.require_subcommand(1);
  auto o = std::make_shared<BenchOptions>();
  auto* rt = app.add_subcommand(
      "roundtrip",
      "New order -> response latency percentiles, against the shared-memory floor and Boost "
      "message_queue in the same run");
  rt->add_option("-n,--round-trips", o->round_trips, "Timed round trips through the engine");
  rt->add_option("--floor-round-trips", o->floor_round_trips, "Round trips of each floor");
  rt->add_option("--mq-round-trips", o->mq_round_trips, "Round trips of message_queue");
  rt->add_flag("!--no-pin", o->pin, "Do not pin the processes to cores");
  rt->add_option("--sync-round-trips", o->sync_round_trips,
                 "Round trips in sync mode (each waits for a commit)");
  auto* tp =
      app.add_subcommand("throughput", "Sustained inputs/s through the rings with 1 and 4 clients");
  tp->add_option("-n,--inputs", o->inputs, "Inputs per run");
  tp->add_option("--clients", o->client_counts, "Client counts to run (default: 1 4)");
  tp->add_flag("!--no-pin", o->pin, "Do not pin the processes to cores");
  for (CLI::App* sub : {rt, tp}) {
    sub->add_option("--journal", o->journal_modes,
                    "Journal modes to run, in order: none, async, sync (default: none); ratios "
                    "are against the first")
        ->delimiter(',')
        ->check(CLI::IsMember({"none", "async", "sync"}));
    sub->add_option("--data-dir-base", o->data_dir_base,
                    "Where the runs' scratch journals go (default /tmp)");
  }
  auto* all = app.add_subcommand(
      "all",
      "The whole performance study in one run: floors, round trips, throughput, the same "
      "workload through PostgreSQL, Redis, message_queue and a UNIX socket, open loop, readers, "
      "scaling; JSON, Markdown and PNG results");
  auto a = std::make_shared<StudyCmdOptions>();
  all->add_option("-o,--out", a->out_dir, "Directory for results.json, results.md and *.png")
      ->required();
  all->add_flag("--quick", a->study.quick, "A seconds-long version (what CI runs)");
  all->add_flag("!--no-pin", a->study.pin, "Do not pin the processes to cores");
  all->add_option("--only", a->study.only, "Run only these studies")
      ->delimiter(',')
      ->check(CLI::IsMember(
          {"floors", "round trip", "throughput", "stores", "open loop", "readers", "scaling"}));
  all->add_option("--docs", a->docs,
                  "Also regenerate the study tables of this Markdown file (docs/PERFORMANCE.md)");
  all->add_option("--data-dir-base", a->study.data_dir_base,
                  "Where scratch journals and database clusters go (default /tmp)");
  auto* py = app.add_subcommand(
      "python",
      "Issue 16: the Python client's round trip against the C++ client's on one engine, in "
      "each wait mode, and Reader.orders() / to_pandas() of a large order table");
  auto p = std::make_shared<PythonCmdOptions>();
  py->add_option("-n,--round-trips", p->round_trips,
                 "Timed round trips per client per round (0: skip the round trips)");
  py->add_option("--rounds", p->rounds, "Rounds of C++ then Python batches");
  py->add_option("--modes", p->modes, "Python wait modes to run (default: spin,yield,park,poll)")
      ->delimiter(',')
      ->check(CLI::IsMember({"spin", "yield", "park", "poll"}));
  py->add_option("--snapshot-orders", p->snapshot_orders,
                 "Working orders in the snapshot run (0: skip the snapshot)");
  py->add_option("--repeats", p->repeats, "Timed orders() / to_pandas() calls");
  py->add_option("--python", p->env.python, "The interpreter (one with numpy and pandas)");
  py->add_option("--pythonpath", p->env.pythonpath, "Where `import ose` finds the module");
  py->add_option("--scripts", p->env.scripts, "The bench/python directory");
  py->add_flag("!--no-pin", p->pin, "Do not pin the processes to cores");
  CLI11_PARSE(app, argc, argv);
  if (py->parsed()) return run_python(*p);
  if (rt->parsed()) return run_roundtrip(*o);
  if (tp->parsed()) return run_throughput(*o);
  if (all->parsed()) return run_all(*a);
  return 2;
}

}  // namespace
}  // namespace ose::bench_cli

int main(int argc, char** argv) {
  return ose::bench_cli::main_with(argc, argv);
}
