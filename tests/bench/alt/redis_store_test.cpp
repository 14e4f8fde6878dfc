// The Redis alternative of the performance study (issue 6), checked against a real
// redis-server: the throwaway server's lifecycle (start, distinct ports, nothing left behind)
// and RedisStore's state after the shared workload, read back with HGETALL and compared with
// values this file computes on its own from the event list — exact, in e8 integers. Skips with
// the install hint when redis-server is missing; compiled to a skip without hiredis.
#include <gtest/gtest.h>

#if defined(OSE_HAVE_HIREDIS)

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bench/alt/order_workload.hpp"
#include "bench/alt/redis_server.hpp"
#include "bench/alt/redis_store.hpp"

namespace ose::bench {
namespace {

__extension__ typedef __int128 i128;  // exact products of two e8 numbers
constexpr int64_t kE8 = 100'000'000;

// A started server, or the note to skip (binary missing) or fail (anything else) with.
struct Started {
  std::optional<RedisServer> server;
  bool missing_binary = false;
  std::string note;
};

Started start_server(const RedisServerOptions& options = {}) {
  Started s;
  auto r = RedisServer::start(options);
  if (r) {
    s.server.emplace(std::move(r).value());
  } else {
    s.note = r.error();
    s.missing_binary = s.note.find("redis-server not found") != std::string::npos;
  }
  return s;
}

#define START_OR_SKIP(started, ...)                           \
  Started started = start_server(__VA_ARGS__);                \
  if (!started.server) {                                      \
    if (started.missing_binary) GTEST_SKIP() << started.note; \
    FAIL() << started.note;                                   \
  }

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;
using Reply = std::unique_ptr<redisReply, ReplyFree>;

Context connect_to(const RedisServer& s) {
  const timeval tv{5, 0};
  Context c(redisConnectWithTimeout(s.host().c_str(), s.port(), tv));
  if (!c || c->err != 0) return nullptr;
  redisSetTimeout(c.get(), tv);
  return c;
}

Reply command(redisContext* c, std::initializer_list<std::string> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.c_str());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

std::map<std::string, std::string> hgetall(redisContext* c, const std::string& key) {
  std::map<std::string, std::string> out;
  Reply r = command(c, {"HGETALL", key});
  if (!r || r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i + 1 < r->elements; i += 2) out[r->element[i]->str] = r->element[i + 1]->str;
  return out;
}

int64_t field(const std::map<std::string, std::string>& h, const std::string& name) {
  auto it = h.find(name);
  return it == h.end() ? INT64_MIN : std::stoll(it->second);
}

int64_t round_half_even(i128 n, i128 d) {  // n ≥ 0, d > 0
  i128 q = n / d;
  const i128 r2 = 2 * (n % d);
  if (r2 > d || (r2 == d && q % 2 != 0)) ++q;
  return static_cast<int64_t>(q);
}

// ---- the expected state, computed here from the events alone -----------------------------

struct ExpectedOrder {
  const OrderEvent* placed = nullptr;
  std::string status;
  int64_t filled_e8 = 0;
  i128 fill_value_e16 = 0;
};
struct ExpectedPosition {
  int64_t size_e8 = 0;
  int64_t avg_e8 = 0;
};
struct Expected {
  std::map<uint64_t, ExpectedOrder> orders;
  std::map<std::pair<uint32_t, uint16_t>, ExpectedPosition> positions;
  std::map<std::pair<uint32_t, std::string>, std::pair<int64_t, int64_t>> balances;  // free, locked
};

// The money rules stated as flows: free = seed + what came in − what went out − what is
// locked now; locked = the open remainder of every working order (qty − filled at the limit for
// buys, in quote; qty − filled for sells, in base). Positions by the textbook average-cost
// rule: adding keeps the size-weighted mean, reducing keeps the price, flipping restarts at the
// fill price.
Expected expect(const std::vector<OrderEvent>& events, size_t n, const RedisStoreOptions& o) {
  Expected x;
  std::map<std::pair<uint32_t, std::string>, int64_t> flow;  // Σ in − out, excluding locks
  for (size_t k = 0; k < n; ++k) {
    const OrderEvent& e = events[k];
    ExpectedOrder& ord = x.orders[e.order_id];
    const std::string base = "base" + std::to_string(e.instrument);
    switch (e.kind) {
      case OrderEventKind::kNew:
        ord.placed = &e;
        ord.status = "new";
        break;
      case OrderEventKind::kAck:
        ord.status = "open";
        break;
      case OrderEventKind::kCancel:
        ord.status = "cancelled";
        break;
      case OrderEventKind::kPartialFill:
      case OrderEventKind::kFill: {
        ord.filled_e8 += e.qty_e8;
        ord.fill_value_e16 += static_cast<i128>(e.qty_e8) * e.price_e8;
        ord.status = ord.filled_e8 == ord.placed->qty_e8 ? "filled" : "partially_filled";
        const i128 value = static_cast<i128>(e.qty_e8) * e.price_e8;
        EXPECT_EQ(value % kE8, 0) << "the workload's grids make every notional exact";
        const int64_t cost = static_cast<int64_t>(value / kE8);
        const bool buy = e.side == 0;
        flow[{e.account, "quote"}] += (buy ? -cost : cost) - e.fee_e8;
        flow[{e.account, base}] += buy ? e.qty_e8 : -e.qty_e8;

        ExpectedPosition& p = x.positions[{e.account, e.instrument}];
        const int64_t d = buy ? e.qty_e8 : -e.qty_e8;
        const int64_t s = p.size_e8;
        if (s == 0 || (s > 0) == (d > 0)) {
          const int64_t as = s < 0 ? -s : s, ad = d < 0 ? -d : d;
          p.avg_e8 = s == 0 ? e.price_e8
                            : round_half_even(static_cast<i128>(as) * p.avg_e8 +
                                                  static_cast<i128>(ad) * e.price_e8,
                                              as + ad);
        } else if ((s + d) == 0) {
          p.avg_e8 = 0;
        } else if ((s > 0) != (s + d > 0)) {
          p.avg_e8 = e.price_e8;  // flipped: the rest opens at the fill price
        }
        p.size_e8 = s + d;
        break;
      }
    }
  }
  for (uint32_t a = 0; a < o.accounts; ++a) {
    x.balances[{a, "quote"}] = {o.quote_seed_e8, 0};
    for (uint16_t i = 0; i < o.instruments; ++i) {
      x.balances[{a, "base" + std::to_string(i)}] = {o.base_seed_e8, 0};
    }
  }
  for (const auto& [id, ord] : x.orders) {
    if (ord.status == "filled" || ord.status == "cancelled") continue;
    const OrderEvent& p = *ord.placed;
    const int64_t open = p.qty_e8 - ord.filled_e8;
    if (p.side == 0) {
      x.balances[{p.account, "quote"}].second +=
          static_cast<int64_t>(static_cast<i128>(open) * p.price_e8 / kE8);
    } else {
      x.balances[{p.account, "base" + std::to_string(p.instrument)}].second += open;
    }
  }
  for (auto& [key, fl] : x.balances) fl.first += flow[key] - fl.second;
  return x;
}

void check_state(redisContext* c, const Expected& x, const std::string& when) {
  SCOPED_TRACE(when);
  for (const auto& [id, ord] : x.orders) {
    const auto h = hgetall(c, "order:" + std::to_string(id));
    ASSERT_FALSE(h.empty()) << "order " << id;
    EXPECT_EQ(h.at("status"), ord.status) << "order " << id;
    EXPECT_EQ(field(h, "filled_e8"), ord.filled_e8) << "order " << id;
    const int64_t avg = ord.filled_e8 == 0 ? 0 : round_half_even(ord.fill_value_e16, ord.filled_e8);
    EXPECT_EQ(field(h, "avg_fill_price_e8"), avg) << "order " << id;
  }
  for (const auto& [key, p] : x.positions) {
    const auto h =
        hgetall(c, "pos:" + std::to_string(key.first) + ":" + std::to_string(key.second));
    EXPECT_EQ(field(h, "size_e8"), p.size_e8) << "pos " << key.first << ":" << key.second;
    EXPECT_EQ(field(h, "avg_price_e8"), p.avg_e8) << "pos " << key.first << ":" << key.second;
  }
  for (const auto& [key, fl] : x.balances) {
    const auto h = hgetall(c, "bal:" + std::to_string(key.first) + ":" + key.second);
    EXPECT_EQ(field(h, "free_e8"), fl.first) << "bal " << key.first << ":" << key.second;
    EXPECT_EQ(field(h, "locked_e8"), fl.second) << "bal " << key.first << ":" << key.second;
  }
}

// ---- the server -------------------------------------------------------------------------

TEST(RedisServer, ReportsAMissingBinaryWithTheInstallHint) {
  RedisServerOptions o;
  o.binary = "/nonexistent/redis-server";
  auto r = RedisServer::start(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("redis-server not found (Debian: apt-get install redis-server)"),
            std::string::npos)
      << r.error();
}

TEST(RedisServer, GivesUpOnAServerThatNeverAnswersWithItsLogTail) {
  // A stand-in that starts, logs a line and never listens: start() must give up within its
  // bound, kill it and say why with the log's tail; one that exits at once is reported too.
  const std::string script = ::testing::TempDir() + "ose_fake_redis_server.sh";
  {
    std::ofstream out(script, std::ios::trunc);
    out << "#!/bin/sh\necho fake server starting\nexec sleep 30\n";
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  RedisServerOptions o;
  o.binary = script;
  o.start_timeout = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = RedisServer::start(o);
  const auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("did not answer PING"), std::string::npos) << r.error();
  EXPECT_NE(r.error().find("fake server starting"), std::string::npos) << r.error();
  EXPECT_LT(waited, std::chrono::seconds(3));

  o.binary = "/bin/false";
  auto f = RedisServer::start(o);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.error().find("exited during start-up (exit status 1)"), std::string::npos)
      << f.error();
  std::filesystem::remove(script);
}

TEST(RedisServer, AnswersOnLoopbackAndLeavesNothingBehindAfterStop) {
  START_OR_SKIP(started);
  RedisServer& s = *started.server;
  EXPECT_EQ(s.host(), "127.0.0.1");
  EXPECT_GT(s.port(), 0);
  const std::string dir = s.dir();
  const pid_t pid = s.pid();
  ASSERT_TRUE(std::filesystem::is_directory(dir));
  {
    Context c = connect_to(s);
    ASSERT_TRUE(c);
    Reply r = command(c.get(), {"PING"});
    ASSERT_TRUE(r);
    EXPECT_STREQ(r->str, "PONG");
  }
  s.stop();
  EXPECT_FALSE(s.running());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1) << "the server process is gone and reaped";
  EXPECT_EQ(errno, ESRCH);
  s.stop();  // idempotent
}

