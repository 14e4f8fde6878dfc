// The state segment: the engine's State, its record versions, the broadcast event ring and the
// monitoring header, in /dev/shm/ose.<engine>.state.
//
// StateSegmentWriter is the engine's view (it alone writes); StateReader is everyone else's
// (mapped PROT_READ; it has no mutating method, so a reader cannot write by mistake, and the
// kernel faults it if it tries through a cast).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/config.hpp"
#include "engine/record_versions.hpp"
#include "engine/result.hpp"
#include "engine/shared_layout.hpp"
#include "engine/state.hpp"
#include "shm/broadcast_ring.hpp"
#include "shm/segment.hpp"

namespace ose {

class StateSegmentWriter {
 public:
  // Creates the segment for `config` (which must not exist: the caller removes stale ones),
  // with the State laid out and initialized inside it and every page touched once, so the
  // engine takes no page faults later. Not yet visible to attachers: call publish().
  // `recovered`, when given, is the State to start from (recovery's result, laid out for the
  // same config); its seq is durable, so applied and durable seq both start there.
  static Result<StateSegmentWriter> create(const EngineConfig& config,
                                           const State* recovered = nullptr);

  StateSegmentWriter(StateSegmentWriter&&) noexcept = default;
  StateSegmentWriter& operator=(StateSegmentWriter&&) noexcept = default;

  void publish() noexcept { segment_.publish(); }
  // Removes the name; the mapping stays valid until this object goes.
  void unlink() noexcept { shm::Segment::remove(segment_.name()); }

  State& state() noexcept { return state_; }
  const State& state() const noexcept { return state_; }
  RecordVersions& versions() noexcept { return *versions_; }
  shm::BroadcastWriter& broadcast() noexcept { return broadcast_; }
  StateSegmentHeader& header() noexcept { return *header_; }
  const StateSegmentHeader& header() const noexcept { return *header_; }
  shm::SegmentHeader& segment_header() noexcept { return segment_.header(); }
  ClientStatus& client_status(uint16_t client) noexcept { return clients_[client]; }
  const std::string& name() const noexcept { return segment_.name(); }

 private:
  StateSegmentWriter(shm::Segment segment, State state) noexcept
      : segment_(std::move(segment)), state_(std::move(state)) {}
  shm::Segment segment_;
  State state_;
  StateSegmentHeader* header_ = nullptr;
  ClientStatus* clients_ = nullptr;
  std::unique_ptr<uint32_t[]> dirty_;
  std::unique_ptr<RecordVersions> versions_;
  shm::BroadcastWriter broadcast_;
};

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

  // The State's immutable parts (names, capacities, offsets) can be read directly through this
  // view; everything that changes must go through the read_* copies below.
  const State& names() const noexcept { return state_; }
  uint16_t instrument_count() const noexcept { return state_.instrument_count(); }
  uint16_t asset_count() const noexcept { return state_.asset_count(); }
  uint16_t account_count() const noexcept { return state_.account_count(); }
  uint16_t strategy_count() const noexcept { return state_.strategy_count(); }
  uint16_t client_count() const noexcept { return state_.client_count(); }

  // Seqlocked copies. False when the index is out of range, the order id names a reused or
  // never-used slot, or (very rarely) the record could not be copied consistently.
  bool read_state_header(StateHeader& out) const noexcept;
  bool read_order(uint64_t order_id, OrderRecord& out) const noexcept;
  bool read_order_slot(uint32_t slot, OrderRecord& out) const noexcept;
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
  // `attempts`, each record is copied under its own seqlock instead and `consistent` is false:
  // every row is whole, but rows may come from different inputs.
  struct Copy {
    State state;
    bool consistent;
  };
  Result<Copy> copy(int attempts = 200) const;

 private:
  StateReader(shm::Segment segment, State view) noexcept
      : segment_(std::move(segment)), state_(std::move(view)) {}
  template <typename T>
  bool read_versioned(VersionedTable t, uint32_t record, const T& src, T& out) const noexcept;

  shm::Segment segment_;
  State state_;  // a view over the PROT_READ mapping; only const methods are ever called
  const StateSegmentHeader* header_ = nullptr;
  const ClientStatus* clients_ = nullptr;
  const std::atomic<uint32_t>* versions_ = nullptr;
  const shm::BroadcastRingData* broadcast_ = nullptr;
  VersionLayout layout_{};
};

}  // namespace ose
