// Crash loops (DESIGN §7): a journaled engine process under load from real client processes is
// killed with SIGKILL at random moments and restarted, over and over. After every kill, with the
// engine dead, the test reads the LMDB store itself and checks what a crash must never break:
//   - the journal is contiguous (no gap, no duplicate) and every record decodes;
//   - every snapshot holds exactly the state a replay of the journal up to its seq gives;
//   - recovery (newest snapshot + tail) lands on the last journaled seq with the same state hash
//     as an independent replay, and as a full replay from seq 1 while the journal starts there;
//   - nothing the engine reported durable before the kill is lost, and nothing it never applied
//     is journaled;
//   - the restarted engine continues at exactly the recovered seq;
//   - every fifth kill, made once the engine is idle and its journal caught up, loses nothing:
//     the state the dead engine left in its segment is exactly the recovered one.
// In durability "sync" the clients also record every response they received: each must be
// covered by the recovered state, and each accepted order must be in it. A third loop keeps two
// snapshots, so retention prunes the journal under the kills. Each loop ends with a clean stop
// (SIGTERM), whose checkpoint must match an independent replay.
//
// OSE_CRASH_CYCLES sets the number of kills (default 50; the sync and retention loops run a fifth
// of it, at least 10). OSE_CRASH_SEED replays a run's kill moments; OSE_TEST_ENGINE_LOG shows the
// engines' logs.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/client/client.hpp"
#include "engine/client/state_reader.hpp"
#include "engine/core/apply.hpp"
#include "engine/formats/config.hpp"
#include "engine/layout/shared_layout.hpp"
#include "persistence/durable_engine.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/lmdb.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "shm/clock.hpp"
#include "shm/segment.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose::test {
namespace {

constexpr uint64_t kSnapshotEvery = 500;

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::max(1, std::atoi(v));
}

int crash_cycles() {
  return env_int("OSE_CRASH_CYCLES", 50);
}

// ---- the engine's configuration -----------------------------------------------------------

struct LoopOptions {
  const char* durability = "async";
  uint32_t max_orders = 2048;
  uint32_t snapshots_keep = 1000;  // the config's maximum: a default run prunes nothing
  int cycles = 50;
};

// One spot instrument; two strategy clients (st1, st2, each with its own strategy) and a venue
// (sim). Balances large enough that the load never runs out of funds.
std::string crash_config(const std::string& name, const std::string& data_dir,
                         const LoopOptions& o) {
  return fmt::format(R"(
[engine]
name = "{}"
max_orders = {}
max_positions = 16
idle = "sleep"
command_ring = 64
response_ring = 1024
broadcast_ring = 1024
journal = true
durability = "{}"
data_dir = "{}"
snapshot_every = {}
snapshots_keep = {}

{}

[[accounts]]
name = "main"
type = "spot"
balances = {{ USDT = "1000000000", BTC = "100000" }}

[[strategies]]
name = "st1"
account = "main"
max_open_orders = 1000

[[strategies]]
name = "st2"
account = "main"
max_open_orders = 1000

[[clients]]
name = "st1"
accounts = ["main"]

[[clients]]
name = "st2"
accounts = ["main"]

[[clients]]
name = "sim"
role = "venue"
accounts = ["main"]
)",
                     name, o.max_orders, o.durability, data_dir, kSnapshotEvery, o.snapshots_keep,
                     test::kBtcUsdtSpot);
}

// ---- what the client processes saw (a MAP_SHARED mapping made before any fork) -------------

constexpr size_t kMaxAccepted = size_t{1} << 18;

struct AcceptedEntry {
  uint64_t seq;
  uint64_t order_id;
  uint64_t cl_id;
  uint64_t client;
};

// One per client name, appended to by each successive process of that client. The parent reads
// it only once that process is dead and reaped.
struct ClientLog {
  std::atomic<uint64_t> max_seq;    // highest event seq received (the parent resets it)
  std::atomic<uint64_t> responses;  // received
  std::atomic<uint64_t> accepted;   // entries[0, accepted) are complete
  std::atomic<uint64_t> overflow;   // accepted orders not recorded (entries full)
  AcceptedEntry entries[kMaxAccepted];
};

