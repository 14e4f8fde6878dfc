// The Runner: the engine's single writer thread (DESIGN §6). One loop busy-polls the client
// command rings round-robin in bounded batches, the in-process tick queue and the GTD timer;
// stamps each input's seq and ts; applies it; publishes its events to the clients concerned
// and to the broadcast ring; and hands it to the InputSink (the journal). Between passes it
// writes the heartbeat, checks client liveness and publishes counters.
#pragma once

#include <concurrentqueue/concurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/result.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/client_port.hpp"
#include "engine/runtime/held_responses.hpp"
#include "engine/runtime/input_sink.hpp"
#include "engine/runtime/snapshot_cut.hpp"
#include "engine/runtime/state_segment.hpp"
#include "shm/idle.hpp"
#include "shm/segment.hpp"

namespace ose {

// Ticks from in-process feed threads (multi-producer; the Runner is the only consumer).
using TickQueue = moodycamel::ConcurrentQueue<TickCmd>;

// Cold-path messages for the operator (client attached, died, quarantined ...).
using RunnerLog = std::function<void(const std::string&)>;

// Takes the lock that admits one live engine per name (engine_lock_path(), in /dev/shm: per
// name, not per data_dir, because the segment names are per name). Fails, saying so, while an
// engine of this name lives. Released (and its file unlinked) when the lock is destroyed.
Result<shm::OwnerLock> lock_engine(const std::string& engine);

// Removes what a dead engine of this name left in /dev/shm (its segments, then its lock file),
// for tests and benchmarks that had to kill one; a starting engine does the same itself. Does
// nothing and returns false while an engine of this name lives.
bool remove_dead_engine_files(const std::string& engine);

class Runner {
 public:
  // Takes the engine's lock, then as the overload below.
  static Result<std::unique_ptr<Runner>> create(const EngineConfig& config, RunnerLog log,
                                                const State* recovered = nullptr);
  // With the engine's lock already held (lock_engine(config.name); DurableEngine takes it
  // before recovery touches the journal): replaces segments left by a crashed engine of the
  // same name, creates the state segment and one client segment per configured client, and
  // publishes them. The Runner keeps the lock until it is destroyed.
  // `recovered`: the State recovery rebuilt from the journal (persistence/recovery.hpp), laid out
  // for this config; the segments are published only once it is in place. nullptr: a fresh
  // State from the config.
  static Result<std::unique_ptr<Runner>> create(const EngineConfig& config, shm::OwnerLock lock,
                                                RunnerLog log, const State* recovered = nullptr);
  ~Runner();  // unlinks the segments, then releases the lock (which unlinks its file)

  // Called before run(), from the thread that will call run(). With a sink the Runner also
  // watches the journal's status in the segment header: new orders are rejected while it
  // fails, and in durability "sync" responses are held until their seq is durable.
  // Sync holding applies only when a journal reports (its status is not kNone) by then.
  void set_input_sink(InputSink* sink) noexcept {
    input_sink_ = sink;
    // Relaxed: the journal published its state before the Runner thread was handed the sink.
    hold_responses_ = sync_ && sink != nullptr &&
                      journal_status().state.load(std::memory_order_relaxed) !=
                          static_cast<uint32_t>(JournalState::kNone);
  }
  // Called before run(), like set_input_sink(): the Runner notes every input's writes in the cut
  // and copies one slice of a cut in progress per pass (snapshot_cut.hpp). nullptr: none.
  void set_snapshot_cut(SnapshotCut* cut) noexcept { cut_ = cut; }
  // Where the journal publishes its progress (the segment header's own line for it).
  JournalStatus& journal_status() noexcept { return segment_.header().journal; }
  // True once run() returned because the journal failed and the config says to stop.
  bool halted_by_journal() const noexcept { return halted_by_journal_; }
  // Responses waiting for durability (sync mode); what a stop could not deliver.
  size_t held_responses() const noexcept { return held_.size(); }
  // Feed threads hand ticks in here (any thread, many at once). Returns false only when the
  // queue cannot allocate, and the tick is then not taken.
  bool submit_tick(const TickCmd& tick) noexcept {
    if (!ticks_.enqueue(tick)) return false;
    // Release: pairs with the Runner's acquire load in poll_ticks(); the tick is in the queue
    // before the count says so.
    ticks_submitted_.fetch_add(1, std::memory_order_release);
    return true;
  }

