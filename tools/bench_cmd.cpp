// `ose bench roundtrip|throughput`: the end-to-end harness. It forks a real engine process
// (spinning, pinned when there are cores to pin to) and real client processes, and in the same
// run measures the physical floors (a two-line shared-memory flag ping-pong) and the kernel
// wake-up baseline (Boost message_queue), so the ratios it prints come from one machine state.
//
// The workload keeps the order table small for any run length: each round trip submits a
// stop-limit order far from the market (accepted untriggered: the full new-order path of
// checks, reservation, tables and events, with no venue involved) and, untimed, cancels it,
// which finishes the order at once and lets its slot be reused.
//
// `--journal none,async,sync` runs the engine bare, with the LMDB journal in async mode, and in
// sync mode (responses held until durable), each in a fresh data_dir, one after the other.
#include <fmt/format.h>
#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "bench/e2e/floors.hpp"
#include "bench/e2e/latency_stats.hpp"
#include "engine/client.hpp"
#include "engine/config.hpp"
#include "persistence/durable_engine.hpp"
#include "shm/clock.hpp"
#include "tools/commands.hpp"

namespace ose::tools {

namespace {

std::atomic<bool> g_engine_stop{false};
extern "C" void on_engine_stop(int) {
  g_engine_stop.store(true, std::memory_order_release);
}

// The journal settings for a mode: none | async | sync.
struct JournalMode {
  std::string mode = "none";
  std::string data_dir;  // a fresh directory when journaling
};

std::string bench_config(const std::string& name, int clients, const JournalMode& j = {}) {
  std::string c = fmt::format(R"(
[engine]
name = "{}"
journal = {}
durability = "{}"
data_dir = "{}"
snapshot_every = 100000000
max_orders = 65536
max_positions = 64
idle = "spin"
command_ring = 4096
response_ring = 8192
broadcast_ring = 65536
batch = 256

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "9000"
min_notional = "5"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0"

[[accounts]]
name = "main"
type = "spot"
balances = {{ USDT = "1000000000", BTC = "1000" }}
)",
                              name, j.mode != "none", j.mode == "sync" ? "sync" : "async",
                              j.data_dir.empty() ? "unused" : j.data_dir);
  for (int i = 0; i < clients; ++i) {
    c += fmt::format(R"(
[[strategies]]
name = "s{0}"
account = "main"
max_open_orders = 100000

[[clients]]
name = "c{0}"
role = "strategy"
accounts = ["main"]
)",
                     i);
  }
  return c;
}

