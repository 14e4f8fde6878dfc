// Benchmarks of the pure core, apply(State&, Input, EventSink&), in steady state:
//
//   BM_Apply_Mixed            order flow over ~100k working orders on 64 instruments: new, ack,
//                             then either partial + final fill or cancel + cancel_ack of the
//                             oldest working order, so the working count stays constant.
//   BM_Apply_Mixed_Latency    the same stream, each apply() timed on its own: p50 … max.
//   BM_Apply_Ticks            ticks over 10k untriggered conditional orders (stop, take-profit
//                             and, per the argument, some trailing stops).
//   BM_Apply_Ticks_Latency    per-tick latency of the same.
//   BM_Runner_Commands        a real Runner's command path (ring in, apply, answer), with and
//                             without the command-latency histogram.
//
// Inputs are generated in chunks outside the timed region (the timer is paused while a chunk
// is built), so the timed loop is exactly one apply() per input, with no allocation. Every
// fixture first proves on a warm-up that its inputs are accepted: a benchmark of rejects
// would measure the cheapest path of the engine, not the one that matters.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "bench/bench_fixture.hpp"
#include "bench/study/engine_runs.hpp"
#include "engine/client/client_line.hpp"
#include "engine/core/prefetch.hpp"
#include "engine/runtime/runner.hpp"
#include "engine/runtime/state_segment.hpp"
#include "shm/clock.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace ose::bench {
namespace {

// Inputs refused during a timed run before the run is declared meaningless. The streams are
// built to be fully valid, so anything above zero already deserves a look (see the counter).
constexpr uint64_t kToleratedRejects = 4;

// ---- order-flow fixture ----------------------------------------------------------------------

// What the chunked runners read of a fixture: the State it drives, the sink that counts its
// events and rejects, the current chunk of inputs and the runner's place in it.
class ChunkedFixture {
 public:
  State& state() noexcept { return state_; }
  CountingSink& sink() noexcept { return sink_; }
  const std::string& error() const noexcept { return error_; }
  const std::vector<Input>& inputs() const noexcept { return inputs_; }
  size_t pos() const noexcept { return pos_; }
  void set_pos(size_t pos) noexcept { pos_ = pos; }

 protected:
  ChunkedFixture(State state, size_t trigger_capacity)
      : state_(std::move(state)), sink_(trigger_capacity) {}

  State state_;
  CountingSink sink_;
  std::vector<Input> inputs_;
  size_t pos_ = 0;
  std::string error_;
};

class MixedFixture final : public ChunkedFixture {
 public:
  static constexpr uint32_t kWorking = 100'000;
  // A chunk must not outlive the working FIFO: the orders it terminates are then all older
  // than the chunk, already in the State, and can be named by engine id.
  static constexpr uint32_t kChunkUnits = 32'768;
  static constexpr uint32_t kInputsPerUnit = 4;
  // 100k working plus ~160k terminal orders kept for (client, cl_id) dedup before reuse.
  static constexpr uint32_t kMaxOrders = 1u << 18;
  static constexpr uint32_t kFillPathPct = 60;  // the rest of the oldest orders are cancelled
  static_assert(kChunkUnits <= kWorking);

  static MixedFixture& instance() {
    static MixedFixture f;
    return f;
  }

  // Builds the next chunk of the steady-state cycle, continuing where the last one ended.
  void refill() {
    inputs_.clear();
    pos_ = 0;
    for (uint32_t u = 0; u < kChunkUnits && error_.empty(); ++u) add_unit();
  }

  // Between units kWorking orders work; inside one, the new order may already be in while the
  // oldest is not yet out.
  std::string verify() {
    const uint32_t live = state_.header().live_count;
    if (live < kWorking || live > kWorking + 1) {
      return "live_count " + std::to_string(live) + ", expected " + std::to_string(kWorking);
    }
    return check_invariants(state_);
  }

 private:
  using Working = WorkingOrder;

