#include "replication/follower.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/core/apply.hpp"
#include "engine/runtime/ownership.hpp"
#include "engine/runtime/runner.hpp"
#include "engine/runtime/state_segment.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "replication/nats_link.hpp"
#include "replication/status_file.hpp"
#include "replication/stream_claims.hpp"
#include "replication/stream_reader.hpp"
#include "shm/clock.hpp"

namespace ose::replication {

namespace {

// Inputs kept since the last verified snapshot point, so a manifest that arrives after later
// records (the engine committed the snapshot late) can still be checked: the snapshot rolled
// forward by them must give this state. Beyond this many, such a snapshot goes unverified.
constexpr size_t kMaxRecent = 1u << 20;

FollowResult failed(std::string why) {
  return {FollowEnd::kFailed, std::move(why)};
}

// The newest snapshot in the stream: its value and the stream sequence after its manifest.
struct StreamSnapshot {
  std::string value;
  uint64_t seq = 0;
  uint64_t next_stream_seq = 1;
  std::string owner;  // the writer whose messages follow it (StreamReader::open)
};

Result<StreamSnapshot> newest_snapshot(Link& link, const StreamNames& n) {
  StreamSnapshot s;
  auto manifest = last_honoured(link, n, n.manifest);
  if (!manifest) return Error{manifest.error()};
  if (!manifest->msg) return s;
  natsMsg* m = manifest->msg.get();
  const auto seq = header_u64(m, kHdrSnapSeq);
  const auto hash = header_u64(m, kHdrStateHash, 16);
  const auto chunks = header_u64(m, kHdrChunks);
  const auto first = header_u64(m, kHdrFirstChunk);
  if (!seq || !hash || !chunks || !first) return Error{"the newest manifest lacks a header"};
  for (uint64_t i = 0; i < *chunks; ++i) {
    auto c = link.get(n.stream, *first + i);
    if (!c) return Error{c.error()};
    if (!*c) {
      return Error{fmt::format("the snapshot at seq {}: chunk {} (stream sequence {}) is gone",
                               *seq, i, *first + i)};
    }
    s.value += data(c->get());
  }
  std::string why;
  const auto snap = decode_snapshot(s.value, &why);
  if (!snap || snap->header.seq != *seq || snap->header.state_hash != *hash) {
    return Error{fmt::format("the snapshot at seq {} in the stream does not verify: {}", *seq,
                             !snap ? why : "its seq or hash differs from its manifest")};
  }
  s.seq = *seq;
  auto owner = claim_at_or_before(link, n, manifest->stream_seq);
  if (!owner) return Error{owner.error()};
  if (*owner) s.owner = (*owner)->writer;
  // Any fenced leftovers between the manifest and the next honoured message are skipped by the
  // reader; it starts right after the manifest.
  s.next_stream_seq = manifest->stream_seq + 1;
  return s;
}

// A local store for the follower's journal, empty, bound to the genesis; holding the snapshot
// the follower starts from, so a recovery of this store (a takeover) starts where it did.
// Where a follower stands in the stream, beside its journal (`follow_position`): the stream
// sequence of the last message whose records its journal holds durably, and the journal seq
// the stream continues after there. A restarted follower recovers its journal and reads on from
// that message; the records it already holds are skipped. Written only once the journal made
// them durable, so it never runs ahead of the journal.
struct Position {
  uint64_t stream_seq = 0;
  uint64_t seq = 0;
};

std::string position_path(const std::string& dir) {
  return dir + "/follow_position";
}

std::optional<Position> read_position(const std::string& dir) {
  std::ifstream in(position_path(dir));
  Position p;
  if (!(in >> p.stream_seq >> p.seq)) return std::nullopt;
  return p;
}

void write_position(const std::string& dir, Position p) {
  const std::string path = position_path(dir);
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << p.stream_seq << ' ' << p.seq << '\n';
  }
  std::rename((path + ".tmp").c_str(), path.c_str());
}

Result<Store> local_store(const EngineConfig& c, bool reset, uint64_t genesis,
                          const StreamSnapshot& snap) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (reset) {
    fs::remove(fs::path(c.data_dir) / "data.mdb", ec);
    fs::remove(fs::path(c.data_dir) / "lock.mdb", ec);
    fs::remove(fs::path(position_path(c.data_dir)), ec);
  }
  fs::create_directories(c.data_dir, ec);
  auto store = Store::open(c.data_dir, {uint64_t{c.journal_map_mb} << 20, false});
  if (!store) return Error{store.error()};
  if (auto b = store->bind_genesis(genesis); !b) return Error{b.error()};
  if (snap.seq != 0) {
    auto txn = lmdb::Txn::begin(store->env(), false);
    if (!txn) return Error{txn.error()};
    unsigned char key[8];
    encode_seq_key(snap.seq, key);
    MDB_val k{8, key};
    MDB_val v{snap.value.size(), const_cast<char*>(snap.value.data())};
    if (int rc = mdb_put(txn->get(), store->snapshots_db(), &k, &v, 0); rc != 0) {
      return Error{lmdb::describe("mdb_put", rc)};
    }
    if (int rc = txn->commit(); rc != 0) return Error{lmdb::describe("mdb_txn_commit", rc)};
  }
  return store;
}

