#include "engine/client/client_line.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "engine/client/engine_owner.hpp"
#include "shm/clock.hpp"

namespace ose {

Result<ClientLine> ClientLine::attach(const std::string& engine, const std::string& client) {
  const std::string name = client_segment_name(engine, client);
  // The engine's user, or this process's own (a segment the engine gave to this client's user).
  auto owners = trusted_engine_owners();
  if (!owners) return Error{owners.error()};
  owners->push_back(static_cast<uint32_t>(::geteuid()));
  auto segment =
      shm::Segment::attach(name, shm::Access::kReadWrite, client_segment_identity(), &*owners);
  if (!segment) {
    if (segment.error().find("ENOENT") != std::string::npos) {
      return Error{fmt::format(
          "no client '{}' on engine '{}' (no {}/{}): is the engine running, and is '{}' one of "
          "its [[clients]]?",
          client, engine, shm::kShmDir, name, client)};
    }
    return Error{segment.error()};
  }
  std::byte* base = segment->data();
  const size_t size = segment->size();
  auto* h = reinterpret_cast<ClientSegmentHeader*>(base + shm::align64(sizeof(shm::SegmentHeader)));
  const ClientSegmentPlacement p = place_client_segment(h->command_capacity, h->response_capacity);
  if (!shm::is_power_of_two(h->command_capacity) || !shm::is_power_of_two(h->response_capacity) ||
      p.total != size || p.command != h->command_offset || p.response != h->response_offset) {
    return Error{fmt::format("{}: its header describes a layout that does not fit", name)};
  }
  ClientLine line(std::move(*segment));
  line.header_ = h;
  // Relaxed: the engine only reads the link word; a stale value is re-checked by the engine.
  if (static_cast<ClientLink>(h->link.load(std::memory_order_acquire)) ==
      ClientLink::kQuarantined) {
    return Error{
        fmt::format("client '{}' is quarantined by engine '{}' after protocol "
                    "violations; restart the engine to clear it",
                    client, engine)};
  }
  const auto me = static_cast<int32_t>(getpid());
  // Acq_rel: the claim orders this process's ring accesses after the previous holder's.
  int32_t holder = h->client_pid.load(std::memory_order_acquire);
  for (;;) {
    if (holder == me) break;
    if (holder != 0 && shm::process_alive(holder)) {
      return Error{
          fmt::format("client '{}' of engine '{}' is in use by pid {}", client, engine, holder)};
    }
    if (h->client_pid.compare_exchange_weak(holder, me, std::memory_order_acq_rel)) break;
  }
  line.claimed_ = true;
  // Relaxed: liveness figure, read on its own.
  h->client_heartbeat_ns.store(shm::monotonic_ns(), std::memory_order_relaxed);
  line.commands_ = shm::SpscProducer(reinterpret_cast<shm::SpscRingData*>(base + h->command_offset),
                                     h->command_capacity);
  line.responses_ =
      shm::SpscConsumer(reinterpret_cast<shm::SpscRingData*>(base + h->response_offset),
                        h->response_capacity, /*skip_backlog=*/true);
  return line;
}

ClientLine::ClientLine(ClientLine&& o) noexcept
    : segment_(std::move(o.segment_)),
      header_(o.header_),
      commands_(o.commands_),
      responses_(o.responses_),
      claimed_(o.claimed_) {
  o.claimed_ = false;
}

ClientLine& ClientLine::operator=(ClientLine&& o) noexcept {
  if (this != &o) {
    this->~ClientLine();
    new (this) ClientLine(std::move(o));
  }
  return *this;
}

ClientLine::~ClientLine() {
  if (!claimed_) return;
  int32_t me = static_cast<int32_t>(getpid());
  // Release: everything this process wrote into the rings happens-before the next claim.
  header_->client_pid.compare_exchange_strong(me, 0, std::memory_order_release);
  claimed_ = false;
}

}  // namespace ose
