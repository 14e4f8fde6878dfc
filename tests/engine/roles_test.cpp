// Who may do what (docs/design/0006-roles.md, issue 21 items 4–6): every op a client can send,
// from every role (strategy, venue, admin), from a client bound to the account the op touches,
// bound only to another account, and bound to "*" — through apply() directly, against a table
// written out by hand below (not derived from the engine's own role table). Then the
// reproductions of the issue: an admin and a venue acting for an account outside their
// binding, a venue amending and cancelling a strategy's order, a fill far outside the limit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "engine/formats/json_format.hpp"
#include "tests/engine/test_support.hpp"

namespace ose {
namespace {

using nlohmann::json;
using test::Harness;

// Two futures accounts on one linear perpetual: "main" is the account every op below touches,
// "other" the one the "out" clients are bound to instead. For each role one client bound to
// main, one to other, one to every account ("*"); "owner" is a strategy client on main that owns
// the orders the venue and admin clients act on.
constexpr std::string_view kConfig = R"toml(
[engine]
name = "roles"
max_orders = 64
max_positions = 64

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"

[[instruments]]
symbol = "BTCPERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
min_qty = "0.001"
max_qty = "100"
min_notional = "5"
max_leverage = 20
maintenance_margin = "0.004"

[[accounts]]
name = "main"
type = "futures"
leverage = 10
balances = { USDT = "10000" }

[[accounts]]
name = "other"
type = "futures"
leverage = 10
balances = { USDT = "10000" }

[[strategies]]
name = "st_main"
account = "main"

[[strategies]]
name = "st_other"
account = "other"

[[clients]]
name = "owner"
accounts = ["main"]

[[clients]]
name = "s_in"
role = "strategy"
accounts = ["main"]

[[clients]]
name = "s_out"
role = "strategy"
accounts = ["other"]

[[clients]]
name = "s_all"
role = "strategy"
accounts = ["*"]

[[clients]]
name = "v_in"
role = "venue"
accounts = ["main"]

[[clients]]
name = "v_out"
role = "venue"
accounts = ["other"]

[[clients]]
name = "v_all"
role = "venue"
accounts = ["*"]

[[clients]]
name = "a_in"
role = "admin"
accounts = ["main"]

[[clients]]
name = "a_out"
role = "admin"
accounts = ["other"]

[[clients]]
name = "a_all"
role = "admin"
accounts = ["*"]
)toml";

// What an input led to: the first event's type ("rejected:REASON" for a refusal), or "none".
std::string outcome(const std::vector<Event>& events) {
  if (events.empty()) return "none";
  const Event& e = events.front();
  if (e.type == EventType::kRejected) return "rejected:" + std::string(to_string(e.reason));
  return std::string(to_string(e.type));
}

// Where the order the op acts on stands before it (set up by the engine, which may do all).
enum class Setup { kNone, kPendingNew, kOpen, kPendingCancel };

struct OpCase {
  const char* name;
  Setup setup;
  std::string line;  // the op, without "source"
  // Outcomes for strategy in/out/all, venue in/out/all, admin in/out/all.
  std::array<const char*, 9> expected;
};

constexpr const char* kRole = "rejected:ROLE_NOT_PERMITTED";
constexpr const char* kAccount = "rejected:ACCOUNT_NOT_PERMITTED";
constexpr const char* kUnknown = "rejected:UNKNOWN_ORDER";
constexpr const char* kMalformed = "rejected:MALFORMED";

// The order is (ORDER_CLIENT, 1); the test puts in the client that owns it.
const std::string kRef = R"("client":"ORDER_CLIENT","cl_id":1)";

std::vector<OpCase> every_op() {
  // Admin-only ops on account main (or a strategy of it): the admin bound to main or "*" may.
  auto admin_on_main = [](const char* ok) {
    return std::array<const char*, 9>{kRole, kRole, kRole, kRole, kRole, kRole, ok, kAccount, ok};
  };
  // Ops that reach every account: only an admin bound to all of them.
  auto admin_on_all = [](const char* ok) {
    return std::array<const char*, 9>{kRole, kRole,    kRole,    kRole, kRole,
                                      kRole, kAccount, kAccount, ok};
  };
  // Venue reports on an order of account main: a venue or an admin bound to main or "*".
  auto report = [](const char* ok) {
    return std::array<const char*, 9>{kRole, kRole, kRole, ok, kAccount, ok, ok, kAccount, ok};
  };
  // Order instructions on an order of main: a strategy sees only its own orders (s_out has
  // none there: UNKNOWN_ORDER); an admin needs the binding; a venue never instructs.
  auto instruct = [](const char* ok) {
    return std::array<const char*, 9>{ok, kUnknown, ok, kRole, kRole, kRole, ok, kAccount, ok};
  };
  return {
      {"Deposit", Setup::kNone, R"({"op":"deposit","account":"main","asset":"USDT","amount":"5"})",
       admin_on_main("balance")},
      {"Withdraw", Setup::kNone,
       R"({"op":"withdraw","account":"main","asset":"USDT","amount":"5"})",
       admin_on_main("balance")},
      {"SetLeverage", Setup::kNone,
       R"({"op":"set_leverage","account":"main","symbol":"BTCPERP","leverage":5})",
       admin_on_main("leverage")},
      {"SetStrategy", Setup::kNone,
       R"({"op":"set_strategy","strategy":"st_main","state":"paused"})",
       admin_on_main("strategy_state")},
      {"HaltAccount", Setup::kNone, R"({"op":"halt","scope":"account","name":"main"})",
       admin_on_main("halted")},
      {"ResumeAccount", Setup::kNone, R"({"op":"resume","scope":"account","name":"main"})",
       admin_on_main("resumed")},
      {"HaltStrategy", Setup::kNone, R"({"op":"halt","scope":"strategy","name":"st_main"})",
       admin_on_main("halted")},
      {"ResumeStrategy", Setup::kNone, R"({"op":"resume","scope":"strategy","name":"st_main"})",
       admin_on_main("resumed")},
      {"HaltGlobal", Setup::kNone, R"({"op":"halt","scope":"global"})", admin_on_all("halted")},
      {"ResumeGlobal", Setup::kNone, R"({"op":"resume","scope":"global"})",
       admin_on_all("resumed")},
      {"HaltInstrument", Setup::kNone, R"({"op":"halt","scope":"instrument","name":"BTCPERP"})",
       admin_on_all("halted")},
      {"ResumeInstrument", Setup::kNone, R"({"op":"resume","scope":"instrument","name":"BTCPERP"})",
       admin_on_all("resumed")},
      // Each client places an order as itself: a strategy or admin bound to main may.
      {"NewOrder",
       Setup::kNone,
       R"({"op":"new_order","client":"SOURCE","cl_id":2,"account":"main","strategy":"st_main","symbol":"BTCPERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})",
       {"accepted", kAccount, "accepted", kRole, kRole, kRole, "accepted", kAccount, "accepted"}},
      {"Cancel", Setup::kOpen, R"({"op":"cancel",)" + kRef + "}", instruct("cancel_requested")},
      {"Amend", Setup::kOpen, R"({"op":"amend",)" + kRef + R"(,"qty":"0.2"})", instruct("amended")},
      // Naming account main: refused outside the binding.
      {"CancelAllOfAccount",
       Setup::kOpen,
       R"({"op":"cancel_all","account":"main"})",
       {"cancel_requested", kAccount, "cancel_requested", kRole, kRole, kRole, "cancel_requested",
        kAccount, "cancel_requested"}},
      // No filter: each cancels what it may, and s_out and a_out may cancel nothing of main.
      {"CancelAllUnfiltered",
       Setup::kOpen,
       R"({"op":"cancel_all"})",
       {"cancel_requested", "none", "cancel_requested", kRole, kRole, kRole, "cancel_requested",
        "none", "cancel_requested"}},
      {"Ack", Setup::kPendingNew, R"({"op":"ack",)" + kRef + R"(,"venue_order_id":9})",
       report("acked")},
      {"VenueReject", Setup::kPendingNew,
       R"({"op":"venue_reject",)" + kRef + R"(,"reason":"VENUE_REJECTED"})",
       report("rejected:VENUE_REJECTED")},
      {"Fill", Setup::kOpen,
       R"({"op":"fill",)" + kRef +
           R"(,"trade_id":7,"qty":"0.05","price":"30000","fee":"0.6","fee_asset":"USDT","liquidity":"taker"})",
       report("fill")},
      {"CancelAck", Setup::kPendingCancel, R"({"op":"cancel_ack",)" + kRef + "}",
       report("cancelled")},
      {"Expired", Setup::kOpen, R"({"op":"expired",)" + kRef + "}", report("expired")},
      // Market data belongs to no account: any venue; an admin only with every account.
      {"Tick",
       Setup::kNone,
       R"({"op":"tick","symbol":"BTCPERP","bid":"30000","ask":"30001"})",
       {kRole, kRole, kRole, "none", "none", "none", kAccount, kAccount, "none"}},
      // Engine-generated only: no client sends it, whatever its role.
      {"Timer",
       Setup::kNone,
       R"({"op":"timer"})",
       {kMalformed, kMalformed, kMalformed, kMalformed, kMalformed, kMalformed, kMalformed,
        kMalformed, kMalformed}},
      {"Persistence",
       Setup::kNone,
       R"({"op":"persistence","available":false})",
       {kMalformed, kMalformed, kMalformed, kMalformed, kMalformed, kMalformed, kMalformed,
        kMalformed, kMalformed}},
  };
}

