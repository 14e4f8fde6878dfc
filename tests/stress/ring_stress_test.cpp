// Ring stress with real threads. SpscRing: every record arrives once, in order, with the
// payload its producer wrote (sequence number, checksum, body). BroadcastRing: the writer
// never waits, so readers may lose records, but every record they accept is whole and sits
// exactly where their cursor and their `lost` count say it should.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "shm/broadcast_ring.hpp"
#include "shm/idle.hpp"
#include "shm/spsc_ring.hpp"
#include "tests/shm/heap_region.hpp"
#include "tests/stress/stress_support.hpp"

namespace ose::shm {
namespace {

using test::Budget;

constexpr uint64_t kNotDone = std::numeric_limits<uint64_t>::max();

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// ---- SpscRing -------------------------------------------------------------------------------

struct Message {
  uint64_t seq;
  uint64_t checksum;  // FNV-1a over the bytes of `body`
  uint64_t body[13];
};
static_assert(sizeof(Message) == kRecordPayload);

uint64_t checksum_of(const Message& m) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint64_t w : m.body) {
    for (int i = 0; i < 8; ++i) {
      h ^= (w >> (8 * i)) & 0xFF;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

Message message_for(uint64_t seq) {
  Message m{};
  m.seq = seq;
  for (uint64_t i = 0; i < 13; ++i) m.body[i] = splitmix64(seq * 16 + i);
  m.checksum = checksum_of(m);
  return m;
}

TEST(SpscRingStress, ConsumerThreadReceivesEveryRecordInOrderAndIntact) {
  constexpr uint64_t kCapacity = 256;
  constexpr uint64_t kMaxRecords = 10'000'000;
  test::HeapRegion region(SpscRingData::bytes_for(kCapacity));
  SpscRingData* data = SpscRingData::init(region.get(), kCapacity);
  SpscProducer producer(data, kCapacity);
  SpscConsumer consumer(data, kCapacity);

  std::atomic<uint64_t> produced{kNotDone};  // producer: how many it pushed, once done
  bool producer_corrupt = false;

  struct {
    uint64_t received = 0;
    uint64_t out_of_order = 0;
    uint64_t bad_checksum = 0;
    uint64_t bad_body = 0;
    uint64_t first_bad_at = kNotDone;
    bool corrupt = false;
  } c;

  std::thread consumer_thread([&] {
    IdleStrategy idle(IdleMode::kSpinYield);
    for (;;) {
      Message m{};
      const RingStatus status = consumer.poll(&m, sizeof m);
      if (status == RingStatus::kOk) {
        const uint64_t expected = c.received++;
        const Message want = message_for(expected);
        const bool misordered = m.seq != expected;
        const bool bad_checksum = checksum_of(m) != m.checksum;
        const bool bad_body = std::memcmp(m.body, want.body, sizeof m.body) != 0;
        c.out_of_order += misordered ? 1 : 0;
        c.bad_checksum += bad_checksum ? 1 : 0;
        c.bad_body += bad_body ? 1 : 0;
        if ((misordered || bad_checksum || bad_body) && c.first_bad_at == kNotDone) {
          c.first_bad_at = expected;
        }
        idle.idle(true);
        continue;
      }
      if (status == RingStatus::kCorrupt) {
        c.corrupt = true;
        return;
      }
      // Acquire: pairs with the producer's release after its last push.
      const uint64_t total = produced.load(std::memory_order_acquire);
      if (total != kNotDone && c.received == total) return;
      idle.idle(false);
    }
  });

  const Budget budget(std::chrono::milliseconds(2000));
  IdleStrategy idle(IdleMode::kSpinYield);
  uint64_t n = 0;
  for (; n < kMaxRecords; ++n) {
    if ((n & 1023) == 0 && budget.spent()) break;
    const Message m = message_for(n);
    RingStatus status;
    while ((status = producer.try_push(&m, sizeof m)) == RingStatus::kFull) idle.idle(false);
    idle.idle(true);
    if (status != RingStatus::kOk) {
      producer_corrupt = true;
      break;
    }
  }
  // SYNC(stress.produced): release. Pairs with the consumer's acquire: every push is before.
  produced.store(n, std::memory_order_release);
  consumer_thread.join();

  EXPECT_FALSE(producer_corrupt);
  EXPECT_FALSE(c.corrupt);
  EXPECT_EQ(c.received, n);
  EXPECT_EQ(c.out_of_order, 0u) << "first bad record at " << c.first_bad_at;
  EXPECT_EQ(c.bad_checksum, 0u) << "first bad record at " << c.first_bad_at;
  EXPECT_EQ(c.bad_body, 0u) << "first bad record at " << c.first_bad_at;
  EXPECT_EQ(consumer.tail(), n);
  EXPECT_EQ(data->consumer_tail.load(std::memory_order_relaxed), n);
  ::testing::Test::RecordProperty("records", std::to_string(n));
}

// ---- BroadcastRing --------------------------------------------------------------------------

constexpr size_t kWords = kRecordPayload / 8;
using Words = std::array<uint64_t, kWords>;

// The record at `position`: word 0 is the position, every other word a function of it.
Words broadcast_record(uint64_t position) {
  Words w{};
  w[0] = position;
  for (size_t i = 1; i < kWords; ++i) w[i] = splitmix64(position * kWords + i);
  return w;
}

struct alignas(64) BroadcastTally {
  uint64_t received = 0;
  uint64_t lost = 0;
  uint64_t laps = 0;  // polls that reported a gap
  uint64_t torn = 0;
  uint64_t misplaced = 0;
  uint64_t first_bad_position = kNotDone;
  uint64_t final_cursor = 0;
  bool corrupt = false;
};

TEST(BroadcastRingStress, ReaderThreadsAcceptOnlyWholeRecordsInIncreasingOrder) {
  constexpr uint64_t kCapacity = 64;
  constexpr uint64_t kMaxRecords = 20'000'000;
  constexpr int kReaders = 2;
  test::HeapRegion region(BroadcastRingData::bytes_for(kCapacity));
  BroadcastRingData* data = BroadcastRingData::init(region.get(), kCapacity);
  BroadcastWriter writer(data, kCapacity);

  std::atomic<uint64_t> final_head{kNotDone};  // writer: its head, once done
  std::vector<BroadcastTally> tallies(kReaders);
  std::vector<std::thread> readers;
  for (int i = 0; i < kReaders; ++i) {
    // Created before the writer starts: cursor 0, so received + lost must reach the final head.
    readers.emplace_back(
        [&tally = tallies[static_cast<size_t>(i)],
         reader = BroadcastReader(data, kCapacity, BroadcastReader::Start::kOldest),
         &final_head]() mutable {
          IdleStrategy idle(IdleMode::kSpinYield);
          for (;;) {
            const uint64_t cursor_before = reader.cursor();
            const uint64_t lost_before = tally.lost;
            Words w{};
            const RingStatus status = reader.poll(w.data(), sizeof w, tally.lost);
            if (status == RingStatus::kOk) {
              ++tally.received;
              const uint64_t gap = tally.lost - lost_before;
              if (gap != 0) ++tally.laps;
              // The record is the one at the cursor, after the reported jump.
              const bool misplaced = w[0] != cursor_before + gap;
              const bool torn = w != broadcast_record(w[0]);
              tally.misplaced += misplaced ? 1 : 0;
              tally.torn += torn ? 1 : 0;
              if ((misplaced || torn) && tally.first_bad_position == kNotDone) {
                tally.first_bad_position = cursor_before + gap;
              }
              idle.idle(true);
              continue;
            }
            if (status != RingStatus::kEmpty) {
              tally.corrupt = true;
              return;
            }
            // Acquire: pairs with the writer's release after its last publish.
            const uint64_t head = final_head.load(std::memory_order_acquire);
            if (head != kNotDone && reader.cursor() == head) break;
            idle.idle(false);
          }
          tally.final_cursor = reader.cursor();
        });
  }

  const Budget budget(std::chrono::milliseconds(1500));
  while (writer.head() < kMaxRecords) {
    const Words w = broadcast_record(writer.head());
    writer.publish(w.data(), sizeof w);
    if ((writer.head() & 1023) == 0 && budget.spent()) break;
  }
  // SYNC(stress.final_head): release. Pairs with the readers' acquire.
  final_head.store(writer.head(), std::memory_order_release);
  for (std::thread& r : readers) r.join();

  const uint64_t head = writer.head();
  for (int i = 0; i < kReaders; ++i) {
    const BroadcastTally& t = tallies[static_cast<size_t>(i)];
    SCOPED_TRACE("reader " + std::to_string(i));
    EXPECT_FALSE(t.corrupt);
    EXPECT_EQ(t.torn, 0u) << "first bad record at position " << t.first_bad_position;
    EXPECT_EQ(t.misplaced, 0u) << "first bad record at position " << t.first_bad_position;
    EXPECT_EQ(t.final_cursor, head);
    EXPECT_EQ(t.received + t.lost, head) << "every position is received or counted lost";
    EXPECT_GT(t.received, 0u);
    ::testing::Test::RecordProperty("reader" + std::to_string(i) + "_received",
                                    std::to_string(t.received));
    ::testing::Test::RecordProperty("reader" + std::to_string(i) + "_lost", std::to_string(t.lost));
  }
  ::testing::Test::RecordProperty("records", std::to_string(head));
}

}  // namespace
}  // namespace ose::shm
