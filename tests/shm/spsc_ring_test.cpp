// SpscRing, one thread at a time: the producer, the consumer and the shared words between them.
// Expected positions and seq words follow from the rule in spsc_ring.hpp: the record at
// position p lives at index p % capacity and holds seq = p + 1 once published; a consumer
// waiting at position t may legitimately see t + 1 (ready) or t + 1 - capacity (0 on the first
// lap) there, and nothing else.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>

#include "shm/spsc_ring.hpp"
#include "tests/shm/heap_region.hpp"

namespace ose::shm {
namespace {

using Payload = std::array<uint8_t, kRecordPayload>;

// Record number n: its first 8 bytes hold n, every other byte is a function of (n, i) that
// differs between neighbouring records and neighbouring bytes.
Payload payload_for(uint64_t n) {
  Payload p{};
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>(n * 131 + i * 7 + 1);
  std::memcpy(p.data(), &n, sizeof n);
  return p;
}

uint64_t number_of(const Payload& p) {
  uint64_t n = 0;
  std::memcpy(&n, p.data(), sizeof n);
  return n;
}

struct HeapSpscRing {
  explicit HeapSpscRing(uint64_t cap)
      : capacity(cap),
        region(SpscRingData::bytes_for(cap)),
        data(SpscRingData::init(region.get(), cap)) {}

  std::atomic<uint64_t>& seq_at(uint64_t position) {
    return data->records()[position % capacity].seq;
  }

  uint64_t capacity;
  test::HeapRegion region;
  SpscRingData* data;
};

RingStatus push_number(SpscProducer& p, uint64_t n) {
  const Payload bytes = payload_for(n);
  return p.try_push(bytes.data(), bytes.size());
}

TEST(SpscRing, PollsEmptyWhenNothingWasPushed) {
  HeapSpscRing ring(8);
  SpscConsumer consumer(ring.data, ring.capacity);
  Payload out{};
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  EXPECT_EQ(consumer.tail(), 0u);
  EXPECT_EQ(consumer.depth(), 0u);
  EXPECT_EQ(ring.data->consumer_tail.load(std::memory_order_relaxed), 0u);
}

TEST(SpscRing, RejectsPushWhenFull) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 8; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk) << n;
  EXPECT_EQ(push_number(producer, 8), RingStatus::kFull);
  EXPECT_EQ(push_number(producer, 8), RingStatus::kFull);
  EXPECT_EQ(producer.head(), 8u);
  EXPECT_EQ(producer.depth_cached(), 8u);
  EXPECT_EQ(ring.data->producer_head.load(std::memory_order_relaxed), 8u);

  // One record consumed frees exactly one slot.
  SpscConsumer consumer(ring.data, ring.capacity);
  EXPECT_EQ(consumer.depth(), 8u);
  Payload out{};
  ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
  EXPECT_EQ(number_of(out), 0u);
  EXPECT_EQ(push_number(producer, 8), RingStatus::kOk);
  EXPECT_EQ(push_number(producer, 9), RingStatus::kFull);
  EXPECT_EQ(producer.head(), 9u);
}

TEST(SpscRing, KeepsFifoOrderAndPayloadBytesOverManyLaps) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  uint64_t pushed = 0;
  uint64_t polled = 0;
  // Batches of 1..8 records (the ring is never more than full), 500 batches: 2242 records,
  // about 280 laps, so every index is reused with every fill level.
  for (uint64_t batch = 0; batch < 500; ++batch) {
    const uint64_t count = batch % 8 + 1;
    for (uint64_t i = 0; i < count; ++i)
      ASSERT_EQ(push_number(producer, pushed++), RingStatus::kOk);
    EXPECT_EQ(consumer.depth(), count);
    for (uint64_t i = 0; i < count; ++i) {
      Payload out{};
      ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
      ASSERT_EQ(out, payload_for(polled)) << "record " << polled;
      ++polled;
    }
    Payload out{};
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  }
  EXPECT_EQ(pushed, 2242u);  // 500 = 62 cycles of 8 batches (1+..+8 = 36), then 1+2+3+4
  EXPECT_EQ(polled, pushed);
  EXPECT_EQ(producer.head(), 2242u);
  EXPECT_EQ(consumer.tail(), 2242u);
  EXPECT_EQ(ring.data->consumer_tail.load(std::memory_order_relaxed), 2242u);
  // The last lap's records carry their position + 1.
  for (uint64_t p = 2242 - 8; p < 2242; ++p) {
    EXPECT_EQ(ring.seq_at(p).load(std::memory_order_relaxed), p + 1) << "position " << p;
  }
}

