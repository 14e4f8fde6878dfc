// Layout fingerprints: a constexpr hash of the sizeof/offsetof of every struct two processes
// share. Processes built from different headers compute different fingerprints, so attaching
// to a segment of another layout fails at attach instead of misreading memory.
#pragma once

#include <cstdint>

namespace ose::shm {

class LayoutFingerprint {
 public:
  // FNV-1a over the 8 little-endian bytes of each number, in the order they are added.
  constexpr LayoutFingerprint& add(uint64_t v) noexcept {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (v >> (8 * i)) & 0xFF;
      hash_ *= 0x100000001b3ull;
    }
    return *this;
  }
  constexpr uint64_t value() const noexcept { return hash_; }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace ose::shm

// Adds a struct's size, or a member's offset and size, to a LayoutFingerprint.
#define OSE_LAYOUT_SIZE(fp, T) (fp).add(sizeof(T)).add(alignof(T))
#define OSE_LAYOUT_FIELD(fp, T, f) (fp).add(offsetof(T, f)).add(sizeof(T::f))
