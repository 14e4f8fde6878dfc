// `ose serve`'s cost to the engine (issue 19): engine throughput and round trip with `ose serve`
// beside it — scraped every 100 ms as a Prometheus server would, and one dashboard open (its
// event stream, and its /api/* fetches at the pace the page makes them) — against none, in one
// run, in alternating rounds so that drift on a shared machine falls on both sides alike.
//
// The companion process (EngineRunOptions::companion, as `ose export --follow`'s benchmark uses
// it) starts `ose serve` as its own child (killed with it: PR_SET_PDEATHSIG) and loads it from
// three threads:
//   scraper    GET /metrics every 100 ms;
//   events     GET /api/events?from=oldest, read as it streams (the page's EventSource);
//   dashboard  GET /, app.js, style.css once; then status, positions, open orders and strategies
//              150 ms after an event arrived, and at least once a second (app.js' refreshSoon
//              and setInterval).
// What it did (scrapes, API fetches, event bytes) is counted in memory shared with this process
// and printed per round, so a round whose load did not run cannot pass for one that did.
// `--load scrape|events|dashboard` runs only some of the three, to attribute the cost.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <httplib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include "bench/study/engine_runs.hpp"
#include "engine/formats/config.hpp"
#include "shm/clock.hpp"

namespace ose::bench {
namespace {

struct Options {
  std::string ose = OSE_TOOL_PATH;
  int rounds = 5;
  uint64_t inputs = 10'000'000;  // per throughput run
  uint64_t round_trips = 1'000'000;
  std::string journal = "none";
  // Which loads the companion runs (to attribute the cost): scrape, events, dashboard.
  std::vector<std::string> load{"scrape", "events", "dashboard"};
};

bool has(const std::vector<std::string>& v, const char* what) {
  return std::find(v.begin(), v.end(), what) != v.end();
}

// Written by the companion, read by this process between rounds (relaxed: plain tallies, read
// after the companion was killed and reaped).
struct LoadCounts {
  std::atomic<uint64_t> scrapes{0};
  std::atomic<uint64_t> scrape_failures{0};
  // The last failed scrape's HTTP status, or 1000 + httplib::Error when none came.
  std::atomic<uint64_t> last_failure{0};
  std::atomic<uint64_t> api_fetches{0};
  std::atomic<uint64_t> event_bytes{0};
  // CPU time (user + system) `ose serve` and the load process itself used since serve listened,
  // sampled every 50 ms: what the engine and its client may have lost to them.
  std::atomic<uint64_t> serve_cpu_ns{0};
  std::atomic<uint64_t> load_cpu_ns{0};
};

// The CPU time a process has used so far (its CPU-time clock), or 0 if it cannot be read.
uint64_t process_cpu_ns(pid_t pid) {
  clockid_t clock;
  timespec ts{};
  if (clock_getcpuclockid(pid, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(ts.tv_nsec);
}

LoadCounts* shared_counts() {
  static LoadCounts* counts = [] {
    void* p = mmap(nullptr, sizeof(LoadCounts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    return p == MAP_FAILED ? nullptr : new (p) LoadCounts{};
  }();
  return counts;
}

// The port `ose serve` wrote, once it has (up to 10 s).
int wait_for_port(const std::string& file) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(file);
    int port = 0;
    if (in >> port && port > 0) return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return 0;
}

[[noreturn]] void load_serve(const std::string& ose, const std::string& engine,
                             const std::vector<std::string>& load) {
  LoadCounts& n = *shared_counts();
  const std::string port_file = fmt::format("/tmp/ose-bench-serve-{}.port", ::getpid());
  const pid_t parent = ::getpid();
  const pid_t serve = ::fork();
  if (serve == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(1);
    execl(ose.c_str(), ose.c_str(), "serve", "--engine", engine.c_str(), "--listen", "127.0.0.1:0",
          "--port-file", port_file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const int port = wait_for_port(port_file);
  std::error_code ec;
  std::filesystem::remove(port_file, ec);
  if (port == 0) _exit(1);

  std::thread cpu([&n, serve] {
    const uint64_t serve0 = process_cpu_ns(serve), load0 = process_cpu_ns(::getpid());
    for (;;) {
      // Relaxed: tallies, read after this process was killed and reaped.
      n.serve_cpu_ns.store(process_cpu_ns(serve) - serve0, std::memory_order_relaxed);
      n.load_cpu_ns.store(process_cpu_ns(::getpid()) - load0, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  std::atomic<bool> event_seen{false};
  std::thread events([&] {
    if (!has(load, "events")) return;
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(std::chrono::hours(1));
    for (;;) {
      c.Get("/api/events?from=oldest", [&](const char*, size_t len) {
        // Relaxed: tallies and a hint, as the page's "refresh soon".
        n.event_bytes.fetch_add(len, std::memory_order_relaxed);
        event_seen.store(true, std::memory_order_relaxed);
        return true;
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // reconnect, as EventSource
    }
  });
  std::thread dashboard([&] {
    if (!has(load, "dashboard")) return;
    httplib::Client c("127.0.0.1", port);
    for (const char* path : {"/", "/app.js", "/style.css"}) {
      if (c.Get(path)) n.api_fetches.fetch_add(1, std::memory_order_relaxed);
    }
    int64_t last = 0;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
      const int64_t now = shm::monotonic_ns();
      if (!event_seen.exchange(false, std::memory_order_relaxed) && now - last < 1'000'000'000) {
        continue;
      }
      last = now;
      for (const char* path :
           {"/api/status", "/api/positions", "/api/orders?open=1", "/api/strategies"}) {
        if (c.Get(path)) n.api_fetches.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  if (!has(load, "scrape")) {
    for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
  }
  httplib::Client c("127.0.0.1", port);
  for (int64_t next = shm::monotonic_ns();; next += 100'000'000) {
    const auto res = c.Get("/metrics");
    (res && res->status == 200 ? n.scrapes : n.scrape_failures)
        .fetch_add(1, std::memory_order_relaxed);
    if (!res || res->status != 200) {
      n.last_failure.store(
          res ? static_cast<uint64_t>(res->status) : 1000 + static_cast<uint64_t>(res.error()),
          std::memory_order_relaxed);
    }
    const int64_t wait = next + 100'000'000 - shm::monotonic_ns();
    if (wait > 0) std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
  }
}

// The companion: forks the load process, which starts `ose serve` for the run's engine.
pid_t spawn_watched_serve(const std::string& ose, const std::string& config_file,
                          const std::vector<std::string>& load) {
  auto config = load_config_file(config_file);
  if (!config || shared_counts() == nullptr) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) load_serve(ose, config->name, load);
  // Let serve map the engine and the first scrape land before the clients start.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  return pid;
}

void reset(LoadCounts& n) {
  n.scrapes = n.scrape_failures = n.api_fetches = n.event_bytes = 0;
  n.serve_cpu_ns = n.load_cpu_ns = n.last_failure = 0;
}

// CPU milliseconds per second of the run (the load starts about 300 ms before the run's clock,
// so this overstates the rate a little).
std::string cpu_ms_per_s(const std::atomic<uint64_t>& ns, double seconds) {
  return seconds > 0 ? fmt::format("{:.1f}", static_cast<double>(ns.load()) / 1e6 / seconds)
                     : std::string("?");
}

void serve_benchmark(const Options& o) {
  EngineRunOptions e;
  e.journal = o.journal;
  fmt::print(
      "engine throughput ({} inputs, 1 client) and round trip ({} round trips), journal {}, "
      "without / with `ose serve` under load ({}), {} rounds:\n",
      o.inputs, o.round_trips, o.journal, fmt::join(o.load, ", "), o.rounds);
  std::vector<double> tp[2], rt50[2], rt99[2];
  LoadCounts& n = *shared_counts();
  for (int r = 0; r < o.rounds; ++r) {
    for (const bool serve : {r % 2 != 0, r % 2 == 0}) {  // alternate which goes first
      EngineRunOptions run = e;
      if (serve) {
        run.companion = [&](const std::string& file) {
          return spawn_watched_serve(o.ose, file, o.load);
        };
      }
      reset(n);
      const ThroughputRun t = ose_throughput(run, o.inputs);
      const std::string tp_load =
          serve
              ? fmt::format(
                    "  ({} scrapes, {} failed{}, {} page fetches, {} KB of events; CPU: serve {} "
                    "ms/s, load {} ms/s)",
                    n.scrapes.load(), n.scrape_failures.load(),
                    n.last_failure.load() != 0 ? fmt::format(" (last: {})", n.last_failure.load())
                                               : std::string(),
                    n.api_fetches.load(), n.event_bytes.load() / 1024,
                    cpu_ms_per_s(n.serve_cpu_ns, t.seconds), cpu_ms_per_s(n.load_cpu_ns, t.seconds))
              : "";
      reset(n);
      const RoundTripRun rt = ose_round_trips(run, o.round_trips);
      const std::string rt_load =
          serve ? fmt::format("  ({} scrapes, {} page fetches; CPU: serve {} ms, load {} ms)",
                              n.scrapes.load(), n.api_fetches.load(),
                              n.serve_cpu_ns.load() / 1'000'000, n.load_cpu_ns.load() / 1'000'000)
                : "";
      const char* label = serve ? "serve" : "none";
      if (!t.error.empty() || !rt.error.empty() || !rt.stats.ok()) {
        fmt::print("  round {} {}: {}{}{}\n", r, label, t.error, rt.error, rt.stats.error);
        continue;
      }
      fmt::print("  round {} {:<5} {:>10.0f} inputs/s{}\n", r, label, t.inputs_per_s, tp_load);
      fmt::print("  round {} {:<5} round trip p50 {} ns  p99 {} ns{}\n", r, label, rt.stats.p50_ns,
                 rt.stats.p99_ns, rt_load);
      const int side = serve ? 1 : 0;
      tp[side].push_back(t.inputs_per_s);
      rt50[side].push_back(static_cast<double>(rt.stats.p50_ns));
      rt99[side].push_back(static_cast<double>(rt.stats.p99_ns));
    }
  }
  const double a = median(tp[0]), b = median(tp[1]);
  fmt::print("  median throughput: none {:.0f}, serve {:.0f} inputs/s: cost {:+.1f} %\n", a, b,
             a > 0 ? (a - b) / a * 100 : 0.0);
  fmt::print(
      "  median round trip p50: none {:.0f} ns, serve {:.0f} ns; p99: none {:.0f}, serve "
      "{:.0f} ns\n",
      median(rt50[0]), median(rt50[1]), median(rt99[0]), median(rt99[1]));
}

}  // namespace
}  // namespace ose::bench

int main(int argc, char** argv) {
  ose::bench::Options o;
  CLI::App app{"What `ose serve`, scraped every 100 ms with a dashboard open, costs the engine"};
  app.add_option("--rounds", o.rounds, "Rounds, each without and with serve (5)");
  app.add_option("--inputs", o.inputs, "Inputs per throughput run (10000000)");
  app.add_option("--round-trips", o.round_trips, "Round trips per run (1000000)");
  app.add_option("--journal", o.journal, "none | async | sync (none)");
  app.add_option("--ose", o.ose, "The ose binary");
  app.add_option("--load", o.load,
                 "Any of scrape (/metrics every 100 ms), events (the dashboard's event stream), "
                 "dashboard (its /api/* fetches); default all three")
      ->delimiter(',');
  CLI11_PARSE(app, argc, argv);
  ::signal(SIGPIPE, SIG_IGN);
  ose::bench::serve_benchmark(o);
  return 0;
}
