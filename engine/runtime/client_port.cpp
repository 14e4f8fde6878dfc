#include "engine/runtime/client_port.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "shm/clock.hpp"

namespace ose {

Result<ClientPort> ClientPort::create(const std::string& engine, const std::string& client,
                                      uint16_t index, uint32_t mode, uint64_t command_capacity,
                                      uint64_t response_capacity, const shm::SegmentOwner& owner) {
  const ClientSegmentPlacement p = place_client_segment(command_capacity, response_capacity);
  auto segment = shm::Segment::create(client_segment_name(engine, client), p.total, mode,
                                      client_segment_identity(), owner);
  if (!segment) return Error{segment.error()};
  std::byte* base = segment->data();
  ClientPort port(std::move(*segment));
  port.header_ = new (base + p.header) ClientSegmentHeader{};
  ClientSegmentHeader& h = *port.header_;
  std::snprintf(h.engine_name, sizeof h.engine_name, "%s", engine.c_str());
  std::snprintf(h.client_name, sizeof h.client_name, "%s", client.c_str());
  h.client_index = index;
  h.command_offset = p.command;
  h.command_capacity = command_capacity;
  h.response_offset = p.response;
  h.response_capacity = response_capacity;
  auto* cmd = shm::SpscRingData::init(base + p.command, command_capacity);
  auto* rsp = shm::SpscRingData::init(base + p.response, response_capacity);
  port.commands_ = shm::SpscConsumer(cmd, command_capacity);
  port.responses_ = shm::SpscProducer(rsp, response_capacity);
  port.segment_.publish();
  return port;
}

}  // namespace ose
