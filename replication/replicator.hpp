// `ose replicate`: tails an engine's LMDB journal with read transactions (the engine's commits
// never wait for it) and publishes every record, in order, exactly once, to the engine's
// JetStream stream (stream_layout.hpp), with its snapshots chunked behind a manifest.
//
// Exactly once: each message is published with Nats-Expected-Last-Sequence set to the stream
// sequence of the message before it, so the stream is a chain: a message that would duplicate,
// skip or interleave is refused by the server. Any refusal, lost ack or disconnect sends the
// replicator back to the stream: it reads the last message, and if that is its own it resumes
// after the last journal seq the stream holds; if it is another writer's, it has been fenced out
// (a takeover, or a second replicator) and stops.
//
// A second replicator is refused at start: the running one answers on a control subject
// (ose-ctl.<engine>.writer); --takeover skips that check and claims the stream regardless, which
// fences the old writer out at its next publish.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "persistence/store.hpp"
#include "replication/nats_link.hpp"
#include "replication/stream_claims.hpp"
#include "replication/stream_layout.hpp"
#include "shm/segment.hpp"

namespace ose::replication {

struct ReplicatorOptions {
  std::string url;
  StreamLimits limits;
  uint32_t batch_records = 512;     // most journal records per message
  size_t batch_bytes = 256 * 1024;  // most body bytes per message
  int64_t max_in_flight = 256;      // messages published without an ack
  int64_t ack_wait_ms = 2000;       // a publish without an ack by then is retried via resync
  uint32_t idle_sleep_us = 500;     // between looks at an idle journal
  bool takeover = false;            // claim the stream even while another writer answers
  std::string status_path;          // written every 100 ms (lag); empty: none
  shm::SegmentOwner status_owner;   // its group and mode: the engine's state segment's
  uint32_t status_mode = 0644;      //   (docs/SECURITY.md)
};

// Why run() ended.
enum class ReplicatorEnd : uint8_t { kStopped, kFenced, kRefused, kFailed };

struct ReplicatorResult {
  ReplicatorEnd end = ReplicatorEnd::kStopped;
  std::string why;
  uint64_t acked_seq = 0;  // the last journal seq the stream acknowledged
};

class Replicator {
 public:
  using Log = std::function<void(const std::string&)>;

  // `config_text`: the config file as written (the claim carries it for followers).
  static Result<std::unique_ptr<Replicator>> create(EngineConfig config, std::string config_text,
                                                    Store store, const ReplicatorOptions& options,
                                                    Log log);
  ~Replicator();

  // Connects, claims the stream, then publishes until `stop`; drains what is in flight.
  ReplicatorResult run(const std::atomic<bool>& stop);

 private:
  Replicator() = default;
  static void on_ack(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure);
  static void on_control(natsConnection* nc, natsSubscription* sub, natsMsg* msg, void* closure);
  void acked(natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae);

  ReplicatorResult claim(const std::atomic<bool>& stop);
  ReplicatorResult resync(const std::atomic<bool>& stop);
  ReplicatorResult start_position(const HonouredTail& tail);
  std::string same_record(natsMsg* msg, uint64_t seq);
  bool wait_connected(const std::atomic<bool>& stop);
  bool drain(const std::atomic<bool>& stop, int64_t max_ms);
  // One step of the main loop: true when it published anything.
  Result<bool> step();
  Result<bool> publish_snapshot(uint64_t seq, std::string value);
  bool publish(const std::string& subject, std::string_view body, const std::string& msg_id,
               std::initializer_list<std::pair<const char*, std::string>> headers);
  void write_status(bool force);
  std::string status_json(uint64_t acked) const;  // the status file's content

  EngineConfig config_;
  std::string config_text_;
  std::unique_ptr<Store> store_;
  ReplicatorOptions options_;
  Log log_;
  StreamNames names_;
  uint64_t genesis_ = 0;
  std::string writer_;  // this process's writer id (random, hex)
  std::unique_ptr<Link> link_;
  natsSubscription* control_ = nullptr;

  // Main thread only.
  uint64_t expect_last_ = 0;    // the stream sequence the next publish names as its predecessor
  std::string last_msg_id_;     // … and its Nats-Msg-Id (empty: the first after a (re)sync)
  uint64_t next_seq_ = 1;       // the next journal seq to publish
  uint64_t last_snapshot_ = 0;  // the newest snapshot seq the stream holds a manifest for
  uint64_t journal_last_ = 0;   // the journal's end as last seen
  int64_t next_status_ns_ = 0;
  int64_t next_caught_up_ns_ = 0;  // the earliest next write on catching up (write_status)
  uint64_t status_acked_ = 0;      // the acknowledged seq the status file last said
  uint64_t mark_written_ = 0;      // the acknowledged seq last written for retention
  bool mark_failed_ = false;
  std::string buffer_;

  // Shared with cnats' ack thread.
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t in_flight_ = 0;
  bool need_resync_ = false;
  std::string last_error_;
  std::atomic<uint64_t> acked_seq_{0};  // relaxed: a monitoring figure and the lag's base
  std::atomic<uint64_t> published_msgs_{0};
  std::atomic<uint64_t> resyncs_{0};
};

}  // namespace ose::replication
