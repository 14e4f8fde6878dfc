#include "engine/runtime/runner.hpp"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "engine/core/apply.hpp"
#include "engine/core/prefetch.hpp"
#include "engine/runtime/ownership.hpp"
#include "shm/clock.hpp"

namespace ose {

// Routes each event of the input being applied: to the broadcast ring; to the source client
// (the last one flagged, or a bare "done" when there was none); to the order's owner when that
// is another client; and to the instrument's venue when the venue must act on it.
class Runner::Router final : public EventSink {
 public:
  Router(Runner& runner) noexcept : r_(runner) {}

  void begin(uint16_t source, uint64_t request) noexcept {
    source_ = is_client(source) ? source : kNoIndex;
    request_ = request;
    has_pending_ = false;
  }

  void on_event(const Event& e) noexcept override {
    r_.segment_.broadcast().publish(&e, sizeof e);
    if (source_ != kNoIndex) {
      if (has_pending_) send(source_, pending_, request_, 0);
      pending_ = e;
      has_pending_ = true;
    }
    if (is_client(e.client) && e.client != source_) send(e.client, e, 0, 0);
    if (venue_needs(e) && e.instrument < venue_of_.size()) {
      const uint16_t v = venue_of_[e.instrument];
      if (v != kNoIndex && v != source_ && v != e.client) send(v, e, 0, 0);
    }
  }

  void end() noexcept {
    if (source_ == kNoIndex) return;
    if (has_pending_) {
      send(source_, pending_, request_, kResponseLast);
    } else {
      Event none{};
      none.seq = r_.segment_.state().header().seq;
      send(source_, none, request_, kResponseLast | kResponseDone);
    }
  }

  std::vector<uint16_t> venue_of_;  // per instrument: the venue client, or kNoIndex

 private:
  bool is_client(uint16_t c) const noexcept { return c < r_.ports_.size(); }

  void send(uint16_t client, const Event& e, uint64_t request, uint8_t flags) noexcept {
    Response rsp{};
    rsp.request = request;
    rsp.flags = flags;
    rsp.event = e;
    if (!r_.hold_responses_) return r_.deliver(client, rsp);
    // Sync: the client hears of the input only once it is durable (release_held()).
    if (!r_.held_.push(client, rsp)) r_.mark_lagging(client);
  }

  Runner& r_;
  uint16_t source_ = kNoIndex;
  uint64_t request_ = 0;
  bool has_pending_ = false;
  Event pending_{};
};

namespace {

// Removes segments left by a crashed engine of this name (we hold its lock, so no live engine
// owns them). Returns what was removed, for the log.
std::vector<std::string> remove_stale_segments(const std::string& engine) {
  std::vector<std::string> removed;
  const std::string prefix = "ose." + engine + ".";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(shm::kShmDir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0 || name == prefix + "lock") continue;
    if (name == prefix + "state" || name.rfind(prefix + "client.", 0) == 0) {
      if (shm::Segment::remove(name)) removed.push_back(name);
    }
  }
  return removed;
}

}  // namespace

Result<shm::OwnerLock> lock_engine(const std::string& engine) {
  auto lock = shm::OwnerLock::acquire(engine_lock_path(engine));
  if (!lock) {
    if (lock.error().rfind("another live process", 0) == 0) {
      return Error{fmt::format("engine '{}' is already running ({})", engine, lock.error())};
    }
    return Error{fmt::format("engine '{}' cannot start: {}", engine, lock.error())};
  }
  return lock;
}

bool remove_dead_engine_files(const std::string& engine) {
  auto lock = lock_engine(engine);
  if (!lock) return false;
  remove_stale_segments(engine);
  return true;  // the lock's destructor unlinks its file
}

Result<std::unique_ptr<Runner>> Runner::create(const EngineConfig& config, RunnerLog log,
                                               const State* recovered) {
  auto lock = lock_engine(config.name);
  if (!lock) return Error{lock.error()};
  return create(config, std::move(*lock), std::move(log), recovered);
}

