// Journal formats 2 and 3 (string venue ids) read format 1 (integer ids), and a format-1 snapshot
// is refused naming both versions (persistence/journal_format.hpp; docs/DURABILITY.md "Format
// versions"). Format 1's integer id n is the string of its decimal digits; its 0 is no id.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "engine/core/apply.hpp"
#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"
#include "persistence/journal_format.hpp"
#include "tests/engine/test_support.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

const std::string kConfig = test::with_btcusdt_spot(R"toml(
[engine]
name = "fmt1"
max_orders = 64
max_positions = 64
journal = false
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

State fresh_state() {
  auto config = load_config_string(kConfig, "<fmt1>");
  EXPECT_TRUE(config) << config.error();
  auto s = State::create(*config);
  EXPECT_TRUE(s) << s.error();
  return std::move(*s);
}

// One journaled input, with the integer id format 1 held for its fill or ack (0 for the rest).
struct Step {
  const char* line;
  uint64_t v1_id;
};
// A buy of 0.1 at 100, acked as 555 then again without an id (format 1's 0: keep 555), filled
// 0.04 by trade 9001 and 0.06 by 9002, then 9001 again: a duplicate.
constexpr Step kSteps[] = {
    {R"({"op":"new_order","client":"c1","cl_id":1,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"100","ts":1000})",
     0},
    {R"({"op":"ack","client":"c1","cl_id":1,"venue_order_id":555,"ts":2000})", 555},
    {R"({"op":"ack","client":"c1","cl_id":1,"ts":3000})", 0},
    {R"({"op":"fill","client":"c1","cl_id":1,"trade_id":9001,"qty":"0.04","price":"100","ts":4000})",
     9001},
    {R"({"op":"fill","client":"c1","cl_id":1,"trade_id":9002,"qty":"0.06","price":"100","ts":5000})",
     9002},
    {R"({"op":"fill","client":"c1","cl_id":1,"trade_id":9001,"qty":"0.01","price":"100","ts":6000})",
     9001},
};

// The journal's record values, format 1, 2 or 3, for kSteps.
std::vector<std::string> journal(const State& names, int format) {
  std::vector<std::string> out;
  uint64_t seq = 0;
  for (const Step& step : kSteps) {
    auto parsed = parse_scenario_line(names, step.line, 0);
    EXPECT_TRUE(parsed) << parsed.error();
    Input in{};
    in.seq = ++seq;
    in.ts = parsed->ts;
    in.source = kEngineSource;
    in.cmd = parsed->cmd;
    if (format == 3) {
      out.emplace_back(encode_journal_record(in).view());
      continue;
    }
    const JournalRecord r =
        format == 1 ? encode_journal_record_v1(in, step.v1_id) : encode_journal_record_v2(in);
    out.emplace_back(reinterpret_cast<const char*>(&r), sizeof r);
  }
  return out;
}

// Decodes and applies every record; the events in order.
std::vector<Event> replay(State& s, const std::vector<std::string>& records) {
  test::RecordingSink sink;
  uint64_t seq = 0;
  for (const std::string& value : records) {
    Input in{};
    const RecordProblem p = decode_journal_record(value, ++seq, in);
    EXPECT_EQ(p, RecordProblem::kNone) << describe(p);
    apply(s, in, sink);
  }
  return sink.events;
}

TEST(JournalFormat1, RecordsSayWhichFormatTheyAre) {
  State names = fresh_state();
  for (int format = 1; format <= 3; ++format) {
    uint16_t version = 0;
    std::memcpy(&version, journal(names, format)[0].data(), sizeof version);
    EXPECT_EQ(version, format);
  }
}

TEST(JournalFormat1, ReplaysToTheSameOutcomeAsFormats2And3) {
  State from_v1 = fresh_state();
  const auto events_v1 = replay(from_v1, journal(from_v1, 1));
  for (int format = 2; format <= 3; ++format) {
    State from_later = fresh_state();
    const auto events_later = replay(from_later, journal(from_later, format));
    EXPECT_EQ(from_v1.hash(), from_later.hash()) << "format " << format;
    ASSERT_EQ(events_v1.size(), events_later.size()) << "format " << format;
    EXPECT_EQ(std::memcmp(events_v1.data(), events_later.data(), events_v1.size() * sizeof(Event)),
              0)
        << "format " << format;
  }

  // And that outcome, by hand: acked as "555" (the id-less ack kept it), filled 0.04 + 0.06 by
  // "9001" and "9002", the second "9001" a duplicate; 10 USDT spent, 0.1 BTC bought, no fees.
  const OrderRecord* o = from_v1.find_order(from_v1.find_client("c1"), 1);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->status, OrderStatus::kFilled);
  EXPECT_EQ(o->filled_qty, Qty::from_e8(10'000'000));
  EXPECT_EQ(from_v1.venue_order_id(order_slot(o->id)).view(), "555");
  EXPECT_EQ(from_v1.header().trades_written, 2u);
  ASSERT_NE(from_v1.trade(1), nullptr);
  EXPECT_EQ(from_v1.trade(1)->trade_id.view(), "9001");
  EXPECT_EQ(from_v1.trade(2)->trade_id.view(), "9002");
  EXPECT_EQ(test::alert_reason(std::vector<Event>{events_v1.back()}), "DUPLICATE_TRADE");
  const uint16_t main = from_v1.find_account("main");
  EXPECT_EQ(from_v1.balance(main, from_v1.find_asset("USDT")).free, Amount::from_units(99'990));
  EXPECT_EQ(from_v1.balance(main, from_v1.find_asset("BTC")).free, Amount::from_e8(110'000'000));
}

TEST(JournalFormat1, ItsZeroTradeIdIsStillMalformed) {
  State s = fresh_state();
  auto records = journal(s, 1);
  records.resize(4);  // new order, two acks, the first fill — given trade id 0 below
  auto parsed = parse_scenario_line(s, kSteps[3].line, 0);
  ASSERT_TRUE(parsed);
  Input in{};
  in.seq = 4;
  in.ts = parsed->ts;
  in.source = kEngineSource;
  in.cmd = parsed->cmd;
  const JournalRecord r = encode_journal_record_v1(in, 0);
  records[3].assign(reinterpret_cast<const char*>(&r), sizeof r);
  const auto events = replay(s, records);
  EXPECT_EQ(test::reject_reason(std::vector<Event>{events.back()}), "MALFORMED");
  EXPECT_EQ(s.header().trades_written, 0u);
}

TEST(JournalFormat1, AnUnknownFormatIsRefusedNamingTheOnesThisBuildReads) {
  State s = fresh_state();
  std::string value = journal(s, 3)[0];
  const uint16_t four = 4;
  std::memcpy(value.data(), &four, sizeof four);
  Input in{};
  const RecordProblem p = decode_journal_record(value, 1, in);
  EXPECT_EQ(p, RecordProblem::kVersion);
  EXPECT_EQ(describe(p),
            "unknown journal format version (this build writes format 3 and reads formats 1 to "
            "3)");
}

TEST(SnapshotFormat1, IsRefusedNamingBothVersions) {
  State s = fresh_state();
  const std::string bytes = s.serialize();
  std::string value = encode_snapshot(0, s.hash(), 0, bytes);
  std::string why;
  ASSERT_TRUE(decode_snapshot(value, &why)) << why;
  SnapshotHeader h{};
  std::memcpy(&h, value.data(), sizeof h);
  h.version = 1;
  std::memcpy(value.data(), &h, sizeof h);
  why.clear();
  EXPECT_FALSE(decode_snapshot(value, &why));
  EXPECT_NE(why.find("snapshot format version 1"), std::string::npos) << why;
  EXPECT_NE(why.find("reads only version 2"), std::string::npos) << why;
}

}  // namespace
}  // namespace ose
