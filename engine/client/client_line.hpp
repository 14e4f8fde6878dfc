// The client's side of a client segment, /dev/shm/ose.<engine>.client.<name>: what the client
// library holds. It produces into the command ring and consumes the response ring; the engine's
// side is engine/runtime/client_port.hpp, the shared layout engine/layout/shared_layout.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "engine/core/result.hpp"
#include "engine/layout/shared_layout.hpp"
#include "shm/segment.hpp"
#include "shm/spsc_ring.hpp"

namespace ose {

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
