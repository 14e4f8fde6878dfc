// `ose follow --nats URL --engine NAME`: an engine's state rebuilt from its JetStream stream
// (replication/follower.hpp, docs/SCALE_OUT.md): a local state segment and journal that
// `ose inspect --engine <as>` and the other readers use as an engine's. With --check it only walks
// the whole stream and checks it: every journal seq exactly once and in order, every record's
// checksum, every snapshot's chunks, checksum and hash. Exit codes: 0 sound, 1 failed (usage, no
// server, no stream), 3 the stream is damaged (the message names the seq).
#include <fmt/format.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "engine/formats/config.hpp"
#include "engine/formats/state_mode.hpp"
#include "replication/follower.hpp"
#include "replication/stream_reader.hpp"
#include "tools/commands.hpp"
#include "tools/stop_signal.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct FollowArgs {
  std::string url;
  std::string engine;
  std::string as;
  std::string data_dir;
  bool reset = false;
  std::string state_group;
  std::string state_mode;  // octal, as the config's state_mode: "0640" or "0o640"
  bool quiet = false;
  bool check = false;
  bool json = false;
  int64_t idle_ms = 500;       // --check: the stream is read once nothing arrives for this long
  std::string promote_config;  // SIGUSR1 turns the follower into this config's engine
};

std::atomic<bool> g_promote{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the handler's store must be signal-safe");

// SIGUSR1 with --promote: stop following, then become the engine (promote()).
extern "C" void on_promote_signal(int) {
  // Release: pairs with the acquire load after follow() returns; then the stop flag, as the
  // stop signal's handler does. Lock-free atomic stores are async-signal-safe.
  g_promote.store(true, std::memory_order_release);
  stop_flag().store(true, std::memory_order_release);
}

// The standby config must be the followed engine's, on this follower's journal: the engine it
// becomes recovers from that journal and keeps the engine's name (and stream).
std::string promote_config_problem(const FollowArgs& a) {
  auto config = load_config_file(a.promote_config);
  if (!config) return config.error();
  if (config->name != a.engine) {
    return fmt::format("--promote {}: its engine is '{}', not the followed '{}'", a.promote_config,
                       config->name, a.engine);
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string mine =
      a.data_dir.empty() ? "./ose-follow-" + (a.as.empty() ? a.engine : a.as) : a.data_dir;
  if (fs::weakly_canonical(config->data_dir, ec) != fs::weakly_canonical(mine, ec)) {
    return fmt::format("--promote {}: its data_dir {} is not this follower's journal ({})",
                       a.promote_config, config->data_dir, mine);
  }
  return {};
}

// The follower stopped with its journal durable: this process becomes `ose engine --config
// PROMOTE --replicate URL --takeover` (the same pid), which fences the stream, then takes clients.
int promote(const FollowArgs& a) {
  fmt::print(stderr, "ose follow: promoting: ose engine --config {} --replicate {} --takeover\n",
             a.promote_config, a.url);
  std::vector<std::string> args{"ose",         "engine", "--config",  a.promote_config,
                                "--replicate", a.url,    "--takeover"};
  std::vector<char*> argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  fmt::print(stderr, "ose follow: cannot start the engine: {}\n", std::strerror(errno));
  return kExitFailed;
}

struct CheckTotals {
  uint64_t messages = 0;
  uint64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t claims = 0;
  uint64_t snapshots = 0;
  uint64_t last_snapshot_seq = 0;
};

int check_stream(const FollowArgs& a) {
  std::string why;
  const auto names = replication::stream_names(a.engine, &why);
  if (!names) {
    fmt::print(stderr, "ose follow: {}\n", why);
    return kExitFailed;
  }
  replication::LinkOptions lo;
  lo.url = a.url;
  lo.client_name = "ose-follow";
  auto link = replication::Link::connect_within(lo, 5000);
  if (!link) {
    fmt::print(stderr, "ose follow: {}\n", link.error());
    return kExitFailed;
  }
  auto ends = link->stream_ends(names->stream);
  if (!ends) {
    fmt::print(stderr, "ose follow: {}\n", ends.error());
    return kExitFailed;
  }
  auto reader = replication::StreamReader::open(*link, *names, 1, 0);
  if (!reader) {
    fmt::print(stderr, "ose follow: {}\n", reader.error());
    return kExitFailed;
  }
  CheckTotals t;
  replication::StreamItem item;
  while (reader->last_stream_seq() < ends->last) {
    auto got = reader->next(item, a.idle_ms);
    if (!got) {
      fmt::print(stderr, "ose follow: the stream is damaged: {}\n", got.error());
      return kExitDamaged;
    }
    if (!*got) break;
    ++t.messages;
    switch (item.kind) {
      case replication::StreamItem::Kind::kClaim:
        ++t.claims;
        break;
      case replication::StreamItem::Kind::kSnapshot:
        ++t.snapshots;
        t.last_snapshot_seq = item.snapshot_seq;
        break;
      case replication::StreamItem::Kind::kRecords:
        if (t.first_seq == 0) t.first_seq = item.inputs.front().seq;
        t.last_seq = item.inputs.back().seq;
        t.records += item.inputs.size();
        break;
    }
  }
  if (a.json) {
    nlohmann::json j{{"stream", names->stream},
                     {"stream_last", ends->last},
                     {"read_to", reader->last_stream_seq()},
                     {"claims", t.claims},
                     {"records", t.records},
                     {"first_seq", t.first_seq},
                     {"last_seq", t.last_seq},
                     {"snapshots", t.snapshots},
                     {"last_snapshot_seq", t.last_snapshot_seq},
                     {"fenced", reader->fenced()}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print(
        "stream {}: {} claims, journal seqs {}..{} ({} records, each once and in order), {} "
        "snapshots (newest at seq {}); read to stream sequence {} of {}; {} fenced messages "
        "ignored\n",
        names->stream, t.claims, t.first_seq, t.last_seq, t.records, t.snapshots,
        t.last_snapshot_seq, reader->last_stream_seq(), ends->last, reader->fenced());
  }
  return 0;
}

// --state-mode: octal digits, with or without a leading 0 or 0o; 0 when not given.
Result<uint32_t> parse_state_mode(std::string text) {
  if (text.empty()) return 0u;
  if (text.rfind("0o", 0) == 0) text.erase(0, 2);
  uint32_t mode = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), mode, 8);
  if (ec != std::errc{} || end != text.data() + text.size() || !valid_state_mode(mode)) {
    return Error{fmt::format(
        "--state-mode {}: give octal permissions that let the owner read and write and others "
        "at most read, e.g. 0640 (as the config's state_mode)",
        text)};
  }
  return mode;
}

int run_follower(const FollowArgs& a) {
  auto mode = parse_state_mode(a.state_mode);
  if (!mode) {
    fmt::print(stderr, "ose follow: {}\n", mode.error());
    return kExitFailed;
  }
  replication::FollowOptions o;
  o.url = a.url;
  o.engine = a.engine;
  o.as = a.as;
  o.data_dir = a.data_dir;
  o.reset = a.reset;
  o.state_group = a.state_group;
  o.state_mode = *mode;
  const bool quiet = a.quiet;
  o.log = [quiet](const std::string& m) {
    if (!quiet) fmt::print(stderr, "ose follow: {}\n", m);
  };
  if (!a.promote_config.empty()) {
    if (const std::string problem = promote_config_problem(a); !problem.empty()) {
      fmt::print(stderr, "ose follow: {}\n", problem);
      return kExitFailed;
    }
  }
  stop_on_signals({SIGINT, SIGTERM});
  if (!a.promote_config.empty()) {
    struct sigaction sa {};
    sa.sa_handler = on_promote_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, nullptr);
  }
  const replication::FollowResult r = replication::follow(o, stop_flag());
  switch (r.end) {
    case replication::FollowEnd::kStopped:
      o.log(fmt::format("stopped at seq {} (last verified at snapshot seq {})", r.applied_seq,
                        r.verified_seq));
      // Acquire: pairs with the signal handler's release store.
      if (g_promote.load(std::memory_order_acquire)) return promote(a);
      return 0;
    case replication::FollowEnd::kDiverged:
      fmt::print(stderr, "ose follow: STOPPED: {}\n", r.why);
      return kExitDamaged;
    case replication::FollowEnd::kFailed:
      break;
  }
  fmt::print(stderr, "ose follow: {}\n", r.why);
  return kExitFailed;
}

}  // namespace

