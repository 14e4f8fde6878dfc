// String venue ids (DESIGN §4, §8; docs/design/0001 "Venue ids"): a trade id or a venue order id
// is an opaque string of at most 48 bytes, kept and shown exactly as the venue sent it; a JSON
// integer means its decimal digits; trade-id dedup is exact (the hash only nominates).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "engine/core/state_indices.hpp"
#include "engine/formats/json_format.hpp"
#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

using test::Harness;

const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "venueids"
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

// 0.1 BTC at 100 USDT (locks 10 USDT).
constexpr std::string_view kBuy =
    R"({"op":"new_order","client":"c1","cl_id":1,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"100"})";
constexpr std::string_view kUuid = "3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f";    // 36 bytes
constexpr std::string_view kKraken = "TCWJEG-FL4SZ-3FKGH6";                   // 19 bytes
constexpr std::string_view kBeyond64Bits = "123456789012345678901234567890";  // 2^64 ≈ 1.8e19

std::string fill_line(std::string_view trade_id_json, std::string_view qty = "0.1") {
  return R"({"op":"fill","client":"c1","cl_id":1,"trade_id":)" + std::string(trade_id_json) +
         R"(,"qty":")" + std::string(qty) + R"(","price":"100"})";
}
std::string as_json_string(std::string_view s) {
  std::string out;  // appended, not `"\"" + ... + "\""`: GCC 12 warns falsely on that (-Wrestrict)
  out.reserve(s.size() + 2);
  out.append(1, '"').append(s).append(1, '"');
  return out;
}

class VenueIdLines : public ::testing::Test {
 protected:
  // The trade id a fill line parses to, or the parse error.
  std::string trade_id(std::string_view trade_id_json) {
    auto r = parse_scenario_line(h_.state(), fill_line(trade_id_json), 0);
    if (!r) return "error: " + r.error();
    return std::string(r->cmd.fill.trade_id.view());
  }
  Harness h_{kConfig};
};

TEST_F(VenueIdLines, KeepsStringsAsSentUpTo48Bytes) {
  EXPECT_EQ(trade_id(as_json_string(kUuid)), kUuid);
  EXPECT_EQ(trade_id(as_json_string(kKraken)), kKraken);
  EXPECT_EQ(trade_id(as_json_string(kBeyond64Bits)), kBeyond64Bits);  // a string: every digit kept
  EXPECT_EQ(trade_id(as_json_string("fill-007")), "fill-007");
  const std::string max(48, 'x');
  EXPECT_EQ(trade_id(as_json_string(max)), max);
  // Bytes, not characters: "é" is 2 bytes in UTF-8, so 24 of them are 48 bytes and 25 are 50.
  std::string e24;
  for (int i = 0; i < 24; ++i) e24 += "\xc3\xa9";
  EXPECT_EQ(trade_id(as_json_string(e24)), e24);
  EXPECT_EQ(trade_id(as_json_string(e24 + "\xc3\xa9")),
            "error: field \"trade_id\" is 50 bytes long; venue ids are at most 48 bytes");
}

TEST_F(VenueIdLines, RefusesA49ByteIdAnEmptyOneAndANulWithAMessage) {
  EXPECT_EQ(trade_id(as_json_string(std::string(49, 'x'))),
            "error: field \"trade_id\" is 49 bytes long; venue ids are at most 48 bytes");
  EXPECT_EQ(trade_id(R"("")"), "error: field \"trade_id\" must not be empty");
  EXPECT_EQ(trade_id(R"("ab\u0000cd")"),
            "error: field \"trade_id\" must not contain a NUL character");
}

TEST_F(VenueIdLines, AJsonIntegerMeansItsDecimalDigits) {
  EXPECT_EQ(trade_id("9001"), "9001");
  EXPECT_EQ(trade_id("0"), "0");  // "0" is an id like any other (format 1's 0 was no id)
  EXPECT_EQ(trade_id("18446744073709551615"), "18446744073709551615");  // 2^64 - 1
  // Past 64 bits the JSON reader already holds a float: its digits are lost, so it is refused.
  const std::string too_big = trade_id(std::string(kBeyond64Bits));
  EXPECT_NE(too_big.find("must be a string"), std::string::npos) << too_big;
  EXPECT_NE(trade_id("-1").find("must be a string"), std::string::npos);
  EXPECT_NE(trade_id("1.5").find("must be a string"), std::string::npos);
  EXPECT_NE(trade_id("true").find("must be a string"), std::string::npos);
}

TEST_F(VenueIdLines, AnAckMayNameAVenueOrderIdOrNone) {
  auto with = parse_scenario_line(
      h_.state(), R"({"op":"ack","client":"c1","cl_id":1,"venue_order_id":"OQCLML-BW3P3-BUCMWZ"})",
      0);
  ASSERT_TRUE(with) << with.error();
  EXPECT_EQ(with->cmd.ack.venue_order_id.view(), "OQCLML-BW3P3-BUCMWZ");
  auto without = parse_scenario_line(h_.state(), R"({"op":"ack","client":"c1","cl_id":1})", 0);
  ASSERT_TRUE(without) << without.error();
  EXPECT_TRUE(without->cmd.ack.venue_order_id.empty());
  auto too_long = parse_scenario_line(
      h_.state(),
      R"({"op":"ack","client":"c1","cl_id":1,"venue_order_id":")" + std::string(49, 'v') + "\"}",
      0);
  ASSERT_FALSE(too_long);
  EXPECT_NE(too_long.error().find("\"venue_order_id\" is 49 bytes long"), std::string::npos);
}