constexpr std::array<const char*, 9> kSources = {"s_in",  "s_out", "s_all", "v_in", "v_out",
                                                 "v_all", "a_in",  "a_out", "a_all"};

struct RoleCase {
  OpCase op;
  size_t source;  // index into kSources and op.expected
};

void PrintTo(const RoleCase& c, std::ostream* os) {
  *os << c.op.name << " from " << kSources[c.source];
}

std::vector<RoleCase> every_case() {
  std::vector<RoleCase> out;
  for (const OpCase& op : every_op()) {
    for (size_t i = 0; i < kSources.size(); ++i) out.push_back({op, i});
  }
  return out;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

class Roles : public ::testing::TestWithParam<RoleCase> {};

TEST_P(Roles, EachRoleMayDoWhatTheTableSaysForItsAccounts) {
  const OpCase& op = GetParam().op;
  const std::string source = kSources[GetParam().source];
  const std::string expected = op.expected[GetParam().source];
  Harness h(kConfig);
  // The order acted on belongs to the source if it is a strategy that may trade main, else to
  // the owner: a strategy bound elsewhere can only name someone else's order.
  const bool own = source == "s_in" || source == "s_all";
  const std::string order_client = own ? source : "owner";
  if (op.setup != Setup::kNone) {
    h.feed(
        R"({"op":"new_order","client":")" + order_client +
        R"(","cl_id":1,"account":"main","strategy":"st_main","symbol":"BTCPERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})");
  }
  if (op.setup == Setup::kOpen || op.setup == Setup::kPendingCancel) {
    h.feed(R"({"op":"ack","client":")" + order_client + R"(","cl_id":1})");
  }
  if (op.setup == Setup::kPendingCancel) {
    h.feed(R"({"op":"cancel","client":")" + order_client + R"(","cl_id":1})");
  }
  const OrderRecord* before = h.order(order_client, 1);
  const OrderStatus status_before = before != nullptr ? before->status : OrderStatus{};
  const Amount main_free = h.free("main", "USDT");
  const Amount main_locked = h.locked("main", "USDT");

  json line = json::parse(
      replace_all(replace_all(op.line, "ORDER_CLIENT", order_client), "SOURCE", source));
  line["source"] = source;
  const auto events = h.feed(line.dump());
  EXPECT_EQ(outcome(events), expected) << op.name << " from " << source;

  const bool refused = expected.rfind("rejected:", 0) == 0 && expected != "rejected:VENUE_REJECTED";
  if (refused || expected == "none") {
    // Nothing moved: not the order, not the money of main.
    if (before != nullptr) {
      EXPECT_EQ(h.order(order_client, 1)->status, status_before);
    }
    EXPECT_EQ(h.free("main", "USDT"), main_free);
    EXPECT_EQ(h.locked("main", "USDT"), main_locked);
  }
  if (std::string_view(op.name) == "NewOrder" && refused) {
    // Naming itself: a client's own refused order is kept (rejected) under its id, unless its
    // role may not place orders at all.
    const OrderRecord* o = h.order(source, 2);
    if (expected == kRole) {
      EXPECT_EQ(o, nullptr);
    } else {
      ASSERT_NE(o, nullptr);
      EXPECT_EQ(o->status, OrderStatus::kRejected);
    }
  }
  if (std::string_view(op.name) == "Tick") {
    EXPECT_EQ(h.market("BTCPERP").has_bid != 0, expected == "none");
  }
}

