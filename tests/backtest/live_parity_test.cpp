// Live/backtest parity (issue 15): the sample strategy fed the same ticks decides the same orders
// when `ose backtest`'s simulation drives it and when the live driver (LiveDriver, the passes of
// run_live) drives it against a real engine (an in-process Runner over shared memory).
//
// The live side is a lockstep harness: the test plays the feed and the venue exactly as the
// simulation does with every latency 0 (simulation.hpp: then everything a tick sets off happens
// at that tick's market time, before the next tick) — the venue sees the tick first and its
// answers are applied, then the engine applies the tick, then strategy, engine and venue take
// turns until nothing moves. Both sides wrap the strategy in the same recorder, which logs every
// order command it sends with the index of the tick being processed; the two logs must be equal
// but for client order ids, which come from the wall clock live by design. The recorder also
// logs the callbacks themselves, which must come in the same order too: a strategy that decided
// from its on_response() calls would otherwise trade differently.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "ema_rsi/bot_params.hpp"
#include "ema_rsi/ema_rsi_strategy.hpp"
#include "engine/client/client.hpp"
#include "engine/client/live_strategy.hpp"
#include "engine/core/enums.hpp"
#include "engine/formats/bot_table.hpp"
#include "engine/formats/config.hpp"
#include "engine/runtime/runner.hpp"
#include "feeds/csv_ticks.hpp"
#include "feeds/venue_model.hpp"
#include "feeds/venue_reports.hpp"
#include "tools/backtest/simulation.hpp"

namespace ose {
namespace {

constexpr size_t kTicks = 4000;  // 1000 one-minute bars, four ticks each

const std::string kKlines =
    std::string(OSE_SHARED_DATA_DIR) + "/binance/klines/ETHUSDT-1m-2022-08-14.csv";

// ---- the recorder ----

// What the recorder logs of each command, cl_id aside: one line, so that a difference reads
// plainly in the failure message.
std::string describe_new_order(const NewOrderCmd& n) {
  return fmt::format(
      "new_order client={} account={} strategy={} instrument={} side={} type={} tif={} flags={} "
      "qty={} price={} stop_price={} callback_rate={} activation_price={} stop_loss={} "
      "take_profit={} expire_ts={}",
      n.client, n.account, n.strategy, n.instrument, n.side, n.type, n.tif, n.flags,
      to_string(n.qty), to_string(n.price), to_string(n.stop_price), n.callback_rate.e8,
      to_string(n.activation_price), to_string(n.stop_loss), to_string(n.take_profit), n.expire_ts);
}

// Forwards everything to the driver's context and logs the order commands, each with the index
// of the tick being processed (`tick_of` tells it from the context).
class RecordingContext final : public StrategyContext {
 public:
  RecordingContext(StrategyContext& inner, std::vector<std::string>& log,
                   const std::function<size_t(const StrategyContext&)>& tick_of)
      : inner_(inner), log_(log), tick_of_(tick_of) {}

  int64_t now_ns() const noexcept override { return inner_.now_ns(); }
  const State& names() const noexcept override { return inner_.names(); }
  NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                             std::string_view symbol) const noexcept override {
    return inner_.order_template(account, strategy, symbol);
  }
  uint64_t next_cl_id() noexcept override { return inner_.next_cl_id(); }
  uint64_t new_order(const NewOrderCmd& order) noexcept override {
    record(describe_new_order(order));
    return inner_.new_order(order);
  }
  uint64_t cancel(uint64_t cl_id) noexcept override {
    record("cancel");  // the cl_id differs by design
    return inner_.cancel(cl_id);
  }
  uint64_t cancel_all(uint16_t account, uint16_t strategy, uint16_t instrument) noexcept override {
    record(fmt::format("cancel_all account={} strategy={} instrument={}", account, strategy,
                       instrument));
    return inner_.cancel_all(account, strategy, instrument);
  }
  bool read_market(uint16_t instrument, MarketRecord& out) const noexcept override {
    return inner_.read_market(instrument, out);
  }
  bool read_order(uint64_t order_id, OrderRecord& out) const noexcept override {
    return inner_.read_order(order_id, out);
  }
  bool read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept override {
    return inner_.read_strategy(strategy, out);
  }
  bool read_strategy_position(uint16_t strategy, uint16_t instrument,
                              PositionRecord& out) const noexcept override {
    return inner_.read_strategy_position(strategy, instrument, out);
  }
  bool read_balance(uint16_t account, uint16_t asset, BalanceRecord& out) const noexcept override {
    return inner_.read_balance(account, asset, out);
  }
  void set_timer(int64_t at_ns) noexcept override { inner_.set_timer(at_ns); }

 private:
  void record(const std::string& what) {
    log_.push_back(fmt::format("tick {}: {}", tick_of_(inner_), what));
  }

