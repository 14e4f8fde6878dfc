// The input edges of issue 21 (items 8-11): configs that are not configs, names that are not
// what the tables would show, errors that must point at their key, and scenario lines whose
// fields have the wrong JSON type or whose default timestamp would overflow. Every case is
// refused with a message, never an exception or undefined behaviour.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/state.hpp"
#include "engine/formats/config.hpp"
#include "engine/formats/scenario.hpp"

namespace ose {
namespace {

::testing::AssertionResult FailsWith(const Result<EngineConfig>& r, std::string_view expected) {
  if (r.ok()) {
    return ::testing::AssertionFailure()
           << "the config loaded; expected an error containing \"" << expected << "\"";
  }
  if (r.error().find(expected) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "error \"" << r.error() << "\" does not contain \"" << expected << "\"";
  }
  return ::testing::AssertionSuccess();
}

// Lines 1-13: an engine, two assets, one market. Tests append from line 14 on.
constexpr std::string_view kHead = R"([engine]
name = "edges"
max_orders = 64
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
)";
constexpr std::string_view kAccount = "[[accounts]]\nname = \"main\"\n";

Result<EngineConfig> Load(std::string_view tail) {
  return load_config_string(std::string(kHead) + std::string(tail), "<inline>");
}

// ---- item 9: a config must say what it runs -------------------------------------------------

TEST(ConfigEdges, RefusesAnEmptyConfigNamingTheFile) {
  auto r = load_config_string("", "cfg/empty.toml");
  EXPECT_TRUE(FailsWith(r, "cfg/empty.toml: no [engine] table"));
}

TEST(ConfigEdges, RefusesAConfigWithoutAnEngineTable) {
  std::string text(kHead);
  text.replace(0, text.find("[[assets]]"), "");  // drop [engine]
  auto r = load_config_string(text + std::string(kAccount), "x.toml");
  EXPECT_TRUE(FailsWith(r, "x.toml: no [engine] table"));
}

TEST(ConfigEdges, RefusesAnEngineTableWithoutANameAtItsLine) {
  std::string text(kHead);
  text.replace(text.find("name = \"edges\"\n"), 15, "");
  auto r = load_config_string(text + std::string(kAccount), "x.toml");
  EXPECT_TRUE(FailsWith(r, "x.toml:1: engine.name: missing"));
}

TEST(ConfigEdges, RefusesAConfigWithoutInstruments) {
  auto r = load_config_string("[engine]\nname = \"e\"\n[[accounts]]\nname = \"main\"\n", "x.toml");
  EXPECT_TRUE(FailsWith(r, "x.toml: no [[instruments]]"));
}

TEST(ConfigEdges, RefusesAConfigWithoutAccounts) {
  auto r = Load("");
  EXPECT_TRUE(FailsWith(r, "<inline>: no [[accounts]]"));
}

TEST(ConfigEdges, ReportsAWrongValueBeforeWhatIsMissing) {
  // The completeness check runs last: the user hears about the value they wrote first.
  auto r = load_config_string("[engine]\ndurability = \"fsync\"\n", "x.toml");
  EXPECT_TRUE(FailsWith(r, "x.toml:2: engine.durability:"));
}

TEST(ConfigEdges, RefusesADirectoryAsTheConfig) {
  const std::string dir = ::testing::TempDir();
  auto r = load_config_file(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rfind(dir + ": cannot read", 0), 0u) << r.error();
}

TEST(ConfigEdges, RefusesAnEmptyFileAndDevNullNamingThem) {
  const std::string path = ::testing::TempDir() + "ose-input-edges-empty.toml";
  { std::ofstream out(path); }
  EXPECT_TRUE(FailsWith(load_config_file(path), path + ": no [engine] table"));
  std::remove(path.c_str());
  EXPECT_TRUE(FailsWith(load_config_file("/dev/null"), "/dev/null: no [engine] table"));
}

TEST(ConfigEdges, RefusesDevZeroAfterABoundedRead) {
  // Without a bound this read never ends.
  EXPECT_TRUE(FailsWith(load_config_file("/dev/zero"), "/dev/zero: larger than 16 MiB"));
}

// ---- item 10: names are what the tables show --------------------------------------------------

TEST(ConfigEdges, RefusesANulInsideAStrategyName) {
  auto r = Load(std::string(kAccount) +
                "[[strategies]]\n"          // 16
                "name = \"ema1\"\n"         // 17
                "account = \"main\"\n"      // 18
                "[[strategies]]\n"          // 19
                "name = \"ema1\\u0000\"\n"  // 20: shown as ema1 by every table
                "account = \"main\"\n");    // 21
  EXPECT_TRUE(FailsWith(r,
                        "<inline>:20: strategies.name: use letters, digits, '-', '_', '.' and '/' "
                        "only; byte 0x00 is not one"));
}

TEST(ConfigEdges, RefusesTwoClientsThatDifferOnlyByANul) {
  auto r = Load(std::string(kAccount) +
                "[[clients]]\n"              // 16
                "name = \"c1\"\n"            // 17
                "[[clients]]\n"              // 18
                "name = \"c1\\u0000x\"\n");  // 19: the same segment name as c1
  EXPECT_TRUE(FailsWith(r, "<inline>:19: clients.name: use letters, digits, '-' and '_' only"));
}

TEST(ConfigEdges, KeepsDotsAndSlashesOutOfSegmentNames) {
  for (std::string_view bad : {"a.b", "a/b", "a b", "caf\u00e9"}) {
    auto r = Load(std::string(kAccount) + "[[clients]]\nname = \"" + std::string(bad) + "\"\n");
    EXPECT_TRUE(FailsWith(r, "<inline>:17: clients.name: use letters, digits, '-' and '_' only"))
        << bad;
  }
}

TEST(ConfigEdges, RefusesControlCharactersAndNonAsciiInTableNames) {
  auto tab = Load("[[accounts]]\nname = \"ma\\tin\"\n");
  EXPECT_TRUE(FailsWith(tab, "<inline>:15: accounts.name: "));
  EXPECT_TRUE(FailsWith(tab, "byte 0x09 is not one"));
  auto accent = Load("[[accounts]]\nname = \"m\u00e4in\"\n");
  EXPECT_TRUE(FailsWith(accent, "byte 0xc3 is not one"));
  auto space = load_config_string(
      std::string(kHead).replace(std::string(kHead).find("code = \"BTC\""), 12, "code = \"B C\"") +
          std::string(kAccount),
      "<inline>");
  EXPECT_TRUE(FailsWith(space, "<inline>:7: assets.code: "));
}

TEST(ConfigEdges, AcceptsTheWholeNameAlphabet) {
  auto r = Load(
      "[[accounts]]\nname = \"Main_1-a.b/c\"\n"
      "[[clients]]\nname = \"Venue_1-a\"\nrole = \"venue\"\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->accounts[0].name, "Main_1-a.b/c");
  EXPECT_EQ(r->clients[0].name, "Venue_1-a");
}

// ---- item 11: every error at its key ----------------------------------------------------------

TEST(ConfigEdges, PointsAtTheVenueKeyOfAnInstrumentWithAnUnknownVenue) {
  std::string text(kHead);
  text += "venue = \"nosuch\"\n";  // 14: still in [[instruments]]
  text += kAccount;
  auto r = load_config_string(text, "<inline>");
  EXPECT_TRUE(
      FailsWith(r, "<inline>:14: instruments.venue: BTCUSDT: 'nosuch' is not a client with role"));
}

TEST(ConfigEdges, PointsAtTheFirstAccountBeyondTheLimit) {
  std::string tail;
  for (int i = 0; i <= 256; ++i) tail += "[[accounts]]\nname = \"a" + std::to_string(i) + "\"\n";
  auto r = Load(tail);
  // Account i opens at line 14 + 2i: number 257 (i = 256) at 526.
  EXPECT_TRUE(FailsWith(r, "<inline>:526: accounts: at most 256 [[accounts]] tables"));
}

TEST(ConfigEdges, RefusesAStateLargerThanTheMachineAtTheMaxOrdersKey) {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  ASSERT_GT(pages, 0);
  const uint64_t have = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  // ~340 bytes per order (record, retire ring, two index slots, trade and ledger rows): 2^28
  // orders need ~90 GiB.
  StateSpec spec;
  spec.max_orders = 1u << 28;
  const uint64_t need = State::layout_for(State::capacities_for(spec)).end;
  if (need <= have) GTEST_SKIP() << "this machine has " << (have >> 20) << " MiB";
  std::string text(kHead);
  text.replace(text.find("max_orders = 64"), 15, "max_orders = 268435456");  // line 3
  auto r = load_config_string(text + std::string(kAccount), "big.toml");
  EXPECT_TRUE(FailsWith(r, "big.toml:3: engine.max_orders: 268435456 needs a "));
  EXPECT_TRUE(FailsWith(
      r, "MiB state, more than this machine's " + std::to_string(have >> 20) + " MiB of memory"));
}

// ---- item 8 and the type audit: scenario lines ------------------------------------------------

class ScenarioEdges : public ::testing::Test {
 protected:
  void SetUp() override {
    auto config = Load(std::string(kAccount) +
                       "[[strategies]]\nname = \"s1\"\naccount = \"main\"\n"
                       "[[clients]]\nname = \"c1\"\naccounts = [\"main\"]\n");
    ASSERT_TRUE(config) << config.error();
    auto s = State::create(*config);
    ASSERT_TRUE(s) << s.error();
    state_.emplace(std::move(*s));
  }
  std::optional<State> state_;
};

TEST_F(ScenarioEdges, RefusesALineWithoutTsAfterTheLargestTimestamp) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  auto last = parse_scenario_line(*state_, R"({"op":"timer","ts":9223372036854775807})", 0);
  ASSERT_TRUE(last) << last.error();
  EXPECT_EQ(last->ts, kMax);
  auto next = parse_scenario_line(*state_, R"({"op":"timer"})", last->ts);
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().find("give this line a \"ts\""), std::string::npos) << next.error();
  // One millisecond short of the end still has room for the default step.
  auto edge = parse_scenario_line(*state_, R"({"op":"timer"})", kMax - 1'000'000);
  ASSERT_TRUE(edge) << edge.error();
  EXPECT_EQ(edge->ts, kMax);
}