std::string case_name(const ::testing::TestParamInfo<RoleCase>& info) {
  return std::string(info.param.op.name) + "_" + kSources[info.param.source];
}

INSTANTIATE_TEST_SUITE_P(EveryOpRoleAndBinding, Roles, ::testing::ValuesIn(every_case()),
                         case_name);

// ---- the issue's reproductions --------------------------------------------------------------

// config/example.toml as it was: the admin "ops" and the venue "sim" both bound to "main" only,
// a spot account "main" and a futures account "futures".
constexpr std::string_view kExampleLike = R"toml(
[engine]
name = "bound"
max_orders = 64
max_positions = 64

[[assets]]
code = "USDT"
[[assets]]
code = "BTC"

[[instruments]]
symbol = "BTCUSDT"
kind = "spot"
base = "BTC"
quote = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_qty = "0.00001"
max_qty = "9000"
min_notional = "5"
price_band = "0.05"

[[instruments]]
symbol = "BTCUSDT-PERP"
kind = "linear"
base = "BTC"
quote = "USDT"
tick_size = "0.1"
step_size = "0.001"
min_qty = "0.001"
max_qty = "100"
min_notional = "5"
max_leverage = 20
maintenance_margin = "0.004"

[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "10000" }

[[accounts]]
name = "futures"
type = "futures"
leverage = 10
balances = { USDT = "10000" }