  StrategyContext& inner_;
  std::vector<std::string>& log_;
  const std::function<size_t(const StrategyContext&)>& tick_of_;
};

// The strategy under test, its context wrapped in a RecordingContext on every callback. Also
// keeps the order of the callbacks themselves (`callbacks`), to say where two runs part when the
// orders differ.
class RecordingStrategy final : public Strategy {
 public:
  RecordingStrategy(Strategy& inner, std::function<size_t(const StrategyContext&)> tick_of)
      : inner_(inner), tick_of_(std::move(tick_of)) {}

  std::string on_start(StrategyContext& ctx) override {
    RecordingContext rc(ctx, orders, tick_of_);
    return inner_.on_start(rc);
  }
  void on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) override {
    callbacks.push_back(
        fmt::format("tick {}: market {} last={}", tick_of_(ctx), instrument, to_string(m.last)));
    RecordingContext rc(ctx, orders, tick_of_);
    inner_.on_market(rc, instrument, m);
  }
  void on_response(StrategyContext& ctx, const Response& r) override {
    const Event& e = r.event;
    callbacks.push_back(fmt::format("tick {}: {} response flags={} event={} order={} status={}",
                                    tick_of_(ctx), r.request != 0 ? "own" : "order's", r.flags,
                                    static_cast<int>(e.type), e.order_id, to_string(e.status)));
    RecordingContext rc(ctx, orders, tick_of_);
    inner_.on_response(rc, r);
  }
  void on_timer(StrategyContext& ctx) override {
    RecordingContext rc(ctx, orders, tick_of_);
    inner_.on_timer(rc);
  }
  void on_stop(StrategyContext& ctx) override {
    RecordingContext rc(ctx, orders, tick_of_);
    inner_.on_stop(rc);
  }

  std::vector<std::string> orders;
  std::vector<std::string> callbacks;

 private:
  Strategy& inner_;
  std::function<size_t(const StrategyContext&)> tick_of_;
};

// ---- the setup both sides share ----

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void replace_once(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "config/demo.toml no longer has: " << from;
  text.replace(at, from.size(), to);
}

// config/demo.toml under a name of its own, without a journal and without the strategy client's
// rate limit (a wall-clock limit live, a market-time one in the backtest: they would refuse
// different commands).
std::string parity_config_text(const std::string& name) {
  std::string text = read_text(std::string(OSE_SOURCE_DIR) + "/config/demo.toml");
  replace_once(text, "name = \"demo\"\n", fmt::format("name = \"{}\"\njournal = false\n", name));
  replace_once(text, "rate_limit = 100\n", "");
  return text;
}

// The [bot] table of the config, then what makes the strategy trade often on ETHUSDT klines (a
// bar per kline, four ticks: a thousand bars in the slice), then `extra`.
Result<BotParams> parity_params(const std::string& config_text,
                                const std::vector<BotSetting>& extra) {
  auto table = read_bot_table(config_text, "demo.toml");
  if (!table) return Error{table.error()};
  std::vector<BotSetting> settings;
  for (const BotTableEntry& e : *table) {
    auto s = bot_setting_from_toml_assignment(e.key + "=" + e.toml_value());
    if (!s) return Error{s.error()};
    settings.push_back(*s);
  }
  settings.push_back({"symbol", "ETHUSDT", BotValueKind::kText, ""});
  settings.push_back({"bar_ticks", "4", BotValueKind::kInteger, ""});
  settings.insert(settings.end(), extra.begin(), extra.end());
  return bot_params_from(settings);
}

std::vector<TimedTick> first_ticks(uint16_t instrument, size_t n) {
  std::vector<TimedTick> ticks;
  auto reader = CsvTickReader::open(kKlines, instrument, CsvFormat::kKlines);
  if (!reader) return ticks;
  TimedTick t;
  while (ticks.size() < n && reader->next(t)) ticks.push_back(t);
  return ticks;
}

// ---- the live side: the test plays feed and venue in lockstep with the engine ----

// The venue as the simulation runs it (the same VenueModel, quote keeping and reports), acting
// on what the engine releases to its client.
class LockstepVenue {
 public:
  explicit LockstepVenue(Client& client, size_t instruments)
      : c_(client),
        quotes_(instruments),
        model_(VenueModelOptions{}),
        session_(sim_venue_session(VenueModelOptions{}.seed, 0)) {}

  // The exchange prints `t`: the venue's quote moves and resting orders it reaches fill.
  void on_tick(const TickCmd& t) {
    if (t.instrument >= quotes_.size()) return;
    move_quote(quotes_[t.instrument], t);
    VenueQuote q = quotes_[t.instrument];
    q.has_last = (t.fields & kTickLast) != 0;
    model_.on_market(t.instrument, q, actions_);
    report();
  }

