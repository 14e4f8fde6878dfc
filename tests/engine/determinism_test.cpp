// Determinism (DESIGN §5: same inputs ⇒ byte-identical state, proved by state_hash) and the
// State's snapshot paths: serialize() / restore() mid-stream, clone(), and restore's refusal of
// bytes that are not a snapshot of this layout. The inputs are the seeded random streams of
// tests/engine/random_streams.hpp.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/state.hpp"
#include "tests/engine/random_streams.hpp"
#include "tests/engine/reference_model.hpp"
#include "tests/engine/test_support.hpp"

namespace ose {
namespace {

using streams::make_stream;
constexpr auto fresh = streams::fresh_state;
using test::RecordingSink;

// Events are padding-free PODs (static_asserted in event.hpp): equal bytes ⇔ equal events.
bool same_events(const std::vector<Event>& a, const std::vector<Event>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(Event)) == 0);
}

const EngineConfig& config() {
  return streams::small_config();
}

constexpr int kSeeds = 100;
constexpr int kInputs = 300;

TEST(Determinism, TheSameStreamOnTwoFreshStatesGivesTheSameHashAfterEveryInput) {
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const auto stream = make_stream(config(), seed, kInputs);
    State a = fresh(config());
    State b = fresh(config());
    ASSERT_EQ(a.hash(), b.hash());
    for (size_t i = 0; i < stream.size(); ++i) {
      RecordingSink ea, eb;
      apply(a, stream[i], ea);
      apply(b, stream[i], eb);
      ASSERT_EQ(a.hash(), b.hash()) << "seed " << seed << " input " << i;
      ASSERT_TRUE(same_events(ea.events, eb.events)) << "seed " << seed << " input " << i;
    }
    EXPECT_EQ(a.serialize(), b.serialize()) << "seed " << seed;
    EXPECT_EQ(a.header().seq, stream.back().seq);
  }
}

TEST(Determinism, TheHashChangesWhenTheStateDoes) {
  State s = fresh(config());
  const uint64_t before = s.hash();
  Input in{};
  in.seq = 1;
  in.ts = 1'704'067'200'000'000'000;
  in.source = kEngineSource;
  in.cmd = make_command(Op::kDeposit);
  in.cmd.balance.account = 0;
  in.cmd.balance.asset = 0;
  in.cmd.balance.amount = Amount::from_e8(1);
  NullEventSink sink;
  apply(s, in, sink);
  EXPECT_NE(s.hash(), before);
}

TEST(Determinism, ASnapshotRestoredMidStreamEndsWithTheSameHashAsTheUninterruptedRun) {
  std::mt19937_64 rng(42);
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const auto stream = make_stream(config(), 1000 + seed, kInputs);
    // The uninterrupted run, with its events per input.
    State whole = fresh(config());
    std::vector<std::vector<Event>> events;
    for (const Input& in : stream) {
      RecordingSink sink;
      apply(whole, in, sink);
      events.push_back(std::move(sink.events));
    }
    const size_t cuts[] = {0, 1, static_cast<size_t>(rng() % kInputs), kInputs - 1};
    for (size_t cut : cuts) {
      State first = fresh(config());
      NullEventSink null;
      for (size_t i = 0; i < cut; ++i) apply(first, stream[i], null);
      const std::string snapshot = first.serialize();

      State resumed = fresh(config());
      auto r = resumed.restore(snapshot);
      ASSERT_TRUE(r.ok()) << r.error();
      ASSERT_EQ(resumed.hash(), first.hash()) << "seed " << seed << " cut " << cut;
      ASSERT_EQ(resumed.serialize(), snapshot);
      for (size_t i = cut; i < stream.size(); ++i) {
        RecordingSink sink;
        apply(resumed, stream[i], sink);
        ASSERT_TRUE(same_events(sink.events, events[i]))
            << "seed " << seed << " cut " << cut << " input " << i
            << ": the restored state reacts differently";
      }
      EXPECT_EQ(resumed.hash(), whole.hash()) << "seed " << seed << " cut " << cut;
      EXPECT_EQ(resumed.serialize(), whole.serialize());
    }
  }
}

TEST(Determinism, RestoreOverwritesAStateThatHasMovedOn) {
  const auto stream = make_stream(config(), 7, kInputs);
  const auto other = make_stream(config(), 8, kInputs);
  State source = fresh(config());
  NullEventSink null;
  for (size_t i = 0; i < 50; ++i) apply(source, stream[i], null);
  // The target has applied a longer, different stream: more slots, trades and ledger entries.
  State target = fresh(config());
  for (const Input& in : other) apply(target, in, null);
  ASSERT_TRUE(target.restore(source.serialize()).ok());
  EXPECT_EQ(target.hash(), source.hash());
  for (size_t i = 50; i < stream.size(); ++i) {
    apply(source, stream[i], null);
    apply(target, stream[i], null);
  }
  EXPECT_EQ(target.hash(), source.hash());
}