// Where a follower starts: its state, its local journal, and where it reads the stream on.
struct FollowStart {
  std::optional<State> state;
  std::optional<Store> store;
  uint64_t verified = 0;
  Position position;  // read on after this message, expecting the journal seq after this seq
  std::string owner;
  std::string from;  // for the log
};

// A fresh start: the stream's newest snapshot (or the config's initial state) into an empty
// local journal.
Result<FollowStart> fresh_start(Link& link, const StreamNames& names, const EngineConfig& config,
                                const State& genesis, bool reset) {
  auto snap = newest_snapshot(link, names);
  if (!snap) return Error{snap.error()};
  auto state = genesis.clone();
  if (!state) return Error{state.error()};
  if (snap->seq != 0) {
    std::string why;
    const auto view = decode_snapshot(snap->value, &why);
    if (auto ok = state->restore(view->state_bytes); !ok) return Error{ok.error()};
  }
  auto store = local_store(config, reset, genesis.hash(), *snap);
  if (!store) return Error{store.error()};
  FollowStart s;
  s.state.emplace(std::move(*state));
  s.store.emplace(std::move(*store));
  s.verified = snap->seq;
  s.position = {snap->next_stream_seq - 1, snap->seq};
  s.owner = snap->owner;
  s.from = snap->seq == 0 ? std::string("the config's initial state")
                          : fmt::format("the snapshot at seq {}", snap->seq);
  write_position(config.data_dir, s.position);
  return s;
}

// A restart: the local journal recovered, the stream read on after the last message it holds.
Result<FollowStart> resume(Link& link, const StreamNames& names, const EngineConfig& config,
                           const State& genesis, const FollowOptions& o) {
  const auto pos = read_position(config.data_dir);
  if (!pos) {
    return Error{fmt::format(
        "{} holds a journal but no {}: not a follower's (or an older follower's). Remove it, or "
        "pass --reset to rebuild it from the stream",
        config.data_dir, position_path(config.data_dir))};
  }
  auto store = Store::open(config.data_dir, {uint64_t{config.journal_map_mb} << 20, false});
  if (!store) return Error{store.error()};
  if (auto b = store->bind_genesis(genesis.hash()); !b) return Error{b.error()};
  RecoverOptions ro;
  ro.log = o.log;
  auto rec = recover(config, *store, ro);
  if (!rec) return Error{"recovering the local journal: " + rec.error()};
  const uint64_t seq = rec->state.header().seq;
  if (pos->seq > seq) {
    return Error{
        fmt::format("{} says seq {} was applied but the journal ends at {}: pass --reset "
                    "to rebuild from the stream",
                    position_path(config.data_dir), pos->seq, seq)};
  }
  auto ends = link.stream_ends(names.stream);
  if (!ends) return Error{ends.error()};
  if (pos->stream_seq + 1 < ends->first) {
    return Error{fmt::format(
        "stream {} no longer holds stream sequence {} (its limits dropped everything before "
        "{}): this follower cannot read on from seq {}; pass --reset to rebuild from the "
        "stream's newest snapshot",
        names.stream, pos->stream_seq + 1, ends->first, seq)};
  }
  if (pos->stream_seq != 0) {
    // The message the position names must still be the one this follower read: a stream
    // deleted and recreated under the same name holds other messages at those sequences.
    auto m = link.get(names.stream, pos->stream_seq);
    if (!m) return Error{m.error()};
    const bool same = *m && (natsMsg_GetSubject(m->get()) != names.journal ||
                             header_u64(m->get(), kHdrLast) == pos->seq);
    if (!same) {
      return Error{fmt::format(
          "stream {} at sequence {} is not the message this follower read last (the stream was "
          "recreated?): pass --reset to rebuild from the stream",
          names.stream, pos->stream_seq)};
    }
  }
  auto owner = claim_at_or_before(link, names, pos->stream_seq);
  if (!owner) return Error{owner.error()};
  FollowStart s;
  s.verified = rec->snapshot_seq;
  s.state.emplace(std::move(rec->state));
  s.store.emplace(std::move(*store));
  s.position = *pos;
  if (*owner) s.owner = (*owner)->writer;
  s.from = fmt::format("its own journal at seq {} ({} records replayed)", seq, rec->replayed);
  return s;
}