  // Acts on what the engine released since the last step (and skips the answers to its own
  // reports that need nothing); true when anything arrived.
  bool step() {
    bool any = false;
    Response r;
    while (c_.poll(r)) {
      any = true;
      const Event& e = r.event;
      if ((r.flags & kResponseDone) || !venue_needs(e)) continue;
      if (e.type == EventType::kAccepted || e.type == EventType::kTriggered) {
        OrderRecord o{};
        if (!c_.state().read_order(e.order_id, o)) continue;
        model_.on_new(venue_order_of(o), quote_of(o.instrument), actions_);
      } else if (e.type == EventType::kCancelRequested) {
        model_.on_cancel(e.order_id, actions_);
      } else {
        model_.on_amend(e.order_id, e.qty, e.price, quote_of(e.instrument), actions_);
      }
      report();
    }
    return any;
  }

  size_t unsent() const { return unsent_; }

 private:
  VenueQuote quote_of(uint16_t instrument) const {
    return instrument < quotes_.size() ? quotes_[instrument] : VenueQuote{};
  }

  void report() {
    for (const VenueAction& a : actions_) {
      InstrumentRecord ins{};
      VenueId trade_id{};
      if (a.kind == VenueActionKind::kFill) {
        OrderRecord o{};
        if (!c_.state().read_order(a.order_id, o)) continue;
        ins = c_.state().names().instrument(o.instrument);
        trade_id = sim_trade_id(session_, next_trade_++);
      }
      if (c_.submit(venue_report(a, ins, trade_id)) == 0) ++unsent_;
    }
    actions_.clear();
  }

  Client& c_;
  std::vector<VenueQuote> quotes_;
  VenueModel model_;
  uint64_t session_;
  uint64_t next_trade_ = 1;
  std::vector<VenueAction> actions_;
  size_t unsent_ = 0;  // reports the ring had no room for (the test wants none)
};

// Applies everything submitted so far.
void settle(Runner& runner) {
  while (runner.poll_once()) {
  }
}

// ---- the harness ----

struct Runs {
  std::string sim_summary, live_summary;  // EmaRsiStrategy::summary(): bars, entries, ...
  uint64_t sim_entries = 0, sim_exits = 0;
  std::vector<std::string> sim_orders, live_orders;
  std::vector<std::string> sim_callbacks, live_callbacks;
  uint64_t sim_inputs = 0, live_inputs = 0;
};

// The sample strategy with the demo's parameters and `extra`, over the first kTicks ticks: once
// in the backtest (every latency 0), once live in lockstep.
void run_both(const std::vector<BotSetting>& extra, Runs& out) {
  const std::string name = fmt::format("parity{}", getpid());
  const std::string text = parity_config_text(name);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  auto config = load_config_string(text, "demo.toml");
  ASSERT_TRUE(config.ok()) << config.error();
  auto params = parity_params(text, extra);
  ASSERT_TRUE(params.ok()) << params.error();
  auto names = State::create(*config);
  ASSERT_TRUE(names.ok()) << names.error();
  const uint16_t eth = names->find_instrument("ETHUSDT");
  ASSERT_NE(eth, kNoIndex);

  const std::vector<TimedTick> ticks = first_ticks(eth, kTicks);
  ASSERT_EQ(ticks.size(), kTicks) << kKlines << " is missing or short";
  std::vector<int64_t> times;
  for (const TimedTick& t : ticks) times.push_back(t.ts_ns);
  ASSERT_TRUE(std::adjacent_find(times.begin(), times.end(), std::greater_equal<>()) == times.end())
      << "kline ticks are 15 s apart: a market time names its tick";

  // Backtest: every latency 0, so the market time says which tick is being processed.
  EmaRsiStrategy sim_inner(*params, {});
  RecordingStrategy sim_strategy(sim_inner, [&times](const StrategyContext& ctx) {
    const auto at = std::lower_bound(times.begin(), times.end(), ctx.now_ns());
    return at != times.end() && *at == ctx.now_ns() ? static_cast<size_t>(at - times.begin())
                                                    : static_cast<size_t>(-1);
  });
  backtest::SimOptions options;
  options.data.push_back({kKlines, eth, CsvFormat::kKlines});
  options.to_ns = times.back();
  auto sim = backtest::simulate(*config, options, sim_strategy, nullptr);
  ASSERT_TRUE(sim.ok()) << sim.error();
  ASSERT_EQ(sim->strategy_error, "");
  ASSERT_EQ(sim->ticks, kTicks);

  // Live: a real engine driven one pass at a time, the same strategy over the client library.
  auto runner = Runner::create(*config, [](const std::string&) {});
  ASSERT_TRUE(runner.ok()) << runner.error();
  Runner& engine = **runner;
  auto strategy_client = Client::attach(name, "ema1");
  ASSERT_TRUE(strategy_client.ok()) << strategy_client.error();
  auto venue_client = Client::attach(name, "sim");
  ASSERT_TRUE(venue_client.ok()) << venue_client.error();

  size_t tick = 0;
  EmaRsiStrategy live_inner(*params, {});
  RecordingStrategy live_strategy(live_inner, [&tick](const StrategyContext&) { return tick; });
  LiveDriver driver(*strategy_client, live_strategy, std::span<const uint16_t>(&eth, 1));
  ASSERT_EQ(driver.start(), "");
  LockstepVenue venue(*venue_client, names->instrument_count());
  for (tick = 0; tick < ticks.size(); ++tick) {
    venue.on_tick(ticks[tick].tick);  // the venue sees the tick first; its answers are applied
    settle(engine);
    ASSERT_TRUE(engine.submit_tick(ticks[tick].tick));
    settle(engine);
    bool moved = true;  // then strategy, engine and venue take turns until nothing moves
    while (moved) {
      moved = driver.pass();
      while (engine.poll_once()) moved = true;
      moved = venue.step() || moved;
    }
  }
  driver.finish();
  EXPECT_EQ(venue.unsent(), 0u);

  out.sim_summary = sim_inner.summary();
  out.live_summary = live_inner.summary();
  out.sim_entries = sim_inner.entries();
  out.sim_exits = sim_inner.exits();
  out.sim_orders = std::move(sim_strategy.orders);
  out.live_orders = std::move(live_strategy.orders);
  out.sim_callbacks = std::move(sim_strategy.callbacks);
  out.live_callbacks = std::move(live_strategy.callbacks);
  out.sim_inputs = sim->inputs;
  out.live_inputs = engine.state().header().seq;
}

