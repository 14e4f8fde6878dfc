// StateHeader::orders_by_status, the used order slots by status that the engine keeps at each
// transition and slot reuse, is derived state: after every input of a random stream it must
// equal a recount of the table, and a snapshot restored and given the stream's tail, or the
// whole stream replayed into a fresh State, must reach the same counts (and the same hash,
// which covers the header). The property tests compare the counts with the reference model's
// orders input by input; this adds the two ways a state is rebuilt.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/core/state.hpp"
#include "tests/engine/random_streams.hpp"

namespace ose {
namespace {

struct NullSink final : EventSink {
  void on_event(const Event&) noexcept override {}
};

using Counts = std::array<uint32_t, kOrderStatusCount>;

// Counted here from the table, slot by slot, not by State::recount_orders_by_status.
Counts table_counts(const State& s) {
  Counts c{};
  for (uint32_t slot = 0; slot < s.header().next_unused_slot; ++slot) {
    ++c.at(static_cast<size_t>(s.order_at(slot).status));
  }
  return c;
}

Counts header_counts(const State& s) {
  Counts c{};
  std::copy(std::begin(s.header().orders_by_status), std::end(s.header().orders_by_status),
            c.begin());
  return c;
}

TEST(OrderStatusCounts, EqualTheTableAfterEveryInputAndSurviveSnapshotTailAndReplay) {
  // 10 order slots: terminal orders' slots are reused many times over in 200 inputs.
  const EngineConfig config = streams::load_stream_config(10, 8, 32);
  constexpr int kSteps = 200;
  uint64_t reused = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    auto live = State::create(config);
    ASSERT_TRUE(live.ok()) << live.error();
    ref::Model model(config);
    streams::StreamGenerator gen(seed, model);
    NullSink sink;
    std::vector<Input> inputs;
    const int cut = static_cast<int>(seed % 150) + 10;  // where the snapshot is taken
    std::string snapshot;
    for (int step = 0; step < kSteps; ++step) {
      inputs.push_back(gen.next());
      model.apply(inputs.back());
      const uint64_t retired = live->header().retire_head;
      apply(*live, inputs.back(), sink);
      reused += live->header().retire_head - retired;
      ASSERT_EQ(header_counts(*live), table_counts(*live)) << "seed " << seed << " step " << step;
      if (step + 1 == cut) snapshot = live->serialize();
    }
    EXPECT_EQ(live->integrity_problem(), "") << "seed " << seed;

    auto restored = State::create(config);
    ASSERT_TRUE(restored.ok());
    auto r = restored->restore(snapshot);
    ASSERT_TRUE(r.ok()) << r.error();
    for (size_t k = static_cast<size_t>(cut); k < inputs.size(); ++k) {
      apply(*restored, inputs[k], sink);
    }
    EXPECT_EQ(header_counts(*restored), header_counts(*live)) << "snapshot + tail, seed " << seed;
    EXPECT_EQ(restored->hash(), live->hash()) << "snapshot + tail, seed " << seed;

    auto replayed = State::create(config);
    ASSERT_TRUE(replayed.ok());
    for (const Input& in : inputs) apply(*replayed, in, sink);
    EXPECT_EQ(header_counts(*replayed), header_counts(*live)) << "replay, seed " << seed;
    EXPECT_EQ(replayed->hash(), live->hash()) << "replay, seed " << seed;
  }
  EXPECT_GT(reused, 500u);  // the slot-reuse path was exercised, not just fresh slots
}

}  // namespace
}  // namespace ose