class Status {
 public:
  // With the local state segment's group and mode.
  Status(std::string path, const shm::SegmentOwner& owner, uint32_t mode)
      : path_(std::move(path)), owner_(owner), mode_(mode) {}
  ~Status() { std::remove(path_.c_str()); }
  void write(const std::string& stream, uint64_t applied, uint64_t verified, uint64_t stream_seq,
             bool force) {
    const int64_t now = shm::monotonic_ns();
    if (!force && now < next_ns_) return;
    next_ns_ = now + 100'000'000;
    write_status_file(
        path_,
        fmt::format(
            "{{\"role\": \"follower\", \"pid\": {}, \"stream\": \"{}\", \"applied_seq\": {}, "
            "\"verified_seq\": {}, \"stream_seq\": {}, \"wall_ns\": {}}}\n",
            ::getpid(), stream, applied, verified, stream_seq, shm::wall_clock_ns()),
        owner_, mode_);
  }

 private:
  std::string path_;
  shm::SegmentOwner owner_;
  uint32_t mode_;
  int64_t next_ns_ = 0;
};

}  // namespace

FollowResult follow(const FollowOptions& o, const std::atomic<bool>& stop) {
  std::string why;
  const auto names = stream_names(o.engine, &why);
  if (!names) return failed(why);
  LinkOptions lo;
  lo.url = o.url;
  lo.client_name = "ose-follow-" + o.engine;
  auto link = Link::connect_within(lo, 5000);
  if (!link) return failed(link.error());
  auto claim = link->last_on(names->stream, names->claim);
  if (!claim) return failed(claim.error());
  if (!*claim)
    return failed(
        fmt::format("stream {} holds no claim: no replicator wrote it yet", names->stream));
  auto config = load_config_string(data(claim->get()), "the config in stream " + names->stream);
  if (!config) return failed(config.error());
  const uint64_t engine_genesis = header_u64(claim->get(), kHdrGenesis, 16).value_or(0);
  config->name = o.as.empty() ? o.engine : o.as;
  config->data_dir = o.data_dir.empty() ? "./ose-follow-" + config->name : o.data_dir;
  config->state_group = o.state_group;
  if (o.state_mode != 0) config->state_mode = o.state_mode;
  auto state_owner = plan_state_owner("--state-group", config->state_group);
  if (!state_owner) return failed(state_owner.error());
  auto genesis = genesis_state(*config);
  if (!genesis) return failed(genesis.error());
  if (genesis->hash() != engine_genesis) {
    return failed(fmt::format(
        "the config in the stream lays out a state with genesis hash {:016x}, but the engine's "
        "was {:016x}: a different build",
        genesis->hash(), engine_genesis));
  }

  namespace fs = std::filesystem;
  std::error_code ec;
  const bool resuming = !o.reset && fs::exists(fs::path(config->data_dir) / "data.mdb", ec);
  auto start = resuming ? resume(*link, *names, *config, *genesis, o)
                        : fresh_start(*link, *names, *config, *genesis, o.reset);
  if (!start) return failed(start.error());
  State* state = &*start->state;
  const uint64_t start_seq = state->header().seq;
  uint64_t verified = start->verified;

  remove_dead_engine_files(config->name);
  auto lock = lock_engine(config->name);
  if (!lock) return failed(lock.error());
  auto segment = StateSegmentWriter::create(*config, state, *state_owner);
  if (!segment) return failed(segment.error());
  segment->publish();
  // No Runner to keep from allocating here: the follower's queue grows as a catch-up needs
  // rather than being allocated and touched whole up front (journal_max_behind inputs, 20 MB at
  // the default: most of a catch-up's CPU before this). What is journaled is the same.
  JournalOptions journal_options = JournalOptions::from(*config);
  journal_options.max_behind = 0;
  auto journal = Journal::start(std::move(*start->store), start_seq, nullptr, journal_options,
                                &segment->header().journal, o.log);
  if (!journal) {
    segment->unlink();
    return failed(journal.error());
  }
  auto reader = StreamReader::open(*link, *names, start->position.stream_seq + 1,
                                   start->position.seq + 1, start->owner);
  if (!reader) {
    segment->unlink();
    return failed(reader.error());
  }
  o.log(fmt::format(
      "following stream {} as engine {} from {} (stream sequence {}); local "
      "journal in {}",
      names->stream, config->name, start->from, start->position.stream_seq + 1, config->data_dir));

  Status status(status_path(config->name), *state_owner, config->state_mode);
  NullEventSink sink;
  // A vector, not a deque: a deque of 136-byte inputs allocates a node per three of them.
  std::vector<Input> recent;
  // Messages read whose records are not durable in the local journal yet: the position file
  // moves past each once they are (write_position).
  std::deque<Position> read;
  Position written = start->position;
  Position newest = written;
  // The file is replaced at most every 50 ms (and at the end): each replacement is a create, a
  // write and a rename, which once per message cost a catch-up ~10 % of its CPU. A position that
  // trails the journal is safe: a restart skips the records it reads again.
  int64_t next_position_ns = 0;
  const auto advance_position = [&](uint64_t durable, bool force) {
    while (!read.empty() && read.front().seq <= durable) {
      newest = read.front();
      read.pop_front();
    }
    const int64_t now = shm::monotonic_ns();
    if (newest.stream_seq != written.stream_seq && (force || now >= next_position_ns)) {
      write_position(config->data_dir, newest);
      written = newest;
      next_position_ns = now + 50'000'000;
    }
  };
  StreamItem item;
  FollowResult r;
  // Relaxed: a stop flag.
  while (!stop.load(std::memory_order_relaxed)) {
    // Relaxed: a liveness figure, as the engine's Runner writes it. This loop comes round at least
    // every 100 ms (the stream read's timeout), so a quiet stream never looks like a hung follower
    // (`ose inspect status`, ose_heartbeat_age_seconds and its alert in docs/OPERATIONS.md).
    segment->segment_header().heartbeat_ns.store(shm::monotonic_ns(), std::memory_order_relaxed);
    const uint64_t applied = segment->state().header().seq;
    status.write(names->stream, applied, verified, reader->last_stream_seq(), false);
    advance_position((*journal)->durable_seq(), false);
    auto got = reader->next(item, 100);
    if (!got) {
      r = {FollowEnd::kDiverged, got.error()};
      break;
    }
    if (!*got) continue;
    read.push_back({item.stream_seq, reader->expected_seq() - 1});
    if (item.kind == StreamItem::Kind::kRecords) {
      for (const Input& in : item.inputs) {
        if (in.seq <= start_seq) continue;  // resumed: the local journal holds it already
        segment->begin_input();
        const ApplyOutcome outcome = apply(segment->state(), in, sink);
        segment->publish_input(outcome);
        // SYNC(applied_seq): release, as the engine's Runner: readers that see this seq see the
        // input's records closed.
        segment->header().applied_seq.store(in.seq, std::memory_order_release);
        (*journal)->on_input(in);
        if (recent.size() < kMaxRecent) recent.push_back(in);
      }
      continue;
    }
    if (item.kind == StreamItem::Kind::kClaim) {
      if (item.genesis != engine_genesis) {
        r = {FollowEnd::kDiverged,
             fmt::format("a claim at stream sequence {} has another genesis hash: the stream now "
                         "holds another engine's journal",
                         item.stream_seq)};
        break;
      }
      continue;
    }
    // A snapshot point: the engine's state hash at its seq against this one's.
    const uint64_t x = item.snapshot_seq;
    uint64_t mine = 0;
    if (x == applied) {
      mine = segment->state().hash();
    } else if (x < applied && !recent.empty() && recent.front().seq <= x + 1 &&
               recent.back().seq == applied) {
      // Late manifest: the snapshot rolled forward by the inputs since must give this state.
      auto scratch = genesis->clone();
      std::string bad;
      const auto view = decode_snapshot(item.snapshot_value, &bad);
      if (!scratch || !view || !scratch->restore(view->state_bytes)) {
        r = {FollowEnd::kDiverged, fmt::format("the snapshot at seq {} does not restore", x)};
        break;
      }
      for (const Input& in : recent) {
        if (in.seq > x) apply(*scratch, in, sink);
      }
      mine = segment->state().hash();
      item.state_hash = scratch->hash();
    } else {
      o.log(fmt::format("the snapshot at seq {} came after seq {} and cannot be verified", x,
                        applied));
      continue;
    }
    if (mine != item.state_hash) {
      r = {FollowEnd::kDiverged,
           fmt::format("state hash mismatch at snapshot seq {}: the engine's is {:016x}, this "
                       "follower's {:016x}: the follower stops (nothing past seq {} is trusted)",
                       x, item.state_hash, mine, applied)};
      break;
    }
    verified = x;
    recent.clear();
    o.log(fmt::format("state hash {:016x} verified at snapshot seq {}", mine, x));
  }
  const uint64_t applied = segment->state().header().seq;
  status.write(names->stream, applied, verified, reader->last_stream_seq(), true);
  auto stopped = (*journal)->stop(applied, segment->state().hash());
  if (!stopped && r.why.empty()) r = failed("local journal: " + stopped.error());
  if (stopped) advance_position(*stopped, true);
  segment->unlink();
  r.applied_seq = applied;
  r.verified_seq = verified;
  return r;
}

