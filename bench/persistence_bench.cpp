// Benchmarks of persistence (DESIGN §7): what the LMDB journal costs the engine, how fast it makes
// inputs durable, how fast recovery replays them, and whether a snapshot stalls the engine.
//
//   BM_Journal_GroupCommit          inputs pushed into the Journal as fast as one thread can, timed
//                                   until durable_seq covers the last one: durable inputs/s and
//                                   the average group-commit batch.
//   BM_Engine_AsyncJournal_vs_None  apply() over the same stream on five States in rotating
//                                   rounds: alone, with the write log the Runner keeps, handing
//                                   each input to the journal's kind of queue (drained later, or
//                                   chased by a consumer), and handing it to the Journal (async
//                                   durability, with the snapshot cut's hooks): the engine
//                                   thread's time per input in each, the journal's cost in %, and
//                                   the journal thread's CPU per input (flat out and paced).
//   BM_Journal_Decode               1M records decoded from memory, format 2 against format 3.
//   BM_Recovery                     N records written straight into the journal DB, then
//                                   recover() from seq 1 without snapshots: records replayed/s,
//                                   with the file in the page cache (warm) or evicted (cold).
//   BM_SnapshotStall                1M live orders; the engine thread applies a paced stream
//                                   while it cuts a snapshot a slice per input and the journal
//                                   serializes and commits it: the longest gap between
//                                   consecutive inputs, against a window without one.
//   BM_Journal_DurableLatency       "input handed to on_input → durable_seq covers it": one input
//                                   at a time, each waited for (sync style), then a paced stream
//                                   that never waits (async), in the same process.
//
// Every comparison runs its baseline in the same process, interleaved where it can be: the
// development machine has 2 cores and is shared, so only figures measured side by side mean much,
// and single-threaded phases are also reported in thread CPU time. Each benchmark builds its own
// LMDB environment in a fresh directory under /tmp (mkdtemp) and removes it afterwards. The
// streams are proven valid (no reject, no alert) by the engine-side State or the recovered one,
// and every journal must have made everything the engine applied durable.
#include <benchmark/benchmark.h>
#include <concurrentqueue/concurrentqueue.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_fixture.hpp"
#include "bench/order_flow.hpp"
#include "engine/runtime/snapshot_cut.hpp"
#include "persistence/journal.hpp"
#include "persistence/journal_format.hpp"
#include "persistence/recovery.hpp"
#include "persistence/store.hpp"
#include "shm/clock.hpp"

namespace ose::bench {
namespace {

using shm::monotonic_ns;

// Periodic snapshots off: seq % snapshot_every is never 0 below it. Only BM_SnapshotStall takes
// one, on request; the others measure the journal alone.
constexpr uint64_t kNoSnapshots = std::numeric_limits<uint64_t>::max();
// The order-flow benchmarks keep 10k orders working in a table of 64k slots (the rest hold
// terminal orders for (client, cl_id) dedup until reused).
constexpr uint32_t kFlowWorking = 10'000;
constexpr uint32_t kFlowMaxOrders = 1u << 16;
constexpr uint64_t kGiB = 1ull << 30;
constexpr double kWaitTimeoutS = 120;

inline void cpu_relax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#endif
}

void log_line(const std::string& line) {
  std::fprintf(stderr, "  [journal] %s\n", line.c_str());
}

// CPU time of the calling thread: what a single-threaded phase costs, net of the time the
// scheduler gave other processes on this shared machine (a syscall, ~0.3 µs: per batch only).
int64_t thread_cpu_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// CPU time of the whole process (every thread).
int64_t process_cpu_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

double seconds(int64_t ns) noexcept {
  return static_cast<double>(ns) * 1e-9;
}

// Millions of inputs per second.
double mips(uint64_t inputs, int64_t ns) noexcept {
  return ns > 0 ? static_cast<double>(inputs) * 1e3 / static_cast<double>(ns) : 0.0;
}

// The q-quantile of sorted samples (nearest rank below), 0 when there are none.
template <typename T>
double quantile(const std::vector<T>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const auto k =
      std::min(sorted.size() - 1, static_cast<size_t>(q * static_cast<double>(sorted.size())));
  return static_cast<double>(sorted[k]);
}

// ---- scratch LMDB directories -----------------------------------------------------------------

class ScratchDir {
 public:
  ScratchDir() {
    char path[] = "/tmp/ose-pbench-XXXXXX";
    if (mkdtemp(path) == nullptr) {
      std::perror("bench: mkdtemp /tmp/ose-pbench-XXXXXX");
      std::abort();
    }
    path_ = path;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const noexcept { return path_; }
  std::string data_file() const { return path_ + "/data.mdb"; }

 private:
  std::string path_;
};

// Drops a file's pages from the page cache. LMDB's committed pages are clean (written and
// fdatasync'ed; no MDB_WRITEMAP), so POSIX_FADV_DONTNEED evicts them without root.
bool evict_from_page_cache(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  ::close(fd);
  return ok;
}

// The fraction of a file's pages in the page cache (mincore over a fresh read-only mapping).
double resident_fraction(const std::string& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1.0;
  struct stat st {};
  double fraction = -1.0;
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    const auto size = static_cast<size_t>(st.st_size);
    void* map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (map != MAP_FAILED) {
      const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
      std::vector<unsigned char> in_core((size + page - 1) / page);
      if (::mincore(map, size, in_core.data()) == 0) {
        const auto resident = std::count_if(in_core.begin(), in_core.end(),
                                            [](unsigned char c) { return (c & 1) != 0; });
        fraction = static_cast<double>(resident) / static_cast<double>(in_core.size());
      }
      ::munmap(map, size);
    }
  }
  ::close(fd);
  return fraction;
}

// Applies `inputs`; what was refused (empty when nothing was).
std::string apply_clean(State& s, const std::vector<Input>& inputs, CountingSink& sink) {
  const Health before = Health::of(s);
  for (const Input& in : inputs) ose::apply(s, in, sink);
  const uint64_t bad = Health::of(s).bad_since(before);
  if (bad == 0) return {};
  return std::to_string(bad) + " inputs refused; first: " + sink.describe_first_bad();
}

// ---- journals ---------------------------------------------------------------------------------

// A running Journal on a scratch store that already holds `history`, which the engine has applied
// (its position: what recovery would hand the journal), taking snapshots from `cut`.
class JournalRig {
 public:
  JournalRig(SnapshotCut* cut, const std::vector<Input>& history, const JournalOptions& options,
             uint64_t map_size) {
    auto store = Store::open(dir_.path(), {map_size, false});
    if (!store) {
      error_ = "Store::open: " + store.error();
      return;
    }
    error_ = append_records(*store, history.data(), history.size());
    if (!error_.empty()) return;
    const uint64_t seq = history.empty() ? 0 : history.back().seq;
    auto j = Journal::start(std::move(*store), seq, cut, options, status_.get(), log_line);
    if (!j) {
      error_ = "Journal::start: " + j.error();
      return;
    }
    journal_ = std::move(*j);
  }
  ~JournalRig() = default;  // a journal not stopped stops in its destructor
  JournalRig(const JournalRig&) = delete;
  JournalRig& operator=(const JournalRig&) = delete;

