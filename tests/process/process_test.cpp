// Multi-process tests: a real engine process, real client processes, real segments. Expected
// figures are worked out by hand from DESIGN §4 (spot buy: quote pays qty × price, the fee as
// reported by the venue; base is credited qty).
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "engine/layout/shared_layout.hpp"
#include "shm/segment.hpp"
#include "tests/process/engine_process.hpp"

namespace ose::test {
namespace {

Price px(const char* s) {
  return *parse_fixed<Price>(s);
}
Qty qty(const char* s) {
  return *parse_fixed<Qty>(s);
}
Amount amt(const char* s) {
  return *parse_fixed<Amount>(s);
}

NewOrderCmd limit_buy(const Client& c, uint64_t cl_id, const char* q, const char* p) {
  NewOrderCmd n = c.order_template("main", "ema1", "BTCUSDT");
  n.cl_id = cl_id;
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = qty(q);
  n.price = px(p);
  return n;
}

// A stop-limit far above the market: accepted untriggered, never sent to the venue, and
// cancelled at once (no venue round trip) by a cancel.
NewOrderCmd far_stop(const Client& c, uint64_t cl_id) {
  NewOrderCmd n = limit_buy(c, cl_id, "0.001", "90000");
  n.type = static_cast<uint8_t>(OrderType::kStopLimit);
  n.stop_price = px("90000");
  return n;
}

const Response* find_event(const std::vector<Response>& rs, EventType t) {
  for (const Response& r : rs) {
    if ((r.flags & kResponseDone) == 0 && r.event.type == t) return &r;
  }
  return nullptr;
}

ClientLink link_of(const StateReader& r, uint16_t client) {
  return static_cast<ClientLink>(r.client_status(client).link.load(std::memory_order_relaxed));
}

TEST(EngineProcess, OrderIsAckedAndFilledThroughTheRingsAndTheTablesAgree) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  auto strategy = Client::attach(engine.name(), "ema1");
  ASSERT_TRUE(strategy) << strategy.error();
  auto venue = Client::attach(engine.name(), "sim");
  ASSERT_TRUE(venue) << venue.error();

  std::vector<Response> seen;
  const uint64_t request = strategy->new_order(limit_buy(*strategy, 7, "0.1", "60000"));
  ASSERT_GT(request, 0u);
  ASSERT_TRUE(await_answer(*strategy, request, seen));
  const Response* accepted = find_event(seen, EventType::kAccepted);
  ASSERT_NE(accepted, nullptr);
  EXPECT_EQ(accepted->request, request);
  EXPECT_EQ(accepted->event.status, OrderStatus::kPendingNew);
  EXPECT_EQ(accepted->event.cl_id, 7u);
  const uint64_t order_id = accepted->event.order_id;

