// `ose engine --config FILE`: the engine in the foreground. Logs go to stderr with a UTC time;
// a status line every few seconds; SIGINT/SIGTERM stop it cleanly (drain, unlink, exit 0).
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>

#include "engine/formats/config.hpp"
#include "engine/runtime/runner.hpp"
#include "persistence/durable_engine.hpp"
#include "shm/idle.hpp"
#include "tools/commands.hpp"
#include "tools/engine_feed.hpp"
#include "tools/engine_replication.hpp"
#include "tools/input_log.hpp"
#include "tools/stop_signal.hpp"

namespace ose::tools {

namespace {

std::atomic<Journal*> g_journal{nullptr};

// SIGUSR1 (`ose snapshot take`): the Runner cuts a snapshot from its next pass on, a slice per
// pass, and the journal thread commits it.
extern "C" void on_snapshot_signal(int) {
  // Acquire: pairs with the release store that publishes the started journal.
  if (Journal* j = g_journal.load(std::memory_order_acquire)) j->request_snapshot();
}

void log_line(const std::string& engine, const std::string& message) {
  const auto now = std::chrono::system_clock::now();
  fmt::print(stderr, "{:%Y-%m-%dT%H:%M:%S}Z ose engine {}: {}\n",
             std::chrono::floor<std::chrono::seconds>(now), engine, message);
}

struct EngineOptions {
  std::string config_path;
  std::string idle;
  std::string input_log;
  double status_every_s = 5;
  bool quiet = false;
  FeedOptions feed;
  double stop_after_feed_s = -1;  // ≥ 0: stop this long after the feed is exhausted
  std::string replicate_url;      // non-empty: `ose replicate` runs beside the engine
  bool takeover = false;          // … claiming the stream from its current writer first
  double replicate_wait_s = 10;   // without --takeover: how long clients wait for the claim
};

std::string status_line(Runner& r) {
  const StateSegmentHeader& h = r.segment().header();
  // Relaxed: monitoring figures published by the engine thread, each read on its own.
  const uint64_t seq = h.applied_seq.load(std::memory_order_relaxed);
  uint64_t depth = 0;
  for (uint16_t c = 0; c < r.state().client_count(); ++c) {
    depth += r.segment().client_status(c).command_depth.load(std::memory_order_relaxed);
  }
  return fmt::format(
      "seq {} | {} inputs/s | clients {}/{} attached, {} lagging, {} quarantined "
      "| unread commands {} | ticks {}",
      seq, h.inputs_per_sec.load(std::memory_order_relaxed),
      h.clients_attached.load(std::memory_order_relaxed), r.state().client_count(),
      h.clients_lagging.load(std::memory_order_relaxed),
      h.clients_quarantined.load(std::memory_order_relaxed), depth,
      h.ticks_applied.load(std::memory_order_relaxed));
}

int run_engine(const EngineOptions& o) {
  auto config = load_config_file(o.config_path);
  if (!config) {
    fmt::print(stderr, "ose engine: bad config: {}\n", config.error());
    return 1;
  }
  if (!o.idle.empty()) config->idle = o.idle;
  const std::string name = config->name;
  const auto log = [name](const std::string& m) { log_line(name, m); };

  // Names come from the config's initial state (they never change while the engine runs); it
  // outlives the log, which reads them.
  auto names = State::create(*config);
  if (!names) {
    fmt::print(stderr, "ose engine: {}\n", names.error());
    return 1;
  }
  std::unique_ptr<InputLog> input_log;
  if (!o.input_log.empty()) {
    auto opened = InputLog::open(o.input_log, *names);
    if (!opened) {
      fmt::print(stderr, "ose engine: {}\n", opened.error());
      return 1;
    }
    input_log = std::move(*opened);
  }
  // Handlers first: a SIGTERM that arrives once the segments are visible must stop cleanly.
  stop_on_signals({SIGINT, SIGTERM});
  struct sigaction snap {};
  snap.sa_handler = on_snapshot_signal;
  sigemptyset(&snap.sa_mask);
  snap.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &snap, nullptr);
  // Recovery first: the segments are published only with the recovered state in them.
  bool journal_damaged = false;
  auto engine = DurableEngine::open(*config, log, input_log.get(), &journal_damaged);
  if (!engine) {
    fmt::print(stderr, "ose engine: {}\n", engine.error());
    return journal_damaged ? 3 : 1;  // docs/DURABILITY.md, "Exit codes"
  }
  if (!config->journal) log("journal = false: nothing this engine applies survives it");
  Runner& r = (*engine)->runner();

