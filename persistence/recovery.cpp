#include "persistence/recovery.hpp"

#include <fmt/format.h>

#include "engine/core/apply.hpp"
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
  for (int rc = cur->get(k, v, MDB_LAST); rc == 0; rc = cur->get(k, v, MDB_PREV)) {
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
    note(o, fmt::format("snapshot at seq {} is unusable ({}); falling back to an older one", seq,
                        why));
  }
  return r;
}

}  // namespace

Result<Recovered> recover(const EngineConfig& config, Store& store, const RecoverOptions& o) {
  const int64_t t0 = shm::monotonic_ns();
  auto genesis = genesis_state(config);
  if (!genesis) return Error{genesis.error()};
  if (auto b = store.bind_genesis(genesis->hash()); !b) return Error{b.error()};
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return Error{txn.error()};
  auto start = from_newest_snapshot(std::move(*genesis), store, *txn, o);
  if (!start) return Error{start.error()};
  Recovered r = std::move(*start);

  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  if (!cur) return Error{cur.error()};
  uint64_t expected = r.snapshot_seq + 1;
  unsigned char kb[8];
  encode_seq_key(expected, kb);
  MDB_val k{8, kb}, v{};
  NullEventSink null_sink;
  EventSink& sink = o.sink != nullptr ? *o.sink : null_sink;
  Input in;
  int rc = cur->get(k, v, MDB_SET_RANGE);
  for (; rc == 0 && expected <= o.up_to_seq; rc = cur->get(k, v, MDB_NEXT), ++expected) {
    const auto seq = decode_seq_key(lmdb::view(k));
    if (!seq) return Error{"the journal holds a key that is not a seq; run `ose journal verify`"};
    if (*seq != expected) {
      return Error{fmt::format(
          "journal record {} is missing (the next one is {}){}: recovery stops there and the "
          "state past seq {} is not served. `ose journal verify` lists the damage",
          expected, *seq,
          r.snapshot_seq == 0 && expected == 1 ? " and no snapshot covers the pruned start" : "",
          expected - 1)};
    }
    const RecordProblem p = decode_journal_record(lmdb::view(v), expected, in);
    if (p != RecordProblem::kNone) {
      return Error{fmt::format(
          "journal record {} is corrupt ({}): recovery stops there and the state past seq {} is "
          "not served. `ose journal verify` lists the damage; `ose journal truncate --from {}` "
          "discards that record and everything after it",
          expected, describe(p), expected - 1, expected)};
    }
    apply(r.state, in, sink);
    if (o.after_input) o.after_input(in, r.state);
    ++r.replayed;
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return Error{lmdb::describe("mdb_cursor_get", rc)};
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

Result<VerifyReport> verify_store(Store& store) {
  VerifyReport rep;
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return Error{txn.error()};
  auto problem = [&](uint64_t seq, std::string what) {
    if (rep.problems.size() < 100) rep.problems.push_back({seq, std::move(what)});
  };
  {
    auto cur = lmdb::Cursor::open(*txn, store.journal_db());
    if (!cur) return Error{cur.error()};
    MDB_val k{}, v{};
    Input in;
    uint64_t prev = 0;
    for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
      const auto seq = decode_seq_key(lmdb::view(k));
      if (!seq) {
        problem(prev + 1, "a key that is not a seq");
        continue;
      }
      if (rep.records == 0) rep.first_seq = *seq;
      if (prev != 0 && *seq != prev + 1) {
        problem(prev + 1, fmt::format("records {}..{} are missing", prev + 1, *seq - 1));
      }
      const RecordProblem p = decode_journal_record(lmdb::view(v), *seq, in);
      if (p != RecordProblem::kNone) problem(*seq, std::string(describe(p)));
      prev = *seq;
      rep.last_seq = *seq;
      ++rep.records;
    }
  }
  {
    auto cur = lmdb::Cursor::open(*txn, store.snapshots_db());
    if (!cur) return Error{cur.error()};
    MDB_val k{}, v{};
    for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
      const uint64_t seq = decode_seq_key(lmdb::view(k)).value_or(0);
      std::string why;
      if (!decode_snapshot(lmdb::view(v), &why)) problem(seq, "snapshot: " + why);
      ++rep.snapshots;
    }
  }
  return rep;
}

}  // namespace ose
