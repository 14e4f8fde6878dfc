// The state segment: the engine's State, its record versions, the broadcast event ring and the
// monitoring header, in /dev/shm/ose.<engine>.state.
//
// StateSegmentWriter is the engine's view (it alone writes); StateReader
// (engine/client/state_reader.hpp) is everyone else's.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/formats/config.hpp"
#include "engine/core/record_versions.hpp"
#include "engine/core/result.hpp"
#include "engine/layout/shared_layout.hpp"
#include "engine/core/state.hpp"
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

}  // namespace ose
