// OpenAddressingIndex over a small table whose hash is chosen by the test: a key's home is
// key / 1000, so collisions, runs and wrap-around are written out rather than hoped for.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>

#include "shm/open_addressing_index.hpp"

namespace ose::shm {
namespace {

struct Entry {
  uint64_t key;
  uint32_t value;
  uint32_t used;  // 0 = empty
};

struct Traits {
  using Entry = shm::Entry;
  using Key = uint64_t;
  static uint64_t hash(const Key& k) noexcept { return k / 1000; }
  static Key key_of(const Entry& e) noexcept { return e.key; }
  static bool is_empty(const Entry& e) noexcept { return e.used == 0; }
  static constexpr Entry kEmpty{0, 0, 0};
};

using Index = OpenAddressingIndex<Traits>;
constexpr uint32_t kCapacity = 8;

// Key number n whose home is `home`.
constexpr uint64_t key_at(uint32_t home, uint32_t n) {
  return uint64_t{home} * 1000 + n;
}

Entry entry(uint64_t key, uint32_t value) {
  return Entry{key, value, 1};
}

class OpenAddressingIndexTest : public ::testing::Test {
 protected:
  OpenAddressingIndexTest() { index_.clear(); }

  // Position of `key` in the table, or -1.
  int position(uint64_t key) const {
    for (uint32_t i = 0; i < kCapacity; ++i) {
      if (table_[i].used != 0 && table_[i].key == key) return static_cast<int>(i);
    }
    return -1;
  }

