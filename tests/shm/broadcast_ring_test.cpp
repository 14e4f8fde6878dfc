// BroadcastRing, one thread at a time. Expected cursors and `lost` counts are worked out from
// the rules in broadcast_ring.hpp: the record at position p lives at index p % capacity with
// seq p + 1; kOldest starts at max(head - capacity, 0), kNewest at head; a lapped reader
// resumes at head - capacity + capacity / 4 and adds the positions it jumped over to `lost`.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>

#include "shm/broadcast_ring.hpp"
#include "tests/shm/heap_region.hpp"

namespace ose::shm {
namespace {

constexpr size_t kWords = kRecordPayload / 8;
using Words = std::array<uint64_t, kWords>;

// The record published at `position`: word 0 is the position, every other word a function of
// it, so a reader can tell whole records from torn ones.
Words record_for(uint64_t position) {
  Words w{};
  w[0] = position;
  for (size_t i = 1; i < kWords; ++i) w[i] = position * 0x9E3779B97F4A7C15ull + i;
  return w;
}

struct HeapBroadcastRing {
  explicit HeapBroadcastRing(uint64_t cap)
      : capacity(cap),
        region(BroadcastRingData::bytes_for(cap)),
        data(BroadcastRingData::init(region.get(), cap)),
        writer(data, cap) {}

  void publish_until(uint64_t head) {
    while (writer.head() < head) {
      const Words w = record_for(writer.head());
      writer.publish(w.data(), sizeof w);
    }
  }
  std::atomic<uint64_t>& seq_at(uint64_t position) {
    return data->records()[position % capacity].seq;
  }

  uint64_t capacity;
  test::HeapRegion region;
  BroadcastRingData* data;
  BroadcastWriter writer;
};

// Polls one record, expecting kOk and a whole record; returns its position.
uint64_t poll_position(BroadcastReader& reader, uint64_t& lost) {
  Words w{};
  const RingStatus status = reader.poll(w.data(), sizeof w, lost);
  EXPECT_EQ(status, RingStatus::kOk);
  EXPECT_EQ(w, record_for(w[0]));
  return w[0];
}

RingStatus poll_status(BroadcastReader& reader, uint64_t& lost) {
  Words w{};
  return reader.poll(w.data(), sizeof w, lost);
}

TEST(BroadcastRing, ReaderFromNewestSeesOnlyLaterRecords) {
  HeapBroadcastRing ring(8);
  ring.publish_until(5);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kNewest);
  EXPECT_EQ(reader.cursor(), 5u);
  uint64_t lost = 0;
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  ring.publish_until(8);
  EXPECT_EQ(poll_position(reader, lost), 5u);
  EXPECT_EQ(poll_position(reader, lost), 6u);
  EXPECT_EQ(poll_position(reader, lost), 7u);
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(lost, 0u);
}

TEST(BroadcastRing, ReaderFromOldestSeesTheWholeHistoryBeforeTheFirstLap) {
  HeapBroadcastRing ring(8);
  ring.publish_until(5);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  EXPECT_EQ(reader.cursor(), 0u);
  uint64_t lost = 0;
  for (uint64_t p = 0; p < 5; ++p) EXPECT_EQ(poll_position(reader, lost), p);
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(lost, 0u);
}

TEST(BroadcastRing, ReaderFromOldestSeesTheLastCapacityRecordsAfterWrapping) {
  HeapBroadcastRing ring(8);
  ring.publish_until(20);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  EXPECT_EQ(reader.cursor(), 12u);  // 20 - 8
  uint64_t lost = 0;
  for (uint64_t p = 12; p < 20; ++p) EXPECT_EQ(poll_position(reader, lost), p);
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(lost, 0u);
}

TEST(BroadcastRing, ReaderExactlyOneLapBehindStillReadsEveryRecord) {
  HeapBroadcastRing ring(8);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  ring.publish_until(8);  // head - cursor == capacity, nothing overwritten yet
  uint64_t lost = 0;
  for (uint64_t p = 0; p < 8; ++p) EXPECT_EQ(poll_position(reader, lost), p);
  EXPECT_EQ(lost, 0u);
}

TEST(BroadcastRing, LappedReaderResumesAQuarterRingPastTheOldestAndCountsWhatItSkipped) {
  HeapBroadcastRing ring(8);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  ring.publish_until(20);
  uint64_t lost = 0;
  // Resume at 20 - 8 + 8 / 4 = 14; skipped positions 0..13.
  EXPECT_EQ(poll_position(reader, lost), 14u);
  EXPECT_EQ(lost, 14u);
  for (uint64_t p = 15; p < 20; ++p) EXPECT_EQ(poll_position(reader, lost), p);
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(lost, 14u);
  EXPECT_EQ(reader.cursor(), 20u);
}

TEST(BroadcastRing, ReaderLappedTwiceAddsUpEveryGap) {
  HeapBroadcastRing ring(16);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  uint64_t lost = 0;
  uint64_t received = 0;
  ring.publish_until(3);
  for (uint64_t p = 0; p < 3; ++p, ++received) EXPECT_EQ(poll_position(reader, lost), p);

  // Cursor 3, head 50: resume at 50 - 16 + 4 = 38, lost 38 - 3 = 35.
  ring.publish_until(50);
  EXPECT_EQ(poll_position(reader, lost), 38u);
  ++received;
  EXPECT_EQ(lost, 35u);
  for (uint64_t p = 39; p < 45; ++p, ++received) EXPECT_EQ(poll_position(reader, lost), p);

  // Cursor 45, head 100: resume at 100 - 16 + 4 = 88, lost 35 + 43 = 78.
  ring.publish_until(100);
  EXPECT_EQ(poll_position(reader, lost), 88u);
  ++received;
  EXPECT_EQ(lost, 78u);
  while (poll_status(reader, lost) == RingStatus::kOk) ++received;
  EXPECT_EQ(lost, 78u);
  EXPECT_EQ(received + lost, 100u) << "every position is either received or counted lost";
}

TEST(BroadcastRing, ReaderCountsItsRecordLostOnceTheWriterStartsRewritingIt) {
  HeapBroadcastRing ring(8);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kOldest);
  ring.publish_until(8);
  // The writer has begun position 8 (index 0) and marked it busy; writer_head is still 8.
  ring.seq_at(8).store(kRecordBusy, std::memory_order_relaxed);
  uint64_t lost = 0;
  // head - cursor = 8 = capacity: lapped. Resume at 8 - 8 + 2 = 2.
  EXPECT_EQ(poll_position(reader, lost), 2u);
  EXPECT_EQ(lost, 2u);
  for (uint64_t p = 3; p < 8; ++p) EXPECT_EQ(poll_position(reader, lost), p);
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(lost, 2u);
}

