// The engine State: one contiguous region of fixed-capacity POD tables, laid out from the
// config at start-up and never reallocated. The region holds no pointers (only offsets in its
// header and indices in its records), so it can live in a heap buffer or, unchanged, in a
// shared-memory segment. `State` is the process-local view over it: typed accessors computed
// from the header's offsets.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/record_versions.hpp"
#include "engine/core/records.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state_indices.hpp"
#include "engine/core/state_spec.hpp"
#include "engine/core/write_log.hpp"
#include "shm/layout.hpp"

namespace ose {

inline constexpr uint64_t kStateMagic = 0x3130'4554'4154'5345ull;  // "ESTATE01" little-endian
// 2: the header counts one more reject reason (ROLE_NOT_PERMITTED) and one more alert
// (FILL_PRICE_OUTSIDE_LIMIT); a snapshot of version 1 has the shorter header.
// 3: venue ids are strings (VenueId): TradeRecord and TradeIndexEntry changed, the order's
// venue id moved to the venue_order_ids table.
// 4: both index entries are 8 bytes (a 32-bit hash and the slot or ring position), not 16; the
// header keeps each ring's position next to its counter.
// 5: the header counts the used order slots by their order's status (orders_by_status).
inline constexpr uint32_t kStateLayoutVersion = 5;

struct StateCapacities {
  uint32_t assets;
  uint32_t instruments;
  uint32_t accounts;
  uint32_t strategies;
  uint32_t clients;
  uint32_t orders;
  uint32_t trades;
  uint32_t ledger;
  uint32_t order_index;  // power of two ≥ 2 × orders
  uint32_t trade_index;  // power of two ≥ 2 × trades
};
// clang-format off
#define OSE_STATE_CAPACITIES_FIELDS(X)                                                            \
  X(StateCapacities, assets) X(StateCapacities, instruments) X(StateCapacities, accounts)         \
  X(StateCapacities, strategies) X(StateCapacities, clients) X(StateCapacities, orders)           \
  X(StateCapacities, trades) X(StateCapacities, ledger) X(StateCapacities, order_index)           \
  X(StateCapacities, trade_index)
// clang-format on
OSE_LAYOUT_ASSERT(StateCapacities, OSE_STATE_CAPACITIES_FIELDS, 0);

// Byte offsets of every table from the start of the region.
struct StateOffsets {
  uint64_t assets, instruments, accounts, balances, strategies, clients, positions,
      strategy_positions, markets, trigger_books, orders, venue_order_ids, retire_ring, order_index,
      trades, trade_index, ledger, end;
};
// clang-format off
#define OSE_STATE_OFFSETS_FIELDS(X)                                                               \
  X(StateOffsets, assets) X(StateOffsets, instruments) X(StateOffsets, accounts)                  \
  X(StateOffsets, balances) X(StateOffsets, strategies) X(StateOffsets, clients)                  \
  X(StateOffsets, positions) X(StateOffsets, strategy_positions) X(StateOffsets, markets)         \
  X(StateOffsets, trigger_books) X(StateOffsets, orders) X(StateOffsets, venue_order_ids)         \
  X(StateOffsets, retire_ring) X(StateOffsets, order_index) X(StateOffsets, trades)               \
  X(StateOffsets, trade_index) X(StateOffsets, ledger) X(StateOffsets, end)
// clang-format on
OSE_LAYOUT_ASSERT(StateOffsets, OSE_STATE_OFFSETS_FIELDS, 0);

// The next position of a ring of `capacity` entries after `pos`, without a division.
constexpr uint32_t ring_next(uint32_t pos, uint32_t capacity) noexcept {
  return pos + 1 == capacity ? 0 : pos + 1;
}

struct StateHeader {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t reserved0;
  StateCapacities caps;
  StateOffsets offsets;

