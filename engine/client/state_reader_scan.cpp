// StateReader::count_orders_by_status(): the order table's status figures without copying it.
// One pass, each slot's id and status read together under the slot's own seqlock, and the
// header's version around the whole pass: a busy engine changes some slot within microseconds,
// so a pass over tens of thousands of slots rarely fits between two inputs, and retrying it
// would only double the cost (docs/PERFORMANCE.md, "Issue 19"). A caller that counts often
// keeps a tally between calls and reads only the slots whose version moved.
#include <algorithm>
#include <cstring>

#include "engine/client/state_reader.hpp"
#include "shm/seqlock.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace ose {

namespace {

static_assert(offsetof(OrderRecord, id) % 8 == 0 && alignof(OrderRecord) >= 8);
static_assert(offsetof(OrderRecord, id) / 64 == offsetof(OrderRecord, status) / 64,
              "id and status share a cache line: the pass touches one line per slot");
constexpr size_t kIdWord = offsetof(OrderRecord, id) / 8;
constexpr size_t kStatusWord = offsetof(OrderRecord, status) / 8;
constexpr size_t kStatusByte = offsetof(OrderRecord, status) % 8;

struct IdStatus {
  uint64_t id;
  uint8_t status;
};

// Relaxed loads of the two words: the caller validates them under the slot's seqlock.
IdStatus load_id_status(const OrderRecord& o) noexcept {
  const auto* w = reinterpret_cast<const shm::AliasingWord*>(&o);
  const uint64_t id = __atomic_load_n(&w[kIdWord], __ATOMIC_RELAXED);
  const uint64_t word = __atomic_load_n(&w[kStatusWord], __ATOMIC_RELAXED);
  unsigned char bytes[8];
  std::memcpy(bytes, &word, sizeof bytes);  // the status byte as it lies in memory
  return {id, bytes[kStatusByte]};
}

// The slot's id and status, whole (from one input), and the even version they were read
// under; or false if the engine held the slot mid-write throughout (bounded as
// shm::seqlock_read: stuck or dead mid-input).
bool read_id_status(const std::atomic<uint32_t>& version, const OrderRecord& o, IdStatus& out,
                    uint32_t& read_at) noexcept {
  for (uint32_t tries = 0; tries < (1u << 20); ++tries) {
    // SYNC(seqlock.read): acquire. Pairs with SYNC(seqlock.end).
    const uint32_t s1 = version.load(std::memory_order_acquire);
    if ((s1 & 1) == 0) {
      out = load_id_status(o);
      // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
      std::atomic_thread_fence(std::memory_order_acquire);
      if (version.load(std::memory_order_relaxed) == s1) {
        read_at = s1;
        return true;
      }
    }
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#endif
  }
  return false;
}

using Tally = StateReader::OrderStatusTally;

// Moves `slot` from the bucket it was counted in to `now`'s.
void recount(Tally& t, uint32_t slot, uint8_t now) noexcept {
  if (t.counted[slot] != Tally::kNotCounted) --t.by_status[t.counted[slot]];
  if (now != Tally::kNotCounted) ++t.by_status[now];
  t.counted[slot] = now;
}

}  // namespace

Result<StateReader::OrderStatusCounts> StateReader::count_orders_by_status() const {
  OrderStatusTally first;
  return count_orders_by_status(first);
}

Result<StateReader::OrderStatusCounts> StateReader::count_orders_by_status(
    OrderStatusTally& t) const {
  const std::atomic<uint32_t>& global = versions_[layout_.index(VersionedTable::kHeader, 0)];
  const std::atomic<uint32_t>* versions = &versions_[layout_.index(VersionedTable::kOrders, 0)];
  const OrderRecord* orders = &state_.order_at(0);
  const uint32_t v1 = even_global_version();
  StateHeader h;
  shm::relaxed_copy_out(&h, &state_.header(), sizeof h);
  // The header copy may be torn unless the check below passes: table_rows() bounds what it
  // reads, and slots past the real next_unused_slot were never used (id 0, not counted).
  const uint32_t rows = table_rows(VersionedTable::kOrders, h);
  // Fewer slots used than last time (a restore): those past the end no longer count, as in a
  // full pass; forgetting them also forgets their versions, so they are read again if reused.
  for (uint32_t slot = rows; slot < t.counted.size(); ++slot) {
    recount(t, slot, Tally::kNotCounted);
  }
  t.versions.resize(rows, 1);
  t.counted.resize(rows, Tally::kNotCounted);
  for (uint32_t slot = 0; slot < rows; ++slot) {
    // Relaxed: a version equal to the even one the slot was last read under means the engine
    // has not written the slot since (every write moves it: record_versions.hpp), so the
    // status counted then is still the slot's. A stale load only dates the count earlier; the
    // header's version around the pass says whether it is of one input boundary.
    const uint32_t v = versions[slot].load(std::memory_order_relaxed);
    // An odd `v` is a write in progress (or a slot never read, whose version is odd): read it.
    if (v == t.versions[slot] && (v & 1) == 0) continue;
    IdStatus o{};
    if (!read_id_status(versions[slot], orders[slot], o, t.versions[slot])) {
      return Error{"the engine held an order slot mid-write for too long: is it stuck?"};
    }
    recount(t, slot, o.id != 0 && o.status < kOrderStatusCount ? o.status : Tally::kNotCounted);
  }
  // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
  std::atomic_thread_fence(std::memory_order_acquire);
  OrderStatusCounts out{};
  std::copy(std::begin(t.by_status), std::end(t.by_status), std::begin(out.by_status));
  out.consistent = (v1 & 1) == 0 && global.load(std::memory_order_relaxed) == v1;
  if (!out.consistent && !read_state_header(h)) {
    return Error{"the engine held its header mid-write for too long: is it stuck?"};
  }
  out.seq = h.seq;
  return out;
}

}  // namespace ose
