// restore() must refuse a snapshot whose size is right but whose contents are not: a slot
// index out of range or a broken intrusive list would otherwise fail much later, in apply().
#include <gtest/gtest.h>

#include <cstring>

#include "tests/engine/test_support.hpp"

namespace ose {
namespace {

// The fewest keys a market needs, not tests/support/btcusdt_spot.hpp: these cases corrupt
// snapshots, whatever the market's rules.
constexpr const char* kConfig = R"(
[engine]
name = "snapshot"
max_orders = 16
[[assets]]
code = "USDT"
[[assets]]
code = "BTC"
[[instruments]]
symbol = "BTCUSDT"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
[[accounts]]
name = "main"
balances = { USDT = "100000", BTC = "1" }
[[strategies]]
name = "s1"
account = "main"
[[clients]]
name = "c1"
accounts = ["main"]
)";

std::string order_line(int cl_id, const char* type, const char* extra) {
  return std::string(R"({"op":"new_order","client":"c1","cl_id":)") + std::to_string(cl_id) +
         R"(,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":")" + type +
         R"(","qty":"0.01",)" + extra + "}";
}

class SnapshotIntegrity : public ::testing::Test {
 protected:
  SnapshotIntegrity() : h_(kConfig) {
    h_.feed(order_line(1, "limit", R"("price":"100")"));
    h_.feed(order_line(2, "stop_market", R"("stop_price":"200")"));
    h_.feed(order_line(3, "limit", R"("price":"101")"));
    bytes_ = h_.state().serialize();
  }
  // Offset in the serialization of order slot `slot`'s field at `field_offset`.
  size_t order_field(uint32_t slot, size_t field_offset) {
    const StateOffsets& o = h_.state().header().offsets;
    return sizeof(StateHeader) + (o.orders - o.assets) + slot * sizeof(OrderRecord) + field_offset;
  }
  bool restores(const std::string& bytes) {
    test::Harness fresh(kConfig);
    const uint64_t before = fresh.state().hash();
    auto r = fresh.state().restore(bytes);
    if (!r) {
      EXPECT_EQ(fresh.state().hash(), before) << "a refused restore changed the state";
    }
    return r.ok();
  }
  test::Harness h_;
  std::string bytes_;
};

TEST_F(SnapshotIntegrity, AcceptsAnUntouchedSnapshot) {
  EXPECT_EQ(h_.state().integrity_problem(), "");
  EXPECT_TRUE(restores(bytes_));
}

TEST_F(SnapshotIntegrity, RefusesALiveListLinkOutOfRange) {
  std::string bad = bytes_;
  const uint32_t far = 1000;
  std::memcpy(bad.data() + order_field(0, offsetof(OrderRecord, live_next)), &far, sizeof far);
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, RefusesALiveListCycle) {
  std::string bad = bytes_;
  const uint32_t self = 0;
  std::memcpy(bad.data() + order_field(0, offsetof(OrderRecord, live_next)), &self, sizeof self);
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, RefusesAnOrderIdThatNamesAnotherSlot) {
  std::string bad = bytes_;
  const uint64_t id = make_order_id(1, 2);  // stored in slot 1
  std::memcpy(bad.data() + order_field(1, offsetof(OrderRecord, id)), &id, sizeof id);
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, RefusesAnImpossibleStatus) {
  std::string bad = bytes_;
  bad[order_field(0, offsetof(OrderRecord, status))] = 42;
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, RefusesAWorkingOrderOfAnUnknownInstrument) {
  std::string bad = bytes_;
  const uint16_t instrument = 7;
  std::memcpy(bad.data() + order_field(0, offsetof(OrderRecord, instrument)), &instrument,
              sizeof instrument);
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, RefusesATriggerListThatLosesAnOrder) {
  std::string bad = bytes_;
  // Slot 1 is the untriggered stop; marking it open leaves the trigger list inconsistent.
  bad[order_field(1, offsetof(OrderRecord, status))] = static_cast<char>(OrderStatus::kOpen);
  EXPECT_FALSE(restores(bad));
}

TEST_F(SnapshotIntegrity, CarriesTheOrderCountsByStatusAndRefusesWrongOnes) {
  // By hand: two limit orders wait for the venue's ack, the stop waits for its trigger.
  const StateHeader& h = h_.state().header();
  EXPECT_EQ(h.orders_by_status[static_cast<int>(OrderStatus::kPendingNew)], 2u);
  EXPECT_EQ(h.orders_by_status[static_cast<int>(OrderStatus::kUntriggered)], 1u);
  EXPECT_EQ(h.orders_by_status[static_cast<int>(OrderStatus::kOpen)], 0u);
  std::string bad = bytes_;
  // One pending order counted as open instead: the right total, the wrong statuses.
  const uint32_t counts[] = {1, 1, 1};  // untriggered, pending new, open
  std::memcpy(bad.data() + offsetof(StateHeader, orders_by_status), counts, sizeof counts);
  EXPECT_FALSE(restores(bad));
}

}  // namespace
}  // namespace ose