void pin_to(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

// The engine in a child process. Returns its pid once its segments accept clients.
pid_t start_engine(const EngineConfig& config, int cpu) {
  const pid_t pid = fork();
  if (pid == 0) {
    pin_to(cpu);
    std::signal(SIGTERM, on_engine_stop);
    auto engine = DurableEngine::open(config, [](const std::string& m) {
      if (m.rfind("recovered", 0) != 0) fmt::print(stderr, "bench engine: {}\n", m);
    });
    if (!engine) {
      fmt::print(stderr, "ose bench: cannot start the engine: {}\n", engine.error());
      _exit(1);
    }
    auto durable = (*engine)->run(g_engine_stop);
    if (!durable) fmt::print(stderr, "ose bench: {}\n", durable.error());
    engine->reset();
    _exit(durable ? 0 : 1);
  }
  return pid;
}

void stop_engine(pid_t pid) {
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

Result<Client> attach_when_ready(const std::string& engine, const std::string& client) {
  for (int i = 0;; ++i) {
    auto c = Client::attach(engine, client);
    if (c || i == 500) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// One order's round trip: submit, then spin until the last response to it. Returns ns, or -1.
int64_t round_trip(Client& c, const NewOrderCmd& order) {
  const int64_t t0 = shm::monotonic_ns();
  const uint64_t request = c.new_order(order);
  if (request == 0) return -1;
  Response r;
  for (;;) {
    if (!c.poll(r)) continue;
    if (r.request == request && (r.flags & kResponseLast) != 0) break;
  }
  return shm::monotonic_ns() - t0;
}

// Untimed: cancel the order just placed and wait for its answer, so its slot can be reused.
bool cancel_and_wait(Client& c, uint64_t cl_id) {
  const uint64_t request = c.cancel(cl_id);
  if (request == 0) return false;
  Response r;
  while (!(c.poll(r) && r.request == request && (r.flags & kResponseLast) != 0)) {
  }
  return true;
}

NewOrderCmd far_stop_order(const Client& c, int strategy) {
  NewOrderCmd n = c.order_template("main", fmt::format("s{}", strategy), "BTCUSDT");
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kStopLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = Qty::from_e8(100'000);                // 0.001 BTC
  n.price = Price::from_e8(9'000'000'000'000);  // 90000: never triggered by this run
  n.stop_price = n.price;
  return n;
}

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

// A fresh journal directory under `base` for one run, removed with this object.
class ScratchDir {
 public:
  ScratchDir(const std::string& base, const std::string& mode) {
    if (mode == "none") return;
    std::string tmpl = base + "/ose-bench-XXXXXX";
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string row(const std::string& name, const bench::LatencyStats& s) {
  return fmt::format("  {:<42} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10}\n", name, s.p50_ns, s.p90_ns,
                     s.p99_ns, s.p999_ns, s.max_ns, s.count);
}

// The engine's round trip in one journal mode; nullopt after printing why it failed.
std::optional<bench::LatencyStats> engine_round_trips(const BenchOptions& o,
                                                      const std::string& mode, bool pin) {
  ScratchDir dir(o.data_dir_base, mode);
  const std::string name = fmt::format("bench{}{}", getpid(), mode);
  auto config = load_config_string(bench_config(name, 1, {mode, dir.path()}), "<bench config>");
  if (!config) {
    fmt::print(stderr, "ose bench: {}\n", config.error());
    return std::nullopt;
  }
  const uint64_t round_trips =
      mode == "sync" ? std::min(o.round_trips, o.sync_round_trips) : o.round_trips;
  const pid_t engine = start_engine(*config, pin ? 0 : -1);
  pin_to(pin ? 1 : -1);
  auto client = attach_when_ready(name, "c0");
  if (!client) {
    stop_engine(engine);
    fmt::print(stderr, "ose bench: {}\n", client.error());
    return std::nullopt;
  }
  NewOrderCmd order = far_stop_order(*client, 0);
  std::vector<int64_t> samples;
  samples.reserve(round_trips);
  const uint64_t warmup = std::min<uint64_t>(round_trips / 10, 10'000);
  for (uint64_t i = 0; i < warmup + round_trips; ++i) {
    order.cl_id = i + 1;
    const int64_t ns = round_trip(*client, order);
    if (ns < 0 || !cancel_and_wait(*client, order.cl_id)) {
      fmt::print(stderr, "ose bench: the command ring refused a command\n");
      stop_engine(engine);
      return std::nullopt;
    }
    if (i >= warmup) samples.push_back(ns);
  }
  client = Error{"detached"};  // detach before the engine goes
  stop_engine(engine);
  pin_to(-1);
  return bench::LatencyStats::of(std::move(samples));
}

int run_roundtrip(const BenchOptions& o) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = o.pin && cores >= 2;
  fmt::print("ose bench roundtrip: {} round trips per journal mode ({} cores{})\n", o.round_trips,
             cores, pin ? ", engine on cpu 0, client on cpu 1" : "");
  std::vector<std::pair<std::string, bench::LatencyStats>> modes;
  for (const std::string& mode : o.journal_modes) {
    auto stats = engine_round_trips(o, mode, pin);
    if (!stats) return 1;
    modes.emplace_back(mode, *stats);
  }
  const bench::LatencyStats engine_rt = modes.front().second;

  pin_to(-1);
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

// A client process: submits `count` inputs (new order, then its cancel) as fast as the ring
// takes them, draining its responses as it goes. Exits 0 when all were submitted.
[[noreturn]] void throughput_client(const std::string& engine, int k, uint64_t count, int cpu) {
  pin_to(cpu);
  auto c = attach_when_ready(engine, fmt::format("c{}", k));
  if (!c) _exit(1);
  NewOrderCmd order = far_stop_order(*c, k);
  Response r;
  for (uint64_t i = 0; i < count; ++i) {
    order.cl_id = i / 2 + 1;
    while ((i % 2 == 0 ? c->new_order(order) : c->cancel(order.cl_id)) == 0) {
      while (c->poll(r)) {
      }
    }
    while (c->poll(r)) {
    }
  }
  _exit(0);
}

int run_throughput(const BenchOptions& o) {
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  fmt::print("ose bench throughput: {} inputs per run (new order + cancel pairs), {} cores\n\n",
             o.inputs, cores);
  fmt::print("  {:>8} {:>10} {:>14} {:>12} {:>12}\n", "clients", "journal", "inputs/s", "inputs",
             "seconds");
  std::vector<double> rates;
  for (const std::string& mode : o.journal_modes)
    for (int clients : o.client_counts) {
      ScratchDir dir(o.data_dir_base, mode);
      const std::string name = fmt::format("bench{}t{}{}", getpid(), clients, mode);
      auto config =
          load_config_string(bench_config(name, clients, {mode, dir.path()}), "<bench config>");
      if (!config) {
        fmt::print(stderr, "ose bench: {}\n", config.error());
        return 1;
      }
      const bool pin = o.pin && cores >= 2;
      const pid_t engine = start_engine(*config, pin ? 0 : -1);
      auto reader = [&]() -> Result<StateReader> {
        for (int i = 0;; ++i) {
          auto r = StateReader::attach(name);
          if (r || i == 500) return r;
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
      }();
      if (!reader) {
        stop_engine(engine);
        fmt::print(stderr, "ose bench: {}\n", reader.error());
        return 1;
      }
      const uint64_t per_client = (o.inputs / static_cast<uint64_t>(clients)) & ~uint64_t{1};
      const int64_t t0 = shm::monotonic_ns();
      std::vector<pid_t> kids;
      for (int k = 0; k < clients; ++k) {
        const pid_t pid = fork();
        if (pid == 0) throughput_client(name, k, per_client, pin ? 1 + k % (cores - 1) : -1);
        kids.push_back(pid);
      }
      bool ok = true;
      for (pid_t pid : kids) {
        int status = 0;
        waitpid(pid, &status, 0);
        ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
      }
      // Acquire: pairs with the engine's release of applied_seq.
      const uint64_t target = per_client * static_cast<uint64_t>(clients);
      while (reader->header().applied_seq.load(std::memory_order_acquire) < target && ok) {
        std::this_thread::yield();
      }
      const int64_t elapsed = shm::monotonic_ns() - t0;
      stop_engine(engine);
      if (!ok) {
        fmt::print(stderr, "ose bench: a client process failed\n");
        return 1;
      }
      rates.push_back(double(target) * 1e9 / double(elapsed));
      fmt::print("  {:>8} {:>10} {:>14.0f} {:>12} {:>12.3f}\n", clients, mode, rates.back(), target,
                 double(elapsed) / 1e9);
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

}  // namespace

Run add_bench_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "End-to-end benchmarks against a real engine process, with baselines");
  cmd->require_subcommand(1);
  auto o = std::make_shared<BenchOptions>();
  auto* rt = cmd->add_subcommand(
      "roundtrip",
      "New order -> response latency percentiles, against the shared-memory floor and Boost "
      "message_queue in the same run");
  rt->add_option("-n,--round-trips", o->round_trips, "Timed round trips through the engine");
  rt->add_option("--floor-round-trips", o->floor_round_trips, "Round trips of each floor");
  rt->add_option("--mq-round-trips", o->mq_round_trips, "Round trips of message_queue");
  rt->add_flag("!--no-pin", o->pin, "Do not pin the processes to cores");
  rt->add_option("--sync-round-trips", o->sync_round_trips,
                 "Round trips in sync mode (each waits for a commit)");
  auto* tp = cmd->add_subcommand("throughput",
                                 "Sustained inputs/s through the rings with 1 and 4 clients");
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
  return [cmd, rt, tp, o]() {
    if (!cmd->parsed()) return -1;
    if (rt->parsed()) return run_roundtrip(*o);
    if (tp->parsed()) return run_throughput(*o);
    return 2;
  };
}

}  // namespace ose::tools