  // ---- dynamic part: everything below changes with inputs and is serialized ----
  uint64_t seq;               // last applied input
  int64_t last_ts;            // ts of the last applied input
  uint32_t next_unused_slot;  // order slots [0, next_unused_slot) have been used at least once
  uint32_t live_head;         // intrusive list of non-terminal orders, oldest first
  uint32_t live_tail;
  uint32_t live_count;
  uint64_t retire_head;     // FIFO of terminal order slots, reclaimed oldest first when the never-
  uint64_t retire_tail;     //   used slots run out; counters, position = counter % caps.orders
  uint64_t trades_written;  // FIFO ring of applied trades (dedup window)
  uint64_t ledger_written;  // ledger ring
  // Where each ring writes or reads next: its counter % its capacity, kept so that the writer
  // never divides (a 64-bit division is 15–40 cycles, and a fill posts half a dozen entries).
  uint32_t trades_pos;
  uint32_t ledger_pos;
  uint32_t retire_head_pos;
  uint32_t retire_tail_pos;
  int64_t next_expiry_ts;  // earliest expire_ts among live GTD orders; INT64_MAX if none
  uint32_t gtd_count;
  uint8_t halted_global;
  uint8_t persistence_stopped;  // set and cleared by kPersistence inputs
  uint8_t reserved1[2];
  uint64_t inputs_applied;
  uint64_t illegal_transitions;
  // The used order slots ([0, next_unused_slot)) by their order's status: derived from the
  // order table, kept by the engine at each status change and slot reuse (set_status() and
  // alloc_order_slot(), apply_context.hpp) so that a reader has the figures from the header in
  // O(1) instead of a pass over the table. Serialized and hashed with the rest of the header;
  // restore() checks them against a recount.
  uint32_t orders_by_status[kOrderStatusCount];
  uint32_t reserved2;  // keeps rejects[] 8-byte aligned (kOrderStatusCount is odd)
  uint64_t rejects[kRejectReasonCount];
  uint64_t alerts[kAlertReasonCount];
};
// clang-format off
#define OSE_STATE_HEADER_FIELDS(X)                                                                \
  X(StateHeader, magic) X(StateHeader, layout_version) X(StateHeader, reserved0)                  \
  X(StateHeader, caps) X(StateHeader, offsets) X(StateHeader, seq) X(StateHeader, last_ts)        \
  X(StateHeader, next_unused_slot) X(StateHeader, live_head) X(StateHeader, live_tail)            \
  X(StateHeader, live_count) X(StateHeader, retire_head) X(StateHeader, retire_tail)              \
  X(StateHeader, trades_written) X(StateHeader, ledger_written) X(StateHeader, trades_pos)        \
  X(StateHeader, ledger_pos) X(StateHeader, retire_head_pos) X(StateHeader, retire_tail_pos)      \
  X(StateHeader, next_expiry_ts)                                                                  \
  X(StateHeader, gtd_count) X(StateHeader, halted_global) X(StateHeader, persistence_stopped)     \
  X(StateHeader, reserved1) X(StateHeader, inputs_applied) X(StateHeader, illegal_transitions)    \
  X(StateHeader, orders_by_status) X(StateHeader, reserved2) X(StateHeader, rejects)              \
  X(StateHeader, alerts)
// clang-format on
OSE_LAYOUT_ASSERT(StateHeader, OSE_STATE_HEADER_FIELDS, 0);
static_assert(std::has_unique_object_representations_v<StateHeader>);

// Owns a zeroed, 64-byte aligned heap region. (The shared-memory segment is the other owner.)
struct AlignedFree {
  void operator()(std::byte* p) const noexcept;
};
using RegionPtr = std::unique_ptr<std::byte[], AlignedFree>;

class State {
 public:
  // Lays out and initializes a region for `config`: configured tables filled, initial balances
  // posted as deposits (seq 0). Cold path: allocates once.
  static Result<State> create(const StateSpec& spec);
  // Size and layout for a config without allocating (the shared-memory segment uses it).
  static StateCapacities capacities_for(const StateSpec& spec) noexcept;
  static StateOffsets layout_for(const StateCapacities& caps) noexcept;

  State(State&&) noexcept = default;
  State& operator=(State&&) noexcept = default;

  // Reads. Every accessor that is not named edit_… is const and returns const data, so a write
  // through a read accessor does not compile. Reading opens no seqlock version and marks
  // nothing for publication (record_versions.hpp).
  const StateHeader& header() const noexcept {
    return *reinterpret_cast<const StateHeader*>(base_);
  }
  const StateCapacities& caps() const noexcept { return header().caps; }
  std::byte* region() noexcept { return base_; }
  const std::byte* region() const noexcept { return base_; }
  uint64_t region_size() const noexcept { return header().offsets.end; }

