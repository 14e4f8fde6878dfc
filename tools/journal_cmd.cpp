// `ose journal stats|dump|verify|truncate` and `ose snapshot list|take`: the engine's LMDB
// journal and snapshots, read beside a running engine (read-only transactions) or offline.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <thread>

#include "engine/client/state_reader.hpp"
#include "engine/formats/scenario_writer.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store_check.hpp"
#include "shm/clock.hpp"
#include "tools/commands.hpp"
#include "tools/store_access.hpp"

namespace ose::tools {

namespace {

std::string wall_time(int64_t ns) {
  if (ns <= 0) return "-";
  const auto tp = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::nanoseconds(ns)));
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", std::chrono::floor<std::chrono::seconds>(tp));
}

int fail(const char* cmd, const std::string& why, int code = kExitFailed) {
  fmt::print(stderr, "ose {}: {}\n", cmd, why);
  return code;
}

// A journal whose walk found problems but whose structure is sound is still read (stats, dump,
// snapshot list show what is there); the tool says so and exits kExitDamaged.
int warn_damage(const char* cmd, const VerifyReport& check) {
  if (check.problems.empty()) return 0;
  fmt::print(stderr,
             "ose {}: the journal is DAMAGED ({} problem{}; `ose journal verify` lists "
             "them):\n{}\n",
             cmd, check.problems.size(), check.problems.size() == 1 ? "" : "s",
             describe_problems(check));
  return kExitDamaged;
}

void add_store_options(CLI::App* cmd, StoreArgs& a) {
  cmd->add_option("-c,--config", a.config_path, "The engine's config (TOML)")->required();
  cmd->add_option("--data-dir", a.data_dir, "The LMDB directory (default: the config's data_dir)");
}

nlohmann::json snapshot_json(const SnapshotInfo& s) {
  return {{"seq", s.seq},
          {"state_hash", fmt::format("{:016x}", s.state_hash)},
          {"bytes", s.bytes},
          {"taken", wall_time(s.taken_wall_ns)},
          {"ok", s.problem.empty()},
          {"problem", s.problem}};
}

int journal_stats(const StoreArgs& a, bool json) {
  int code = kExitFailed;
  auto o = open_store(a, true, &code);
  if (!o) return fail("journal stats", o.error(), code);
  auto s = o->store.summary(true);
  if (!s) return fail("journal stats", s.error());
  nlohmann::json j;
  j["data_dir"] = o->config.data_dir;
  j["records"] = s->records;
  j["first_seq"] = s->first_seq;
  j["last_seq"] = s->last_seq;
  j["map_size"] = s->map_size;
  j["used_bytes"] = s->used_bytes;
  j["readers"] = s->readers;
  j["max_readers"] = s->max_readers;
  j["snapshots"] = nlohmann::json::array();
  for (const SnapshotInfo& snap : s->snapshots) j["snapshots"].push_back(snapshot_json(snap));
  if (s->checkpoint) {
    j["clean_stop"] = {{"seq", s->checkpoint->seq},
                       {"state_hash", fmt::format("{:016x}", s->checkpoint->state_hash)}};
  }
  if (s->records > 0 && s->first_seq > 1 && o->check.pruned_through + 1 == s->first_seq) {
    j["pruned_through"] = o->check.pruned_through;
  }
  if (json) {
    fmt::print("{}\n", j.dump(2));
    return warn_damage("journal stats", o->check);
  }
  fmt::print("journal {}\n", o->config.data_dir);
  fmt::print("  records    {} (seq {} .. {}){}\n", s->records, s->first_seq, s->last_seq,
             o->check.pruned_through > 0
                 ? fmt::format("; seq 1 .. {} pruned by retention", o->check.pruned_through)
                 : "");
  fmt::print(
      "  snapshots  {}{}\n", s->snapshots.size(),
      s->snapshots.empty() ? "" : fmt::format(" (newest at seq {})", s->snapshots.back().seq));
  fmt::print("  map        {:.1f} MiB used of {:.1f} MiB\n",
             static_cast<double>(s->used_bytes) / (1 << 20),
             static_cast<double>(s->map_size) / (1 << 20));
  fmt::print("  readers    {} of {}\n", s->readers, s->max_readers);
  if (s->checkpoint) {
    fmt::print("  clean stop at seq {} (state hash {:016x})\n", s->checkpoint->seq,
               s->checkpoint->state_hash);
  } else {
    fmt::print("  no clean-stop checkpoint (running, or the last stop was a crash)\n");
  }
  return warn_damage("journal stats", o->check);
}

