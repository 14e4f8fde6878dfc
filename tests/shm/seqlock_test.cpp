// Seqlock, one thread at a time: what a reader accepts and rejects for each version value. The
// concurrent torn-read checks live in tests/stress/.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

#include "shm/seqlock.hpp"

namespace ose::shm {
namespace {

struct alignas(8) Quad {
  uint64_t a, b, c, d;
  bool operator==(const Quad&) const = default;
};
static_assert(kSeqlockable<Quad>);

struct TwelveBytes {
  uint32_t x[3];
};
static_assert(!kSeqlockable<TwelveBytes>, "a record is a whole number of 8-byte words");
struct FourAligned {
  uint32_t x[2];
};
static_assert(!kSeqlockable<FourAligned>, "and 8-byte aligned");

TEST(Seqlock, FreshCellLoadsAZeroValueAtVersionZero) {
  Seqlocked<Quad> cell;
  Quad out{1, 2, 3, 4};
  EXPECT_TRUE(cell.try_load(out));
  EXPECT_EQ(out, (Quad{0, 0, 0, 0}));
  EXPECT_EQ(cell.version.load(std::memory_order_relaxed), 0u);
}

TEST(Seqlock, LoadsWhatWasStored) {
  Seqlocked<Quad> cell;
  cell.store({1, 2, 3, 4});
  Quad out{};
  ASSERT_TRUE(cell.try_load(out));
  EXPECT_EQ(out, (Quad{1, 2, 3, 4}));
  cell.store({5, 6, 7, 8});
  ASSERT_TRUE(cell.load(out));
  EXPECT_EQ(out, (Quad{5, 6, 7, 8}));
  // Each store moves the version by two: odd while writing, even when done.
  EXPECT_EQ(cell.version.load(std::memory_order_relaxed), 4u);
}

TEST(Seqlock, TryLoadFailsWhileTheVersionIsOdd) {
  Seqlocked<Quad> cell;
  cell.store({1, 1, 1, 1});
  seqlock_write_begin(cell.version);
  EXPECT_EQ(cell.version.load(std::memory_order_relaxed), 3u);
  Quad out{};
  EXPECT_FALSE(cell.try_load(out));
  EXPECT_FALSE(cell.load(out, /*max_attempts=*/16)) << "a writer that died mid-write";
  seqlock_write_end(cell.version);
  EXPECT_TRUE(cell.try_load(out));
  EXPECT_EQ(out, (Quad{1, 1, 1, 1}));
}

TEST(Seqlock, TryLoadFailsForAnyOddVersion) {
  Seqlocked<Quad> cell;
  Quad out{};
  for (uint32_t v : {1u, 7u, 0x7FFFFFFFu, 0xFFFFFFFFu}) {
    cell.version.store(v, std::memory_order_relaxed);
    EXPECT_FALSE(cell.try_load(out)) << v;
  }
  for (uint32_t v : {2u, 8u, 0xFFFFFFFEu}) {
    cell.version.store(v, std::memory_order_relaxed);
    EXPECT_TRUE(cell.try_load(out)) << v;
  }
}

TEST(Seqlock, VersionWrapsFromOddMaxToZero) {
  Seqlocked<Quad> cell;
  cell.version.store(0xFFFFFFFEu, std::memory_order_relaxed);
  cell.store({9, 9, 9, 9});  // 0xFFFFFFFE -> 0xFFFFFFFF (odd) -> 0 (even)
  EXPECT_EQ(cell.version.load(std::memory_order_relaxed), 0u);
  Quad out{};
  ASSERT_TRUE(cell.try_load(out));
  EXPECT_EQ(out, (Quad{9, 9, 9, 9}));
}

TEST(Seqlock, GuardsDataThatLivesApartFromItsVersion) {
  std::atomic<uint32_t> version{0};
  alignas(64) Quad data{};
  const Quad in{10, 20, 30, 40};
  seqlock_write_begin(version);
  relaxed_copy_in(&data, &in, sizeof in);
  Quad out{};
  EXPECT_FALSE(seqlock_try_read(version, data, out));
  seqlock_write_end(version);
  ASSERT_TRUE(seqlock_try_read(version, data, out));
  EXPECT_EQ(out, in);
  ASSERT_TRUE(seqlock_read(version, data, out));
  EXPECT_EQ(out, in);
  EXPECT_EQ(version.load(std::memory_order_relaxed), 2u);
}

TEST(Seqlock, RelaxedCopiesMoveWholeWords) {
  alignas(8) uint64_t src[3] = {0x0102030405060708, 0x1112131415161718, 0x2122232425262728};
  alignas(8) uint64_t dst[3] = {0, 0, 0};
  relaxed_copy_in(dst, src, 16);
  EXPECT_EQ(dst[0], src[0]);
  EXPECT_EQ(dst[1], src[1]);
  EXPECT_EQ(dst[2], 0u) << "only the words asked for";
  alignas(8) uint64_t back[3] = {7, 7, 7};
  relaxed_copy_out(back, src, 24);
  EXPECT_EQ(back[0], src[0]);
  EXPECT_EQ(back[1], src[1]);
  EXPECT_EQ(back[2], src[2]);
}

}  // namespace
}  // namespace ose::shm