  // The loop. Returns after `stop` becomes true: then it stops accepting commands (readers see
  // `accepting` = 0), applies what is already in the rings and the tick queue, and returns.
  void run(const std::atomic<bool>& stop) noexcept;

  // One pass of the loop; true when it did any work (tests drive the Runner with it).
  bool poll_once() noexcept;

  const State& state() const noexcept { return segment_.state(); }
  StateSegmentWriter& segment() noexcept { return segment_; }
  const std::string& engine_name() const noexcept { return config_.name; }

 private:
  class Router;
  Runner(EngineConfig config, StateSegmentWriter segment, shm::OwnerLock lock, RunnerLog log);

  // `now`: wall clock ns when the input was taken; the ts stamped is never below the last one.
  ApplyOutcome apply_input(uint16_t source, const Command& cmd, uint64_t request,
                           int64_t now) noexcept;
  bool poll_client(uint16_t client) noexcept;
  bool take_commands(uint16_t client) noexcept;
  void settle_latency() noexcept;
  void prefetch_queued(ClientPort& port, const Command& next) noexcept;
  bool poll_ticks() noexcept;
  void housekeeping(int64_t now_mono) noexcept;
  void check_client(uint16_t client, int64_t now_mono) noexcept;
  void disconnect(uint16_t client, const char* why) noexcept;
  void quarantine(uint16_t client, const char* why) noexcept;
  void violation(uint16_t client, const char* why) noexcept;
  void cancel_orders_of(uint16_t client) noexcept;
  void publish_counters(int64_t now_mono) noexcept;
  void watch_journal(int64_t now) noexcept;
  void release_held() noexcept;
  void deliver(uint16_t client, const Response& rsp) noexcept;
  void mark_lagging(uint16_t client) noexcept;

  EngineConfig config_;
  StateSegmentWriter segment_;
  shm::OwnerLock lock_;
  RunnerLog log_;
  std::vector<ClientPort> ports_;
  struct ClientRuntime {
    int32_t pid = 0;  // claimed pid as last seen
    ClientLink link = ClientLink::kDetached;
    uint32_t strikes = 0;  // protocol violations since the last well-formed command
    bool heartbeat_stale = false;
  };
  std::vector<ClientRuntime> runtime_;
  std::unique_ptr<Router> router_;
  TickQueue ticks_;
  // An empty moodycamel queue still costs a scan of its producers per look; the Runner looks
  // only when this count has moved past what it has taken.
  alignas(64) std::atomic<uint64_t> ticks_submitted_{0};
  uint64_t ticks_taken_ = 0;
  uint32_t passes_ = 0;
  InputSink* input_sink_ = nullptr;
  SnapshotCut* cut_ = nullptr;
  bool sync_ = false;            // durability = "sync"
  bool hold_responses_ = false;  // sync with a journal: responses wait in held_ until durable
  bool journal_behind() const noexcept;
  bool halted_by_journal_ = false;
  HeldResponses held_;
  shm::IdleStrategy idle_;
  uint16_t next_client_ = 0;
  bool accepting_ = true;
  int64_t next_housekeeping_ns_ = 0;
  int64_t next_status_ns_ = 0;
  uint64_t applied_at_last_status_ = 0;
  uint64_t ticks_applied_ = 0;
  // The send stamps of the commands taken since the last settle_latency(): the histogram counts
  // each once the responses of its batch are out. A batch longer than this settles early.
  static constexpr uint32_t kLatencyStamps = 64;
  int64_t stamps_[kLatencyStamps];
  uint32_t stamped_ = 0;
};

}  // namespace ose
