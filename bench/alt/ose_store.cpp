#include "bench/alt/ose_store.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "bench/e2e/cpu_affinity.hpp"
#include "bench/e2e/floors.hpp"
#include "engine/formats/config.hpp"
#include "persistence/durable_engine.hpp"
#include "shm/clock.hpp"

namespace ose::bench {

namespace {

std::atomic<bool> g_engine_stop{false};
extern "C" void on_engine_stop(int) {
  // Release: pairs with Runner::run()'s acquire load. Lock-free atomics are signal-safe.
  g_engine_stop.store(true, std::memory_order_release);
}

std::string symbol_of(uint16_t i) {
  return fmt::format("I{}USDT", i);
}

// One study engine per journal mode at a time in this process.
std::string engine_name(const std::string& journal) {
  return fmt::format("study{}{}", ::getpid(), journal);
}

}  // namespace

pid_t fork_engine(const EngineConfig& config, int cpu) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::signal(SIGTERM, on_engine_stop);
  // Quiet: attach/detach and recovery lines would drown a study's output; a failure still
  // says why.
  auto engine = DurableEngine::open(config, [](const std::string&) {});
  if (!engine) {
    fmt::print(stderr, "bench engine: cannot start: {}\n", engine.error());
    _exit(1);
  }
  // Only the Runner (this thread) is pinned, after open() started the journal thread: that
  // thread keeps the whole CPU set, as it would under any deployment that pins the engine's
  // loop. Pinning the process first made the journal thread share the Runner's one core.
  if (const int e = pin_to_cpu(cpu); e != 0) {
    // Unpinned figures would pass for pinned ones: better no engine than a wrong table.
    fmt::print(stderr, "bench engine: cannot pin to cpu {}: {}\n", cpu, std::strerror(e));
    _exit(1);
  }
  auto durable = (*engine)->run(g_engine_stop);
  if (!durable) fmt::print(stderr, "bench engine: {}\n", durable.error());
  engine->reset();
  _exit(durable ? 0 : 1);
}

std::string study_engine_table(const std::string& name, const std::string& journal,
                               const std::string& data_dir, uint64_t max_orders,
                               uint32_t max_positions) {
  return fmt::format(R"(
[engine]
name = "{}"
journal = {}
durability = "{}"
data_dir = "{}"
snapshot_every = 100000000
max_orders = {}
max_positions = {}
idle = "spin"
command_ring = 4096
response_ring = 8192
broadcast_ring = 65536
batch = 256
)",
                     name, journal != "none", journal == "sync" ? "sync" : "async",
                     data_dir.empty() ? "unused" : data_dir, max_orders, max_positions);
}

std::string study_config(const std::string& name, uint16_t instruments, uint32_t accounts,
                         const std::string& journal, const std::string& data_dir) {
  std::string c = study_engine_table(name, journal, data_dir, 65536, 256);
  c += "\n[[assets]]\ncode = \"USDT\"\n";
  for (uint16_t i = 0; i < instruments; ++i) c += fmt::format("[[assets]]\ncode = \"I{}\"\n", i);
  for (uint16_t i = 0; i < instruments; ++i) {
    c += fmt::format(R"(
[[instruments]]
symbol = "{}"
kind = "spot"
base = "I{}"
quote = "USDT"
tick_size = "0.01"
step_size = "0.001"
min_qty = "0.001"
max_qty = "9000"
min_notional = "1"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0"
)",
                     symbol_of(i), i);
  }
  std::string account_list;
  for (uint32_t a = 0; a < accounts; ++a) {
    std::string balances = "USDT = \"1000000000\"";
    for (uint16_t i = 0; i < instruments; ++i) balances += fmt::format(", I{} = \"1000000\"", i);
    c += fmt::format(R"(
[[accounts]]
name = "a{0}"
type = "spot"
balances = {{ {1} }}

[[strategies]]
name = "s{0}"
account = "a{0}"
max_open_orders = 100000
max_position = "100000000"
max_order_notional = "10000000000"
max_daily_loss = "10000000000"
max_daily_trades = 1000000000
)",
                     a, balances);
    account_list += fmt::format("{}\"a{}\"", a == 0 ? "" : ", ", a);
  }
  c += fmt::format(R"(
[[clients]]
name = "strat"
role = "strategy"
accounts = [{0}]

[[clients]]
name = "venue"
role = "venue"
accounts = [{0}]

[[clients]]
name = "ops"
role = "admin"
accounts = [{0}]
)",
                   account_list);
  return c;
}

