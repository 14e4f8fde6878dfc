// StateReader: everyone's view of the state segment but the engine's. It maps
// /dev/shm/ose.<engine>.state PROT_READ and has no mutating method, so a reader cannot write by
// mistake (and the kernel faults it if it tries through a cast). The engine's side is
// engine/runtime/state_segment.hpp.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "engine/core/enums.hpp"
#include "engine/core/event.hpp"
#include "engine/core/record_versions.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/layout/shared_layout.hpp"
#include "shm/broadcast_ring.hpp"
#include "shm/segment.hpp"

namespace ose {

// Which rows of a table a reader could not copy consistently (the engine held them mid-write
// for the whole retry budget: it is stuck or dead).
struct ReadProblem {
  std::string what;
};

class StateReader {
 public:
  // Maps /dev/shm/ose.<engine>.state read-only and checks its identity and layout.
  static Result<StateReader> attach(const std::string& engine);

  StateReader(StateReader&&) noexcept = default;
  StateReader& operator=(StateReader&&) noexcept = default;

  const shm::SegmentHeader& segment_header() const noexcept { return segment_.header(); }
  const StateSegmentHeader& header() const noexcept { return *header_; }
  const ClientStatus& client_status(uint16_t client) const noexcept { return clients_[client]; }
  const shm::BroadcastRingData& broadcast() const noexcept { return *broadcast_; }
  uint64_t broadcast_capacity() const noexcept { return header_->broadcast_capacity; }

  // A private copy, taken at attach, of the State's header and per-entity tables (assets to
  // trigger books; the order, trade and ledger tables are left empty): for names, capacities
  // and configuration, which never change. Everything that changes (balances, positions,
  // halts, counters) is as of attach here; read it through the read_* copies below.
  const State& names() const noexcept { return names_; }
  uint16_t instrument_count() const noexcept { return names_.instrument_count(); }
  uint16_t asset_count() const noexcept { return names_.asset_count(); }
  uint16_t account_count() const noexcept { return names_.account_count(); }
  uint16_t strategy_count() const noexcept { return names_.strategy_count(); }
  uint16_t client_count() const noexcept { return names_.client_count(); }

  // The live tables themselves, for addresses (zero-copy views, as the Python module's
  // live_view()). Reading their bytes directly races the engine's writes: a row read this way
  // may be torn (half of it from before an input, half from after). Use the read_* copies or
  // copy() for values that must be whole.
  const State& mapped() const noexcept { return state_; }

  // Seqlocked copies. False when the index is out of range, the order id names a reused or
  // never-used slot, or (very rarely) the record could not be copied consistently.
  bool read_state_header(StateHeader& out) const noexcept;
  bool read_order(uint64_t order_id, OrderRecord& out) const noexcept;
  bool read_order_slot(uint32_t slot, OrderRecord& out) const noexcept;
  // The venue's id of a live order (empty until it is acked with one).
  bool read_venue_order_id(uint64_t order_id, VenueId& out) const noexcept;
  // The trade numbered `trade_seq` (a fill event's trade_seq) while the window still holds it.
  bool read_trade(uint64_t trade_seq, TradeRecord& out) const noexcept;
  // The venue ids `e` stands for (a fill's trade id, an ack's venue order id); an id that can no
  // longer be read (the window moved on, the order's slot was reused) is left empty.
  EventVenueIds read_event_ids(const Event& e) const noexcept;
  bool read_balance(uint16_t account, uint16_t asset, BalanceRecord& out) const noexcept;
  bool read_position(uint16_t account, uint16_t instrument, PositionRecord& out) const noexcept;
  bool read_strategy_position(uint16_t strategy, uint16_t instrument,
                              PositionRecord& out) const noexcept;
  bool read_market(uint16_t instrument, MarketRecord& out) const noexcept;
  bool read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept;
  bool read_account(uint16_t account, AccountRecord& out) const noexcept;
  bool read_instrument(uint16_t instrument, InstrumentRecord& out) const noexcept;

