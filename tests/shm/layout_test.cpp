// Layout fingerprints. Expected hashes computed independently (Python: FNV-1a 64 over the
// little-endian bytes of each number, offset basis 0xcbf29ce484222325, prime 0x100000001b3).
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

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
#define BEFORE_FIELDS(X) X(Before, a) X(Before, b)
OSE_LAYOUT_ASSERT(Before, BEFORE_FIELDS, 4);
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

// One struct in two builds: the second swapped two uint64_t fields. Every offset and size in
// declaration order is the same in both, and so was the old fingerprint, which sampled sizes
// and a few offsets; only the names tell the layouts apart.
struct QuoteBuildA {
  uint64_t bid_e8;
  uint64_t ask_e8;
  uint32_t count;
  uint32_t reserved;
};
#define QUOTE_BUILD_A_FIELDS(X) \
  X(QuoteBuildA, bid_e8) X(QuoteBuildA, ask_e8) X(QuoteBuildA, count) X(QuoteBuildA, reserved)
OSE_LAYOUT_ASSERT(QuoteBuildA, QUOTE_BUILD_A_FIELDS, 0);

struct QuoteBuildB {
  uint64_t ask_e8;
  uint64_t bid_e8;
  uint32_t count;
  uint32_t reserved;
};
#define QUOTE_BUILD_B_FIELDS(X) \
  X(QuoteBuildB, ask_e8) X(QuoteBuildB, bid_e8) X(QuoteBuildB, count) X(QuoteBuildB, reserved)
OSE_LAYOUT_ASSERT(QuoteBuildB, QUOTE_BUILD_B_FIELDS, 0);

TEST(LayoutFingerprint, ChangesWhenTwoEqualSizedFieldsSwap) {
  constexpr uint64_t a =
      LayoutFingerprint{}.add(OSE_LAYOUT_OF(QuoteBuildA, QUOTE_BUILD_A_FIELDS)).value();
  constexpr uint64_t b =
      LayoutFingerprint{}.add(OSE_LAYOUT_OF(QuoteBuildB, QUOTE_BUILD_B_FIELDS)).value();
  static_assert(a != b);
  EXPECT_NE(a, b);

  // What a sizes-and-offsets hash sees: the same numbers in both builds.
  LayoutFingerprint sampled_a;
  OSE_LAYOUT_SIZE(sampled_a, QuoteBuildA);
  OSE_LAYOUT_FIELD(sampled_a, QuoteBuildA, count);
  LayoutFingerprint sampled_b;
  OSE_LAYOUT_SIZE(sampled_b, QuoteBuildB);
  OSE_LAYOUT_FIELD(sampled_b, QuoteBuildB, count);
  EXPECT_EQ(sampled_a.value(), sampled_b.value());
}

TEST(LayoutFingerprint, HashesSizeAlignCountThenEachFieldsNameOffsetAndSize) {
  constexpr auto layout = OSE_LAYOUT_OF(Before, BEFORE_FIELDS);
  constexpr uint64_t by_hand = LayoutFingerprint{}
                                   .add(16)
                                   .add(8)
                                   .add(2)
                                   .add(std::string_view("a"))
                                   .add(0)
                                   .add(8)
                                   .add(std::string_view("b"))
                                   .add(8)
                                   .add(4)
                                   .value();
  static_assert(LayoutFingerprint{}.add(layout).value() == by_hand);
  // A name is its length then its bytes: FNV-1a of 01 00 00 00 00 00 00 00 61.
  EXPECT_EQ(LayoutFingerprint{}.add(std::string_view("a")).value(), 0x529a4ddc8ff56bbfull);
}

TEST(LayoutFingerprint, FieldListAccountsForEveryByteOfItsStruct) {
  constexpr auto before = OSE_LAYOUT_OF(Before, BEFORE_FIELDS);
  static_assert(before.in_order());
  EXPECT_EQ(before.listed_bytes(), 12u);
  EXPECT_EQ(before.padding(), 4u);  // the tail after b, to the 8-byte alignment
  EXPECT_EQ(before.listed_bytes() + before.padding(), sizeof(Before));

  constexpr auto quote = OSE_LAYOUT_OF(QuoteBuildA, QUOTE_BUILD_A_FIELDS);
  static_assert(std::has_unique_object_representations_v<QuoteBuildA>);
  EXPECT_EQ(quote.listed_bytes(), sizeof(QuoteBuildA));
}

// Fields listed out of declaration order, or overlapping: the list cannot be a field-by-field
// account of the struct, and OSE_LAYOUT_ASSERT refuses it.
TEST(LayoutFingerprint, RejectsAListOutOfDeclarationOrder) {
#define QUOTE_SHUFFLED_FIELDS(X) \
  X(QuoteBuildA, ask_e8) X(QuoteBuildA, bid_e8) X(QuoteBuildA, count) X(QuoteBuildA, reserved)
  static_assert(!OSE_LAYOUT_OF(QuoteBuildA, QUOTE_SHUFFLED_FIELDS).in_order());
#undef QUOTE_SHUFFLED_FIELDS
  union Overlay {
    uint64_t whole;
    uint32_t half;
  };
#define OVERLAY_FIELDS(X) X(Overlay, whole) X(Overlay, half)
  static_assert(!OSE_LAYOUT_OF(Overlay, OVERLAY_FIELDS).in_order());
  static_assert(OSE_LAYOUT_OF(Overlay, OVERLAY_FIELDS).overlays(0, 8));
#undef OVERLAY_FIELDS
  SUCCEED();
}

}  // namespace
}  // namespace ose::shm
