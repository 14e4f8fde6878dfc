// Torn-read stress for the seqlock (STYLE.md "Tests"): one writer stores records whose eight
// words all hold the same counter; readers accept copies only through the seqlock and assert
// that every accepted copy is whole (all words equal) and that the counter never goes back. A
// reader that skipped the odd-version check or the second version load would accept torn
// copies here. The last copy a reader takes after the writer stopped must hold the final value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "shm/segment.hpp"
#include "shm/seqlock.hpp"
#include "tests/stress/stress_support.hpp"

namespace ose::shm {
namespace {

using test::Budget;
using test::stamp;
using test::Stamped;
using test::whole;

static_assert(kSeqlockable<Stamped>);

constexpr int kReaderThreads = 3;
constexpr uint64_t kMaxWrites = 200'000'000;
constexpr std::chrono::milliseconds kBudget{1000};

struct alignas(64) ReaderTally {
  uint64_t accepted = 0;
  uint64_t rejected = 0;
  uint64_t torn = 0;
  uint64_t went_back = 0;
  Stamped first_bad{};
  uint64_t final_value = 0;
  bool final_read = false;
};

// One reader pass over the copy just accepted.
void check_copy(const Stamped& copy, uint64_t& last, ReaderTally& t) {
  ++t.accepted;
  if (!whole(copy)) {
    if (t.torn++ == 0) t.first_bad = copy;
    return;
  }
  if (copy.words[0] < last) {
    if (t.went_back++ == 0 && t.torn == 0) t.first_bad = copy;
  }
  last = copy.words[0];
}

// Runs one writer (this thread) and kReaderThreads readers. `write(n)` stores stamp(n);
// `try_read(out)` makes one seqlock read attempt.
template <typename Write, typename TryRead>
void run_torn_read_stress(Write write, TryRead try_read) {
  std::atomic<bool> stop{false};
  std::atomic<int> started{0};
  std::vector<ReaderTally> tallies(kReaderThreads);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaderThreads; ++i) {
    readers.emplace_back([&, i] {
      ReaderTally& t = tallies[static_cast<size_t>(i)];
      uint64_t last = 0;
      // Relaxed: a start signal only, nothing is published through it.
      started.fetch_add(1, std::memory_order_relaxed);
      // Acquire: pairs with the writer's release of `stop`, after its last store.
      while (!stop.load(std::memory_order_acquire)) {
        Stamped copy{};
        if (try_read(copy)) {
          check_copy(copy, last, t);
        } else {
          ++t.rejected;
        }
      }
      // The writer has stopped: a read must succeed and see its last value.
      for (int attempt = 0; attempt < 1'000'000 && !t.final_read; ++attempt) {
        Stamped copy{};
        if (try_read(copy)) {
          check_copy(copy, last, t);
          t.final_value = copy.words[0];
          t.final_read = true;
        }
      }
    });
  }
  while (started.load(std::memory_order_relaxed) < kReaderThreads) std::this_thread::yield();

  const Budget budget(kBudget);
  uint64_t n = 0;
  while (n < kMaxWrites) {
    write(++n);
    if ((n & 255) == 0 && budget.spent()) break;
  }
  stop.store(true, std::memory_order_release);
  for (std::thread& r : readers) r.join();