TEST(VenueId, FromAndDigits) {
  VenueId id{};
  ASSERT_TRUE(VenueId::from(std::string(48, 'a'), id));
  EXPECT_EQ(id.size(), 48u);
  EXPECT_TRUE(id.well_formed());
  // Refused: `out` keeps what it held.
  EXPECT_FALSE(VenueId::from(std::string(49, 'b'), id));
  EXPECT_FALSE(VenueId::from(std::string_view("a\0b", 3), id));
  EXPECT_EQ(id.view(), std::string(48, 'a'));
  EXPECT_EQ(VenueId::digits(0).view(), "0");
  EXPECT_EQ(VenueId::digits(1234567890123456789ull).view(), "1234567890123456789");
  EXPECT_EQ(VenueId::digits(UINT64_MAX).view(), "18446744073709551615");
  EXPECT_EQ(VenueId::digits(77), VenueId::digits(77));
  EXPECT_FALSE(VenueId::digits(77) == VenueId::digits(770));
}

// ---- apply(): ids as the core sees them --------------------------------------------------------

Input fill_input(Harness& h, const VenueId& trade_id) {
  Input in{};
  in.seq = h.state().header().seq + 1;
  in.ts = h.last_ts() + 1;
  in.source = kEngineSource;  // every right: only the id is under test
  in.cmd = make_command(Op::kFill);
  in.cmd.fill.ref.order_id = h.order("c1", 1)->id;
  in.cmd.fill.trade_id = trade_id;
  in.cmd.fill.qty = Qty::from_e8(10'000'000);
  in.cmd.fill.price = Price::from_units(100);
  in.cmd.fill.fee_asset = kNoIndex;
  return in;
}

std::vector<Event> apply_one(Harness& h, const Input& in) {
  test::RecordingSink sink;
  apply(h.state(), in, sink);
  return sink.events;
}