  // The venue hears of the new order unsolicited, and answers with an ack and a full fill.
  Response to_venue;
  ASSERT_TRUE(venue->wait(to_venue, WaitMode::kPark, 5'000'000'000));
  EXPECT_EQ(to_venue.request, 0u);
  EXPECT_EQ(to_venue.event.type, EventType::kAccepted);
  EXPECT_EQ(to_venue.event.order_id, order_id);
  Command ack = make_command(Op::kAck);
  ack.ack.ref.order_id = order_id;
  ASSERT_TRUE(VenueId::from("OAAAAA-AAAAB-QIAAAB", ack.ack.venue_order_id));
  const uint64_t ack_request = venue->submit(ack);
  Command fill = make_command(Op::kFill);
  fill.fill.ref.order_id = order_id;
  ASSERT_TRUE(VenueId::from("3f2b8c1e-9d4a-4e7b-8c2d-1a2b3c4d5e6f", fill.fill.trade_id));
  fill.fill.qty = qty("0.1");
  fill.fill.price = px("60000");
  fill.fill.fee = amt("6");
  fill.fill.fee_asset = venue->asset("USDT");
  fill.fill.liquidity = static_cast<uint8_t>(Liquidity::kTaker);
  const uint64_t fill_request = venue->submit(fill);
  std::vector<Response> venue_seen;
  ASSERT_TRUE(await_answer(*venue, ack_request, venue_seen));
  ASSERT_TRUE(await_answer(*venue, fill_request, venue_seen));

  // The strategy gets both, unsolicited (request 0), in order.
  std::vector<Response> later;
  ASSERT_TRUE(eventually([&] {
    Response r;
    while (strategy->poll(r)) later.push_back(r);
    return later.size() >= 2;
  }));
  EXPECT_EQ(later[0].event.type, EventType::kAcked);
  EXPECT_EQ(later[0].request, 0u);
  EXPECT_EQ(later[1].event.type, EventType::kFill);
  EXPECT_EQ(later[1].event.qty, qty("0.1"));
  EXPECT_EQ(later[1].event.price, px("60000"));

  // Tables: 100000 − 0.1 × 60000 − 6 = 93994 USDT free, nothing locked; 1 + 0.1 BTC.
  OrderRecord o{};
  ASSERT_TRUE(strategy->state().read_order(order_id, o));
  EXPECT_EQ(o.status, OrderStatus::kFilled);
  EXPECT_EQ(o.filled_qty, qty("0.1"));
  EXPECT_EQ(o.avg_fill_price, px("60000"));
  VenueId venue_id{};
  ASSERT_TRUE(strategy->state().read_venue_order_id(order_id, venue_id));
  EXPECT_EQ(venue_id.view(), "OAAAAA-AAAAB-QIAAAB");
  BalanceRecord usdt{}, btc{};
  const uint16_t main = strategy->account("main");
  ASSERT_TRUE(strategy->state().read_balance(main, strategy->asset("USDT"), usdt));
  ASSERT_TRUE(strategy->state().read_balance(main, strategy->asset("BTC"), btc));
  EXPECT_EQ(usdt.free, amt("93994"));
  EXPECT_EQ(usdt.locked, amt("0"));
  EXPECT_EQ(btc.free, amt("1.1"));
  // A stale id (same slot, other generation) is refused, not misread.
  EXPECT_FALSE(strategy->state().read_order(order_id + (uint64_t{1} << 32), o));
  EXPECT_EQ(engine.terminate(), 0);
}

TEST(EngineProcess, ClientCannotActForAnotherAccountOrClient) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  auto c = Client::attach(engine.name(), "ema1");
  ASSERT_TRUE(c) << c.error();
  // ema1 names mm1 as the order's client: refused, and nothing is stored under mm1.
  Command cmd = make_command(Op::kNewOrder);
  cmd.new_order = limit_buy(*c, 1, "0.1", "60000");
  cmd.new_order.client = 1;  // mm1
  const uint64_t request = c->submit(cmd);
  std::vector<Response> seen;
  ASSERT_TRUE(await_answer(*c, request, seen));
  const Response* rejected = find_event(seen, EventType::kRejected);
  ASSERT_NE(rejected, nullptr);
  EXPECT_EQ(rejected->event.reason, RejectReason::kAccountNotPermitted);
}

TEST(EngineProcess, ReaderThatWritesThroughItsReadOnlyMappingFaults) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  const pid_t child = fork();
  if (child == 0) {
    // The kernel's verdict, not a sanitizer's report of it (ASan would turn it into an abort).
    std::signal(SIGSEGV, SIG_DFL);
    const rlimit no_core{0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    auto reader = StateReader::attach(engine.name());
    if (!reader) _exit(10);
    auto& seq = const_cast<std::atomic<uint64_t>&>(reader->header().applied_seq);
    seq.store(12345, std::memory_order_relaxed);  // must fault: the mapping is PROT_READ
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) << "status " << status;
  auto reader = StateReader::attach(engine.name());
  ASSERT_TRUE(reader);
  EXPECT_NE(reader->header().applied_seq.load(std::memory_order_relaxed), 12345u);
}

TEST(EngineProcess, HostileClientIsQuarantinedAndOthersAreUntouched) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  auto good = Client::attach(engine.name(), "ema1");
  ASSERT_TRUE(good) << good.error();
  std::vector<Response> seen;
  ASSERT_TRUE(await_answer(*good, good->new_order(far_stop(*good, 1)), seen));
  const Response* first = find_event(seen, EventType::kAccepted);
  ASSERT_NE(first, nullptr);
  const uint64_t first_id = first->event.order_id;
  OrderRecord before{};
  ASSERT_TRUE(good->state().read_order(first_id, before));

