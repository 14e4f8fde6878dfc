// `ose recover --check` (recover into memory, print or compare the state hash) and
// `ose backup DEST` (a consistent, compacted hot copy of the journal while the engine runs).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "persistence/recovery.hpp"
#include "persistence/store_check.hpp"
#include "tools/commands.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

struct RecoverArgs {
  StoreArgs store;
  bool check = false;
  bool json = false;
  bool no_snapshots = false;
  uint64_t up_to = UINT64_MAX;
  std::string expect;
};

int recover_check(const RecoverArgs& a) {
  if (!a.check) {
    fmt::print(stderr,
               "ose recover: only --check exists (the engine recovers by itself at start)\n");
    return 1;
  }
  int code = kExitFailed;
  auto o = open_store(a.store, true, &code);
  if (!o) {
    fmt::print(stderr, "ose recover: {}\n", o.error());
    return code;
  }
  // Asked to replay from seq 1 a journal whose start retention pruned: not damage, not possible.
  if (a.no_snapshots && o->check.pruned_through > 0 && !o->check.blocks_recovery()) {
    fmt::print(stderr,
               "ose recover: the journal's history before seq {} was pruned by retention "
               "([engine].snapshots_keep keeps the newest snapshots and the records after the "
               "oldest of them), or never was in it (a follower's journal starts at the snapshot "
               "it started from): nothing is damaged, but a replay from seq 1 is not possible. "
               "Drop --no-snapshots to recover from the snapshots\n",
               o->check.pruned_through + 1);
    return kExitFailed;
  }
  // What the engine would refuse at start, recover refuses too, even when the damaged records
  // lie before the snapshot it would start from: its answer is "what the engine recovers".
  if (o->check.blocks_recovery()) {
    fmt::print(
        stderr,
        "ose recover: the journal in {} is damaged, and the engine would refuse it too:\n{}\n"
        "`ose journal verify` lists the damage; `ose journal truncate` cuts a damaged end, "
        "or restore a backup\n",
        o->config.data_dir, describe_problems(o->check));
    return kExitDamaged;
  }
  RecoverOptions ro;
  ro.up_to_seq = a.up_to;
  ro.use_snapshots = !a.no_snapshots;
  std::vector<std::string> notes;
  ro.log = [&](const std::string& m) { notes.push_back(m); };
  auto rec = recover(o->config, o->store, ro);
  if (!rec) {
    fmt::print(stderr, "ose recover: {}\n", rec.error());
    return kExitDamaged;
  }
  const std::string hash = fmt::format("{:016x}", rec->state_hash);
  const bool matches = a.expect.empty() || a.expect == hash;
  if (a.json) {
    nlohmann::json j{{"seq", rec->state.header().seq},
                     {"state_hash", hash},
                     {"snapshot_seq", rec->snapshot_seq},
                     {"replayed", rec->replayed},
                     {"elapsed_ms", static_cast<double>(rec->elapsed_ns) / 1e6},
                     {"notes", notes}};
    if (!a.expect.empty()) j["matches"] = matches;
    fmt::print("{}\n", j.dump(2));
  } else {
    for (const std::string& n : notes) fmt::print("note: {}\n", n);
    fmt::print("recovered seq {} from {} + {} journal records in {:.1f} ms\nstate_hash {}\n",
               rec->state.header().seq,
               rec->snapshot_seq == 0 ? std::string("the config's initial state")
                                      : fmt::format("the snapshot at seq {}", rec->snapshot_seq),
               rec->replayed, static_cast<double>(rec->elapsed_ns) / 1e6, hash);
    if (!a.expect.empty()) {
      fmt::print("{}\n", matches ? "matches --expect" : "DIFFERS from --expect " + a.expect);
    }
  }
  return matches ? 0 : 4;
}

int backup(const StoreArgs& a, const std::string& dest) {
  int code = kExitFailed;
  auto o = open_store(a, true, &code);
  if (!o) {
    fmt::print(stderr, "ose backup: {}\n", o.error());
    return code;
  }
  if (auto b = o->store.backup(dest); !b) {
    fmt::print(stderr, "ose backup: {}\n", b.error());
    return 1;
  }
  // Prove the copy: it opens, and every record and snapshot in it verifies (walked in a child
  // like any environment this tool did not write itself).
  const StoreCheck copy = check_store(dest, {uint64_t{o->config.journal_map_mb} << 20});
  if (!copy.sound()) {
    fmt::print(stderr, "ose backup: the copy in {} does not verify{}:\n{}\n", dest,
               o->check.problems.empty() ? "" : " (the journal it copies is damaged)",
               describe_problems(copy.report));
    return kExitDamaged;
  }
  const VerifyReport& rep = copy.report;
  fmt::print("backed up {} journal records (seq {} .. {}) and {} snapshots into {}\n", rep.records,
             rep.first_seq, rep.last_seq, rep.snapshots, dest);
  return 0;
}

}  // namespace

Run add_recover_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "recover", "Recover the engine's state from its journal into memory and print its hash");
  auto a = std::make_shared<RecoverArgs>();
  cmd->add_option("-c,--config", a->store.config_path, "The engine's config (TOML)")->required();
  cmd->add_option("--data-dir", a->store.data_dir, "The LMDB directory (default: the config's)");
  cmd->add_flag("--check", a->check, "Recover into memory only; print seq and state_hash");
  cmd->add_option("--expect", a->expect, "Exit 4 unless the state_hash is this (16 hex digits)");
  cmd->add_option("--up-to", a->up_to, "Stop after this seq");
  cmd->add_flag("--no-snapshots", a->no_snapshots, "Replay the whole journal from seq 1");
  cmd->add_flag("--json", a->json, "JSON output");
  return [=]() { return cmd->parsed() ? recover_check(*a) : -1; };
}

Run add_backup_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "backup", "Consistent, compacted hot copy of the journal (safe while the engine runs)");
  auto a = std::make_shared<StoreArgs>();
  auto dest = std::make_shared<std::string>();
  cmd->add_option("DEST", *dest, "An empty or new directory")->required();
  cmd->add_option("-c,--config", a->config_path, "The engine's config (TOML)")->required();
  cmd->add_option("--data-dir", a->data_dir, "The LMDB directory (default: the config's)");
  return [=]() { return cmd->parsed() ? backup(*a, *dest) : -1; };
}

}  // namespace ose::tools