  MixedFixture()
      : ChunkedFixture(create_state_or_die(make_config(kMaxOrders)), 0), rng_(0x05e'b0c4) {
    inputs_.reserve(size_t{kChunkUnits} * kInputsPerUnit);
    working_.resize(kWorking);
    // Marks first, so every limit price goes through the price-band check.
    for (uint16_t i = 0; i < kInstruments; ++i) {
      apply_now(stamper_.make(kVenueClient,
                              tick(i, Price::from_e8(start_mid_e8(i)), Qty::from_units(10))));
    }
    for (Working& w : working_) {
      w = new_working();
      add_entry(w);
      for (const Input& in : inputs_) apply_now(in);
      inputs_.clear();
    }
    if (!expect_clean("pre-fill")) return;
    // Run until the order table is full and slots are being reclaimed, then one chunk more:
    // the timed runs must see the steady state, not the cheaper fill-up phase.
    while (error_.empty() && state_.header().next_unused_slot < kMaxOrders) run_chunk();
    if (error_.empty()) run_chunk();
    pos_ = inputs_.size();  // the timed loop starts with a fresh chunk
    if (!expect_clean("warm-up")) return;
    if (std::string v = verify(); !v.empty()) error_ = "warm-up: " + v;
  }

  void apply_now(const Input& in) noexcept { ose::apply(state_, in, sink_); }

  void run_chunk() {
    refill();
    for (const Input& in : inputs_) apply_now(in);
  }

  bool expect_clean(const char* phase) { return bench::expect_clean(error_, sink_, phase); }

  Working new_working() noexcept { return random_working_order(rng_, cl_ids_); }

  // new + venue ack. The ack names the order by (client, cl_id): the venue echoes the client
  // order id, and the engine id is not known when the stream is generated.
  void add_entry(const Working& w) {
    Command c = new_order(w.strategy, w.instrument, w.side, OrderType::kLimit, w.cl_id, w.qty);
    c.new_order.price = w.price;
    inputs_.push_back(stamper_.make(w.strategy, c));
    inputs_.push_back(
        stamper_.make(kVenueClient, ack(ref_by_cl_id(w.strategy, w.cl_id), ++venue_order_id_)));
  }

  // One steady-state unit: a new order joins, the oldest working order leaves by fills or by
  // a cancel. Later reports name orders by engine id, as a client holding the accepted event
  // would.
  void add_unit() {
    const Working fresh = new_working();
    add_entry(fresh);
    Working& old = working_[head_];
    const OrderRecord* o = state_.find_order(old.strategy, old.cl_id);
    if (o == nullptr || o->status != OrderStatus::kOpen) {
      error_ = "generator: oldest working order (client " + std::to_string(old.strategy) +
               ", cl_id " + std::to_string(old.cl_id) + ") is " +
               (o == nullptr ? std::string("gone") : std::string(to_string(o->status)));
      return;
    }
    const OrderRef ref = ref_by_id(o->id);
    if (rng_.percent(kFillPathPct)) {
      // A resting order fills as maker, first half then the rest.
      const Qty half = Qty::from_e8(old.qty.e8 / 2 / kStepE8 * kStepE8);
      inputs_.push_back(stamper_.make(kVenueClient, fill(ref, ++trade_id_, half, old.price, true)));
      inputs_.push_back(
          stamper_.make(kVenueClient, fill(ref, ++trade_id_, old.qty - half, old.price, true)));
    } else {
      inputs_.push_back(stamper_.make(old.strategy, cancel(ref)));
      inputs_.push_back(stamper_.make(kVenueClient, cancel_ack(ref)));
    }
    old = fresh;
    head_ = (head_ + 1) % kWorking;
  }

  Rng rng_;
  Stamper stamper_;
  std::vector<Working> working_;  // FIFO ring, oldest at head_
  size_t head_ = 0;
  std::array<uint64_t, kSpotStrategies + kPerpStrategies> cl_ids_{};
  uint64_t trade_id_ = 0;
  uint64_t venue_order_id_ = 0;
};

// ---- conditional-order fixture ---------------------------------------------------------------

class TickFixture final : public ChunkedFixture {
 public:
  static constexpr uint32_t kConditional = 10'000;
  static constexpr uint32_t kBatch = 4'096;  // ticks between re-placements of fired orders
  static constexpr uint32_t kMaxOrders = 1u << 16;
  static constexpr size_t kTriggerCapacity = 1u << 16;

  static TickFixture& instance(int trailing_pct) {
    static std::map<int, std::unique_ptr<TickFixture>> fixtures;
    auto& f = fixtures[trailing_pct];
    if (!f) f.reset(new TickFixture(trailing_pct));
    return *f;
  }

