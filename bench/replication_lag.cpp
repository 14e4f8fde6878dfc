// `ose_bench_replication_lag` (issue 18): the replication lag of `ose replicate` while an engine
// is driven at fixed input rates, next to the engine's journaled throughput in the same run.
//
// Per rate: a nats-server with JetStream file storage on loopback (its own, fresh), a real engine
// process with the async journal (bench/study's open loop: one client sends new-order / cancel
// commands on a fixed schedule for --seconds, whether or not the engine keeps up) and
// `ose replicate` beside it, started before the client. This process observes both ends on one
// clock (CLOCK_MONOTONIC):
//   commit  the engine's journal status word durable_seq (state segment, read-only), polled
//           every ~50 µs: t_commit(s) = when it was first seen ≥ s;
//   stream  an ordered JetStream consumer of ose.<engine>.journal: a message reaches it only
//           once the server has stored it, i.e. when the server also acknowledges it to the
//           replicator. t_stream(s) = when the message carrying s (Ose-First-Seq ..
//           Ose-Last-Seq) arrived.
// Lag of record s = t_stream(s) − t_commit(s): from its journal commit to its being in the
// stream, per record, over every record the client's inputs produced. It includes the
// observer's own polling (≤ ~50 µs plus scheduling) and the delivery hop to the consumer (a
// loopback message), so it slightly overstates commit → ack.
//
// Usage: ose_bench_replication_lag [--rates 100000,1000000] [--seconds 3] [--ose PATH]
#include <fcntl.h>
#include <fmt/format.h>
#include <nats/nats.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include "bench/study/engine_runs.hpp"
#include "engine/client/state_reader.hpp"
#include "engine/runtime/runner.hpp"
#include "replication/nats_link.hpp"
#include "replication/stream_layout.hpp"
#include "shm/clock.hpp"

extern char** environ;

namespace ose::bench {
namespace {

struct Options {
  std::vector<double> rates{100'000, 1'000'000};
  double seconds = 3;
  std::string ose = OSE_TOOL_PATH;
  std::string dir = "/tmp";
  bool pin = true;  // the engine on cpu 0 (its journal thread too), the client on cpu 1
  std::string engine_idle = "spin";  // [engine] idle: spin | yield | sleep (the product default)
  uint32_t client_sleep_us = 0;      // > 0: the open-loop client sleeps instead of spinning
  uint64_t catch_up = 0;             // > 0: the catch-up mode over a journal of this many inputs
  double catch_up_rate = 400'000;    // the rate that journal is written at
  std::vector<std::string> replicate_args;  // more `ose replicate` options, e.g. --batch 1024
  uint32_t stream_poll_us = 0;  // > 0: the stream's end polled (direct get), not a consumer
  std::string trace;            // a file for one line per stream message (the last rate's)
};

// `ose replicate` for `config_file` with the bench's options.
std::vector<std::string> replicate_command(const Options& o, const std::string& config_file,
                                           const std::string& url) {
  std::vector<std::string> c{o.ose, "replicate", "--config", config_file, "--nats", url, "-q"};
  c.insert(c.end(), o.replicate_args.begin(), o.replicate_args.end());
  return c;
}

pid_t spawn(std::vector<std::string> args, const std::string& log) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

// User + system CPU seconds of a reaped process (all its threads).
double cpu_seconds(const rusage& ru) {
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Kills `pid` and returns the CPU seconds it used.
double stop(pid_t pid) {
  if (pid <= 0) return 0;
  ::kill(pid, SIGKILL);
  int status = 0;
  rusage ru{};
  ::wait4(pid, &status, 0, &ru);
  return cpu_seconds(ru);
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// The engine's name in a config file the open loop wrote (`name = "…"` in [engine]).
std::string engine_name_of(const std::string& config_file) {
  std::ifstream f(config_file);
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("name = \"", 0) == 0) return line.substr(8, line.find('"', 8) - 8);
  }
  return {};
}

struct Commit {
  int64_t t;
  uint64_t seq;
};
struct Delivery {
  int64_t t;
  uint64_t first;
  uint64_t last;
};

// The last journal seq in an engine's stream, asked for by a direct get of its newest journal
// message: the server does not also have to deliver the stream to an observer.
class StreamEnd {
 public:
  static Result<StreamEnd> connect(const std::string& url, const std::string& engine,
                                   const char* client_name) {
    std::string why;
    auto names = replication::stream_names(engine, &why);
    if (!names) return Error{why};
    replication::LinkOptions lo;
    lo.url = url;
    lo.client_name = client_name;
    auto link = replication::Link::connect_within(lo, 5000);
    if (!link) return Error{link.error()};
    return StreamEnd(std::move(*names), std::move(*link));
  }
  // 0 while the stream holds no journal message (or cannot be asked).
  uint64_t last_seq() {
    // nats-server 2.9.10 can crash on a get-last request that races the stream's creation (a
    // nil pointer in jsMsgGetRequest): the last message is asked for only once the stream info
    // shows one.
    if (!exists_) {
      bool missing = false;
      auto ends = link_.stream_ends(names_.stream, &missing);
      exists_ = ends && !missing && ends->msgs > 0;
      if (!exists_) return 0;
    }
    auto m = link_.last_on(names_.stream, names_.journal);
    if (!m || !*m) return 0;
    return replication::header_u64(m->get(), "Ose-Last-Seq").value_or(0);
  }

