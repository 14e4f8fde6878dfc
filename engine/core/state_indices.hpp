// How the State's two hash indices key their entries: (client, cl_id) hash → order slot and
// (instrument, trade id hash) → trade ring position. Both are shm::OpenAddressingIndex views over
// tables in the State region; the tables are derived data (rebuilt on restore, not serialized),
// but they are still laid out deterministically.
#pragma once

#include <cstdint>

#include "engine/core/records.hpp"
#include "shm/open_addressing_index.hpp"

namespace ose {

// splitmix64 finalizer: cheap and well mixed for sequential client order ids.
constexpr uint64_t mix64(uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Hashing key of an (owner, id) pair: the owner lands in the top bits after mixing the id so
// that equal ids of different clients spread.
constexpr uint64_t pair_hash(uint16_t owner, uint64_t id) noexcept {
  return mix64(id ^ (static_cast<uint64_t>(owner) << 48));
}

// A (client, cl_id) index key is 32 bits of the pair's hash: equal keys only say "maybe this
// order", and State compares the order record in the entry's slot (OpenAddressingIndex::find_if).
struct ClientOrderKey {
  uint32_t hash;
  static ClientOrderKey of(uint16_t client, uint64_t cl_id) noexcept {
    return ClientOrderKey{static_cast<uint32_t>(pair_hash(client, cl_id))};
  }
  bool operator==(const ClientOrderKey&) const = default;
};

struct ClientOrderIndexTraits {
  using Entry = ClientOrderIndexEntry;
  using Key = ClientOrderKey;
  static uint64_t hash(const Key& k) noexcept { return k.hash; }
  static Key key_of(const Entry& e) noexcept { return Key{e.hash}; }
  static bool is_empty(const Entry& e) noexcept { return e.slot == kNoSlot; }
  static constexpr Entry kEmpty{0, kNoSlot};
};
using ClientOrderIndex = shm::OpenAddressingIndex<ClientOrderIndexTraits>;

// A trade index key is 32 bits of the id's hash, not the id: equal keys only say "maybe the same
// trade", and State::trade_seen() compares the full ids (and instruments) in the trade ring
// (OpenAddressingIndex::find_if).
struct TradeKey {
  uint32_t hash;
  bool operator==(const TradeKey&) const = default;
};

// xxHash3-64 of the id's bytes, seeded with the instrument: equal ids of two instruments are two
// trades and should not share a probe run.
uint64_t trade_id_hash(uint16_t instrument, const VenueId& id) noexcept;
inline TradeKey trade_key(uint16_t instrument, const VenueId& id) noexcept {
  return TradeKey{static_cast<uint32_t>(trade_id_hash(instrument, id))};
}

struct TradeIndexTraits {
  using Entry = TradeIndexEntry;
  using Key = TradeKey;
  static uint64_t hash(const Key& k) noexcept { return k.hash; }
  static Key key_of(const Entry& e) noexcept { return Key{e.hash}; }
  static bool is_empty(const Entry& e) noexcept { return e.ring_pos == kNoSlot; }
  static constexpr Entry kEmpty{0, kNoSlot};
};
using TradeIndex = shm::OpenAddressingIndex<TradeIndexTraits>;

}  // namespace ose