TEST(Determinism, RestoreRefusesBytesThatAreNotASnapshotOfThisLayoutAndChangesNothing) {
  const auto stream = make_stream(config(), 3, 120);
  State source = fresh(config());
  NullEventSink null;
  for (const Input& in : stream) apply(source, in, null);
  const std::string good = source.serialize();

  State target = fresh(config());
  for (size_t i = 0; i < 40; ++i) apply(target, stream[i], null);
  const uint64_t target_hash = target.hash();

  auto patched = [&](size_t offset, const void* value, size_t n) {
    std::string s = good;
    std::memcpy(s.data() + offset, value, n);
    return s;
  };
  std::mt19937_64 rng(9);
  std::string noise(good.size(), '\0');
  for (char& ch : noise) ch = static_cast<char>(rng());
  const uint32_t bad_version = kStateLayoutVersion + 1;
  const uint64_t bad_magic = kStateMagic ^ 1;
  const uint32_t too_many_slots = source.caps().orders + 1;
  const uint64_t no_ledger = 0;  // the ledger part of the bytes would have to be empty

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty", std::string()},
      {"ten bytes", good.substr(0, 10)},
      {"random bytes of the right size", noise},
      {"header only", good.substr(0, sizeof(StateHeader))},
      {"one byte short", good.substr(0, good.size() - 1)},
      {"half of it", good.substr(0, good.size() / 2)},
      {"one byte too many", good + '\0'},
      {"bad magic", patched(offsetof(StateHeader, magic), &bad_magic, sizeof bad_magic)},
      {"other layout version",
       patched(offsetof(StateHeader, layout_version), &bad_version, sizeof bad_version)},
      {"more slots than the table has",
       patched(offsetof(StateHeader, next_unused_slot), &too_many_slots, sizeof too_many_slots)},
      {"a ledger count that disagrees with the size",
       patched(offsetof(StateHeader, ledger_written), &no_ledger, sizeof no_ledger)},
  };
  for (const auto& [what, bytes] : cases) {
    auto r = target.restore(bytes);
    EXPECT_FALSE(r.ok()) << what << " was accepted";
    if (!r.ok()) {
      EXPECT_FALSE(r.error().empty()) << what;
    }
    EXPECT_EQ(target.hash(), target_hash) << what << " changed the state";
  }
  // A snapshot of another config's layout (other capacities) is refused too.
  State other = fresh(streams::load_stream_config(64, 16));
  auto r = target.restore(other.serialize());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(target.hash(), target_hash);
  // The refused restores left a working state: it goes on exactly like an untouched copy.
  State twin = fresh(config());
  for (size_t i = 0; i < 40; ++i) apply(twin, stream[i], null);
  for (size_t i = 40; i < stream.size(); ++i) {
    apply(target, stream[i], null);
    apply(twin, stream[i], null);
  }
  EXPECT_EQ(target.hash(), twin.hash());
  EXPECT_EQ(target.hash(), source.hash());
}

TEST(Determinism, ACloneHasTheSameHashAndEvolvesIndependently) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto stream = make_stream(config(), 500 + seed, kInputs);
    State original = fresh(config());
    NullEventSink null;
    const size_t half = stream.size() / 2;
    for (size_t i = 0; i < half; ++i) apply(original, stream[i], null);
    auto cloned = original.clone();
    ASSERT_TRUE(cloned.ok()) << cloned.error();
    State& copy = cloned.value();
    ASSERT_EQ(copy.hash(), original.hash());
    ASSERT_EQ(copy.serialize(), original.serialize());
    // Only the original moves on: the copy keeps its hash.
    const uint64_t at_clone = copy.hash();
    for (size_t i = half; i < stream.size(); ++i) apply(original, stream[i], null);
    EXPECT_EQ(copy.hash(), at_clone) << "seed " << seed;
    // Then the copy catches up, with the same events, and they meet again.
    State replay = fresh(config());
    for (size_t i = 0; i < half; ++i) apply(replay, stream[i], null);
    for (size_t i = half; i < stream.size(); ++i) {
      RecordingSink a, b;
      apply(copy, stream[i], a);
      apply(replay, stream[i], b);
      ASSERT_TRUE(same_events(a.events, b.events)) << "seed " << seed << " input " << i;
    }
    EXPECT_EQ(copy.hash(), original.hash()) << "seed " << seed;
  }
}

// apply()'s outcome says what the State's counters and the sink say: the reject reason whose
// counter moved (an input counts at most one reject), the events emitted and the alerts among
// them. The Runner trusts it instead of diffing the counters.
TEST(ApplyOutcome, AgreesWithTheRejectCountersAndTheEventsOfEveryInput) {
  uint64_t rejected = 0;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    const auto stream = make_stream(config(), 900 + seed, kInputs);
    State s = fresh(config());
    RecordingSink sink;
    for (size_t i = 0; i < stream.size(); ++i) {
      const StateHeader before = s.header();
      const size_t events_before = sink.events.size();
      const ApplyOutcome outcome = apply(s, stream[i], sink);
      const StateHeader& after = s.header();
      RejectReason moved = RejectReason::kNone;
      uint64_t reject_count = 0;
      uint64_t alert_count = 0;
      for (int r = 0; r < kRejectReasonCount; ++r) {
        if (after.rejects[r] != before.rejects[r]) moved = static_cast<RejectReason>(r);
        reject_count += after.rejects[r] - before.rejects[r];
      }
      for (int a = 0; a < kAlertReasonCount; ++a) alert_count += after.alerts[a] - before.alerts[a];
      ASSERT_LE(reject_count, 1u) << "seed " << seed << " input " << i;
      EXPECT_EQ(outcome.reject, moved) << "seed " << seed << " input " << i;
      EXPECT_EQ(outcome.events, sink.events.size() - events_before)
          << "seed " << seed << " input " << i;
      EXPECT_EQ(outcome.alerts, alert_count) << "seed " << seed << " input " << i;
      if (outcome.reject != RejectReason::kNone) ++rejected;
    }
  }
  EXPECT_GT(rejected, 0u) << "the streams must exercise rejects for this to mean anything";
}

}  // namespace
}  // namespace ose