// size() and canonical() read words; the definition is per byte: the length is where the first
// NUL is, and canonical means every byte from there on is NUL. Every length, with a stray byte
// (0x01, 0x80, 0xFF: the values a word trick could misread) at every position after it, and ids
// of high bytes.
TEST(VenueId, SizeAndCanonicalAgreeWithTheirBytewiseDefinition) {
  const auto by_bytes = [](const VenueId& id, size_t& size) {
    size = 0;
    while (size < kVenueIdLen && id.bytes[size] != '\0') ++size;
    for (size_t i = size; i < kVenueIdLen; ++i) {
      if (id.bytes[i] != '\0') return false;
    }
    return true;
  };
  int checked = 0;
  for (size_t len = 0; len <= kVenueIdLen; ++len) {
    for (const int fill : {0x41, 0x80, 0xFF, 0x01}) {
      VenueId id{};
      for (size_t i = 0; i < len; ++i) id.bytes[i] = static_cast<char>(fill);
      for (size_t stray = len; stray <= kVenueIdLen; ++stray) {
        for (const int b : {0x01, 0x80, 0xFF}) {
          VenueId t = id;
          if (stray < kVenueIdLen) t.bytes[stray] = static_cast<char>(b);
          size_t want_size = 0;
          const bool want_canonical = by_bytes(t, want_size);
          ASSERT_EQ(t.size(), want_size) << "len " << len << " stray at " << stray;
          ASSERT_EQ(t.canonical(), want_canonical) << "len " << len << " stray at " << stray;
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 4000);
}

TEST(VenueIdApply, BytesNoEdgeWouldSendAreMalformedAndChangeNothing) {
  Harness h(kConfig);
  h.feed(kBuy);
  VenueId after_nul{};  // "ab", NUL, "c": not canonical (the length would hide the "c")
  std::memcpy(after_nul.bytes, "ab\0c", 4);
  VenueId not_utf8{};  // a lone continuation byte
  not_utf8.bytes[0] = 'x';
  not_utf8.bytes[1] = static_cast<char>(0x80);
  for (const VenueId& bad : {after_nul, not_utf8, VenueId{}}) {
    const auto events = apply_one(h, fill_input(h, bad));
    EXPECT_EQ(test::reject_reason(events), "MALFORMED");
    EXPECT_EQ(h.order("c1", 1)->filled_qty, Qty{});
    EXPECT_EQ(h.state().header().trades_written, 0u);
  }
  // An ack's id too: the order stays pending_new without one.
  Input ack{};
  ack.seq = h.state().header().seq + 1;
  ack.ts = h.last_ts() + 1;
  ack.source = kEngineSource;
  ack.cmd = make_command(Op::kAck);
  ack.cmd.ack.ref.order_id = h.order("c1", 1)->id;
  ack.cmd.ack.venue_order_id = not_utf8;
  EXPECT_EQ(test::reject_reason(apply_one(h, ack)), "MALFORMED");
  EXPECT_EQ(h.order("c1", 1)->status, OrderStatus::kPendingNew);
  EXPECT_TRUE(h.state().venue_order_id(order_slot(h.order("c1", 1)->id)).empty());
}

TEST(VenueIdApply, TheSameIdTwiceIsADuplicateADifferentOneIsATrade) {
  Harness h(kConfig);
  h.feed(kBuy);
  EXPECT_EQ(
      test::of_type(h.feed(fill_line(as_json_string(kUuid), "0.04")), EventType::kFill).size(), 1u);
  EXPECT_EQ(test::alert_reason(h.feed(fill_line(as_json_string(kUuid), "0.04"))),
            "DUPLICATE_TRADE");
  // One character different (the last): another trade.
  std::string other(kUuid);
  other.back() = 'e';
  EXPECT_EQ(
      test::of_type(h.feed(fill_line(as_json_string(other), "0.04")), EventType::kFill).size(), 1u);
  // And the integer 9001 is the string "9001".
  h.feed(fill_line("9001", "0.01"));
  EXPECT_EQ(test::alert_reason(h.feed(fill_line(R"("9001")", "0.01"))), "DUPLICATE_TRADE");
  EXPECT_EQ(h.order("c1", 1)->filled_qty, Qty::from_e8(9'000'000));  // 0.04 + 0.04 + 0.01
}

TEST(VenueIdApply, TwoIdsWithOneHashAreTwoTradesTheSameIdStaysADuplicate) {
  Harness h(kConfig);
  h.feed(kBuy);
  const uint16_t btc = h.instrument("BTCUSDT");
  h.feed(fill_line(R"("A")", "0.05"));
  // Force a collision: the index entry of "A" (ring position 0) is given the hash of "B", as if
  // xxHash gave both ids one value. The index now nominates A's trade for B.
  VenueId a{}, b{};
  ASSERT_TRUE(VenueId::from("A", a) && VenueId::from("B", b));
  int rewritten = 0;
  // The State has no writer for its index (only edit_… calls write, and none hands it out), so
  // the test tampers with the region's bytes directly.
  auto* index = reinterpret_cast<TradeIndexEntry*>(h.state().region() +
                                                   h.state().header().offsets.trade_index);
  for (uint32_t i = 0; i < h.state().caps().trade_index; ++i) {
    TradeIndexEntry& e = index[i];
    if (e.ring_pos == 0 && e.hash == trade_key(btc, a).hash) {
      e.hash = trade_key(btc, b).hash;
      ++rewritten;
    }
  }
  ASSERT_EQ(rewritten, 1);
  // The full id decides: B is not A, so B is a new trade.
  const auto b_events = h.feed(fill_line(R"("B")", "0.05"));
  ASSERT_EQ(test::of_type(b_events, EventType::kFill).size(), 1u);
  EXPECT_EQ(h.order("c1", 1)->filled_qty, Qty::from_e8(10'000'000));
  EXPECT_EQ(h.state().header().trades_written, 2u);
  // Both entries now share B's hash in one probe run; B again still finds its own trade.
  EXPECT_EQ(test::alert_reason(h.feed(fill_line(R"("B")", "0.05"))), "DUPLICATE_TRADE");
  EXPECT_EQ(h.state().header().trades_written, 2u);
}

TEST(VenueIdJson, StateAndEventsShowTheIdsAsSent) {
  Harness h(kConfig);
  h.feed(kBuy);
  const auto acked =
      h.feed(R"({"op":"ack","client":"c1","cl_id":1,"venue_order_id":"OQCLML-BW3P3-BUCMWZ"})");
  const auto filled = h.feed(fill_line(as_json_string(kUuid), "0.04"));
  const auto by_integer = h.feed(fill_line("12345678901234567890", "0.06"));  // < 2^64
  ASSERT_EQ(acked.size(), 1u);
  ASSERT_EQ(filled.size(), 1u);
  ASSERT_EQ(test::of_type(by_integer, EventType::kFill).size(), 1u);
  EXPECT_EQ(event_to_json(h.state(), acked[0])["venue_order_id"], "OQCLML-BW3P3-BUCMWZ");
  EXPECT_EQ(event_to_json(h.state(), filled[0])["trade_id"], kUuid);
  EXPECT_EQ(event_to_json(h.state(), test::of_type(by_integer, EventType::kFill)[0])["trade_id"],
            "12345678901234567890");
  const nlohmann::json state = state_to_json(h.state());
  ASSERT_EQ(state["orders"].size(), 1u);
  EXPECT_EQ(state["orders"][0]["venue_order_id"], "OQCLML-BW3P3-BUCMWZ");
  EXPECT_EQ(state["orders"][0]["status"], "filled");
}

TEST(VenueIdJson, AnOrderNotYetAckedHasANullVenueOrderId) {
  Harness h(kConfig);
  h.feed(kBuy);
  EXPECT_TRUE(state_to_json(h.state())["orders"][0]["venue_order_id"].is_null());
}

}  // namespace
}  // namespace ose