  uint64_t accepted = 0;
  uint64_t rejected = 0;
  for (int i = 0; i < kReaderThreads; ++i) {
    const ReaderTally& t = tallies[static_cast<size_t>(i)];
    SCOPED_TRACE("reader " + std::to_string(i));
    EXPECT_EQ(t.torn, 0u) << "accepted a torn copy, e.g. words[0]=" << t.first_bad.words[0]
                          << " words[7]=" << t.first_bad.words[7];
    EXPECT_EQ(t.went_back, 0u) << "the counter went back, e.g. to " << t.first_bad.words[0];
    ASSERT_TRUE(t.final_read) << "no consistent read after the writer stopped";
    EXPECT_EQ(t.final_value, n);
    accepted += t.accepted;
    rejected += t.rejected;
  }
  ::testing::Test::RecordProperty("writes", std::to_string(n));
  ::testing::Test::RecordProperty("accepted", std::to_string(accepted));
  ::testing::Test::RecordProperty("rejected", std::to_string(rejected));
}

TEST(SeqlockStress, ThreadsNeverAcceptATornRecord) {
  Seqlocked<Stamped> cell;
  run_torn_read_stress([&](uint64_t n) { cell.store(stamp(n)); },
                       [&](Stamped& out) { return cell.try_load(out); });
}

// The version on a cache line of its own, the data on another, written with the free
// functions: the layout the engine's tables use.
TEST(SeqlockStress, ThreadsNeverAcceptATornRecordWhenTheVersionLivesApart) {
  struct Apart {
    alignas(64) std::atomic<uint32_t> version{0};
    alignas(64) Stamped data{};
  } cell;
  run_torn_read_stress(
      [&](uint64_t n) {
        const Stamped s = stamp(n);
        seqlock_write_begin(cell.version);
        relaxed_copy_in(&cell.data, &s, sizeof s);
        seqlock_write_end(cell.version);
      },
      [&](Stamped& out) { return seqlock_try_read(cell.version, cell.data, out); });
}

// The same across processes: the parent writes into a segment, forked children attach it
// read-only (PROT_READ, as clients do) and exit non-zero on a torn or backward copy.
struct ProcessStressArea {
  Seqlocked<Stamped> cell;                        // parent writes
  alignas(64) std::atomic<uint64_t> final_value;  // parent writes once, before `done`
  std::atomic<uint32_t> done;                     // parent: 1 after its last store
};

constexpr size_t kStressSegmentBytes = 4096;
static_assert(sizeof(SegmentHeader) + sizeof(ProcessStressArea) <= kStressSegmentBytes);

constexpr SegmentIdentity kStressId{0x4F53452E53545253ull /* "OSE.STRS" */, 1, 1, 1};
constexpr int kReaderProcesses = 3;

enum ChildExit : int {
  kChildOk = 0,
  kChildAttachFailed = 10,
  kChildTorn = 11,
  kChildWentBack = 12,
  kChildNoFinalRead = 13,
  kChildWrongFinal = 14,
};

[[noreturn]] void reader_process(const std::string& name, int ready_fd) {
  auto segment = Segment::attach(name, Access::kReadOnly, kStressId);
  const char ready = segment ? 'y' : 'n';
  if (::write(ready_fd, &ready, 1) != 1 || !segment) _exit(kChildAttachFailed);
  ::close(ready_fd);
  const auto* area =
      reinterpret_cast<const ProcessStressArea*>(segment->data() + sizeof(SegmentHeader));
  uint64_t last = 0;
  // Acquire: pairs with the parent's release of `done`, after its last store.
  while (area->done.load(std::memory_order_acquire) == 0) {
    Stamped copy{};
    if (!area->cell.try_load(copy)) continue;
    if (!whole(copy)) _exit(kChildTorn);
    if (copy.words[0] < last) _exit(kChildWentBack);
    last = copy.words[0];
  }
  Stamped copy{};
  if (!area->cell.load(copy)) _exit(kChildNoFinalRead);
  // Relaxed: ordered by the acquire of `done` above.
  if (!whole(copy) || copy.words[0] != area->final_value.load(std::memory_order_relaxed)) {
    _exit(kChildWrongFinal);
  }
  _exit(kChildOk);
}

TEST(SeqlockStress, ReaderProcessesNeverAcceptATornRecord) {
  const std::string name = "ose.test.stress." + std::to_string(getpid());
  Segment::remove(name);
  auto created = Segment::create(name, kStressSegmentBytes, 0600, kStressId);
  ASSERT_TRUE(created) << created.error();
  // The segment is zero-filled: version 0 and an all-zero record are a valid initial state.
  auto* area = reinterpret_cast<ProcessStressArea*>(created->data() + sizeof(SegmentHeader));
  created->publish();

  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  std::vector<pid_t> children;
  for (int i = 0; i < kReaderProcesses; ++i) {
    const pid_t pid = fork();
    if (pid == 0) {
      ::close(ready[0]);
      reader_process(name, ready[1]);
    }
    if (pid < 0) {
      area->done.store(1, std::memory_order_release);  // let the readers already forked go
      for (const pid_t c : children) test::wait_for(c);
      Segment::remove(name);
      FAIL() << "fork: " << std::strerror(errno);
    }
    children.push_back(pid);
  }
  ::close(ready[1]);
  // Start writing once every reader has attached, so the readers overlap the writes.
  int attached = 0;
  for (char c = 0; ::read(ready[0], &c, 1) == 1;) attached += c == 'y' ? 1 : 0;
  ::close(ready[0]);
  EXPECT_EQ(attached, kReaderProcesses);

  const Budget budget(kBudget);
  uint64_t n = 0;
  while (n < kMaxWrites) {
    area->cell.store(stamp(++n));
    if ((n & 255) == 0 && budget.spent()) break;
  }
  area->final_value.store(n, std::memory_order_relaxed);
  // SYNC(stress.done): release. Pairs with the readers' acquire: they see the final record.
  area->done.store(1, std::memory_order_release);

  for (size_t i = 0; i < children.size(); ++i) {
    const int status = test::wait_for(children[i]);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kChildOk)
        << "reader process " << i << " " << test::describe(status)
        << " (10 attach failed, 11 torn copy, 12 counter went back, 13 no read after the "
           "writer stopped, 14 wrong final value)";
  }
  ::testing::Test::RecordProperty("writes", std::to_string(n));
  EXPECT_TRUE(Segment::remove(name));
}

}  // namespace
}  // namespace ose::shm