  uint16_t asset_count() const noexcept { return static_cast<uint16_t>(caps().assets); }
  uint16_t instrument_count() const noexcept { return static_cast<uint16_t>(caps().instruments); }
  uint16_t account_count() const noexcept { return static_cast<uint16_t>(caps().accounts); }
  uint16_t strategy_count() const noexcept { return static_cast<uint16_t>(caps().strategies); }
  uint16_t client_count() const noexcept { return static_cast<uint16_t>(caps().clients); }

  // Typed tables, read-only. Indices are trusted here: apply() checks them against the counts
  // first.
  const AssetRecord& asset(uint16_t i) const noexcept {
    return ctable<AssetRecord>(&StateOffsets::assets)[i];
  }
  const InstrumentRecord& instrument(uint16_t i) const noexcept {
    return ctable<InstrumentRecord>(&StateOffsets::instruments)[i];
  }
  const AccountRecord& account(uint16_t i) const noexcept {
    return ctable<AccountRecord>(&StateOffsets::accounts)[i];
  }
  const BalanceRecord& balance(uint16_t a, uint16_t s) const noexcept {
    return ctable<BalanceRecord>(&StateOffsets::balances)[a * caps().assets + s];
  }
  const StrategyRecord& strategy(uint16_t i) const noexcept {
    return ctable<StrategyRecord>(&StateOffsets::strategies)[i];
  }
  const ClientRecord& client(uint16_t i) const noexcept {
    return ctable<ClientRecord>(&StateOffsets::clients)[i];
  }
  const PositionRecord& position(uint16_t a, uint16_t i) const noexcept {
    return ctable<PositionRecord>(&StateOffsets::positions)[a * caps().instruments + i];
  }
  const PositionRecord& strategy_position(uint16_t s, uint16_t i) const noexcept {
    return ctable<PositionRecord>(&StateOffsets::strategy_positions)[s * caps().instruments + i];
  }
  const MarketRecord& market(uint16_t i) const noexcept {
    return ctable<MarketRecord>(&StateOffsets::markets)[i];
  }
  const TriggerBookRecord& trigger_book(uint16_t i) const noexcept {
    return ctable<TriggerBookRecord>(&StateOffsets::trigger_books)[i];
  }
  const OrderRecord& order_at(uint32_t slot) const noexcept {
    return ctable<OrderRecord>(&StateOffsets::orders)[slot];
  }
  const VenueId& venue_order_id(uint32_t slot) const noexcept {
    return ctable<VenueId>(&StateOffsets::venue_order_ids)[slot];
  }
  const uint32_t* retire_ring() const noexcept {
    return ctable<uint32_t>(&StateOffsets::retire_ring);
  }
  const LedgerEntry* ledger() const noexcept { return ctable<LedgerEntry>(&StateOffsets::ledger); }
  const TradeRecord* trades() const noexcept { return ctable<TradeRecord>(&StateOffsets::trades); }

