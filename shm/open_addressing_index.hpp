// A fixed-capacity hash index over a table the caller owns: open addressing, linear probing,
// backward-shift deletion (no tombstones, so probe lengths do not decay however many erases
// run). The table is plain POD entries, typically inside a shared region; the index is only a
// view that holds a pointer to it, so nothing in the region points anywhere and the region can
// be mapped at any address. No allocation, no exceptions.
//
// The entry type decides what "empty" is and where the key lives, through a traits type:
//
//   struct Traits {
//     using Entry = ...;                              // trivially copyable
//     using Key = ...;                                // equality comparable
//     static uint64_t hash(const Key&) noexcept;      // well mixed: the low bits pick the home
//     static Key key_of(const Entry&) noexcept;
//     static bool is_empty(const Entry&) noexcept;
//     static constexpr Entry kEmpty = ...;            // what an erased or cleared entry becomes
//   };
//
// The layout is a pure function of the sequence of operations: the same inserts and erases in
// the same order leave the same bytes, which the engine's determinism relies on.
#pragma once

#include <bit>
#include <cassert>
#include <concepts>
#include <cstdint>
#include <type_traits>

namespace ose::shm {

template <typename T>
concept OpenAddressingTraits = std::is_trivially_copyable_v<typename T::Entry> &&
    std::equality_comparable<typename T::Key> &&
    requires(const typename T::Entry& e, const typename T::Key& k) {
  { T::hash(k) }
  noexcept->std::same_as<uint64_t>;
  { T::key_of(e) }
  noexcept->std::same_as<typename T::Key>;
  { T::is_empty(e) }
  noexcept->std::same_as<bool>;
  { T::kEmpty } -> std::convertible_to<typename T::Entry>;
};

enum class IndexInsert : uint8_t {
  kInserted = 0,
  kPresent = 1,  // an entry with the key is already there; nothing changed
  kFull = 2,     // no empty entry left; nothing changed
};

template <OpenAddressingTraits Traits>
class OpenAddressingIndex {
 public:
  using Entry = typename Traits::Entry;
  using Key = typename Traits::Key;

  // Called after every entry the index stores, with the entry's address: an owner that must
  // know which bytes changed (the engine publishes them to readers) passes one.
  using WriteHook = void (*)(void* context, const void* entry, uint32_t bytes) noexcept;

  // `capacity` must be a power of two (the probe wraps with a mask). Keep the load factor well
  // below one: a probe runs to the first empty entry, so a nearly full table is slow, and a
  // full one answers every miss only after visiting every entry.
  OpenAddressingIndex(Entry* table, uint32_t capacity, WriteHook hook = nullptr,
                      void* context = nullptr) noexcept
      : table_(table), mask_(capacity - 1), hook_(hook), context_(context) {
    assert(std::has_single_bit(capacity));
  }

  uint32_t capacity() const noexcept { return mask_ + 1; }

  // Where `key`'s probe run starts: what a caller prefetches before it looks the key up.
  const Entry* home(const Key& key) const noexcept { return &table_[home_of(key)]; }

  // Every entry becomes Traits::kEmpty.
  void clear() noexcept {
    for (uint32_t i = 0; i <= mask_; ++i) store(i, Traits::kEmpty);
  }

  Entry* find(const Key& key) noexcept {
    const uint32_t i = position_of(key);
    return i == kNotFound ? nullptr : &table_[i];
  }
  const Entry* find(const Key& key) const noexcept {
    const uint32_t i = position_of(key);
    return i == kNotFound ? nullptr : &table_[i];
  }

  // The first entry with `key` for which `match(entry)` also holds, for an index whose key is
  // only a summary (a hash) of what decides equality: equal keys may then sit in one run
  // (inserted with insert_absent), and `match` tells them apart.
  template <typename Match>
  const Entry* find_if(const Key& key, Match&& match) const noexcept {
    uint32_t i = home_of(key);
    for (uint32_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
      if (Traits::is_empty(table_[i])) return nullptr;
      if (Traits::key_of(table_[i]) == key && match(static_cast<const Entry&>(table_[i]))) {
        return &table_[i];
      }
    }
    return nullptr;
  }

  // Puts `entry` in the first empty entry of its probe run unless its key is already there.
  IndexInsert insert(const Entry& entry) noexcept {
    const Key key = Traits::key_of(entry);
    uint32_t i = home_of(key);
    for (uint32_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
      if (Traits::is_empty(table_[i])) {
        store(i, entry);
        return IndexInsert::kInserted;
      }
      if (Traits::key_of(table_[i]) == key) return IndexInsert::kPresent;
    }
    return IndexInsert::kFull;
  }

  // Like insert() without comparing keys, for a caller that has just looked the key up and not
  // found it: false only when the table is full.
  bool insert_absent(const Entry& entry) noexcept {
    uint32_t i = home_of(Traits::key_of(entry));
    for (uint32_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
      if (Traits::is_empty(table_[i])) {
        store(i, entry);
        return true;
      }
    }
    return false;
  }

  // Removes the entry with `key`; false if there is none.
  bool erase(const Key& key) noexcept {
    const uint32_t i = position_of(key);
    if (i == kNotFound) return false;
    erase_at(i);
    return true;
  }

  // Removes the first entry of `key`'s probe run for which `match(entry)` holds, whatever its
  // key (the trade window forgets an entry by its ring position); false if none does.
  template <typename Match>
  bool erase_if(const Key& key, Match&& match) noexcept {
    uint32_t i = home_of(key);
    for (uint32_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
      if (Traits::is_empty(table_[i])) return false;
      if (match(static_cast<const Entry&>(table_[i]))) {
        erase_at(i);
        return true;
      }
    }
    return false;
  }

 private:
  static constexpr uint32_t kNotFound = UINT32_MAX;

  uint32_t home_of(const Key& key) const noexcept {
    return static_cast<uint32_t>(Traits::hash(key) & mask_);
  }

  uint32_t position_of(const Key& key) const noexcept {
    uint32_t i = home_of(key);
    for (uint32_t probes = 0; probes <= mask_; ++probes, i = (i + 1) & mask_) {
      if (Traits::is_empty(table_[i])) return kNotFound;
      if (Traits::key_of(table_[i]) == key) return i;
    }
    return kNotFound;
  }

  // Backward-shift deletion: walk the run after the hole and move each entry that may legally
  // sit in the hole (its home is not cyclically in (hole, j]) back into it, so every remaining
  // entry stays reachable from its home without tombstones. At most capacity - 1 steps, which
  // visits every other entry even when the table has no empty entry to stop at.
  void erase_at(uint32_t hole) noexcept {
    uint32_t j = hole;
    for (uint32_t steps = 1; steps <= mask_; ++steps) {
      j = (j + 1) & mask_;
      if (Traits::is_empty(table_[j])) break;
      const uint32_t k = home_of(Traits::key_of(table_[j]));
      const bool stays = hole <= j ? (hole < k && k <= j) : (hole < k || k <= j);
      if (stays) continue;
      store(hole, table_[j]);
      hole = j;
    }
    store(hole, Traits::kEmpty);
  }

  void store(uint32_t i, const Entry& e) noexcept {
    table_[i] = e;
    if (hook_ != nullptr) hook_(context_, &table_[i], sizeof(Entry));
  }

  Entry* table_;
  uint32_t mask_;
  WriteHook hook_;
  void* context_;
};

}  // namespace ose::shm