Result<std::unique_ptr<OseStore>> OseStore::start(const OseStoreOptions& o) {
  std::string data_dir;
  if (o.journal != "none") {
    std::string tmpl = o.data_dir_base + "/ose-study-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Error{fmt::format("cannot create a journal directory under {}: {}", o.data_dir_base,
                               std::strerror(errno))};
    }
    data_dir = tmpl;
  }
  const std::string name = engine_name(o.journal);
  auto config = load_config_string(
      study_config(name, o.instruments, o.accounts, o.journal, data_dir), "<study config>");
  if (!config) return Error{"study config: " + config.error()};

  const pid_t pid = fork_engine(*config, o.engine_cpu);
  if (pid < 0) return Error{fmt::format("fork: {}", std::strerror(errno))};
  auto attach = [&](const char* client) -> Result<Client> {
    for (int i = 0;; ++i) {
      auto c = Client::attach(name, client);
      if (c || i == 1000) return c;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) return Error{"the engine exited at start"};
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  auto strategy = attach("strat");
  auto venue = strategy ? attach("venue") : Result<Client>(Error{strategy.error()});
  if (!strategy || !venue) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    remove_dead_engine_files(name);  // killed: its segments and lock file are still there
    std::error_code ec;
    if (!data_dir.empty()) std::filesystem::remove_all(data_dir, ec);
    return Error{"cannot attach to the study engine: " +
                 (strategy ? venue.error() : strategy.error())};
  }
  std::unique_ptr<OseStore> s(
      new OseStore(o, pid, std::move(data_dir), std::move(*strategy), std::move(*venue)));
  // The client's pin lasts as long as the store: the study's next run starts unpinned.
  if (o.client_cpu >= 0) {
    s->affinity_.emplace();
    if (const int e = pin_to_cpu(o.client_cpu); e != 0) {
      return Error{
          fmt::format("cannot pin the client to cpu {}: {}", o.client_cpu, std::strerror(e))};
    }
  }
  return s;
}

OseStore::OseStore(OseStoreOptions o, pid_t engine, std::string data_dir, Client strategy,
                   Client venue)
    : options_(std::move(o)),
      engine_(engine),
      data_dir_(std::move(data_dir)),
      strategy_(std::move(strategy)),
      venue_(std::move(venue)) {
  for (uint32_t a = 0; a < options_.accounts; ++a) {
    accounts_.push_back(strategy_.account(fmt::format("a{}", a)));
    strategies_.push_back(strategy_.strategy(fmt::format("s{}", a)));
  }
  for (uint16_t i = 0; i < options_.instruments; ++i) {
    instruments_.push_back(strategy_.instrument(symbol_of(i)));
  }
  usdt_ = strategy_.asset("USDT");
}

OseStore::~OseStore() {
  stop();
}