  // Writes: the only way to get a mutable reference into the region. Each call marks what it
  // hands out as written in this input (the record's version, or its bytes), so nothing written
  // can miss publication.
  StateHeader& edit_header() noexcept { return *reinterpret_cast<StateHeader*>(base_); }
  AssetRecord& edit_asset(uint16_t i) noexcept {
    return mark(table<AssetRecord>(&StateOffsets::assets)[i]);
  }
  InstrumentRecord& edit_instrument(uint16_t i) noexcept {
    return touch(VersionedTable::kInstruments, i,
                 table<InstrumentRecord>(&StateOffsets::instruments)[i]);
  }
  AccountRecord& edit_account(uint16_t i) noexcept {
    return touch(VersionedTable::kAccounts, i, table<AccountRecord>(&StateOffsets::accounts)[i]);
  }
  BalanceRecord& edit_balance(uint16_t account, uint16_t asset) noexcept {
    return touch(VersionedTable::kBalances, account * caps().assets + asset,
                 table<BalanceRecord>(&StateOffsets::balances)[account * caps().assets + asset]);
  }
  StrategyRecord& edit_strategy(uint16_t i) noexcept {
    return touch(VersionedTable::kStrategies, i,
                 table<StrategyRecord>(&StateOffsets::strategies)[i]);
  }
  ClientRecord& edit_client(uint16_t i) noexcept {
    return mark(table<ClientRecord>(&StateOffsets::clients)[i]);
  }
  PositionRecord& edit_position(uint16_t account, uint16_t instrument) noexcept {
    return touch(
        VersionedTable::kPositions, account * caps().instruments + instrument,
        table<PositionRecord>(&StateOffsets::positions)[account * caps().instruments + instrument]);
  }
  PositionRecord& edit_strategy_position(uint16_t strategy, uint16_t instrument) noexcept {
    return touch(
        VersionedTable::kStrategyPositions, strategy * caps().instruments + instrument,
        table<PositionRecord>(
            &StateOffsets::strategy_positions)[strategy * caps().instruments + instrument]);
  }
  MarketRecord& edit_market(uint16_t instrument) noexcept {
    return touch(VersionedTable::kMarkets, instrument,
                 table<MarketRecord>(&StateOffsets::markets)[instrument]);
  }
  TriggerBookRecord& edit_trigger_book(uint16_t instrument) noexcept {
    return mark(table<TriggerBookRecord>(&StateOffsets::trigger_books)[instrument]);
  }
  OrderRecord& edit_order_at(uint32_t slot) noexcept {
    return touch(VersionedTable::kOrders, slot, table<OrderRecord>(&StateOffsets::orders)[slot]);
  }
  // The venue's id of the order in `slot`: its own table and its own version per slot, so the
  // OrderRecord every input touches stays three cache lines (0001, "Venue ids").
  VenueId& edit_venue_order_id(uint32_t slot) noexcept {
    return touch(VersionedTable::kVenueOrderIds, slot,
                 table<VenueId>(&StateOffsets::venue_order_ids)[slot]);
  }
  uint32_t& edit_retire_ring(uint64_t pos) noexcept {
    return mark(table<uint32_t>(&StateOffsets::retire_ring)[pos]);
  }
  LedgerEntry& edit_ledger(uint64_t pos) noexcept {
    return mark(table<LedgerEntry>(&StateOffsets::ledger)[pos]);
  }

  // Live order by engine id: nullptr if the slot is out of range or reused (generation differs).
  const OrderRecord* find_order(uint64_t id) const noexcept;
  // Order by (client, cl_id) while it is in the table.
  const OrderRecord* find_order(uint16_t client, uint64_t cl_id) const noexcept;
  // The same lookups for writing: the order found (only) is marked as written.
  OrderRecord* edit_order(uint64_t id) noexcept;
  OrderRecord* edit_order(uint16_t client, uint64_t cl_id) noexcept;

  // Cold-path name lookups (scenario parsing, tools): kNoIndex if unknown.
  uint16_t find_asset(std::string_view code) const noexcept;
  uint16_t find_instrument(std::string_view symbol) const noexcept;
  uint16_t find_account(std::string_view name) const noexcept;
  uint16_t find_strategy(std::string_view name) const noexcept;
  uint16_t find_client(std::string_view name) const noexcept;

  // (client, cl_id) index maintenance; used by apply() and by restore. Insert after the order in
  // `slot` carries (client, cl_id); false if the pair is indexed already. Erase names the slot
  // the entry points at.
  bool index_insert(uint16_t client, uint64_t cl_id, uint32_t slot) noexcept;
  void index_erase(uint16_t client, uint64_t cl_id, uint32_t slot) noexcept;
  // Where a lookup of (client, cl_id) or of a trade id starts: what prefetch.hpp fetches early.
  const ClientOrderIndexEntry* order_index_home(uint16_t client, uint64_t cl_id) const noexcept;
  const TradeIndexEntry* trade_index_home(uint16_t instrument, const VenueId& id) const noexcept;
  // Trade-id dedup window maintenance. Exact: the index finds candidates by a 64-bit hash, the
  // full id in the trade ring decides, so two ids with equal hashes are still two trades.
  bool trade_seen(uint16_t instrument, const VenueId& trade_id) const noexcept;
  // Returns the trade's number in the window, 1-based (Event::trade_seq).
  uint64_t trade_remember(uint16_t instrument, const VenueId& trade_id, uint64_t order_id) noexcept;
  // The trade numbered `trade_seq` while the window still holds it; nullptr once it has been
  // overwritten (or for 0 / a number not yet written).
  const TradeRecord* trade(uint64_t trade_seq) const noexcept;