Run add_follow_command(CLI::App& app) {
  auto a = std::make_shared<FollowArgs>();
  auto* cmd = app.add_subcommand(
      "follow", "Rebuild an engine's state from its JetStream stream (or --check the stream)");
  cmd->add_option("--nats", a->url, "NATS server URL, e.g. nats://127.0.0.1:4222")->required();
  cmd->add_option("--engine", a->engine, "The engine whose stream (OSE_<engine>) to follow")
      ->required();
  cmd->add_option("--as", a->as, "The local engine name (default: the followed engine's)");
  cmd->add_option("--data-dir", a->data_dir, "The local journal (default ./ose-follow-<as>)");
  cmd->add_flag("--reset", a->reset,
                "Discard the local journal an earlier run left and rebuild from the stream "
                "(without it, a restarted follower resumes from its own journal)");
  cmd->add_option("--state-group", a->state_group,
                  "Group of the local state segment, e.g. the readers' group (docs/SECURITY.md)");
  cmd->add_option("--state-mode", a->state_mode,
                  "Mode of the local state segment, octal, e.g. 0640 (default: the engine's)");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  cmd->add_flag("--check", a->check, "Only check the whole stream: every seq once, in order");
  cmd->add_flag("--json", a->json, "With --check: the totals as JSON");
  cmd->add_option("--promote", a->promote_config,
                  "The standby config (the engine's, data_dir = this follower's): on SIGUSR1 the "
                  "follower stops and becomes `ose engine --replicate --takeover` on its journal");
  return [cmd, a]() -> int {
    if (!cmd->parsed()) return -1;
    return a->check ? check_stream(*a) : run_follower(*a);
  };
}

}  // namespace ose::tools
