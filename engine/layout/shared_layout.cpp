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

// GCC warns about offsetof on types with atomics (not "standard layout" by the letter); every
// struct here is a plain aggregate of lock-free atomics and scalars, laid out like C.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
uint64_t shared_layout_fingerprint() noexcept {
  shm::LayoutFingerprint fp;
  OSE_LAYOUT_SIZE(fp, shm::SegmentHeader);
  OSE_LAYOUT_FIELD(fp, shm::SegmentHeader, owner_pid);
  OSE_LAYOUT_FIELD(fp, shm::SegmentHeader, heartbeat_ns);
  OSE_LAYOUT_SIZE(fp, shm::RingRecord);
  OSE_LAYOUT_SIZE(fp, shm::SpscRingData);
  OSE_LAYOUT_FIELD(fp, shm::SpscRingData, consumer_tail);
  OSE_LAYOUT_SIZE(fp, shm::BroadcastRingData);
  OSE_LAYOUT_SIZE(fp, StateSegmentHeader);
  OSE_LAYOUT_FIELD(fp, StateSegmentHeader, region_offset);
  OSE_LAYOUT_FIELD(fp, StateSegmentHeader, applied_seq);
  OSE_LAYOUT_FIELD(fp, StateSegmentHeader, broadcast_published);
  OSE_LAYOUT_FIELD(fp, StateSegmentHeader, journal);
  OSE_LAYOUT_SIZE(fp, JournalStatus);
  OSE_LAYOUT_FIELD(fp, JournalStatus, durable_seq);
  OSE_LAYOUT_FIELD(fp, JournalStatus, snapshots_taken);
  OSE_LAYOUT_SIZE(fp, ClientStatus);
  OSE_LAYOUT_SIZE(fp, ClientSegmentHeader);
  OSE_LAYOUT_FIELD(fp, ClientSegmentHeader, client_pid);
  OSE_LAYOUT_FIELD(fp, ClientSegmentHeader, client_heartbeat_ns);
  OSE_LAYOUT_FIELD(fp, ClientSegmentHeader, link);
  OSE_LAYOUT_SIZE(fp, Response);
  OSE_LAYOUT_SIZE(fp, Command);
  OSE_LAYOUT_SIZE(fp, NewOrderCmd);
  OSE_LAYOUT_FIELD(fp, NewOrderCmd, expire_ts);
  OSE_LAYOUT_SIZE(fp, FillCmd);
  OSE_LAYOUT_SIZE(fp, TickCmd);
  OSE_LAYOUT_SIZE(fp, Event);
  OSE_LAYOUT_FIELD(fp, Event, amount);
  OSE_LAYOUT_SIZE(fp, StateHeader);
  OSE_LAYOUT_FIELD(fp, StateHeader, offsets);
  OSE_LAYOUT_FIELD(fp, StateHeader, seq);
  OSE_LAYOUT_FIELD(fp, StateHeader, rejects);
  OSE_LAYOUT_SIZE(fp, AssetRecord);
  OSE_LAYOUT_SIZE(fp, InstrumentRecord);
  OSE_LAYOUT_SIZE(fp, AccountRecord);
  OSE_LAYOUT_SIZE(fp, BalanceRecord);
  OSE_LAYOUT_SIZE(fp, StrategyRecord);
  OSE_LAYOUT_SIZE(fp, ClientRecord);
  OSE_LAYOUT_SIZE(fp, PositionRecord);
  OSE_LAYOUT_SIZE(fp, MarketRecord);
  OSE_LAYOUT_SIZE(fp, TriggerBookRecord);
  OSE_LAYOUT_SIZE(fp, OrderRecord);
  OSE_LAYOUT_FIELD(fp, OrderRecord, status);
  OSE_LAYOUT_FIELD(fp, OrderRecord, filled_qty);
  OSE_LAYOUT_SIZE(fp, TradeRecord);
  OSE_LAYOUT_SIZE(fp, LedgerEntry);
  fp.add(kStateLayoutVersion).add(kRejectReasonCount).add(kAlertReasonCount);
  fp.add(kVersionedTableCount);
  return fp.value();
}
#pragma GCC diagnostic pop

}  // namespace ose