  // Deep copy into a new region (tests, tools, recovery checks).
  Result<State> clone() const;
  // A private copy of a region another thread or process may be writing (the state segment),
  // read only with relaxed atomic loads (shm::relaxed_copy_out): its first `prefix` bytes, the
  // rest zero. `size` is the region's size, which the caller knows from elsewhere. Whether the
  // copy is consistent is the caller's business (a seqlock around it).
  static Result<State> copy_shared(const std::byte* region, uint64_t size, uint64_t prefix);

  // Canonical serialization: header + every table's used part, excluding the two hash indices,
  // which are derived data and rebuilt on restore. Same inputs ⇒ same bytes.
  std::string serialize() const;
  // The same bytes appended to `out` (whose capacity a caller can keep between snapshots).
  void serialize_into(std::string& out) const;
  // Restores into this State, whose capacities must match the serialized ones.
  Result<bool> restore(std::string_view bytes);
  // Empty when every index, enum and intrusive list in the State is consistent; otherwise what
  // is wrong. restore() refuses a snapshot that fails it.
  std::string integrity_problem() const;
  // The used order slots by their order's status, counted from the table (one pass): what
  // StateHeader::orders_by_status must equal. Slots with id 0 (never an order) are not counted;
  // a status outside OrderStatus is not counted either (integrity_problem() reports it).
  std::array<uint32_t, kOrderStatusCount> recount_orders_by_status() const noexcept;
  // xxHash3-64 over serialize()'s bytes (streamed, nothing materialized).
  uint64_t hash() const noexcept;

  // Attaches to a region another owner laid out (the shared-memory segment).
  static State view(std::byte* region) noexcept { return State(region, RegionPtr{}); }

  // From now on every edit_… call logs what it hands out (write_log.hpp); nullptr stops
  // logging. Only the shared-memory engine sets it, on its private State.
  void log_writes(WriteLog* log) noexcept { log_ = log; }

 private:
  State(std::byte* base, RegionPtr owned) noexcept : base_(base), owned_(std::move(owned)) {}
  template <typename T>
  T* table(uint64_t StateOffsets::*field) noexcept {
    return reinterpret_cast<T*>(base_ + header().offsets.*field);
  }
  template <typename T>
  const T* ctable(uint64_t StateOffsets::*field) const noexcept {
    return reinterpret_cast<const T*>(base_ + header().offsets.*field);
  }
  // A write to a record under its own version.
  template <typename T>
  T& touch(VersionedTable t, uint32_t record, T& r) noexcept {
    if (log_ != nullptr) log_->record(t, record, offset_of(&r), sizeof(T));
    return r;
  }
  // A write to bytes no per-record version guards.
  template <typename T>
  T& mark(T& bytes) noexcept {
    if (log_ != nullptr) log_->bytes(offset_of(&bytes), sizeof(T));
    return bytes;
  }
  uint64_t offset_of(const void* p) const noexcept {
    return static_cast<uint64_t>(static_cast<const std::byte*>(p) - base_);
  }
  // The index views report each entry they store (OpenAddressingIndex's write hook).
  static void index_entry_written(void* self, const void* entry, uint32_t bytes) noexcept;
  TradeRecord& edit_trade(uint64_t pos) noexcept {
    return mark(table<TradeRecord>(&StateOffsets::trades)[pos]);
  }
  void rebuild_indices() noexcept;
  const ClientOrderIndexEntry* order_index_find(uint16_t client, uint64_t cl_id) const noexcept;
  // Views over the two index tables of the region.
  ClientOrderIndex order_index_view() noexcept;
  TradeIndex trade_index_view() noexcept;
  const ClientOrderIndex order_index_view() const noexcept;
  const TradeIndex trade_index_view() const noexcept;

  std::byte* base_ = nullptr;
  RegionPtr owned_;
  WriteLog* log_ = nullptr;
};

inline uint64_t state_hash(const State& s) noexcept {
  return s.hash();
}

}  // namespace ose