  // A private copy of the whole State as of one input boundary: copied between two equal even
  // header versions (the global seqlock). When the engine is too busy for that within
  // `attempts`, each versioned record (instruments, accounts, balances, strategies, positions,
  // markets, orders and their venue ids) is copied under its own seqlock instead and
  // `consistent` is false: those rows are whole, but may come from different inputs; the
  // unversioned tables (trade ring, ledger, trigger books, indices) are then only a relaxed
  // copy and may be torn, so use them only from a consistent copy.
  struct Copy {
    State state;
    bool consistent;
  };
  // `reuse`: the State of an earlier copy of this reader's state, whose region is copied over
  // instead of allocating a new one (a reader that copies often saves a page fault per page).
  Result<Copy> copy(int attempts = 200, std::optional<State> reuse = std::nullopt) const;

  // Only some tables, copied as copy() does (one input boundary, under the global seqlock;
  // each row under its own seqlock when the engine is too busy) but without copying the rest of
  // the region: for a reader that wants, say, the order table alone, one copy instead of two.
  // A request names a versioned table (not kHeader) and the bytes its rows go to: every row of
  // an entity table (entities × per-entity capacity, as VersionLayout counts them), or the order
  // (and venue id) slots used so far, [0, header.next_unused_slot).
  struct TableRequest {
    VersionedTable table = VersionedTable::kOrders;
    std::span<std::byte> out;  // room for rows × table_record_size(table)
    uint32_t rows = 0;         // set: the rows copied, or needed when `out` was too small
    // kOrders only: leave out the unused slots (id 0) in the same pass, keeping slot order;
    // `rows` is then the used slots copied (`out` must still have room for every slot so far).
    bool used_only = false;
  };
  struct TablesCopy {
    StateHeader header;  // copied with the rows: header.seq is the input they belong to
    bool consistent;     // as Copy::consistent
    // False when some request's `out` could not hold its rows (the order table grew since the
    // caller sized it): then no request's bytes are usable, and each one's `rows` says how many
    // it needs now. Ask again with more room.
    bool fits;
  };
  Result<TablesCopy> copy_tables(std::span<TableRequest> requests, int attempts = 200) const;
  // The bytes of one row of `t` (kHeader: the StateHeader).
  static size_t table_record_size(VersionedTable t) noexcept;
  // The rows copy_tables() copies of `t` in a state with header `h`.
  uint32_t table_rows(VersionedTable t, const StateHeader& h) const noexcept;

 private:
  StateReader(shm::Segment segment, State view, State names) noexcept
      : segment_(std::move(segment)), state_(std::move(view)), names_(std::move(names)) {}
  template <typename T>
  bool read_versioned(VersionedTable t, uint32_t record, const T& src, T& out) const noexcept;
  // An even global version, waiting out an input in progress; odd if the engine held it odd
  // throughout (stuck or dead mid-input).
  uint32_t even_global_version() const noexcept;
  // copy_tables()'s fallback: rows [0, rows) of `t`, each under its own seqlock, into `out`.
  bool read_rows(VersionedTable t, uint32_t rows, std::byte* out) const noexcept;
  // copy_tables()'s fallback for a used_only order request: the used slots of [0, rows), each
  // under its own seqlock; `kept` is set to how many.
  bool read_used_orders(uint32_t rows, std::byte* out, uint32_t& kept) const noexcept;
  const std::byte* table_data(VersionedTable t) const noexcept;

  shm::Segment segment_;
  // A view over the PROT_READ mapping, used only for addresses: its methods read the header's
  // capacities and offsets, which the engine never rewrites after creation. Every read of the
  // bytes that change is a relaxed atomic load under a seqlock (shm/seqlock.hpp).
  State state_;
  State names_;
  const StateSegmentHeader* header_ = nullptr;
  const ClientStatus* clients_ = nullptr;
  const std::atomic<uint32_t>* versions_ = nullptr;
  const shm::BroadcastRingData* broadcast_ = nullptr;
  VersionLayout layout_{};
};

}  // namespace ose
