// The field lists behind shared_layout_fingerprint(): every struct in OSE_SHARED_STRUCTS is
// accounted for byte by byte (its listed fields plus alignment padding add up to its size), so
// the fingerprint, which hashes those lists, moves with any field of any shared struct. That a
// member missing from its list fails the build is shown by tests/compile_fail/layout_*.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>

#include "engine/layout/shared_layout.hpp"
#include "shm/broadcast_ring.hpp"

namespace ose {
namespace {

constexpr uint64_t align_up(uint64_t n, uint64_t align) {
  return (n + align - 1) / align * align;
}

// Every gap the list leaves is one the compiler had to leave: each field starts at the first
// offset after the previous one that is a multiple of its own alignment (read off its offset,
// and never more than the struct's), and the struct ends at the first multiple of its alignment
// after the last field. An unlisted field in the middle of a struct leaves a gap no alignment
// explains.
template <size_t N>
std::string unexplained_gap(const shm::StructLayout<N>& s) {
  uint64_t end = 0;
  for (const shm::FieldLayout& f : s.fields) {
    const uint64_t lowest_bit = f.offset & (~f.offset + 1);
    const uint64_t align = f.offset == 0 ? s.align : std::min(lowest_bit, s.align);
    if (align_up(end, align) != f.offset) {
      return "gap of " + std::to_string(f.offset - end) + " bytes before " + std::string(f.name);
    }
    end = f.offset + f.size;
  }
  if (align_up(end, s.align) != s.size) {
    return "tail of " + std::to_string(s.size - end) + " bytes after the last field";
  }
  return "";
}

template <size_t N>
bool names_are_unique(const shm::StructLayout<N>& s) {
  std::set<std::string_view> names;
  for (const shm::FieldLayout& f : s.fields) {
    if (f.name.empty() || !names.insert(f.name).second) return false;
  }
  return true;
}

TEST(LayoutFingerprint, ListsEveryByteOfEverySharedStruct) {
  int structs = 0;
#define OSE_CHECK_STRUCT_(T, FIELDS)                                         \
  {                                                                          \
    constexpr auto layout = OSE_LAYOUT_OF(T, FIELDS);                        \
    ++structs;                                                               \
    EXPECT_TRUE(layout.in_order()) << #T;                                    \
    EXPECT_EQ(unexplained_gap(layout), "") << #T;                            \
    EXPECT_TRUE(names_are_unique(layout)) << #T;                             \
    /* Holes only where an alignas(64/128) puts a member on its own line: */ \
    EXPECT_TRUE(alignof(T) > 8 || layout.padding() == 0) << #T;              \
  }
  OSE_SHARED_STRUCTS(OSE_CHECK_STRUCT_)
#undef OSE_CHECK_STRUCT_
  EXPECT_EQ(structs, 45);  // 44th and 45th: the command-latency histogram and its counts
}

TEST(LayoutFingerprint, CountsEachCommandPayloadAtTheUnionsOffset) {
  constexpr auto payloads = OSE_LAYOUT_OF(Command, OSE_COMMAND_PAYLOAD_FIELDS);
  EXPECT_TRUE(payloads.overlays(offsetof(Command, bytes), sizeof(Command::bytes)));
  EXPECT_TRUE(names_are_unique(payloads));
  EXPECT_EQ(sizeof(payloads.fields) / sizeof(payloads.fields[0]), 15u);
}

TEST(LayoutFingerprint, NamesEveryFieldOfOrderRecordNotJustASample) {
  // The case: OrderRecord used to contribute only `status` and `filled_qty`.
  constexpr auto orders = OSE_LAYOUT_OF(OrderRecord, OSE_ORDER_RECORD_FIELDS);
  EXPECT_EQ(orders.listed_bytes(), sizeof(OrderRecord));
  std::set<std::string_view> names;
  for (const shm::FieldLayout& f : orders.fields) names.insert(f.name);
  for (std::string_view f : {"id", "side", "type", "tif", "status", "qty", "price", "filled_qty",
                             "expire_ts", "trig_next"}) {
    EXPECT_TRUE(names.count(f)) << f;
  }
}

TEST(LayoutFingerprint, IsTheOneBothSegmentIdentitiesCarry) {
  const uint64_t fp = shared_layout_fingerprint();
  EXPECT_EQ(state_segment_identity().layout_fingerprint, fp);
  EXPECT_EQ(client_segment_identity().layout_fingerprint, fp);
  EXPECT_NE(fp, shm::LayoutFingerprint{}.value());
}

}  // namespace
}  // namespace ose