// The two logs, entry by entry: the first difference names its index and both lines.
void expect_same(const std::vector<std::string>& live, const std::vector<std::string>& sim,
                 const char* what) {
  EXPECT_EQ(live.size(), sim.size()) << what;
  for (size_t k = 0; k < std::min(live.size(), sim.size()); ++k) {
    if (live[k] != sim[k]) {
      ADD_FAILURE() << what << " " << k << " differs:\n  live:     " << live[k]
                    << "\n  backtest: " << sim[k];
      return;
    }
  }
}

size_t count_containing(const std::vector<std::string>& lines, const std::string& part) {
  return static_cast<size_t>(std::count_if(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.find(part) != std::string::npos;
  }));
}

// ---- the tests ----

// The demo's own parameters: exits by the strategy (its exit signal and trailing stop: cancel
// the bracket, sell).
TEST(LiveParity, StrategyExitsDecideTheSameOrdersLiveAndInTheBacktest) {
  Runs runs;
  run_both({}, runs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // The data must make the strategy go in and out, more than a few times.
  EXPECT_GE(runs.sim_entries, 10u);
  EXPECT_GE(runs.sim_exits, 10u);
  EXPECT_EQ(count_containing(runs.sim_orders, "cancel_all"), runs.sim_exits);
  expect_same(runs.live_orders, runs.sim_orders, "order command");
  expect_same(runs.live_callbacks, runs.sim_callbacks, "callback");
  EXPECT_EQ(runs.live_summary, runs.sim_summary);
  EXPECT_EQ(runs.live_inputs, runs.sim_inputs) << "the engine applied as many inputs";
}

// A tight bracket and no trailing stop: positions also close by the engine's own stop-loss and
// take-profit orders, triggered by a tick and filled by the venue, so the strategy hears of
// triggers and fills in the same pass as the tick that caused them.
TEST(LiveParity, BracketExitsDecideTheSameOrdersLiveAndInTheBacktest) {
  Runs runs;
  run_both({{"trailing_stop", "0", BotValueKind::kAny, ""},
            {"stop_loss", "0.002", BotValueKind::kAny, ""},
            {"take_profit", "0.002", BotValueKind::kAny, ""}},
           runs);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  EXPECT_GE(runs.sim_entries, 10u);
  EXPECT_GE(runs.sim_exits, 5u);
  const std::string triggered = fmt::format("event={} ", static_cast<int>(EventType::kTriggered));
  EXPECT_GE(count_containing(runs.sim_callbacks, triggered), 5u) << "brackets triggered";
  expect_same(runs.live_orders, runs.sim_orders, "order command");
  expect_same(runs.live_callbacks, runs.sim_callbacks, "callback");
  EXPECT_EQ(runs.live_summary, runs.sim_summary);
  EXPECT_EQ(runs.live_inputs, runs.sim_inputs) << "the engine applied as many inputs";
}

}  // namespace
}  // namespace ose
