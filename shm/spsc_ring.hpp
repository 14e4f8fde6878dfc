// SpscRing: one producer process, one consumer process, fixed 128-byte records.
//
// Three parts (STYLE.md): SpscRingData lives in the segment; SpscProducer and SpscConsumer are
// the process-local views, each holding its own copy of the position it owns and of the
// capacity, so nothing the other side writes into shared memory can steer them out of bounds.
//
// The consumer polls the record's own `seq` word (Aeron/Disruptor style): a message costs one
// cache-line transfer instead of two (DESIGN §6 measured 205 ns vs 455 ns per round trip).
// `producer_head` and `consumer_tail` sit on their own cache lines: the consumer publishes
// `consumer_tail` so the producer knows which records it may reuse (the producer re-reads it
// only when its cached copy says the ring is full); the producer publishes `producer_head` for
// monitoring (ring depth) and for a producer that re-attaches after a crash.
//
// Record seq: the record at position p (index p & mask) holds seq = p + 1 once published.
// While the consumer waits for position t, the record at t & mask legitimately holds either
// t + 1 (ready), or the seq of the previous lap, t + 1 - capacity (0 on the first lap). Any
// other value cannot come from a correct producer: poll() reports kCorrupt.
#pragma once

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "shm/layout.hpp"

namespace ose::shm {

inline constexpr size_t kRecordSize = 128;
inline constexpr size_t kRecordPayload = 120;

struct alignas(64) RingRecord {
  std::atomic<uint64_t> seq;  // position + 1 once published; written last, with release
  uint8_t payload[kRecordPayload];
};
#define OSE_RING_RECORD_FIELDS(X) X(ose::shm::RingRecord, seq) X(ose::shm::RingRecord, payload)
OSE_LAYOUT_ASSERT(RingRecord, OSE_RING_RECORD_FIELDS, 0);
static_assert(sizeof(RingRecord) == kRecordSize);

// The two positions are 128 bytes apart, not 64: the adjacent-line prefetcher pairs 64-byte
// lines, and each side writes its position on every message.
struct SpscRingData {
  alignas(128) std::atomic<uint64_t> producer_head;  // producer writes: records published
  alignas(128) std::atomic<uint64_t> consumer_tail;  // consumer writes: records consumed
  alignas(128) uint64_t capacity;                    // set once at creation (informational)
  uint64_t reserved[15];
  // RingRecord records[capacity] follow.

  RingRecord* records() noexcept { return reinterpret_cast<RingRecord*>(this + 1); }
  const RingRecord* records() const noexcept {
    return reinterpret_cast<const RingRecord*>(this + 1);
  }
  static size_t bytes_for(uint64_t capacity) noexcept {
    return sizeof(SpscRingData) + capacity * sizeof(RingRecord);
  }
  // Initializes a zeroed region (the creator does this before anyone attaches).
  static SpscRingData* init(void* at, uint64_t capacity) noexcept {
    auto* d = static_cast<SpscRingData*>(at);
    d->producer_head.store(0, std::memory_order_relaxed);
    d->consumer_tail.store(0, std::memory_order_relaxed);
    d->capacity = capacity;
    return d;
  }
};
// clang-format off
#define OSE_SPSC_RING_DATA_FIELDS(X)                                                              \
  X(ose::shm::SpscRingData, producer_head) X(ose::shm::SpscRingData, consumer_tail)               \
  X(ose::shm::SpscRingData, capacity) X(ose::shm::SpscRingData, reserved)
// clang-format on
// 120 bytes before each of consumer_tail and capacity.
OSE_LAYOUT_ASSERT(SpscRingData, OSE_SPSC_RING_DATA_FIELDS, 240);
static_assert(offsetof(SpscRingData, consumer_tail) - offsetof(SpscRingData, producer_head) >= 128);
static_assert(sizeof(SpscRingData) % 64 == 0);

inline constexpr bool is_power_of_two(uint64_t v) noexcept {
  return v != 0 && (v & (v - 1)) == 0;
}

enum class RingStatus : uint8_t {
  kOk = 0,
  kEmpty = 1,    // poll: nothing published yet
  kFull = 2,     // push: every record still unconsumed
  kCorrupt = 3,  // the other side's shared words are impossible: a protocol violation
};

class SpscProducer {
 public:
  SpscProducer() = default;
  // `capacity` comes from the producer's own configuration, never from the segment.
  SpscProducer(SpscRingData* data, uint64_t capacity) noexcept
      : data_(data), mask_(capacity - 1), capacity_(capacity) {
    assert(is_power_of_two(capacity));
    // Acquire: positions at attach time, ordered after whatever the previous producer wrote. A
    // re-attaching producer continues after the last record its predecessor published (it may
    // have died between publishing the record and the head).
    head_ = data->producer_head.load(std::memory_order_acquire);
    while (data_->records()[head_ & mask_].seq.load(std::memory_order_acquire) == head_ + 1) {
      ++head_;
    }
    cached_tail_ = data->consumer_tail.load(std::memory_order_acquire);
  }