  // mm1's process scribbles random bytes over its whole segment after the headers — both rings,
  // records and positions — for a second.
  const pid_t hostile = fork();
  if (hostile == 0) {
    auto seg = shm::Segment::attach(client_segment_name(engine.name(), "mm1"),
                                    shm::Access::kReadWrite, client_segment_identity());
    if (!seg) _exit(10);
    const size_t from = shm::align64(sizeof(shm::SegmentHeader)) + sizeof(ClientSegmentHeader);
    std::mt19937_64 rng(42);
    const int64_t until = shm::monotonic_ns() + 1'000'000'000;
    while (shm::monotonic_ns() < until) {
      for (size_t off = from; off + 8 <= seg->size(); off += 8) {
        const uint64_t v = rng();
        std::memcpy(seg->data() + off, &v, 8);
      }
    }
    _exit(0);
  }
  int status = 0;
  waitpid(hostile, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  auto reader = StateReader::attach(engine.name());
  ASSERT_TRUE(reader);
  EXPECT_TRUE(eventually([&] { return link_of(*reader, 1) == ClientLink::kQuarantined; }));
  EXPECT_GE(reader->client_status(1).violations.load(std::memory_order_relaxed), 16u);
  // The engine lives, the good client still trades, and its earlier order is as it was.
  ASSERT_TRUE(good->engine_alive());
  seen.clear();
  ASSERT_TRUE(await_answer(*good, good->new_order(far_stop(*good, 2)), seen));
  EXPECT_NE(find_event(seen, EventType::kAccepted), nullptr);
  OrderRecord after{};
  ASSERT_TRUE(good->state().read_order(first_id, after));
  // Only its intrusive list links may differ: the second order was linked in after it.
  for (OrderRecord* o : {&before, &after}) o->live_next = o->trig_prev = 0;
  EXPECT_EQ(std::memcmp(&before, &after, sizeof before), 0);
  // A quarantined client cannot attach again until the engine restarts.
  auto again = Client::attach(engine.name(), "mm1");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("quarantined"), std::string::npos);
  EXPECT_EQ(engine.terminate(), 0);
}

// Forks a client process that places one untriggered stop and one limit order as `client`,
// reports their ids through a pipe, then waits to be killed.
struct DoomedClient {
  pid_t pid = -1;
  uint64_t stop_id = 0, limit_id = 0;
};

DoomedClient start_doomed_client(const std::string& engine, const char* client) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  DoomedClient d;
  d.pid = fork();
  if (d.pid == 0) {
    close(fds[0]);
    auto c = Client::attach(engine, client);
    if (!c) _exit(10);
    uint64_t ids[2] = {0, 0};
    std::vector<Response> seen;
    NewOrderCmd stop = far_stop(*c, 1);
    NewOrderCmd limit = limit_buy(*c, 2, "0.01", "50000");
    if (!await_answer(*c, c->new_order(stop), seen)) _exit(11);
    ids[0] = seen.back().event.order_id;
    seen.clear();
    if (!await_answer(*c, c->new_order(limit), seen)) _exit(12);
    ids[1] = seen.back().event.order_id;
    if (write(fds[1], ids, sizeof ids) != sizeof ids) _exit(13);
    for (;;) pause();
  }
  close(fds[1]);
  uint64_t ids[2] = {0, 0};
  EXPECT_EQ(read(fds[0], ids, sizeof ids), static_cast<ssize_t>(sizeof ids));
  close(fds[0]);
  d.stop_id = ids[0];
  d.limit_id = ids[1];
  return d;
}

TEST(EngineProcess, KillingAClientCancelsItsWorkingOrders) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  DoomedClient d = start_doomed_client(engine.name(), "ema1");
  ASSERT_NE(d.stop_id, 0u);
  ASSERT_NE(d.limit_id, 0u);
  kill(d.pid, SIGKILL);
  waitpid(d.pid, nullptr, 0);

  auto reader = StateReader::attach(engine.name());
  ASSERT_TRUE(reader);
  OrderRecord stop{}, limit{};
  // The untriggered stop never reached a venue: cancelled at once. The limit order is at the
  // venue (pending_new): its cancel is requested and waits for the venue's cancel_ack.
  EXPECT_TRUE(eventually([&] {
    return reader->read_order(d.stop_id, stop) && stop.status == OrderStatus::kCancelled &&
           reader->read_order(d.limit_id, limit) && limit.status == OrderStatus::kPendingCancel;
  }));
  EXPECT_EQ(reader->client_status(0).disconnects.load(std::memory_order_relaxed), 1u);
  EXPECT_EQ(link_of(*reader, 0), ClientLink::kDisconnected);
  // The client may come back: a new process attaches under the same name.
  auto back = Client::attach(engine.name(), "ema1");
  EXPECT_TRUE(back) << back.error();
}

