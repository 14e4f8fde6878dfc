// A refused input publishes nothing of the order it names (docs/design/0008): the handlers look
// the order up read-only (find_ref) and take it for writing only once their checks pass, so a
// client cannot make another client's order republish, and readers of it never retry for it.
#include <gtest/gtest.h>

#include <string>

#include "engine/core/write_log.hpp"
#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "refusedwrites"
max_orders = 64
max_positions = 64
)toml",
                                                    R"toml(
[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000", BTC = "1" }

[[accounts]]
name = "other"
type = "spot"
balances = { USDT = "100000" }

[[strategies]]
name = "s1"
account = "main"

[[clients]]
name = "c1"
role = "strategy"
accounts = ["main"]

[[clients]]
name = "c2"
role = "strategy"
accounts = ["main"]

[[clients]]
name = "v2"
role = "venue"
accounts = ["other"]
)toml");

// Engine order id of the first order: generation 1, slot 0 (records.hpp make_order_id).
constexpr uint64_t kFirstOrder = uint64_t{1} << 32;

uint32_t order_records_logged(const WriteLog& log, const VersionLayout& layout) {
  uint32_t n = 0;
  const uint32_t first = layout.base[static_cast<int>(VersionedTable::kOrders)];
  const uint32_t last = layout.base[static_cast<int>(VersionedTable::kVenueOrderIds)];
  for (uint32_t i = 0; i < log.record_count(); ++i) {
    if (log.records()[i].version >= first && log.records()[i].version < last) ++n;
  }
  return n;
}

TEST(RefusedInputWrites, AnotherStrategysCancelAndAnUnboundVenuesFillLogNoOrderRecord) {
  test::Harness h(kConfig);
  h.feed(
      R"({"op":"new_order","client":"c1","cl_id":1,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"100"})");
  const VersionLayout layout = VersionLayout::for_caps(h.state().caps());
  WriteLog log(layout);
  h.state().log_writes(&log);

  // c2 is a strategy: c1's order is unknown to it.
  const auto cancel = h.feed(R"({"op":"cancel","source":"c2","order_id":4294967296})");
  EXPECT_EQ(test::reject_reason(cancel), "UNKNOWN_ORDER");
  EXPECT_EQ(order_records_logged(log, layout), 0u);
  log.clear();

  // v2 is a venue bound to "other" only: the order is of "main".
  const auto fill = h.feed(
      R"({"op":"fill","source":"v2","order_id":4294967296,"trade_id":"t1","qty":"0.1","price":"100"})");
  EXPECT_EQ(test::reject_reason(fill), "ACCOUNT_NOT_PERMITTED");
  EXPECT_EQ(order_records_logged(log, layout), 0u);
  log.clear();

  // The owner's cancel passes its checks and writes the order: exactly that record is logged.
  const auto own = h.feed(R"({"op":"cancel","source":"c1","order_id":4294967296})");
  EXPECT_EQ(test::reject_reason(own), test::kNotRejected);
  ASSERT_EQ(order_records_logged(log, layout), 1u);
  EXPECT_EQ(h.state().find_order(kFirstOrder)->status, OrderStatus::kPendingCancel);
  h.state().log_writes(nullptr);
}

}  // namespace
}  // namespace ose
