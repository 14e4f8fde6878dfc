// A client segment, /dev/shm/ose.<engine>.client.<name>: the client's command ring (client →
// engine) and response ring (engine → client), plus who is attached. The engine creates one
// per [[clients]] entry at start (mode from the config, 0600 by default); a client process
// attaches to its own by name.
//
// Trust runs one way. The client trusts the engine's segment layout. The engine trusts nothing
// the client writes: it keeps its own ring positions and capacities (never read back from the
// segment), copies each command out before validating it, and treats impossible ring words as
// protocol violations.
#pragma once

#include <cstdint>
#include <string>

#include "engine/result.hpp"
#include "engine/shared_layout.hpp"
#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace ose {

struct CommandRecord {  // the payload of a command ring record
  Command cmd;
  uint64_t reserved;
};
static_assert(sizeof(CommandRecord) <= shm::kRecordPayload);

// The engine's side of one client segment.
class ClientPort {
 public:
  static Result<ClientPort> create(const std::string& engine, const std::string& client,
                                   uint16_t index, uint32_t mode, uint64_t command_capacity,
                                   uint64_t response_capacity);
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

// The client's side: what the client library holds.
class ClientLine {
 public:
  // Attaches to the segment and claims it for this process; fails if another live process
  // holds it or the engine has quarantined the client.
  static Result<ClientLine> attach(const std::string& engine, const std::string& client);
  ClientLine(ClientLine&&) noexcept;
  ClientLine& operator=(ClientLine&&) noexcept;
  ~ClientLine();  // releases the claim: a clean detach, which is not a disconnect

  ClientSegmentHeader& header() noexcept { return *header_; }
  const ClientSegmentHeader& header() const noexcept { return *header_; }
  shm::SpscProducer& commands() noexcept { return commands_; }
  shm::SpscConsumer& responses() noexcept { return responses_; }
  uint16_t index() const noexcept { return header_->client_index; }

 private:
  explicit ClientLine(shm::Segment segment) noexcept : segment_(std::move(segment)) {}
  shm::Segment segment_;
  ClientSegmentHeader* header_ = nullptr;
  shm::SpscProducer commands_;
  shm::SpscConsumer responses_;
  bool claimed_ = false;
};

}  // namespace ose