[[strategies]]
name = "ema1"
account = "main"

[[strategies]]
name = "perp1"
account = "futures"

[[clients]]
name = "ema1"
accounts = ["main"]

[[clients]]
name = "perp1"
accounts = ["futures"]

[[clients]]
name = "sim"
role = "venue"
accounts = ["main"]

[[clients]]
name = "ops"
role = "admin"
accounts = ["main"]
)toml";

TEST(Roles, AnAdminBoundToMainCannotTouchTheFuturesAccount) {
  Harness h(kExampleLike);
  const std::string lines[] = {
      R"({"op":"deposit","source":"ops","account":"futures","asset":"USDT","amount":"1000"})",
      R"({"op":"withdraw","source":"ops","account":"futures","asset":"USDT","amount":"1000"})",
      R"({"op":"set_leverage","source":"ops","account":"futures","symbol":"BTCUSDT-PERP","leverage":20})",
      R"({"op":"halt","source":"ops","scope":"account","name":"futures"})",
      R"({"op":"halt","source":"ops","scope":"strategy","name":"perp1"})",
      R"({"op":"set_strategy","source":"ops","strategy":"perp1","state":"stopped"})",
      R"({"op":"new_order","source":"ops","client":"perp1","cl_id":1,"account":"futures","strategy":"perp1","symbol":"BTCUSDT-PERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})",
      // Global and instrument halts reach the futures account too.
      R"({"op":"halt","source":"ops","scope":"global"})",
      R"({"op":"halt","source":"ops","scope":"instrument","name":"BTCUSDT"})",
  };
  for (const std::string& l : lines) {
    EXPECT_EQ(test::reject_reason(h.feed(l)), "ACCOUNT_NOT_PERMITTED") << l;
  }
  EXPECT_DECIMAL_EQ(h.free("futures", "USDT"), "10000");
  EXPECT_EQ(h.position("futures", "BTCUSDT-PERP").leverage, 10);
  EXPECT_EQ(h.state().account(h.account("futures")).halted, 0);
  EXPECT_EQ(h.strategy_record("perp1").halted, 0);
  EXPECT_EQ(h.strategy_record("perp1").state, StrategyState::kRunning);
  EXPECT_EQ(h.state().header().halted_global, 0);
  EXPECT_EQ(h.order("perp1", 1), nullptr) << "not stored under perp1's cl_id";
  // On its own account the same admin may.
  EXPECT_EQ(test::reject_reason(h.feed(
                R"({"op":"deposit","source":"ops","account":"main","asset":"USDT","amount":"1"})")),
            test::kNotRejected);
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "10001");
}