  // Untimed: the venue fills every order the last batch triggered and its strategy places a
  // fresh one of the same kind, then the next batch of ticks is drawn.
  void refill() {
    replace_fired();
    inputs_.clear();
    pos_ = 0;
    for (uint32_t k = 0; k < kBatch; ++k) inputs_.push_back(next_tick());
  }

  // Fired orders wait as pending_new until the next refill; together with the untriggered ones
  // they are the whole live population.
  std::string verify() {
    const uint64_t pending = sink_.triggered_count();
    uint64_t untriggered = 0;
    for (uint16_t i = 0; i < kInstruments; ++i) untriggered += state_.trigger_book(i).count;
    if (state_.header().live_count != kConditional || untriggered + pending != kConditional) {
      return "live_count " + std::to_string(state_.header().live_count) + ", untriggered " +
             std::to_string(untriggered) + ", fired pending " + std::to_string(pending) +
             ", expected " + std::to_string(kConditional) + " in all";
    }
    if (sink_.triggered_dropped() != 0) return "trigger buffer overflowed";
    return check_invariants(state_);
  }

 private:
  explicit TickFixture(int trailing_pct)
      : ChunkedFixture(create_state_or_die(make_config(kMaxOrders)), kTriggerCapacity),
        rng_(0x71c5 + static_cast<uint64_t>(trailing_pct)),
        trailing_pct_(static_cast<uint32_t>(trailing_pct)) {
    inputs_.reserve(kBatch);
    for (uint16_t i = 0; i < kInstruments; ++i) {
      last_e8_[i] = start_mid_e8(i);
      apply_now(stamper_.make(kVenueClient, tick(i, Price::from_e8(last_e8_[i]), book_qty())));
    }
    for (uint32_t k = 0; k < kConditional; ++k) {
      const auto instrument = static_cast<uint16_t>(k % kInstruments);
      const uint16_t strategy = pick_strategy(rng_, instrument);
      const Side side = rng_.percent(50) ? Side::kBuy : Side::kSell;
      const Qty qty = pick_qty(rng_, Price::from_e8(last_e8_[instrument]));
      apply_now(stamper_.make(strategy, place(instrument, strategy, side, pick_type(), qty)));
    }
    if (!expect_clean("pre-fill")) return;
    // Warm-up: enough ticks for triggers to have fired and been re-placed many times.
    for (int b = 0; b < 16 && error_.empty(); ++b) {
      refill();
      for (const Input& in : inputs_) apply_now(in);
    }
    pos_ = inputs_.size();
    if (!expect_clean("warm-up")) return;
    if (sink_.count(EventType::kTriggered) == 0) error_ = "warm-up: no trigger ever fired";
    if (std::string v = verify(); !v.empty() && error_.empty()) error_ = "warm-up: " + v;
  }

  // Size shown at the touch; the engine stores it and nothing reads it.
  static Qty book_qty() noexcept { return Qty::from_units(5); }

  void apply_now(const Input& in) noexcept { ose::apply(state_, in, sink_); }

  bool expect_clean(const char* phase) { return bench::expect_clean(error_, sink_, phase); }

  OrderType pick_type() noexcept {
    if (rng_.below(100) < trailing_pct_) return OrderType::kTrailingStop;
    return rng_.percent(50) ? OrderType::kStopMarket : OrderType::kTakeProfitMarket;
  }