Result<std::unique_ptr<Runner>> Runner::create(const EngineConfig& config, shm::OwnerLock lock,
                                               RunnerLog log, const State* recovered) {
  // Before anything is removed or created: grants this process cannot make, and names held by
  // files someone else made, stop the start here.
  auto ownership = plan_ownership(config);
  if (!ownership) return Error{ownership.error()};
  if (auto free = check_no_squatters(config, *ownership); !free) return Error{free.error()};
  const std::string state_name = state_segment_name(config.name);
  if (shm::Segment::exists(state_name)) {
    int32_t old_pid = 0;
    if (auto old =
            shm::Segment::attach(state_name, shm::Access::kReadOnly, state_segment_identity())) {
      // Relaxed: a figure for the log line only.
      old_pid = old->header().owner_pid.load(std::memory_order_relaxed);
    }
    for (const std::string& name : remove_stale_segments(config.name)) {
      log(fmt::format("removed stale segment {}/{} left by a crashed engine{}", shm::kShmDir, name,
                      old_pid != 0 ? fmt::format(" (pid {})", old_pid) : ""));
    }
  } else {
    remove_stale_segments(config.name);
  }

  auto segment = StateSegmentWriter::create(config, recovered, ownership->state);
  if (!segment) return Error{segment.error()};
  std::unique_ptr<Runner> r(
      new Runner(config, std::move(*segment), std::move(lock), std::move(log)));
  for (uint16_t i = 0; i < config.clients.size(); ++i) {
    const ClientSpec& cc = config.clients[i];
    auto port = ClientPort::create(config.name, cc.name, i, cc.mode, config.command_ring,
                                   config.response_ring, ownership->clients[i]);
    if (!port) return Error{port.error()};
    r->ports_.push_back(std::move(*port));
  }
  r->runtime_.resize(config.clients.size());
  r->sync_ = config.durability == "sync";
  if (r->sync_) {
    // Room for every response ring to be full twice over while the journal commits.
    uint64_t cap = 4096;
    while (cap < 2ull * config.response_ring * std::max<size_t>(config.clients.size(), 1)) cap *= 2;
    r->held_ = HeldResponses(static_cast<uint32_t>(cap));
  }
  // Venue routing: the instrument's `venue`, else the only client with role venue.
  r->router_->venue_of_ = venue_clients(config);
  for (size_t i = 0; i < config.instruments.size(); ++i) {
    if (r->router_->venue_of_[i] == kNoIndex) {
      r->log_(fmt::format("instrument {} has no venue client: its orders stay pending_new",
                          config.instruments[i].symbol));
    }
  }
  r->segment_.publish();
  return r;
}

// Sends to clients that are not (yet) attached too: a venue may attach and wait before the
// engine's next liveness pass has seen it. Only a quarantined client gets nothing.
void Runner::deliver(uint16_t client, const Response& rsp) noexcept {
  const ClientLink link = runtime_[client].link;
  if (link == ClientLink::kQuarantined) return;
  switch (ports_[client].responses().try_push(&rsp, sizeof rsp)) {
    case shm::RingStatus::kOk:
      return;
    case shm::RingStatus::kFull:
      // Nobody is reading a detached client's ring: it skips the backlog when it attaches.
      if (link == ClientLink::kAttached) mark_lagging(client);
      return;
    default:
      violation(client, "its response ring's consumer position is impossible");
      return;
  }
}

// Never block: the client is lagging and resyncs from the tables.
void Runner::mark_lagging(uint16_t client) noexcept {
  ClientSegmentHeader& h = ports_[client].header();
  // Relaxed: monitoring words, each read on its own.
  h.lagging.store(1, std::memory_order_relaxed);
  h.responses_dropped.fetch_add(1, std::memory_order_relaxed);
  segment_.client_status(client).responses_dropped.fetch_add(1, std::memory_order_relaxed);
}

// Hands held responses whose input is now durable to their rings, oldest first.
void Runner::release_held() noexcept {
  // Acquire: pairs with the journal's release store after its commit returned.
  const uint64_t durable = segment_.header().journal.durable_seq.load(std::memory_order_acquire);
  while (!held_.empty() && held_.front().response.event.seq <= durable) {
    deliver(held_.front().client, held_.front().response);
    held_.pop();
  }
}

// The journal's verdict becomes an input (so replay sees the same rejects): PERSISTENCE_STOPPED
// from the first failed commit until one succeeds again.
void Runner::watch_journal(int64_t now) noexcept {
  // Relaxed: a status word read on its own; what it says is acted on through an input.
  const auto js =
      static_cast<JournalState>(segment_.header().journal.state.load(std::memory_order_relaxed));
  const bool stopped = segment_.state().header().persistence_stopped != 0;
  const bool failing = js == JournalState::kFailing || js == JournalState::kHalting;
  if (failing != stopped) {
    Command c = make_command(Op::kPersistence);
    c.persistence.available = failing ? 0 : 1;
    apply_input(kEngineSource, c, 0, now);
    log_(failing ? "journal failing: new orders are rejected (PERSISTENCE_STOPPED) until it writes "
                   "again; cancels and venue reports still apply"
                 : "journal writing again: new orders accepted");
  }
  if (js == JournalState::kHalting) halted_by_journal_ = true;
}

