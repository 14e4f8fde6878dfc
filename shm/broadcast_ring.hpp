// BroadcastRing: one writer, any number of readers, each with its own cursor in its own
// process. The writer never waits for anyone: a reader that falls more than `capacity`
// records behind loses the oldest ones, detects it by sequence, and is told how many it lost.
//
// Each record is a small seqlock: the writer marks it busy, stores the payload with relaxed
// atomic stores, then publishes seq = position + 1 with release. A reader copies the payload
// with relaxed atomic loads and accepts it only if the record's seq is the one it expected
// both before and after the copy (see seqlock.hpp for why that is sound under the C++ memory
// model). Readers never write: they can map the ring PROT_READ.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>

#include "shm/layout.hpp"
#include "shm/seqlock.hpp"
#include "shm/spsc_ring.hpp"

namespace ose::shm {

struct BroadcastRingData {
  alignas(64) std::atomic<uint64_t> writer_head;  // writer writes: records published
  alignas(64) uint64_t capacity;                  // set once at creation
  uint64_t reserved[7];
  // RingRecord records[capacity] follow.

  RingRecord* records() noexcept { return reinterpret_cast<RingRecord*>(this + 1); }
  const RingRecord* records() const noexcept {
    return reinterpret_cast<const RingRecord*>(this + 1);
  }
  static size_t bytes_for(uint64_t capacity) noexcept {
    return sizeof(BroadcastRingData) + capacity * sizeof(RingRecord);
  }
  static BroadcastRingData* init(void* at, uint64_t capacity) noexcept {
    auto* d = static_cast<BroadcastRingData*>(at);
    d->writer_head.store(0, std::memory_order_relaxed);
    d->capacity = capacity;
    return d;
  }
};
// clang-format off
#define OSE_BROADCAST_RING_DATA_FIELDS(X)                                                         \
  X(ose::shm::BroadcastRingData, writer_head) X(ose::shm::BroadcastRingData, capacity)            \
  X(ose::shm::BroadcastRingData, reserved)
// clang-format on
OSE_LAYOUT_ASSERT(BroadcastRingData, OSE_BROADCAST_RING_DATA_FIELDS, 56);  // before capacity
static_assert(sizeof(BroadcastRingData) % 64 == 0);

// Marks a record whose payload is being rewritten. Never a valid position + 1.
inline constexpr uint64_t kRecordBusy = ~uint64_t{0};

class BroadcastWriter {
 public:
  BroadcastWriter() = default;
  BroadcastWriter(BroadcastRingData* data, uint64_t capacity) noexcept
      : data_(data), mask_(capacity - 1) {
    assert(is_power_of_two(capacity));
    head_ = data->writer_head.load(std::memory_order_relaxed);
  }

  // `bytes` must be a multiple of 8 and ≤ kRecordPayload.
  void publish(const void* payload, size_t bytes) noexcept {
    assert(bytes % 8 == 0 && bytes <= kRecordPayload);
    RingRecord& r = data_->records()[head_ & mask_];
    // Relaxed + release fence: the busy mark is ordered before the payload stores, so a reader
    // whose copy saw any of them sees seq != expected on its second look (seqlock.hpp).
    r.seq.store(kRecordBusy, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    relaxed_copy_in(r.payload, payload, bytes);
    ++head_;
    // SYNC(broadcast.publish): release. Pairs with SYNC(broadcast.read).
    r.seq.store(head_, std::memory_order_release);
    // Release: a reader that sees the new head and then the record sees the record's seq.
    data_->writer_head.store(head_, std::memory_order_release);
  }

  uint64_t head() const noexcept { return head_; }

 private:
  BroadcastRingData* data_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t head_ = 0;
};

class BroadcastReader {
 public:
  enum class Start : uint8_t { kNewest, kOldest };  // tail from now on, or from the oldest kept

  BroadcastReader() = default;
  BroadcastReader(const BroadcastRingData* data, uint64_t capacity, Start start) noexcept
      : data_(data), mask_(capacity - 1), capacity_(capacity) {
    assert(is_power_of_two(capacity));
    // Acquire: pairs with the writer's release of writer_head.
    const uint64_t head = data->writer_head.load(std::memory_order_acquire);
    cursor_ = start == Start::kNewest ? head : (head > capacity ? head - capacity : 0);
  }

  // Copies the next record into `out` (`bytes` a multiple of 8). kEmpty when caught up. When
  // the writer has lapped the reader, `lost` grows by the number of records skipped and the
  // reader resumes at the oldest record still kept.
  RingStatus poll(void* out, size_t bytes, uint64_t& lost) noexcept {
    for (;;) {
      const RingRecord& r = data_->records()[cursor_ & mask_];
      // SYNC(broadcast.read): acquire. Pairs with SYNC(broadcast.publish).
      const uint64_t s1 = r.seq.load(std::memory_order_acquire);
      if (s1 == cursor_ + 1) {
        relaxed_copy_out(out, r.payload, bytes);
        std::atomic_thread_fence(std::memory_order_acquire);
        if (r.seq.load(std::memory_order_relaxed) == s1) {
          ++cursor_;
          return RingStatus::kOk;
        }
      }
      // Not the record we expect: either not written yet, or overwritten by a later lap.
      const uint64_t head = data_->writer_head.load(std::memory_order_acquire);
      // Position cursor_ + capacity reuses our record; until the writer starts it (head reaches
      // that position) our record is either not yet published or published after our load of
      // s1: come back on the next poll.
      if (head <= cursor_ || head - cursor_ < capacity_) return RingStatus::kEmpty;
      // Lapped: jump past the records the writer may overwrite before we read them (a quarter
      // of the ring as margin) and report the gap.
      const uint64_t resume = head - capacity_ + capacity_ / 4;
      lost += resume - cursor_;
      cursor_ = resume;
    }
  }

  uint64_t cursor() const noexcept { return cursor_; }

 private:
  const BroadcastRingData* data_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t capacity_ = 0;
  uint64_t cursor_ = 0;
};

}  // namespace ose::shm
