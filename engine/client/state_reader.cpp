#include "engine/client/state_reader.hpp"

#include <fmt/format.h>

#include <cstring>
#include <optional>

#include "engine/client/engine_owner.hpp"
#include "shm/seqlock.hpp"

namespace ose {

namespace {

template <typename T>
constexpr void assert_seqlockable() {
  static_assert(shm::kSeqlockable<T>, "a seqlocked record must be whole 8-byte words");
}

// The header and per-entity tables, copied with relaxed loads, preferably between two equal
// even global versions (any copy will do for the names, which never change).
Result<State> copy_names(const std::byte* region, uint64_t size, uint64_t prefix,
                         const std::atomic<uint32_t>& global) {
  for (int attempt = 0;; ++attempt) {
    // SYNC(seqlock.read) on the global version: see record_versions.hpp.
    const uint32_t v1 = global.load(std::memory_order_acquire);
    auto c = State::copy_shared(region, size, prefix);
    if (!c) return c;
    // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
    std::atomic_thread_fence(std::memory_order_acquire);
    if (((v1 & 1) == 0 && global.load(std::memory_order_relaxed) == v1) || attempt == 100) {
      return c;
    }
  }
}

}  // namespace

Result<StateReader> StateReader::attach(const std::string& engine) {
  const std::string name = state_segment_name(engine);
  auto owners = trusted_engine_owners();
  if (!owners) return Error{owners.error()};
  auto segment =
      shm::Segment::attach(name, shm::Access::kReadOnly, state_segment_identity(), &*owners);
  if (!segment) {
    if (segment.error().find("ENOENT") != std::string::npos) {
      return Error{
          fmt::format("engine '{}' is not running (no {}/{})", engine, shm::kShmDir, name)};
    }
    return Error{segment.error()};
  }
  const std::byte* base = segment->data();
  const size_t size = segment->size();
  const auto* h =
      reinterpret_cast<const StateSegmentHeader*>(base + shm::align64(sizeof(shm::SegmentHeader)));
  // Every offset read from the segment is checked against the mapping before it is used.
  const auto fits = [size](uint64_t off, uint64_t bytes) {
    return off <= size && bytes <= size - off;
  };
  const StateSegmentPlacement p =
      place_state_segment(h->client_count, h->version_count, h->broadcast_capacity, h->region_size);
  if (!shm::is_power_of_two(h->broadcast_capacity) || p.total != size ||
      p.region != h->region_offset || p.versions != h->versions_offset ||
      p.broadcast != h->broadcast_offset || p.clients != h->clients_offset ||
      !fits(h->region_offset, sizeof(StateHeader))) {
    return Error{fmt::format("{}: its header describes a layout that does not fit its {} bytes",
                             name, size)};
  }
  const auto* sh = reinterpret_cast<const StateHeader*>(base + h->region_offset);
  if (sh->magic != kStateMagic || sh->layout_version != kStateLayoutVersion ||
      sh->offsets.end != h->region_size || sh->caps.clients != h->client_count ||
      VersionLayout::for_caps(sh->caps).total != h->version_count ||
      !fits(h->region_offset, sh->offsets.end)) {
    return Error{
        fmt::format("{}: the state inside it is not laid out as this build expects", name)};
  }
  // The State view is only ever used through const methods (StateReader has no others).
  auto* region = const_cast<std::byte*>(base + h->region_offset);
  auto names =
      copy_names(base + h->region_offset, h->region_size, sh->offsets.orders,
                 *reinterpret_cast<const std::atomic<uint32_t>*>(base + h->versions_offset));
  if (!names) return Error{names.error()};
  StateReader r(std::move(*segment), State::view(region), std::move(*names));
  r.header_ = h;
  r.clients_ = reinterpret_cast<const ClientStatus*>(base + h->clients_offset);
  r.versions_ = reinterpret_cast<const std::atomic<uint32_t>*>(base + h->versions_offset);
  r.broadcast_ = reinterpret_cast<const shm::BroadcastRingData*>(base + h->broadcast_offset);
  r.layout_ = VersionLayout::for_caps(r.state_.caps());
  return r;
}

template <typename T>
bool StateReader::read_versioned(VersionedTable t, uint32_t record, const T& src,
                                 T& out) const noexcept {
  assert_seqlockable<T>();
  return shm::seqlock_read(versions_[layout_.index(t, record)], src, out);
}

bool StateReader::read_state_header(StateHeader& out) const noexcept {
  return read_versioned(VersionedTable::kHeader, 0, state_.header(), out);
}

bool StateReader::read_order_slot(uint32_t slot, OrderRecord& out) const noexcept {
  if (slot >= state_.caps().orders) return false;
  return read_versioned(VersionedTable::kOrders, slot, state_.order_at(slot), out);
}

bool StateReader::read_order(uint64_t order_id, OrderRecord& out) const noexcept {
  if (order_id == 0) return false;
  return read_order_slot(order_slot(order_id), out) && out.id == order_id;
}

bool StateReader::read_venue_order_id(uint64_t order_id, VenueId& out) const noexcept {
  // Order, id, order again: the id is only ever written for the order in its slot, and order ids
  // never return, so two reads naming order_id bracket an id copied while the slot held it.
  OrderRecord o;
  if (!read_order(order_id, o)) return false;
  const uint32_t slot = order_slot(order_id);
  if (!read_versioned(VersionedTable::kVenueOrderIds, slot, state_.venue_order_id(slot), out)) {
    return false;
  }
  return read_order(order_id, o);
}

bool StateReader::read_trade(uint64_t trade_seq, TradeRecord& out) const noexcept {
  // The trade ring has no versions of its own: a record changes only when the window wraps onto
  // it, inside an input, and every input holds the header's version odd (the global seqlock).
  // So: the header says the window holds the trade; the record is copied between two equal even
  // header versions (a whole record as of one input boundary); a second header, read after it,
  // still says the window holds it — so at that boundary, between the two headers, it did.
  StateHeader before{}, after{};
  if (trade_seq == 0 || !read_state_header(before)) return false;
  const uint64_t trades = state_.caps().trades;
  const auto holds = [&](const StateHeader& h) {
    return trade_seq <= h.trades_written && h.trades_written - (trade_seq - 1) <= trades;
  };
  if (!holds(before)) return false;
  const TradeRecord& src = state_.trades()[(trade_seq - 1) % trades];
  if (!read_versioned(VersionedTable::kHeader, 0, src, out)) return false;
  return read_state_header(after) && holds(after);
}

EventVenueIds StateReader::read_event_ids(const Event& e) const noexcept {
  EventVenueIds ids;
  if (e.type == EventType::kFill) {
    TradeRecord t{};
    if (read_trade(e.trade_seq, t)) ids.trade_id = t.trade_id;
  } else if (e.type == EventType::kAcked) {
    if (!read_venue_order_id(e.order_id, ids.venue_order_id)) ids.venue_order_id = VenueId{};
  }
  return ids;
}

bool StateReader::read_balance(uint16_t account, uint16_t asset,
                               BalanceRecord& out) const noexcept {
  if (account >= account_count() || asset >= asset_count()) return false;
  return read_versioned(VersionedTable::kBalances, uint32_t{account} * state_.caps().assets + asset,
                        state_.balance(account, asset), out);
}

bool StateReader::read_position(uint16_t account, uint16_t instrument,
                                PositionRecord& out) const noexcept {
  if (account >= account_count() || instrument >= instrument_count()) return false;
  return read_versioned(VersionedTable::kPositions,
                        uint32_t{account} * state_.caps().instruments + instrument,
                        state_.position(account, instrument), out);
}

bool StateReader::read_strategy_position(uint16_t strategy, uint16_t instrument,
                                         PositionRecord& out) const noexcept {
  if (strategy >= strategy_count() || instrument >= instrument_count()) return false;
  return read_versioned(VersionedTable::kStrategyPositions,
                        uint32_t{strategy} * state_.caps().instruments + instrument,
                        state_.strategy_position(strategy, instrument), out);
}

bool StateReader::read_market(uint16_t instrument, MarketRecord& out) const noexcept {
  if (instrument >= instrument_count()) return false;
  return read_versioned(VersionedTable::kMarkets, instrument, state_.market(instrument), out);
}

bool StateReader::read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept {
  if (strategy >= strategy_count()) return false;
  return read_versioned(VersionedTable::kStrategies, strategy, state_.strategy(strategy), out);
}

bool StateReader::read_account(uint16_t account, AccountRecord& out) const noexcept {
  if (account >= account_count()) return false;
  return read_versioned(VersionedTable::kAccounts, account, state_.account(account), out);
}

bool StateReader::read_instrument(uint16_t instrument, InstrumentRecord& out) const noexcept {
  if (instrument >= instrument_count()) return false;
  return read_versioned(VersionedTable::kInstruments, instrument, state_.instrument(instrument),
                        out);
}

uint32_t StateReader::even_global_version() const noexcept {
  const std::atomic<uint32_t>& global = versions_[layout_.index(VersionedTable::kHeader, 0)];
  // SYNC(seqlock.read) on the global version: see record_versions.hpp.
  uint32_t v = global.load(std::memory_order_acquire);
  // An input in progress takes well under a microsecond: wait it out (bounded, for an engine
  // that died mid-input) rather than spend an attempt on it, giving the core away if it takes
  // longer (an engine descheduled mid-input, shm::seqlock_read_backoff).
  for (uint32_t spin = 0; (v & 1) != 0 && spin < (1u << 16); ++spin) {
    shm::seqlock_read_backoff(spin);
    // SYNC(seqlock.read): acquire, as above.
    v = global.load(std::memory_order_acquire);
  }
  return v;
}

Result<StateReader::Copy> StateReader::copy(int attempts, std::optional<State> reuse) const {
  const std::atomic<uint32_t>& global = versions_[layout_.index(VersionedTable::kHeader, 0)];
  // One region for every attempt (and the caller's, when it has one of the right size): a
  // fresh allocation of a large region costs a page fault per page, more than the copy itself.
  std::optional<State> c;
  if (reuse && reuse->region() != nullptr && reuse->region_size() == state_.region_size()) {
    c = std::move(reuse);
  }
  const auto copy_region = [&]() -> Result<bool> {
    if (c) {
      shm::relaxed_copy_out(c->region(), state_.region(), state_.region_size());
      return true;
    }
    auto fresh = State::copy_shared(state_.region(), state_.region_size(), state_.region_size());
    if (!fresh) return Error{fresh.error()};
    c.emplace(std::move(*fresh));
    return true;
  };
  for (int i = 0; i < attempts; ++i) {
    const uint32_t v1 = even_global_version();
    if ((v1 & 1) != 0) continue;
    if (auto ok = copy_region(); !ok) return Error{ok.error()};
    // SYNC(seqlock.validate): acquire fence. Pairs with SYNC(seqlock.begin).
    std::atomic_thread_fence(std::memory_order_acquire);
    if (global.load(std::memory_order_relaxed) == v1) return Copy{std::move(*c), true};
  }
  // Busy engine: whole rows, possibly from different inputs. A failed attempt's copy already
  // holds the rest (the unversioned tables, a relaxed copy).
  if (!c) {
    if (auto ok = copy_region(); !ok) return Error{ok.error()};
  }
  State& s = *c;
  const StateCapacities& caps = s.caps();
  bool ok = read_state_header(s.edit_header());
  for (uint16_t i = 0; i < instrument_count(); ++i) {
    ok = read_instrument(i, s.edit_instrument(i)) && read_market(i, s.edit_market(i)) && ok;
  }
  for (uint16_t a = 0; a < account_count(); ++a) {
    ok = read_account(a, s.edit_account(a)) && ok;
    for (uint16_t k = 0; k < asset_count(); ++k)
      ok = read_balance(a, k, s.edit_balance(a, k)) && ok;
    for (uint16_t i = 0; i < instrument_count(); ++i) {
      ok = read_position(a, i, s.edit_position(a, i)) && ok;
    }
  }
  for (uint16_t st = 0; st < strategy_count(); ++st) {
    ok = read_strategy(st, s.edit_strategy(st)) && ok;
    for (uint16_t i = 0; i < instrument_count(); ++i) {
      ok = read_strategy_position(st, i, s.edit_strategy_position(st, i)) && ok;
    }
  }
  for (uint32_t slot = 0; slot < caps.orders && slot < s.header().next_unused_slot; ++slot) {
    ok = read_order_slot(slot, s.edit_order_at(slot)) && ok;
    ok = read_versioned(VersionedTable::kVenueOrderIds, slot, state_.venue_order_id(slot),
                        s.edit_venue_order_id(slot)) &&
         ok;
  }
  if (!ok) return Error{"the engine held some records mid-write for too long: is it stuck?"};
  return Copy{std::move(s), false};
}

}  // namespace ose
