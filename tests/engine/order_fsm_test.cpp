// The order state machine (DESIGN §4, docs/design/0001 "Order lifecycle"): every (status, event)
// cell of the transition table against an expectation written independently of the table, then
// the same rules end to end through apply().
#include "engine/core/order_fsm.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

using test::Harness;
using S = OrderStatus;
using E = OrderEvent;

// ---- the table, cell by cell ---------------------------------------------------------------

struct LegalMove {
  S from;
  E event;
  S to;
};

// Every legal move, from DESIGN §4 and 0001; any cell not listed here must be refused.
constexpr LegalMove kLegalMoves[] = {
    // A conditional order waits in the engine: the venue has not seen it yet.
    {S::kUntriggered, E::kCancelRequest, S::kCancelled},  // cancelled at once, no venue round trip
    {S::kUntriggered, E::kTrigger, S::kPendingNew},       // becomes a market/limit order
    {S::kUntriggered, E::kExpire, S::kExpired},           // GTD expiry
    {S::kUntriggered, E::kAmend, S::kUntriggered},
    // Sent to the venue, not acknowledged yet.
    {S::kPendingNew, E::kAck, S::kOpen},
    {S::kPendingNew, E::kVenueReject, S::kRejected},
    {S::kPendingNew, E::kPartialFill, S::kPartiallyFilled},
    {S::kPendingNew, E::kFinalFill, S::kFilled},
    {S::kPendingNew, E::kCancelRequest, S::kPendingCancel},
    {S::kPendingNew, E::kExpire, S::kExpired},
    {S::kPendingNew, E::kAmend, S::kPendingNew},
    // Working at the venue.
    {S::kOpen, E::kPartialFill, S::kPartiallyFilled},
    {S::kOpen, E::kFinalFill, S::kFilled},
    {S::kOpen, E::kCancelRequest, S::kPendingCancel},
    {S::kOpen, E::kExpire, S::kExpired},
    {S::kOpen, E::kAmend, S::kOpen},
    {S::kPartiallyFilled, E::kPartialFill, S::kPartiallyFilled},
    {S::kPartiallyFilled, E::kFinalFill, S::kFilled},
    {S::kPartiallyFilled, E::kCancelRequest, S::kPendingCancel},
    {S::kPartiallyFilled, E::kExpire, S::kExpired},
    {S::kPartiallyFilled, E::kAmend, S::kPartiallyFilled},
    // Cancel requested: the ack and fills may race it.
    {S::kPendingCancel, E::kAck, S::kPendingCancel},
    {S::kPendingCancel, E::kVenueReject, S::kRejected},
    {S::kPendingCancel, E::kPartialFill, S::kPendingCancel},
    {S::kPendingCancel, E::kFinalFill, S::kFilled},
    {S::kPendingCancel, E::kCancelAck, S::kCancelled},
    {S::kPendingCancel, E::kExpire, S::kExpired},
    // filled, cancelled, rejected, expired: terminal, nothing leaves them.
};

constexpr std::array<S, 9> kAllStatuses = {S::kUntriggered,     S::kPendingNew,    S::kOpen,
                                           S::kPartiallyFilled, S::kPendingCancel, S::kFilled,
                                           S::kCancelled,       S::kRejected,      S::kExpired};
constexpr std::array<E, 9> kAllEvents = {E::kAck,       E::kVenueReject,   E::kPartialFill,
                                         E::kFinalFill, E::kCancelRequest, E::kCancelAck,
                                         E::kExpire,    E::kTrigger,       E::kAmend};

std::string_view event_words(E e) {
  switch (e) {
    case E::kAck:
      return "ack";
    case E::kVenueReject:
      return "venue_reject";
    case E::kPartialFill:
      return "partial_fill";
    case E::kFinalFill:
      return "final_fill";
    case E::kCancelRequest:
      return "cancel_request";
    case E::kCancelAck:
      return "cancel_ack";
    case E::kExpire:
      return "expire";
    case E::kTrigger:
      return "trigger";
    case E::kAmend:
      return "amend";
  }
  return "?";
}

struct Cell {
  S from;
  E event;
  std::optional<S> expected;  // nullopt: illegal
};