  // Copies `bytes` (≤ kRecordPayload) into the next record and publishes it.
  RingStatus try_push(const void* payload, size_t bytes) noexcept {
    assert(bytes <= kRecordPayload);
    if (head_ - cached_tail_ >= capacity_) {
      // SYNC(spsc.reuse): acquire. Pairs with SYNC(spsc.consumed): the consumer's copy of the
      // record we are about to overwrite happened before.
      const uint64_t tail = data_->consumer_tail.load(std::memory_order_acquire);
      if (tail > head_ || head_ - tail > capacity_) return RingStatus::kCorrupt;
      cached_tail_ = tail;
      if (head_ - cached_tail_ >= capacity_) return RingStatus::kFull;
    }
    RingRecord& r = data_->records()[head_ & mask_];
    std::memcpy(r.payload, payload, bytes);
    ++head_;
    // SYNC(spsc.publish): release. Pairs with SYNC(spsc.poll): the payload is visible before
    // the seq that announces it.
    r.seq.store(head_, std::memory_order_release);
    // Relaxed: monitoring only; nobody orders other data by it.
    data_->producer_head.store(head_, std::memory_order_relaxed);
    return RingStatus::kOk;
  }

  uint64_t head() const noexcept { return head_; }
  // Records published and not yet consumed, as last seen (cheap: no shared read).
  uint64_t depth_cached() const noexcept { return head_ - cached_tail_; }

 private:
  SpscRingData* data_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t capacity_ = 0;
  uint64_t head_ = 0;
  uint64_t cached_tail_ = 0;
};

class SpscConsumer {
 public:
  SpscConsumer() = default;
  // `capacity` comes from the consumer's own configuration, never from the segment. A
  // re-attaching consumer skips what its predecessor left unread (`skip_backlog`).
  SpscConsumer(SpscRingData* data, uint64_t capacity, bool skip_backlog = false) noexcept
      : data_(data), mask_(capacity - 1), capacity_(capacity) {
    assert(is_power_of_two(capacity));
    tail_ = data->consumer_tail.load(std::memory_order_acquire);
    if (skip_backlog) {
      const uint64_t head = data->producer_head.load(std::memory_order_acquire);
      if (head > tail_ && head - tail_ <= capacity_) tail_ = head;
      data_->consumer_tail.store(tail_, std::memory_order_release);
    }
  }

  // Copies the next record's first `bytes` (≤ kRecordPayload) into `out` and consumes it.
  RingStatus poll(void* out, size_t bytes) noexcept {
    assert(bytes <= kRecordPayload);
    const RingRecord& r = data_->records()[tail_ & mask_];
    // SYNC(spsc.poll): acquire. Pairs with SYNC(spsc.publish).
    const uint64_t seq = r.seq.load(std::memory_order_acquire);
    if (seq != tail_ + 1) {
      const uint64_t previous_lap = tail_ >= capacity_ ? tail_ + 1 - capacity_ : 0;
      return seq == previous_lap ? RingStatus::kEmpty : RingStatus::kCorrupt;
    }
    std::memcpy(out, r.payload, bytes);
    ++tail_;
    // SYNC(spsc.consumed): release. Pairs with SYNC(spsc.reuse): our copy is complete before
    // the producer may overwrite the record.
    data_->consumer_tail.store(tail_, std::memory_order_release);
    return RingStatus::kOk;
  }

  // Copies the first `bytes` of the record `ahead` places after the next one (0: the next) without
  // consuming anything: kOk if it is published. The producer cannot reuse a record before it is
  // consumed, so poll() later returns the same bytes; a consumer uses the copy only as a hint.
  RingStatus peek(uint64_t ahead, void* out, size_t bytes) const noexcept {
    assert(bytes <= kRecordPayload);
    if (ahead >= capacity_) return RingStatus::kEmpty;
    const uint64_t at = tail_ + ahead;
    const RingRecord& r = data_->records()[at & mask_];
    // SYNC(spsc.poll): acquire, as poll(): a published record's payload is visible.
    if (r.seq.load(std::memory_order_acquire) != at + 1) return RingStatus::kEmpty;
    std::memcpy(out, r.payload, bytes);
    return RingStatus::kOk;
  }

  uint64_t tail() const noexcept { return tail_; }
  // Published and unread, from the producer's monitoring word; clamped, since that word may be
  // garbage when the producer is hostile.
  uint64_t depth() const noexcept {
    // Relaxed: a statistic.
    const uint64_t head = data_->producer_head.load(std::memory_order_relaxed);
    return head > tail_ && head - tail_ <= capacity_ ? head - tail_ : 0;
  }

 private:
  SpscRingData* data_ = nullptr;
  uint64_t mask_ = 0;
  uint64_t capacity_ = 0;
  uint64_t tail_ = 0;
};

}  // namespace ose::shm
