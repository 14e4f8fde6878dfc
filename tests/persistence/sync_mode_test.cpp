// durability = "sync": the Runner answers a client only once the journal says the input is
// durable. Driven in one process with a stand-in journal whose durable seq the test moves.
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/client/client.hpp"
#include "engine/runtime/runner.hpp"
#include "tests/persistence/persistence_support.hpp"

namespace ose::test {
namespace {

std::string sync_config(const std::string& name, const char* durability, uint32_t max_behind) {
  return one_market_config(name, fmt::format(R"(max_orders = 64
durability = "{}"
journal = false
journal_max_behind = {}
batch = 1)",
                                             durability, max_behind));
}

// Counts what it is handed; durability is whatever the test writes into the status line.
class CountingSink final : public InputSink {
 public:
  void on_input(const Input& in) noexcept override { last_seq = in.seq; }
  uint64_t last_seq = 0;
};

struct InProcessEngine {
  explicit InProcessEngine(const char* durability, uint32_t max_behind = 65536)
      : name(fmt::format("sy{}x{}", getpid(), ++counter)) {
    auto config = load_config_string(sync_config(name, durability, max_behind), "<sync test>");
    EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error());
    auto r = Runner::create(*config, [](const std::string&) {});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    runner = std::move(*r);
    runner->journal_status().state.store(static_cast<uint32_t>(JournalState::kWriting));
    runner->set_input_sink(&sink);
    auto c = Client::attach(name, "ema1");
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error());
    client.emplace(std::move(*c));
  }
  uint64_t buy(uint64_t cl_id) {
    NewOrderCmd n = client->order_template("main", "ema1", "BTCUSDT");
    n.cl_id = cl_id;
    n.side = static_cast<uint8_t>(Side::kBuy);
    n.type = static_cast<uint8_t>(OrderType::kLimit);
    n.tif = static_cast<uint8_t>(Tif::kGtc);
    n.qty = Qty::from_e8(1'000'000);  // 0.01 BTC
    n.price = Price::from_units(30'000);
    return client->new_order(n);
  }
  // Every response the client can read now, after a few Runner passes.
  std::vector<Response> drain() {
    for (int i = 0; i < 8; ++i) runner->poll_once();
    std::vector<Response> out;
    Response r;
    while (client->poll(r)) out.push_back(r);
    return out;
  }
  void set_durable(uint64_t seq) { runner->journal_status().durable_seq.store(seq); }
  ~InProcessEngine() {
    client.reset();
    runner.reset();  // unlinks the segments and the lock file
  }

  static inline int counter = 0;
  std::string name;
  CountingSink sink;
  std::unique_ptr<Runner> runner;
  std::optional<Client> client;
};

TEST(SyncMode, ResponsesWaitForTheirSeqToBeDurable) {
  InProcessEngine e("sync");
  e.buy(1);
  e.buy(2);
  EXPECT_TRUE(e.drain().empty()) << "answered before anything was durable";
  EXPECT_EQ(e.sink.last_seq, 2u) << "both inputs were applied and handed to the journal";
  EXPECT_EQ(e.runner->state().header().seq, 2u);
  EXPECT_EQ(e.runner->held_responses(), 2u);

  e.set_durable(1);
  auto first = e.drain();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].event.seq, 1u);
  EXPECT_EQ(first[0].event.cl_id, 1u);
  EXPECT_EQ(first[0].event.type, EventType::kAccepted);

  e.set_durable(2);
  auto second = e.drain();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].event.cl_id, 2u);
  EXPECT_EQ(e.runner->held_responses(), 0u);
}

TEST(SyncMode, AsyncAnswersAtOnce) {
  InProcessEngine e("async");
  e.buy(1);
  auto r = e.drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event.type, EventType::kAccepted);
  EXPECT_EQ(e.runner->journal_status().durable_seq.load(), 0u);
}

TEST(SyncMode, AFailingJournalBecomesAnInputThatRejectsNewOrders) {
  InProcessEngine e("async");
  e.runner->journal_status().state.store(static_cast<uint32_t>(JournalState::kFailing));
  for (int i = 0; i < 128; ++i) e.runner->poll_once();  // a timer pass sees it
  EXPECT_EQ(e.runner->state().header().persistence_stopped, 1);
  EXPECT_EQ(e.sink.last_seq, 1u) << "the verdict is an input, handed to the journal like any";
  e.buy(7);
  auto r = e.drain();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].event.type, EventType::kRejected);
  EXPECT_EQ(r[0].event.reason, RejectReason::kPersistenceStopped);

  e.runner->journal_status().state.store(static_cast<uint32_t>(JournalState::kWriting));
  for (int i = 0; i < 128; ++i) e.runner->poll_once();
  EXPECT_EQ(e.runner->state().header().persistence_stopped, 0);
  e.buy(8);
  auto again = e.drain();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].event.type, EventType::kAccepted);
}

// The async loss window is bounded: with the journal 3 inputs behind the Runner takes no more.
// (The check is per pass, so the bound is journal_max_behind + one pass's batches; batch = 1.)
TEST(SyncMode, AJournalTooFarBehindHoldsNewCommandsInTheRings) {
  InProcessEngine e("async", 3);
  for (uint64_t cl_id = 1; cl_id <= 5; ++cl_id) e.buy(cl_id);
  EXPECT_EQ(e.drain().size(), 3u);
  EXPECT_EQ(e.runner->state().header().seq, 3u);
  e.set_durable(2);
  EXPECT_EQ(e.drain().size(), 2u);
  EXPECT_EQ(e.runner->state().header().seq, 5u);
  // A failing journal does not hold them: cancels and venue reports must still apply.
  e.runner->journal_status().state.store(static_cast<uint32_t>(JournalState::kFailing));
  e.buy(6);
  const auto during_failure = e.drain();
  ASSERT_FALSE(during_failure.empty());
  EXPECT_GT(e.runner->state().header().seq, 5u);
}

}  // namespace
}  // namespace ose::test