TEST(RedisServer, TwoServersAtOnceGetDistinctPorts) {
  START_OR_SKIP(a);
  START_OR_SKIP(b);
  EXPECT_NE(a.server->port(), b.server->port());
  EXPECT_NE(a.server->dir(), b.server->dir());
  Context ca = connect_to(*a.server), cb = connect_to(*b.server);
  ASSERT_TRUE(ca && cb);
  Reply set = command(ca.get(), {"SET", "who", "a"});
  Reply here = command(ca.get(), {"EXISTS", "who"});
  Reply get = command(cb.get(), {"EXISTS", "who"});
  ASSERT_TRUE(set && here && get);
  EXPECT_EQ(here->integer, 1);
  EXPECT_EQ(get->integer, 0) << "b is a different server";
}

TEST(RedisServer, AppendOnlyOptionTurnsOnTheAofWithFsyncEverySecond) {
  RedisServerOptions o;
  o.appendonly = true;
  START_OR_SKIP(started, o);
  Context c = connect_to(*started.server);
  ASSERT_TRUE(c);
  Reply aof = command(c.get(), {"CONFIG", "GET", "appendonly"});
  Reply fsync = command(c.get(), {"CONFIG", "GET", "appendfsync"});
  Reply save = command(c.get(), {"CONFIG", "GET", "save"});
  ASSERT_TRUE(aof && fsync && save);
  ASSERT_EQ(aof->elements, 2u);
  EXPECT_STREQ(aof->element[1]->str, "yes");
  EXPECT_STREQ(fsync->element[1]->str, "everysec");
  EXPECT_STREQ(save->element[1]->str, "");
}