std::vector<Cell> all_cells() {
  std::vector<Cell> cells;
  for (S from : kAllStatuses) {
    for (E event : kAllEvents) {
      Cell cell{from, event, std::nullopt};
      for (const LegalMove& m : kLegalMoves) {
        if (m.from == from && m.event == event) cell.expected = m.to;
      }
      cells.push_back(cell);
    }
  }
  return cells;
}

std::string cell_name(const ::testing::TestParamInfo<Cell>& info) {
  const Cell& c = info.param;
  std::string name = std::string(to_string(c.from)) + "_on_" + std::string(event_words(c.event));
  if (!c.expected) return name + "_is_refused";
  if (*c.expected == c.from) return name + "_stays_" + std::string(to_string(c.from));
  return name + "_becomes_" + std::string(to_string(*c.expected));
}

class TransitionTable : public ::testing::TestWithParam<Cell> {};

TEST_P(TransitionTable, AgreesWithTheDesign) {
  const Cell& c = GetParam();
  const S got = next_status(c.from, c.event);
  if (c.expected) {
    EXPECT_TRUE(is_legal(c.from, c.event));
    EXPECT_EQ(to_string(got), to_string(*c.expected));
  } else {
    EXPECT_FALSE(is_legal(c.from, c.event));
    EXPECT_EQ(got, fsm::kX) << "expected illegal, table says " << to_string(got);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryStatusAndEvent, TransitionTable, ::testing::ValuesIn(all_cells()),
                         cell_name);

TEST(TransitionTableBounds, RefusesOutOfRangeStatusesAndEvents) {
  EXPECT_FALSE(is_legal(static_cast<S>(9), E::kAck));
  EXPECT_FALSE(is_legal(S::kOpen, static_cast<E>(9)));
  EXPECT_EQ(next_status(static_cast<S>(200), E::kCancelRequest), fsm::kX);
}

TEST(TransitionTableBounds, LeavesNoTerminalStatusByAnyEvent) {
  for (S from : {S::kFilled, S::kCancelled, S::kRejected, S::kExpired}) {
    for (E event : kAllEvents) EXPECT_FALSE(is_legal(from, event)) << to_string(from);
  }
}

// ---- end to end through apply() ------------------------------------------------------------

// The shared BTCUSDT spot market; the cases trade 0.01 – 0.1 BTC at 100 USDT, inside its limits.
const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "fsm"
max_orders = 64
max_positions = 64
)toml",
                                                    R"toml(
[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "100000", BTC = "1" }

[[strategies]]
name = "s1"
account = "main"

[[clients]]
name = "c1"
role = "strategy"
accounts = ["main"]
)toml");

// 0.1 BTC at 100 USDT: locks 0.1 × 100 = 10 USDT.
constexpr std::string_view kBuy =
    R"({"op":"new_order","client":"c1","cl_id":1,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"100"})";
constexpr std::string_view kAck = R"({"op":"ack","client":"c1","cl_id":1,"venue_order_id":77})";
constexpr std::string_view kCancel = R"({"op":"cancel","client":"c1","cl_id":1})";
constexpr std::string_view kCancelAck = R"({"op":"cancel_ack","client":"c1","cl_id":1})";
constexpr std::string_view kFillAll =
    R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"0.1","price":"100"})";

struct IllegalReport {
  const char* name;
  std::vector<std::string> setup;  // brings order (c1, 1) into some status
  const char* status;              // that status
  std::string report;              // a venue report the table forbids there
};

std::vector<IllegalReport> illegal_reports() {
  const std::string buy(kBuy), ack(kAck), cancel(kCancel), cancel_ack(kCancelAck),
      fill_all(kFillAll);
  const std::string reject = R"({"op":"venue_reject","client":"c1","cl_id":1,"reason":"x"})";
  const std::string expired = R"({"op":"expired","client":"c1","cl_id":1})";
  const std::string fill_part =
      R"({"op":"fill","client":"c1","cl_id":1,"trade_id":9,"qty":"0.05","price":"100"})";
  return {
      {"AckOnAFilledOrder", {buy, ack, fill_all}, "filled", ack},
      {"SecondAckOnAnOpenOrder", {buy, ack}, "open", ack},
      {"VenueRejectOnAnOpenOrder", {buy, ack}, "open", reject},
      {"CancelAckWithoutACancelRequest", {buy, ack}, "open", cancel_ack},
      {"AckOnACancelledOrder", {buy, ack, cancel, cancel_ack}, "cancelled", ack},
      {"FillOnACancelledOrder", {buy, ack, cancel, cancel_ack}, "cancelled", fill_part},
      {"ExpiryOfARejectedOrder", {buy, reject}, "rejected", expired},
  };
}