TEST(EngineProcess, KillingAClientKeepsItsOrdersWhenConfiguredTo) {
  EngineProcess engine(process_config(unique_engine_name(), /*mm1_keeps=*/true));
  ASSERT_TRUE(engine.wait_ready());
  DoomedClient d = start_doomed_client(engine.name(), "mm1");
  kill(d.pid, SIGKILL);
  waitpid(d.pid, nullptr, 0);
  auto reader = StateReader::attach(engine.name());
  ASSERT_TRUE(reader);
  ASSERT_TRUE(eventually([&] { return link_of(*reader, 1) == ClientLink::kDisconnected; }));
  OrderRecord stop{};
  ASSERT_TRUE(reader->read_order(d.stop_id, stop));
  EXPECT_EQ(stop.status, OrderStatus::kUntriggered);
}

TEST(EngineProcess, ClientWhoseHeartbeatGoesStaleIsDisconnected) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  auto c = Client::attach(engine.name(), "hb");
  ASSERT_TRUE(c) << c.error();
  std::vector<Response> seen;
  NewOrderCmd n = far_stop(*c, 1);
  ASSERT_TRUE(await_answer(*c, c->new_order(n), seen));
  const uint64_t id = seen.back().event.order_id;
  // Alive, but silent for longer than heartbeat_timeout_ms = 300.
  auto reader = StateReader::attach(engine.name());
  ASSERT_TRUE(reader);
  OrderRecord o{};
  EXPECT_TRUE(
      eventually([&] { return reader->read_order(id, o) && o.status == OrderStatus::kCancelled; }));
  EXPECT_EQ(link_of(*reader, 2), ClientLink::kDisconnected);
}

TEST(EngineProcess, SecondEngineOfTheSameNameIsRefused) {
  const std::string config = process_config(unique_engine_name());
  EngineProcess engine(config);
  ASSERT_TRUE(engine.wait_ready());
  auto parsed = load_config_string(config, "<test>");
  ASSERT_TRUE(parsed);
  auto second = Runner::create(*parsed, [](const std::string&) {});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().find("already running"), std::string::npos) << second.error();
}

// What /dev/shm holds for an engine of this name: ose.<name>.* (segments and the lock file).
std::vector<std::string> shm_entries_of(const std::string& engine) {
  std::vector<std::string> found;
  const std::string prefix = "ose." + engine + ".";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(shm::kShmDir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) == 0) found.push_back(name);
  }
  return found;
}

TEST(EngineProcess, SigtermDrainsAndLeavesNothingInDevShm) {
  EngineProcess engine(process_config(unique_engine_name()));
  ASSERT_TRUE(engine.wait_ready());
  ASSERT_TRUE(shm::Segment::exists(state_segment_name(engine.name())));
  ASSERT_EQ(::access(engine_lock_path(engine.name()).c_str(), F_OK), 0) << "no lock file";
  EXPECT_EQ(engine.terminate(), 0);
  EXPECT_FALSE(shm::Segment::exists(state_segment_name(engine.name())));
  EXPECT_FALSE(shm::Segment::exists(client_segment_name(engine.name(), "ema1")));
  EXPECT_EQ(shm_entries_of(engine.name()), std::vector<std::string>{})
      << "a clean stop left these (the lock file included)";
}

TEST(EngineProcess, RestartAfterKill9ReplacesTheStaleSegments) {
  const std::string config = process_config(unique_engine_name());
  std::string name;
  int32_t dead_pid = 0;
  {
    EngineProcess first(config);
    ASSERT_TRUE(first.wait_ready());
    name = first.name();
    dead_pid = first.pid();
    first.kill9();
    // The segments outlive the engine; their header still names the dead pid.
    ASSERT_TRUE(shm::Segment::exists(state_segment_name(name)));
    auto stale = StateReader::attach(name);
    ASSERT_TRUE(stale);
    EXPECT_EQ(stale->segment_header().owner_pid.load(std::memory_order_relaxed), dead_pid);
    EXPECT_FALSE(shm::process_alive(dead_pid));
    EngineProcess second(config);
    ASSERT_TRUE(second.wait_ready());
    auto fresh = StateReader::attach(name);
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->segment_header().owner_pid.load(std::memory_order_relaxed), second.pid());
    auto c = Client::attach(name, "ema1");
    ASSERT_TRUE(c) << c.error();
    std::vector<Response> seen;
    EXPECT_TRUE(await_answer(*c, c->new_order(far_stop(*c, 1)), seen));
    EXPECT_EQ(second.terminate(), 0);
    // The restart took over the dead engine's lock file; its clean stop removes it.
    EXPECT_EQ(shm_entries_of(name), std::vector<std::string>{});
  }
}

}  // namespace
}  // namespace ose::test