TEST(SpscRing, CarriesFullSizeRecordsWithTheRingFilledToCapacity) {
  HeapSpscRing ring(16);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  // Two laps, each filling every slot with a 120-byte payload before any is read: a payload
  // that spilled into its neighbour's seq word or bytes would show up in the neighbour.
  for (uint64_t lap = 0; lap < 2; ++lap) {
    for (uint64_t i = 0; i < 16; ++i)
      ASSERT_EQ(push_number(producer, lap * 16 + i), RingStatus::kOk);
    ASSERT_EQ(push_number(producer, 999), RingStatus::kFull);
    for (uint64_t i = 0; i < 16; ++i) {
      const uint64_t position = lap * 16 + i;
      EXPECT_EQ(ring.seq_at(position).load(std::memory_order_relaxed), position + 1);
    }
    for (uint64_t i = 0; i < 16; ++i) {
      Payload out{};
      ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
      EXPECT_EQ(out, payload_for(lap * 16 + i));
    }
  }
  Payload out{};
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
}

TEST(SpscRing, CopiesOutOnlyTheBytesAsked) {
  HeapSpscRing ring(4);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  const uint64_t word = 0x1122334455667788;
  ASSERT_EQ(producer.try_push(&word, sizeof word), RingStatus::kOk);
  std::array<uint8_t, 16> out{};
  out.fill(0xEE);
  ASSERT_EQ(consumer.poll(out.data(), 8), RingStatus::kOk);
  uint64_t got = 0;
  std::memcpy(&got, out.data(), 8);
  EXPECT_EQ(got, word);
  for (size_t i = 8; i < out.size(); ++i) EXPECT_EQ(out[i], 0xEE) << i;
}

TEST(SpscRing, ConsumerReportsCorruptWhenTheSeqWordIsImpossible) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  Payload out{};
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  for (uint64_t n = 0; n < 3; ++n)
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);

  // The consumer waits at position 3 (first lap): only 4 (ready) or 0 (never written) are
  // possible there.
  std::atomic<uint64_t>& seq = ring.seq_at(3);
  ASSERT_EQ(seq.load(std::memory_order_relaxed), 0u);
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  for (uint64_t garbage :
       {uint64_t{3}, uint64_t{5}, uint64_t{12}, uint64_t{0xDEADBEEF}, ~uint64_t{0}}) {
    seq.store(garbage, std::memory_order_relaxed);
    EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kCorrupt) << garbage;
    // A corrupt record is not consumed.
    EXPECT_EQ(consumer.tail(), 3u);
    EXPECT_EQ(ring.data->consumer_tail.load(std::memory_order_relaxed), 3u);
  }
  seq.store(0, std::memory_order_relaxed);
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
}

TEST(SpscRing, ConsumerReportsCorruptForAZeroSeqAfterTheFirstLap) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  Payload out{};
  for (uint64_t n = 0; n < 11; ++n) {
    ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
  }
  // Waiting at position 11 (index 3, second lap): the slot still holds position 3's seq, 4.
  std::atomic<uint64_t>& seq = ring.seq_at(11);
  ASSERT_EQ(seq.load(std::memory_order_relaxed), 4u);
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  seq.store(0, std::memory_order_relaxed);  // right on lap one, impossible on lap two
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kCorrupt);
  seq.store(20, std::memory_order_relaxed);  // position 19's seq: a lap ahead
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kCorrupt);
  seq.store(4, std::memory_order_relaxed);
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
  ASSERT_EQ(push_number(producer, 11), RingStatus::kOk);
  ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
  EXPECT_EQ(number_of(out), 11u);
}

TEST(SpscRing, ProducerReportsCorruptWhenConsumerTailIsAheadOfHead) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 8; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  // The producer re-reads consumer_tail once its cached copy says the ring is full.
  ring.data->consumer_tail.store(9, std::memory_order_relaxed);  // head is 8
  EXPECT_EQ(push_number(producer, 8), RingStatus::kCorrupt);
  EXPECT_EQ(producer.head(), 8u);
  // A producer attached after the damage sees it on its first push: 0 - 9 wraps to "full".
  HeapSpscRing fresh(8);
  fresh.data->consumer_tail.store(9, std::memory_order_relaxed);
  SpscProducer late(fresh.data, fresh.capacity);
  EXPECT_EQ(push_number(late, 0), RingStatus::kCorrupt);
  EXPECT_EQ(fresh.seq_at(0).load(std::memory_order_relaxed), 0u) << "nothing was written";
}

TEST(SpscRing, ProducerReportsCorruptWhenConsumerTailIsMoreThanACapacityBehind) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  SpscConsumer consumer(ring.data, ring.capacity);
  Payload out{};
  for (uint64_t n = 0; n < 8; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  for (uint64_t n = 0; n < 8; ++n)
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
  for (uint64_t n = 8; n < 16; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  // head 16, tail 0: 16 records "unconsumed" in a ring of 8 is impossible.
  ring.data->consumer_tail.store(0, std::memory_order_relaxed);
  EXPECT_EQ(push_number(producer, 16), RingStatus::kCorrupt);
  // head - tail == capacity is merely full.
  ring.data->consumer_tail.store(8, std::memory_order_relaxed);
  EXPECT_EQ(push_number(producer, 16), RingStatus::kFull);
  ring.data->consumer_tail.store(9, std::memory_order_relaxed);
  EXPECT_EQ(push_number(producer, 16), RingStatus::kOk);
}

TEST(SpscRing, ReattachingProducerContinuesAfterTheLastPublishedRecord) {
  HeapSpscRing ring(8);
  {
    SpscProducer first(ring.data, ring.capacity);
    for (uint64_t n = 0; n < 5; ++n) ASSERT_EQ(push_number(first, n), RingStatus::kOk);
  }
  SpscProducer second(ring.data, ring.capacity);
  EXPECT_EQ(second.head(), 5u);
  for (uint64_t n = 5; n < 8; ++n) ASSERT_EQ(push_number(second, n), RingStatus::kOk);
  EXPECT_EQ(push_number(second, 8), RingStatus::kFull);

  SpscConsumer consumer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 8; ++n) {
    Payload out{};
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
    EXPECT_EQ(out, payload_for(n));
  }
}