class IllegalVenueReport : public ::testing::TestWithParam<IllegalReport> {};

TEST_P(IllegalVenueReport, RaisesAnAlertIsCountedAndChangesNothingElse) {
  const IllegalReport& p = GetParam();
  Harness h(kConfig);
  for (const std::string& line : p.setup) h.feed(line);
  const OrderRecord* order = h.order("c1", 1);
  ASSERT_NE(order, nullptr);
  ASSERT_EQ(to_string(order->status), p.status);

  auto before = h.state().clone();
  ASSERT_TRUE(before.ok());
  const OrderRecord order_before = *order;

  const auto events = h.feed(p.report);

  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kAlert);
  EXPECT_EQ(to_string(events[0].alert), "ILLEGAL_TRANSITION");
  EXPECT_EQ(events[0].order_id, order_before.id);
  EXPECT_EQ(h.state().header().illegal_transitions, 1u);
  EXPECT_EQ(h.state().header().alerts[static_cast<int>(AlertReason::kIllegalTransition)], 1u);
  EXPECT_EQ(std::memcmp(h.order("c1", 1), &order_before, sizeof(OrderRecord)), 0);

  // The whole state equals the one before, once the header's bookkeeping of this input (its
  // seq and ts, the input count, the two counters) is brought forward.
  StateHeader& b = before->edit_header();
  const StateHeader& a = h.state().header();
  b.seq = a.seq;
  b.last_ts = a.last_ts;
  b.inputs_applied = a.inputs_applied;
  b.illegal_transitions += 1;
  b.alerts[static_cast<int>(AlertReason::kIllegalTransition)] += 1;
  EXPECT_EQ(before->hash(), h.state().hash());
  EXPECT_EQ(before->serialize(), h.state().serialize());
}

std::string report_name(const ::testing::TestParamInfo<IllegalReport>& p) {
  return p.param.name;
}

INSTANTIATE_TEST_SUITE_P(ForbiddenByTheTable, IllegalVenueReport,
                         ::testing::ValuesIn(illegal_reports()), report_name);

// Venue reports that are refused without being illegal transitions: the state is unchanged
// apart from the header's bookkeeping and the alert counter.
void expect_refused_with_alert(Harness& h, std::string_view report, AlertReason alert) {
  auto before = h.state().clone();
  ASSERT_TRUE(before.ok());
  const auto events = h.feed(report);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kAlert);
  EXPECT_EQ(to_string(events[0].alert), to_string(alert));
  StateHeader& b = before->edit_header();
  const StateHeader& a = h.state().header();
  b.seq = a.seq;
  b.last_ts = a.last_ts;
  b.inputs_applied = a.inputs_applied;
  b.alerts[static_cast<int>(alert)] += 1;
  EXPECT_EQ(before->serialize(), h.state().serialize());
}

TEST(OrderLifecycle, AnOverfillIsRefusedAndRaisedAsAnAlert) {
  Harness h(kConfig);
  h.feed_all({kBuy, kAck,
              R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"0.06","price":"100"})"});
  // 0.04 remains; a fill of 0.05 is more than the order has left.
  expect_refused_with_alert(
      h, R"({"op":"fill","client":"c1","cl_id":1,"trade_id":2,"qty":"0.05","price":"100"})",
      AlertReason::kOverfill);
  EXPECT_EQ(to_string(h.order("c1", 1)->status), "partially_filled");
  EXPECT_EQ(h.state().header().illegal_transitions, 0u);
}

TEST(OrderLifecycle, AFillWithATradeIdAlreadyAppliedIsIgnored) {
  Harness h(kConfig);
  h.feed_all({kBuy, kAck,
              R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"0.06","price":"100"})"});
  expect_refused_with_alert(
      h, R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"0.04","price":"100"})",
      AlertReason::kDuplicateTrade);
  EXPECT_DECIMAL_EQ(h.order("c1", 1)->filled_qty, "0.06");
}

