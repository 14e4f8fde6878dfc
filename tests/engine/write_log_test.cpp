// WriteLog (engine/core/write_log.hpp): what one input wrote, the list the engine publishes
// from. The expected ranges are worked out by hand from the offsets written.
#include "engine/core/write_log.hpp"

#include <gtest/gtest.h>

namespace ose {
namespace {

VersionLayout small_layout() {
  VersionLayout l{};  // every table's versions start at 0: record r is version r
  l.total = 16;
  return l;
}

TEST(WriteLog, InterleavedSequentialWritersStayOneRangePerTable) {
  // finish_order's pattern: a 64-byte ledger entry, then a 4-byte retire-ring entry, order
  // after order. 3,000 orders would be 6,000 ranges (past the 4,096 the log holds) if only the
  // last range could grow.
  WriteLog log(small_layout());
  constexpr uint64_t kLedger = 1 << 20, kRetire = 1 << 24;
  for (uint64_t i = 0; i < 3000; ++i) {
    log.bytes(kLedger + i * 64, 64);
    log.bytes(kRetire + i * 4, 4);
  }
  EXPECT_FALSE(log.overflowed());
  ASSERT_EQ(log.range_count(), 2u);
  EXPECT_EQ(log.ranges()[0].begin, kLedger);
  EXPECT_EQ(log.ranges()[0].end, kLedger + 3000 * 64);
  EXPECT_EQ(log.ranges()[1].begin, kRetire);
  EXPECT_EQ(log.ranges()[1].end, kRetire + 3000 * 4);  // 12,000: already a whole word
}

TEST(WriteLog, RangesAreWidenedToWholeWords) {
  WriteLog log(small_layout());
  log.bytes(13, 2);  // bytes 13..14 lie in the word [8, 16)
  ASSERT_EQ(log.range_count(), 1u);
  EXPECT_EQ(log.ranges()[0].begin, 8u);
  EXPECT_EQ(log.ranges()[0].end, 16u);
}

TEST(WriteLog, ScatteredWritesPastTheCapacityOverflowToWholeTables) {
  WriteLog log(small_layout());
  // Every write 64 bytes from the last one and 8 bytes long: nothing touches, nothing merges.
  for (uint64_t i = 0; i <= WriteLog::kRangeCapacity; ++i) log.bytes(i * 64, 8);
  EXPECT_EQ(log.range_count(), WriteLog::kRangeCapacity);
  EXPECT_TRUE(log.overflowed());
  log.clear();
  EXPECT_FALSE(log.overflowed());
  EXPECT_EQ(log.range_count(), 0u);
}

TEST(WriteLog, ARecordIsLoggedOncePerInput) {
  WriteLog log(small_layout());
  log.record(VersionedTable::kOrders, 3, 4096, 192);
  log.record(VersionedTable::kOrders, 3, 4096, 192);
  log.record(VersionedTable::kOrders, 4, 4288, 192);
  ASSERT_EQ(log.record_count(), 2u);
  EXPECT_EQ(log.records()[0].version, 3u);
  EXPECT_EQ(log.records()[1].version, 4u);
  log.clear();  // the next input logs it again
  log.record(VersionedTable::kOrders, 3, 4096, 192);
  EXPECT_EQ(log.record_count(), 1u);
}

}  // namespace
}  // namespace ose