TEST(SpscRing, ReattachingProducerSkipsRecordsPublishedAfterAStaleHead) {
  // A producer that died between publishing records and storing producer_head: the records'
  // own seq words say how far it got. Here on the second lap: positions 0..10 published.
  HeapSpscRing ring(8);
  SpscConsumer consumer(ring.data, ring.capacity);
  {
    SpscProducer first(ring.data, ring.capacity);
    Payload out{};
    for (uint64_t n = 0; n < 8; ++n) ASSERT_EQ(push_number(first, n), RingStatus::kOk);
    for (uint64_t n = 0; n < 8; ++n)
      ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
    for (uint64_t n = 8; n < 11; ++n) ASSERT_EQ(push_number(first, n), RingStatus::kOk);
  }
  ring.data->producer_head.store(9, std::memory_order_relaxed);
  SpscProducer second(ring.data, ring.capacity);
  EXPECT_EQ(second.head(), 11u);
  ASSERT_EQ(push_number(second, 11), RingStatus::kOk);
  for (uint64_t n = 8; n < 12; ++n) {
    Payload out{};
    ASSERT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kOk);
    EXPECT_EQ(number_of(out), n);
  }
  Payload out{};
  EXPECT_EQ(consumer.poll(out.data(), out.size()), RingStatus::kEmpty);
}

TEST(SpscRing, ConsumerWithSkipBacklogSkipsTheUnreadRecords) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 5; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  Payload out{};
  {
    SpscConsumer first(ring.data, ring.capacity);
    ASSERT_EQ(first.poll(out.data(), out.size()), RingStatus::kOk);
    ASSERT_EQ(first.poll(out.data(), out.size()), RingStatus::kOk);
  }
  SpscConsumer skipping(ring.data, ring.capacity, /*skip_backlog=*/true);
  EXPECT_EQ(skipping.tail(), 5u);
  EXPECT_EQ(ring.data->consumer_tail.load(std::memory_order_relaxed), 5u);
  EXPECT_EQ(skipping.depth(), 0u);
  EXPECT_EQ(skipping.poll(out.data(), out.size()), RingStatus::kEmpty);
  // The skipped records' slots are free again: the producer can fill a whole ring.
  for (uint64_t n = 5; n < 13; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk) << n;
  EXPECT_EQ(push_number(producer, 13), RingStatus::kFull);
  ASSERT_EQ(skipping.poll(out.data(), out.size()), RingStatus::kOk);
  EXPECT_EQ(out, payload_for(5));
}

TEST(SpscRing, ConsumerWithoutSkipBacklogResumesWhereItsPredecessorStopped) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 5; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  Payload out{};
  {
    SpscConsumer first(ring.data, ring.capacity);
    ASSERT_EQ(first.poll(out.data(), out.size()), RingStatus::kOk);
    ASSERT_EQ(first.poll(out.data(), out.size()), RingStatus::kOk);
  }
  SpscConsumer second(ring.data, ring.capacity);
  EXPECT_EQ(second.tail(), 2u);
  EXPECT_EQ(second.depth(), 3u);
  for (uint64_t n = 2; n < 5; ++n) {
    ASSERT_EQ(second.poll(out.data(), out.size()), RingStatus::kOk);
    EXPECT_EQ(number_of(out), n);
  }
}

TEST(SpscRing, SkipBacklogIgnoresAProducerHeadMoreThanACapacityAhead) {
  HeapSpscRing ring(8);
  SpscProducer producer(ring.data, ring.capacity);
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(push_number(producer, n), RingStatus::kOk);
  ring.data->producer_head.store(1000, std::memory_order_relaxed);  // garbage
  SpscConsumer skipping(ring.data, ring.capacity, /*skip_backlog=*/true);
  EXPECT_EQ(skipping.tail(), 0u);
  EXPECT_EQ(skipping.depth(), 0u) << "depth() clamps an impossible head";
  Payload out{};
  ASSERT_EQ(skipping.poll(out.data(), out.size()), RingStatus::kOk);
  EXPECT_EQ(number_of(out), 0u);
}

}  // namespace
}  // namespace ose::shm