int journal_dump(const StoreArgs& a, uint64_t from, uint64_t to, bool json) {
  int code = kExitFailed;
  auto o = open_store(a, true, &code);
  if (!o) return fail("journal dump", o.error(), code);
  auto names = genesis_state(o->config);  // names never change; only the tables are read
  if (!names) return fail("journal dump", names.error());
  auto txn = lmdb::Txn::begin(o->store.env(), true);
  if (!txn) return fail("journal dump", txn.error());
  auto cur = lmdb::Cursor::open(*txn, o->store.journal_db());
  if (!cur) return fail("journal dump", cur.error());
  unsigned char kb[8];
  encode_seq_key(from, kb);
  MDB_val k{8, kb}, v{};
  Input in;
  int bad = 0;
  int rc = cur->get(k, v, MDB_SET_RANGE);
  for (; rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
    const uint64_t seq = decode_seq_key(lmdb::view(k)).value_or(0);
    if (seq > to) break;
    const RecordProblem p = decode_journal_record(lmdb::view(v), seq, in);
    if (p != RecordProblem::kNone) {
      ++bad;
      if (json) {
        fmt::print("{}\n", nlohmann::json{{"seq", seq}, {"problem", describe(p)}}.dump());
      } else {
        fmt::print("{:>10}  CORRUPT: {}\n", seq, describe(p));
      }
      continue;
    }
    // The scenario line (DESIGN §8): replayable with `ose replay`, with seq and source added.
    nlohmann::json line = nlohmann::json::parse(scenario_line_of(*names, in));
    if (json) {
      line["seq"] = seq;
      fmt::print("{}\n", line.dump());
    } else {
      const std::string op = line.value("op", "?");
      line.erase("op");
      line.erase("ts");
      fmt::print("{:>10}  {}  {:<12} {}\n", seq, wall_time(in.ts), op, line.dump());
    }
  }
  if (rc != MDB_NOTFOUND && rc != 0) {
    return fail("journal dump", fmt::format("stopped: {}", mdb_strerror(rc)), kExitDamaged);
  }
  const int damaged = warn_damage("journal dump", o->check);
  return bad == 0 ? damaged : kExitDamaged;
}

// The walk runs in a child process (check_store), so a damaged file is reported, never a crash;
// then the genesis hash is compared with the config when the structure allows reading it.
int journal_verify(const StoreArgs& a, bool json) {
  auto config = load_store_config(a);
  if (!config) return fail("journal verify", config.error());
  const StoreCheck check = check_store(config->data_dir, {uint64_t{config->journal_map_mb} << 20});
  if (!check.denied.empty()) return fail("journal verify", check.denied);
  if (!check.present) {
    return fail("journal verify",
                fmt::format("no journal in {} (no data.mdb there)", config->data_dir));
  }
  if (check.readable()) {
    auto o = open_store(a, true);
    if (!o) return fail("journal verify", o.error());
  }
  const VerifyReport& rep = check.report;
  if (json) {
    nlohmann::json j{{"records", rep.records},
                     {"first_seq", rep.first_seq},
                     {"last_seq", rep.last_seq},
                     {"snapshots", rep.snapshots},
                     {"pruned_through", rep.pruned_through},
                     {"structure_sound", rep.structure_sound},
                     {"ok", rep.problems.empty()},
                     {"problems", nlohmann::json::array()}};
    for (const auto& p : rep.problems) j["problems"].push_back({{"seq", p.seq}, {"what", p.what}});
    fmt::print("{}\n", j.dump(2));
  } else {
    if (!rep.structure_sound && rep.records == 0 && rep.snapshots == 0) {
      fmt::print("DAMAGED: the environment could not be walked\n");
    } else {
      fmt::print("{} records (seq {} .. {}), {} snapshots: {}\n", rep.records, rep.first_seq,
                 rep.last_seq, rep.snapshots,
                 rep.problems.empty()
                     ? "every checksum verifies, no gaps, and the walk matches the environment's "
                       "own counts"
                     : "DAMAGED");
    }
    if (rep.pruned_through > 0) {
      fmt::print("  seq 1 .. {} were pruned by retention (a snapshot stands for them)\n",
                 rep.pruned_through);
    }
    for (const auto& p : rep.problems) {
      if (p.seq == 0) {
        fmt::print("  {}\n", p.what);
      } else {
        fmt::print("  seq {}: {}\n", p.seq, p.what);
      }
    }
  }
  return rep.problems.empty() ? 0 : kExitDamaged;
}

