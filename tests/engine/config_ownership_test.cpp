// The ownership keys (docs/SECURITY.md): [engine] engine_user, state_group, state_mode and a
// client's user and group. Loading only checks their spelling; names are looked up when the
// engine starts (engine/runtime/ownership.hpp), so a config naming users this host lacks loads.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "engine/formats/config.hpp"
#include "engine/runtime/ownership.hpp"
#include "tests/support/btcusdt_spot.hpp"

namespace ose {
namespace {

// The shared market, one account, and client "a" with `client_extra`.
std::string config(const std::string& engine_extra, const std::string& client_extra) {
  return test::with_btcusdt_spot(
      "[engine]\nname = \"own\"\n" + engine_extra + "\n",
      "[[accounts]]\nname = \"main\"\n[[clients]]\nname = \"a\"\n" + client_extra + "\n");
}

Result<EngineConfig> load(const std::string& engine_extra, const std::string& client_extra) {
  return load_config_string(config(engine_extra, client_extra), "<inline>");
}

TEST(ConfigOwnership, WithoutTheKeysNothingChanges) {
  auto r = load("", "");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->engine_user, "");
  EXPECT_EQ(r->state_group, "");
  EXPECT_EQ(r->state_mode, 0644u);  // as before the keys existed
  EXPECT_EQ(r->clients[0].user, "");
  EXPECT_EQ(r->clients[0].group, "");
  EXPECT_EQ(r->clients[0].mode, 0600u);
}

TEST(ConfigOwnership, TakesNamesAndNumericIds) {
  auto r = load("engine_user = \"ose\"\nstate_group = \"ose-readers\"\nstate_mode = 0o640",
                "user = 1234\ngroup = \"strat.ema\"\nmode = 0o660");
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->engine_user, "ose");
  EXPECT_EQ(r->state_group, "ose-readers");
  EXPECT_EQ(r->state_mode, 0640u);
  EXPECT_EQ(r->clients[0].user, "1234");
  EXPECT_EQ(r->clients[0].group, "strat.ema");
}

TEST(ConfigOwnership, RefusesBadSpellingsWithTheKey) {
  for (const char* bad : {"\"\"", "\"-rf\"", "\"a b\"", "\"x/y\"", "-1", "4294967295", "true"}) {
    auto r = load("", std::string("user = ") + bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("clients.user"), std::string::npos) << r.error();
  }
  auto g = load("state_group = 1.5", "");
  ASSERT_FALSE(g);
  EXPECT_NE(g.error().find("engine.state_group"), std::string::npos) << g.error();
}

TEST(ConfigOwnership, StateModeIsNeverWritableButByTheEngine) {
  for (const char* bad : {"0o660", "0o646", "0o400", "0o700", "0o755"}) {
    auto r = load(std::string("state_mode = ") + bad, "");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("engine.state_mode"), std::string::npos) << r.error();
  }
  for (const char* good : {"0o600", "0o640", "0o604", "0o644"}) {
    auto r = load(std::string("state_mode = ") + good, "");
    EXPECT_TRUE(r) << good << ": " << r.error();
  }
}

// Looked up at start: a name this host lacks loads, and the engine's start refuses it.
TEST(ConfigOwnership, UnknownNamesLoadButCannotStart) {
  auto r = load("", "group = \"no-such-group-ose-test\"");
  ASSERT_TRUE(r) << r.error();
  auto plan = plan_ownership(*r);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().find("no such group on this host"), std::string::npos) << plan.error();
  auto u = load("engine_user = \"no-such-user-ose-test\"", "");
  ASSERT_TRUE(u) << u.error();
  auto plan_u = plan_ownership(*u);
  ASSERT_FALSE(plan_u);
  EXPECT_NE(plan_u.error().find("no such user on this host"), std::string::npos);
}

TEST(ConfigOwnership, OwnUserAndGroupAreAlwaysGrantable) {
  const std::string uid = std::to_string(::geteuid());
  const std::string gid = std::to_string(::getegid());
  auto r =
      load("engine_user = " + uid + "\nstate_group = " + gid, "user = " + uid + "\ngroup = " + gid);
  ASSERT_TRUE(r) << r.error();
  auto plan = plan_ownership(*r);
  ASSERT_TRUE(plan) << plan.error();
  EXPECT_TRUE(plan->clients[0].set_user);
  EXPECT_EQ(plan->clients[0].user, static_cast<uint32_t>(::geteuid()));
  EXPECT_TRUE(plan->state.set_group);
  EXPECT_FALSE(plan->state.set_user);
}

}  // namespace
}  // namespace ose