std::string OseStore::stop() {
  if (engine_ < 0) return "";
  ::kill(engine_, SIGTERM);
  int status = 0;
  std::string verdict;
  for (int i = 0;; ++i) {
    const pid_t r = ::waitpid(engine_, &status, WNOHANG);
    if (r == engine_) break;
    if (i == 3000) {  // 30 s: a journal drain is long, a hang is not
      ::kill(engine_, SIGKILL);
      ::waitpid(engine_, &status, 0);
      verdict = "the engine did not stop within 30 s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (verdict.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    verdict = "the engine stopped with an error";
  }
  engine_ = -1;
  // A clean stop left nothing; a killed or failed engine left its segments and lock file.
  remove_dead_engine_files(engine_name(options_.journal));
  std::error_code ec;
  if (!data_dir_.empty()) std::filesystem::remove_all(data_dir_, ec);
  return verdict;
}

std::string OseStore::name() const {
  return options_.journal == "none"
             ? "ose (shared-memory rings)"
             : fmt::format("ose (shared-memory rings, journal {})", options_.journal);
}

Result<Event> OseStore::round_trip(Client& c, const Command& cmd) {
  const uint64_t request = c.submit(cmd);
  if (request == 0) return Error{"the command ring is full"};
  Client& other = &c == &strategy_ ? venue_ : strategy_;
  Response r;
  Event last{};
  const int64_t deadline = shm::monotonic_ns() + kStallNs;
  for (uint64_t spins = 0;; ++spins) {
    while (other.poll(r)) {
      // Unsolicited notifications (releases to the venue, fills to the strategy): not ours.
    }
    if (c.poll(r)) {
      if (r.request != request) continue;
      if ((r.flags & kResponseDone) == 0) last = r.event;
      if ((r.flags & kResponseLast) != 0) return last;
    }
    if ((spins & 0xFFFF) == 0 && shm::monotonic_ns() > deadline) {
      return Error{"no answer from the engine within 5 s"};
    }
  }
}

std::string OseStore::apply(const OrderEvent& e) {
  if (engine_ < 0) return "the engine is stopped";
  if (e.order_id >= engine_ids_.size()) engine_ids_.resize(e.order_id + 1024, 0);
  const uint16_t account = accounts_[e.account % accounts_.size()];
  const uint16_t strategy = strategies_[e.account % strategies_.size()];
  const uint16_t instrument = instruments_[e.instrument % instruments_.size()];
  auto expect = [&](Result<Event> got, EventType want) -> std::string {
    if (!got) return got.error();
    if (got->type == EventType::kRejected) {
      return fmt::format("the engine rejected the {}: {}", to_string(e.kind),
                         to_string(got->reason));
    }
    if (got->type != want) {
      return fmt::format("{}: expected {}, got {}", to_string(e.kind), to_string(want),
                         to_string(got->type));
    }
    return "";
  };
  switch (e.kind) {
    case OrderEventKind::kNew: {
      Command c = make_command(Op::kNewOrder);
      NewOrderCmd& n = c.new_order;
      n.cl_id = e.order_id;
      n.client = strategy_.index();
      n.account = account;
      n.strategy = strategy;
      n.instrument = instrument;
      n.side = e.side;
      n.type = static_cast<uint8_t>(OrderType::kLimit);
      n.tif = static_cast<uint8_t>(Tif::kGtc);
      n.qty = Qty::from_e8(e.qty_e8);
      n.price = Price::from_e8(e.price_e8);
      auto got = round_trip(strategy_, c);
      if (std::string why = expect(got, EventType::kAccepted); !why.empty()) return why;
      engine_ids_[e.order_id] = got->order_id;
      return "";
    }
    case OrderEventKind::kAck: {
      Command c = make_command(Op::kAck);
      c.ack.ref.order_id = engine_ids_[e.order_id];
      c.ack.venue_order_id = VenueId::digits(e.order_id);
      return expect(round_trip(venue_, c), EventType::kAcked);
    }
    case OrderEventKind::kPartialFill:
    case OrderEventKind::kFill: {
      Command c = make_command(Op::kFill);
      c.fill.ref.order_id = engine_ids_[e.order_id];
      c.fill.trade_id = VenueId::digits(e.trade_id);
      c.fill.qty = Qty::from_e8(e.qty_e8);
      c.fill.price = Price::from_e8(e.price_e8);
      c.fill.fee = Amount::from_e8(e.fee_e8);
      c.fill.fee_asset = usdt_;
      c.fill.liquidity = static_cast<uint8_t>(Liquidity::kMaker);
      return expect(round_trip(venue_, c), EventType::kFill);
    }
    case OrderEventKind::kCancel: {
      Command c = make_command(Op::kCancel);
      c.cancel.order_id = engine_ids_[e.order_id];
      c.cancel.client = strategy_.index();
      if (std::string why = expect(round_trip(strategy_, c), EventType::kCancelRequested);
          !why.empty()) {
        return why;
      }
      Command ack = make_command(Op::kCancelAck);
      ack.cancel_ack.order_id = engine_ids_[e.order_id];
      return expect(round_trip(venue_, ack), EventType::kCancelled);
    }
  }
  return "unknown event";
}

}  // namespace ose::bench
