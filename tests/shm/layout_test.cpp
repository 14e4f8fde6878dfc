// Layout fingerprints. Expected hashes computed independently (Python: FNV-1a 64 over the
// little-endian bytes of each number, offset basis 0xcbf29ce484222325, prime 0x100000001b3).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>

#include "shm/layout.hpp"

namespace ose::shm {
namespace {

TEST(LayoutFingerprint, StartsAtTheFnvOffsetBasis) {
  EXPECT_EQ(LayoutFingerprint{}.value(), 0xcbf29ce484222325ull);
}

TEST(LayoutFingerprint, HashesEachNumberAsEightLittleEndianBytes) {
  EXPECT_EQ(LayoutFingerprint{}.add(0).value(), 0xa8c7f832281a39c5ull);
  EXPECT_EQ(LayoutFingerprint{}.add(0x0123456789abcdefull).value(), 0x37eb3f3347761c55ull);
  EXPECT_EQ(LayoutFingerprint{}.add(1).add(2).value(), 0x7717980363c8e066ull);
}

TEST(LayoutFingerprint, DependsOnTheOrderOfTheNumbers) {
  EXPECT_EQ(LayoutFingerprint{}.add(2).add(1).value(), 0x072184407c3a4ac6ull);
  EXPECT_NE(LayoutFingerprint{}.add(1).add(2).value(), LayoutFingerprint{}.add(2).add(1).value());
}

struct Before {
  uint64_t a;
  uint32_t b;
};
struct After {  // same members, one widened: another layout
  uint64_t a;
  uint64_t b;
};

constexpr uint64_t fingerprint_before() {
  LayoutFingerprint fp;
  OSE_LAYOUT_SIZE(fp, Before);
  OSE_LAYOUT_FIELD(fp, Before, a);
  OSE_LAYOUT_FIELD(fp, Before, b);
  return fp.value();
}
constexpr uint64_t fingerprint_after() {
  LayoutFingerprint fp;
  OSE_LAYOUT_SIZE(fp, After);
  OSE_LAYOUT_FIELD(fp, After, a);
  OSE_LAYOUT_FIELD(fp, After, b);
  return fp.value();
}

TEST(LayoutFingerprint, IsAConstantThatChangesWhenAFieldIsWidened) {
  static_assert(fingerprint_before() != fingerprint_after());
  // Before: size 16, align 8, a at 0 size 8, b at 8 size 4; the same numbers by hand.
  constexpr uint64_t by_hand =
      LayoutFingerprint{}.add(16).add(8).add(0).add(8).add(8).add(4).value();
  EXPECT_EQ(fingerprint_before(), by_hand);
}

}  // namespace
}  // namespace ose::shm