Runner::Runner(EngineConfig config, StateSegmentWriter segment, shm::OwnerLock lock, RunnerLog log)
    : config_(std::move(config)),
      segment_(std::move(segment)),
      lock_(std::move(lock)),
      log_(std::move(log)),
      router_(std::make_unique<Router>(*this)),
      idle_([&] {
        shm::IdleMode mode = shm::IdleMode::kSpinYieldSleep;
        shm::parse_idle_mode(config_.idle, mode);
        return mode;
      }()) {}

// The segments go first: the lock (a member, destroyed after this body) must outlive them, or a
// new engine of this name could take the lock and find our segments still there.
Runner::~Runner() {
  for (ClientPort& p : ports_) p.unlink();
  segment_.unlink();
}

ApplyOutcome Runner::apply_input(uint16_t source, const Command& cmd, uint64_t request,
                                 int64_t now) noexcept {
  State& s = segment_.state();
  Input in;
  in.seq = s.header().seq + 1;
  // Input timestamps never go back, even if the wall clock does (NTP step).
  in.ts = std::max(now, s.header().last_ts);
  in.source = source;
  in.cmd = cmd;
  segment_.begin_input();
  router_->begin(source, request);
  const ApplyOutcome outcome = apply(s, in, *router_);
  if (cut_ != nullptr) cut_->after_input(s, segment_.write_log());
  segment_.publish_input(outcome);
  router_->end();
  StateSegmentHeader& h = segment_.header();
  // SYNC(applied_seq): release. Readers that see this seq see the input's records closed.
  h.applied_seq.store(in.seq, std::memory_order_release);
  if (input_sink_ != nullptr) input_sink_->on_input(in);
  return outcome;
}

// The lookahead of prefetch.hpp over a client's ring: the commands queued behind `next` are read
// in place (peek: nothing consumed, a hint only) and their orders, index entries and trade-window
// lines are fetched while `next` is applied. An empty ring costs two loads.
void Runner::prefetch_queued(ClientPort& port, const Command& next) noexcept {
  const State& s = segment_.state();
  Ahead ahead;
  ahead.count(next);
  CommandRecord queued;
  if (port.commands().peek(0, &queued.cmd, sizeof queued.cmd) != shm::RingStatus::kOk) return;
  prefetch_near(s, queued.cmd, ahead);
  ahead.count(queued.cmd);
  if (port.commands().peek(1, &queued.cmd, sizeof queued.cmd) != shm::RingStatus::kOk) return;
  prefetch_far(s, queued.cmd, ahead);
}

// A batch of commands, then the command-latency histogram for it: one more clock read per
// batch (none when the ring was empty), after the batch's responses are in the rings.
bool Runner::poll_client(uint16_t client) noexcept {
  const bool took = take_commands(client);
  if (stamped_ != 0) settle_latency();
  return took;
}

void Runner::settle_latency() noexcept {
  const int64_t now = shm::monotonic_ns();
  LatencyHistogram& h = segment_.header().command_latency;
  // SYNC(seqlock.begin/end), see shm/seqlock.hpp: readers (ose serve, ose inspect) copy the
  // histogram with seqlock_read and so never see a batch half counted.
  shm::seqlock_write_begin(h.version);
  for (uint32_t i = 0; i < stamped_; ++i) record_latency(h.value, now - stamps_[i]);
  shm::seqlock_write_end(h.version);
  stamped_ = 0;
}