TEST(Roles, AVenueBoundToMainCannotAckOrFillAFuturesOrder) {
  Harness h(kExampleLike);
  h.feed(
      R"({"op":"new_order","source":"perp1","client":"perp1","cl_id":1,"account":"futures","strategy":"perp1","symbol":"BTCUSDT-PERP","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})");
  ASSERT_EQ(h.order("perp1", 1)->status, OrderStatus::kPendingNew);
  EXPECT_DECIMAL_EQ(h.locked("futures", "USDT"), "300");  // 0.1 × 30000 / 10
  EXPECT_EQ(
      test::reject_reason(h.feed(R"({"op":"ack","source":"sim","client":"perp1","cl_id":1})")),
      "ACCOUNT_NOT_PERMITTED");
  EXPECT_EQ(
      test::reject_reason(h.feed(
          R"({"op":"fill","source":"sim","client":"perp1","cl_id":1,"trade_id":1,"qty":"0.1","price":"30000"})")),
      "ACCOUNT_NOT_PERMITTED");
  const OrderRecord* o = h.order("perp1", 1);
  EXPECT_EQ(o->status, OrderStatus::kPendingNew);
  EXPECT_DECIMAL_EQ(o->filled_qty, "0");
  EXPECT_DECIMAL_EQ(h.position("futures", "BTCUSDT-PERP").size, "0");
  EXPECT_DECIMAL_EQ(h.locked("futures", "USDT"), "300");
}

TEST(Roles, AVenueCanNeitherAmendNorCancelAStrategysOrder) {
  Harness h(kExampleLike);
  h.feed(R"({"op":"tick","symbol":"BTCUSDT","bid":"30000","ask":"30000.01"})");
  h.feed(
      R"({"op":"new_order","source":"ema1","client":"ema1","cl_id":1,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":"buy","type":"limit","tif":"gtc","qty":"0.1","price":"30000"})");
  h.feed(R"({"op":"ack","source":"sim","client":"ema1","cl_id":1})");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "3000");  // 0.1 × 30000
  // The reproduction: an amend that would double the order and its lock.
  EXPECT_EQ(test::reject_reason(
                h.feed(R"({"op":"amend","source":"sim","client":"ema1","cl_id":1,"qty":"0.2"})")),
            "ROLE_NOT_PERMITTED");
  EXPECT_EQ(
      test::reject_reason(h.feed(R"({"op":"cancel","source":"sim","client":"ema1","cl_id":1})")),
      "ROLE_NOT_PERMITTED");
  EXPECT_EQ(test::reject_reason(h.feed(R"({"op":"cancel_all","source":"sim"})")),
            "ROLE_NOT_PERMITTED");
  const OrderRecord* o = h.order("ema1", 1);
  EXPECT_EQ(o->status, OrderStatus::kOpen);
  EXPECT_DECIMAL_EQ(o->qty, "0.1");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "3000");
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "7000");
}

TEST(Roles, TheRefusalOfAVenuesCancelNamesTheOrderItNamed) {
  Harness h(kExampleLike);
  const auto events = h.feed(R"({"op":"cancel","source":"sim","client":"ema1","cl_id":42})");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, EventType::kRejected);
  EXPECT_EQ(events[0].reason, RejectReason::kRoleNotPermitted);
  EXPECT_EQ(events[0].client, h.client("ema1"));
  EXPECT_EQ(events[0].cl_id, 42u);
  EXPECT_EQ(h.state().header().rejects[static_cast<int>(RejectReason::kRoleNotPermitted)], 1u);
}

TEST(Config, StarBindsAClientToEveryAccountAndStandsAlone) {
  auto star = load_config_string(std::string(kConfig), "<roles>");
  ASSERT_TRUE(star) << star.error();
  const ClientSpec& a_all = star->clients[9];
  ASSERT_EQ(a_all.name, "a_all");
  EXPECT_TRUE(a_all.all_accounts);
  EXPECT_TRUE(a_all.accounts.empty());
  EXPECT_FALSE(star->clients[7].all_accounts);  // a_in

  std::string mixed =
      replace_all(std::string(kConfig), R"(accounts = ["*"])", R"(accounts = ["main", "*"])");
  auto bad = load_config_string(mixed, "<mixed>");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("clients.accounts"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("stands alone"), std::string::npos) << bad.error();

  std::string named_star = replace_all(std::string(kConfig), R"(name = "other")", R"(name = "*")");
  auto bad2 = load_config_string(named_star, "<named-star>");
  ASSERT_FALSE(bad2);
  EXPECT_NE(bad2.error().find("accounts.name"), std::string::npos) << bad2.error();
}

// ---- fills outside the limit ------------------------------------------------------------------

