#include "tools/export/export_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "engine/core/apply.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "shm/clock.hpp"
#include "tools/export/derive.hpp"
#include "tools/export/schema.hpp"

namespace ose::sql_export {

namespace {

constexpr size_t kChunk = 4096;  // journal records per read transaction

// Records from seq `from` on, at most `max`, in one read transaction; fewer (none) at the end.
Result<bool> read_journal(Store& store, uint64_t from, size_t max, std::vector<Input>& out) {
  out.clear();
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return Error{txn.error()};
  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  if (!cur) return Error{cur.error()};
  unsigned char kb[8];
  encode_seq_key(from, kb);
  MDB_val k{8, kb}, v{};
  uint64_t expected = from;
  int rc = cur->get(k, v, MDB_SET_RANGE);
  for (; rc == 0 && out.size() < max; rc = cur->get(k, v, MDB_NEXT), ++expected) {
    const auto seq = decode_seq_key(lmdb::view(k));
    if (!seq) return Error{"the journal holds a key that is not a seq; run `ose journal verify`"};
    if (*seq != expected) {
      if (expected == 1) {
        return Error{
            fmt::format("the journal starts at seq {}: its history before was pruned by retention "
                        "([engine].snapshots_keep), or never was in it (a follower's journal, and "
                        "an engine's after a takeover, start at the snapshot the follower started "
                        "from), and an export needs every input from seq 1",
                        *seq)};
      }
      return Error{fmt::format(
          "journal record {} is missing (the next one is {}). `ose journal verify` lists the "
          "damage",
          expected, *seq)};
    }
    Input& in = out.emplace_back();
    const RecordProblem p = decode_journal_record(lmdb::view(v), expected, in);
    if (p != RecordProblem::kNone) {
      return Error{
          fmt::format("journal record {} is corrupt ({}). `ose journal verify` lists "
                      "the damage",
                      expected, describe(p))};
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) {
    return Error{
        fmt::format("the journal cannot be read past seq {}: {}", expected - 1, mdb_strerror(rc))};
  }
  return true;
}

std::string hex(uint64_t v) {
  return fmt::format("{:016x}", v);
}

// Creates the schema and checks that the database may take this engine's rows; returns the seq
// and state hash it holds for the engine (0 and "" for none). Nothing is committed on an error.
struct Held {
  uint64_t seq = 0;
  std::string hash;
};
// A fresh database gets every version's statements; an older export is migrated in place
// (schema_steps from its version), in the caller's transaction.
Result<bool> bring_schema_up_to_date(SqlSink& sink) {
  if (auto ok = sink.exec(schema_version_sql(sink.dialect())); !ok) return ok;
  auto version = sink.query("SELECT max(version) FROM schema_version");
  if (!version) return Error{version.error()};
  const auto& v = version->at(0).at(0);
  const int held = v ? std::stoi(*v) : 0;
  if (held > kSchemaVersion) {
    return Error{fmt::format(
        "{} holds an export of schema version {}, newer than this ose writes ({}): export with "
        "that newer ose, or into another database",
        sink.describe(), held, kSchemaVersion)};
  }
  if (held == kSchemaVersion) return true;
  for (const std::string& sql : schema_steps(sink.dialect(), held)) {
    if (auto ok = sink.exec(sql); !ok) return ok;
  }
  return sink.exec(
      held == 0 ? fmt::format("INSERT INTO schema_version (version) VALUES ({})", kSchemaVersion)
                : fmt::format("UPDATE schema_version SET version = {}", kSchemaVersion));
}

Result<Held> open_schema(SqlSink& sink, const std::string& engine, uint64_t genesis_hash) {
  if (auto ok = bring_schema_up_to_date(sink); !ok) return Error{ok.error()};
  const std::string p = placeholder(sink.dialect(), 0);
  auto engines = sink.query("SELECT genesis_hash FROM engines WHERE engine = " + p, {engine});
  if (!engines) return Error{engines.error()};
  if (!engines->empty() && engines->at(0).at(0).value_or("") != hex(genesis_hash)) {
    return Error{fmt::format(
        "{} holds rows of another engine named '{}' (genesis hash {}, this journal's is {}: "
        "another config or another run). Export into another database, or rename the engine",
        sink.describe(), engine, engines->at(0).at(0).value_or("?"), hex(genesis_hash))};
  }
  auto state =
      sink.query("SELECT last_seq, state_hash FROM ose_export_state WHERE engine = " + p, {engine});
  if (!state) return Error{state.error()};
  Held held;
  if (!state->empty()) {
    held.seq = std::stoull(state->at(0).at(0).value_or("0"));
    held.hash = state->at(0).at(1).value_or("");
  }
  return held;
}

// The first column of a query's rows.
Result<std::vector<std::string>> names(SqlSink& sink, const std::string& sql) {
  auto rows = sink.query(sql);
  if (!rows) return Error{rows.error()};
  std::vector<std::string> out;
  for (const auto& r : *rows) out.push_back(r.at(0).value_or(""));
  return out;
}

bool holds(const std::vector<std::string>& v, const char* name) {
  return std::find(v.begin(), v.end(), name) != v.end();
}

constexpr const char* kRebuildTable =
    "CREATE TABLE IF NOT EXISTS ose_export_rebuild (index_name TEXT PRIMARY KEY)";

// Drops the secondary indexes the database has, listing each in ose_export_rebuild.
Result<bool> drop_indexes_for_bulk(SqlSink& sink) {
  if (auto ok = sink.exec(kRebuildTable); !ok) return ok;
  auto present = names(sink, sink.dialect() == Dialect::kSqlite
                                 ? "SELECT name FROM sqlite_master WHERE type = 'index'"
                                 : "SELECT indexname FROM pg_indexes WHERE schemaname = "
                                   "current_schema()");
  if (!present) return Error{present.error()};
  for (const SecondaryIndex& i : secondary_indexes()) {
    if (!holds(*present, i.name)) continue;
    if (auto ok = sink.exec(drop_index_sql(i)); !ok) return ok;
    if (auto ok = sink.exec(fmt::format(
            "INSERT INTO ose_export_rebuild (index_name) VALUES ('{}') ON CONFLICT DO NOTHING",
            i.name));
        !ok) {
      return ok;
    }
  }
  return true;
}

// Builds the indexes ose_export_rebuild lists (a bulk catch-up dropped them) and empties it.
Result<bool> rebuild_dropped_indexes(SqlSink& sink) {
  if (auto ok = sink.exec(kRebuildTable); !ok) return ok;
  auto dropped = names(sink, "SELECT index_name FROM ose_export_rebuild");
  if (!dropped) return Error{dropped.error()};
  if (dropped->empty()) return true;
  for (const SecondaryIndex& i : secondary_indexes()) {
    if (!holds(*dropped, i.name)) continue;
    if (auto ok = sink.exec(create_index_sql(i)); !ok) return ok;
  }
  return sink.exec("DELETE FROM ose_export_rebuild");
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<ExportSummary> run_export(const EngineConfig& config, Store& store, SqlSink& sink,
                                 const ExportOptions& o) {
  const int64_t t0 = shm::monotonic_ns();
  auto genesis = genesis_state(config);
  if (!genesis) return Error{genesis.error()};
  const uint64_t genesis_hash = genesis->hash();
  auto journal_last = store.last_seq();
  if (!journal_last) return Error{journal_last.error()};

  Deriver d(config.name, *genesis, sink);
  // One transaction: the schema, the checks (the journal's state hash at the database's seq
  // among them), the engine's row. Any refusal rolls it all back, so a refused database is left
  // exactly as it was: its schema version and its engines row (data_dir) included.
  if (auto ok = sink.exec("BEGIN"); !ok) return Error{ok.error()};
  const auto refuse = [&](const std::string& why) -> Error {
    (void)sink.exec("ROLLBACK");
    return Error{why};
  };
  auto held = open_schema(sink, config.name, genesis_hash);
  if (!held) return refuse(held.error());
  if (held->seq > *journal_last) {
    return refuse(fmt::format(
        "{} holds engine '{}' up to seq {}, but its journal in {} ends at seq {}: not the journal "
        "that export was made from",
        sink.describe(), config.name, held->seq, store.dir(), *journal_last));
  }
  if (auto ok = d.prepare(); !ok) return refuse(ok.error());

  ExportSummary summary;
  summary.resumed_from = held->seq;
  auto state = genesis->clone();
  if (!state) return refuse(state.error());
  State& s = *state;
  WriteLog log(VersionLayout::for_caps(s.caps()));
  s.log_writes(&log);

  // Catch up without writing: the database holds everything up to held->seq.
  std::vector<Input> chunk;
  while (s.header().seq < held->seq) {
    const size_t want = std::min<uint64_t>(kChunk, held->seq - s.header().seq);
    if (auto ok = read_journal(store, s.header().seq + 1, want, chunk); !ok)
      return refuse(ok.error());
    if (chunk.empty()) return refuse(fmt::format("the journal ends before seq {}", held->seq));
    for (const Input& in : chunk) {
      log.clear();
      apply(s, in, d);
      if (auto ok = d.after_input(in, s, log, false); !ok) return refuse(ok.error());
    }
  }
  if (held->seq > 0 && hex(s.hash()) != held->hash) {
    return refuse(fmt::format(
        "{} holds engine '{}' up to seq {} with state hash {}, but this journal gives {} there: "
        "the export was made from another journal. Export into another database",
        sink.describe(), config.name, held->seq, held->hash, hex(s.hash())));
  }
  if (auto ok = d.write_engine(genesis_hash, store.dir()); !ok) return refuse(ok.error());
  if (auto ok = sink.exec("COMMIT"); !ok) return Error{ok.error()};

  bool open = false;
  uint32_t in_batch = 0;
  int64_t last_ts = 0;
  const auto begin = [&]() -> Result<bool> {
    if (open) return true;
    open = true;
    return sink.exec("BEGIN");
  };
  const auto commit = [&]() -> Result<bool> {
    if (auto ok = d.flush(s); !ok) return ok;
    summary.state_hash = s.hash();
    if (auto ok = d.write_export_state(s.header().seq, summary.state_hash); !ok) return ok;
    if (auto ok = sink.exec("COMMIT"); !ok) return ok;
    open = false;
    in_batch = 0;
    ++summary.transactions;
    if (o.follow && last_ts != 0) {
      summary.lag_ms_last = static_cast<double>(shm::wall_clock_ns() - last_ts) / 1e6;
      summary.lag_ms_max = std::max(summary.lag_ms_max, summary.lag_ms_last);
    }
    return true;
  };

  // A bulk catch-up drops the secondary indexes and builds them once it has caught up: one sort
  // per index instead of a B-tree insert per row. Only when the load at least doubles what the
  // database holds, so that the sort is not over mostly old rows. ose_export_rebuild lists what
  // it dropped, in the transaction that drops them, so that a run after a kill builds them
  // again; an index a user dropped is not listed and stays dropped.
  const uint64_t behind = *journal_last - held->seq;
  const bool bulk = behind > o.rebuild_indexes_over && behind >= held->seq;
  bool indexed = !bulk;
  const auto build_indexes = [&]() -> Result<bool> {
    if (indexed) return true;
    indexed = true;
    if (o.progress) o.progress("caught up: building the secondary indexes");
    if (auto ok = sink.exec("BEGIN"); !ok) return ok;
    if (auto ok = rebuild_dropped_indexes(sink); !ok) return ok;
    return sink.exec("COMMIT");
  };

  // The first transaction writes everything that exists, then the new inputs follow.
  if (auto ok = begin(); !ok) return Error{ok.error()};
  // In the first writing transaction: after the checks above, so a refused target keeps them.
  if (auto ok = bulk ? drop_indexes_for_bulk(sink) : rebuild_dropped_indexes(sink); !ok) {
    return Error{ok.error()};
  }
  if (auto ok = d.write_all(s); !ok) return Error{ok.error()};
  const auto row_file = std::filesystem::path(store.dir()) / "backtest.json";
  if (std::filesystem::exists(row_file)) {
    if (auto ok = d.write_backtest(read_file(row_file)); !ok) return Error{ok.error()};
    summary.backtest = true;
  }
  bool wrote_all = false;
  int64_t next_progress = shm::monotonic_ns() + 1'000'000'000;
  uint64_t journal_end = *journal_last;
  for (;;) {
    if (auto ok = read_journal(store, s.header().seq + 1, kChunk, chunk); !ok) {
      return Error{ok.error()};
    }
    for (const Input& in : chunk) {
      if (auto ok = begin(); !ok) return Error{ok.error()};
      log.clear();
      apply(s, in, d);
      if (auto ok = d.after_input(in, s, log, true); !ok) return Error{ok.error()};
      ++summary.inputs;
      last_ts = in.ts;
      if (++in_batch >= o.batch) {
        if (auto ok = commit(); !ok) return Error{ok.error()};
        wrote_all = true;
      }
    }
    if (o.progress && shm::monotonic_ns() >= next_progress) {
      next_progress = shm::monotonic_ns() + 1'000'000'000;
      if (auto end = store.last_seq(); end) journal_end = *end;
      const double secs = static_cast<double>(shm::monotonic_ns() - t0) / 1e9;
      o.progress(fmt::format("seq {} of {}, {} rows ({:.0f} rows/s){}", s.header().seq, journal_end,
                             d.rows_written(), static_cast<double>(d.rows_written()) / secs,
                             o.follow ? fmt::format(", lag {:.1f} ms", summary.lag_ms_last) : ""));
    }
    // Asked to stop: at once, even behind the engine (what was read so far is committed).
    const bool stopping = o.follow && o.stop && o.stop();
    if (!chunk.empty() && !stopping) continue;
    // Caught up: whatever is pending goes in now.
    if (open && (in_batch > 0 || !wrote_all)) {
      if (auto ok = commit(); !ok) return Error{ok.error()};
      wrote_all = true;
    }
    if (auto ok = build_indexes(); !ok) return Error{ok.error()};
    if (!o.follow || stopping) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
  }
  if (open) (void)sink.exec("ROLLBACK");  // an empty transaction
  summary.last_seq = s.header().seq;
  summary.state_hash = s.hash();
  summary.rows = d.rows_written();
  summary.seconds = static_cast<double>(shm::monotonic_ns() - t0) / 1e9;
  return summary;
}

}  // namespace ose::sql_export