int journal_truncate(const StoreArgs& a, uint64_t from, bool yes) {
  auto cfg = load_config_file(a.config_path);
  if (!cfg) return fail("journal truncate", "bad config: " + cfg.error());
  if (live_engine_pid(cfg->name)) {
    return fail("journal truncate",
                fmt::format("engine '{}' is running; stop it first", cfg->name));
  }
  if (!yes) {
    return fail(
        "journal truncate",
        fmt::format("this discards journal records {} and later for good; add --yes", from));
  }
  int code = kExitFailed;
  auto o = open_store(a, false, &code);
  if (!o) return fail("journal truncate", o.error(), code);
  auto removed = o->store.truncate_from(from);
  if (!removed) return fail("journal truncate", removed.error());
  fmt::print("removed {} journal records from seq {} on\n", *removed, from);
  return 0;
}

int snapshot_list(const StoreArgs& a, bool json) {
  int code = kExitFailed;
  auto o = open_store(a, true, &code);
  if (!o) return fail("snapshot list", o.error(), code);
  auto s = o->store.summary(true);
  if (!s) return fail("snapshot list", s.error());
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const SnapshotInfo& snap : s->snapshots) j.push_back(snapshot_json(snap));
    fmt::print("{}\n", j.dump(2));
    return warn_damage("snapshot list", o->check);
  }
  fmt::print("{:>12}  {:<16}  {:>12}  {:<20}  {}\n", "SEQ", "STATE_HASH", "BYTES", "TAKEN",
             "CHECKSUM");
  for (const SnapshotInfo& snap : s->snapshots) {
    fmt::print("{:>12}  {:016x}  {:>12}  {:<20}  {}\n", snap.seq, snap.state_hash, snap.bytes,
               wall_time(snap.taken_wall_ns), snap.problem.empty() ? "ok" : snap.problem);
  }
  if (s->snapshots.empty()) fmt::print("(no snapshots yet)\n");
  return warn_damage("snapshot list", o->check);
}

