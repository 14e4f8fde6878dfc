#include "replication/replicator.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "persistence/replicated_mark.hpp"
#include "replication/status_file.hpp"
#include "replication/stream_claims.hpp"
#include "shm/clock.hpp"

namespace ose::replication {

namespace {

constexpr const char* kExpectedLastSeqHdr = "Nats-Expected-Last-Sequence";

std::string random_writer_id() {
  std::random_device rd;
  const uint64_t v = (uint64_t{rd()} << 32) ^ rd() ^ static_cast<uint64_t>(::getpid());
  return hex64(v);
}

void sleep_ms(int64_t ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

Result<std::unique_ptr<Replicator>> Replicator::create(EngineConfig config, std::string config_text,
                                                       Store store,
                                                       const ReplicatorOptions& options, Log log) {
  std::string why;
  auto names = stream_names(config.name, &why);
  if (!names) return Error{why};
  auto genesis = genesis_state(config);
  if (!genesis) return Error{genesis.error()};
  std::unique_ptr<Replicator> r(new Replicator());
  r->genesis_ = genesis->hash();
  r->config_ = std::move(config);
  r->config_text_ = std::move(config_text);
  r->store_ = std::make_unique<Store>(std::move(store));
  r->options_ = options;
  r->log_ = std::move(log);
  r->names_ = std::move(*names);
  r->writer_ = random_writer_id();
  LinkOptions lo;
  lo.url = options.url;
  lo.client_name = "ose-replicate-" + r->names_.engine;
  lo.api_wait_ms = options.ack_wait_ms;
  lo.max_in_flight = options.max_in_flight;
  lo.ack_handler = &Replicator::on_ack;
  lo.ack_closure = r.get();
  auto link = Link::connect(lo);
  if (!link) return Error{link.error()};
  r->link_ = std::make_unique<Link>(std::move(*link));
  return r;
}

Replicator::~Replicator() {
  if (control_ != nullptr) {
    natsSubscription_Unsubscribe(control_);
    natsSubscription_Destroy(control_);
  }
  link_.reset();  // closes the connection: no ack callback runs past this point
  // Only its own: a second replicator refused at start (another one writes the stream) or fenced
  // out by a takeover beside it must not remove the file the running writer keeps.
  if (!options_.status_path.empty()) {
    remove_status_file_holding(options_.status_path, fmt::format("\"writer\": \"{}\"", writer_));
  }
}

void Replicator::on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure) {
  static_cast<Replicator*>(closure)->acked(msg, pa, pae);
  natsMsg_Destroy(msg);
}

void Replicator::acked(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae) {
  std::lock_guard lock(mu_);
  --in_flight_;
  if (pa != nullptr) {
    // The ack must be for the place in the chain the message asked for; a duplicate (the
    // Nats-Msg-Id was seen) or any other place means the stream is not what this writer thinks.
    const auto expected = header_u64(msg, kExpectedLastSeqHdr);
    if (pa->Duplicate || !expected || pa->Sequence != *expected + 1) {
      need_resync_ = true;
      last_error_ =
          fmt::format("stream sequence {} acknowledged{} where {} was expected", pa->Sequence,
                      pa->Duplicate ? " as a duplicate" : "", expected ? *expected + 1 : 0);
    } else if (const auto last = header_u64(msg, kHdrLast);
               last && natsMsg_GetSubject(msg) == names_.journal) {
      // Relaxed: a monitoring figure (the lag) and the drained result, read after acks stop.
      if (*last > acked_seq_.load(std::memory_order_relaxed)) {
        acked_seq_.store(*last, std::memory_order_relaxed);
      }
    }
  } else if (pae != nullptr) {
    need_resync_ = true;
    last_error_ = describe("publish", pae->Err, pae->ErrCode);
    if (pae->ErrText != nullptr) last_error_ += fmt::format(" ({})", pae->ErrText);
  }
  cv_.notify_all();
}

void Replicator::on_control(natsConnection* nc, natsSubscription*, natsMsg* msg, void* closure) {
  const auto* self = static_cast<const Replicator*>(closure);
  if (const char* reply = natsMsg_GetReply(msg); reply != nullptr) {
    const std::string who = fmt::format("pid {} writer {}", ::getpid(), self->writer_);
    natsConnection_PublishString(nc, reply, who.c_str());
  }
  natsMsg_Destroy(msg);
}

bool Replicator::wait_connected(const std::atomic<bool>& stop) {
  bool said = false;
  while (!link_->connected()) {
    // Relaxed: a stop flag.
    if (stop.load(std::memory_order_relaxed)) return false;
    if (!said) log_(fmt::format("waiting for the NATS server at {}", options_.url));
    said = true;
    sleep_ms(50);
  }
  return true;
}

bool Replicator::publish(const std::string& subject, std::string_view body,
                         const std::string& msg_id,
                         std::initializer_list<std::pair<const char*, std::string>> headers) {
  natsMsg* m = nullptr;
  if (natsMsg_Create(&m, subject.c_str(), nullptr, body.data(), static_cast<int>(body.size())) !=
      NATS_OK) {
    std::lock_guard lock(mu_);
    need_resync_ = true;
    last_error_ = "natsMsg_Create failed";
    return false;
  }
  natsMsgHeader_Set(m, kHdrWriter, writer_.c_str());
  for (const auto& [k, v] : headers) natsMsgHeader_Set(m, k, v.c_str());
  // The writer in the id: the server deduplicates one writer's retries, never a claimant's
  // message against a fenced writer's leftover holding the same seqs (which readers ignore).
  const std::string id = msg_id + ":" + writer_;
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = id.c_str();
  po.ExpectLastSeq = expect_last_;
  // And the id of the message before it, which this writer published: a sequence alone only
  // counts messages, so after one publish is refused (a claim took its place) the next one in
  // flight would find exactly the sequence it expects and be stored. Naming the predecessor
  // refuses the whole rest of the pipeline. The first message after a claim or a resync names
  // only the sequence, read from the stream just before (the server's last id is not kept
  // across its restarts).
  po.ExpectLastMsgId = last_msg_id_.empty() ? nullptr : last_msg_id_.c_str();
  po.MaxWait = options_.ack_wait_ms;
  {
    std::lock_guard lock(mu_);
    ++in_flight_;
  }
  const natsStatus s = js_PublishMsgAsync(link_->js(), &m, &po);
  natsMsg_Destroy(m);  // no-op when cnats took it
  if (s != NATS_OK) {
    std::lock_guard lock(mu_);
    --in_flight_;
    need_resync_ = true;
    last_error_ = describe("js_PublishMsgAsync", s);
    return false;
  }
  ++expect_last_;
  last_msg_id_ = id;
  // Relaxed: a monitoring count.
  published_msgs_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

ReplicatorResult Replicator::claim(const std::atomic<bool>& stop) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (!wait_connected(stop)) return {ReplicatorEnd::kStopped, "stopped before connecting"};
    if (auto made = link_->ensure_stream(names_.stream, names_.all, options_.limits); !made) {
      last_error_ = made.error();
      sleep_ms(100);
      continue;
    } else if (*made) {
      log_(fmt::format("created stream {} (subjects {})", names_.stream, names_.all));
    }
    if (!options_.takeover) {
      natsMsg* reply = nullptr;
      const natsStatus s =
          natsConnection_RequestString(&reply, link_->conn(), names_.control.c_str(), "who", 300);
      if (s == NATS_OK) {
        std::string who(data(reply));
        natsMsg_Destroy(reply);
        return {ReplicatorEnd::kRefused,
                fmt::format("another replicator already writes stream {} ({}): a second one "
                            "would interleave. Stop it first, or pass --takeover to fence it out",
                            names_.stream, who)};
      }
    }
    auto ends = link_->stream_ends(names_.stream);
    if (!ends) {
      last_error_ = ends.error();
      sleep_ms(100);
      continue;
    }
    auto prev = link_->last_on(names_.stream, names_.claim);
    if (!prev) {
      last_error_ = prev.error();
      sleep_ms(100);
      continue;
    }
    if (*prev) {
      const auto g = header_u64(prev->get(), kHdrGenesis, 16);
      if (!g || *g != genesis_) {
        return {ReplicatorEnd::kFailed,
                fmt::format("stream {} holds the journal of an engine with genesis hash {}, this "
                            "config's is {}: another config (or another engine of the same name). "
                            "Delete the stream or rename the engine",
                            names_.stream, header(prev->get(), kHdrGenesis).value_or("none"),
                            hex64(genesis_))};
      }
    }
    // Where this writer would resume, from the honoured tail (stream_claims.hpp), decided before
    // claiming: a journal that cannot continue the stream must not take it from its owner.
    auto tail = honoured_tail(*link_, names_);
    if (!tail) {
      last_error_ = tail.error();
      sleep_ms(100);
      continue;
    }
    if (ReplicatorResult at = start_position(*tail); at.end != ReplicatorEnd::kStopped) return at;
    // A synchronous publish: the claim must be in place before anything follows it. It records
    // the honoured tail it continues, so readers can tell a fenced writer's leftovers from it.
    natsMsg* m = nullptr;
    natsMsg_Create(&m, names_.claim.c_str(), nullptr, config_text_.data(),
                   static_cast<int>(config_text_.size()));
    Msg owned(m);
    natsMsgHeader_Set(m, kHdrWriter, writer_.c_str());
    natsMsgHeader_Set(m, kHdrGenesis, hex64(genesis_).c_str());
    natsMsgHeader_Set(m, kHdrPrevClaim,
                      std::to_string(tail->claim ? tail->claim->stream_seq : 0).c_str());
    natsMsgHeader_Set(m, kHdrLastJournal, std::to_string(tail->journal.stream_seq).c_str());
    natsMsgHeader_Set(m, kHdrLastManifest, std::to_string(tail->manifest.stream_seq).c_str());
    natsMsgHeader_Set(m, kHdrAfterSeq, std::to_string(tail->last_seq()).c_str());
    const std::string id = claim_msg_id(names_, writer_);
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MsgId = id.c_str();
    po.ExpectLastSeq = ends->last;  // 0 (an empty stream): no expectation, the id dedups
    po.MaxWait = options_.ack_wait_ms;
    jsPubAck* pa = nullptr;
    jsErrCode code = static_cast<jsErrCode>(0);
    const natsStatus s = js_PublishMsg(&pa, link_->js(), m, &po, &code);
    if (s != NATS_OK) {
      // 10071: the stream moved between the look and the claim (a late message): look again.
      last_error_ = describe("claiming the stream", s, code);
      sleep_ms(code == JSStreamWrongLastSequenceErr ? 10 : 100);
      continue;
    }
    expect_last_ = pa->Sequence;
    last_msg_id_ = id;
    jsPubAck_Destroy(pa);
    if (control_ == nullptr &&
        natsConnection_Subscribe(&control_, link_->conn(), names_.control.c_str(),
                                 &Replicator::on_control, this) != NATS_OK) {
      return {ReplicatorEnd::kFailed, "cannot subscribe to " + names_.control};
    }
    log_(fmt::format("claimed stream {} at sequence {} as writer {}", names_.stream, expect_last_,
                     writer_));
    log_(fmt::format("resuming at journal seq {} (stream sequence {})", next_seq_, expect_last_));
    return {ReplicatorEnd::kStopped, {}};
  }
  return {ReplicatorEnd::kFailed, "could not claim the stream: " + last_error_};
}

// Where publishing starts: after the last journal seq the stream holds. A journal that is
// behind the stream is not this stream's; one whose retention pruned past the stream's end is
// bridged by its newest snapshot.
ReplicatorResult Replicator::start_position(const HonouredTail& tail) {
  natsMsg* last_journal = tail.journal.msg.get();
  const uint64_t stream_last =
      last_journal != nullptr ? header_u64(last_journal, kHdrLast).value_or(0) : 0;
  last_snapshot_ =
      tail.manifest.msg ? header_u64(tail.manifest.msg.get(), kHdrSnapSeq).value_or(0) : 0;
  auto summary = store_->summary(false);
  if (!summary) return {ReplicatorEnd::kFailed, summary.error()};
  journal_last_ = summary->last_seq;
  if (stream_last > summary->last_seq) {
    return {ReplicatorEnd::kFenced,
            fmt::format("fenced out: stream {} holds journal seqs up to {} but the journal in {} "
                        "ends at {}: another engine (a takeover) has written past this one, or "
                        "this journal lost records",
                        names_.stream, stream_last, config_.data_dir, summary->last_seq)};
  }
  if (stream_last != 0) {
    if (auto diverged = same_record(last_journal, stream_last); !diverged.empty()) {
      return {ReplicatorEnd::kFenced, diverged};
    }
  }
  next_seq_ = std::max(stream_last, last_snapshot_) + 1;
  // Relaxed: a monitoring figure (the stream acknowledged these before this writer came).
  if (stream_last > acked_seq_.load(std::memory_order_relaxed)) {
    acked_seq_.store(stream_last, std::memory_order_relaxed);
  }
  const uint64_t first = summary->records == 0 ? summary->last_seq + 1 : summary->first_seq;
  if (next_seq_ < first && !summary->snapshots.empty()) {
    // Retention pruned records the stream never got: the newest snapshot stands for them.
    const uint64_t snap = summary->snapshots.back().seq;
    log_(
        fmt::format("the journal starts at seq {} (pruned) and the stream ends at {}: "
                    "bridging with the snapshot at seq {}",
                    first, next_seq_ - 1, snap));
    next_seq_ = 0;  // step() publishes the snapshot first
    last_snapshot_ = 0;
  }
  return {ReplicatorEnd::kStopped, {}};
}

// Empty when the stream's record `seq` (the last one of `msg`) is byte for byte the journal's
// (or the journal no longer holds it); else why this journal and the stream have diverged: an
// old primary restarted after a takeover holds records the stream never got, and the stream
// holds the new primary's under the same seqs.
std::string Replicator::same_record(natsMsg* msg, uint64_t seq) {
  RecordWalker walk(data(msg));
  std::string_view last;
  while (!walk.done()) {
    const auto rec = walk.next();
    if (!rec) break;
    last = *rec;
  }
  auto txn = lmdb::Txn::begin(store_->env(), true);
  if (!txn) return {};
  unsigned char key[8];
  encode_seq_key(seq, key);
  MDB_val k{8, key}, v{};
  if (mdb_get(txn->get(), store_->journal_db(), &k, &v) != 0) return {};
  if (lmdb::view(v) == last) return {};
  return fmt::format(
      "fenced out: journal seq {} in stream {} differs from the one in {}: the stream continues "
      "another engine's history (a takeover), and this journal has diverged from it. Rebuild "
      "this host as a follower (`ose follow`) instead of restarting it as the primary",
      seq, names_.stream, config_.data_dir);
}

bool Replicator::drain(const std::atomic<bool>& stop, int64_t max_ms) {
  std::unique_lock lock(mu_);
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(max_ms);
  while (in_flight_ > 0) {
    // Relaxed: a stop flag.
    if (stop.load(std::memory_order_relaxed) && max_ms == 0) return false;
    if (cv_.wait_until(lock, until) == std::cv_status::timeout) return in_flight_ == 0;
  }
  return true;
}

ReplicatorResult Replicator::resync(const std::atomic<bool>& stop) {
  // Relaxed: a monitoring count.
  resyncs_.fetch_add(1, std::memory_order_relaxed);
  std::string why;
  {
    std::lock_guard lock(mu_);
    why = last_error_;
  }
  log_(fmt::format("resyncing with the stream after: {}", why));
  // Every publish in flight ends with an ack or an error within its MaxWait.
  drain(stop, options_.ack_wait_ms * 3);
  for (;;) {
    // Relaxed: a stop flag.
    if (stop.load(std::memory_order_relaxed)) return {ReplicatorEnd::kStopped, {}};
    if (!wait_connected(stop)) return {ReplicatorEnd::kStopped, {}};
    auto ends = link_->stream_ends(names_.stream);
    if (!ends) {
      sleep_ms(100);
      continue;
    }
    // The stream is this writer's while the newest claim is its own: a fenced writer's
    // leftovers after it (stream_claims.hpp) are ignored by every reader, and skipped here.
    auto claim = claim_at_or_before(*link_, names_);
    if (!claim) {
      sleep_ms(100);
      continue;
    }
    if (!*claim || (*claim)->writer != writer_) {
      return {ReplicatorEnd::kFenced,
              fmt::format("fenced out: stream {}'s newest claim (sequence {}) is writer {}'s, not "
                          "this one's ({}): another replicator or a takeover owns the stream now",
                          names_.stream, *claim ? (*claim)->stream_seq : 0,
                          *claim ? (*claim)->writer : std::string("unknown"), writer_)};
    }
    auto tail = honoured_tail(*link_, names_);
    if (!tail) {
      sleep_ms(100);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      need_resync_ = false;
      in_flight_ = 0;
    }
    expect_last_ = ends->last;
    last_msg_id_.clear();
    ReplicatorResult r = start_position(*tail);
    if (r.end == ReplicatorEnd::kStopped) log_("resynced");
    return r;
  }
}

Result<bool> Replicator::publish_snapshot(uint64_t seq, std::string value) {
  const uint32_t chunks =
      static_cast<uint32_t>((value.size() + kSnapshotChunkBytes - 1) / kSnapshotChunkBytes);
  const uint64_t first_chunk = expect_last_ + 1;
  std::string why;
  const auto snap = decode_snapshot(value, &why);
  if (!snap) return Error{fmt::format("the snapshot at seq {} does not verify: {}", seq, why)};
  for (uint32_t i = 0; i < chunks; ++i) {
    const std::string_view part =
        std::string_view(value).substr(size_t{i} * kSnapshotChunkBytes, kSnapshotChunkBytes);
    // The id names where this attempt's chunks start, so a snapshot cut short by a resync is
    // sent again whole rather than deduplicated against its first attempt.
    if (!publish(names_.snap, part,
                 fmt::format("{}:{}", chunk_msg_id(names_, genesis_, seq, i), first_chunk),
                 {{kHdrSnapSeq, std::to_string(seq)}, {kHdrChunk, std::to_string(i)}})) {
      return false;
    }
  }
  if (!publish(names_.manifest, {}, manifest_msg_id(names_, genesis_, seq),
               {{kHdrSnapSeq, std::to_string(seq)},
                {kHdrStateHash, hex64(snap->header.state_hash)},
                {kHdrChunks, std::to_string(chunks)},
                {kHdrBytes, std::to_string(value.size())},
                {kHdrFirstChunk, std::to_string(first_chunk)}})) {
    return false;
  }
  last_snapshot_ = seq;
  return true;
}

Result<bool> Replicator::step() {
  auto txn = lmdb::Txn::begin(store_->env(), true);
  if (!txn) return Error{txn.error()};
  auto jcur = lmdb::Cursor::open(*txn, store_->journal_db());
  auto scur = lmdb::Cursor::open(*txn, store_->snapshots_db());
  if (!jcur || !scur) return Error{!jcur ? jcur.error() : scur.error()};
  MDB_val k{}, v{};
  if (jcur->get(k, v, MDB_LAST) == 0) journal_last_ = decode_seq_key(lmdb::view(k)).value_or(0);

  // A snapshot the stream lacks, at or before what was published: its chunks and manifest go
  // now (the newest only). next_seq_ == 0: the stream needs one before any record (bridging).
  uint64_t newest_snap = 0;
  std::string snap_value;
  if (scur->get(k, v, MDB_LAST) == 0) {
    for (int rc = 0; rc == 0; rc = scur->get(k, v, MDB_PREV)) {
      const uint64_t s = decode_seq_key(lmdb::view(k)).value_or(0);
      if (s <= last_snapshot_) break;
      if (next_seq_ == 0 || s < next_seq_) {
        newest_snap = s;
        snap_value.assign(lmdb::view(v));
        break;
      }
    }
  }
  if (newest_snap != 0) {
    txn->abort();
    auto ok = publish_snapshot(newest_snap, std::move(snap_value));
    if (ok && *ok && next_seq_ == 0) next_seq_ = newest_snap + 1;
    return ok;
  }
  if (next_seq_ == 0) return Error{"the journal was pruned and holds no snapshot to bridge it"};

  // The next snapshot at or after next_seq_ ends the batch, so its manifest follows its record.
  uint64_t limit = UINT64_MAX;
  unsigned char key[8];
  encode_seq_key(next_seq_, key);
  k = MDB_val{8, key};
  if (scur->get(k, v, MDB_SET_RANGE) == 0) {
    limit = decode_seq_key(lmdb::view(k)).value_or(UINT64_MAX);
  }
  encode_seq_key(next_seq_, key);
  k = MDB_val{8, key};
  buffer_.clear();
  uint64_t seq = next_seq_;
  uint32_t count = 0;
  for (int rc = jcur->get(k, v, MDB_SET_RANGE); rc == 0; rc = jcur->get(k, v, MDB_NEXT)) {
    const auto s = decode_seq_key(lmdb::view(k));
    if (!s || *s != seq) {
      if (count == 0 && s && *s > seq) {
        txn->abort();
        // Pruned past what was published: bridge with the newest snapshot.
        log_(
            fmt::format("journal seq {} is gone (retention pruned it before it was published; "
                        "the journal resumes at {}): bridging with the newest snapshot",
                        seq, *s));
        next_seq_ = 0;
        last_snapshot_ = 0;
        return true;
      }
      break;
    }
    buffer_.append(lmdb::view(v));
    ++seq;
    ++count;
    if (count >= options_.batch_records || buffer_.size() >= options_.batch_bytes || *s >= limit) {
      break;
    }
  }
  txn->abort();
  if (count == 0) return false;
  const uint64_t first = next_seq_;
  const uint64_t last = seq - 1;
  if (!publish(names_.journal, buffer_, journal_msg_id(names_, genesis_, first),
               {{kHdrFirst, std::to_string(first)}, {kHdrLast, std::to_string(last)}})) {
    return false;
  }
  next_seq_ = seq;
  return true;
}

void Replicator::write_status(bool force) {
  const int64_t now = shm::monotonic_ns();
  // Relaxed: monitoring figures, and the mark retention reads (it only trails the stream).
  const uint64_t acked = acked_seq_.load(std::memory_order_relaxed);
  // The stream just caught up with the journal: said now (the retention mark, then the status
  // file), not at the next 100 ms tick, so a watcher (the lag, a catch-up timing, retention)
  // sees the end when it happens rather than up to 100 ms late. At most every 10 ms, and only
  // on a new end: a live replicator that keeps up writes the two small files at most 100 times a
  // second.
  const bool caught_up =
      acked != status_acked_ && acked >= journal_last_ && now >= next_caught_up_ns_;
  if (!force && now < next_status_ns_ && !caught_up) return;
  if (caught_up) next_caught_up_ns_ = now + 10'000'000;
  if (force || now >= next_status_ns_) next_status_ns_ = now + 100'000'000;
  status_acked_ = acked;
  if (acked != mark_written_) {
    if (write_replicated_mark(store_->dir(), acked)) {
      mark_written_ = acked;
    } else if (!mark_failed_) {
      mark_failed_ = true;
      log_(
          fmt::format("cannot write {}: journal retention with keep_unreplicated cannot see "
                      "what the stream acknowledged",
                      replicated_mark_path(store_->dir())));
    }
  }
  if (options_.status_path.empty()) return;
  write_status_file(options_.status_path, status_json(acked), options_.status_owner,
                    options_.status_mode);
}

std::string Replicator::status_json(uint64_t acked) const {
  return fmt::format(
      "{{\"pid\": {}, \"writer\": \"{}\", \"stream\": \"{}\", \"url\": \"{}\", "
      "\"connected\": {}, \"journal_seq\": {}, \"published_seq\": {}, \"acked_seq\": {}, "
      "\"lag\": {}, \"snapshot_seq\": {}, \"messages\": {}, \"resyncs\": {}, \"wall_ns\": "
      "{}}}\n",
      ::getpid(), writer_, names_.stream, options_.url, link_->connected(), journal_last_,
      next_seq_ == 0 ? 0 : next_seq_ - 1, acked, journal_last_ > acked ? journal_last_ - acked : 0,
      last_snapshot_, published_msgs_.load(std::memory_order_relaxed),
      resyncs_.load(std::memory_order_relaxed), shm::wall_clock_ns());
}

ReplicatorResult Replicator::run(const std::atomic<bool>& stop) {
  ReplicatorResult r = claim(stop);
  if (r.end != ReplicatorEnd::kStopped || !r.why.empty()) return r;
  // Relaxed: a stop flag.
  while (!stop.load(std::memory_order_relaxed)) {
    write_status(false);
    bool resync_now = false;
    {
      std::unique_lock lock(mu_);
      resync_now = need_resync_;
      if (!resync_now && in_flight_ >= options_.max_in_flight) {
        cv_.wait_for(lock, std::chrono::milliseconds(1));
        continue;
      }
    }
    if (resync_now) {
      r = resync(stop);
      if (r.end != ReplicatorEnd::kStopped || !r.why.empty()) break;
      continue;
    }
    auto did = step();
    if (!did) {
      r = {ReplicatorEnd::kFailed, did.error()};
      break;
    }
    if (!*did) std::this_thread::sleep_for(std::chrono::microseconds(options_.idle_sleep_us));
  }
  // Whatever is in flight gets its ack (or its error) before the process goes.
  drain(stop, options_.ack_wait_ms);
  r.acked_seq = acked_seq_.load(std::memory_order_relaxed);
  write_status(true);
  return r;
}

}  // namespace ose::replication