  const std::string& error() const noexcept { return error_; }
  Journal& journal() noexcept { return *journal_; }
  // Relaxed: monitoring counters. The journal counts a commit just after publishing its durable
  // seq, so while it runs the count may lag the durable seq by one; after stop() it is exact.
  uint64_t commits() const noexcept { return status_->commits.load(std::memory_order_relaxed); }
  uint64_t snapshots_taken() const noexcept {
    return status_->snapshots_taken.load(std::memory_order_relaxed);
  }

  // Yields until the journal has committed `seq`; false after the timeout.
  bool wait_durable(uint64_t seq) const noexcept {
    const int64_t give_up = monotonic_ns() + static_cast<int64_t>(kWaitTimeoutS * 1e9);
    while (journal_->durable_seq() < seq) {
      if (monotonic_ns() > give_up) return false;
      std::this_thread::yield();
    }
    return true;
  }

  // Stops the journal: everything the engine applied (through `engine`'s seq) must be durable;
  // the checkpoint records its hash. What went wrong, empty when nothing did.
  std::string stop_and_check(const State& engine) {
    auto r = journal_->stop(engine.header().seq, engine.hash(), 0);
    if (!r) return "journal stop: " + r.error();
    return {};
  }

 private:
  ScratchDir dir_;  // first member: removed after the journal has closed its environment
  std::unique_ptr<JournalStatus> status_ = std::make_unique<JournalStatus>();
  std::unique_ptr<Journal> journal_;
  std::string error_;
};

JournalOptions bench_options(uint32_t batch = JournalOptions{}.batch) {
  JournalOptions o;
  o.batch = batch;
  o.snapshot_every = kNoSnapshots;
  return o;
}

// An engine State after the flow's opening, with the write log the Runner keeps (attached after
// the opening), the snapshot cut fed from it, and a journal taking its cuts.
struct FlowRig {
  EngineConfig config;
  OrderFlow flow;
  State engine;
  std::unique_ptr<WriteLog> log;
  std::unique_ptr<SnapshotCut> cut;
  CountingSink sink;
  std::unique_ptr<JournalRig> rig;
  std::string error;

  // One input as the Runner takes it: apply, the cut notes its writes, the log is emptied, the
  // journal gets it.
  void apply_one(const Input& in) noexcept {
    ose::apply(engine, in, sink);
    cut->after_input(engine, *log);
    log->clear();
    rig->journal().on_input(in);
  }

  FlowRig(uint32_t max_orders, uint32_t working, uint64_t seed, const JournalOptions& options,
          uint64_t map_size, uint64_t slice_bytes = SnapshotCutOptions{}.slice_bytes)
      : config(make_config(max_orders)), flow(working, seed), engine(create_state_or_die(config)) {
    std::vector<Input> history;
    flow.take(flow.opening_size(), history);
    if (error = apply_clean(engine, history, sink); !error.empty()) {
      error = "opening: " + error;
      return;
    }
    if (engine.header().live_count != working) {
      error = "opening: live_count " + std::to_string(engine.header().live_count) + ", expected " +
              std::to_string(working);
      return;
    }
    log = std::make_unique<WriteLog>(VersionLayout::for_caps(engine.caps()));
    engine.log_writes(log.get());
    auto c = SnapshotCut::create(engine, {options.snapshot_every, slice_bytes});
    if (!c) {
      error = "SnapshotCut::create: " + c.error();
      return;
    }
    cut = std::move(*c);
    rig = std::make_unique<JournalRig>(cut.get(), history, options, map_size);
    error = rig->error();
  }
};

// Counts the run's refused inputs and skips the benchmark with the reason when any input was
// refused or the journal does not replay to the engine's state: its figures would not hold.
void skip_unless_clean(benchmark::State& bs, FlowRig& r, uint64_t refused) {
  bs.counters["rejects"] = static_cast<double>(refused);
  if (refused != 0) {
    bs.SkipWithError(("refused inputs; first: " + r.sink.describe_first_bad()).c_str());
    return;
  }
  if (std::string e = r.rig->stop_and_check(r.engine); !e.empty()) bs.SkipWithError(e.c_str());
}

// ---- BM_Journal_GroupCommit -------------------------------------------------------------------

// Arguments: inputs, JournalOptions::batch (most inputs per write transaction), working orders
// (10k in a 64k-slot table, or 1M in 2^20 slots: a ~460 MB State). One thread pushes the whole
// pre-generated stream (the enqueue rate far exceeds the journal's, so the queue runs deep, as
// behind a bursting engine); the time runs from the first push until durable_seq covers the last
// input. The journal thread only encodes and writes (snapshots are cut by the engine thread).
//   journal_cpu_ns: the process's CPU time less the pushing thread's, per input;
//   journal_thread_cpu_ns: the journal thread's own CPU time per input (time blocked in fsync
//   excluded): 1e9 / it is its throughput were the disk free, and how much core it needs;
//   value_bytes: the mean size of a journal value (152 in formats 1 and 2).
void BM_Journal_GroupCommit(benchmark::State& bs) {
  const auto n = static_cast<size_t>(bs.range(0));
  const auto working = static_cast<uint32_t>(bs.range(2));
  const uint32_t max_orders = working <= kFlowWorking ? kFlowMaxOrders : 1u << 20;
  FlowRig r(max_orders, working, 0x6c0, bench_options(static_cast<uint32_t>(bs.range(1))),
            4 * kGiB);
  if (!r.error.empty()) {
    bs.SkipWithError(r.error.c_str());
    return;
  }
  std::vector<Input> inputs;
  r.flow.take(n, inputs);
  // The engine's side, untimed: proves the stream valid and gives the hash the checkpoint records.
  if (std::string e = apply_clean(r.engine, inputs, r.sink); !e.empty()) {
    bs.SkipWithError(e.c_str());
    return;
  }
  Journal& j = r.rig->journal();
  const uint64_t commits_before = r.rig->commits();
  for (auto _ : bs) {
    const int64_t process_cpu0 = process_cpu_ns();
    const int64_t thread_cpu0 = thread_cpu_ns();
    const int64_t journal_cpu0 = j.thread_cpu_ns();
    const int64_t t0 = monotonic_ns();
    for (const Input& in : inputs) j.on_input(in);
    const int64_t pushed = monotonic_ns();
    // Waits on the durable seq, never on the commit count: the next push is timed from here.
    if (!r.rig->wait_durable(inputs.back().seq)) {
      bs.SkipWithError("the journal did not catch up");
      return;
    }
    const int64_t t1 = monotonic_ns();
    // The process's CPU time less this thread's: the journal thread's, fsync waits excluded.
    const int64_t journal_cpu = (process_cpu_ns() - process_cpu0) - (thread_cpu_ns() - thread_cpu0);
    bs.SetIterationTime(seconds(t1 - t0));
    bs.counters["durable_Minputs_per_s"] = mips(n, t1 - t0);
    bs.counters["enqueue_ns"] = static_cast<double>(pushed - t0) / static_cast<double>(n);
    bs.counters["journal_cpu_ns"] = static_cast<double>(journal_cpu) / static_cast<double>(n);
    bs.counters["journal_thread_cpu_ns"] =
        static_cast<double>(j.thread_cpu_ns() - journal_cpu0) / static_cast<double>(n);
  }
  if (std::string e = r.rig->stop_and_check(r.engine); !e.empty()) {
    bs.SkipWithError(e.c_str());
    return;
  }
  const uint64_t commits = r.rig->commits() - commits_before;
  bs.counters["commits"] = static_cast<double>(commits);
  bs.counters["avg_batch"] = static_cast<double>(n) / static_cast<double>(commits);
  // What the journal stores per input (format 3: header, fixed fields, the command's payload);
  // LMDB adds 18 bytes a record (node header, key, page slot). Untimed.
  double value_bytes = 0;
  for (const Input& in : inputs) value_bytes += static_cast<double>(encode_journal_record(in).size);
  bs.counters["value_bytes"] = value_bytes / static_cast<double>(n);
}
BENCHMARK(BM_Journal_GroupCommit)
    ->ArgNames({"inputs", "batch", "working"})
    ->Args({1'000'000, 4096, kFlowWorking})
    ->Args({1'000'000, 256, kFlowWorking})
    ->Args({1'000'000, 4096, 1'000'000})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---- BM_Engine_AsyncJournal_vs_None -----------------------------------------------------------

// The journal's hand-off without the journal's work: the same queue type, capacity, producer
// token and bulk dequeue as Journal, and nothing done with what is taken. Two ways of draining:
//   kLater:   nobody takes anything while the engine runs; the engine thread drains the queue
//             itself afterwards (untimed). The enqueue alone, its lines never leaving the core.
//   kChasing: a thread takes inputs as soon as they are in (the journal's idle back-off when
//             there are none), so it reads the lines the engine thread is writing: the worst case
//             of cross-core traffic, which a working journal (that falls behind) mostly avoids.
class QueueOnly final : public InputSink {
 public:
  enum class Drain { kLater, kChasing };

