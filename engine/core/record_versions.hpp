// Per-record seqlock versions for the State tables that readers in other processes copy
// (DESIGN §6: "tables of fixed-size POD records, each guarded by a seqlock").
//
// The versions live outside the State region (in the state segment, beside it), so the
// region's bytes, its serialization and its hash are the same whether or not anyone watches.
// apply() writes records in place with plain stores; State's mutable accessors call open() on
// the first access to a record during an input, which makes its version odd, and the Runner
// calls close_all() after the input, which makes every opened version even again. A reader
// that copies a record between two equal even versions therefore has a whole record as of
// some input boundary (seqlock.hpp explains the fences). The header's version is opened for
// every input, so it doubles as a global seqlock: a copy of the whole region made between two
// equal even header versions is the state after exactly one input.
//
// apply() itself stores with plain (non-atomic) writes: the readers are other processes, where
// the C++ memory model does not reach; the release fence in open() and the release store in
// close_all() are what order those stores on the hardware, exactly as in seqlock.hpp.
#pragma once

#include <atomic>
#include <cstdint>

#include "shm/seqlock.hpp"

namespace ose {

struct StateCapacities;

enum class VersionedTable : uint8_t {
  kHeader = 0,  // one version: the header's dynamic part, and the global seqlock
  kInstruments,
  kAccounts,
  kBalances,  // account × asset
  kStrategies,
  kPositions,          // account × instrument
  kStrategyPositions,  // strategy × instrument
  kMarkets,            // per instrument
  kOrders,             // per slot
  kCount
};
inline constexpr int kVersionedTableCount = static_cast<int>(VersionedTable::kCount);

// Where each table's versions start in the shared version array, and how many there are.
struct VersionLayout {
  uint32_t base[kVersionedTableCount];
  uint32_t total;

  static VersionLayout for_caps(const StateCapacities& caps) noexcept;  // state.cpp
  uint32_t index(VersionedTable t, uint32_t record) const noexcept {
    return base[static_cast<int>(t)] + record;
  }
};

// The writer's view: the engine thread only.
class RecordVersions {
 public:
  // `versions` points at `layout.total` zeroed atomics; `dirty` at as many uint32 scratch slots
  // (each record is opened at most once per input, so the list cannot overflow).
  RecordVersions(std::atomic<uint32_t>* versions, uint32_t* dirty,
                 const VersionLayout& layout) noexcept
      : versions_(versions), dirty_(dirty), layout_(layout) {}

  void open(VersionedTable t, uint32_t record) noexcept {
    const uint32_t i = layout_.index(t, record);
    // Relaxed: only this thread writes versions; an odd one was opened earlier in this input.
    const uint32_t v = versions_[i].load(std::memory_order_relaxed);
    if ((v & 1) != 0) return;
    shm::seqlock_write_begin(versions_[i]);
    dirty_[dirty_count_++] = i;
  }

  // Opens the header's version: the Runner calls it before each apply().
  void begin_input() noexcept { open(VersionedTable::kHeader, 0); }

  // Closes everything opened since begin_input(), the header last, so that a reader who sees
  // an even header version sees every record of that input closed too.
  void close_all() noexcept {
    for (uint32_t k = dirty_count_; k-- > 0;) shm::seqlock_write_end(versions_[dirty_[k]]);
    dirty_count_ = 0;
  }

  const VersionLayout& layout() const noexcept { return layout_; }

 private:
  std::atomic<uint32_t>* versions_;
  uint32_t* dirty_;
  VersionLayout layout_;
  uint32_t dirty_count_ = 0;
};

}  // namespace ose