  // The replicator claims the stream before the engine applies anything: a takeover fences the
  // old writer out first, and a journal that cannot continue the stream never takes clients.
  // Clients that attach meanwhile wait; nothing is applied until run().
  std::unique_ptr<EngineReplication> replication;
  if (!o.replicate_url.empty()) {
    auto started = EngineReplication::start(o.config_path, name, o.replicate_url, o.takeover, log);
    if (!started) {
      fmt::print(stderr, "ose engine: {}\n", started.error());
      return 1;
    }
    replication = std::move(*started);
    const auto wait_ms = o.takeover ? -1 : static_cast<int64_t>(o.replicate_wait_s * 1000);
    switch (replication->wait_claimed(wait_ms, stop_flag())) {
      case EngineReplication::Claim::kClaimed:
        log("the replicator claimed the stream: taking clients");
        break;
      case EngineReplication::Claim::kEnded:
        log(
            fmt::format("not starting: the replicator ended before claiming the stream ({}): "
                        "this journal cannot continue the stream, or another writer owns it",
                        replication->why()));
        return replication->fenced() ? kExitFenced : 1;
      case EngineReplication::Claim::kStopped:
        log("stopped before the replicator claimed the stream; nothing applied");
        return 0;
      case EngineReplication::Claim::kTimedOut:
        log(
            fmt::format("the replicator has not claimed the stream within {} s (is the NATS "
                        "server up?): taking clients; it catches up once connected",
                        o.replicate_wait_s));
        break;
    }
  }
  // Release: pairs with the SIGUSR1 handler's acquire load.
  g_journal.store((*engine)->journal(), std::memory_order_release);

  log(
      fmt::format("running: state {}/{} ({} MiB), {} clients, idle {}, journal {} ({}); "
                  "SIGINT or SIGTERM stops, SIGUSR1 takes a snapshot",
                  shm::kShmDir, state_segment_name(name), r.segment().header().region_size >> 20,
                  r.state().client_count(), config->idle,
                  config->journal ? config->data_dir : "off", config->durability));

  // Market data from a feed thread inside this process, into the Runner's tick queue.
  std::unique_ptr<EngineFeed> feed;
  if (!o.feed.empty()) {
    auto opened = EngineFeed::open(o.feed, r);
    if (!opened) {
      fmt::print(stderr, "ose engine: {}\n", opened.error());
      return 1;
    }
    feed = std::move(*opened);
    log("feed: " + feed->describe());
  }
  // The feed stops first on SIGINT/SIGTERM, so the Runner's drain reaches an empty tick queue.
  std::thread feed_watch;
  if (feed) {
    feed->start();
    feed_watch = std::thread([&] {
      bool reported = false;
      std::chrono::steady_clock::time_point stop_at{};
      // Acquire: pairs with the signal handler's release store.
      while (!stop_requested()) {
        if (feed->finished() && !reported) {
          log(fmt::format("feed finished after {} ticks ({} bad rows)", feed->ticks(),
                          feed->bad_rows()));
          for (const std::string& e : feed->errors()) log("feed: " + e);
          reported = true;
          if (o.stop_after_feed_s >= 0) {
            log(fmt::format("stopping in {} s (--stop-after-feed)", o.stop_after_feed_s));
            stop_at = std::chrono::steady_clock::now() +
                      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                          std::chrono::duration<double>(o.stop_after_feed_s));
          }
        }
        if (reported && o.stop_after_feed_s >= 0 && std::chrono::steady_clock::now() >= stop_at) {
          // Release: pairs with Runner::run()'s acquire load, as the signal handler's store.
          stop_flag().store(true, std::memory_order_release);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      feed->stop();
    });
  }

  // The status line comes from its own thread, reading the engine's published counters.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  bool fenced_out = false;  // set by replication_watch under mu
  std::thread status;
  if (!o.quiet && o.status_every_s > 0) {
    status = std::thread([&] {
      std::unique_lock lock(mu);
      const auto every = std::chrono::duration<double>(o.status_every_s);
      while (!cv.wait_for(lock, every, [&] { return done; })) log_line(name, status_line(r));
    });
  }
  // A replicator fenced out by a takeover elsewhere stops this engine: the stream no longer
  // continues its history, so what it applied from then on would be lost at the next failover.
  std::thread replication_watch;
  if (replication) {
    replication_watch = std::thread([&] {
      std::unique_lock lock(mu);
      while (!cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return done; })) {
        if (replication->running() || !replication->fenced()) continue;
        log("the replicator was fenced out of the stream (a takeover): stopping the engine");
        // Release: pairs with Runner::run()'s acquire load, as the signal handler's store.
        stop_flag().store(true, std::memory_order_release);
        fenced_out = true;
        return;
      }
    });
  }
  auto durable = (*engine)->run(stop_flag());
  if (feed_watch.joinable()) feed_watch.join();
  feed.reset();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (status.joinable()) status.join();
  if (replication_watch.joinable()) replication_watch.join();
  g_journal.store(nullptr, std::memory_order_release);
  int exit_code = 0;
  if (!durable) {
    log(durable.error());
    exit_code = 2;
  } else if ((*engine)->journal() != nullptr) {
    log(fmt::format("journal durable through seq {}; checkpoint hash {:016x}", *durable,
                    r.state().hash()));
  }
  if (r.halted_by_journal()) {
    log("stopped because the journal failed (on_journal_failure = \"stop\")");
    exit_code = 3;
  }
  if (replication) {
    // What the journal holds goes to the stream before the replicator stops (a few seconds at
    // most: a replicator that cannot publish leaves the rest to the next one).
    if (durable && replication->running()) replication->wait_acked(*durable, 5000);
    replication->stop();
    if (fenced_out) exit_code = kExitFenced;
  }
  log(fmt::format("stopped after seq {}; segments removed",
                  r.segment().header().applied_seq.load(std::memory_order_relaxed)));
  input_log.reset();
  return exit_code;
}

}  // namespace