Result<InMemoryReplica> InMemoryReplica::rebuild(Link& link, const StreamNames& names) {
  auto claim = link.last_on(names.stream, names.claim);
  if (!claim) return Error{claim.error()};
  if (!*claim) return Error{fmt::format("stream {} holds no claim", names.stream)};
  auto config = load_config_string(data(claim->get()), "the config in stream " + names.stream);
  if (!config) return Error{config.error()};
  const uint64_t genesis = header_u64(claim->get(), kHdrGenesis, 16).value_or(0);
  auto ends = link.stream_ends(names.stream);
  if (!ends) return Error{ends.error()};
  auto state = genesis_state(*config);
  if (!state) return Error{state.error()};
  auto snap = newest_snapshot(link, names);
  if (!snap) return Error{snap.error()};
  std::string why;
  if (snap->seq != 0) {
    const auto view = decode_snapshot(snap->value, &why);
    if (auto ok = state->restore(view->state_bytes); !ok) return Error{ok.error()};
  }
  InMemoryReplica replica(names, std::move(*state), genesis);
  if (snap->next_stream_seq > ends->last) return replica;  // nothing past the snapshot yet
  auto reader = StreamReader::open(link, names, snap->next_stream_seq, snap->seq + 1, snap->owner);
  if (!reader) return Error{reader.error()};
  replica.reader_.emplace(std::move(*reader));
  if (auto ok = replica.catch_up(ends->last); !ok) return Error{ok.error()};
  return replica;
}

