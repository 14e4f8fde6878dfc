// `ose follow --nats URL --engine NAME`: an engine's state rebuilt from its JetStream stream
// (replication/follower.hpp, docs/SCALE_OUT.md): a local state segment and journal that
// `ose inspect --engine <as>` and the other readers use as an engine's. With --check it only walks
// the whole stream and checks it: every journal seq exactly once and in order, every record's
// checksum, every snapshot's chunks, checksum and hash. Exit codes: 0 sound, 1 failed (usage, no
// server, no stream), 3 the stream is damaged (the message names the seq).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <csignal>
#include <system_error>

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
  int64_t idle_ms = 500;  // --check: the stream is read once nothing arrives for this long
};

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
                     {"last_snapshot_seq", t.last_snapshot_seq}};
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print(
        "stream {}: {} claims, journal seqs {}..{} ({} records, each once and in order), {} "
        "snapshots (newest at seq {}); read to stream sequence {} of {}\n",
        names->stream, t.claims, t.first_seq, t.last_seq, t.records, t.snapshots,
        t.last_snapshot_seq, reader->last_stream_seq(), ends->last);
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
  stop_on_signals({SIGINT, SIGTERM});
  const replication::FollowResult r = replication::follow(o, stop_flag());
  switch (r.end) {
    case replication::FollowEnd::kStopped:
      o.log(fmt::format("stopped at seq {} (last verified at snapshot seq {})", r.applied_seq,
                        r.verified_seq));
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
  cmd->add_flag("--reset", a->reset, "Discard a local journal an earlier run left");
  cmd->add_option("--state-group", a->state_group,
                  "Group of the local state segment, e.g. the readers' group (docs/SECURITY.md)");
  cmd->add_option("--state-mode", a->state_mode,
                  "Mode of the local state segment, octal, e.g. 0640 (default: the engine's)");
  cmd->add_flag("-q,--quiet", a->quiet, "Only errors");
  cmd->add_flag("--check", a->check, "Only check the whole stream: every seq once, in order");
  cmd->add_flag("--json", a->json, "With --check: the totals as JSON");
  return [cmd, a]() -> int {
    if (!cmd->parsed()) return -1;
    return a->check ? check_stream(*a) : run_follower(*a);
  };
}

}  // namespace ose::tools