TEST(OrderLifecycle, AFillWhilePendingCancelIsAppliedAndTheCancelAckReleasesTheRest) {
  Harness h(kConfig);
  h.feed_all({kBuy, kAck, kCancel});
  ASSERT_EQ(to_string(h.order("c1", 1)->status), "pending_cancel");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "10");  // 0.1 × 100

  const auto events =
      h.feed(R"({"op":"fill","client":"c1","cl_id":1,"trade_id":1,"qty":"0.04","price":"100"})");
  ASSERT_EQ(test::of_type(events, EventType::kFill).size(), 1u);
  const OrderRecord* o = h.order("c1", 1);
  EXPECT_EQ(to_string(o->status), "pending_cancel");
  EXPECT_DECIMAL_EQ(o->filled_qty, "0.04");
  EXPECT_DECIMAL_EQ(h.free("main", "BTC"), "1.04");    // 1 + 0.04, no fee
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "6");    // 10 − 10 × 0.04/0.1
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "99990");  // 100000 − 10, the fill paid from the lock
  EXPECT_DECIMAL_EQ(h.position("main", "BTCUSDT").size, "0.04");

  h.feed(kCancelAck);
  EXPECT_EQ(to_string(o->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "99996");  // 100000 − 0.04 × 100
  EXPECT_EQ(h.state().header().illegal_transitions, 0u);
}

TEST(OrderLifecycle, AFinalFillWhilePendingCancelFillsTheOrder) {
  Harness h(kConfig);
  h.feed_all({kBuy, kAck, kCancel, kFillAll});
  const OrderRecord* o = h.order("c1", 1);
  EXPECT_EQ(to_string(o->status), "filled");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "99990");  // 100000 − 0.1 × 100
  EXPECT_DECIMAL_EQ(h.free("main", "BTC"), "1.1");

  // The cancel lost the race: its ack is now illegal.
  EXPECT_EQ(test::alert_reason(h.feed(kCancelAck)), "ILLEGAL_TRANSITION");
  EXPECT_EQ(to_string(o->status), "filled");
}

TEST(OrderLifecycle, AnAckRacingACancelKeepsTheOrderPendingCancel) {
  Harness h(kConfig);
  h.feed_all({kBuy, kCancel});
  const auto events = h.feed(kAck);
  ASSERT_EQ(test::of_type(events, EventType::kAcked).size(), 1u);
  const OrderRecord* o = h.order("c1", 1);
  EXPECT_EQ(to_string(o->status), "pending_cancel");
  EXPECT_EQ(h.state().venue_order_id(order_slot(o->id)).view(), "77");
  EXPECT_EQ(h.state().header().illegal_transitions, 0u);
}

TEST(OrderLifecycle, ASecondCancelIsRejectedNotCancelable) {
  Harness h(kConfig);
  h.feed_all({kBuy, kAck, kCancel});
  EXPECT_EQ(test::reject_reason(h.feed(kCancel)), "NOT_CANCELABLE");
  EXPECT_EQ(to_string(h.order("c1", 1)->status), "pending_cancel");
}

TEST(OrderLifecycle, CancellingAnUntriggeredOrderFinishesItAtOnce) {
  Harness h(kConfig);
  // Sells 0.5 BTC if the price falls to 90: locks 0.5 BTC.
  h.feed(
      R"({"op":"new_order","client":"c1","cl_id":5,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"sell","type":"stop_market","tif":"gtc","qty":"0.5","stop_price":"90"})");
  ASSERT_EQ(to_string(h.order("c1", 5)->status), "untriggered");
  EXPECT_DECIMAL_EQ(h.locked("main", "BTC"), "0.5");

  const auto events = h.feed(R"({"op":"cancel","client":"c1","cl_id":5})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kCancelled);
  EXPECT_EQ(to_string(h.order("c1", 5)->status), "cancelled");
  EXPECT_DECIMAL_EQ(h.locked("main", "BTC"), "0");
  EXPECT_DECIMAL_EQ(h.free("main", "BTC"), "1");
}

TEST(OrderLifecycle, AVenueRejectReleasesTheReservationAndKeepsTheReason) {
  Harness h(kConfig);
  h.feed(kBuy);
  h.feed(R"({"op":"venue_reject","client":"c1","cl_id":1,"reason":"PRICE_BAND"})");
  const OrderRecord* o = h.order("c1", 1);
  EXPECT_EQ(to_string(o->status), "rejected");
  EXPECT_EQ(to_string(o->reject_reason), "PRICE_BAND");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "0");
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "100000");
}

}  // namespace
}  // namespace ose
