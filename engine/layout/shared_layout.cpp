#include "engine/layout/shared_layout.hpp"

#include "shm/broadcast_ring.hpp"

namespace ose {

std::string state_segment_name(const std::string& engine) {
  return "ose." + engine + ".state";
}

std::string client_segment_name(const std::string& engine, const std::string& client) {
  return "ose." + engine + ".client." + client;
}

std::string engine_lock_path(const std::string& engine) {
  return std::string(shm::kShmDir) + "/ose." + engine + ".lock";
}

StateSegmentPlacement place_state_segment(uint64_t clients, uint64_t versions,
                                          uint64_t broadcast_capacity,
                                          uint64_t region_size) noexcept {
  StateSegmentPlacement p{};
  size_t off = sizeof(shm::SegmentHeader);
  p.header = shm::align64(off);
  off = p.header + sizeof(StateSegmentHeader);
  p.clients = shm::align64(off);
  off = p.clients + clients * sizeof(ClientStatus);
  p.versions = shm::align64(off);
  off = p.versions + versions * sizeof(std::atomic<uint32_t>);
  p.broadcast = shm::align64(off);
  off = p.broadcast + shm::BroadcastRingData::bytes_for(broadcast_capacity);
  p.region = align_page(off);
  p.total = align_page(p.region + region_size);
  return p;
}

ClientSegmentPlacement place_client_segment(uint64_t command_capacity,
                                            uint64_t response_capacity) noexcept {
  ClientSegmentPlacement p{};
  p.header = shm::align64(sizeof(shm::SegmentHeader));
  p.command = shm::align64(p.header + sizeof(ClientSegmentHeader));
  p.response = shm::align64(p.command + shm::SpscRingData::bytes_for(command_capacity));
  p.total = shm::align64(p.response + shm::SpscRingData::bytes_for(response_capacity));
  return p;
}

std::string_view to_string(ClientLink link) noexcept {
  switch (link) {
    case ClientLink::kDetached:
      return "detached";
    case ClientLink::kAttached:
      return "attached";
    case ClientLink::kDisconnected:
      return "disconnected";
    case ClientLink::kQuarantined:
      return "quarantined";
  }
  return "?";
}

uint64_t shared_layout_fingerprint() noexcept {
  shm::LayoutFingerprint fp;
#define OSE_ADD_STRUCT_(T, FIELDS) fp.add(OSE_LAYOUT_OF(T, FIELDS));
  OSE_SHARED_STRUCTS(OSE_ADD_STRUCT_)
#undef OSE_ADD_STRUCT_
  // Command's union alternatives all sit at one offset, so they are not in the table (whose
  // lists run in declaration order without overlap); their offsets and sizes still count.
  fp.add(OSE_LAYOUT_OF(Command, OSE_COMMAND_PAYLOAD_FIELDS));
  // The record versions array and the retire ring hold bare scalars.
  fp.add(sizeof(std::atomic<uint32_t>)).add(alignof(std::atomic<uint32_t>)).add(sizeof(uint32_t));
  fp.add(kStateLayoutVersion).add(kRejectReasonCount).add(kAlertReasonCount);
  fp.add(kVersionedTableCount);
  return fp.value();
}

}  // namespace ose