// ---- the store --------------------------------------------------------------------------

TEST(RedisStore, KeepsExactStateAndPublishesEveryEvent) {
  START_OR_SKIP(started);
  RedisServer& s = *started.server;
  WorkloadOptions w;
  w.orders = 200;
  w.instruments = 3;
  w.accounts = 2;
  w.in_flight = 16;
  const std::vector<OrderEvent> events = make_order_workload(w);
  RedisStoreOptions o;
  o.accounts = w.accounts;
  o.instruments = w.instruments;

  Context sub = connect_to(s);
  ASSERT_TRUE(sub);
  Reply subscribed = command(sub.get(), {"SUBSCRIBE", o.channel});
  ASSERT_TRUE(subscribed && subscribed->type == REDIS_REPLY_ARRAY);

  auto store = RedisStore::connect(s.host(), s.port(), o);
  ASSERT_TRUE(store.ok()) << store.error();
  EXPECT_TRUE((*store)->tcp_nodelay());
  EXPECT_EQ((*store)->name(), "Redis (hiredis, MULTI/EXEC + PUBLISH)");

  Context reader = connect_to(s);
  ASSERT_TRUE(reader);
  const size_t half = events.size() / 2;
  for (size_t k = 0; k < half; ++k) ASSERT_EQ((*store)->apply(events[k]), "") << "event " << k;
  check_state(reader.get(), expect(events, half, o), "after half the events (orders in flight)");
  for (size_t k = half; k < events.size(); ++k) {
    ASSERT_EQ((*store)->apply(events[k]), "") << "event " << k;
  }
  const Expected final_state = expect(events, events.size(), o);
  check_state(reader.get(), final_state, "after every event");
  for (const auto& [key, fl] : final_state.balances) EXPECT_EQ(fl.second, 0) << "all orders ended";

  size_t trades = 0;
  for (const OrderEvent& e : events) {
    if (e.trade_id == 0) continue;
    ++trades;
    const auto h = hgetall(reader.get(), "trade:" + std::to_string(e.trade_id));
    EXPECT_EQ(field(h, "order"), static_cast<int64_t>(e.order_id));
    EXPECT_EQ(field(h, "qty_e8"), e.qty_e8);
    EXPECT_EQ(field(h, "fee_e8"), e.fee_e8);
  }
  EXPECT_GT(trades, 0u);

  // One message per event, in the order applied.
  for (size_t k = 0; k < events.size(); ++k) {
    void* raw = nullptr;
    ASSERT_EQ(redisGetReply(sub.get(), &raw), REDIS_OK) << "message " << k << ": " << sub->errstr;
    Reply m(static_cast<redisReply*>(raw));
    ASSERT_EQ(m->type, REDIS_REPLY_ARRAY);
    ASSERT_EQ(m->elements, 3u);
    EXPECT_STREQ(m->element[0]->str, "message");
    const std::string payload = m->element[2]->str;
    const std::string want = std::string(to_string(events[k].kind)) +
                             " order=" + std::to_string(events[k].order_id) + " ";
    EXPECT_EQ(payload.rfind(want, 0), 0u) << payload;
  }
}

