#include "bench/study/engine_runs.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/alt/ose_store.hpp"
#include "bench/e2e/cpu_affinity.hpp"
#include "engine/client/client.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/runner.hpp"
#include "shm/clock.hpp"

namespace ose::bench {

namespace {

std::atomic<bool> g_run_stop{false};
extern "C" void on_run_stop(int) {
  // Release: pairs with the reader loop's acquire load. Lock-free atomics are signal-safe.
  g_run_stop.store(true, std::memory_order_release);
}

int cores() {
  return static_cast<int>(std::thread::hardware_concurrency());
}

bool reap(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void stop_process(pid_t pid) {
  ::kill(pid, SIGTERM);
  reap(pid);
}

// A reader process: reads every table of the state segment, record by record, until SIGTERM.
pid_t start_reader(const std::string& engine) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::signal(SIGTERM, on_run_stop);
  Result<StateReader> r = Error{""};
  for (int i = 0; i < 1000 && !r; ++i) {
    r = StateReader::attach(engine);
    if (!r) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!r) _exit(1);
  const State& names = r->names();
  const uint32_t slots = names.caps().orders;
  OrderRecord o;
  PositionRecord p;
  BalanceRecord b;
  MarketRecord m;
  StrategyRecord s;
  StateHeader h;
  uint64_t sink = 0;
  // Acquire: pairs with the handler's release store.
  while (!g_run_stop.load(std::memory_order_acquire)) {
    r->read_state_header(h);
    for (uint16_t a = 0; a < names.account_count(); ++a) {
      for (uint16_t x = 0; x < names.asset_count(); ++x) sink += r->read_balance(a, x, b);
      for (uint16_t i = 0; i < names.instrument_count(); ++i) sink += r->read_position(a, i, p);
    }
    for (uint16_t i = 0; i < names.instrument_count(); ++i) sink += r->read_market(i, m);
    for (uint16_t st = 0; st < names.strategy_count(); ++st) sink += r->read_strategy(st, s);
    for (uint32_t slot = 0; slot < slots; ++slot) sink += r->read_order_slot(slot, o);
  }
  _exit(sink == 0 ? 0 : 0);
}

NewOrderCmd far_stop_order(const Client& c, int strategy) {
  NewOrderCmd n = c.order_template("main", fmt::format("s{}", strategy), "BTCUSDT");
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kStopLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = Qty::from_e8(100'000);                // 0.001 BTC
  n.price = Price::from_e8(9'000'000'000'000);  // 90000: never triggered by this run
  n.stop_price = n.price;
  return n;
}

// Waits for the last response to `request`; false when the engine is gone.
bool wait_last(Client& c, uint64_t request) {
  Response r;
  const int64_t deadline = shm::monotonic_ns() + 5'000'000'000;
  for (uint64_t spins = 0;; ++spins) {
    if (c.poll(r) && r.request == request && (r.flags & kResponseLast) != 0) return true;
    if ((spins & 0xFFFF) == 0 && shm::monotonic_ns() > deadline) return false;
  }
}

// A client process for the throughput runs: submits `count` inputs (new order, then its cancel)
// as fast as the ring takes them, draining its responses as it goes.
[[noreturn]] void throughput_client(const std::string& engine, int k, uint64_t count, int cpu) {
  if (pin_to_cpu(cpu) != 0) _exit(1);  // unpinned figures must not pass for pinned ones
  auto c = attach_when_ready(engine, fmt::format("c{}", k));
  if (!c) _exit(1);
  NewOrderCmd order = far_stop_order(*c, k);
  Response r;
  for (uint64_t i = 0; i < count; ++i) {
    order.cl_id = i / 2 + 1;
    while ((i % 2 == 0 ? c->new_order(order) : c->cancel(order.cl_id)) == 0) {
      while (c->poll(r)) {
      }
    }
    while (c->poll(r)) {
    }
  }
  _exit(0);
}

}  // namespace

ScratchDir::ScratchDir(const std::string& base, const std::string& journal) {
  if (journal == "none") return;
  std::string tmpl = base + "/ose-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

EngineRun::EngineRun(const EngineRunOptions& o, const std::string& tag)
    : dir_(o.data_dir_base, o.journal),
      name_(fmt::format("bench{}{}", ::getpid(), tag)),
      pin_(o.pin && cores() >= 2) {
  EngineRunOptions with_dir = o;
  with_dir.data_dir_base = dir_.path();
  auto config = load_config_string(engine_run_config(name_, with_dir), "<bench config>");
  if (!config) {
    error_ = config.error();
    return;
  }
  config_text_ = engine_run_config(name_, with_dir);
  engine_ = fork_engine(*config, pin_ ? 0 : -1);
  for (uint32_t i = 0; i < o.readers; ++i) readers_.push_back(start_reader(name_));
}

EngineRun::~EngineRun() {
  stop_companion();
  std::error_code ec;
  if (!loose_config_.empty()) std::filesystem::remove(loose_config_, ec);
  for (pid_t r : readers_) stop_process(r);
  if (engine_ > 0) stop_process(engine_);
  // A clean stop left nothing; an engine that died left its segments and lock file.
  remove_dead_engine_files(name_);
}

const std::string& EngineRun::config_file() {
  if (!config_file_.empty()) return config_file_;
  // Without a journal directory (journal "none": e.g. `ose serve`, which needs only the
  // engine's name) the file goes to the temp directory, removed with the run.
  config_file_ = dir_.path().empty()
                     ? (std::filesystem::temp_directory_path() / (name_ + ".toml")).string()
                     : dir_.path() + "/engine.toml";
  if (dir_.path().empty()) loose_config_ = config_file_;
  std::ofstream(config_file_) << config_text_;
  return config_file_;
}

bool EngineRun::start_companion(const std::function<pid_t(const std::string&)>& companion) {
  companion_ = companion(config_file());
  return companion_ > 0;
}

// Killed rather than asked to stop: a follower still catching up would otherwise go on reading.
void EngineRun::stop_companion() {
  if (companion_ <= 0) return;
  ::kill(companion_, SIGKILL);
  reap(companion_);
  companion_ = -1;
}

int EngineRun::client_cpu(int k) const {
  return pin_ ? 1 + k % std::max(cores() - 1, 1) : -1;
}

Result<Client> attach_when_ready(const std::string& engine, const std::string& client) {
  for (int i = 0;; ++i) {
    auto c = Client::attach(engine, client);
    if (c || i == 1000) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Resting limit orders far below the market, placed as fast as the ring takes them: the working
// set the scaling study grows.
bool place_working_orders(Client& c, uint64_t count, const std::string& strategy) {
  NewOrderCmd n = c.order_template("main", strategy, "BTCUSDT");
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = Qty::from_e8(100'000);              // 0.001 BTC
  n.price = Price::from_e8(100'000'000'000);  // 1000
  uint64_t accepted = 0, answered = 0;
  Response r;
  auto drain = [&] {
    while (c.poll(r)) {
      if (r.request == 0 || (r.flags & kResponseLast) == 0) continue;
      ++answered;
      accepted += r.event.type == EventType::kAccepted;
    }
  };
  for (uint64_t i = 0; i < count; ++i) {
    n.cl_id = 1'000'000'000'000ULL + i;
    while (c.new_order(n) == 0) drain();
    drain();
  }
  const int64_t deadline = shm::monotonic_ns() + 60'000'000'000;
  while (answered < count && shm::monotonic_ns() < deadline) drain();
  return accepted == count;
}

std::vector<int64_t> round_trip_samples(Client& c, int strategy, uint64_t first_cl_id,
                                        uint64_t warmup, uint64_t round_trips, std::string& error) {
  NewOrderCmd order = far_stop_order(c, strategy);
  std::vector<int64_t> samples;
  samples.reserve(round_trips);
  for (uint64_t i = 0; i < warmup + round_trips; ++i) {
    order.cl_id = first_cl_id + i;
    const int64_t t0 = shm::monotonic_ns();
    const uint64_t request = c.new_order(order);
    if (request == 0 || !wait_last(c, request)) {
      error = "the engine stopped answering";
      break;
    }
    const int64_t ns = shm::monotonic_ns() - t0;
    const uint64_t cancel = c.cancel(order.cl_id);
    if (cancel == 0 || !wait_last(c, cancel)) {
      error = "the engine stopped answering";
      break;
    }
    if (i >= warmup) samples.push_back(ns);
  }
  return samples;
}

// BTCUSDT on the grid of tests/support/btcusdt_spot.hpp (bench/ does not include tests/), but with
// no minimum notional and no price band: the scaling study's working orders rest at 1000 USDT
// for 0.001 BTC (1 USDT of notional), and no tick ever sets a mark.
std::string engine_run_config(const std::string& name, const EngineRunOptions& o) {
  const uint64_t max_orders = std::max<uint64_t>(65'536, o.working_orders + 65'536);
  std::string c = study_engine_table(name, o.journal, o.data_dir_base, max_orders, 64);
  if (o.idle != "spin") {
    const std::string spin = "idle = \"spin\"";
    c.replace(c.find(spin), spin.size(), fmt::format("idle = \"{}\"", o.idle));
  }
  c += R"(
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
min_notional = "0"
maker_fee = "0.001"
taker_fee = "0.001"
price_band = "0"

[[accounts]]
name = "main"
type = "spot"
balances = { USDT = "1000000000", BTC = "1000000" }
)";
  // Client c<clients> places the working orders of the scaling study in throughput runs.
  const int clients = std::max(o.clients, 1) + (o.working_orders > 0 ? 1 : 0);
  for (int i = 0; i < clients; ++i) {
    c += fmt::format(R"(
[[strategies]]
name = "s{0}"
account = "main"
max_open_orders = {1}

[[clients]]
name = "c{0}"
role = "strategy"
accounts = ["main"]
)",
                     i, max_orders);
  }
  return c;
}

RoundTripRun ose_round_trips(const EngineRunOptions& o, uint64_t round_trips) {
  RoundTripRun out;
  EngineRun run(o, "rt" + o.journal);
  if (!run.error().empty()) {
    out.error = run.error();
    return out;
  }
  // The client's pin (none when the run is unpinned) ends with this run.
  AffinityGuard affinity;
  if (const int e = pin_to_cpu(run.client_cpu(0)); e != 0) {
    out.error =
        fmt::format("cannot pin the client to cpu {}: {}", run.client_cpu(0), std::strerror(e));
    return out;
  }
  auto client = attach_when_ready(run.name(), "c0");
  if (!client) {
    out.error = client.error();
    return out;
  }
  // Relaxed: written once before the segment was published.
  out.segment_bytes = client->state().segment_header().size;
  out.order_capacity = client->state().names().caps().orders;
  if (o.working_orders > 0 && !place_working_orders(*client, o.working_orders, "s0")) {
    out.error = fmt::format("could not place {} working orders", o.working_orders);
    return out;
  }
  if (o.companion && !run.start_companion(o.companion)) {
    out.error = "the companion process could not be started";
    return out;
  }
  const uint64_t warmup = std::min<uint64_t>(round_trips / 10, 10'000);
  std::vector<int64_t> samples = round_trip_samples(*client, 0, 1, warmup, round_trips, out.error);
  run.stop_companion();
  client = Error{"detached"};  // detach before the engine goes
  out.stats = LatencyStats::of(std::move(samples));
  return out;
}

ThroughputRun ose_throughput(const EngineRunOptions& o, uint64_t inputs) {
  ThroughputRun out;
  EngineRun run(o, fmt::format("tp{}{}", o.clients, o.journal));
  if (!run.error().empty()) {
    out.error = run.error();
    return out;
  }
  auto reader = [&]() -> Result<StateReader> {
    for (int i = 0;; ++i) {
      auto r = StateReader::attach(run.name());
      if (r || i == 1000) return r;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }();
  if (!reader) {
    out.error = reader.error();
    return out;
  }
  const int clients = std::max(o.clients, 1);
  if (o.working_orders > 0) {
    const std::string loader = fmt::format("c{}", clients);
    auto c = attach_when_ready(run.name(), loader);
    if (!c || !place_working_orders(*c, o.working_orders, fmt::format("s{}", clients))) {
      out.error = fmt::format("could not place {} working orders", o.working_orders);
      return out;
    }
  }
  if (o.companion && !run.start_companion(o.companion)) {
    out.error = "the companion process could not be started";
    return out;
  }
  const uint64_t per_client = (inputs / static_cast<uint64_t>(clients)) & ~uint64_t{1};
  const int64_t t0 = shm::monotonic_ns();
  std::vector<pid_t> kids;
  for (int k = 0; k < clients; ++k) {
    const pid_t pid = fork();
    if (pid == 0) throughput_client(run.name(), k, per_client, run.client_cpu(k));
    kids.push_back(pid);
  }
  bool ok = true;
  for (pid_t pid : kids) ok = reap(pid) && ok;
  const uint64_t target = per_client * static_cast<uint64_t>(clients);
  // Acquire: pairs with the engine's release of applied_seq.
  while (ok && reader->header().applied_seq.load(std::memory_order_acquire) < target) {
    std::this_thread::yield();
  }
  const int64_t elapsed = shm::monotonic_ns() - t0;
  run.stop_companion();
  if (!ok) {
    out.error = "a client process failed";
    return out;
  }
  out.inputs = target;
  out.seconds = static_cast<double>(elapsed) / 1e9;
  out.inputs_per_s = static_cast<double>(target) * 1e9 / static_cast<double>(elapsed);
  return out;
}

std::vector<OpenLoopPoint> ose_open_loop(const EngineRunOptions& o,
                                         const std::vector<double>& rates, double seconds) {
  std::vector<OpenLoopPoint> out;
  EngineRun run(o, "ol" + o.journal);
  if (!run.error().empty()) {
    OpenLoopPoint failed;
    failed.error = run.error();
    out.push_back(failed);
    return out;
  }
  // The client's pin (none when the run is unpinned) ends with this run.
  AffinityGuard affinity;
  if (const int e = pin_to_cpu(run.client_cpu(0)); e != 0) {
    OpenLoopPoint failed;
    failed.error =
        fmt::format("cannot pin the client to cpu {}: {}", run.client_cpu(0), std::strerror(e));
    out.push_back(failed);
    return out;
  }
  auto client = attach_when_ready(run.name(), "c0");
  if (!client) {
    OpenLoopPoint failed;
    failed.error = client.error();
    out.push_back(failed);
    return out;
  }
  if (o.companion && !run.start_companion(o.companion)) {
    OpenLoopPoint failed;
    failed.error = "the companion process could not be started";
    out.push_back(failed);
    return out;
  }
  NewOrderCmd order = far_stop_order(*client, 0);
  uint64_t next_cl_id = 1;
  for (const double rate : rates) {
    OpenLoopPoint p;
    p.target_per_s = rate;
    const uint64_t count = static_cast<uint64_t>(rate * seconds);
    const double interval_ns = 1e9 / rate;
    std::vector<int64_t> due(count);  // when command i should have been sent
    std::vector<int64_t> samples;
    samples.reserve(count);
    uint64_t first_request = 0, sent = 0, answered = 0;
    Response r;
    const int64_t t0 = shm::monotonic_ns() + 1'000'000;  // 1 ms to settle
    for (uint64_t i = 0; i < count; ++i) {
      due[i] = t0 + static_cast<int64_t>(static_cast<double>(i) * interval_ns);
    }
    const int64_t give_up = t0 + static_cast<int64_t>(seconds * 1e9) + 10'000'000'000;
    int64_t last_answer = t0;
    while (answered < count) {
      const int64_t now = shm::monotonic_ns();
      // Send everything that is due: new orders and cancels alternate.
      while (sent < count && due[sent] <= now) {
        if (sent % 2 == 0) order.cl_id = next_cl_id++;
        const uint64_t request =
            sent % 2 == 0 ? client->new_order(order) : client->cancel(order.cl_id);
        if (request == 0) break;  // ring full: it stays due, its latency keeps growing
        if (sent == 0) first_request = request;
        ++sent;
      }
      bool answers = false;
      while (client->poll(r)) {
        answers = true;
        if ((r.flags & kResponseLast) == 0 || r.request < first_request) continue;
        const uint64_t i = r.request - first_request;
        if (i >= count) continue;
        const int64_t at = shm::monotonic_ns();
        samples.push_back(at - due[i]);
        last_answer = at;
        ++answered;
      }
      if (now > give_up) {
        p.error = "the engine stopped answering";
        break;
      }
      // Nothing was waiting and the next command is not due yet: give the core away.
      if (o.client_sleep_us > 0 && !answers && (sent == count || due[sent] > now)) {
        std::this_thread::sleep_for(std::chrono::microseconds(o.client_sleep_us));
      }
    }
    p.achieved_per_s = static_cast<double>(answered) * 1e9 /
                       static_cast<double>(std::max<int64_t>(last_answer - t0, 1));
    p.stats = LatencyStats::of(std::move(samples));
    out.push_back(p);
    if (!p.error.empty()) break;
  }
  if (o.before_stop) o.before_stop(run.config_file());
  run.stop_companion();
  client = Error{"detached"};
  return out;
}

}  // namespace ose::bench
