// `ose replicate --config FILE --nats URL`: the engine's journal streamed to NATS JetStream
// (replication/replicator.hpp, docs/SCALE_OUT.md). Runs beside the engine (it only reads the
// journal) until SIGINT/SIGTERM. Exit codes: 0 stopped, 1 failed, 4 fenced out by another writer
// or refused because one already runs.
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "engine/runtime/ownership.hpp"
#include "replication/replicator.hpp"
#include "tools/commands.hpp"
#include "tools/stop_signal.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct ReplicateArgs {
  StoreArgs store;
  replication::ReplicatorOptions options;
  bool quiet = false;
  bool with_parent = false;  // `ose engine --replicate`: stop when the engine is gone
};

int replicate(ReplicateArgs& a) {
  auto text = read_config_text(a.store.config_path);
  if (!text) {
    fmt::print(stderr, "ose replicate: {}\n", text.error());
    return kExitFailed;
  }
  int code = kExitFailed;
  auto o = open_store(a.store, true, &code);
  if (!o) {
    fmt::print(stderr, "ose replicate: {}\n", o.error());
    return code;
  }
  if (a.options.status_path.empty()) {
    a.options.status_path = replication::status_path(o->config.name);
  }
  // The status file is read as the state is: the same group and mode (docs/SECURITY.md).
  auto status_owner = plan_state_owner("engine.state_group", o->config.state_group);
  if (!status_owner) {
    fmt::print(stderr, "ose replicate: {}\n", status_owner.error());
    return kExitFailed;
  }
  a.options.status_owner = *status_owner;
  a.options.status_mode = o->config.state_mode;
  const bool quiet = a.quiet;
  auto log = [quiet](const std::string& m) {
    if (!quiet) fmt::print(stderr, "ose replicate: {}\n", m);
  };
  auto r = replication::Replicator::create(o->config, std::move(*text), std::move(o->store),
                                           a.options, log);
  if (!r) {
    fmt::print(stderr, "ose replicate: {}\n", r.error());
    return kExitFailed;
  }
  stop_on_signals({SIGINT, SIGTERM});
  // A child of `ose engine --replicate` stops when its engine is gone, even killed -9: an
  // orphan would answer as the stream's writer and refuse the restarted engine's replicator.
  std::thread parent_watch;
  if (a.with_parent) {
    parent_watch = std::thread([parent = ::getppid()] {
      while (!stop_requested()) {
        if (::getppid() != parent) {
          // Release: pairs with the loops' loads, as the signal handler's store.
          stop_flag().store(true, std::memory_order_release);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  const replication::ReplicatorResult end = (*r)->run(stop_flag());
  if (parent_watch.joinable()) {
    stop_flag().store(true, std::memory_order_release);  // Release: as above.
    parent_watch.join();
  }
  switch (end.end) {
    case replication::ReplicatorEnd::kStopped:
      log(fmt::format("stopped; the stream acknowledged journal seq {}", end.acked_seq));
      return 0;
    case replication::ReplicatorEnd::kFenced:
    case replication::ReplicatorEnd::kRefused:
      fmt::print(stderr, "ose replicate: {}\n", end.why);
      return kExitFenced;
    case replication::ReplicatorEnd::kFailed:
      break;
  }
  fmt::print(stderr, "ose replicate: {}\n", end.why);
  return kExitFailed;
}

}  // namespace

Run add_replicate_command(CLI::App& app) {
  auto a = std::make_shared<ReplicateArgs>();
  auto* cmd = app.add_subcommand(
      "replicate", "Stream the engine's journal to NATS JetStream (stream OSE_<engine>)");
  cmd->add_option("--config", a->store.config_path, "Engine config (TOML)")->required();
  cmd->add_option("--data-dir", a->store.data_dir, "Journal directory (default: the config's)");
  cmd->add_option("--nats", a->options.url, "NATS server URL, e.g. nats://127.0.0.1:4222")
      ->required();
  cmd->add_option("--max-age-s", a->options.limits.max_age_s,
                  "Stream limit: drop messages older than this (0: keep; a new stream only)");
  cmd->add_option("--max-bytes", a->options.limits.max_bytes,
                  "Stream limit: bytes kept (-1: unlimited; a new stream only)");
  cmd->add_option("--batch", a->options.batch_records, "Most journal records per message")
      ->check(CLI::Range(1u, 65536u))
      ->capture_default_str();
  cmd->add_option("--max-in-flight", a->options.max_in_flight,
                  "Most messages published without an acknowledgement")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--ack-wait-ms", a->options.ack_wait_ms,
                  "A publish unacknowledged this long is retried (after a resync)")
      ->capture_default_str();
  cmd->add_flag("--takeover", a->options.takeover,
                "Claim the stream even while another replicator writes it (it is fenced out)");
  cmd->add_option("--status-file", a->options.status_path,
                  "Where the lag is written (default /dev/shm/ose.<engine>.replication)");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  cmd->add_flag("--with-parent", a->with_parent,
                "Stop when the parent process is gone (how `ose engine --replicate` runs it)");
  return [cmd, a]() -> int { return cmd->parsed() ? replicate(*a) : -1; };
}

}  // namespace ose::tools