Run add_engine_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "engine", "Run the engine in the foreground: shared-memory state, client rings, status");
  auto o = std::make_shared<EngineOptions>();
  cmd->add_option("-c,--config", o->config_path, "Engine config (TOML)")->required();
  cmd->add_option("--idle", o->idle, "When idle: spin, yield or sleep (default: the config's)")
      ->check(CLI::IsMember({"spin", "yield", "sleep"}));
  cmd->add_option("--status-every", o->status_every_s, "Seconds between status lines (0: none)");
  cmd->add_option("--input-log", o->input_log,
                  "Write every applied input as a scenario line (replayable with ose replay)");
  cmd->add_flag("-q,--quiet", o->quiet, "No status lines");
  cmd->add_option("--synthetic", o->feed.synthetic,
                  "Feed a synthetic market: SYMBOL=MID (repeat for more symbols)");
  cmd->add_option("--rate", o->feed.rate, "Synthetic ticks per second, all symbols (default 1000)");
  cmd->add_option("--seed", o->feed.seed, "Seed of the synthetic market");
  cmd->add_option("--volatility", o->feed.volatility,
                  "Synthetic: largest move per tick as a fraction of the mid (default: 3 ticks)")
      ->check(CLI::Range(0.0, 0.1));
  cmd->add_option("--spread-ticks", o->feed.spread_ticks, "Synthetic: ask - bid in ticks (2)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--replay", o->feed.replay,
                  "Replay Binance CSVs (klines, bookTicker, trades) merged by time: FILE[@SYMBOL]; "
                  "the symbol defaults to the file name's first part");
  cmd->add_option("--stop-after-feed", o->stop_after_feed_s,
                  "Stop cleanly this many seconds after the feed is exhausted (replays)")
      ->check(CLI::Range(0.0, 86400.0));
  cmd->add_option("--speed", o->feed.speed, "Replay speed: 1 real time, 10 faster, 0 full speed")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--replicate", o->replicate_url,
                  "Run `ose replicate` to this NATS URL beside the engine; clients are taken "
                  "once it has claimed the stream");
  cmd->add_flag("--takeover", o->takeover,
                "With --replicate: take the stream over from its current writer (a standby on a "
                "follower's journal becoming the primary), fencing it out before taking clients");
  cmd->add_option("--replicate-wait", o->replicate_wait_s,
                  "Without --takeover: seconds clients wait for the claim (default 10)")
      ->check(CLI::Range(0.0, 3600.0));
  return [cmd, o]() {
    if (!cmd->parsed()) return -1;
    if (o->takeover && o->replicate_url.empty()) {
      fmt::print(stderr,
                 "ose engine: --takeover needs --replicate URL (the stream to take over)\n");
      return 1;
    }
    return run_engine(*o);
  };
}

}  // namespace ose::tools