Result<bool> InMemoryReplica::catch_up(uint64_t stream_last) {
  if (!reader_) {
    return Error{
        fmt::format("stream {} grew past the snapshot this replica was built from", names_.stream)};
  }
  NullEventSink sink;
  StreamItem item;
  while (reader_->last_stream_seq() < stream_last) {
    auto got = reader_->next(item, 2000);
    if (!got) return Error{fmt::format("stream {}: {}", names_.stream, got.error())};
    if (!*got) {
      return Error{fmt::format("stream {}: no message past sequence {} of {}", names_.stream,
                               reader_->last_stream_seq(), stream_last)};
    }
    if (item.kind == StreamItem::Kind::kRecords) {
      for (const Input& in : item.inputs) apply(state_, in, sink);
    } else if (item.kind == StreamItem::Kind::kClaim && genesis_ != 0 && item.genesis != genesis_) {
      return Error{fmt::format("stream {}: a claim at stream sequence {} has another genesis hash",
                               names_.stream, item.stream_seq)};
    } else if (item.kind == StreamItem::Kind::kSnapshot &&
               item.snapshot_seq == state_.header().seq && state_.hash() != item.state_hash) {
      return Error{fmt::format("stream {}: state hash mismatch at snapshot seq {}", names_.stream,
                               item.snapshot_seq)};
    }
  }
  return true;
}

}  // namespace ose::replication
