// A client segment, /dev/shm/ose.<engine>.client.<name>: the client's command ring (client →
// engine) and response ring (engine → client), plus who is attached. The engine creates one
// per [[clients]] entry at start (mode from the config, 0600 by default; owner and group from
// its `user`/`group`, docs/SECURITY.md); a client process attaches to its own by name.
//
// Trust runs one way. The client trusts the engine's segment layout. The engine trusts nothing
// the client writes: it keeps its own ring positions and capacities (never read back from the
// segment), copies each command out before validating it, and treats impossible ring words as
// protocol violations.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/result.hpp"
#include "engine/layout/shared_layout.hpp"
#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace ose {

// The engine's side of one client segment.
class ClientPort {
 public:
  // The segment has `mode` and is given to `owner` before anyone else can open it.
  static Result<ClientPort> create(const std::string& engine, const std::string& client,
                                   uint16_t index, uint32_t mode, uint64_t command_capacity,
                                   uint64_t response_capacity, const shm::SegmentOwner& owner = {});
  ClientPort(ClientPort&&) noexcept = default;
  ClientPort& operator=(ClientPort&&) noexcept = default;

  void unlink() noexcept { shm::Segment::remove(segment_.name()); }

  ClientSegmentHeader& header() noexcept { return *header_; }
  shm::SpscConsumer& commands() noexcept { return commands_; }
  shm::SpscProducer& responses() noexcept { return responses_; }
  const std::string& name() const noexcept { return segment_.name(); }

 private:
  explicit ClientPort(shm::Segment segment) noexcept : segment_(std::move(segment)) {}
  shm::Segment segment_;
  ClientSegmentHeader* header_ = nullptr;
  shm::SpscConsumer commands_;
  shm::SpscProducer responses_;
};

}  // namespace ose