// One valid line per op; every field is then replaced by values of other JSON types.
const char* const kValidLines[] = {
    R"({"op":"deposit","ts":5,"seq":3,"source":"c1","account":"main","asset":"USDT","amount":"10"})",
    R"({"op":"withdraw","account":"main","asset":"USDT","amount":"1"})",
    R"({"op":"new_order","client":"c1","cl_id":7,"account":"main","strategy":"s1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtd","qty":"0.5","price":"30000","stop_price":"1","callback_rate":"0.01","activation_price":"2","stop_loss":"1","take_profit":"3","expire_ts":99,"post_only":true,"reduce_only":false})",
    R"({"op":"cancel","client":"c1","cl_id":7})",
    R"({"op":"cancel","order_id":3})",
    R"({"op":"amend","client":"c1","cl_id":7,"qty":"1","price":"2"})",
    R"({"op":"cancel_all","account":"main","strategy":"s1","symbol":"BTCUSDT"})",
    R"({"op":"ack","client":"c1","cl_id":7,"venue_order_id":11})",
    R"({"op":"venue_reject","client":"c1","cl_id":7,"reason":"VENUE_REJECTED"})",
    R"({"op":"fill","client":"c1","cl_id":7,"trade_id":9,"qty":"0.1","price":"30000","fee":"0.01","fee_asset":"USDT","liquidity":"maker"})",
    R"({"op":"cancel_ack","order_id":3})",
    R"({"op":"expired","client":"c1","cl_id":7})",
    R"({"op":"tick","symbol":"BTCUSDT","bid":"1","ask":"2","bid_qty":"1","ask_qty":"1","last":"1","volume":"5"})",
    R"({"op":"set_strategy","strategy":"s1","state":"paused"})",
    R"({"op":"halt","scope":"account","name":"main"})",
    R"({"op":"resume","scope":"global"})",
    R"({"op":"set_leverage","account":"main","symbol":"BTCUSDT","leverage":5})",
    R"({"op":"timer"})",
    R"({"op":"persistence","available":true})",
};

