#include "engine/runtime/state_segment.hpp"

#include <fmt/format.h>

#include <cstring>

#include "shm/clock.hpp"
#include "shm/seqlock.hpp"

namespace ose {

Result<StateSegmentWriter> StateSegmentWriter::create(const EngineConfig& config,
                                                      const State* recovered) {
  auto heap = State::create(config);
  if (!heap) return Error{heap.error()};
  if (recovered != nullptr) {
    if (recovered->region_size() != heap->region_size() ||
        std::memcmp(&recovered->caps(), &heap->caps(), sizeof(StateCapacities)) != 0) {
      return Error{"the recovered state was laid out for a different config"};
    }
  }
  const State& initial = recovered != nullptr ? *recovered : *heap;
  const StateCapacities caps = heap->caps();
  const VersionLayout layout = VersionLayout::for_caps(caps);
  const StateSegmentPlacement p = place_state_segment(caps.clients, layout.total, config.broadcast_ring, heap->region_size());

  auto segment = shm::Segment::create(state_segment_name(config.name), p.total, 0644,
                                      state_segment_identity());
  if (!segment) return Error{segment.error()};
  std::byte* base = segment->data();
  // Touch every page once now (tmpfs allocates on first write), so the engine never faults.
  for (size_t off = kPageSize; off < p.total; off += kPageSize) {
    *reinterpret_cast<volatile std::byte*>(base + off) = std::byte{0};
  }
  std::memcpy(base + p.region, initial.region(), initial.region_size());

  StateSegmentWriter w(std::move(*segment), State::view(base + p.region));
  w.header_ = new (base + p.header) StateSegmentHeader{};
  StateSegmentHeader& h = *w.header_;
  std::snprintf(h.engine_name, sizeof h.engine_name, "%s", config.name.c_str());
  h.region_offset = p.region;
  h.region_size = heap->region_size();
  h.versions_offset = p.versions;
  h.version_count = layout.total;
  h.broadcast_offset = p.broadcast;
  h.broadcast_capacity = config.broadcast_ring;
  h.clients_offset = p.clients;
  h.client_count = caps.clients;
  h.command_ring = config.command_ring;
  h.response_ring = config.response_ring;
  // Relaxed: published with the segment's magic (release) in publish().
  h.accepting.store(1, std::memory_order_relaxed);
  h.applied_seq.store(initial.header().seq, std::memory_order_relaxed);
  h.journal.durable_seq.store(initial.header().seq, std::memory_order_relaxed);

  w.clients_ = reinterpret_cast<ClientStatus*>(base + p.clients);
  for (uint64_t i = 0; i < caps.clients; ++i) new (&w.clients_[i]) ClientStatus{};
  auto* versions = reinterpret_cast<std::atomic<uint32_t>*>(base + p.versions);
  for (uint32_t i = 0; i < layout.total; ++i) new (&versions[i]) std::atomic<uint32_t>(0);
  w.dirty_ = std::make_unique<uint32_t[]>(layout.total);
  w.versions_ = std::make_unique<RecordVersions>(versions, w.dirty_.get(), layout);
  w.state_.track_writes(w.versions_.get());
  auto* ring = shm::BroadcastRingData::init(base + p.broadcast, config.broadcast_ring);
  w.broadcast_ = shm::BroadcastWriter(ring, config.broadcast_ring);
  return w;
}

}  // namespace ose
