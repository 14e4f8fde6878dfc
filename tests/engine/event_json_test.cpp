// append_event_json() writes an event's JSON text without building an nlohmann::json (`ose
// serve`'s event stream); its bytes must be exactly event_to_json(...).dump(), what `ose
// inspect events` prints. Compared over every event of seeded random streams, which reach
// every event type, rejects of unknown names (JSON nulls), acks with and without venue ids and
// fills whose trade fell out of the window; and by hand for strings that need escaping.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/formats/json_format.hpp"
#include "tests/engine/random_streams.hpp"

namespace ose {
namespace {

class CollectingSink final : public EventSink {
 public:
  void on_event(const Event& e) noexcept override { events.push_back(e); }
  std::vector<Event> events;
};

TEST(EventJson, AppendedTextIsTheDumpOfEventToJsonForEveryEventOfRandomStreams) {
  const EngineConfig config = streams::load_stream_config(10, 8, 32);
  std::map<EventType, int> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    auto state = State::create(config);
    ASSERT_TRUE(state.ok()) << state.error();
    ref::Model model(config);
    streams::StreamGenerator gen(seed, model);
    CollectingSink sink;
    for (int step = 0; step < 150; ++step) {
      const Input in = gen.next();
      model.apply(in);
      sink.events.clear();
      apply(*state, in, sink);
      for (const Event& e : sink.events) {
        const EventVenueIds ids = event_venue_ids(*state, e);
        std::string text = "x";  // appended to, not overwritten
        append_event_json(text, *state, e, ids);
        std::string want = "x";
        want += event_to_json(*state, e, ids).dump();
        ASSERT_EQ(text, want) << "seed " << seed << " step " << step << " " << to_string(e.type);
        ++seen[e.type];
      }
    }
  }
  for (EventType t :
       {EventType::kAccepted, EventType::kRejected, EventType::kAcked, EventType::kFill,
        EventType::kCancelRequested, EventType::kCancelled, EventType::kExpired,
        EventType::kAmended, EventType::kAlert, EventType::kBalance, EventType::kTriggered,
        EventType::kCreated, EventType::kLeverage, EventType::kStrategyState, EventType::kHalted,
        EventType::kResumed}) {
    EXPECT_GT(seen[t], 0) << to_string(t);
  }
}

TEST(EventJson, EscapesVenueIdsAndNamesAsNlohmannDoes) {
  auto state = State::create(streams::load_stream_config(10, 8, 32));
  ASSERT_TRUE(state.ok()) << state.error();
  Event e{};
  e.seq = 7;
  e.ts = -5;  // a negative integer
  e.type = EventType::kAcked;
  e.order_id = 0x100000001ull;
  e.client = kNoIndex;  // an unknown name: null
  for (const std::string_view id : {"plain-id", "quote\"d", "back\\slash", "", "caf\xc3\xa9",
                                    "tab\there", "bell\x07", "del\x7f"}) {
    EventVenueIds ids{};
    std::memcpy(ids.venue_order_id.bytes, id.data(), id.size());
    std::string text;
    append_event_json(text, *state, e, ids);
    EXPECT_EQ(text, event_to_json(*state, e, ids).dump()) << id;
  }
}

}  // namespace
}  // namespace ose