bool Runner::take_commands(uint16_t client) noexcept {
  ClientRuntime& rt = runtime_[client];
  if (rt.link == ClientLink::kQuarantined) return false;
  ClientPort& port = ports_[client];
  ClientStatus& status = segment_.client_status(client);
  CommandRecord rec;
  // One clock read per batch: the inputs taken together share a timestamp (µs apart at most).
  int64_t now = 0;
  for (uint32_t n = 0; n < config_.batch; ++n) {
    // The record is copied out of the ring first; only the copy is validated and applied.
    const shm::RingStatus st = port.commands().poll(&rec, sizeof rec);
    if (st == shm::RingStatus::kEmpty) return n > 0;
    if (st == shm::RingStatus::kCorrupt) {
      violation(client, "a command ring record carries an impossible sequence number");
      return true;
    }
    if (rt.link != ClientLink::kAttached) check_client(client, shm::monotonic_ns());
    if (n == 0) now = shm::wall_clock_ns();
    // Unstamped records (0: a producer other than the client library) are counted nowhere.
    if (rec.sent_mono_ns != 0) {
      if (stamped_ == kLatencyStamps) settle_latency();
      stamps_[stamped_++] = rec.sent_mono_ns;
    }
    prefetch_queued(port, rec.cmd);
    const ApplyOutcome outcome = apply_input(client, rec.cmd, port.commands().tail(), now);
    // Relaxed: monitoring counters.
    status.commands.fetch_add(1, std::memory_order_relaxed);
    if (outcome.reject == RejectReason::kMalformed) {
      status.malformed.fetch_add(1, std::memory_order_relaxed);
      violation(client, "malformed commands");
      if (rt.link == ClientLink::kQuarantined) return true;
    } else {
      rt.strikes = 0;
    }
  }
  return true;
}

bool Runner::poll_ticks() noexcept {
  // Acquire: pairs with submit_tick()'s release.
  if (ticks_submitted_.load(std::memory_order_acquire) == ticks_taken_) return false;
  TickCmd batch[64];
  const size_t want = std::min<size_t>(config_.batch, 64);
  const size_t n = ticks_.try_dequeue_bulk(batch, want);
  const int64_t now = n > 0 ? shm::wall_clock_ns() : 0;
  for (size_t i = 0; i < n; ++i) {
    Command c = make_command(Op::kTick);
    c.tick = batch[i];
    apply_input(kEngineSource, c, 0, now);
  }
  ticks_applied_ += n;
  ticks_taken_ += n;
  return n > 0;
}

// True while a writing journal is journal_max_behind inputs or more behind: the Runner then
// leaves commands in the rings and ticks in their queue (backpressure), which bounds what an
// async crash can lose. A failing journal does not stop the Runner: cancels and venue reports
// keep being applied (DURABILITY.md), and memory holds what the disk cannot.
bool Runner::journal_behind() const noexcept {
  if (input_sink_ == nullptr || config_.journal_max_behind == 0) return false;
  const JournalStatus& js = segment_.header().journal;
  // Relaxed: a throttle; being a pass late either way is harmless.
  const uint64_t durable = js.durable_seq.load(std::memory_order_relaxed);
  if (segment_.state().header().seq - durable < config_.journal_max_behind) return false;
  return js.state.load(std::memory_order_relaxed) == static_cast<uint32_t>(JournalState::kWriting);
}

bool Runner::poll_once() noexcept {
  bool did_work = false;
  if (!held_.empty()) release_held();
  const bool behind = journal_behind();
  // Waiting for the journal: give up the core, which the journal thread may be sharing (a
  // spinning Runner would otherwise take its time slices). Only ever while throttled.
  if (behind) std::this_thread::yield();
  if (accepting_ && !behind) {
    const auto clients = static_cast<uint16_t>(ports_.size());
    // Round-robin start so no client is always served first.
    for (uint16_t k = 0; k < clients; ++k) {
      const auto c = static_cast<uint16_t>((next_client_ + k) % clients);
      did_work = poll_client(c) || did_work;
    }
    if (clients > 0) next_client_ = static_cast<uint16_t>((next_client_ + 1) % clients);
  }
  if (!behind) did_work = poll_ticks() || did_work;
  // A snapshot cut advances one bounded slice per pass, between inputs (after this pass's were
  // handed to the journal, so a cut finished here is never ahead of its own input).
  // While a cut is in progress the pass counts as work, so an idle Runner does not sleep
  // between slices (a 460 MB State would otherwise take seconds of idle passes).
  if (cut_ != nullptr) {
    cut_->step(segment_.state());
    did_work = cut_->cutting() || did_work;
  }
  // Clock reads cost 25 ns or more (perf put them at a quarter of an idle engine's samples), so
  // the GTD timer and the heartbeat are looked at every 64th pass: a few µs apart when
  // spinning, at most 64 idle sleeps (≤ 13 ms) apart when idle. Any input runs due expiries
  // itself (apply() does it first), so a busy engine expires orders on time regardless.
  if ((++passes_ & 63) == 0) {
    const int64_t now = shm::wall_clock_ns();
    if (segment_.state().header().next_expiry_ts <= now) {
      apply_input(kEngineSource, make_command(Op::kTimer), 0, now);
      did_work = true;
    }
    if (input_sink_ != nullptr) watch_journal(now);
    const int64_t mono = shm::monotonic_ns();
    // Relaxed: a liveness figure on the segment header's own cache line, read on its own.
    segment_.segment_header().heartbeat_ns.store(mono, std::memory_order_relaxed);
    if (mono >= next_housekeeping_ns_) housekeeping(mono);
  }
  return did_work;
}

