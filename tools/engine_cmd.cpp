// `ose engine --config FILE`: the engine in the foreground. Logs go to stderr with a UTC time;
// a status line every few seconds; SIGINT/SIGTERM stop it cleanly (drain, unlink, exit 0).
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <thread>

#include "engine/config.hpp"
#include "engine/runner.hpp"
#include "shm/idle.hpp"
#include "tools/commands.hpp"
#include "tools/input_log.hpp"

namespace ose::tools {

namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) {
  // Release: pairs with Runner::run()'s acquire load. Lock-free atomics are signal-safe.
  g_stop.store(true, std::memory_order_release);
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
  auto runner = Runner::create(*config, [name](const std::string& m) { log_line(name, m); });
  if (!runner) {
    fmt::print(stderr, "ose engine: {}\n", runner.error());
    return 1;
  }
  Runner& r = **runner;
  std::unique_ptr<InputLog> input_log;
  if (!o.input_log.empty()) {
    auto log = InputLog::open(o.input_log, r.state());
    if (!log) {
      fmt::print(stderr, "ose engine: {}\n", log.error());
      return 1;
    }
    input_log = std::move(*log);
    r.set_input_sink(input_log.get());
  }

  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  log_line(name, fmt::format("running: state {}/{} ({} MiB), {} clients, idle {}; "
                             "SIGINT or SIGTERM stops",
                             shm::kShmDir, state_segment_name(name),
                             r.segment().header().region_size >> 20, r.state().client_count(),
                             config->idle));

  // The status line comes from its own thread, reading the engine's published counters.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread status;
  if (!o.quiet && o.status_every_s > 0) {
    status = std::thread([&] {
      std::unique_lock lock(mu);
      const auto every = std::chrono::duration<double>(o.status_every_s);
      while (!cv.wait_for(lock, every, [&] { return done; })) log_line(name, status_line(r));
    });
  }
  r.run(g_stop);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  if (status.joinable()) status.join();
  log_line(name, fmt::format("stopped after seq {}; segments removed",
                             r.segment().header().applied_seq.load(std::memory_order_relaxed)));
  input_log.reset();
  return 0;
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
  return [cmd, o]() { return cmd->parsed() ? run_engine(*o) : -1; };
}

}  // namespace ose::tools