class SharedLogs {
 public:
  explicit SharedLogs(size_t count) : count_(count) {
    void* p = mmap(nullptr, count * sizeof(ClientLog), PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap of the client logs failed");
    logs_ = static_cast<ClientLog*>(p);
    for (size_t i = 0; i < count; ++i) new (&logs_[i]) ClientLog;
  }
  ~SharedLogs() { munmap(logs_, count_ * sizeof(ClientLog)); }
  SharedLogs(const SharedLogs&) = delete;
  SharedLogs& operator=(const SharedLogs&) = delete;
  ClientLog& at(size_t i) { return logs_[i]; }

 private:
  size_t count_;
  ClientLog* logs_ = nullptr;
};

// Only the one live process of a client writes its log: relaxed stores, with the count of
// complete entries released after each entry.
void note_response(ClientLog& log, const Response& r, uint16_t client) {
  if (r.event.seq > log.max_seq.load(std::memory_order_relaxed)) {
    log.max_seq.store(r.event.seq, std::memory_order_relaxed);
  }
  log.responses.fetch_add(1, std::memory_order_relaxed);
  if (r.request == 0 || (r.flags & kResponseDone) != 0) return;
  if (r.event.type != EventType::kAccepted || r.event.client != client) return;
  const uint64_t n = log.accepted.load(std::memory_order_relaxed);
  if (n >= kMaxAccepted) {
    log.overflow.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  log.entries[n] = AcceptedEntry{r.event.seq, r.event.order_id, r.event.cl_id, client};
  log.accepted.store(n + 1, std::memory_order_release);
}

// ---- child processes ------------------------------------------------------------------------

std::atomic<bool> g_engine_stop{false};
void on_engine_sigterm(int) {
  g_engine_stop.store(true, std::memory_order_release);
}

// A child that dies with the test, whatever happens to the test.
template <typename F>
pid_t fork_child(F body) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  body();
  _exit(0);
}

// `ose engine` with a journal: recovery, the Runner, the journal thread. Exit 0 after a clean
// stop (SIGTERM), 3 when it cannot start, 4 when the stop found a problem.
pid_t start_engine(const EngineConfig& config) {
  return fork_child([&config] {
    std::signal(SIGTERM, on_engine_sigterm);
    const bool verbose = std::getenv("OSE_TEST_ENGINE_LOG") != nullptr;
    auto log = [verbose](const std::string& m) {
      if (verbose) fmt::print(stderr, "engine {}: {}\n", getpid(), m);
    };
    auto engine = DurableEngine::open(config, log);
    if (!engine) {
      fmt::print(stderr, "crash test engine: {}\n", engine.error());
      _exit(3);
    }
    auto ran = (*engine)->run(g_engine_stop);
    if (!ran) {
      fmt::print(stderr, "crash test engine: {}\n", ran.error());
      _exit(4);
    }
    engine->reset();
    _exit(0);
  });
}

std::optional<Client> attach_client(const std::string& engine, const char* name) {
  const int64_t until = shm::monotonic_ns() + 2'000'000'000;
  for (;;) {
    auto c = Client::attach(engine, name);
    if (c) return std::move(*c);
    if (shm::monotonic_ns() > until) {
      fmt::print(stderr, "crash test client {}: {}\n", name, c.error());
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// A strategy: cancels what an earlier process of it left working, then forever: a new order
// (limit buys and sells the venue acks and sometimes fills, and untriggered stops the venue never
// sees), and a cancel of the order two before it; at most kWindow requests unanswered.
[[noreturn]] void run_strategy(const std::string& engine, const char* name, uint64_t cl_base,
                               ClientLog& log) {
  constexpr uint64_t kWindow = 32;
  auto c = attach_client(engine, name);
  if (!c) _exit(10);
  const NewOrderCmd tmpl = c->order_template("main", name, "BTCUSDT");
  const uint16_t me = c->index();
  uint64_t submitted = 0, answered = 0;
  Response r;
  auto take = [&](const Response& rsp) {
    note_response(log, rsp, me);
    if (rsp.request != 0 && (rsp.flags & kResponseLast) != 0) ++answered;
  };
  auto submit = [&](auto request) {
    while (request() == 0) {  // command ring full: the engine is behind (or dead)
      if (c->wait(r, WaitMode::kPark, 1'000'000)) take(r);
    }
    ++submitted;
  };
  submit([&] { return c->cancel_all(c->account("main"), c->strategy(name), kNoIndex); });
  for (uint64_t i = 0;; ++i) {
    NewOrderCmd n = tmpl;
    n.cl_id = cl_base + i;
    n.tif = static_cast<uint8_t>(Tif::kGtc);
    n.qty = *parse_fixed<Qty>("0.001");
    if (i % 4 == 3) {
      n.side = static_cast<uint8_t>(Side::kBuy);
      n.type = static_cast<uint8_t>(OrderType::kStopLimit);
      n.price = *parse_fixed<Price>("90000");
      n.stop_price = n.price;
    } else {
      n.side = static_cast<uint8_t>(i % 2 == 0 ? Side::kBuy : Side::kSell);
      n.type = static_cast<uint8_t>(OrderType::kLimit);
      n.price = *parse_fixed<Price>(i % 2 == 0 ? "49999.5" : "50000.5");
    }
    submit([&] { return c->new_order(n); });
    if (i >= 2) submit([&] { return c->cancel(cl_base + i - 2); });
    while (c->poll(r)) take(r);
    // Bursts of 16 orders, then a breath: about 40k inputs a second in all, so a 2-core machine
    // runs the loop in seconds and the journal (committing at most snapshot_every inputs at a
    // time) is busy without falling ever further behind.
    if (i % 16 == 15) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    while (submitted - answered > kWindow) {
      if (c->wait(r, WaitMode::kPark, 200'000'000)) {
        take(r);
      } else if (c->lagging()) {  // responses were dropped: they will never be counted
        c->clear_lagging();
        answered = submitted;
      }
    }
  }
}

// The venue: first answers what an earlier venue process left unanswered (acks pending_new
// orders, confirms pending cancels), then acks every new order, fills a third of them in full,
// and confirms every cancel request.
[[noreturn]] void run_venue(const std::string& engine, ClientLog& log) {
  auto c = attach_client(engine, "sim");
  if (!c) _exit(10);
  const uint16_t me = c->index();
  const uint16_t usdt = c->asset("USDT");
  std::deque<Command> outbox;
  auto ack = [&](uint64_t order_id) {
    Command a = make_command(Op::kAck);
    a.ack.ref.order_id = order_id;
    a.ack.venue_order_id = VenueId::digits(order_id);
    outbox.push_back(a);
  };
  auto cancel_ack = [&](uint64_t order_id) {
    Command a = make_command(Op::kCancelAck);
    a.cancel_ack.order_id = order_id;
    outbox.push_back(a);
  };
  StateHeader h{};
  if (c->state().read_state_header(h)) {
    for (uint32_t slot = 0; slot < h.next_unused_slot; ++slot) {
      OrderRecord o{};
      if (!c->state().read_order_slot(slot, o) || o.id == 0) continue;
      if (o.status == OrderStatus::kPendingNew) ack(o.id);
      if (o.status == OrderStatus::kPendingCancel) cancel_ack(o.id);
    }
  }
  Response r;
  for (;;) {
    while (!outbox.empty() && c->submit(outbox.front()) != 0) outbox.pop_front();
    if (!c->wait(r, WaitMode::kPark, outbox.empty() ? 100'000'000 : 1'000'000)) {
      if (c->lagging()) c->clear_lagging();
      continue;
    }
    note_response(log, r, me);
    if (r.request != 0 || (r.flags & kResponseDone) != 0) continue;
    const Event& e = r.event;
    if ((e.type == EventType::kAccepted || e.type == EventType::kTriggered) &&
        e.status == OrderStatus::kPendingNew) {
      ack(e.order_id);
      if (e.order_id % 3 == 0) {
        Command f = make_command(Op::kFill);
        f.fill.ref.order_id = e.order_id;
        f.fill.trade_id = VenueId::digits(e.order_id);  // order ids are never reused: nor are these
        f.fill.qty = e.qty;
        f.fill.price = e.price;
        f.fill.fee = *parse_fixed<Amount>("0.05");
        f.fill.fee_asset = usdt;
        f.fill.liquidity = static_cast<uint8_t>(Liquidity::kMaker);
        outbox.push_back(f);
      }
    } else if (e.type == EventType::kCancelRequested && e.status == OrderStatus::kPendingCancel) {
      cancel_ack(e.order_id);
    }
  }
}

// ---- process bookkeeping ------------------------------------------------------------------

// SIGKILL and reap. Returns the wait status when the process had already exited on its own
// (an engine or client that died before the test killed it is a failure), else -1.
int kill_and_reap(pid_t& pid) {
  if (pid <= 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) {
    pid = -1;
    return status;
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pid = -1;
  return -1;
}

// Everything one loop started: killed, reaped and removed whatever way the test ends.
class Fixture {
 public:
  Fixture() {
    static int counter = 0;
    name_ = fmt::format("cr{}x{}", getpid(), ++counter);
    char tmpl[] = "/tmp/ose-crash-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    data_dir_ = tmpl;
  }
  ~Fixture() {
    kill_clients();
    kill_and_reap(engine_);
    remove_dead_engine_files(name_);  // segments and lock file of the last killed engine
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  const std::string& name() const { return name_; }
  const std::string& data_dir() const { return data_dir_; }
  pid_t& engine() { return engine_; }
  void add_client(pid_t pid) { clients_.push_back(pid); }
  // Returns how many had already exited on their own.
  int kill_clients() {
    int gone = 0;
    for (pid_t& p : clients_) gone += kill_and_reap(p) != -1;
    clients_.clear();
    return gone;
  }

 private:
  std::string name_;
  std::string data_dir_;
  pid_t engine_ = -1;
  std::vector<pid_t> clients_;
};

// Waits until the engine `pid` owns the published state segment. nullopt when it exited first
// (`exit_status` then holds its status) or did not get there within the timeout.
std::optional<StateReader> wait_ready(const std::string& name, pid_t& pid, int& exit_status) {
  const int64_t until = shm::monotonic_ns() + 10'000'000'000;
  while (shm::monotonic_ns() < until) {
    if (auto r = StateReader::attach(name)) {
      if (r->segment_header().owner_pid.load(std::memory_order_relaxed) == pid) {
        return std::move(*r);
      }
    }
    if (waitpid(pid, &exit_status, WNOHANG) == pid) {
      pid = -1;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return std::nullopt;
}

// ---- the store, read after a crash ---------------------------------------------------------

struct StoreFacts {
  uint64_t first = 0;  // 0 when the journal is empty
  uint64_t last = 0;
  uint64_t records = 0;
  uint64_t snapshots = 0;
  uint64_t newest_snapshot = 0;
  uint64_t oldest_snapshot = 0;
  uint64_t state_hash = 0;  // of the independent replay at `last`
};

// Replays the journal as it grows, from genesis (or, once retention pruned the journal past it,
// from the oldest snapshot left), comparing every snapshot it passes with its own state, byte for
// byte. Written against the journal format and apply(), not against recovery's code.
class ReferenceReplay {
 public:
  explicit ReferenceReplay(const EngineConfig& config) : config_(config) {}

  // Walks the whole journal and the snapshots in one read transaction.
  void check(Store& store, StoreFacts& facts) {
    auto txn = lmdb::Txn::begin(store.env(), true);
    ASSERT_TRUE(txn) << txn.error();
    std::map<uint64_t, std::string_view> snapshots;  // valid while `txn` is open
    {
      auto cur = lmdb::Cursor::open(*txn, store.snapshots_db());
      ASSERT_TRUE(cur) << cur.error();
      MDB_val k{}, v{};
      for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
        const auto seq = decode_seq_key(lmdb::view(k));
        ASSERT_TRUE(seq) << "a snapshot key that is not a seq";
        snapshots.emplace(*seq, lmdb::view(v));
      }
    }
    facts.snapshots = snapshots.size();
    if (!snapshots.empty()) {
      facts.oldest_snapshot = snapshots.begin()->first;
      facts.newest_snapshot = snapshots.rbegin()->first;
    }
    for (const auto& [seq, bytes] : snapshots) {
      std::string why;
      auto snap = decode_snapshot(bytes, &why);
      ASSERT_TRUE(snap) << "snapshot " << seq << ": " << why;
      EXPECT_EQ(snap->header.seq, seq);
      // The engine cuts a snapshot in slices from the first pass after a multiple of
      // snapshot_every, so it lands at or after one (docs/design/0009-snapshot-cut.md).
      EXPECT_GE(seq, kSnapshotEvery) << "a snapshot before the first snapshot_every boundary";
    }

    auto cur = lmdb::Cursor::open(*txn, store.journal_db());
    ASSERT_TRUE(cur) << cur.error();
    MDB_val k{}, v{};
    if (cur->get(k, v, MDB_FIRST) == 0) {
      const auto first = decode_seq_key(lmdb::view(k));
      ASSERT_TRUE(first) << "a journal key that is not a seq";
      facts.first = *first;
    }
    if (!ref_ || (facts.first != 0 && ref_->header().seq + 1 < facts.first)) {
      restart_reference(facts.first, snapshots);
      if (::testing::Test::HasFatalFailure()) return;
    }
    ASSERT_TRUE(facts.first == 0 || facts.first <= ref_->header().seq + 1);
    const uint64_t seen_before = ref_->header().seq;

    NullEventSink sink;
    Input in;
    uint64_t prev = 0;
    for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
      const auto seq = decode_seq_key(lmdb::view(k));
      ASSERT_TRUE(seq) << "a journal key that is not a seq";
      if (prev != 0) {
        ASSERT_EQ(*seq, prev + 1) << "the journal is not contiguous after seq " << prev;
      }
      prev = *seq;
      ++facts.records;
      const RecordProblem p = decode_journal_record(lmdb::view(v), *seq, in);
      ASSERT_EQ(p, RecordProblem::kNone) << "journal record " << *seq << ": " << describe(p);
      if (*seq <= ref_->header().seq) continue;
      ASSERT_EQ(*seq, ref_->header().seq + 1);
      apply(*ref_, in, sink);
      ASSERT_EQ(ref_->header().seq, *seq);
      if (auto s = snapshots.find(*seq); s != snapshots.end()) {
        auto snap = decode_snapshot(s->second, nullptr);
        ASSERT_TRUE(snap);
        EXPECT_EQ(snap->header.state_hash, ref_->hash()) << "snapshot " << *seq;
        EXPECT_TRUE(snap->state_bytes == ref_->serialize())
            << "snapshot " << *seq << " differs from the replayed state";
        verified_.insert(*seq);
      }
    }
    facts.last = prev;
    EXPECT_EQ(facts.records, facts.last == 0 ? 0 : facts.last - facts.first + 1);
    // Records already replayed are never lost or rewritten: the journal only grows.
    EXPECT_GE(facts.last, seen_before) << "the journal lost records it held before this crash";
    EXPECT_EQ(ref_->header().seq, facts.last);
    for (const auto& [seq, bytes] : snapshots) {
      EXPECT_LE(seq, facts.last) << "a snapshot past the journal's end";
    }
    facts.state_hash = ref_->hash();
  }

  // Snapshots compared with a replay through their seq (rather than taken on trust).
  const std::set<uint64_t>& verified() const { return verified_; }
  int restarts() const { return restarts_; }

 private:
  // From genesis when the journal starts at 1 (or is empty), else from the oldest snapshot the
  // pruned journal continues.
  void restart_reference(uint64_t first, const std::map<uint64_t, std::string_view>& snapshots) {
    auto genesis = genesis_state(config_);
    ASSERT_TRUE(genesis) << genesis.error();
    ref_.emplace(std::move(*genesis));
    if (first <= 1) return;
    ++restarts_;
    auto s = snapshots.find(first - 1);
    ASSERT_NE(s, snapshots.end()) << "the journal starts at " << first << " but no snapshot is at "
                                  << first - 1;
    auto snap = decode_snapshot(s->second, nullptr);
    ASSERT_TRUE(snap);
    auto restored = ref_->restore(snap->state_bytes);
    ASSERT_TRUE(restored) << restored.error();
    ASSERT_EQ(ref_->hash(), snap->header.state_hash);
    ASSERT_EQ(ref_->header().seq, first - 1);
  }

  const EngineConfig& config_;
  std::optional<State> ref_;
  std::set<uint64_t> verified_;
  int restarts_ = 0;
};

RecoverOptions recover_options(bool use_snapshots) {
  RecoverOptions o;
  o.use_snapshots = use_snapshots;
  return o;
}

// ---- the loop ------------------------------------------------------------------------------

struct LoopStats {
  uint64_t inputs = 0;
  uint64_t snapshots = 0;
  int from_snapshot = 0;       // crashes recovered from a snapshot (not from genesis)
  int state_compared = 0;      // crashes where the dead engine's state was compared with recovery
  uint64_t lost_acked = 0;     // async: accepted orders a client heard of and the crash lost
  uint64_t accepted = 0;       // accepted orders the clients recorded
  uint64_t max_loss = 0;       // most inputs applied but not journaled at a kill
  int64_t check_ns = 0;        // spent checking the store after the kills
  int64_t max_recover_ns = 0;  // the slowest recovery (newest snapshot + tail) seen
  int restarts = 0;            // reference replays restarted from a snapshot (pruned journal)
  int kills = 0;               // crash cycles completed
};

class CrashLoop {
 public:
  explicit CrashLoop(const LoopOptions& o) : options_(o), logs_(3) {
    auto parsed = load_config_string(crash_config(fx_.name(), fx_.data_dir(), o), "<crash test>");
    if (!parsed) throw std::runtime_error(parsed.error());
    config_ = std::move(*parsed);
    const char* seed = std::getenv("OSE_CRASH_SEED");
    seed_ = seed != nullptr ? std::strtoull(seed, nullptr, 10) : std::random_device{}();
    rng_.seed(seed_);
  }

  uint64_t seed() const { return seed_; }
  const LoopStats& stats() const { return stats_; }

  void run() {
    for (int cycle = 0; cycle < options_.cycles; ++cycle) {
      SCOPED_TRACE(fmt::format("cycle {} (OSE_CRASH_SEED={})", cycle, seed_));
      one_cycle(cycle);
      if (::testing::Test::HasFailure()) return;
    }
    SCOPED_TRACE(fmt::format("clean stop (OSE_CRASH_SEED={})", seed_));
    clean_stop();
  }

 private:
  bool sync() const { return std::strcmp(options_.durability, "sync") == 0; }

  // Starts the engine and checks it continues at exactly the seq recovery gives.
  std::optional<StateReader> restart() {
    fx_.engine() = start_engine(config_);
    int status = 0;
    auto reader = wait_ready(fx_.name(), fx_.engine(), status);
    if (!reader) {
      ADD_FAILURE() << "the engine did not come up (exit status " << status << ")";
      return std::nullopt;
    }
    // No client is attached yet and nothing is timed: no input can have been applied.
    EXPECT_EQ(reader->header().applied_seq.load(std::memory_order_acquire), recovered_)
        << "the restarted engine does not continue at the recovered seq";
    EXPECT_EQ(reader->header().journal.durable_seq.load(std::memory_order_acquire), recovered_);
    StateHeader h{};
    EXPECT_TRUE(reader->read_state_header(h));
    EXPECT_EQ(h.seq, recovered_);
    return reader;
  }

  void start_clients(int cycle) {
    const uint64_t base = uint64_t(cycle + 1) * 100'000'000;
    const std::string& name = fx_.name();
    fx_.add_client(fork_child([&] { run_strategy(name, "st1", base, logs_.at(0)); }));
    fx_.add_client(fork_child([&] { run_strategy(name, "st2", base, logs_.at(1)); }));
    fx_.add_client(fork_child([&] { run_venue(name, logs_.at(2)); }));
  }

  void one_cycle(int cycle) {
    auto reader = restart();
    if (!reader) return;
    const uint64_t accepted_before[2] = {accepted_count(0), accepted_count(1)};
    // Seqs restart at the recovered one: what a client heard of is judged per life of the engine.
    for (size_t i = 0; i < 3; ++i) logs_.at(i).max_seq.store(0, std::memory_order_relaxed);
    start_clients(cycle);
    std::uniform_int_distribution<int> delay_ms(20, 150);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng_)));
    // Every fifth kill finds the engine idle, its journal caught up: then nothing at all may be
    // lost, and the state it died with must be exactly the recovered one.
    const bool quiescent = cycle % 5 == 4;
    if (quiescent) {
      EXPECT_EQ(fx_.kill_clients(), 0) << "a client process died before the kill";
      ASSERT_TRUE(wait_quiet(*reader)) << "the journal did not catch up with the engine";
    }

    // What the engine has reported durable, then the kill.
    const uint64_t durable_before =
        reader->header().journal.durable_seq.load(std::memory_order_acquire);
    const int engine_status = kill_and_reap(fx_.engine());
    ASSERT_EQ(engine_status, -1) << "the engine exited before the kill (status " << engine_status
                                 << ")";
    EXPECT_EQ(fx_.kill_clients(), 0) << "a client process died before the kill";
    // The dead engine's last words, still mapped.
    const uint64_t applied_final = reader->header().applied_seq.load(std::memory_order_acquire);
    const uint64_t durable_final =
        reader->header().journal.durable_seq.load(std::memory_order_acquire);

    std::optional<Recovered> rec;
    StoreFacts facts;
    const int64_t check_t0 = shm::monotonic_ns();
    check_store(facts, rec);
    stats_.check_ns += shm::monotonic_ns() - check_t0;
    if (::testing::Test::HasFatalFailure() || !rec) return;
    const uint64_t seq = facts.last;

    // Nothing reported durable is lost; nothing journaled was never applied.
    EXPECT_LE(durable_before, seq) << "a seq reported durable before the kill was lost";
    EXPECT_LE(durable_final, seq);
    EXPECT_LE(seq, applied_final) << "the journal holds inputs the engine never applied";
    EXPECT_GE(seq, recovered_);
    stats_.max_loss = std::max(stats_.max_loss, applied_final - seq);

    // When every applied input made it to the journal, recovery gives back the very state the
    // engine died with (if it died between inputs, so a consistent copy can be had).
    if (quiescent) {
      EXPECT_EQ(seq, applied_final) << "an idle engine's journaled inputs were lost";
    }
    if (applied_final == seq) {
      auto copy = reader->copy(20);
      if (quiescent) {
        ASSERT_TRUE(copy) << copy.error();
        EXPECT_TRUE(copy->consistent);
      }
      // The Runner publishes an input's records, then announces it in applied_seq, then hands
      // it to the journal: a kill between the first two leaves a consistent copy one input ahead
      // of applied_seq and of the journal. That input was never announced nor journaled (the
      // async window, like any other), so only an idle engine must not show it.
      const bool died_after_publish =
          copy && copy->consistent && copy->state.header().seq == seq + 1;
      if (quiescent || !died_after_publish) {
        if (copy && copy->consistent) {
          EXPECT_EQ(copy->state.header().seq, seq);
          EXPECT_EQ(copy->state.hash(), facts.state_hash)
              << "the state the engine died with differs from the recovered one";
          ++stats_.state_compared;
        }
      }
    }

    // What the clients were told. In sync mode every response waited for durability, so the
    // recovered state covers all of them; in async mode the loss is only counted.
    for (size_t i = 0; i < 3; ++i) {
      ClientLog& log = logs_.at(i);
      EXPECT_EQ(log.overflow.load(std::memory_order_acquire), 0u);
      const uint64_t max_seq = log.max_seq.load(std::memory_order_acquire);
      // The Runner sends an input's events while it applies it and publishes applied_seq just
      // after: a kill in between leaves a client one input ahead of the header, never more.
      EXPECT_LE(max_seq, applied_final + 1) << "a client heard of a seq never applied";
      if (sync()) {
        EXPECT_LE(max_seq, seq) << "client " << i << " received a response for seq " << max_seq
                                << " but the recovered journal ends at " << seq;
      }
    }
    if (sync()) {
      // Looking orders up by (client, cl_id) below is a fair test only while no order slot has
      // been reused.
      ASSERT_LT(rec->state.header().next_unused_slot, rec->state.caps().orders)
          << "max_orders too small for this test: slots were reused";
    }
    for (size_t i = 0; i < 2; ++i) {
      ClientLog& log = logs_.at(i);
      const uint64_t n = log.accepted.load(std::memory_order_acquire);
      for (uint64_t k = 0; k < n; ++k) {
        const AcceptedEntry& e = log.entries[k];
        if (!sync()) {
          stats_.lost_acked += k >= accepted_before[i] && e.seq > seq;
          continue;
        }
        // Every accepted order of every earlier life of the engine too: the first one missing
        // fails the test.
        ASSERT_LE(e.seq, seq) << "accepted order " << e.cl_id << " (seq " << e.seq
                              << ") was answered before it was durable";
        const OrderRecord* o = rec->state.find_order(static_cast<uint16_t>(e.client), e.cl_id);
        ASSERT_NE(o, nullptr) << "accepted order (client " << e.client << ", cl_id " << e.cl_id
                              << ", seq " << e.seq << ") is missing from the recovered state";
        ASSERT_EQ(o->id, e.order_id);
      }
    }
    recovered_ = seq;
    stats_.inputs = seq;
    stats_.snapshots = facts.snapshots;
    stats_.from_snapshot += rec->snapshot_seq != 0;
    stats_.restarts = reference_.restarts();
    ++stats_.kills;
    stats_.accepted = accepted_count(0) + accepted_count(1);
  }

  // Waits (the clients gone) until the engine has seen every client go, has applied nothing new
  // for 150 ms (longer than its 100 ms client liveness pass, which cancels a dead client's
  // orders) and its journal has caught up.
  static bool wait_quiet(const StateReader& reader) {
    const int64_t until = shm::monotonic_ns() + 5'000'000'000;
    uint64_t last = UINT64_MAX;
    int64_t since = 0;
    while (shm::monotonic_ns() < until) {
      const uint64_t applied = reader.header().applied_seq.load(std::memory_order_acquire);
      const uint64_t durable = reader.header().journal.durable_seq.load(std::memory_order_acquire);
      bool attached = false;
      for (uint16_t c = 0; c < reader.client_count(); ++c) {
        attached = attached || reader.client_status(c).link.load(std::memory_order_relaxed) ==
                                   static_cast<uint32_t>(ClientLink::kAttached);
      }
      const int64_t now = shm::monotonic_ns();
      if (applied != last || durable != applied || attached) {
        last = applied;
        since = now;
      } else if (now - since >= 150'000'000) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return false;
  }

  uint64_t accepted_count(size_t i) { return logs_.at(i).accepted.load(std::memory_order_acquire); }

  // (a) the journal, (b) recovery against independent replays. The store is opened read-only
  // and closed before anything is forked again.
  void check_store(StoreFacts& facts, std::optional<Recovered>& out) {
    auto store = Store::open(config_.data_dir, {uint64_t{config_.journal_map_mb} << 20, true});
    ASSERT_TRUE(store) << store.error();
    reference_.check(*store, facts);
    if (::testing::Test::HasFatalFailure()) return;
    // Retention keeps the newest snapshots_keep snapshots and the journal after the oldest of
    // them; until there are that many, nothing is pruned.
    EXPECT_LE(facts.snapshots, options_.snapshots_keep);
    if (facts.snapshots < options_.snapshots_keep) {
      EXPECT_LE(facts.first, 1u) << "the journal was pruned with fewer snapshots than kept";
    } else if (facts.first > 1) {
      EXPECT_EQ(facts.first, facts.oldest_snapshot + 1);
    }
    auto summary = store->summary(true);
    ASSERT_TRUE(summary) << summary.error();
    if (reference_.restarts() == 0) {
      // Every snapshot in the store was compared with the replay as it passed its seq.
      for (const SnapshotInfo& snap : summary->snapshots) {
        EXPECT_TRUE(reference_.verified().count(snap.seq) != 0)
            << "snapshot " << snap.seq << " was never compared with a replay";
      }
    }
    EXPECT_EQ(summary->records, facts.records);
    EXPECT_EQ(summary->first_seq, facts.first);
    EXPECT_EQ(summary->last_seq, facts.last);
    ASSERT_EQ(summary->snapshots.size(), facts.snapshots);
    for (const SnapshotInfo& s : summary->snapshots) EXPECT_EQ(s.problem, "") << s.seq;
    EXPECT_FALSE(summary->checkpoint) << "a checkpoint, but the engine never stopped cleanly";

    const int64_t t0 = shm::monotonic_ns();
    auto with = recover(config_, *store, recover_options(true));
    stats_.max_recover_ns = std::max(stats_.max_recover_ns, shm::monotonic_ns() - t0);
    ASSERT_TRUE(with) << with.error();
    EXPECT_EQ(with->state.header().seq, facts.last);
    EXPECT_EQ(with->state_hash, facts.state_hash) << "recovery differs from the replay";
    EXPECT_EQ(with->state.hash(), with->state_hash);
    EXPECT_EQ(with->snapshot_seq, facts.newest_snapshot) << "recovery skipped the newest snapshot";
    EXPECT_EQ(with->replayed, facts.last - with->snapshot_seq);
    EXPECT_EQ(with->state.integrity_problem(), "");
    if (facts.first <= 1) {
      auto full = recover(config_, *store, recover_options(false));
      ASSERT_TRUE(full) << full.error();
      EXPECT_EQ(full->state.header().seq, facts.last);
      EXPECT_EQ(full->snapshot_seq, 0u);
      EXPECT_EQ(full->replayed, facts.last);
      EXPECT_EQ(full->state_hash, with->state_hash)
          << "snapshot + tail and a full replay disagree at seq " << facts.last;
    }
    out.emplace(std::move(*with));
  }

  // The last restart ends with SIGTERM: the engine drains, its journal writes everything and a
  // checkpoint, and exits 0; recovery must land on that checkpoint.
  void clean_stop() {
    auto reader = restart();
    if (!reader) return;
    start_clients(options_.cycles);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // The engine sees them go (cancel on disconnect): more inputs.
    EXPECT_EQ(fx_.kill_clients(), 0) << "a client process died before the kill";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    kill(fx_.engine(), SIGTERM);
    int status = 0;
    const int64_t until = shm::monotonic_ns() + 20'000'000'000;
    while (waitpid(fx_.engine(), &status, WNOHANG) != fx_.engine()) {
      // The fixture kills it on the way out.
      ASSERT_LT(shm::monotonic_ns(), until) << "the engine did not stop on SIGTERM";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    fx_.engine() = -1;
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the engine's clean stop reported a problem";
    const uint64_t applied_final = reader->header().applied_seq.load(std::memory_order_acquire);

    auto store = Store::open(config_.data_dir, {uint64_t{config_.journal_map_mb} << 20, true});
    ASSERT_TRUE(store) << store.error();
    StoreFacts facts;
    reference_.check(*store, facts);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(facts.last, applied_final) << "a clean stop left applied inputs unjournaled";
    auto summary = store->summary(false);
    ASSERT_TRUE(summary) << summary.error();
    ASSERT_TRUE(summary->checkpoint);
    EXPECT_EQ(summary->checkpoint->seq, facts.last);
    EXPECT_EQ(summary->checkpoint->state_hash, facts.state_hash);
    auto copy = reader->copy();
    ASSERT_TRUE(copy) << copy.error();
    EXPECT_TRUE(copy->consistent);
    EXPECT_EQ(copy->state.hash(), facts.state_hash);
    auto with = recover(config_, *store, RecoverOptions{});
    ASSERT_TRUE(with) << with.error();
    EXPECT_EQ(with->state_hash, facts.state_hash);
    stats_.inputs = facts.last;
  }

  LoopOptions options_;
  Fixture fx_;
  SharedLogs logs_;
  EngineConfig config_;
  ReferenceReplay reference_{config_};
  uint64_t seed_ = 0;
  std::mt19937_64 rng_;
  uint64_t recovered_ = 0;  // the seq the store recovered to after the last crash
  LoopStats stats_;
};

void report(const char* what, const CrashLoop& loop, int64_t t0) {
  const LoopStats& s = loop.stats();
  fmt::print(
      "[ crash    ] {}: {} kills in {:.1f} s, {} inputs journaled, {} snapshots, {} recoveries "
      "from a snapshot, {} dead states compared, {} accepted orders recorded, {} of them lost "
      "(async window), at most {} applied inputs unjournaled at a kill, {} replays restarted "
      "from a snapshot after pruning; checks took {:.1f} s, the slowest recovery {:.1f} ms "
      "(seed {})\n",
      what, s.kills, static_cast<double>(shm::monotonic_ns() - t0) / 1e9, s.inputs, s.snapshots,
      s.from_snapshot, s.state_compared, s.accepted, s.lost_acked, s.max_loss, s.restarts,
      static_cast<double>(s.check_ns) / 1e9, static_cast<double>(s.max_recover_ns) / 1e6,
      loop.seed());
}

TEST(CrashLoop, AsyncJournalSurvivesRandomKillsUnderLoad) {
  const int64_t t0 = shm::monotonic_ns();
  LoopOptions o;
  o.durability = "async";
  o.cycles = crash_cycles();
  CrashLoop loop(o);
  loop.run();
  report("async", loop, t0);
  if (loop.stats().inputs > 4 * kSnapshotEvery) {
    EXPECT_GT(loop.stats().from_snapshot, 0);
  }
}

TEST(CrashLoop, SyncJournalLosesNothingAnyClientWasTold) {
  const int64_t t0 = shm::monotonic_ns();
  LoopOptions o;
  o.durability = "sync";
  o.cycles = std::max(10, crash_cycles() / 5);
  // Room for every order of the run (about 700 a cycle): the recovered state must still hold them.
  o.max_orders = std::bit_ceil(static_cast<uint32_t>(o.cycles) * 2048u);
  CrashLoop loop(o);
  loop.run();
  report("sync", loop, t0);
  EXPECT_GT(loop.stats().accepted, 0u);
}

TEST(CrashLoop, RetentionPruningSurvivesRandomKills) {
  const int64_t t0 = shm::monotonic_ns();
  LoopOptions o;
  o.durability = "async";
  o.snapshots_keep = 2;
  o.cycles = std::max(10, crash_cycles() / 5);
  CrashLoop loop(o);
  loop.run();
  report("retention", loop, t0);
}

}  // namespace
}  // namespace ose::test