class FillPrice : public ::testing::Test {
 protected:
  Harness h{kExampleLike};
  void SetUp() override {
    h.feed(R"({"op":"tick","symbol":"BTCUSDT","bid":"30000","ask":"30000.01"})");
  }
  // Places (ema1, cl_id) and acks it; returns nothing, the order is looked up by cl_id.
  void place(int cl_id, std::string_view side, std::string_view type, std::string_view price) {
    std::string l = R"({"op":"new_order","client":"ema1","cl_id":)" + std::to_string(cl_id) +
                    R"(,"account":"main","strategy":"ema1","symbol":"BTCUSDT","side":")" +
                    std::string(side) + R"(","type":")" + std::string(type) +
                    R"(","tif":"gtc","qty":"0.1")";
    if (!price.empty()) l += R"(,"price":")" + std::string(price) + "\"";
    l += "}";
    ASSERT_EQ(test::reject_reason(h.feed(l)), test::kNotRejected) << l;
    h.feed(R"({"op":"ack","client":"ema1","cl_id":)" + std::to_string(cl_id) + "}");
  }
  std::vector<Event> fill(int cl_id, std::string_view price, int trade_id) {
    return h.feed(R"({"op":"fill","source":"sim","client":"ema1","cl_id":)" +
                  std::to_string(cl_id) + R"(,"trade_id":)" + std::to_string(trade_id) +
                  R"(,"qty":"0.1","price":")" + std::string(price) + "\"}");
  }
  uint64_t alerts() {
    return h.state().header().alerts[static_cast<int>(AlertReason::kFillPriceOutsideLimit)];
  }
};

TEST_F(FillPrice, FarAboveABuysLimitIsAppliedAndRaised) {
  h.feed(R"({"op":"deposit","account":"main","asset":"USDT","amount":"100000000"})");
  place(1, "buy", "limit", "30000");
  // The reproduction: 14,000 × the limit. The trade happened: applied as the venue says.
  const auto events = fill(1, "420000000", 1);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].type, EventType::kFill);
  EXPECT_EQ(events[1].type, EventType::kAlert);
  EXPECT_EQ(events[1].alert, AlertReason::kFillPriceOutsideLimit);
  EXPECT_EQ(events[1].order_id, h.order("ema1", 1)->id);
  EXPECT_EQ(alerts(), 1u);
  EXPECT_EQ(h.order("ema1", 1)->status, OrderStatus::kFilled);
  EXPECT_DECIMAL_EQ(h.position("main", "BTCUSDT").size, "0.1");
  // 100010000 − 0.1 × 420000000 paid; the 3000 lock released into it.
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "58010000");
  EXPECT_DECIMAL_EQ(h.locked("main", "USDT"), "0");
  // In the events JSONL, an `alert` with its reason.
  const json j = event_to_json(h.state(), events[1]);
  EXPECT_EQ(j["type"], "alert");
  EXPECT_EQ(j["reason"], "FILL_PRICE_OUTSIDE_LIMIT");
}

TEST_F(FillPrice, BelowASellsLimitIsRaised) {
  h.feed(R"({"op":"deposit","account":"main","asset":"BTC","amount":"1"})");
  place(1, "sell", "limit", "30000");
  EXPECT_EQ(test::alert_reason(fill(1, "29999.99", 1)), "FILL_PRICE_OUTSIDE_LIMIT");
  EXPECT_EQ(alerts(), 1u);
  EXPECT_DECIMAL_EQ(h.free("main", "USDT"), "12999.999");  // 10000 + 0.1 × 29999.99
}

TEST_F(FillPrice, AtOrBetterThanTheLimitIsNotRaised) {
  h.feed(R"({"op":"deposit","account":"main","asset":"BTC","amount":"1"})");
  place(1, "buy", "limit", "30000");
  place(2, "buy", "limit", "30000");
  place(3, "sell", "limit", "30000");
  place(4, "sell", "limit", "30000");
  EXPECT_EQ(test::alert_reason(fill(1, "30000", 1)), "");    // at the limit
  EXPECT_EQ(test::alert_reason(fill(2, "29000", 2)), "");    // a buy below it
  EXPECT_EQ(test::alert_reason(fill(3, "30000", 3)), "");    // at the limit
  EXPECT_EQ(test::alert_reason(fill(4, "31000.5", 4)), "");  // a sell above it
  EXPECT_EQ(alerts(), 0u);
}

TEST_F(FillPrice, AMarketOrderHasNoLimitToBeOutside) {
  place(1, "buy", "market", "");
  // Within the band reservation, so no balance alert either: only the fill.
  const auto events = fill(1, "30100", 1);
  EXPECT_EQ(test::alert_reason(events), "");
  EXPECT_EQ(alerts(), 0u);
}

}  // namespace
}  // namespace ose