TEST(BroadcastRing, ReaderPollsEmptyWhileItsNextRecordIsBeingWritten) {
  HeapBroadcastRing ring(8);
  ring.publish_until(3);
  BroadcastReader reader(ring.data, ring.capacity, BroadcastReader::Start::kNewest);
  ring.seq_at(3).store(kRecordBusy, std::memory_order_relaxed);  // writer inside publish()
  uint64_t lost = 0;
  EXPECT_EQ(poll_status(reader, lost), RingStatus::kEmpty);
  EXPECT_EQ(reader.cursor(), 3u);
  EXPECT_EQ(lost, 0u);
  // The writer finishes: it rewrites the whole record and publishes seq 4.
  ring.publish_until(4);
  EXPECT_EQ(poll_position(reader, lost), 3u);
  EXPECT_EQ(lost, 0u);
}

TEST(BroadcastRing, ReadersKeepIndependentCursors) {
  HeapBroadcastRing ring(8);
  const BroadcastRingData* read_only = ring.data;  // readers only need a const view
  BroadcastReader a(read_only, ring.capacity, BroadcastReader::Start::kOldest);
  BroadcastReader b(read_only, ring.capacity, BroadcastReader::Start::kOldest);
  ring.publish_until(4);
  uint64_t lost_a = 0;
  uint64_t lost_b = 0;
  for (uint64_t p = 0; p < 4; ++p) EXPECT_EQ(poll_position(a, lost_a), p);
  EXPECT_EQ(poll_position(b, lost_b), 0u);
  EXPECT_EQ(a.cursor(), 4u);
  EXPECT_EQ(b.cursor(), 1u);
  EXPECT_EQ(ring.writer.head(), 4u);
}

}  // namespace
}  // namespace ose::shm