  // A conditional order 0.2%-3% away from the current last, on the side where it waits
  // (stop buy / take-profit sell above, the others below); trailing stops with a 0.5%-2%
  // callback, active at once.
  Command place(uint16_t instrument, uint16_t strategy, Side side, OrderType type, Qty qty) {
    Command c = new_order(strategy, instrument, side, type, ++cl_ids_[strategy], qty);
    if (type == OrderType::kTrailingStop) {
      c.new_order.callback_rate = Rate::from_e8(500'000 + rng_.below(1'500'001));
    } else {
      const bool above = (type == OrderType::kStopMarket) == (side == Side::kBuy);
      const double d = 0.002 + 0.028 * rng_.unit();
      const double last = static_cast<double>(last_e8_[instrument]);
      c.new_order.stop_price = Price::from_e8(round_to(last * (above ? 1 + d : 1 - d), kTickE8));
    }
    return c;
  }

  void replace_fired() {
    const uint64_t* ids = sink_.triggered();
    const size_t n = sink_.triggered_count();
    for (size_t k = 0; k < n && error_.empty(); ++k) {
      const OrderRecord* o = state_.find_order(ids[k]);
      if (o == nullptr || o->status != OrderStatus::kPendingNew) {
        error_ = "fired order " + std::to_string(ids[k]) + " is " +
                 (o == nullptr ? std::string("gone") : std::string(to_string(o->status)));
        break;
      }
      const uint16_t instrument = o->instrument;
      const uint16_t strategy = o->strategy;
      const Side side = o->side;
      const OrderType type = o->type;
      const Qty qty = o->qty;
      const Price last = Price::from_e8(last_e8_[instrument]);
      apply_now(
          stamper_.make(kVenueClient, fill(ref_by_id(ids[k]), ++trade_id_, qty, last, false)));
      apply_now(stamper_.make(strategy, place(instrument, strategy, side, type, qty)));
    }
    sink_.clear_triggered();
    if (error_.empty()) expect_clean("re-placing fired orders");
  }

  // Random walk of ±5 bp per tick with a weak pull back to the start price, so that prices
  // stay in range over long runs while stops still get reached now and then.
  Input next_tick() noexcept {
    const auto i = static_cast<uint16_t>(rng_.below(kInstruments));
    const double p = static_cast<double>(last_e8_[i]);
    const double p0 = static_cast<double>(start_mid_e8(i));
    const double move = (rng_.unit() * 2.0 - 1.0) * 5e-4 - 2e-3 * (p - p0) / p0;
    last_e8_[i] = std::max<int64_t>(last_e8_[i] + round_to(p * move, kTickE8), 100 * kTickE8);
    return stamper_.make(kVenueClient, tick(i, Price::from_e8(last_e8_[i]), book_qty()));
  }

  Rng rng_;
  uint32_t trailing_pct_;
  Stamper stamper_;
  std::array<int64_t, kInstruments> last_e8_{};
  std::array<uint64_t, kSpotStrategies + kPerpStrategies> cl_ids_{};
  uint64_t trade_id_ = 0;
};

// ---- runners ---------------------------------------------------------------------------------

// After a run: the State must not have refused anything and must hold what the fixture expects.
template <typename Fixture>
void finish_run(benchmark::State& bs, Fixture& f, const Health& before) {
  const uint64_t bad = Health::of(f.state()).bad_since(before);
  bs.counters["rejects"] = static_cast<double>(bad);
  if (bad > kToleratedRejects) {
    const std::string msg = std::to_string(bad) + " rejects/alerts while timing; first ever: " +
                            f.sink().describe_first_bad();
    bs.SkipWithError(msg.c_str());
    return;
  }
  if (const std::string v = f.verify(); !v.empty()) {
    bs.SkipWithError(("state check failed: " + v).c_str());
  }
}

// What apply_stream() does before each apply(), for loops that step one input at a time: the
// input two ahead is fetched by what it names, the next one by what that holds (prefetch.hpp).
inline void prefetch_ahead(const State& s, const Input* it, const Input* end) noexcept {
  if (end - it > 2) prefetch_far(s, it[2].cmd, Ahead::of(it, 2));
  if (end - it > 1) prefetch_near(s, it[1].cmd, Ahead::of(it, 1));
}

template <typename Fixture>
void run_throughput(benchmark::State& bs, Fixture& f, bool lookahead = false) {
  if (!f.error().empty()) {
    bs.SkipWithError(f.error().c_str());
    return;
  }
  State& s = f.state();
  CountingSink& sink = f.sink();
  const Health before = Health::of(s);
  const Input* it = f.inputs().data() + f.pos();
  const Input* end = f.inputs().data() + f.inputs().size();
  for (auto _ : bs) {
    if (it == end) {
      bs.PauseTiming();
      f.refill();
      it = f.inputs().data();
      end = it + f.inputs().size();
      bs.ResumeTiming();
      if (!f.error().empty()) {
        bs.SkipWithError(f.error().c_str());
        break;
      }
    }
    if (lookahead) prefetch_ahead(s, it, end);
    ose::apply(s, *it++, sink);
  }
  f.set_pos(static_cast<size_t>(it - f.inputs().data()));
  bs.SetItemsProcessed(bs.iterations());
  finish_run(bs, f, before);
}

// Cycle counter for per-input timing. rdtsc is ~10 ns with fences against ~30+ ns for
// steady_clock in a VM; the fences keep apply()'s work from leaking across the reads.
#if defined(__x86_64__)
inline uint64_t ticks_begin() noexcept {
  _mm_lfence();
  const uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}
inline uint64_t ticks_end() noexcept {
  unsigned aux = 0;
  const uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}
#else
inline uint64_t ticks_now() noexcept {
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}
inline uint64_t ticks_begin() noexcept {
  return ticks_now();
}
inline uint64_t ticks_end() noexcept {
  return ticks_now();
}
#endif

// Nanoseconds per counter tick, measured once against steady_clock over 50 ms.
double ns_per_tick() {
  static const double value = [] {
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    const uint64_t c0 = ticks_begin();
    while (Clock::now() - t0 < std::chrono::milliseconds(50)) {
    }
    const uint64_t c1 = ticks_end();
    const auto t1 = Clock::now();
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(c1 - c0);
  }();
  return value;
}

// Median cost of an empty begin/end pair: every sample includes it once.
double timer_overhead_ns() {
  std::vector<uint64_t> v(10'001);
  for (uint64_t& d : v) {
    const uint64_t t0 = ticks_begin();
    const uint64_t t1 = ticks_end();
    d = t1 - t0;
  }
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(v.size() / 2), v.end());
  return static_cast<double>(v[v.size() / 2]) * ns_per_tick();
}

template <typename Fixture>
void run_latency(benchmark::State& bs, Fixture& f, size_t samples, bool lookahead = false) {
  if (!f.error().empty()) {
    bs.SkipWithError(f.error().c_str());
    return;
  }
  State& s = f.state();
  CountingSink& sink = f.sink();
  const double ns = ns_per_tick();
  std::vector<uint64_t> lat(samples);  // allocated before timing, written in place
  // Mean per op: which input kinds the time goes to (what a change to one handler bought).
  struct OpTotal {
    uint64_t ticks = 0;
    uint64_t count = 0;
    void add(uint64_t d) noexcept {
      ticks += d;
      ++count;
    }
  };
  std::array<OpTotal, 32> by_op{};
  const Health before = Health::of(s);
  const Input* it = f.inputs().data() + f.pos();
  const Input* end = f.inputs().data() + f.inputs().size();
  for (auto _ : bs) {
    uint64_t total = 0;
    for (uint64_t& d : lat) {
      if (it == end) {  // untimed: only the bracketed apply() counts
        f.refill();
        it = f.inputs().data();
        end = it + f.inputs().size();
        if (!f.error().empty()) break;
      }
      const uint64_t t0 = ticks_begin();
      if (lookahead) prefetch_ahead(s, it, end);
      ose::apply(s, *it, sink);
      const uint64_t t1 = ticks_end();
      d = t1 - t0;
      total += d;
      by_op[static_cast<size_t>(it->cmd.op) % by_op.size()].add(d);
      ++it;
    }
    bs.SetIterationTime(static_cast<double>(total) * ns * 1e-9);
    if (!f.error().empty()) {
      bs.SkipWithError(f.error().c_str());
      return;
    }
  }
  f.set_pos(static_cast<size_t>(it - f.inputs().data()));
  bs.SetItemsProcessed(static_cast<int64_t>(samples) * bs.iterations());

  std::sort(lat.begin(), lat.end());
  auto at = [&](double q) {
    const auto k =
        std::min(lat.size() - 1, static_cast<size_t>(q * static_cast<double>(lat.size())));
    return static_cast<double>(lat[k]) * ns;
  };
  const double sum = static_cast<double>(std::accumulate(lat.begin(), lat.end(), uint64_t{0}));
  bs.counters["mean_ns"] = sum * ns / static_cast<double>(lat.size());
  bs.counters["p50_ns"] = at(0.50);
  bs.counters["p90_ns"] = at(0.90);
  bs.counters["p99_ns"] = at(0.99);
  bs.counters["p99.9_ns"] = at(0.999);
  bs.counters["p99.99_ns"] = at(0.9999);
  bs.counters["max_ns"] = static_cast<double>(lat.back()) * ns;
  bs.counters["timer_ns"] = timer_overhead_ns();
  for (size_t op = 0; op < by_op.size(); ++op) {
    if (by_op[op].count == 0) continue;
    const std::string name(to_string(static_cast<Op>(op)));
    bs.counters["mean_ns_" + name] =
        static_cast<double>(by_op[op].ticks) * ns / static_cast<double>(by_op[op].count);
  }
  finish_run(bs, f, before);
}

// ---- benchmarks ------------------------------------------------------------------------------

// Argument `lookahead`: 0 applies one input at a time, as a caller with nothing queued does; 1
// fetches the next two inputs' memory first (prefetch.hpp), as the Runner and recovery do with
// a batch in hand. Same fixture, same run: the ratio is what the lookahead buys.
void BM_Apply_Mixed(benchmark::State& state) {
  MixedFixture& f = MixedFixture::instance();
  run_throughput(state, f, state.range(0) != 0);
  state.counters["live_orders"] = static_cast<double>(f.state().header().live_count);
}
BENCHMARK(BM_Apply_Mixed)->ArgName("lookahead")->Arg(0)->Arg(1);

// ~2M inputs, each apply() bracketed by the cycle counter (the counter's own cost, timer_ns, is
// included in every sample, and so is the lookahead's prefetching). The reported time is the
// sum of the samples.
void BM_Apply_Mixed_Latency(benchmark::State& state) {
  run_latency(state, MixedFixture::instance(), size_t{1} << 21, state.range(0) != 0);
}
BENCHMARK(BM_Apply_Mixed_Latency)
    ->ArgName("lookahead")
    ->Arg(0)
    ->Arg(1)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Argument: percentage of trailing stops among the 10k conditional orders. Any trailing stop
// on an instrument makes every tick walk that instrument's trigger list, while stop and
// take-profit orders alone are skipped by the nearest-threshold check until one is crossed.
void BM_Apply_Ticks(benchmark::State& state) {
  TickFixture& f = TickFixture::instance(static_cast<int>(state.range(0)));
  const uint64_t fired_before = f.sink().count(EventType::kTriggered);
  run_throughput(state, f);
  state.counters["fires_per_tick"] =
      benchmark::Counter(static_cast<double>(f.sink().count(EventType::kTriggered) - fired_before),
                         benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Apply_Ticks)->ArgName("trailing_pct")->Arg(0)->Arg(10);

void BM_Apply_Ticks_Latency(benchmark::State& state) {
  run_latency(state, TickFixture::instance(static_cast<int>(state.range(0))), size_t{1} << 20);
}
BENCHMARK(BM_Apply_Ticks_Latency)
    ->ArgName("trailing_pct")
    ->Arg(10)
    ->UseManualTime()
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// ---- publication (docs/design/0008-explicit-writes.md) --------------------------------------
// The live engine applies each input to its private State and then publishes what it wrote into
// the state segment (StateSegmentWriter::publish_input). These two run one steady-state chunk of
// the mixed stream, from the same start, by the same procedure: apply() alone, and apply() +
// publish_input() into a real segment. Their ratio is the publication's cost.
struct PublishChunk {
  State start;
  std::vector<Input> chunk;
  static PublishChunk& instance() {
    static PublishChunk p = [] {
      MixedFixture& f = MixedFixture::instance();
      PublishChunk c{create_state_or_die(make_config(MixedFixture::kMaxOrders)), {}};
      c.start = std::move(f.state().clone().value());
      f.refill();  // applied below as well, so the mixed fixture stays in step with its inputs
      c.chunk = f.inputs();
      for (const Input& in : c.chunk) ose::apply(f.state(), in, f.sink());
      f.set_pos(f.inputs().size());
      return c;
    }();
    return p;
  }
};

template <typename Apply, typename Restart>
void run_chunk_loop(benchmark::State& bs, Apply&& apply_one, Restart&& restart) {
  const std::vector<Input>& chunk = PublishChunk::instance().chunk;
  size_t i = 0;
  for (auto _ : bs) {
    if (i == chunk.size()) {
      bs.PauseTiming();
      restart();
      i = 0;
      bs.ResumeTiming();
    }
    apply_one(chunk[i++]);
  }
  bs.SetItemsProcessed(bs.iterations());
}

void BM_Chunk_Apply(benchmark::State& bs) {
  PublishChunk& p = PublishChunk::instance();
  State s = std::move(p.start.clone().value());
  CountingSink sink;
  run_chunk_loop(
      bs, [&](const Input& in) { ose::apply(s, in, sink); },
      [&] { s = std::move(p.start.clone().value()); });
}
BENCHMARK(BM_Chunk_Apply);

void BM_Chunk_ApplyPublish(benchmark::State& bs) {
  PublishChunk& p = PublishChunk::instance();
  EngineConfig config = make_config(MixedFixture::kMaxOrders);
  config.name = "bench-publish-" + std::to_string(::getpid());
  auto w = StateSegmentWriter::create(config, &p.start);
  if (!w) {
    bs.SkipWithError(w.error().c_str());
    return;
  }
  w->publish();
  const std::string start = p.start.serialize();
  CountingSink sink;
  run_chunk_loop(
      bs,
      [&](const Input& in) {
        w->begin_input();
        w->publish_input(ose::apply(w->state(), in, sink));
      },
      [&] {
        w->begin_input();
        (void)w->state().restore(start);
        w->publish_input();
      });
  w->unlink();
}
BENCHMARK(BM_Chunk_ApplyPublish);

// ---- the Runner's command path, and what the command-latency histogram costs it -------------
// A real Runner (in this process, driven by poll_once()) and a client ring: each iteration the
// client pushes `per_pass` commands (a far stop-limit order, then its cancel: the throughput
// runs' workload) and one Runner pass takes them, applies them, answers them, and then the
// responses are drained. `stamped` 1: each record carries its send time, as the client library
// writes it, so the Runner reads the clock once more after the batch and counts each command
// in the histogram (engine/layout/command_latency.hpp); 0: no stamps, which the Runner counts
// nowhere (no clock read, no histogram update): the command path as it was before the
// histogram. Both read the clock per command on the client side, as Client::submit() does for
// its heartbeat anyway. per_pass 1 is the worst case (a clock read per command), 64 the Runner's
// default batch.
void BM_Runner_Commands(benchmark::State& bs) {
  const bool stamped = bs.range(0) != 0;
  const auto per_pass = static_cast<int>(bs.range(1));
  EngineRunOptions o;
  const std::string name = fmt::format("benchrun{}", ::getpid());
  auto config = load_config_string(engine_run_config(name, o), "<bench>");
  if (!config) return bs.SkipWithError(config.error().c_str());
  auto runner = Runner::create(*config, [](const std::string&) {});
  if (!runner) return bs.SkipWithError(runner.error().c_str());
  Runner& r = **runner;
  auto line = ClientLine::attach(name, "c0");
  if (!line) return bs.SkipWithError(line.error().c_str());
  Command order = make_command(Op::kNewOrder);
  NewOrderCmd& n = order.new_order;
  n.client = line->index();
  n.account = r.state().find_account("main");
  n.strategy = r.state().find_strategy("s0");
  n.instrument = r.state().find_instrument("BTCUSDT");
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kStopLimit);
  n.tif = static_cast<uint8_t>(Tif::kGtc);
  n.qty = Qty::from_e8(100'000);
  n.price = n.stop_price = Price::from_e8(9'000'000'000'000);  // 90000: never triggered
  Command cancel = make_command(Op::kCancel);
  cancel.cancel.client = line->index();
  CommandRecord rec{};
  Response rsp;
  uint64_t i = 0;
  for (auto _ : bs) {
    for (int k = 0; k < per_pass; ++k, ++i) {
      if (i % 2 == 0) {
        n.cl_id = i / 2 + 1;
        rec.cmd = order;
      } else {
        cancel.cancel.cl_id = i / 2 + 1;
        rec.cmd = cancel;
      }
      const int64_t now = shm::monotonic_ns();
      rec.sent_mono_ns = stamped ? now : 0;
      (void)line->commands().try_push(&rec, sizeof rec);
    }
    r.poll_once();
    while (line->responses().poll(&rsp, sizeof rsp) == shm::RingStatus::kOk) {
    }
  }
  bs.SetItemsProcessed(static_cast<int64_t>(i));
  LatencyCounts c{};
  r.segment().header().command_latency.load(c);
  if (c.count != (stamped ? i : 0)) bs.SkipWithError("the histogram did not count every command");
}
BENCHMARK(BM_Runner_Commands)
    ->ArgNames({"stamped", "per_pass"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 64})
    ->Args({1, 64});

}  // namespace
}  // namespace ose::bench

BENCHMARK_MAIN();