enum class Kind { kNull, kBool, kInteger, kFloat, kString, kArray, kObject };

Kind kind_of(const nlohmann::json& v) {
  if (v.is_null()) return Kind::kNull;
  if (v.is_boolean()) return Kind::kBool;
  if (v.is_number_integer()) return Kind::kInteger;  // signed and unsigned alike
  if (v.is_number_float()) return Kind::kFloat;
  if (v.is_string()) return Kind::kString;
  if (v.is_array()) return Kind::kArray;
  return Kind::kObject;
}

TEST_F(ScenarioEdges, EveryValidLineParses) {
  for (const char* line : kValidLines) {
    auto r = parse_scenario_line(*state_, line, 0);
    EXPECT_TRUE(r) << line << ": " << r.error();
  }
}

TEST_F(ScenarioEdges, RefusesEveryFieldOfTheWrongTypeWithAMessage) {
  const std::vector<nlohmann::json> others = {
      true, -1, 1.5, 1e300, "x", nlohmann::json::array({1}), nlohmann::json::object({{"a", 1}})};
  int refused = 0;
  for (const char* text : kValidLines) {
    const auto valid = nlohmann::json::parse(text);
    for (const auto& [key, original] : valid.items()) {
      for (const auto& other : others) {
        const Kind was = kind_of(original);
        const Kind now = kind_of(other);
        if (now == was) continue;
        // Ids are integers or strings of digits (and may become any string): only the other
        // types are wrong for them.
        const bool id =
            key == "cl_id" || key == "order_id" || key == "trade_id" || key == "venue_order_id";
        if (id && now == Kind::kString) continue;
        auto line = valid;
        line[key] = other;
        const std::string mutated = line.dump();
        Result<ScenarioLine> r = Error{"not run"};
        ASSERT_NO_THROW(r = parse_scenario_line(*state_, mutated, 0)) << mutated;
        EXPECT_FALSE(r) << mutated << " parsed";
        if (!r) {
          EXPECT_FALSE(r.error().empty()) << mutated;
          ++refused;
        }
      }
    }
  }
  EXPECT_GT(refused, 500);  // ~100 fields × 5-6 other types
}

TEST_F(ScenarioEdges, RefusesANonStringSourceAsATypeErrorNotAnUnknownClient) {
  auto r = parse_scenario_line(*state_, R"({"op":"timer","source":7})", 0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "field \"source\" must be a string");
}

TEST_F(ScenarioEdges, RefusesANonStringOpSayingSo) {
  for (const char* line : {R"({"op":5})", R"({"op":null})", R"({"op":{}})", R"({"op":[]})"}) {
    auto r = parse_scenario_line(*state_, line, 0);
    ASSERT_FALSE(r) << line;
    EXPECT_TRUE(r.error() == "field \"op\" must be a string" || r.error() == "missing field \"op\"")
        << line << ": " << r.error();
  }
}

}  // namespace
}  // namespace ose