TEST(RedisStore, RefusesAnUnknownOrderAndReportsADeadServerWithoutHanging) {
  START_OR_SKIP(started);
  RedisServer& s = *started.server;
  auto store = RedisStore::connect(s.host(), s.port());
  ASSERT_TRUE(store.ok()) << store.error();
  OrderEvent ack{};
  ack.kind = OrderEventKind::kAck;
  ack.order_id = 42;
  EXPECT_NE((*store)->apply(ack).find("unknown"), std::string::npos);

  OrderEvent placed{};
  placed.kind = OrderEventKind::kNew;
  placed.order_id = 1;
  placed.qty_e8 = 100'000;
  placed.price_e8 = 30'000 * kE8;
  ASSERT_EQ((*store)->apply(placed), "");
  EXPECT_NE((*store)->apply(placed).find("already exists"), std::string::npos);

  s.stop();
  OrderEvent cancel = placed;
  cancel.kind = OrderEventKind::kCancel;
  EXPECT_NE((*store)->apply(cancel), "");
  EXPECT_NE((*store)->apply(cancel), "") << "the dead connection keeps saying so";
  EXPECT_FALSE(RedisStore::connect(s.host(), s.port()).ok());
}

}  // namespace
}  // namespace ose::bench

#else

TEST(RedisStore, IsCompiledOutWithoutHiredis) {
  GTEST_SKIP()
      << "ose_bench_alt was built without hiredis (Debian: apt-get install libhiredis-dev)";
}

#endif
