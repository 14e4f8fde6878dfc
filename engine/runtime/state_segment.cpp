#include "engine/runtime/state_segment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "shm/clock.hpp"
#include "shm/seqlock.hpp"

namespace ose {

Result<StateSegmentWriter> StateSegmentWriter::create(const EngineConfig& config,
                                                      const State* recovered,
                                                      const shm::SegmentOwner& owner) {
  auto heap = State::create(config);
  if (!heap) return Error{heap.error()};
  if (recovered != nullptr) {
    if (recovered->region_size() != heap->region_size() ||
        std::memcmp(&recovered->caps(), &heap->caps(), sizeof(StateCapacities)) != 0) {
      return Error{"the recovered state was laid out for a different config"};
    }
  }
  if (recovered != nullptr) {
    heap = recovered->clone();
    if (!heap) return Error{heap.error()};
  }
  const State& initial = *heap;
  const StateCapacities caps = heap->caps();
  const VersionLayout layout = VersionLayout::for_caps(caps);
  const StateSegmentPlacement p =
      place_state_segment(caps.clients, layout.total, config.broadcast_ring, heap->region_size());

  auto segment = shm::Segment::create(state_segment_name(config.name), p.total, config.state_mode,
                                      state_segment_identity(), owner);
  if (!segment) return Error{segment.error()};
  std::byte* base = segment->data();
  // Touch every page once now (tmpfs allocates on first write), so the engine never faults.
  for (size_t off = kPageSize; off < p.total; off += kPageSize) {
    *reinterpret_cast<volatile std::byte*>(base + off) = std::byte{0};
  }
  std::memcpy(base + p.region, initial.region(), initial.region_size());

  StateSegmentWriter w(std::move(*segment), std::move(*heap));
  w.shared_ = base + p.region;
  w.header_ = new (base + p.header) StateSegmentHeader{};
  StateSegmentHeader& h = *w.header_;
  std::snprintf(h.engine_name, sizeof h.engine_name, "%s", config.name.c_str());
  h.region_offset = p.region;
  h.region_size = w.state_.region_size();
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
  w.versions_ = reinterpret_cast<std::atomic<uint32_t>*>(base + p.versions);
  for (uint32_t i = 0; i < layout.total; ++i) new (&w.versions_[i]) std::atomic<uint32_t>(0);
  w.version_count_ = layout.total;
  w.log_ = std::make_unique<WriteLog>(layout);
  w.log_->open_versions_in(w.versions_);
  w.state_.log_writes(w.log_.get());
  auto* ring = shm::BroadcastRingData::init(base + p.broadcast, config.broadcast_ring);
  w.broadcast_ = shm::BroadcastWriter(ring, config.broadcast_ring);
  return w;
}

namespace {
// The header's first part (magic, layout version, capacities, offsets) never changes after
// creation, so it is never republished and readers may read it plainly; the rest is published
// after every input.
constexpr uint64_t kHeaderDynamic = offsetof(StateHeader, seq);
static_assert(kHeaderDynamic % 8 == 0 && sizeof(StateHeader) % 8 == 0);
constexpr uint64_t kHeaderCounters = offsetof(StateHeader, rejects);
static_assert(kHeaderCounters % 8 == 0 &&
              offsetof(StateHeader, alerts) + sizeof(StateHeader::alerts) == sizeof(StateHeader));
}  // namespace

void StateSegmentWriter::publish_range(uint64_t begin, uint64_t end) noexcept {
  shm::relaxed_copy_in(shared_ + begin, state_.region() + begin, end - begin);
}

void StateSegmentWriter::publish_input(bool counters) noexcept {
  WriteLog& log = *log_;
  const std::byte* from = state_.region();
  std::atomic<uint32_t>& global = versions_[0];  // VersionedTable::kHeader, odd since begin_input
  if (log.whole_region()) {
    // Cold (a restore): every record is rewritten, so every version is held odd meanwhile (those
    // the input edited already are).
    for (uint32_t v = 1; v < version_count_; ++v) {
      // Relaxed: only this thread stores versions.
      if ((versions_[v].load(std::memory_order_relaxed) & 1) == 0) {
        shm::seqlock_write_begin(versions_[v]);
      }
    }
    publish_range(state_.header().offsets.assets, state_.region_size());
    for (uint32_t v = 1; v < version_count_; ++v) shm::seqlock_write_end(versions_[v]);
  } else {
    for (uint32_t k = 0; k < log.record_count(); ++k) {
      const WriteLog::Record& r = log.records()[k];
      shm::relaxed_copy_in(shared_ + r.offset, from + r.offset, r.bytes);
      shm::seqlock_write_end(versions_[r.version]);
    }
    if (log.overflowed()) {
      // More separate writes than the log holds: the unversioned tables go whole.
      const StateOffsets& o = state_.header().offsets;
      publish_range(o.assets, o.instruments);
      publish_range(o.clients, o.positions);
      publish_range(o.trigger_books, o.orders);
      publish_range(o.retire_ring, o.end);
    } else {
      for (uint32_t k = 0; k < log.range_count(); ++k) {
        publish_range(log.ranges()[k].begin, log.ranges()[k].end);
      }
    }
  }
  // Only a counted reject or alert changes the counters at the header's end (apply_context.hpp
  // counts both into the outcome); a restore rewrote everything.
  publish_range(kHeaderDynamic,
                counters || log.whole_region() ? sizeof(StateHeader) : kHeaderCounters);
  shm::seqlock_write_end(global);
  log.clear();
  if (check_every_input_) {
    if (const auto at = first_unpublished_byte()) {
      std::fprintf(stderr, "ose: state byte %llu was written but not published\n",
                   static_cast<unsigned long long>(*at));
      std::abort();
    }
  }
}

std::optional<uint64_t> StateSegmentWriter::first_unpublished_byte() const noexcept {
  const std::byte* a = state_.region();
  const uint64_t n = state_.region_size();
  if (std::memcmp(a, shared_, n) == 0) return std::nullopt;
  return static_cast<uint64_t>(std::mismatch(a, a + n, shared_).first - a);
}

}  // namespace ose