  std::array<Entry, kCapacity> table_{};
  Index index_{table_.data(), kCapacity};
};

TEST_F(OpenAddressingIndexTest, FindsWhatWasInserted) {
  EXPECT_EQ(index_.insert(entry(key_at(3, 1), 42)), IndexInsert::kInserted);
  const Entry* e = index_.find(key_at(3, 1));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value, 42u);
  EXPECT_EQ(position(key_at(3, 1)), 3) << "an entry lands at its home when that is free";
  EXPECT_EQ(index_.find(key_at(3, 2)), nullptr);
  EXPECT_EQ(index_.find(key_at(4, 1)), nullptr);
}

TEST_F(OpenAddressingIndexTest, RefusesADuplicateKeyAndKeepsTheFirstValue) {
  ASSERT_EQ(index_.insert(entry(key_at(2, 1), 1)), IndexInsert::kInserted);
  EXPECT_EQ(index_.insert(entry(key_at(2, 1), 2)), IndexInsert::kPresent);
  EXPECT_EQ(index_.find(key_at(2, 1))->value, 1u);
}

TEST_F(OpenAddressingIndexTest, ProbesPastCollidingKeys) {
  for (uint32_t n = 1; n <= 3; ++n)
    ASSERT_EQ(index_.insert(entry(key_at(1, n), n)), IndexInsert::kInserted);
  EXPECT_EQ(position(key_at(1, 1)), 1);
  EXPECT_EQ(position(key_at(1, 2)), 2);
  EXPECT_EQ(position(key_at(1, 3)), 3);
  for (uint32_t n = 1; n <= 3; ++n) EXPECT_EQ(index_.find(key_at(1, n))->value, n);
}

TEST_F(OpenAddressingIndexTest, FindsAKeyAfterItsNeighbourWasErased) {
  ASSERT_EQ(index_.insert(entry(key_at(5, 1), 1)), IndexInsert::kInserted);
  ASSERT_EQ(index_.insert(entry(key_at(5, 2), 2)), IndexInsert::kInserted);
  EXPECT_TRUE(index_.erase(key_at(5, 1)));
  ASSERT_NE(index_.find(key_at(5, 2)), nullptr) << "the hole must not cut the probe run";
  EXPECT_EQ(position(key_at(5, 2)), 5) << "backward shift moved it home";
  EXPECT_EQ(table_[6].used, 0u) << "and left no tombstone behind";
  EXPECT_EQ(index_.find(key_at(5, 1)), nullptr);
  EXPECT_FALSE(index_.erase(key_at(5, 1)));
}

TEST_F(OpenAddressingIndexTest, LeavesAnEntryWhoseHomeIsAfterTheHole) {
  // Positions 2, 3, 4 hold homes 2, 2, 4 (the last is at its own home) and 5 holds home 2.
  ASSERT_EQ(index_.insert(entry(key_at(2, 1), 1)), IndexInsert::kInserted);
  ASSERT_EQ(index_.insert(entry(key_at(2, 2), 2)), IndexInsert::kInserted);
  ASSERT_EQ(index_.insert(entry(key_at(4, 1), 3)), IndexInsert::kInserted);
  ASSERT_EQ(index_.insert(entry(key_at(2, 3), 4)), IndexInsert::kInserted);
  ASSERT_EQ(position(key_at(2, 3)), 5);
  EXPECT_TRUE(index_.erase(key_at(2, 1)));
  EXPECT_EQ(position(key_at(2, 2)), 2);
  EXPECT_EQ(position(key_at(4, 1)), 4) << "home 4 may not move before its home";
  EXPECT_EQ(position(key_at(2, 3)), 3) << "home 2 jumps over it into the hole";
  for (uint64_t k : {key_at(2, 2), key_at(4, 1), key_at(2, 3)}) EXPECT_NE(index_.find(k), nullptr);
}

TEST_F(OpenAddressingIndexTest, WrapsAroundTheEndOfTheTable) {
  for (uint32_t n = 1; n <= 3; ++n)
    ASSERT_EQ(index_.insert(entry(key_at(7, n), n)), IndexInsert::kInserted);
  EXPECT_EQ(position(key_at(7, 1)), 7);
  EXPECT_EQ(position(key_at(7, 2)), 0);
  EXPECT_EQ(position(key_at(7, 3)), 1);
  for (uint32_t n = 1; n <= 3; ++n) EXPECT_EQ(index_.find(key_at(7, n))->value, n);
  // An entry at home 0 sits behind the wrapped run.
  ASSERT_EQ(index_.insert(entry(key_at(0, 1), 9)), IndexInsert::kInserted);
  EXPECT_EQ(position(key_at(0, 1)), 2);

  EXPECT_TRUE(index_.erase(key_at(7, 1)));
  EXPECT_EQ(position(key_at(7, 2)), 7) << "shifted back across the end";
  EXPECT_EQ(position(key_at(7, 3)), 0);
  EXPECT_EQ(position(key_at(0, 1)), 1);
  for (uint64_t k : {key_at(7, 2), key_at(7, 3), key_at(0, 1)}) EXPECT_NE(index_.find(k), nullptr);
}

TEST_F(OpenAddressingIndexTest, ReportsFullAndStillAnswersWhenNoEntryIsEmpty) {
  for (uint32_t n = 0; n < kCapacity; ++n) {
    ASSERT_EQ(index_.insert(entry(key_at(n % 3, n), n)), IndexInsert::kInserted);
  }
  EXPECT_EQ(index_.insert(entry(key_at(6, 100), 100)), IndexInsert::kFull);
  EXPECT_FALSE(index_.insert_absent(entry(key_at(6, 100), 100)));
  EXPECT_EQ(index_.insert(entry(key_at(1, 1), 7)), IndexInsert::kPresent);
  EXPECT_EQ(index_.find(key_at(6, 100)), nullptr) << "a miss ends after one lap";
  EXPECT_FALSE(index_.erase(key_at(6, 100)));
  for (uint32_t n = 0; n < kCapacity; ++n) EXPECT_EQ(index_.find(key_at(n % 3, n))->value, n);

  // Erasing from a full table (no empty entry to stop the shift at) keeps the rest reachable.
  EXPECT_TRUE(index_.erase(key_at(0, 0)));
  for (uint32_t n = 1; n < kCapacity; ++n) EXPECT_EQ(index_.find(key_at(n % 3, n))->value, n);
  EXPECT_EQ(index_.insert(entry(key_at(6, 100), 100)), IndexInsert::kInserted);
}

TEST_F(OpenAddressingIndexTest, EraseIfRemovesTheFirstMatchOfTheKeysProbeRun) {
  ASSERT_EQ(index_.insert(entry(key_at(3, 1), 10)), IndexInsert::kInserted);
  ASSERT_EQ(index_.insert(entry(key_at(3, 2), 20)), IndexInsert::kInserted);
  // Matched by value, not by the key the run was entered with.
  EXPECT_TRUE(index_.erase_if(key_at(3, 1), [](const Entry& e) { return e.value == 20; }));
  EXPECT_EQ(index_.find(key_at(3, 2)), nullptr);
  EXPECT_NE(index_.find(key_at(3, 1)), nullptr);
  EXPECT_FALSE(index_.erase_if(key_at(3, 1), [](const Entry& e) { return e.value == 99; }));
  EXPECT_FALSE(index_.erase_if(key_at(5, 1), [](const Entry&) { return true; }))
      << "an empty home ends the run";
}

TEST_F(OpenAddressingIndexTest, InsertAbsentSkipsTheKeyComparison) {
  ASSERT_TRUE(index_.insert_absent(entry(key_at(4, 1), 1)));
  ASSERT_TRUE(index_.insert_absent(entry(key_at(4, 1), 2)));
  EXPECT_EQ(position(key_at(4, 1)), 4);
  EXPECT_EQ(table_[5].key, key_at(4, 1));
  EXPECT_EQ(table_[5].value, 2u);
}

TEST_F(OpenAddressingIndexTest, ClearEmptiesEveryEntry) {
  for (uint32_t n = 0; n < 5; ++n)
    ASSERT_EQ(index_.insert(entry(key_at(n, 1), n)), IndexInsert::kInserted);
  index_.clear();
  for (const Entry& e : table_) EXPECT_EQ(e.used, 0u);
  EXPECT_EQ(index_.find(key_at(0, 1)), nullptr);
}

// Random inserts and erases on a larger table agree with a std::map, and two tables given the
// same operations end byte-identical (the engine's state hash depends on that).
TEST(OpenAddressingIndex, AgreesWithAMapAndIsDeterministic) {
  constexpr uint32_t kBig = 64;
  std::array<Entry, kBig> a{};
  std::array<Entry, kBig> b{};
  Index ia(a.data(), kBig);
  Index ib(b.data(), kBig);
  ia.clear();
  ib.clear();
  std::map<uint64_t, uint32_t> model;
  std::mt19937_64 rng(7);
  for (uint32_t step = 0; step < 20000; ++step) {
    const uint64_t key =
        key_at(static_cast<uint32_t>(rng() % kBig), static_cast<uint32_t>(rng() % 4));
    if (rng() % 2 == 0 && model.size() < kBig / 2) {
      const IndexInsert r = ia.insert(entry(key, step));
      ASSERT_EQ(ib.insert(entry(key, step)), r);
      ASSERT_EQ(r, model.contains(key) ? IndexInsert::kPresent : IndexInsert::kInserted);
      model.emplace(key, step);
    } else {
      const bool erased = ia.erase(key);
      ASSERT_EQ(ib.erase(key), erased);
      ASSERT_EQ(erased, model.erase(key) == 1);
    }
    ASSERT_EQ(std::memcmp(a.data(), b.data(), sizeof a), 0) << "step " << step;
  }
  for (const auto& [key, value] : model) {
    const Entry* e = ia.find(key);
    ASSERT_NE(e, nullptr) << key;
    EXPECT_EQ(e->value, value);
  }
  size_t used = 0;
  for (const Entry& e : a) used += e.used;
  EXPECT_EQ(used, model.size());
}

}  // namespace
}  // namespace ose::shm