// A running engine is asked with SIGUSR1 (its Runner cuts the snapshot in small slices between
// inputs and the journal thread writes it, so the engine does not pause); an engine that is not
// running gets its state recovered here and snapshotted directly.
int snapshot_take(const StoreArgs& a, double timeout_s) {
  auto cfg = load_config_file(a.config_path);
  if (!cfg) return fail("snapshot take", "bad config: " + cfg.error());
  if (const auto pid = live_engine_pid(cfg->name)) {
    auto reader = StateReader::attach(cfg->name);
    if (!reader) return fail("snapshot take", reader.error());
    // Relaxed: monitoring counters, each read on its own.
    const JournalStatus& js = reader->header().journal;
    const uint64_t before = js.snapshots_taken.load(std::memory_order_relaxed);
    if (::kill(*pid, SIGUSR1) != 0) {
      return fail("snapshot take",
                  fmt::format("cannot signal engine pid {}: {}", *pid, std::strerror(errno)));
    }
    const int64_t deadline = shm::monotonic_ns() + static_cast<int64_t>(timeout_s * 1e9);
    while (js.snapshots_taken.load(std::memory_order_relaxed) == before) {
      if (shm::monotonic_ns() > deadline) {
        return fail("snapshot take",
                    "the engine took no snapshot in time (is its journal "
                    "failing? see `ose inspect status`)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    fmt::print("engine {} (pid {}) took a snapshot at seq {}\n", cfg->name, *pid,
               js.snapshot_seq.load(std::memory_order_relaxed));
    return 0;
  }
  int code = kExitFailed;
  auto o = open_store(a, false, &code);
  if (!o) return fail("snapshot take", o.error(), code);
  auto rec = recover(o->config, o->store, {});
  if (!rec) return fail("snapshot take", rec.error(), kExitDamaged);
  const uint64_t seq = rec->state.header().seq;
  const std::string value =
      encode_snapshot(seq, rec->state_hash, shm::wall_clock_ns(), rec->state.serialize());
  auto txn = lmdb::Txn::begin(o->store.env(), false);
  if (!txn) return fail("snapshot take", txn.error());
  unsigned char kb[8];
  encode_seq_key(seq, kb);
  MDB_val k{8, kb}, v{value.size(), const_cast<char*>(value.data())};
  if (int rc = mdb_put(txn->get(), o->store.snapshots_db(), &k, &v, 0); rc != 0) {
    return fail("snapshot take", lmdb::describe("mdb_put", rc));
  }
  if (int rc = txn->commit(); rc != 0) {
    return fail("snapshot take", lmdb::describe("mdb_txn_commit", rc));
  }
  fmt::print("engine {} is not running: snapshot of the recovered state at seq {} written\n",
             cfg->name, seq);
  return 0;
}

}  // namespace

Run add_journal_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("journal", "The engine's LMDB journal: stats, dump, verify");
  cmd->require_subcommand(1);
  auto a = std::make_shared<StoreArgs>();
  auto json = std::make_shared<bool>(false);
  auto from = std::make_shared<uint64_t>(1);
  auto to = std::make_shared<uint64_t>(UINT64_MAX);
  auto yes = std::make_shared<bool>(false);

  auto* stats = cmd->add_subcommand("stats", "Records, seq range, snapshots, map use, readers");
  add_store_options(stats, *a);
  stats->add_flag("--json", *json, "JSON output");
  auto* dump = cmd->add_subcommand(
      "dump", "Print journal records as scenario lines (replayable with `ose replay`)");
  add_store_options(dump, *a);
  dump->add_option("--from", *from, "First seq (default 1)");
  dump->add_option("--to", *to, "Last seq (default: the end)");
  dump->add_flag("--json", *json, "One JSON object per record (the scenario format plus seq)");
  auto* verify = cmd->add_subcommand(
      "verify",
      "Walk the journal in a child process: every checksum, the seq order, and LMDB's own counts "
      "and pages; exit 3 if anything is damaged (docs/DURABILITY.md)");
  add_store_options(verify, *a);
  verify->add_flag("--json", *json, "JSON output");
  auto* truncate = cmd->add_subcommand(
      "truncate", "Discard journal records from --from on (repair after a corrupt record)");
  add_store_options(truncate, *a);
  truncate->add_option("--from", *from, "First seq to discard")->required();
  truncate->add_flag("--yes", *yes, "Really discard them");
  return [=]() {
    if (!cmd->parsed()) return -1;
    if (stats->parsed()) return journal_stats(*a, *json);
    if (dump->parsed()) return journal_dump(*a, *from, *to, *json);
    if (verify->parsed()) return journal_verify(*a, *json);
    return journal_truncate(*a, *from, *yes);
  };
}

Run add_snapshot_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("snapshot", "The engine's snapshots: list, take");
  cmd->require_subcommand(1);
  auto a = std::make_shared<StoreArgs>();
  auto json = std::make_shared<bool>(false);
  auto timeout = std::make_shared<double>(60);
  auto* list = cmd->add_subcommand("list", "Snapshots with seq, state hash, size and checksum");
  add_store_options(list, *a);
  list->add_flag("--json", *json, "JSON output");
  auto* take = cmd->add_subcommand(
      "take", "Snapshot now: a running engine is signalled (SIGUSR1); otherwise offline");
  add_store_options(take, *a);
  take->add_option("--timeout", *timeout, "Seconds to wait for a running engine's snapshot");
  return [=]() {
    if (!cmd->parsed()) return -1;
    if (list->parsed()) return snapshot_list(*a, *json);
    return snapshot_take(*a, *timeout);
  };
}

}  // namespace ose::tools
