// Layout fingerprints: a constexpr hash of the sizeof/offsetof of every struct two processes
// share. Processes built from different headers compute different fingerprints, so attaching
// to a segment of another layout fails at attach instead of misreading memory.
//
// Each shared struct has one field list, an X-macro written next to the struct:
//
//   #define OSE_FOO_FIELDS(X) X(Foo, a) X(Foo, b) X(Foo, c)
//   OSE_LAYOUT_ASSERT(Foo, OSE_FOO_FIELDS, 0);  // 0: bytes of padding the struct has
//
// The fingerprint hashes OSE_LAYOUT_OF(Foo, OSE_FOO_FIELDS): every listed field's name, offset
// and size. OSE_LAYOUT_ASSERT makes "every field is listed" a compile-time fact rather than a
// promise. A sampled list is how two builds that differ only by a swap of two equal-sized fields
// used to attach to each other silently: the swap moved no sampled offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace ose::shm {

struct FieldLayout {
  std::string_view name;
  uint64_t offset;
  uint64_t size;
};

// A struct's size, alignment and listed fields, in the order listed.
template <size_t N>
struct StructLayout {
  uint64_t size;
  uint64_t align;
  FieldLayout fields[N];

  constexpr uint64_t listed_bytes() const noexcept {
    uint64_t sum = 0;
    for (const FieldLayout& f : fields) sum += f.size;
    return sum;
  }
  // Listed in declaration order, none overlapping the previous one, all inside the struct: then
  // size - listed_bytes() is exactly the bytes no listed field covers.
  constexpr bool in_order() const noexcept {
    uint64_t end = 0;
    for (const FieldLayout& f : fields) {
      if (f.offset < end) return false;
      end = f.offset + f.size;
    }
    return end <= size;
  }
  constexpr uint64_t padding() const noexcept { return size - listed_bytes(); }
  // The alternatives of a union: each starts at `offset` and fits in `bytes`.
  constexpr bool overlays(uint64_t offset, uint64_t bytes) const noexcept {
    for (const FieldLayout& f : fields) {
      if (f.offset != offset || f.size > bytes) return false;
    }
    return true;
  }
};

template <typename T, size_t N>
constexpr StructLayout<N> struct_layout(const FieldLayout (&fields)[N]) noexcept {
  StructLayout<N> s{sizeof(T), alignof(T), {}};
  for (size_t i = 0; i < N; ++i) s.fields[i] = fields[i];
  return s;
}

class LayoutFingerprint {
 public:
  // FNV-1a over the 8 little-endian bytes of each number, in the order they are added.
  constexpr LayoutFingerprint& add(uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) mix(static_cast<uint8_t>(v >> (8 * i)));
    return *this;
  }
  // A name: its length, then its bytes.
  constexpr LayoutFingerprint& add(std::string_view name) noexcept {
    add(name.size());
    for (char c : name) mix(static_cast<uint8_t>(c));
    return *this;
  }
  // Size, alignment, field count, then each field's name, offset and size. The names are what
  // tells a swap of two equal-sized fields: the (offset, size) pairs in declaration order are
  // the same before and after it. (Renaming a field changes the value too: it may have changed
  // meaning, and refusing to attach is the safe side.) The count keeps two adjacent structs from
  // hashing like one struct with the other's fields.
  template <size_t N>
  constexpr LayoutFingerprint& add(const StructLayout<N>& s) noexcept {
    add(s.size).add(s.align).add(N);
    for (const FieldLayout& f : s.fields) add(f.name).add(f.offset).add(f.size);
    return *this;
  }
  constexpr uint64_t value() const noexcept { return hash_; }

 private:
  constexpr void mix(uint8_t byte) noexcept {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ull;
  }
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace ose::shm

// Adds a struct's size, or a member's offset and size, to a LayoutFingerprint.
#define OSE_LAYOUT_SIZE(fp, T) (fp).add(sizeof(T)).add(alignof(T))
#define OSE_LAYOUT_FIELD(fp, T, f) (fp).add(offsetof(T, f)).add(sizeof(T::f))

// The StructLayout of T described by its field list LIST (an X-macro of X(T, field) entries).
#define OSE_LAYOUT_ENTRY_(T, f) ::ose::shm::FieldLayout{#f, offsetof(T, f), sizeof(T::f)},
#define OSE_LAYOUT_OF(T, LIST) ::ose::shm::struct_layout<T>({LIST(OSE_LAYOUT_ENTRY_)})

// The list's names, comma-separated: each entry yields ", f" and the empty first argument is
// dropped (a trailing comma is not allowed in a structured binding).
#define OSE_LAYOUT_NAME_(T, f) , f
#define OSE_LAYOUT_DROP_FIRST_(first, ...) __VA_ARGS__
#define OSE_LAYOUT_NAMES_(...) OSE_LAYOUT_DROP_FIRST_(__VA_ARGS__)

// Fails to compile unless LIST covers every byte of T but `padding_bytes`: entries in
// declaration order, none overlapping. With no padding this alone proves the list complete (an
// unlisted member would need bytes of its own); it is also the whole check for a struct with an
// anonymous union, which no structured binding can decompose (list the union's widest member).
#define OSE_LAYOUT_ASSERT_TILED(T, LIST, padding_bytes)                                \
  static_assert(OSE_LAYOUT_OF(T, LIST).in_order(), #T ": fields listed out of order"); \
  static_assert(OSE_LAYOUT_OF(T, LIST).padding() == (padding_bytes),                   \
                #T ": listed field sizes plus padding differ from sizeof")

// Fails to compile unless LIST names every non-static data member of T exactly once:
// - each entry must be a member (offsetof(T, f) compiles);
// - a structured binding of T with one name per entry compiles only when the count equals T's
//   member count (a member added to T but not to LIST: "N names provided ... decomposes into
//   N+1"), and it refuses a name given twice; this catches a member hidden in a padding hole,
//   which sizes alone cannot;
// - OSE_LAYOUT_ASSERT_TILED: the struct's holes are written down, and a change to one is seen.
#define OSE_LAYOUT_ASSERT(T, LIST, padding_bytes)                                                \
  static_assert(                                                                                 \
      std::is_invocable_v<decltype([](T& ose_layout_object_) {                                   \
                            [[maybe_unused]] auto& [OSE_LAYOUT_NAMES_(LIST(OSE_LAYOUT_NAME_))] = \
                                ose_layout_object_;                                              \
                          }),                                                                    \
                          T&>,                                                                   \
      #T ": its field list must name every member");                                             \
  OSE_LAYOUT_ASSERT_TILED(T, LIST, padding_bytes)