 private:
  StreamEnd(replication::StreamNames names, replication::Link link)
      : names_(std::move(names)), link_(std::move(link)) {}
  replication::StreamNames names_;
  replication::Link link_;
  bool exists_ = false;
};

// Both ends of the replication, observed from this process on one clock.
class LagObserver {
 public:
  // poll_us > 0: the stream side is the stream's newest journal message, asked for every
  // poll_us (a direct get), instead of a push consumer's deliveries. A push consumer is flow
  // controlled: when its process is slow to answer, the server holds deliveries back, which
  // reads as lag the replicator did not cause.
  LagObserver(std::string url, uint32_t poll_us) : url_(std::move(url)), poll_us_(poll_us) {}
  ~LagObserver() { stop(); }

  void start(const std::string& engine) {
    thread_ = std::thread([this, engine] { run(engine); });
    if (poll_us_ > 0) poller_ = std::thread([this, engine] { poll_stream(engine); });
  }
  void stop() {
    stop_.store(true, std::memory_order_release);  // release: pairs with run()'s acquire
    if (thread_.joinable()) thread_.join();
    if (poller_.joinable()) poller_.join();
  }
  // Once the client is done: waits (≤ `ms`) until the stream holds every input the engine
  // applied (read from its segment now, not from the observer's samples, which a starved
  // thread may not have taken yet); false if it did not.
  bool wait_caught_up(int64_t ms) {
    const int64_t until = shm::monotonic_ns() + ms * 1'000'000;
    // Acquire: pairs with run()'s release store once the segment is mapped.
    const StateSegmentHeader* h = segment_.load(std::memory_order_acquire);
    if (h == nullptr) return false;
    // Relaxed: a progress figure; every input was applied before the client saw its answer.
    const uint64_t applied = h->applied_seq.load(std::memory_order_relaxed);
    while (shm::monotonic_ns() < until) {
      // Acquire: cnats' thread's release store.
      if (delivered_.load(std::memory_order_acquire) >= applied) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }
  uint64_t durable() const { return durable_.load(std::memory_order_acquire); }
  uint64_t delivered() const { return delivered_.load(std::memory_order_acquire); }

  std::string error;
  uint64_t first_seq = 0;  // records after this one are measured (earlier ones predate us)
  std::vector<Commit> commits;
  std::vector<Delivery> deliveries;  // read after stop()
  // How finely commits were seen: the gaps between two looks at durable_seq (a loaded machine
  // stretches the 50 µs sleep), read after stop().
  uint64_t polls = 0;
  int64_t poll_span_ns = 0;
  int64_t max_poll_gap_ns = 0;

 private:
  static void on_msg(natsConnection*, natsSubscription*, natsMsg* m, void* self) {
    auto* o = static_cast<LagObserver*>(self);
    const int64_t t = shm::monotonic_ns();
    const auto first = replication::header_u64(m, "Ose-First-Seq");
    const auto last = replication::header_u64(m, "Ose-Last-Seq");
    if (first && last) {
      std::lock_guard<std::mutex> lock(o->mu_);
      o->deliveries.push_back({t, *first, *last});
      // Release: wait_caught_up() reads it from another thread.
      o->delivered_.store(*last, std::memory_order_release);
    }
    natsMsg_Destroy(m);
  }

  void poll_stream(const std::string& engine) {
    auto end = StreamEnd::connect(url_, engine, "ose-bench-lag-poll");
    if (!end) return;
    uint64_t seen = 0;
    // Acquire: pairs with stop()'s release store.
    while (!stop_.load(std::memory_order_acquire)) {
      std::this_thread::sleep_for(std::chrono::microseconds(poll_us_));
      const uint64_t last = end->last_seq();
      const int64_t t = shm::monotonic_ns();
      if (last <= seen) continue;
      std::lock_guard<std::mutex> lock(mu_);
      deliveries.push_back({t, seen + 1, last});
      seen = last;
      // Release: wait_caught_up() reads it from another thread.
      delivered_.store(last, std::memory_order_release);
    }
  }

  void run(const std::string& engine) {
    Result<StateReader> reader = Error{"not attached"};
    for (int i = 0; i < 1000 && !reader; ++i) {
      reader = StateReader::attach(engine);
      if (!reader) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reader) {
      error = reader.error();
      return;
    }
    const auto& journal = reader->header().journal;
    segment_.store(&reader->header(), std::memory_order_release);  // for wait_caught_up()
    // Acquire: pairs with the journal thread's release store of durable_seq.
    first_seq = journal.durable_seq.load(std::memory_order_acquire);
    replication::LinkOptions lo;
    lo.url = url_;
    lo.client_name = "ose-bench-lag";
    auto link = replication::Link::connect_within(lo, 5000);
    if (!link) {
      error = link.error();
      return;
    }
    natsSubscription* sub = nullptr;
    const std::string subject = fmt::format("ose.{}.journal", engine);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Ordered = true;
    int64_t last_try = 0;
    uint64_t seen = first_seq;
    int64_t last_poll = 0;
    commits.reserve(1 << 22);
    while (!stop_.load(std::memory_order_acquire)) {
      const int64_t now = shm::monotonic_ns();
      if (poll_us_ == 0 && sub == nullptr && now - last_try > 20'000'000) {  // once it exists
        last_try = now;
        jsErrCode jerr{};
        if (js_Subscribe(&sub, link->js(), subject.c_str(), on_msg, this, nullptr, &so, &jerr) !=
            NATS_OK) {
          sub = nullptr;
        } else {
          // Unbounded: a starved callback thread must not make the server drop deliveries.
          natsSubscription_SetPendingLimits(sub, -1, -1);
        }
      }
      // Acquire: pairs with the journal thread's release store.
      const uint64_t d = journal.durable_seq.load(std::memory_order_acquire);
      if (d != seen) {
        commits.push_back({now, d});
        seen = d;
        durable_.store(d, std::memory_order_release);  // release: for wait_caught_up()
      }
      if (last_poll != 0) {
        ++polls;
        max_poll_gap_ns = std::max(max_poll_gap_ns, now - last_poll);
        poll_span_ns += now - last_poll;
      }
      last_poll = now;
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    segment_.store(nullptr, std::memory_order_release);  // the mapping goes with `reader`
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
  }

  std::string url_;
  uint32_t poll_us_;
  std::thread thread_;
  std::thread poller_;
  std::atomic<bool> stop_{false};
  std::atomic<const StateSegmentHeader*> segment_{nullptr};
  std::atomic<uint64_t> durable_{0};
  std::atomic<uint64_t> delivered_{0};
  std::mutex mu_;
};

struct LagFigures {
  uint64_t records = 0;        // measured
  uint64_t not_in_stream = 0;  // committed, never seen in the stream before the end
  uint64_t unseen_commit = 0;  // delivered, but later than the last commit seen
  uint64_t gaps = 0;           // records skipped between two deliveries
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  double journal_per_s = 0;     // records committed per second over the run
  double replicated_per_s = 0;  // records in the stream per second over the same span
};

LagFigures figures_of(const LagObserver& o, const std::string& trace_path) {
  LagFigures f;
  if (o.commits.empty()) return f;
  std::vector<int64_t> lags;
  // deliveries are in stream order (an ordered consumer); commits in seq order.
  uint64_t done = o.first_seq;  // an ordered consumer that reset delivers some records again
  // One line per stream message for --trace: when it reached the stream and when its first
  // record was seen committed, in ms from the first commit seen, and that record's lag.
  std::FILE* trace = trace_path.empty() ? nullptr : std::fopen(trace_path.c_str(), "w");
  if (trace != nullptr) {
    std::fprintf(trace, "# times in ms after the first commit seen, at CLOCK_MONOTONIC %.6f s\n",
                 static_cast<double>(o.commits.front().t) / 1e9);
    std::fprintf(trace, "# in_stream_ms first_seq last_seq lag_ms commit_ms\n");
  }
  const auto ms_since_start = [&](int64_t t) {
    return static_cast<double>(t - o.commits.front().t) / 1e6;
  };
  for (const Delivery& d : o.deliveries) {
    if (trace != nullptr) {
      auto c = std::lower_bound(o.commits.begin(), o.commits.end(), d.first,
                                [](const Commit& x, uint64_t seq) { return x.seq < seq; });
      const bool seen = c != o.commits.end();
      std::fprintf(trace, "%.3f %" PRIu64 " %" PRIu64 " %.3f %.3f\n", ms_since_start(d.t), d.first,
                   d.last, seen ? static_cast<double>(d.t - c->t) / 1e6 : -1.0,
                   seen ? ms_since_start(c->t) : -1.0);
    }
    if (d.first > done + 1) f.gaps += d.first - done - 1;
    for (uint64_t s = std::max(d.first, done + 1); s <= d.last; ++s) {
      done = s;
      auto c = std::lower_bound(o.commits.begin(), o.commits.end(), s,
                                [](const Commit& x, uint64_t seq) { return x.seq < seq; });
      if (c == o.commits.end()) {  // delivered before we saw it committed: polling gap
        ++f.unseen_commit;
        continue;
      }
      lags.push_back(std::max<int64_t>(d.t - c->t, 0));
    }
  }
  const uint64_t committed = o.commits.back().seq - o.first_seq;
  f.records = lags.size();
  f.not_in_stream = committed > lags.size() ? committed - lags.size() : 0;
  if (!lags.empty()) {
    std::sort(lags.begin(), lags.end());
    const auto at = [&](double q) {
      return static_cast<double>(
                 lags[static_cast<size_t>(q * static_cast<double>(lags.size() - 1))]) /
             1e6;
    };
    f.p50_ms = at(0.50);
    f.p99_ms = at(0.99);
    f.max_ms = static_cast<double>(lags.back()) / 1e6;
  }
  const double span = static_cast<double>(o.commits.back().t - o.commits.front().t) / 1e9;
  if (span > 0) f.journal_per_s = static_cast<double>(committed) / span;
  if (!o.deliveries.empty()) {
    const double rspan = static_cast<double>(o.deliveries.back().t - o.commits.front().t) / 1e9;
    const uint64_t in_stream = done - o.first_seq;
    if (rspan > 0) f.replicated_per_s = static_cast<double>(in_stream) / rspan;
  }
  if (trace != nullptr) std::fclose(trace);
  return f;
}

// A fresh nats-server with JetStream file storage in `dir`, on a free loopback port (its URL in
// `url`); its pid once it answers, else -1 (its log says why).
pid_t start_nats(const std::string& dir, std::string& url) {
  std::filesystem::create_directories(dir);
  const int port = free_port();
  url = fmt::format("nats://127.0.0.1:{}", port);
  const pid_t nats = spawn(
      {"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port), "-js", "-sd", dir + "/js"},
      dir + "/nats.log");
  replication::LinkOptions lo;
  lo.url = url;
  if (!replication::Link::connect_within(lo, 5000)) {
    fmt::print(stderr, "nats-server did not start (see {}/nats.log)\n", dir);
    stop(nats);
    return -1;
  }
  return nats;
}

int run_rate(const Options& o, double rate) {
  const std::string dir = fmt::format("{}/ose-bench-lag-{}-{}", o.dir, ::getpid(), rate);
  std::string url;
  const pid_t nats = start_nats(dir, url);
  if (nats <= 0) return 1;
  LagObserver observer(url, o.stream_poll_us);
  uint64_t backlog_at_end = 0;
  bool caught_up = false;
  int64_t catch_up_ns = 0;
  EngineRunOptions e;
  e.journal = "async";
  e.data_dir_base = dir;
  e.pin = o.pin;
  e.idle = o.engine_idle;
  e.client_sleep_us = o.client_sleep_us;
  std::string engine;
  e.companion = [&](const std::string& config_file) -> pid_t {
    engine = engine_name_of(config_file);
    observer.start(engine);
    const pid_t p = spawn(replicate_command(o, config_file, url), dir + "/replicate.log");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // claim, stream created
    return p;
  };
  e.before_stop = [&](const std::string&) {
    const int64_t t0 = shm::monotonic_ns();
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the async journal's last commit
    backlog_at_end = observer.durable() - std::min(observer.durable(), observer.delivered());
    caught_up = observer.wait_caught_up(10'000);
    catch_up_ns = shm::monotonic_ns() - t0;
  };
  const std::string load_before = load_average();
  const auto points = ose_open_loop(e, {rate}, o.seconds);
  observer.stop();
  stop(nats);
  // The replicator was killed: its status file beside the (gone) segments stays behind.
  std::error_code ec;
  if (!engine.empty()) {
    std::filesystem::remove(fmt::format("/dev/shm/ose.{}.replication", engine), ec);
    std::filesystem::remove(fmt::format("/dev/shm/ose.{}.replication.tmp", engine), ec);
  }
  const std::string load_after = load_average();
  if (points.empty() || !observer.error.empty()) {
    fmt::print(stderr, "rate {}: {}{}\n", rate, points.empty() ? "no run" : "", observer.error);
    std::filesystem::remove_all(dir);
    return 1;
  }
  // A client that fell behind (the engine did not keep up) still leaves a measured lag.
  if (!points[0].error.empty()) fmt::print("rate {:.0f}: {}\n", rate, points[0].error);
  const LagFigures f = figures_of(observer, o.trace);
  fmt::print(stderr,
             "rate {:.0f}: observer saw seq {} → {} in {} commits, {} stream messages; {} records "
             "delivered after the last commit seen, {} skipped by the stream\n",
             rate, observer.first_seq, observer.commits.empty() ? 0 : observer.commits.back().seq,
             observer.commits.size(), observer.deliveries.size(), f.unseen_commit, f.gaps);
  fmt::print(
      "| {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9} | {:>7.2f} | {:>7.2f} | {:>7.2f} | "
      "{:>7} | {} ({:.0f} ms) | {:.0f} / {:.1f} | {} → {} |\n",
      rate, points[0].achieved_per_s, f.journal_per_s, f.replicated_per_s, f.records, f.p50_ms,
      f.p99_ms, f.max_ms, backlog_at_end, caught_up ? "yes" : "NO",
      static_cast<double>(catch_up_ns) / 1e6,
      observer.polls == 0
          ? 0.0
          : static_cast<double>(observer.poll_span_ns) / static_cast<double>(observer.polls) / 1e3,
      static_cast<double>(observer.max_poll_gap_ns) / 1e6, load_before, load_after);
  std::fflush(stdout);
  std::filesystem::remove_all(dir);
  return 0;
}

// Asks `pid` to stop (SIGTERM: a follower removes its segment), then kills it after 5 s.
// Returns the CPU seconds it used.
double stop_politely(pid_t pid) {
  if (pid <= 0) return 0;
  ::kill(pid, SIGTERM);
  int status = 0;
  rusage ru{};
  for (int i = 0; i < 500; ++i) {
    if (::wait4(pid, &status, WNOHANG, &ru) == pid) return cpu_seconds(ru);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return stop(pid);
}

// The state hash of a running engine's (or follower's) segment, 0 if it cannot be read whole.
uint64_t state_hash_of(const std::string& engine) {
  auto reader = StateReader::attach(engine);
  if (!reader) return 0;
  auto copy = reader->copy();
  return copy && copy->consistent ? copy->state.hash() : 0;
}

double seconds_between(int64_t from_ns, int64_t to_ns) {
  return static_cast<double>(to_ns - from_ns) / 1e9;
}

// Catch-up mode: the engine journals `o.catch_up` inputs first (open loop at o.catch_up_rate, no
// replicator). Then, while the engine idles, `ose replicate` starts on an empty stream and is
// timed until the stream's newest journal message holds the journal's last seq (stored, so
// acknowledged), and then `ose follow` is timed until its own segment has applied that seq, its
// state hash compared with the engine's. A journal this large makes process start-up (connect,
// stream creation, segment creation) small beside the rates.
int run_catch_up(const Options& o) {
  const std::string dir = fmt::format("{}/ose-bench-catchup-{}", o.dir, ::getpid());
  std::string url;
  const pid_t nats = start_nats(dir, url);
  if (nats <= 0) return 1;
  EngineRunOptions e;
  e.journal = "async";
  e.data_dir_base = dir;
  e.pin = o.pin;
  e.idle = o.engine_idle;
  e.client_sleep_us = o.client_sleep_us;
  std::string engine, failure;
  uint64_t last = 0;
  double replicate_s = 0, replicate_steady_s = 0, follow_s = 0, follow_first_s = 0;
  double replicate_cpu_s = 0, follow_cpu_s = 0, check_s = 0, check_cpu_s = 0;
  uint64_t first_message_last = 0;
  bool hash_equal = false;
  const std::string load_before = load_average();
  e.before_stop = [&](const std::string& config_file) {
    engine = engine_name_of(config_file);
    auto reader = StateReader::attach(engine);
    if (!reader) {
      failure = reader.error();
      return;
    }
    // Every input answered was applied; the async journal commits it within milliseconds.
    const auto& h = reader->header();
    // Relaxed: the target the journal's durable seq is waited for.
    const uint64_t applied = h.applied_seq.load(std::memory_order_relaxed);
    // Acquire (both loads): pairs with the journal thread's release store after its commit.
    for (int i = 0; i < 10'000 && h.journal.durable_seq.load(std::memory_order_acquire) < applied;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    last = h.journal.durable_seq.load(std::memory_order_acquire);
    fmt::print(stderr, "catch-up: {} inputs journaled; replicating\n", last);
    auto stream_end = StreamEnd::connect(url, engine, "ose-bench-catchup");
    if (!stream_end) {
      failure = stream_end.error();
      return;
    }
    const int64_t t0 = shm::monotonic_ns();
    const pid_t rep = spawn(replicate_command(o, config_file, url), dir + "/replicate.log");
    const int64_t give_up = t0 + 120'000'000'000;
    int64_t first_seen = 0;
    uint64_t in_stream = 0;
    while (in_stream < last && shm::monotonic_ns() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      in_stream = stream_end->last_seq();
      if (in_stream > 0 && first_seen == 0) {
        first_seen = shm::monotonic_ns();
        first_message_last = in_stream;
      }
    }
    const int64_t t1 = shm::monotonic_ns();
    replicate_cpu_s = stop(rep);
    std::error_code ec;
    std::filesystem::remove(fmt::format("/dev/shm/ose.{}.replication", engine), ec);
    std::filesystem::remove(fmt::format("/dev/shm/ose.{}.replication.tmp", engine), ec);
    if (in_stream < last) {
      failure = fmt::format("the stream holds {} of {} records after 120 s", in_stream, last);
      return;
    }
    replicate_s = seconds_between(t0, t1);
    // From the first journal message seen in the stream: the rate without the start-up.
    replicate_steady_s = seconds_between(first_seen, t1);
    // The stream read alone (ose follow --check: every message decoded, nothing applied): what
    // a follower's apply would run at if its reading cost nothing.
    {
      const int64_t tc = shm::monotonic_ns();
      const pid_t chk = spawn({o.ose, "follow", "--nats", url, "--engine", engine, "--check", "-q"},
                              dir + "/check.log");
      int status = 0;
      rusage ru{};
      ::wait4(chk, &status, 0, &ru);
      check_s = seconds_between(tc, shm::monotonic_ns());
      check_cpu_s = cpu_seconds(ru);
    }
    fmt::print(stderr, "catch-up: stream complete; following\n");
    const std::string local = engine + "f";
    const int64_t t2 = shm::monotonic_ns();
    const pid_t fol = spawn({o.ose, "follow", "--nats", url, "--engine", engine, "--as", local,
                             "--data-dir", dir + "/follower", "-q"},
                            dir + "/follow.log");
    Result<StateReader> f = Error{"not attached"};
    while (!f && shm::monotonic_ns() < t2 + 30'000'000'000) {
      f = StateReader::attach(local);
      if (!f) std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    if (f) {
      follow_first_s = seconds_between(t2, shm::monotonic_ns());
      // Acquire: pairs with the follower's release store after each applied input.
      while (f->header().applied_seq.load(std::memory_order_acquire) < last &&
             shm::monotonic_ns() < t2 + 120'000'000'000) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      // Acquire: as above.
      if (f->header().applied_seq.load(std::memory_order_acquire) >= last) {
        follow_s = seconds_between(t2, shm::monotonic_ns());
        const uint64_t want = state_hash_of(engine);
        hash_equal = want != 0 && want == state_hash_of(local);
      } else {
        failure = "the follower did not apply the journal's end within 120 s";
      }
    } else {
      failure = fmt::format("the follower's segment did not appear: {}", f.error());
    }
    f = Error{"detached"};
    follow_cpu_s = stop_politely(fol);
    remove_dead_engine_files(local);
  };
  const auto points =
      ose_open_loop(e, {o.catch_up_rate}, static_cast<double>(o.catch_up) / o.catch_up_rate);
  stop(nats);
  const std::string load_after = load_average();
  if (points.empty() || !failure.empty() || last == 0) {
    fmt::print(stderr, "catch-up: {}{} (logs kept in {})\n", points.empty() ? "no run " : "",
               failure, dir);
    return 1;
  }
  const auto per_s = [](uint64_t n, double s) { return s > 0 ? static_cast<double>(n) / s : 0.0; };
  fmt::print(
      "| journal written (inputs/s answered) | records | replicate: start → last ack | "
      "records/s | from the first message | records/s | replicate CPU | stream read (follow "
      "--check) | records/s | its CPU | follow: start → last applied | inputs/s | segment up "
      "after | follow CPU | state hash equal | load avg before → after |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
  fmt::print(
      "| {:.0f} | {} | {:.3f} s | {:.0f} | {:.3f} s | {:.0f} | {:.2f} s | {:.3f} s | {:.0f} | "
      "{:.2f} s | {:.3f} s | {:.0f} | {:.3f} s | {:.2f} s | {} | {} → {} |\n",
      points[0].achieved_per_s, last, replicate_s, per_s(last, replicate_s), replicate_steady_s,
      per_s(last - first_message_last, replicate_steady_s), replicate_cpu_s, check_s,
      per_s(last, check_s), check_cpu_s, follow_s, per_s(last, follow_s), follow_first_s,
      follow_cpu_s, hash_equal ? "yes" : "NO", load_before, load_after);
  std::fflush(stdout);
  std::filesystem::remove_all(dir);
  return hash_equal ? 0 : 1;
}

}  // namespace
}  // namespace ose::bench

int main(int argc, char** argv) {
  ose::bench::Options o;
  CLI::App app{"Replication lag of `ose replicate` at fixed input rates (issue 18)"};
  app.add_option("--rates", o.rates, "Input rates to drive the engine at (inputs/s)")
      ->delimiter(',');
  app.add_option("--seconds", o.seconds, "How long each rate is driven");
  app.add_option("--ose", o.ose, "The ose tool");
  app.add_option("--dir", o.dir, "Scratch directory (journals, JetStream store)");
  app.add_flag("!--no-pin", o.pin,
               "Leave the engine and the client unpinned (the study pins them on 2+ cores)");
  app.add_option("--engine-idle", o.engine_idle,
                 "The engine's idle mode: spin (the study's), yield, or sleep (the product's "
                 "default)")
      ->check(CLI::IsMember({"spin", "yield", "sleep"}));
  app.add_option("--client-sleep-us", o.client_sleep_us,
                 "Let the open-loop client sleep this long when nothing is due (0: it spins)");
  app.add_option("--catch-up", o.catch_up,
                 "Catch-up mode: journal this many inputs first, then time `ose replicate` from an "
                 "empty stream and `ose follow` from that stream");
  app.add_option("--catch-up-rate", o.catch_up_rate,
                 "The open-loop rate the catch-up journal is written at (inputs/s)");
  app.add_option("--stream-poll-us", o.stream_poll_us,
                 "See the stream's end by asking for its newest journal message this often "
                 "(0: an ordered push consumer's deliveries)");
  app.add_option("--trace", o.trace,
                 "Write one line per stream message (times, seqs, lag) to this file, to find "
                 "where a tail comes from");
  app.add_option("--replicate-arg", o.replicate_args,
                 "An option passed on to `ose replicate` (repeat it: --replicate-arg=--batch "
                 "--replicate-arg=1024)");
  CLI11_PARSE(app, argc, argv);
  if (o.catch_up > 0) return ose::bench::run_catch_up(o);
  fmt::print(
      "| target inputs/s | client sent+answered/s | journaled records/s | in stream records/s | "
      "records measured | lag p50 ms | lag p99 ms | lag max ms | backlog at client end | caught "
      "up | commit poll mean µs / max ms | load avg before → after "
      "|\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|\n");
  int rc = 0;
  for (const double rate : o.rates) rc |= ose::bench::run_rate(o, rate);
  return rc;
}