void Runner::run(const std::atomic<bool>& stop) noexcept {
  // Acquire: pairs with the signal handler's / controller's release store of `stop`.
  while (!stop.load(std::memory_order_acquire) && !halted_by_journal_) {
    const bool work = poll_once();
    // Idle with responses waiting for the journal (sync): give up the core, which the journal
    // thread may share, even when the idle strategy is to spin.
    if (!work && !held_.empty()) std::this_thread::yield();
    idle_.idle(work);
  }
  // Stop accepting: readers see it; then apply what is already queued and return.
  accepting_ = false;
  segment_.header().accepting.store(0, std::memory_order_release);
  for (int quiet = 0; quiet < 3;) {
    bool work = false;
    for (uint16_t c = 0; c < ports_.size(); ++c) work = poll_client(c) || work;
    work = poll_ticks() || work;
    quiet = work ? 0 : quiet + 1;
  }
  // Sync: what was applied is answered once the journal has it. The journal keeps running until
  // run() returns; a failing journal gets two seconds before the held responses are given up.
  const int64_t give_up = shm::monotonic_ns() + 2'000'000'000;
  while (!held_.empty() && shm::monotonic_ns() < give_up) {
    release_held();
    idle_.idle(false);
  }
  housekeeping(shm::monotonic_ns());
}

void Runner::housekeeping(int64_t now_mono) noexcept {
  next_housekeeping_ns_ = now_mono + 1'000'000;  // every millisecond
  if (now_mono < next_status_ns_) return;
  for (uint16_t c = 0; c < ports_.size(); ++c) check_client(c, now_mono);
  publish_counters(now_mono);
}

void Runner::publish_counters(int64_t now_mono) noexcept {
  StateSegmentHeader& h = segment_.header();
  const uint64_t applied = segment_.state().header().inputs_applied;
  // Every 100 ms; the rate is over the last interval, scaled to a second.
  const int64_t interval = 100'000'000;
  if (next_status_ns_ != 0) {
    const int64_t elapsed = now_mono - (next_status_ns_ - interval);
    if (elapsed > 0) {
      const uint64_t rate =
          (applied - applied_at_last_status_) * 1'000'000'000ull / static_cast<uint64_t>(elapsed);
      h.inputs_per_sec.store(rate, std::memory_order_relaxed);
    }
  }
  applied_at_last_status_ = applied;
  next_status_ns_ = now_mono + interval;
  uint32_t attached = 0, lagging = 0, quarantined = 0;
  for (uint16_t c = 0; c < ports_.size(); ++c) {
    attached += runtime_[c].link == ClientLink::kAttached;
    quarantined += runtime_[c].link == ClientLink::kQuarantined;
    lagging += ports_[c].header().lagging.load(std::memory_order_relaxed);
    segment_.client_status(c).command_depth.store(ports_[c].commands().depth(),
                                                  std::memory_order_relaxed);
  }
  // Relaxed: monitoring figures, each read on its own.
  h.clients_attached.store(attached, std::memory_order_relaxed);
  h.clients_lagging.store(lagging, std::memory_order_relaxed);
  h.clients_quarantined.store(quarantined, std::memory_order_relaxed);
  h.ticks_applied.store(ticks_applied_, std::memory_order_relaxed);
  h.broadcast_published.store(segment_.broadcast().head(), std::memory_order_relaxed);
  h.last_input_wall_ns.store(segment_.state().header().last_ts, std::memory_order_relaxed);
}

