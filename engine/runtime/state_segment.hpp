// The state segment: the engine's State, its record versions, the broadcast event ring and the
// monitoring header, in /dev/shm/ose.<engine>.state.
//
// StateSegmentWriter is the engine's view (it alone writes); StateReader
// (engine/client/state_reader.hpp) is everyone else's.
//
// The engine applies inputs to a private State (its own heap memory, touched by the engine
// thread alone, so plain stores are fine) and after each input publishes what it wrote into the
// segment's copy with relaxed atomic stores under the seqlocks (docs/design/0008).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include "engine/core/apply.hpp"
#include "engine/core/record_versions.hpp"
#include "engine/core/result.hpp"
#include "engine/core/state.hpp"
#include "engine/core/write_log.hpp"
#include "engine/formats/config.hpp"
#include "engine/layout/shared_layout.hpp"
#include "shm/broadcast_ring.hpp"
#include "shm/segment.hpp"
#include "shm/seqlock.hpp"

namespace ose {

class StateSegmentWriter {
 public:
  // Creates the segment for `config` (which must not exist: the caller removes stale ones),
  // with the State laid out and initialized inside it and every page touched once, so the
  // engine takes no page faults later. Not yet visible to attachers: call publish().
  // `recovered`, when given, is the State to start from (recovery's result, laid out for the
  // same config); its seq is durable, so applied and durable seq both start there.
  // The segment has mode `state_mode` and is given to `owner` (docs/SECURITY.md).
  static Result<StateSegmentWriter> create(const EngineConfig& config,
                                           const State* recovered = nullptr,
                                           const shm::SegmentOwner& owner = {});

  StateSegmentWriter(StateSegmentWriter&&) noexcept = default;
  StateSegmentWriter& operator=(StateSegmentWriter&&) noexcept = default;

  void publish() noexcept { segment_.publish(); }
  // Removes the name; the mapping stays valid until this object goes.
  void unlink() noexcept { shm::Segment::remove(segment_.name()); }

  // The private State inputs are applied to. Its edit_…() calls are logged for publish_input().
  State& state() noexcept { return state_; }
  const State& state() const noexcept { return state_; }
  // Before each input: opens the header's (global) version. Each record the input edits has
  // its own version opened at its first edit (WriteLog::open_versions_in).
  void begin_input() noexcept { shm::seqlock_write_begin(versions_[0]); }
  // After it: copies what the input wrote (the write log) into the segment's region, each
  // written record before its version closes, the rest and the header's dynamic part before
  // the header's version closes, last. Then the log is empty for the next input.
  void publish_input() noexcept { publish_input(true); }
  // The same, told by apply()'s outcome whether the input counted a reject or an alert: the
  // header's counters (rejects[], alerts[]: 440 of its bytes) are copied only then, the rest
  // of its dynamic part always.
  void publish_input(const ApplyOutcome& outcome) noexcept {
    publish_input(outcome.reject != RejectReason::kNone || outcome.alerts != 0);
  }
  // What the input being applied has written so far (read by the snapshot cut before
  // publish_input() clears it).
  const WriteLog& write_log() const noexcept { return *log_; }
  // Test and debug check: the offset of the first byte where the segment's region differs from
  // the private State, or nullopt when they are equal (no write escaped the log). Reads the
  // shared bytes plainly, which is sound only on the engine thread (their only writer).
  std::optional<uint64_t> first_unpublished_byte() const noexcept;
  // With true, publish_input() checks that after every input (aborting on a difference):
  // tests and stress runs turn it on; it costs a compare of the whole region per input.
  void check_every_input(bool on) noexcept { check_every_input_ = on; }
  shm::BroadcastWriter& broadcast() noexcept { return broadcast_; }
  StateSegmentHeader& header() noexcept { return *header_; }
  const StateSegmentHeader& header() const noexcept { return *header_; }
  shm::SegmentHeader& segment_header() noexcept { return segment_.header(); }
  ClientStatus& client_status(uint16_t client) noexcept { return clients_[client]; }
  const std::string& name() const noexcept { return segment_.name(); }

 private:
  StateSegmentWriter(shm::Segment segment, State state) noexcept
      : segment_(std::move(segment)), state_(std::move(state)) {}
  void publish_range(uint64_t begin, uint64_t end) noexcept;
  shm::Segment segment_;
  State state_;                  // private: the engine thread's alone
  std::byte* shared_ = nullptr;  // the segment's copy of the region, which readers copy
  StateSegmentHeader* header_ = nullptr;
  ClientStatus* clients_ = nullptr;
  std::atomic<uint32_t>* versions_ = nullptr;
  uint32_t version_count_ = 0;
  std::unique_ptr<WriteLog> log_;
  bool check_every_input_ = false;
  void publish_input(bool counters) noexcept;
  shm::BroadcastWriter broadcast_;
};

}  // namespace ose
