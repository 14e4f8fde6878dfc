// Per-record seqlock versions for the State tables that readers in other processes copy
// (DESIGN §6: "tables of fixed-size POD records, each guarded by a seqlock").
//
// The versions live outside the State region (in the state segment, beside it), so the
// region's bytes, its serialization and its hash are the same whether or not anyone watches.
// The engine applies each input to a private State and then publishes what the input wrote
// (write_log.hpp) into the shared region: each written record between an odd and an even
// version with relaxed atomic stores (shm/seqlock.hpp), everything else and the header's
// dynamic part inside the header's version, which is opened first and closed last. So a
// reader that copies a record between two equal even versions has a whole record as of some
// input boundary, and the header's version doubles as a global seqlock: a copy of the whole
// region made between two equal even header versions is the state after exactly one input.
// docs/design/0008-explicit-writes.md argues it.
#pragma once

#include <cstdint>

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
  kVenueOrderIds,      // per order slot: the venue's id of the order (records.hpp VenueId)
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

}  // namespace ose
