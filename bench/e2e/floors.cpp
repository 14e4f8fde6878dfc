#include "bench/e2e/floors.hpp"

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/date_time/posix_time/posix_time_types.hpp>
#include <boost/interprocess/ipc/message_queue.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/e2e/cpu_affinity.hpp"
#include "bench/e2e/reaped_child.hpp"
#include "shm/clock.hpp"
#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace ose::bench {

namespace bi = boost::interprocess;

uint64_t warmup_round_trips(uint64_t round_trips) noexcept {
  return std::clamp<uint64_t>(round_trips / 10, 100, 10'000);
}

namespace {

constexpr uint32_t kSpinsPerCheck = 1u << 12;  // a wait loop looks at the clock this seldom

std::string errno_text(int e) {
  return std::string(std::strerror(e));
}

// ---- the two processes -----------------------------------------------------------------------

enum ChildState : uint32_t { kStarting = 0, kReady = 1, kFailed = 2 };

// First bytes of every mapping, constructed by the parent before the fork; afterwards each
// field has one writer.
struct Control {
  alignas(64) std::atomic<uint32_t> child_state;  // child writes
  char child_error[188];                          // child writes before child_state = kFailed
  alignas(64) std::atomic<uint32_t> abort;        // parent writes: the child must stop waiting
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);
constexpr size_t kControlBytes = shm::align64(sizeof(Control));

// An anonymous MAP_SHARED mapping: zero-filled, inherited by the child, gone with both.
class SharedMapping {
 public:
  SharedMapping() = default;
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  ~SharedMapping() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  // The mapping's first byte, or null with errno set.
  std::byte* map(size_t bytes) noexcept {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    base_ = static_cast<std::byte*>(p);
    bytes_ = bytes;
    return base_;
  }

 private:
  std::byte* base_ = nullptr;
  size_t bytes_ = 0;
};

// Bounds every wait. keep_waiting() is called in each pass of a wait loop and costs a counter
// increment; every kSpinsPerCheck passes it looks at the clock and at the other process, and
// says false (give up) when that process is gone or nothing happened for kStallNs.
class Watchdog {
 public:
  // In the parent: `child` is the pong process. In the child: `child` is null.
  Watchdog(Control& control, ReapedChild* child, pid_t parent) noexcept
      : control_(control), child_(child), parent_(parent) {}

  bool keep_waiting() noexcept {
    if ((++spins_ & (kSpinsPerCheck - 1)) != 0) return true;
    return check_now();
  }
  // The other process answered: the stall clock starts again.
  void progress() noexcept {
    spins_ = 0;
    waiting_since_ns_ = 0;
  }
  // The slow check, for loops that block in the kernel instead of spinning.
  bool check_now() noexcept {
    if (child_ != nullptr) {
      if (child_->exited()) return give_up("the pong process exited early");
    } else {
      if (getppid() != parent_) return give_up("the ping process is gone");
      // Acquire: pairs with the parent's release store; nothing else is ordered by it.
      if (control_.abort.load(std::memory_order_acquire) != 0) return give_up("aborted");
    }
    const int64_t now = shm::monotonic_ns();
    if (waiting_since_ns_ == 0) waiting_since_ns_ = now;
    static_assert(kStallNs == 5'000'000'000, "the message below says 5 s");
    if (now - waiting_since_ns_ > kStallNs) return give_up("no progress for 5 s");
    return true;
  }
  // A side found the protocol broken.
  bool give_up(const char* why) noexcept {
    if (why_ == nullptr) why_ = why;
    return false;
  }
  const char* why() const noexcept { return why_ != nullptr ? why_ : "gave up"; }

 private:
  Control& control_;
  ReapedChild* child_;
  pid_t parent_;
  uint32_t spins_ = 0;
  int64_t waiting_since_ns_ = 0;
  const char* why_ = nullptr;
};

[[noreturn]] void child_fail(Control& control, const std::string& why) {
  const size_t n = std::min(why.size(), sizeof control.child_error - 1);
  std::memcpy(control.child_error, why.data(), n);
  control.child_error[n] = '\0';
  // Release: the message is visible to a parent that sees kFailed (acquire).
  control.child_state.store(kFailed, std::memory_order_release);
  _exit(1);
}

// Runs one ping-pong between this process (ping) and a forked child (pong).
//
// `Kind` provides:
//   size_t area_bytes() const;              shared bytes after the Control block
//   void init(std::byte* area);             in the parent, before the fork (area zero-filled)
//   Ping make_ping(std::byte* area);        in the parent, after the fork (may throw)
//   Pong make_pong(std::byte* area);        in the child (may throw)
// with Ping::round_trip(uint64_t i, Watchdog&) -> bool sending i and waiting for its answer, and
// Pong::answer(uint64_t i, Watchdog&) -> bool waiting for i and answering it. i runs 1, 2, ...
template <typename Kind>
LatencyStats run_pingpong(Kind& kind, uint64_t round_trips, int ping_cpu, int pong_cpu) {
  LatencyStats fail;
  const uint64_t warmup = warmup_round_trips(round_trips);
  const uint64_t total = warmup + round_trips;

  SharedMapping mapping;
  std::byte* const base = mapping.map(kControlBytes + kind.area_bytes());
  if (base == nullptr) {
    fail.error = "cannot map shared memory: " + errno_text(errno);
    return fail;
  }
  Control& control = *new (base) Control{};
  std::byte* const area = base + kControlBytes;
  kind.init(area);
  std::vector<int64_t> samples;
  samples.reserve(round_trips);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    fail.error = "cannot fork: " + errno_text(errno);
    return fail;
  }
  if (pid == 0) {
    // The pong process. Dies with the parent; leaves with _exit (no atexit handlers, no
    // flushing of the parent's stdio buffers).
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (const int e = pin_to_cpu(pong_cpu); e != 0) {
      child_fail(control, "cannot pin to cpu " + std::to_string(pong_cpu) + ": " + errno_text(e));
    }
    Watchdog wd(control, nullptr, parent);
    try {
      auto pong = kind.make_pong(area);
      // Release: whatever the pong side set up is visible to a parent that sees kReady.
      control.child_state.store(kReady, std::memory_order_release);
      for (uint64_t i = 1; i <= total; ++i) {
        if (!pong.answer(i, wd)) child_fail(control, wd.why());
        wd.progress();
      }
    } catch (const std::exception& e) {
      child_fail(control, e.what());
    }
    _exit(0);
  }

  ReapedChild child(pid);
  AffinityGuard affinity;
  Watchdog wd(control, &child, parent);
  std::string error;
  if (const int e = pin_to_cpu(ping_cpu); e != 0) {
    error = "cannot pin the ping process to cpu " + std::to_string(ping_cpu) + ": " + errno_text(e);
  }
  // Acquire: pairs with the child's release of kReady or kFailed.
  uint32_t state = kStarting;
  while (error.empty() &&
         (state = control.child_state.load(std::memory_order_acquire)) == kStarting) {
    if (!wd.keep_waiting()) error = std::string("the pong process did not start: ") + wd.why();
  }
  if (state == kFailed) error = "the pong process failed";  // its own message replaces this
  if (error.empty()) {
    try {
      auto ping = kind.make_ping(area);
      for (uint64_t i = 1; i <= total; ++i) {
        const int64_t t0 = shm::monotonic_ns();
        if (!ping.round_trip(i, wd)) {
          error = std::string("round trip ") + std::to_string(i) + ": " + wd.why();
          break;
        }
        const int64_t t1 = shm::monotonic_ns();
        wd.progress();
        if (i > warmup) samples.push_back(t1 - t0);
      }
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  // Release: pairs with the child's acquire in Watchdog::check_now(); a child still waiting
  // (only after a failure) stops.
  control.abort.store(1, std::memory_order_release);
  if (error.empty()) {
    child.reap_within(kStallNs);
    if (!child.exited_cleanly()) error = "the pong process " + child.how();
  } else {
    const bool ended_by_itself = child.exited();  // otherwise we kill it: say nothing of that
    child.reap(true);
    if (ended_by_itself && !child.exited_cleanly()) error += " (" + child.how() + ")";
  }
  // Acquire: pairs with child_fail()'s release; the child has exited, so this is its last word.
  if (control.child_state.load(std::memory_order_acquire) == kFailed) {
    error = std::string("pong process: ") + control.child_error;
  }
  LatencyStats stats = LatencyStats::of(std::move(samples));
  stats.error = std::move(error);
  return stats;
}

// ---- flags on cache lines ----------------------------------------------------------------------

struct alignas(64) FlagLine {
  std::atomic<uint64_t> value;
  uint8_t pad[56];
};
static_assert(sizeof(FlagLine) == 64);
static_assert(std::atomic<uint64_t>::is_always_lock_free);

struct TwoLines {
  FlagLine ping;  // line A: the pinger writes i
  FlagLine pong;  // line B: the ponger writes i back
};

struct OneLine {
  alignas(64) std::atomic<uint64_t> ping;  // the pinger writes i
  std::atomic<uint64_t> pong;              // the ponger writes i back, in the same line
  uint8_t pad[48];
};
static_assert(sizeof(OneLine) == 64);

// Both layouts: the counter is the whole message, so no other data is published with it. The
// stores are release and the loads acquire anyway, as a ring's would be (on x86-64 both are
// plain MOVs, so the floor is not flattered by weaker orders a real ring could not use).
template <typename Layout>
struct FlagKind {
  size_t area_bytes() const noexcept { return sizeof(Layout); }
  void init(std::byte* area) noexcept { new (area) Layout{}; }

  struct Ping {
    Layout* l;
    bool round_trip(uint64_t i, Watchdog& wd) noexcept {
      // SYNC(floor.ping): release. Pairs with SYNC(floor.ping.seen).
      word(l->ping).store(i, std::memory_order_release);
      // SYNC(floor.pong.seen): acquire. Pairs with SYNC(floor.pong).
      while (word(l->pong).load(std::memory_order_acquire) != i) {
        if (!wd.keep_waiting()) return false;
      }
      return true;
    }
  };
  struct Pong {
    Layout* l;
    bool answer(uint64_t i, Watchdog& wd) noexcept {
      // SYNC(floor.ping.seen): acquire. Pairs with SYNC(floor.ping).
      while (word(l->ping).load(std::memory_order_acquire) != i) {
        if (!wd.keep_waiting()) return false;
      }
      // SYNC(floor.pong): release. Pairs with SYNC(floor.pong.seen).
      word(l->pong).store(i, std::memory_order_release);
      return true;
    }
  };
  Ping make_ping(std::byte* area) noexcept {
    return Ping{std::launder(reinterpret_cast<Layout*>(area))};
  }
  Pong make_pong(std::byte* area) noexcept {
    return Pong{std::launder(reinterpret_cast<Layout*>(area))};
  }

  static std::atomic<uint64_t>& word(FlagLine& line) noexcept { return line.value; }
  static std::atomic<uint64_t>& word(std::atomic<uint64_t>& w) noexcept { return w; }
};

// ---- SpscRing ----------------------------------------------------------------------------------

// The payload: the round trip's number, then filler up to the ring's full 120 bytes.
struct RingMessage {
  uint64_t seq;
  uint8_t filler[shm::kRecordPayload - sizeof(uint64_t)];
};
static_assert(sizeof(RingMessage) == shm::kRecordPayload);

struct RingKind {
  static constexpr uint64_t kCapacity = 4096;  // records per direction, like a client's rings
  // SpscRingData::bytes_for(kCapacity), which is not constexpr; already a multiple of 64.
  static constexpr size_t kRingBytes =
      sizeof(shm::SpscRingData) + kCapacity * sizeof(shm::RingRecord);
  static_assert(kRingBytes % 64 == 0);

  size_t area_bytes() const noexcept { return 2 * kRingBytes; }
  void init(std::byte* area) noexcept {
    shm::SpscRingData::init(area, kCapacity);
    shm::SpscRingData::init(area + kRingBytes, kCapacity);
  }
  static shm::SpscRingData* ping_ring(std::byte* area) noexcept {
    return reinterpret_cast<shm::SpscRingData*>(area);
  }
  static shm::SpscRingData* pong_ring(std::byte* area) noexcept {
    return reinterpret_cast<shm::SpscRingData*>(area + kRingBytes);
  }

  struct Ping {
    shm::SpscProducer out;
    shm::SpscConsumer in;
    RingMessage msg{};
    RingMessage reply{};
    bool round_trip(uint64_t i, Watchdog& wd) noexcept {
      msg.seq = i;
      if (out.try_push(&msg, sizeof msg) != shm::RingStatus::kOk) {
        return wd.give_up("the ping ring refused a record (full or corrupt)");
      }
      for (;;) {
        const shm::RingStatus s = in.poll(&reply, sizeof reply);
        if (s == shm::RingStatus::kOk) break;
        if (s != shm::RingStatus::kEmpty) return wd.give_up("the pong ring is corrupt");
        if (!wd.keep_waiting()) return false;
      }
      return reply.seq == i || wd.give_up("the pong ring answered another round trip");
    }
  };
  struct Pong {
    shm::SpscConsumer in;
    shm::SpscProducer out;
    RingMessage msg{};
    bool answer(uint64_t i, Watchdog& wd) noexcept {
      for (;;) {
        const shm::RingStatus s = in.poll(&msg, sizeof msg);
        if (s == shm::RingStatus::kOk) break;
        if (s != shm::RingStatus::kEmpty) return wd.give_up("the ping ring is corrupt");
        if (!wd.keep_waiting()) return false;
      }
      if (msg.seq != i) return wd.give_up("the ping ring delivered another round trip");
      if (out.try_push(&msg, sizeof msg) != shm::RingStatus::kOk) {
        return wd.give_up("the pong ring refused a record (full or corrupt)");
      }
      return true;
    }
  };
  Ping make_ping(std::byte* area) noexcept {
    Ping p{shm::SpscProducer(ping_ring(area), kCapacity),
           shm::SpscConsumer(pong_ring(area), kCapacity),
           {},
           {}};
    std::memset(p.msg.filler, 0x5a, sizeof p.msg.filler);
    return p;
  }
  Pong make_pong(std::byte* area) noexcept {
    return Pong{shm::SpscConsumer(ping_ring(area), kCapacity),
                shm::SpscProducer(pong_ring(area), kCapacity),
                {}};
  }
};

// ---- Boost message_queue
// -------------------------------------------------------------------------

// Two named queues, created by the parent before the fork, removed when this goes.
struct QueueKind {
  static constexpr size_t kMaxMessages = 4;  // one is ever in flight per direction
  // A receive that times out re-checks the other process, then waits again.
  static constexpr int64_t kSliceMs = 500;

  std::string ping_name;
  std::string pong_name;
  std::unique_ptr<bi::message_queue> ping_queue;  // the parent's handles, opened at creation
  std::unique_ptr<bi::message_queue> pong_queue;

  explicit QueueKind(pid_t pid)
      : ping_name("ose.bench.mq." + std::to_string(pid) + ".ping"),
        pong_name("ose.bench.mq." + std::to_string(pid) + ".pong") {}
  QueueKind(const QueueKind&) = delete;
  QueueKind& operator=(const QueueKind&) = delete;
  ~QueueKind() {
    ping_queue.reset();
    pong_queue.reset();
    bi::message_queue::remove(ping_name.c_str());
    bi::message_queue::remove(pong_name.c_str());
  }
  // Empty, or why the queues could not be created.
  std::string create() {
    try {
      // A leftover of a dead process that had our pid: ours now.
      bi::message_queue::remove(ping_name.c_str());
      bi::message_queue::remove(pong_name.c_str());
      ping_queue = std::make_unique<bi::message_queue>(bi::create_only, ping_name.c_str(),
                                                       kMaxMessages, sizeof(RingMessage));
      pong_queue = std::make_unique<bi::message_queue>(bi::create_only, pong_name.c_str(),
                                                       kMaxMessages, sizeof(RingMessage));
      return {};
    } catch (const bi::interprocess_exception& e) {
      return std::string("cannot create the message queues /dev/shm/") + ping_name + ": " +
             e.what();
    }
  }

  size_t area_bytes() const noexcept { return 0; }
  void init(std::byte*) noexcept {}

  // Blocks in the kernel until a message comes, in slices of kSliceMs between which it checks
  // the other process. The check costs nothing measurable: a slice only ends on a stall.
  static bool receive(bi::message_queue& q, RingMessage& msg, Watchdog& wd) {
    for (;;) {
      size_t got = 0;
      unsigned int priority = 0;
      const auto deadline = boost::posix_time::microsec_clock::universal_time() +
                            boost::posix_time::milliseconds(kSliceMs);
      if (q.timed_receive(&msg, sizeof msg, got, priority, deadline)) {
        return got == sizeof msg || wd.give_up("a message of the wrong size");
      }
      if (!wd.check_now()) return false;
    }
  }

  struct Ping {
    bi::message_queue* out;
    bi::message_queue* in;
    RingMessage msg{};
    RingMessage reply{};
    bool round_trip(uint64_t i, Watchdog& wd) {
      msg.seq = i;
      // Blocking send; it never waits: one message is in flight and the queue holds four.
      out->send(&msg, sizeof msg, 0);
      if (!receive(*in, reply, wd)) return false;
      return reply.seq == i || wd.give_up("the pong queue answered another round trip");
    }
  };
  struct Pong {
    std::unique_ptr<bi::message_queue> in;  // the child opens its own handles
    std::unique_ptr<bi::message_queue> out;
    RingMessage msg{};
    bool answer(uint64_t i, Watchdog& wd) {
      if (!receive(*in, msg, wd)) return false;
      if (msg.seq != i) return wd.give_up("the ping queue delivered another round trip");
      out->send(&msg, sizeof msg, 0);
      return true;
    }
  };
  Ping make_ping(std::byte*) {
    Ping p{ping_queue.get(), pong_queue.get(), {}, {}};
    std::memset(p.msg.filler, 0x5a, sizeof p.msg.filler);
    return p;
  }
  Pong make_pong(std::byte*) {
    return Pong{std::make_unique<bi::message_queue>(bi::open_only, ping_name.c_str()),
                std::make_unique<bi::message_queue>(bi::open_only, pong_name.c_str()),
                {}};
  }
};

}  // namespace

LatencyStats same_line_pingpong(uint64_t round_trips, int ping_cpu, int pong_cpu) {
  FlagKind<OneLine> kind;
  return run_pingpong(kind, round_trips, ping_cpu, pong_cpu);
}

LatencyStats flag_pingpong(uint64_t round_trips, int ping_cpu, int pong_cpu) {
  FlagKind<TwoLines> kind;
  return run_pingpong(kind, round_trips, ping_cpu, pong_cpu);
}

LatencyStats spsc_ring_pingpong(uint64_t round_trips, int ping_cpu, int pong_cpu) {
  RingKind kind;
  return run_pingpong(kind, round_trips, ping_cpu, pong_cpu);
}

LatencyStats message_queue_pingpong(uint64_t round_trips, int ping_cpu, int pong_cpu) {
  QueueKind kind(getpid());
  if (std::string e = kind.create(); !e.empty()) {
    LatencyStats fail;
    fail.error = std::move(e);
    return fail;
  }
  return run_pingpong(kind, round_trips, ping_cpu, pong_cpu);
}

}  // namespace ose::bench
