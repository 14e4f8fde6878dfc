// ose as the study's OrderEventStore: the whole workload goes through a real engine process
// without a reject, in each journal mode, and the engine stops cleanly.
#include <gtest/gtest.h>

#include "bench/alt/ose_store.hpp"

namespace ose::bench {
namespace {

void run_workload(const std::string& journal, uint64_t orders) {
  OseStoreOptions o;
  o.journal = journal;
  o.accounts = 2;
  auto store = OseStore::start(o);
  ASSERT_TRUE(store) << store.error();
  WorkloadOptions w;
  w.orders = orders;
  w.accounts = 2;
  const std::vector<OrderEvent> events = make_order_workload(w);
  ASSERT_GT(events.size(), orders * 3);
  for (const OrderEvent& e : events) {
    const std::string why = (*store)->apply(e);
    ASSERT_EQ(why, "") << to_string(e.kind) << " of order " << e.order_id;
  }
  EXPECT_EQ((*store)->stop(), "");
}

TEST(OseStore, TheWorkloadGoesThroughWithoutAReject) {
  run_workload("none", 500);
}

TEST(OseStore, AndWithTheJournalAsync) {
  run_workload("async", 500);
}

TEST(OseStore, AndWithTheJournalSync) {
  run_workload("sync", 50);  // each event waits for an fdatasync
}

}  // namespace
}  // namespace ose::bench