  explicit QueueOnly(Drain drain) : queue_(size_t{8} * 4096), producer_(queue_) {
    if (drain == Drain::kChasing) thread_ = std::thread([this] { run(); });
  }
  ~QueueOnly() {
    // Release: pairs with the consumer's acquire; it exits at its next look.
    stop_.store(true, std::memory_order_release);
    if (thread_.joinable()) thread_.join();
  }
  QueueOnly(const QueueOnly&) = delete;
  QueueOnly& operator=(const QueueOnly&) = delete;

  void on_input(const Input& input) noexcept override {
    if (!queue_.enqueue(producer_, input)) std::terminate();
    ++sent_;
  }

  // Producer thread, after a timed run: everything sent has been taken.
  void drain() noexcept {
    if (!thread_.joinable()) {
      Input buf[128];
      while (queue_.try_dequeue_bulk_from_producer(producer_, buf, std::size(buf)) > 0) {
      }
      return;
    }
    // Acquire: pairs with the consumer's release of its count.
    while (taken_.load(std::memory_order_acquire) < sent_) std::this_thread::yield();
  }

 private:
  void run() noexcept {
    Input buf[128];
    uint32_t idle = 0;
    while (!stop_.load(std::memory_order_acquire)) {
      const size_t n = queue_.try_dequeue_bulk_from_producer(producer_, buf, std::size(buf));
      if (n > 0) {
        benchmark::DoNotOptimize(buf[n - 1]);
        taken_.fetch_add(n, std::memory_order_release);
        idle = 0;
      } else if (++idle < 64) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }

  moodycamel::ConcurrentQueue<Input> queue_;
  moodycamel::ProducerToken producer_;
  uint64_t sent_ = 0;  // producer thread only
  alignas(64) std::atomic<uint64_t> taken_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;  // started last, once everything it uses is built
};

// What the Runner does around apply() besides the hand-off: the write log it publishes from
// (emptied after each input) and, with a journal, the snapshot cut's hooks (after_input() per
// input, a step() per batch of 64, the Runner's pass).
struct RunnerHooks {
  WriteLog* log = nullptr;
  SnapshotCut* cut = nullptr;
};

// Applies `chunk` to `s`, handing each input to `sink` too unless it is null (through the
// InputSink interface, as the Runner does), with `hooks` (whose log, if any, is `s`'s).
// period_ns = 0: flat out. Otherwise paced at one input per period_ns in batches of 64 (a Runner
// draining a ring under a steady load), spinning between batches; only the batches are timed.
// Returns the busy time in thread CPU time, so that time slices the scheduler hands to other
// processes on this shared machine do not count (the journal thread has a core of its own on a
// dedicated 2-core host).
int64_t run_chunk(State& s, CountingSink& events, InputSink* sink, const std::vector<Input>& chunk,
                  int64_t period_ns, RunnerHooks hooks = {}) {
  constexpr size_t kBatch = 64;
  auto apply_range = [&](size_t from, size_t to) {
    if (sink == nullptr && hooks.log == nullptr) {
      for (size_t k = from; k < to; ++k) ose::apply(s, chunk[k], events);
    } else if (hooks.log == nullptr) {
      for (size_t k = from; k < to; ++k) {
        ose::apply(s, chunk[k], events);
        sink->on_input(chunk[k]);
      }
    } else {
      for (size_t k = from; k < to; ++k) {
        ose::apply(s, chunk[k], events);
        if (hooks.cut != nullptr) hooks.cut->after_input(s, *hooks.log);
        hooks.log->clear();
        if (sink != nullptr) sink->on_input(chunk[k]);
      }
      if (hooks.cut != nullptr) hooks.cut->step(s);
    }
  };
  if (period_ns == 0) {
    const int64_t c0 = thread_cpu_ns();
    for (size_t i = 0; i < chunk.size(); i += kBatch) {
      apply_range(i, std::min(chunk.size(), i + kBatch));
    }
    return thread_cpu_ns() - c0;
  }
  int64_t busy = 0;
  int64_t due = monotonic_ns();
  for (size_t i = 0; i < chunk.size(); i += kBatch, due += period_ns * int64_t{kBatch}) {
    int64_t t0 = monotonic_ns();
    while (t0 < due) {
      cpu_relax();
      t0 = monotonic_ns();
    }
    const int64_t c0 = thread_cpu_ns();
    apply_range(i, std::min(chunk.size(), i + kBatch));
    busy += thread_cpu_ns() - c0;
  }
  return busy;
}

// Argument: the engine's input rate (inputs/s); 0 = flat out. Five States run the same stream in
// rounds (10 rounds of 200k inputs flat out, of 0.2 s paced), one after another in an order that
// rotates every round:
//   none      applies each input and nothing else;
//   enqueue   also hands it to QueueOnly(kLater): the enqueue's own cost;
//   chasing   also hands it to QueueOnly(kChasing): the enqueue with a consumer on its heels;
//   journal   keeps the Runner's write log and the snapshot cut's hooks (no snapshot is due) and
//             hands each input to the Journal, as the Runner does in async durability, while the
//             journal thread encodes and commits it on the other core;
//   logged    keeps the write log only (emptied per input): what the Runner pays for publication
//             with or without a journal.
// Before each timed arm every consumer is idle (caught up), so an arm pays only for what its own
// consumer does meanwhile: for the journal, the queue's cache lines crossing cores and its
// competition for the shared L3, memory bandwidth and the kernel.
//   *_busy_ns: engine-thread CPU time per input (apply + hand-off);
//   cost_pct: the journal arm's extra busy time per input, in % of none's, over all rounds
//   (cost_pct_median: the median round's); enqueue_/chasing_/log_cost_pct: the same for those
//   arms; cost_vs_logged_pct: the journal arm against the logged one (the journal's own cost
//   in a Runner, which logs anyway).
//   journal_thread_cpu_ns: the journal thread's CPU time per input over the journal arms (each
//   until its last input is durable): how much of a core the journal needs at this rate.
//   durable_Minputs_per_s: inputs / (journal arm's start → durable_seq covers its last input).
void BM_Engine_AsyncJournal_vs_None(benchmark::State& bs) {
  constexpr int kRounds = 10;
  enum { kNone, kEnqueue, kChasing, kJournal, kLogged, kArms };
  const int64_t rate = bs.range(0);
  const int64_t period_ns = rate == 0 ? 0 : 1'000'000'000 / rate;
  const auto chunk_size = static_cast<size_t>(rate == 0 ? 200'000 : rate / 5);
  FlowRig r(kFlowMaxOrders, kFlowWorking, 0xa5c, bench_options(), kGiB);
  if (!r.error.empty()) {
    bs.SkipWithError(r.error.c_str());
    return;
  }
  std::array<std::optional<State>, kArms> states;
  for (int a = 0; a < kArms; ++a) {
    if (a == kJournal) continue;  // r.engine
    auto c = r.engine.clone();
    if (!c) {
      bs.SkipWithError(("State::clone: " + c.error()).c_str());
      return;
    }
    states[a].emplace(std::move(*c));
  }
  WriteLog logged_log(VersionLayout::for_caps(r.engine.caps()));
  states[kLogged]->log_writes(&logged_log);
  std::array<CountingSink, kArms> events;
  std::array<Health, kArms> health{};
  for (int a = 0; a < kArms; ++a) health[a] = Health::of(a == kJournal ? r.engine : *states[a]);
  Journal& j = r.rig->journal();
  QueueOnly later(QueueOnly::Drain::kLater);
  QueueOnly chasing(QueueOnly::Drain::kChasing);
  const uint64_t commits_before = r.rig->commits();
  std::vector<Input> chunk;
  chunk.reserve(chunk_size);
  std::vector<double> round_cost;
  std::array<int64_t, kArms> busy_ns{};
  int64_t durable_ns = 0;
  int64_t journal_cpu_ns = 0;
  for (auto _ : bs) {
    for (int round = 0; round < kRounds; ++round) {
      chunk.clear();
      r.flow.take(chunk_size, chunk);
      std::array<int64_t, kArms> busy{};
      bool caught_up = true;
      for (int k = 0; k < kArms; ++k) {
        switch (const int arm = (round + k) % kArms; arm) {
          case kNone:
            busy[arm] = run_chunk(*states[arm], events[arm], nullptr, chunk, period_ns);
            break;
          case kLogged:
            busy[arm] = run_chunk(*states[arm], events[arm], nullptr, chunk, period_ns,
                                  {&logged_log, nullptr});
            break;
          case kEnqueue:
          case kChasing: {
            QueueOnly& q = arm == kEnqueue ? later : chasing;
            busy[arm] = run_chunk(*states[arm], events[arm], &q, chunk, period_ns);
            q.drain();
            break;
          }
          default: {
            const int64_t t0 = monotonic_ns();
            const int64_t jc0 = j.thread_cpu_ns();
            busy[arm] =
                run_chunk(r.engine, r.sink, &j, chunk, period_ns, {r.log.get(), r.cut.get()});
            caught_up = r.rig->wait_durable(chunk.back().seq) && caught_up;
            journal_cpu_ns += j.thread_cpu_ns() - jc0;
            durable_ns += monotonic_ns() - t0;
          }
        }
      }
      if (!caught_up) {
        bs.SkipWithError("the journal did not catch up");
        return;
      }
      for (int a = 0; a < kArms; ++a) busy_ns[a] += busy[a];
      round_cost.push_back(
          (static_cast<double>(busy[kJournal]) / static_cast<double>(busy[kNone]) - 1.0) * 100.0);
    }
    bs.SetIterationTime(seconds(busy_ns[kJournal]));
  }
  const uint64_t total = uint64_t{kRounds} * chunk_size;
  const auto per_input = [&](int arm) {
    return static_cast<double>(busy_ns[arm]) / static_cast<double>(total);
  };
  const auto cost_pct = [&](int arm, int base) {
    return (per_input(arm) / per_input(base) - 1.0) * 100.0;
  };
  std::sort(round_cost.begin(), round_cost.end());
  bs.counters["none_busy_ns"] = per_input(kNone);
  bs.counters["logged_busy_ns"] = per_input(kLogged);
  bs.counters["enqueue_busy_ns"] = per_input(kEnqueue);
  bs.counters["chasing_busy_ns"] = per_input(kChasing);
  bs.counters["journal_busy_ns"] = per_input(kJournal);
  bs.counters["none_Minputs_per_s"] = mips(total, busy_ns[kNone]);
  bs.counters["journal_Minputs_per_s"] = mips(total, busy_ns[kJournal]);
  bs.counters["log_cost_pct"] = cost_pct(kLogged, kNone);
  bs.counters["enqueue_cost_pct"] = cost_pct(kEnqueue, kNone);
  bs.counters["chasing_cost_pct"] = cost_pct(kChasing, kNone);
  bs.counters["cost_pct"] = cost_pct(kJournal, kNone);
  bs.counters["cost_vs_logged_pct"] = cost_pct(kJournal, kLogged);
  bs.counters["cost_pct_median"] = quantile(round_cost, 0.5);
  bs.counters["journal_thread_cpu_ns"] =
      static_cast<double>(journal_cpu_ns) / static_cast<double>(total);
  bs.counters["durable_Minputs_per_s"] = mips(total, durable_ns);
  uint64_t bad = 0;
  for (int a = 0; a < kArms; ++a) {
    bad += Health::of(a == kJournal ? r.engine : *states[a]).bad_since(health[a]);
  }
  bs.counters["rejects"] = static_cast<double>(bad);
  if (bad != 0) {
    bs.SkipWithError(("refused inputs; first: " + r.sink.describe_first_bad()).c_str());
    return;
  }
  for (int a = 0; a < kArms; ++a) {
    if (a != kJournal && states[a]->hash() != r.engine.hash()) {
      bs.SkipWithError("the engine States diverged");
      return;
    }
  }
  if (std::string e = r.rig->stop_and_check(r.engine); !e.empty()) {
    bs.SkipWithError(e.c_str());
    return;
  }
  bs.counters["avg_batch"] =
      static_cast<double>(total) / static_cast<double>(r.rig->commits() - commits_before);
}
BENCHMARK(BM_Engine_AsyncJournal_vs_None)
    ->ArgName("inputs_per_s")
    ->Arg(0)
    ->Arg(500'000)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---- BM_Recovery ------------------------------------------------------------------------------

// A journal of `records` inputs of the order flow in record `format`, written straight into the
// journal DB. Kept between BM_Recovery's runs with the same count and format (the warm and the
// cold run replay the same store: writing 10M records takes seconds); removed when the next one
// or the process's exit replaces it.
class RecoveryJournal {
 public:
  static RecoveryJournal& get(uint64_t records, int format) {
    static std::unique_ptr<RecoveryJournal> cached;
    if (!cached || cached->records_ != records || cached->format_ != format) {
      cached.reset();
      cached.reset(new RecoveryJournal(records, format));
    }
    return *cached;
  }

  const ScratchDir& dir() const noexcept { return dir_; }
  uint64_t map_size() const noexcept { return map_size_; }
  int64_t write_ns() const noexcept { return write_ns_; }
  const std::string& error() const noexcept { return error_; }

 private:
  // At most ~170 B of leaf page per record (MDB_APPEND fills pages); 256 B leaves room for the
  // branches.
  RecoveryJournal(uint64_t records, int format)
      : records_(records), format_(format), map_size_(std::max<uint64_t>(kGiB, records * 256)) {
    auto store = Store::open(dir_.path(), {map_size_, false});
    if (!store) {
      error_ = "Store::open: " + store.error();
      return;
    }
    OrderFlow flow(kFlowWorking, 0x2ec0);
    std::vector<Input> chunk;
    constexpr uint64_t kChunk = uint64_t{1} << 20;
    for (uint64_t done = 0; done < records && error_.empty(); done += kChunk) {
      chunk.clear();
      flow.take(std::min(kChunk, records - done), chunk);
      const int64_t t0 = monotonic_ns();
      error_ = append_records(*store, chunk.data(), chunk.size(), format);
      write_ns_ += monotonic_ns() - t0;
    }
  }

  uint64_t records_;
  int format_;
  uint64_t map_size_;
  ScratchDir dir_;
  int64_t write_ns_ = 0;
  std::string error_;
};

// Walks the journal as recovery does (cursor, key decode, checksum and seq check) without applying
// anything: the storage side of recovery's cost. Returns the records read; 0 on a problem.
uint64_t scan_journal(Store& store) {
  auto txn = lmdb::Txn::begin(store.env(), true);
  if (!txn) return 0;
  auto cur = lmdb::Cursor::open(*txn, store.journal_db());
  if (!cur) return 0;
  MDB_val k{}, v{};
  Input in;
  uint64_t n = 0;
  for (int rc = cur->get(k, v, MDB_FIRST); rc == 0; rc = cur->get(k, v, MDB_NEXT)) {
    const auto seq = decode_seq_key(lmdb::view(k));
    if (!seq || decode_journal_record(lmdb::view(v), *seq, in) != RecordProblem::kNone) return 0;
    benchmark::DoNotOptimize(in);
    ++n;
  }
  return n;
}

// Arguments: journal records, cold (1: the data file is evicted from the page cache before
// recovery; 0: it stays cached), record format (3, what the journal writes; 2, the whole-Input
// records it wrote before, for comparison in the same process). The store is opened as the engine
// opens it and recover() replays it from seq 1 without snapshots: genesis check, cursor walk,
// checksum, apply, final hash and checkpoint check. "Cold" is cold for the guest only: the VM's
// host may still cache the disk.
//   Minputs_per_s, recover_s: wall clock; cpu_*: the thread's CPU time (no I/O waits, no time
//   slices lost to other processes);
//   scan_Minputs_per_s: the same walk without apply() (scan_journal), afterwards, warm, CPU time;
//   write_Minputs_per_s: writing the records (MDB_APPEND, 256k per transaction).
void BM_Recovery(benchmark::State& bs) {
  const auto n = static_cast<uint64_t>(bs.range(0));
  const bool cold = bs.range(1) != 0;
  const auto format = static_cast<int>(bs.range(2));
  const EngineConfig config = make_config(kFlowMaxOrders);
  const RecoveryJournal& journal = RecoveryJournal::get(n, format);
  if (!journal.error().empty()) {
    bs.SkipWithError(journal.error().c_str());
    return;
  }
  const std::string data_file = journal.dir().data_file();
  if (cold && !evict_from_page_cache(data_file)) {
    bs.SkipWithError("posix_fadvise(POSIX_FADV_DONTNEED) failed");
    return;
  }
  const double resident = resident_fraction(data_file);
  std::error_code ec;
  const auto file_bytes = std::filesystem::file_size(data_file, ec);
  auto store = Store::open(journal.dir().path(), {journal.map_size(), false});
  if (!store) {
    bs.SkipWithError(store.error().c_str());
    return;
  }
  RecoverOptions options;
  options.use_snapshots = false;
  for (auto _ : bs) {
    const int64_t c0 = thread_cpu_ns();
    const int64_t t0 = monotonic_ns();
    auto rec = recover(config, *store, options);
    const int64_t t1 = monotonic_ns();
    const int64_t c1 = thread_cpu_ns();
    if (!rec) {
      bs.SkipWithError(rec.error().c_str());
      return;
    }
    bs.SetIterationTime(seconds(t1 - t0));
    const uint64_t bad = Health::of(rec->state).bad_since(Health{});
    bs.counters["Minputs_per_s"] = mips(n, t1 - t0);
    bs.counters["recover_s"] = seconds(t1 - t0);
    bs.counters["cpu_Minputs_per_s"] = mips(n, c1 - c0);
    bs.counters["cpu_s"] = seconds(c1 - c0);
    bs.counters["rejects"] = static_cast<double>(bad);
    if (rec->replayed != n || rec->state.header().seq != n) {
      bs.SkipWithError("recovery did not replay every record");
      return;
    }
    if (bad != 0) {
      bs.SkipWithError("the replayed stream has refused inputs");
      return;
    }
  }
  const int64_t s0 = thread_cpu_ns();
  const uint64_t scanned = scan_journal(*store);
  const int64_t s1 = thread_cpu_ns();
  if (scanned != n) {
    bs.SkipWithError("the scan did not read every record");
    return;
  }
  bs.counters["scan_Minputs_per_s"] = mips(n, s1 - s0);
  bs.counters["write_Minputs_per_s"] = mips(n, journal.write_ns());
  bs.counters["file_MB"] = static_cast<double>(ec ? 0 : file_bytes) / 1e6;
  bs.counters["resident_before"] = resident;
}
BENCHMARK(BM_Recovery)
    ->ArgNames({"inputs", "cold", "format"})
    ->Args({1'000'000, 0, 3})
    ->Args({1'000'000, 1, 3})
    ->Args({1'000'000, 0, 2})
    ->Args({1'000'000, 1, 2})
    ->Args({10'000'000, 0, 3})
    ->Args({10'000'000, 1, 3})
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---- BM_Journal_Decode -------------------------------------------------------------------------

// Argument: the record format (2: the whole Input; 3: compact). 1M records of the order flow,
// encoded up front, decoded as recovery decodes them (checksum, seq, Input rebuilt), in thread
// CPU time: the format's own share of recovery's and the scan's cost, without LMDB.
void BM_Journal_Decode(benchmark::State& bs) {
  const auto format = bs.range(0);
  constexpr size_t kRecords = 1'000'000;
  OrderFlow flow(kFlowWorking, 0xdec0);
  std::vector<Input> inputs;
  flow.take(kRecords, inputs);
  std::vector<std::string> values;
  values.reserve(kRecords);
  for (const Input& in : inputs) {
    if (format == 2) {
      const JournalRecord r = encode_journal_record_v2(in);
      values.emplace_back(reinterpret_cast<const char*>(&r), sizeof r);
    } else {
      values.emplace_back(encode_journal_record(in).view());
    }
  }
  Input out;
  for (auto _ : bs) {
    const int64_t c0 = thread_cpu_ns();
    for (size_t i = 0; i < kRecords; ++i) {
      if (decode_journal_record(values[i], inputs[i].seq, out) != RecordProblem::kNone) {
        bs.SkipWithError("a record did not decode");
        return;
      }
      benchmark::DoNotOptimize(out);
    }
    const int64_t c1 = thread_cpu_ns();
    bs.SetIterationTime(seconds(c1 - c0));
    bs.counters["decode_ns"] = static_cast<double>(c1 - c0) / static_cast<double>(kRecords);
  }
}
BENCHMARK(BM_Journal_Decode)
    ->ArgNames({"format"})
    ->Arg(2)
    ->Arg(3)
    ->UseManualTime()
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

// ---- paced engine loop ------------------------------------------------------------------------

// Context switches (voluntary and not) and minor page faults of the calling thread so far.
struct ThreadUsage {
  long switches = 0;
  long voluntary = 0;  // of which the thread blocked (a lock, I/O) rather than being preempted
  long minor_faults = 0;

  static ThreadUsage now() noexcept {
    rusage ru{};
    ::getrusage(RUSAGE_THREAD, &ru);
    return {ru.ru_nvcsw + ru.ru_nivcsw, ru.ru_nvcsw, ru.ru_minflt};
  }
};

// What one paced window saw: the gap between the completions of consecutive inputs (the pace
// plus any stall), split by whether the engine thread was switched out during the gap: on a
// shared 2-core machine the scheduler's time slices (milliseconds) dwarf anything the journal
// can cause, so the "clean" gaps are the ones that show the journal's own effect (cache and
// memory contention, queue growth, page faults, TLB shootdowns).
struct Window {
  std::vector<uint32_t> gaps_ns;        // every gap, saturating at 4.29 s
  std::vector<uint32_t> clean_gaps_ns;  // gaps without a context switch
  int64_t max_fault_gap_ns = 0;         // longest gap with a page fault but no switch
  int64_t max_clean_gap_ns = 0;
  int64_t max_clean_gap_end_ns = 0;  // monotonic time the longest clean gap ended
  int64_t max_gap_ns = 0;
  int64_t max_gap_end_ns = 0;
  long voluntary = 0;
  int64_t max_busy_ns = 0;  // longest apply() + on_input()
  int64_t elapsed_ns = 0;
  long switches = 0;
  long minor_faults = 0;
  bool overflowed = false;

  explicit Window(size_t capacity) {
    gaps_ns.reserve(capacity);
    clean_gaps_ns.reserve(capacity);
  }

  void report(benchmark::State& bs, const char* prefix) {
    std::sort(gaps_ns.begin(), gaps_ns.end());
    std::sort(clean_gaps_ns.begin(), clean_gaps_ns.end());
    const auto over = [](const std::vector<uint32_t>& v, uint32_t limit_ns) {
      return static_cast<double>(v.end() - std::upper_bound(v.begin(), v.end(), limit_ns));
    };
    const std::string p(prefix);
    bs.counters[p + "max_gap_us"] = quantile(gaps_ns, 1.0) * 1e-3;
    bs.counters[p + "p99.9_gap_us"] = quantile(gaps_ns, 0.999) * 1e-3;
    bs.counters[p + "gaps_over_50us"] = over(gaps_ns, 50'000);
    bs.counters[p + "clean_max_gap_us"] = quantile(clean_gaps_ns, 1.0) * 1e-3;
    bs.counters[p + "clean_p99.99_gap_us"] = quantile(clean_gaps_ns, 0.9999) * 1e-3;
    bs.counters[p + "clean_gaps_over_50us"] = over(clean_gaps_ns, 50'000);
    bs.counters[p + "fault_max_gap_us"] = static_cast<double>(max_fault_gap_ns) * 1e-3;
    bs.counters[p + "max_busy_us"] = static_cast<double>(max_busy_ns) * 1e-3;
    bs.counters[p + "switches"] = static_cast<double>(switches);
    bs.counters[p + "voluntary_switches"] = static_cast<double>(voluntary);
    bs.counters[p + "minor_faults"] = static_cast<double>(minor_faults);
    bs.counters[p + "window_s"] = seconds(elapsed_ns);
  }
};

// The engine thread at a fixed input rate, as a spinning Runner under a steady load (one input a
// pass): wait for the next input's due time (spinning), apply it, hand it to the journal, take
// a step of the snapshot cut, then read the thread's context-switch count (one getrusage, ~1 µs,
// outside apply + hand-off but inside every gap alike). Runs until `done(now)`. Inputs are
// generated inside the loop (~50 ns, in every gap).
template <typename Done>
void run_paced(FlowRig& r, int64_t period_ns, Window& w, Done done) {
  const ThreadUsage usage0 = ThreadUsage::now();
  ThreadUsage last = usage0;
  const int64_t start = monotonic_ns();
  int64_t due = start;
  int64_t prev = start;
  for (int64_t now = start; !done(now); due += period_ns) {
    while (now < due) {
      cpu_relax();
      now = monotonic_ns();
    }
    r.apply_one(r.flow.next());
    r.cut->step(r.engine);
    const int64_t end = monotonic_ns();
    w.max_busy_ns = std::max(w.max_busy_ns, end - now);
    if (w.gaps_ns.size() == w.gaps_ns.capacity()) {
      w.overflowed = true;
      break;
    }
    const auto gap =
        static_cast<uint32_t>(std::min<int64_t>(end - prev, std::numeric_limits<uint32_t>::max()));
    w.gaps_ns.push_back(gap);
    if (gap > w.max_gap_ns) {
      w.max_gap_ns = gap;
      w.max_gap_end_ns = end;
    }
    const ThreadUsage usage = ThreadUsage::now();
    if (usage.switches == last.switches) {
      w.clean_gaps_ns.push_back(gap);
      if (gap > w.max_clean_gap_ns) {
        w.max_clean_gap_ns = gap;
        w.max_clean_gap_end_ns = end;
      }
      if (usage.minor_faults != last.minor_faults) {
        w.max_fault_gap_ns = std::max<int64_t>(w.max_fault_gap_ns, gap);
      }
    }
    last = usage;
    prev = end;
    now = monotonic_ns();
  }
  const ThreadUsage usage1 = ThreadUsage::now();
  w.elapsed_ns = monotonic_ns() - start;
  w.switches = usage1.switches - usage0.switches;
  w.voluntary = usage1.voluntary - usage0.voluntary;
  w.minor_faults = usage1.minor_faults - usage0.minor_faults;
}

// ---- BM_SnapshotStall -------------------------------------------------------------------------

// Argument: the engine's input rate (inputs/s). The State holds 1M live orders (1M working in the
// flow, 2^20 slots). After a 0.5 s warm-up a snapshot is requested: the engine thread, between
// its paced inputs, copies one 64 KiB slice of the State per input into the cut's buffer (as
// the Runner does once per pass) until the cut is done; the journal then serializes the buffer,
// checksums it and commits it with its next batch; meanwhile the journal takes no input off its
// queue, which grows and is drained afterwards.
//   cut_*: the window from the request until the cut is finished (the engine thread's copying);
//   snap_*: from there until 0.5 s after the snapshot's commit (the catch-up load and the
//     release of the snapshot's buffers included);
//   base_*: a window as long as both once the journal has caught up, without a snapshot.
//   cut_ms: request → cut finished; cut_max_step_KiB: the most one step copied;
//   snap_ms: request → snapshots_taken moved (cut + serialize + checksum + write + fsync);
//   snap_max_gap_at_ms, snap_clean_max_gap_at_ms: when the longest gaps ended, from the request;
//   drain_ms: the journal's backlog at the end of the snapshot window, drained with the engine
//     idle.
// *_voluntary_switches: times the engine thread blocked. Seen so far (strace): on_input() growing
// the queue (malloc → brk) while the journal thread maps or unmaps the snapshot's buffers of a
// few hundred MB; both need the process's mmap lock, and the engine thread waits 10-25 ms for it,
// blocked or spinning on the lock (then the gap counts as clean: no switch, no fault).
void BM_SnapshotStall(benchmark::State& bs) {
  constexpr uint32_t kLive = 1'000'000;
  constexpr uint32_t kMaxOrders = 1u << 20;
  constexpr int64_t kMaxWindowNs = 30'000'000'000;
  constexpr int64_t kAfterCommitNs = 500'000'000;
  const int64_t rate = bs.range(0);
  const int64_t period_ns = 1'000'000'000 / rate;
  const int64_t setup0 = monotonic_ns();
  FlowRig r(kMaxOrders, kLive, 0x57a1, bench_options(), 4 * kGiB);
  if (!r.error.empty()) {
    bs.SkipWithError(r.error.c_str());
    return;
  }
  const double setup_s = seconds(monotonic_ns() - setup0);
  Journal& j = r.rig->journal();
  const Health before = Health::of(r.engine);
  const auto capacity = static_cast<size_t>(rate * (kMaxWindowNs / 1'000'000'000 + 2));
  Window warm(capacity);
  Window cutting(capacity);
  Window snap(capacity);
  Window base(capacity);
  int64_t cut_ns = 0;
  int64_t snap_ns = 0;
  int64_t drain_ns = 0;
  int64_t requested_at = 0;
  for (auto _ : bs) {
    const int64_t w0 = monotonic_ns();
    run_paced(r, period_ns, warm, [&](int64_t now) { return now - w0 > 500'000'000; });
    if (!r.rig->wait_durable(r.engine.header().seq)) {
      bs.SkipWithError("the journal did not catch up after the warm-up");
      return;
    }
    const uint64_t taken = r.rig->snapshots_taken();
    const int64_t requested = monotonic_ns();
    requested_at = requested;
    j.request_snapshot();
    const uint64_t cuts = r.cut->cuts();
    run_paced(r, period_ns, cutting,
              [&](int64_t now) { return r.cut->cuts() != cuts || now - requested > kMaxWindowNs; });
    cut_ns = monotonic_ns() - requested;
    int64_t committed = 0;
    run_paced(r, period_ns, snap, [&](int64_t now) {
      if (committed == 0 && r.rig->snapshots_taken() != taken) committed = now;
      return (committed != 0 && now - committed > kAfterCommitNs) || now - requested > kMaxWindowNs;
    });
    if (committed == 0 || snap.overflowed || cutting.overflowed) {
      bs.SkipWithError("the snapshot did not complete within 30 s");
      return;
    }
    snap_ns = committed - requested;
    const int64_t d0 = monotonic_ns();
    if (!r.rig->wait_durable(r.engine.header().seq)) {
      bs.SkipWithError("the journal did not catch up after the snapshot");
      return;
    }
    drain_ns = monotonic_ns() - d0;
    const int64_t b0 = monotonic_ns();
    run_paced(r, period_ns, base,
              [&](int64_t now) { return now - b0 >= cutting.elapsed_ns + snap.elapsed_ns; });
    bs.SetIterationTime(seconds(cutting.elapsed_ns + snap.elapsed_ns));
  }
  cutting.report(bs, "cut_");
  snap.report(bs, "snap_");
  base.report(bs, "base_");
  bs.counters["period_ns"] = static_cast<double>(period_ns);
  bs.counters["snap_ms"] = static_cast<double>(snap_ns) * 1e-6;
  bs.counters["cut_ms"] = static_cast<double>(cut_ns) * 1e-6;
  bs.counters["cut_max_step_KiB"] = static_cast<double>(r.cut->max_step_bytes()) / 1024.0;
  // When the longest gaps ended, from the snapshot request (snap_ms later it was committed).
  bs.counters["snap_max_gap_at_ms"] =
      static_cast<double>(snap.max_gap_end_ns - requested_at) * 1e-6;
  bs.counters["snap_clean_max_gap_at_ms"] =
      static_cast<double>(snap.max_clean_gap_end_ns - requested_at) * 1e-6;
  bs.counters["drain_ms"] = static_cast<double>(drain_ns) * 1e-6;
  bs.counters["live_orders"] = static_cast<double>(r.engine.header().live_count);
  bs.counters["state_MB"] = static_cast<double>(r.engine.region_size()) / 1e6;
  bs.counters["snapshot_MB"] = static_cast<double>(r.engine.serialize().size()) / 1e6;
  bs.counters["setup_s"] = setup_s;
  skip_unless_clean(bs, r, Health::of(r.engine).bad_since(before));
}
BENCHMARK(BM_SnapshotStall)
    ->ArgName("inputs_per_s")
    ->Arg(100'000)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---- BM_Journal_DurableLatency ----------------------------------------------------------------

// The median cost of reading monotonic_ns() twice in a row: what every bracketed sample includes.
double clock_overhead_ns() {
  std::vector<int64_t> d(10'001);
  for (int64_t& x : d) {
    const int64_t t0 = monotonic_ns();
    x = monotonic_ns() - t0;
  }
  std::sort(d.begin(), d.end());
  return quantile(d, 0.5);
}

// Argument: the async stream's rate (inputs/s). Latency = on_input() called → durable_seq covers
// the input, on the engine thread's clock.
//   sync_*: one input at a time, the engine spinning on durable_seq until it is covered (a lone
//     sync client: every commit carries one input, so this is the commit + fsync latency plus
//     the journal thread's wake-up from its idle back-off). At most 2000 inputs or 3 s.
//   async_*: 1 s of a paced stream; the engine never waits, and notes when durable_seq passes
//     each input while it spins for the next due time (resolution: the loop, well under 1 µs).
//     handoff_*: the on_input() call itself, a clock read included (clock_ns: the median cost of
//     one, measured here).
void BM_Journal_DurableLatency(benchmark::State& bs) {
  constexpr size_t kSyncSamples = 2'000;
  constexpr int64_t kSyncBudgetNs = 3'000'000'000;
  const int64_t rate = bs.range(0);
  const int64_t period_ns = 1'000'000'000 / rate;
  const auto async_samples = static_cast<size_t>(rate);
  FlowRig r(kFlowMaxOrders, kFlowWorking, 0xd1a, bench_options(), kGiB);
  if (!r.error.empty()) {
    bs.SkipWithError(r.error.c_str());
    return;
  }
  Journal& j = r.rig->journal();
  const Health before = Health::of(r.engine);
  std::vector<int64_t> sync_lat;
  sync_lat.reserve(kSyncSamples);
  std::vector<int64_t> handed(async_samples);
  std::vector<int64_t> async_lat(async_samples);
  std::vector<int64_t> handoff(async_samples);
  int64_t sync_ns = 0;
  uint64_t sync_commits = 0;
  uint64_t async_commits = 0;
  for (auto _ : bs) {
    // Sync: wait for each input.
    const uint64_t c0 = r.rig->commits();
    const int64_t s0 = monotonic_ns();
    for (size_t k = 0; k < kSyncSamples && monotonic_ns() - s0 < kSyncBudgetNs; ++k) {
      const Input in = r.flow.next();
      ose::apply(r.engine, in, r.sink);
      const int64_t t0 = monotonic_ns();
      j.on_input(in);
      while (j.durable_seq() < in.seq) {
        cpu_relax();
        if (monotonic_ns() - t0 > static_cast<int64_t>(kWaitTimeoutS * 1e9)) {
          bs.SkipWithError("the journal did not commit");
          return;
        }
      }
      sync_lat.push_back(monotonic_ns() - t0);
    }
    sync_ns = monotonic_ns() - s0;
    sync_commits = r.rig->commits() - c0;

    // Async: a paced stream, never waiting.
    const uint64_t c1 = r.rig->commits();
    const uint64_t first_seq = r.engine.header().seq + 1;
    size_t sent = 0;
    size_t seen = 0;  // inputs whose durability has been noted
    auto observe = [&](int64_t now) {
      const uint64_t durable = j.durable_seq();
      while (seen < sent && first_seq + seen <= durable) {
        async_lat[seen] = now - handed[seen];
        ++seen;
      }
    };
    int64_t due = monotonic_ns();
    for (; sent < async_samples; due += period_ns) {
      int64_t now = monotonic_ns();
      while (now < due) {
        observe(now);
        cpu_relax();
        now = monotonic_ns();
      }
      const Input in = r.flow.next();
      ose::apply(r.engine, in, r.sink);
      const int64_t h0 = monotonic_ns();
      j.on_input(in);
      const int64_t h1 = monotonic_ns();
      handed[sent] = h0;
      handoff[sent] = h1 - h0;
      ++sent;
      observe(h1);
    }
    const int64_t give_up = monotonic_ns() + static_cast<int64_t>(kWaitTimeoutS * 1e9);
    while (seen < sent) {
      const int64_t now = monotonic_ns();
      if (now > give_up) {
        bs.SkipWithError("the journal did not catch up");
        return;
      }
      observe(now);
      cpu_relax();
    }
    async_commits = r.rig->commits() - c1;
    bs.SetIterationTime(seconds(sync_ns));
  }
  std::sort(sync_lat.begin(), sync_lat.end());
  std::sort(async_lat.begin(), async_lat.end());
  std::sort(handoff.begin(), handoff.end());
  bs.counters["sync_samples"] = static_cast<double>(sync_lat.size());
  bs.counters["sync_p50_us"] = quantile(sync_lat, 0.50) * 1e-3;
  bs.counters["sync_p99_us"] = quantile(sync_lat, 0.99) * 1e-3;
  bs.counters["sync_max_us"] = quantile(sync_lat, 1.0) * 1e-3;
  bs.counters["sync_inputs_per_s"] = static_cast<double>(sync_lat.size()) / seconds(sync_ns);
  bs.counters["sync_commits"] = static_cast<double>(sync_commits);
  bs.counters["async_p50_us"] = quantile(async_lat, 0.50) * 1e-3;
  bs.counters["async_p99_us"] = quantile(async_lat, 0.99) * 1e-3;
  bs.counters["async_max_us"] = quantile(async_lat, 1.0) * 1e-3;
  bs.counters["async_avg_batch"] =
      static_cast<double>(async_samples) / static_cast<double>(async_commits);
  bs.counters["handoff_p50_ns"] = quantile(handoff, 0.50);
  bs.counters["clock_ns"] = clock_overhead_ns();
  bs.counters["handoff_p99_ns"] = quantile(handoff, 0.99);
  skip_unless_clean(bs, r, Health::of(r.engine).bad_since(before));
}
BENCHMARK(BM_Journal_DurableLatency)
    ->ArgName("async_inputs_per_s")
    ->Arg(100'000)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ose::bench

BENCHMARK_MAIN();
