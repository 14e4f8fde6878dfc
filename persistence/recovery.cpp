#include "persistence/recovery.hpp"

#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "engine/core/apply.hpp"
#include "engine/core/prefetch.hpp"
#include "persistence/journal_format.hpp"
#include "shm/clock.hpp"

namespace ose {

Result<State> genesis_state(const EngineConfig& config) {
  return State::create(config);
}

namespace {

void note(const RecoverOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

// Tries the snapshots newest first; returns the state of the first that verifies, or the
// genesis state when none does.
Result<Recovered> from_newest_snapshot(State genesis, Store& store, const lmdb::Txn& txn,
                                       const RecoverOptions& o) {
  Recovered r{std::move(genesis)};
  if (!o.use_snapshots) return r;
  auto cur = lmdb::Cursor::open(txn, store.snapshots_db());
  if (!cur) return Error{cur.error()};
  MDB_val k{}, v{};
  const MDB_cursor_op first = o.oldest_snapshot ? MDB_FIRST : MDB_LAST;
  const MDB_cursor_op next = o.oldest_snapshot ? MDB_NEXT : MDB_PREV;
  int rc = cur->get(k, v, first);
  for (; rc == 0; rc = cur->get(k, v, next)) {
    const uint64_t seq = decode_seq_key(lmdb::view(k)).value_or(0);
    if (seq > o.up_to_seq) continue;
    std::string why;
    auto snap = decode_snapshot(lmdb::view(v), &why);
    if (snap && snap->header.seq != seq) why = "its seq differs from its key";
    if (snap && why.empty()) {
      auto restored = r.state.clone();
      if (!restored) return Error{restored.error()};
      if (auto ok = restored->restore(snap->state_bytes); !ok) {
        why = "it does not restore: " + ok.error();
      } else if (restored->hash() != snap->header.state_hash) {
        why = "the restored state's hash differs from the one stored with it";
      } else {
        r.state = std::move(*restored);
        r.snapshot_seq = seq;
        return r;
      }
    }
    note(o, fmt::format("snapshot at seq {} is unusable ({}); falling back to {} one", seq, why,
                        o.oldest_snapshot ? "a newer" : "an older"));
  }
  if (rc != MDB_NOTFOUND) {
    return Error{
        fmt::format("the snapshots cannot be read: {}. `ose journal verify` lists the "
                    "damage",
                    mdb_strerror(rc))};
  }
  return r;
}

// The journal starts at `first` > 1 and recovery was to start from seq 1: either retention
// pruned the start (a snapshot stands for it) or records are lost.
std::string pruned_start(Store& store, const lmdb::Txn& txn, uint64_t first,
                         const RecoverOptions& o) {
  uint64_t oldest = 0;
  uint64_t newest = 0;
  if (auto cur = lmdb::Cursor::open(txn, store.snapshots_db())) {
    MDB_val k{}, v{};
    if (cur->get(k, v, MDB_FIRST) == 0) oldest = decode_seq_key(lmdb::view(k)).value_or(0);
    if (cur->get(k, v, MDB_LAST) == 0) newest = decode_seq_key(lmdb::view(k)).value_or(0);
  }
  if (newest + 1 >= first) {
    return fmt::format(
        "the journal's history before seq {} was pruned by retention ([engine].snapshots_keep "
        "keeps the newest snapshots and the records after the oldest of them, here seq {}): "
        "nothing is damaged, but {} from seq 1 is not possible. Start from a snapshot instead{}",
        first, oldest, o.use_snapshots ? "recovery" : "a replay",
        o.use_snapshots ? " (every snapshot is unusable: `ose journal verify` says why)"
                        : " (`ose recover` without --no-snapshots, `ose report "
                          "--from-oldest-snapshot`)");
  }
  return fmt::format(
      "journal records 1..{} are missing and no snapshot stands for them: recovery cannot start. "
      "`ose journal verify` lists the damage; restore a backup",
      first - 1);
}

// The format version of the newest journal record; 0 when there is none or it cannot be read.
uint16_t newest_record_format(Store& store) {
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return 0;
  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  if (!cur) return 0;
  MDB_val k{}, v{};
  uint16_t version = 0;
  if (cur->get(k, v, MDB_LAST) == 0 && v.mv_size >= sizeof version) {
    std::memcpy(&version, v.mv_data, sizeof version);
  }
  return version;
}

// A genesis hash that differs because an older build laid the State out, not because the config
// changed: named as such, with both formats and the way to still read the journal.
std::string older_build(uint16_t format) {
  return fmt::format(
      "the journal was written by an older build (journal format {}; this build writes format {} "
      "and reads formats {} to {}, and snapshots of format {} only). Its genesis state hash was "
      "laid out by that build, so it cannot be checked against this config, and recovery refuses "
      "the journal rather than guess. Its records are still read: `ose journal dump --json` "
      "gives them as a scenario that `ose replay` applies. Start the engine in a new data_dir",
      format, kJournalFormatVersion, kJournalFormatOldestRead, kJournalFormatVersion,
      kSnapshotFormatVersion);
}

}  // namespace

Result<Recovered> recover(const EngineConfig& config, Store& store, const RecoverOptions& o) {
  const int64_t t0 = shm::monotonic_ns();
  auto genesis = genesis_state(config);
  if (!genesis) return Error{genesis.error()};
  if (auto b = store.bind_genesis(genesis->hash()); !b) {
    const uint16_t format = newest_record_format(store);
    if (format != 0 && format < kJournalFormatOfThisStateLayout) {
      return Error{older_build(format)};
    }
    return Error{b.error()};
  }
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return Error{txn.error()};
  auto start = from_newest_snapshot(std::move(*genesis), store, *txn, o);
  if (!start) return Error{start.error()};
  Recovered r = std::move(*start);
  if (o.on_start) o.on_start(r.state);

  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  if (!cur) return Error{cur.error()};
  uint64_t expected = r.snapshot_seq + 1;
  unsigned char kb[8];
  encode_seq_key(expected, kb);
  MDB_val k{8, kb}, v{};
  NullEventSink null_sink;
  EventSink& sink = o.sink != nullptr ? *o.sink : null_sink;
  // Records are decoded a batch at a time and applied with the lookahead of prefetch.hpp: the
  // next inputs' orders and index entries are fetched while one is applied.
  Input batch[64];
  size_t batched = 0;
  const auto apply_batch = [&] {
    apply_stream(r.state, batch, batched, sink, [&](size_t i, const ApplyOutcome&) {
      if (o.after_input) o.after_input(batch[i], r.state);
    });
    r.replayed += batched;
    batched = 0;
  };
  int rc = cur->get(k, v, MDB_SET_RANGE);
  for (; rc == 0 && expected <= o.up_to_seq; rc = cur->get(k, v, MDB_NEXT), ++expected) {
    if (batched == std::size(batch)) apply_batch();
    const auto seq = decode_seq_key(lmdb::view(k));
    if (!seq) {
      apply_batch();
      return Error{"the journal holds a key that is not a seq; run `ose journal verify`"};
    }
    if (*seq != expected) {
      apply_batch();
      if (expected == 1 && r.snapshot_seq == 0) return Error{pruned_start(store, *txn, *seq, o)};
      return Error{fmt::format(
          "journal record {} is missing (the next one is {}): recovery stops there and the "
          "state past seq {} is not served. `ose journal verify` lists the damage",
          expected, *seq, expected - 1)};
    }
    const RecordProblem p = decode_journal_record(lmdb::view(v), expected, batch[batched]);
    if (p != RecordProblem::kNone) {
      apply_batch();
      return Error{fmt::format(
          "journal record {} is corrupt ({}): recovery stops there and the state past seq {} is "
          "not served. `ose journal verify` lists the damage; `ose journal truncate --from {}` "
          "discards that record and everything after it",
          expected, describe(p), expected - 1, expected)};
    }
    ++batched;
  }
  apply_batch();
  if (rc != 0 && rc != MDB_NOTFOUND) {
    return Error{fmt::format(
        "the journal cannot be read past seq {}: {}. The state past it is not served; `ose "
        "journal verify` lists the damage",
        expected - 1, mdb_strerror(rc))};
  }
  txn->abort();
  r.state_hash = r.state.hash();
  // A clean stop recorded the hash it stopped at: the replay must land on it exactly.
  auto summary = store.summary(false);
  if (summary && summary->checkpoint && summary->checkpoint->seq == r.state.header().seq &&
      summary->checkpoint->state_hash != r.state_hash) {
    return Error{fmt::format(
        "replay reached seq {} with state hash {:016x}, but the engine stopped there with "
        "{:016x}: the journal does not reproduce the state (a different build or config?)",
        r.state.header().seq, r.state_hash, summary->checkpoint->state_hash)};
  }
  r.elapsed_ns = shm::monotonic_ns() - t0;
  return r;
}

namespace {

// One database walked key by key. LMDB returns its own errors for pages of the wrong kind
// (MDB_CORRUPTED, MDB_PAGE_NOTFOUND); a page in the wrong place that still looks right is found
// by comparing the walk with the database's own entry count and ends.
struct Walk {
  uint64_t entries = 0;
  int rc = MDB_NOTFOUND;  // what ended the walk
  MDB_stat stat{};
  int stat_rc = 0;
};

constexpr MDB_dbi kFreeDbi = 0;  // LMDB's free-page list (FREE_DBI in mdb.c)
constexpr MDB_dbi kMainDbi = 1;  // LMDB's main database: the named databases' records

template <typename Visit>
Walk walk_db(MDB_txn* txn, MDB_dbi dbi, Visit&& visit) {
  Walk w;
  w.stat_rc = mdb_stat(txn, dbi, &w.stat);
  MDB_cursor* cur = nullptr;
  if ((w.rc = mdb_cursor_open(txn, dbi, &cur)) != 0) return w;
  MDB_val k{}, v{};
  for (w.rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); w.rc == 0;
       w.rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    ++w.entries;
    visit(k, v);
  }
  mdb_cursor_close(cur);
  return w;
}

// The key at one end of a database, found by descending its spine (not by the walk).
std::optional<uint64_t> end_key(MDB_txn* txn, MDB_dbi dbi, MDB_cursor_op op) {
  MDB_cursor* cur = nullptr;
  if (mdb_cursor_open(txn, dbi, &cur) != 0) return std::nullopt;
  MDB_val k{}, v{};
  std::optional<uint64_t> seq;
  if (mdb_cursor_get(cur, &k, &v, op) == 0) seq = decode_seq_key(lmdb::view(k));
  mdb_cursor_close(cur);
  return seq;
}

uint64_t pages_of(const MDB_stat& s) {
  return uint64_t{s.ms_branch_pages} + s.ms_leaf_pages + s.ms_overflow_pages;
}

}  // namespace

Result<VerifyReport> verify_store(Store& store, WalkProgress* progress) {
  VerifyReport rep;
  WalkProgress local;
  WalkProgress& at = progress != nullptr ? *progress : local;
  auto problem = [&](uint64_t seq, std::string what, bool snapshot_only = false) {
    if (rep.problems.size() < 100) rep.problems.push_back({seq, std::move(what), snapshot_only});
  };
  auto structural = [&](uint64_t seq, std::string what) {
    rep.structure_sound = false;
    problem(seq, std::move(what));
  };
  at.stage = "opening a read transaction";
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return Error{txn.error()};
  // After an LMDB error the transaction refuses everything (MDB_BAD_TXN): the next database is
  // walked in a fresh one. Without errors one transaction serves all, so the cross-checks compare
  // one consistent view even beside a writing engine.
  auto fresh_txn_after_error = [&](int rc) -> bool {
    if (rc == 0 || rc == MDB_NOTFOUND) return true;
    txn->abort();
    auto t = lmdb::Txn::begin(store.env(), true);
    if (!t) {
      structural(0, "cannot begin another read transaction: " + t.error());
      return false;
    }
    *txn = std::move(*t);
    return true;
  };
  auto ended_badly = [](const Walk& w) { return w.rc != MDB_NOTFOUND; };

  // The journal.
  at.stage = "the journal";
  at.last_key = 0;
  Input in;
  uint64_t prev = 0;
  const Walk jw = walk_db(txn->get(), store.journal_db(), [&](const MDB_val& k, const MDB_val& v) {
    const auto seq = decode_seq_key(lmdb::view(k));
    if (!seq) {
      problem(prev + 1, "a key that is not a seq");
      return;
    }
    at.last_key = *seq;
    if (rep.records == 0) rep.first_seq = *seq;
    if (prev != 0 && *seq <= prev) {
      structural(*seq, fmt::format("key {} follows key {}: the journal's pages are out of order",
                                   *seq, prev));
    } else if (prev != 0 && *seq != prev + 1) {
      problem(prev + 1, fmt::format("records {}..{} are missing", prev + 1, *seq - 1));
    }
    const RecordProblem p = decode_journal_record(lmdb::view(v), *seq, in);
    if (p != RecordProblem::kNone) problem(*seq, std::string(describe(p)));
    prev = *seq;
    rep.last_seq = *seq;
    ++rep.records;
  });
  if (ended_badly(jw)) {
    structural(prev + 1,
               fmt::format("the journal cannot be read past {}: {}",
                           prev == 0 ? std::string("its start") : fmt::format("seq {}", prev),
                           mdb_strerror(jw.rc)));
  } else if (jw.stat_rc == 0 && jw.stat.ms_entries != rep.records) {
    structural(0, fmt::format("the journal database counts {} records but its pages hold {} "
                              "(seq {} .. {}): pages are missing, damaged or out of place",
                              jw.stat.ms_entries, rep.records, rep.first_seq, rep.last_seq));
  } else if (rep.records > 0) {
    const auto first = end_key(txn->get(), store.journal_db(), MDB_FIRST);
    const auto last = end_key(txn->get(), store.journal_db(), MDB_LAST);
    if (first != rep.first_seq || last != rep.last_seq) {
      structural(0, fmt::format("the journal's ends (seq {} .. {}) differ from what a walk of its "
                                "pages finds (seq {} .. {}): pages are out of place",
                                first.value_or(0), last.value_or(0), rep.first_seq, rep.last_seq));
    }
  }
  if (!fresh_txn_after_error(jw.rc)) return rep;

  // The snapshots.
  at.stage = "the snapshots";
  at.last_key = 0;
  std::vector<uint64_t> snapshot_seqs;
  const Walk sw =
      walk_db(txn->get(), store.snapshots_db(), [&](const MDB_val& k, const MDB_val& v) {
        const uint64_t seq = decode_seq_key(lmdb::view(k)).value_or(0);
        at.last_key = seq;
        std::string why;
        if (!decode_snapshot(lmdb::view(v), &why)) {
          problem(seq, "snapshot: " + why, true);
        } else {
          snapshot_seqs.push_back(seq);
        }
        ++rep.snapshots;
      });
  if (ended_badly(sw)) {
    structural(0, fmt::format("the snapshots cannot be read past the {} found: {}", rep.snapshots,
                              mdb_strerror(sw.rc)));
  } else if (sw.stat_rc == 0 && sw.stat.ms_entries != rep.snapshots) {
    structural(0, fmt::format("the snapshot database counts {} snapshots but its pages hold {}: "
                              "pages are missing, damaged or out of place",
                              sw.stat.ms_entries, rep.snapshots));
  }
  if (!fresh_txn_after_error(sw.rc)) return rep;

  // The meta database: the genesis hash and the clean-stop checkpoint.
  at.stage = "the meta database";
  at.last_key = 0;
  bool genesis = false;
  std::optional<Checkpoint> checkpoint;
  const Walk mw = walk_db(txn->get(), store.meta_db(), [&](const MDB_val& k, const MDB_val& v) {
    const std::string_view key = lmdb::view(k);
    if (key == "genesis_hash") {
      genesis = v.mv_size == sizeof(uint64_t);
      if (!genesis) problem(0, "the stored genesis hash has the wrong size");
    } else if (key == "checkpoint") {
      if (v.mv_size != sizeof(Checkpoint)) {
        problem(0, "the clean-stop checkpoint has the wrong size");
      } else {
        Checkpoint c;
        std::memcpy(&c, v.mv_data, sizeof c);
        checkpoint = c;
      }
    }
  });
  if (ended_badly(mw)) {
    structural(0, fmt::format("the meta database (genesis hash, checkpoint) cannot be read: {}",
                              mdb_strerror(mw.rc)));
  } else if (mw.stat_rc == 0 && mw.stat.ms_entries != mw.entries) {
    structural(0, fmt::format("the meta database counts {} entries but its pages hold {}: the "
                              "genesis hash or the clean-stop checkpoint is lost",
                              mw.stat.ms_entries, mw.entries));
  } else if (!genesis && (rep.records > 0 || rep.snapshots > 0)) {
    problem(0, "the meta database has no genesis hash: the journal cannot be bound to a config");
  }
  if (!fresh_txn_after_error(mw.rc)) return rep;

  // LMDB's own books: the main database (the named databases' records) and the free-page list
  // are walked too, and every page up to the meta page's last page must be in a database or
  // free (mdb.c's own audit: a page neither used nor free was lost).
  at.stage = "LMDB's free-page list";
  at.last_key = 0;
  // mdb_env_info reports the newest meta page, not the one this read transaction sees: while
  // a writer commits (an engine beside `ose export --follow`), the two differ and the pages
  // would not add up. The audit is only exact when the ids match; otherwise it is skipped for
  // this pass (the last page only grows, so the bound on free page numbers still holds).
  MDB_envinfo info{};
  mdb_env_info(store.env().get(), &info);
  const uint64_t last_pgno = info.me_last_pgno;
  const bool meta_is_this_snapshot = info.me_last_txnid == mdb_txn_id(txn->get());
  uint64_t free_pages = 0;
  bool free_ok = true;
  const Walk fw = walk_db(txn->get(), kFreeDbi, [&](const MDB_val& k, const MDB_val& v) {
    (void)k;
    // The value is an ID list: a count, then that many page numbers (pgno_t, size_t).
    size_t n = 0;
    if (v.mv_size >= sizeof n) std::memcpy(&n, v.mv_data, sizeof n);
    if (v.mv_size < sizeof n || v.mv_size != (n + 1) * sizeof n) {
      free_ok = false;
      return;
    }
    const auto* ids = static_cast<const unsigned char*>(v.mv_data) + sizeof n;
    for (size_t i = 0; i < n; ++i) {
      size_t pgno = 0;
      std::memcpy(&pgno, ids + i * sizeof pgno, sizeof pgno);
      if (pgno < 2 || pgno > last_pgno) free_ok = false;
    }
    free_pages += n;
  });
  at.stage = "LMDB's main database";
  const Walk mainw = walk_db(txn->get(), kMainDbi, [](const MDB_val&, const MDB_val&) {});
  if (ended_badly(fw) || !free_ok) {
    structural(0, fmt::format("LMDB's free-page list is damaged{}",
                              ended_badly(fw) ? std::string(": ") + mdb_strerror(fw.rc) : ""));
  } else if (ended_badly(mainw)) {
    structural(0, fmt::format("LMDB's main database (the list of databases) is damaged: {}",
                              mdb_strerror(mainw.rc)));
  } else if (meta_is_this_snapshot && fw.stat_rc == 0 && mainw.stat_rc == 0 && jw.stat_rc == 0 &&
             sw.stat_rc == 0 && mw.stat_rc == 0) {
    const uint64_t used = pages_of(fw.stat) + pages_of(mainw.stat) + pages_of(jw.stat) +
                          pages_of(sw.stat) + pages_of(mw.stat) + free_pages + 2;
    if (used != last_pgno + 1) {
      structural(0, fmt::format("the meta page says pages 0 .. {} are in use but the databases "
                                "and the free list account for {}: pages are lost or doubly used",
                                last_pgno, used));
    }
  }
  at.stage = "the cross-checks";

  // What the journal needs to be recoverable: its start is seq 1 or a snapshot stands for the
  // records retention pruned; no snapshot or checkpoint lies past its end.
  const uint64_t newest_snapshot = snapshot_seqs.empty() ? 0 : snapshot_seqs.back();
  if (rep.records > 0 && rep.first_seq > 1) {
    if (newest_snapshot + 1 >= rep.first_seq) {
      rep.pruned_through = rep.first_seq - 1;
    } else {
      problem(1, fmt::format("records 1..{} are missing and no snapshot stands for them",
                             rep.first_seq - 1));
    }
  } else if (rep.records == 0 && !snapshot_seqs.empty()) {
    rep.pruned_through = snapshot_seqs.front();
  }
  if (rep.records > 0) {
    for (uint64_t s : snapshot_seqs) {
      if (s > rep.last_seq) {
        problem(s, fmt::format("the snapshot at seq {} is past the journal's end (seq {})", s,
                               rep.last_seq));
      }
    }
  }
  if (checkpoint && checkpoint->seq > std::max(rep.last_seq, newest_snapshot)) {
    problem(checkpoint->seq, fmt::format("the clean stop was recorded at seq {} but the journal "
                                         "ends at seq {}: records are lost",
                                         checkpoint->seq, std::max(rep.last_seq, newest_snapshot)));
  }
  return rep;
}

}  // namespace ose