void Runner::check_client(uint16_t client, int64_t now_mono) noexcept {
  ClientRuntime& rt = runtime_[client];
  if (rt.link == ClientLink::kQuarantined) return;
  ClientSegmentHeader& h = ports_[client].header();
  ClientStatus& status = segment_.client_status(client);
  // Acquire: pairs with the client's claim (acq_rel CAS) in ClientLine::attach.
  const int32_t pid = h.client_pid.load(std::memory_order_acquire);
  if (pid == 0) {
    if (rt.link == ClientLink::kAttached) {
      log_(fmt::format("client {} detached (pid {})", config_.clients[client].name, rt.pid));
    }
    if (rt.link == ClientLink::kAttached) rt.link = ClientLink::kDetached;
    rt.pid = 0;
  } else if (!shm::process_alive(pid)) {
    if (rt.link != ClientLink::kDisconnected || rt.pid != pid) {
      rt.pid = pid;
      disconnect(client, "its process is gone");
    }
    // Free the claim so a new process can attach (only if nobody claimed it meanwhile).
    int32_t expected = pid;
    h.client_pid.compare_exchange_strong(expected, 0, std::memory_order_acq_rel);
  } else if (pid != rt.pid || rt.link != ClientLink::kAttached) {
    const uint32_t timeout_ms = config_.clients[client].heartbeat_timeout_ms;
    const int64_t hb = h.client_heartbeat_ns.load(std::memory_order_relaxed);
    const bool fresh = timeout_ms == 0 || now_mono - hb <= int64_t{timeout_ms} * 1'000'000;
    if (pid != rt.pid || fresh) {
      rt.pid = pid;
      rt.link = ClientLink::kAttached;
      rt.heartbeat_stale = false;
      log_(fmt::format("client {} attached (pid {})", config_.clients[client].name, pid));
    }
  } else if (const uint32_t timeout_ms = config_.clients[client].heartbeat_timeout_ms;
             timeout_ms != 0) {
    const int64_t hb = h.client_heartbeat_ns.load(std::memory_order_relaxed);
    if (now_mono - hb > int64_t{timeout_ms} * 1'000'000) {
      disconnect(client, "its heartbeat is older than heartbeat_timeout_ms");
    }
  }
  // Relaxed: monitoring words.
  h.link.store(static_cast<uint32_t>(rt.link), std::memory_order_relaxed);
  status.link.store(static_cast<uint32_t>(rt.link), std::memory_order_relaxed);
  status.pid.store(rt.pid, std::memory_order_relaxed);
}

void Runner::disconnect(uint16_t client, const char* why) noexcept {
  ClientRuntime& rt = runtime_[client];
  const ClientSpec& cc = config_.clients[client];
  // What the client managed to send before it went is applied first: it was submitted.
  if (rt.link != ClientLink::kQuarantined) {
    rt.link = ClientLink::kAttached;  // so its last responses are still delivered if it lives
    while (poll_client(client)) {
    }
  }
  rt.link = ClientLink::kDisconnected;
  segment_.client_status(client).disconnects.fetch_add(1, std::memory_order_relaxed);
  log_(fmt::format("client {} disconnected (pid {}): {}; {}", cc.name, rt.pid, why,
                   cc.cancel_on_disconnect ? "cancelling its working orders"
                                           : "keeping its orders (cancel_on_disconnect = false)"));
  if (cc.cancel_on_disconnect) cancel_orders_of(client);
}

void Runner::cancel_orders_of(uint16_t client) noexcept {
  // Cold path (a client died): collect first, since cancelling changes the live list.
  std::vector<uint64_t> ids;
  const State& s = segment_.state();
  for (uint32_t slot = s.header().live_head; slot != kNoSlot;) {
    const OrderRecord& o = s.order_at(slot);
    slot = o.live_next;
    if (o.client == client && o.status != OrderStatus::kPendingCancel) ids.push_back(o.id);
  }
  for (uint64_t id : ids) {
    Command c = make_command(Op::kCancel);
    c.cancel.order_id = id;
    c.cancel.client = client;
    apply_input(kEngineSource, c, 0, shm::wall_clock_ns());
  }
}

void Runner::violation(uint16_t client, const char* why) noexcept {
  ClientRuntime& rt = runtime_[client];
  segment_.client_status(client).violations.fetch_add(1, std::memory_order_relaxed);
  if (++rt.strikes >= config_.clients[client].quarantine_after) quarantine(client, why);
}

void Runner::quarantine(uint16_t client, const char* why) noexcept {
  ClientRuntime& rt = runtime_[client];
  if (rt.link == ClientLink::kQuarantined) return;
  const ClientSpec& cc = config_.clients[client];
  log_(
      fmt::format("client {} quarantined after {} protocol violations in a row ({}): its rings "
                  "are ignored until the engine restarts",
                  cc.name, rt.strikes, why));
  rt.link = ClientLink::kQuarantined;
  ports_[client].header().link.store(static_cast<uint32_t>(rt.link), std::memory_order_relaxed);
  segment_.client_status(client).link.store(static_cast<uint32_t>(rt.link),
                                            std::memory_order_relaxed);
  if (cc.cancel_on_disconnect) cancel_orders_of(client);
}

}  // namespace ose
