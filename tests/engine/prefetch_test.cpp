// apply_stream() (engine/core/prefetch.hpp) fetches the next inputs' memory while one is applied.
// The hints only read, so a stream applied through it must end every input with the same State
// and the same events as apply() one input at a time — with slots reused and the trade window
// wrapping, where the hints guess positions that the inputs in between may change — and the
// hints must read nothing out of bounds whatever an input holds (ASan runs these).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/prefetch.hpp"
#include "engine/core/state.hpp"
#include "tests/engine/random_streams.hpp"
#include "tests/engine/reference_model.hpp"
#include "tests/engine/test_support.hpp"

namespace ose {
namespace {

using streams::make_stream;
constexpr auto fresh = streams::fresh_state;
using test::RecordingSink;

const EngineConfig& config() {
  return streams::small_config();
}

TEST(ApplyStream, EndsEveryInputWithTheStateAndEventsOfApplyAlone) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    const auto stream = make_stream(config(), seed, 400);
    State alone = fresh(config());
    State streamed = fresh(config());
    RecordingSink alone_events;
    RecordingSink streamed_events;
    std::vector<uint64_t> alone_hashes;
    for (const Input& in : stream) {
      apply(alone, in, alone_events);
      alone_hashes.push_back(alone.hash());
    }
    std::vector<uint64_t> streamed_hashes;
    apply_stream(streamed, stream.data(), stream.size(), streamed_events,
                 [&](size_t, const ApplyOutcome&) { streamed_hashes.push_back(streamed.hash()); });
    ASSERT_EQ(streamed_hashes, alone_hashes) << "seed " << seed;
    ASSERT_EQ(streamed_events.events.size(), alone_events.events.size()) << "seed " << seed;
    EXPECT_EQ(std::memcmp(streamed_events.events.data(), alone_events.events.data(),
                          alone_events.events.size() * sizeof(Event)),
              0)
        << "seed " << seed;
    EXPECT_EQ(streamed.serialize(), alone.serialize()) << "seed " << seed;
  }
}

TEST(ApplyStream, AnEmptyOrOneInputStreamIsApplyAlone) {
  const auto stream = make_stream(config(), 7, 1);
  State alone = fresh(config());
  State streamed = fresh(config());
  NullEventSink sink;
  apply_stream(streamed, stream.data(), 0, sink);
  EXPECT_EQ(streamed.hash(), alone.hash());
  apply(alone, stream[0], sink);
  apply_stream(streamed, stream.data(), 1, sink);
  EXPECT_EQ(streamed.hash(), alone.hash());
}

// Hints for inputs of random bytes (any op, any ids, any counts ahead) on a State with used and
// reused slots: nothing to assert but that they read only the region (ASan) and change nothing.
TEST(ApplyStream, HintsForGarbageInputsReadOnlyTheStateAndChangeNothing) {
  State s = fresh(config());
  NullEventSink sink;
  const auto stream = make_stream(config(), 11, 300);
  apply_stream(s, stream.data(), stream.size(), sink);
  const std::string before = s.serialize();
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20'000; ++i) {
    Input in;
    auto* bytes = reinterpret_cast<unsigned char*>(&in);
    for (size_t k = 0; k < sizeof in; ++k) bytes[k] = static_cast<unsigned char>(rng());
    // Half of them with a real op, so every op's hint path runs.
    if (i % 2 == 0) in.cmd.op = static_cast<Op>(rng() % 20);
    const Ahead ahead{static_cast<uint32_t>(rng()), static_cast<uint32_t>(rng() % 4)};
    prefetch_far(s, in.cmd, ahead);
    prefetch_near(s, in.cmd, ahead);
  }
  EXPECT_EQ(s.serialize(), before);
}

}  // namespace
}  // namespace ose
