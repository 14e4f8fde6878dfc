#include "tools/backtest/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "engine/core/apply.hpp"
#include "feeds/venue_reports.hpp"
#include "tools/backtest/sim_event.hpp"

namespace ose::backtest {

namespace {

class Simulation final : public StrategyContext, public EventSink {
 public:
  Simulation(const EngineConfig& config, const SimOptions& o, Strategy& strategy, InputSink* sink,
             State state, TickMerger merger, uint16_t client)
      : o_(o),
        strategy_(strategy),
        sink_(sink),
        state_(std::move(state)),
        merger_(std::move(merger)),
        client_(client),
        venue_of_(venue_clients(config)),
        quotes_(state_.instrument_count()),
        venue_(o.venue),
        session_(sim_venue_session(o.venue.seed, 0)) {
    queue_.reserve(1024);
    events_.reserve(256);
    actions_.reserve(64);
  }

  SimResult run() {
    now_ = first_tick_time();
    const std::string refused = strategy_.on_start(*this);
    if (!refused.empty()) {
      result_.strategy_error = refused;
      return result_;
    }
    schedule_next_tick();
    int64_t end = INT64_MAX;  // set once the feed is exhausted
    SimEvent e;
    while (!queue_.empty()) {
      if (queue_.top_time() > end) break;
      queue_.pop(e);
      now_ = e.t;
      ++result_.events;
      if ((result_.events & ((1u << 20) - 1)) == 0 && o_.progress) {
        o_.progress(now_, result_.events, merger_.fraction_read());
      }
      dispatch(e);
      if (!feed_open_ && end == INT64_MAX) {
        end = result_.last_tick_ns + o_.latency.feed_ns + o_.drain_ns;
        stopping_ = true;
      }
    }
    strategy_.on_stop(*this);
    result_.inputs = state_.header().seq;
    result_.last_input_ns = state_.header().last_ts;
    result_.bad_rows = merger_.bad_rows();
    result_.state_hash = state_.hash();
    return result_;
  }

  // ---- StrategyContext ----
  int64_t now_ns() const noexcept override { return now_; }
  const State& names() const noexcept override { return state_; }
  NewOrderCmd order_template(std::string_view account, std::string_view strategy,
                             std::string_view symbol) const noexcept override {
    NewOrderCmd n = make_command(Op::kNewOrder).new_order;
    n.client = client_;
    n.account = state_.find_account(account);
    n.strategy = state_.find_strategy(strategy);
    n.instrument = state_.find_instrument(symbol);
    return n;
  }
  uint64_t next_cl_id() noexcept override { return ++cl_id_; }
  uint64_t new_order(const NewOrderCmd& order) noexcept override {
    Command c = make_command(Op::kNewOrder);
    c.new_order = order;
    return submit(c);
  }
  uint64_t cancel(uint64_t cl_id) noexcept override {
    Command c = make_command(Op::kCancel);
    c.cancel.client = client_;
    c.cancel.cl_id = cl_id;
    return submit(c);
  }
  uint64_t cancel_all(uint16_t account, uint16_t strategy, uint16_t instrument) noexcept override {
    Command c = make_command(Op::kCancelAll);
    c.cancel_all.account = account;
    c.cancel_all.strategy = strategy;
    c.cancel_all.instrument = instrument;
    return submit(c);
  }
  bool read_market(uint16_t instrument, MarketRecord& out) const noexcept override {
    if (instrument >= state_.instrument_count()) return false;
    out = state_.market(instrument);
    return true;
  }
  bool read_order(uint64_t order_id, OrderRecord& out) const noexcept override {
    const OrderRecord* o = state_.find_order(order_id);
    if (o == nullptr) return false;
    out = *o;
    return true;
  }
  bool read_strategy(uint16_t strategy, StrategyRecord& out) const noexcept override {
    if (strategy >= state_.strategy_count()) return false;
    out = state_.strategy(strategy);
    return true;
  }
  bool read_strategy_position(uint16_t strategy, uint16_t instrument,
                              PositionRecord& out) const noexcept override {
    if (strategy >= state_.strategy_count() || instrument >= state_.instrument_count()) {
      return false;
    }
    out = state_.strategy_position(strategy, instrument);
    return true;
  }
  bool read_balance(uint16_t account, uint16_t asset, BalanceRecord& out) const noexcept override {
    if (account >= state_.account_count() || asset >= state_.asset_count()) return false;
    out = state_.balance(account, asset);
    return true;
  }
  void set_timer(int64_t at_ns) noexcept override {
    SimEvent e;
    e.t = std::max(at_ns, now_);
    e.kind = SimEventKind::kStrategyTimer;
    e.generation = ++timer_generation_;
    queue_.push(e);
  }

  // ---- EventSink: the events of the input being applied ----
  void on_event(const Event& e) noexcept override { events_.push_back(e); }

  const TickMerger& merger() const noexcept { return merger_; }

 private:
  int64_t first_tick_time() {
    while (merger_.next(next_tick_)) {
      if (next_tick_.ts_ns < o_.from_ns) continue;
      if (next_tick_.ts_ns > o_.to_ns) break;
      have_tick_ = true;
      return next_tick_.ts_ns;
    }
    return 0;
  }

  // Keeps the feed's next tick in the queue: one at a time, read as the last one is popped.
  void schedule_next_tick() {
    if (!have_tick_) {
      feed_open_ = false;
      return;
    }
    SimEvent e;
    e.t = next_tick_.ts_ns;
    e.kind = SimEventKind::kExchangeTick;
    e.tick = next_tick_.tick;
    queue_.push(e);
    have_tick_ = merger_.next(next_tick_) && next_tick_.ts_ns <= o_.to_ns;
  }

  void dispatch(const SimEvent& e) {
    switch (e.kind) {
      case SimEventKind::kExchangeTick:
        return exchange_tick(e);
      case SimEventKind::kEngineTick: {
        Command c = make_command(Op::kTick);
        c.tick = e.tick;
        apply_input(kEngineSource, c, 0);
        if (e.tick.instrument < state_.instrument_count()) hear_market(e.tick.instrument);
        return;
      }
      case SimEventKind::kStrategyMarket:
        return strategy_.on_market(*this, e.instrument, e.market);
      case SimEventKind::kVenueReceives:
        return venue_receives(e);
      case SimEventKind::kEngineReceives:
        return engine_receives(e.action);
      case SimEventKind::kStrategyHears:
        return strategy_.on_response(*this, e.response);
      case SimEventKind::kEngineTimer:
        scheduled_expiry_ = INT64_MAX;
        if (state_.header().next_expiry_ts <= now_) {
          ++result_.timers;
          apply_input(kEngineSource, make_command(Op::kTimer), 0);
        }
        return;
      case SimEventKind::kStrategyTimer:
        if (e.generation == timer_generation_ && !stopping_) strategy_.on_timer(*this);
        return;
    }
  }

  void exchange_tick(const SimEvent& e) {
    ++result_.ticks;
    if (result_.ticks == 1) result_.first_tick_ns = e.t;
    result_.last_tick_ns = e.t;
    const uint16_t i = e.tick.instrument;
    if (i < quotes_.size()) {
      move_quote(quotes_[i], e.tick);
      VenueQuote q = quotes_[i];
      q.has_last = (e.tick.fields & kTickLast) != 0;  // a trade printed: it may reach orders
      venue_.on_market(i, q, actions_);
      send_venue_actions();
    }
    SimEvent at_engine = e;
    at_engine.t = e.t + o_.latency.feed_ns;
    at_engine.kind = SimEventKind::kEngineTick;
    queue_.push(at_engine);
    schedule_next_tick();
  }

  void venue_receives(const SimEvent& e) {
    if (e.new_order) {
      venue_.on_new(e.order, quote_of(e.order.instrument), actions_);
    } else if (e.event.type == EventType::kCancelRequested) {
      venue_.on_cancel(e.event.order_id, actions_);
    } else {
      venue_.on_amend(e.event.order_id, e.event.qty, e.event.price, quote_of(e.event.instrument),
                      actions_);
    }
    send_venue_actions();
  }

  VenueQuote quote_of(uint16_t instrument) const noexcept {
    return instrument < quotes_.size() ? quotes_[instrument] : VenueQuote{};
  }

  // The venue's answers travel back to the engine: they arrive a response latency from now.
  void send_venue_actions() {
    for (const VenueAction& a : actions_) {
      SimEvent e;
      e.t = now_ + o_.latency.response_ns;
      e.kind = SimEventKind::kEngineReceives;
      e.action = a;
      queue_.push(e);
    }
    actions_.clear();
  }

  void engine_receives(const VenueAction& a) {
    const OrderRecord* o = state_.find_order(a.order_id);
    InstrumentRecord ins{};
    VenueId trade_id{};
    if (a.kind == VenueActionKind::kFill) {
      if (o == nullptr) return;  // cannot happen: a live order's slot is not reused
      ins = state_.instrument(o->instrument);
      trade_id = sim_trade_id(session_, next_trade_++);
    }
    const uint16_t venue =
        o != nullptr && o->instrument < venue_of_.size() ? venue_of_[o->instrument] : first_venue();
    ++result_.venue_reports;
    apply_input(venue, venue_report(a, ins, trade_id), 0);
  }

  uint16_t first_venue() const noexcept {
    for (uint16_t v : venue_of_) {
      if (v != kNoIndex) return v;
    }
    return kEngineSource;
  }

  uint64_t submit(const Command& c) noexcept {
    const uint64_t request = ++requests_;
    ++result_.strategy_commands;
    apply_input(client_, c, request);
    return request;
  }

  // Applies one input stamped now, then routes its events as the Runner's router does: the
  // source hears every one (the last flagged), the order's owner hears of its orders, the venue
  // of what it must act on. Deliveries are queued, never made from inside the caller.
  void apply_input(uint16_t source, const Command& cmd, uint64_t request) {
    Input in{};
    in.seq = state_.header().seq + 1;
    in.ts = std::max(now_, state_.header().last_ts);
    in.source = source;
    in.cmd = cmd;
    events_.clear();
    apply(state_, in, *this);
    if (sink_ != nullptr) sink_->on_input(in);
    route(source, request);
    const int64_t expiry = state_.header().next_expiry_ts;
    if (expiry != INT64_MAX && expiry != scheduled_expiry_ && !stopping_) {
      SimEvent t;
      t.t = std::max(expiry, now_);
      t.kind = SimEventKind::kEngineTimer;
      queue_.push(t);
      scheduled_expiry_ = expiry;
    }
  }

  void route(uint16_t source, uint64_t request) {
    const bool from_strategy = source == client_;
    for (size_t k = 0; k < events_.size(); ++k) {
      const Event& e = events_[k];
      if (from_strategy) {
        const bool last = k + 1 == events_.size();
        hear(request, last ? kResponseLast : 0, e);
      } else if (e.client == client_) {
        hear(0, 0, e);
      }
      // As the Runner routes: never back to the venue whose own report this is.
      if (venue_needs(e) && e.instrument < venue_of_.size()) {
        const uint16_t v = venue_of_[e.instrument];
        if (v != kNoIndex && v != source && v != e.client) release_to_venue(e);
      }
      if (e.type == EventType::kExpired) forget_at_venue(e.order_id);
    }
    if (from_strategy && events_.empty()) {
      Event none{};
      none.seq = state_.header().seq;
      hear(request, kResponseLast | kResponseDone, none);
    }
  }

  // A GTD order the engine expired has expired at the exchange as well, at the same expire_ts on
  // the exchange's clock: the venue drops it, saying nothing (the engine needs no cancel ack).
  // Otherwise the venue would go on to fill an order the engine no longer has. An order the
  // venue already finished (an IOC's expired remainder) is not there to drop.
  void forget_at_venue(uint64_t order_id) {
    venue_.on_cancel(order_id, dropped_);
    dropped_.clear();
  }

  void hear(uint64_t request, uint8_t flags, const Event& e) {
    SimEvent s;
    s.t = now_;
    s.kind = SimEventKind::kStrategyHears;
    s.response = Response{};
    s.response.request = request;
    s.response.flags = flags;
    s.response.event = e;
    queue_.push(s);
  }

  // The market a tick made reaches the strategy like the tick's events, queued behind them and
  // behind everything the engine applied before the tick: a live driver's pass delivers
  // responses before market changes, so an order's trigger or fill is heard before the market of
  // the tick that caused or followed it, in a backtest as live.
  void hear_market(uint16_t instrument) {
    SimEvent s;
    s.t = now_;
    s.kind = SimEventKind::kStrategyMarket;
    s.instrument = instrument;
    s.market = state_.market(instrument);
    queue_.push(s);
  }

  // What the venue receives is what the engine released now: a new order's details are taken
  // from the State at this instant.
  void release_to_venue(const Event& e) {
    SimEvent s;
    s.t = now_ + o_.latency.entry_ns;
    s.kind = SimEventKind::kVenueReceives;
    if (e.type == EventType::kAccepted || e.type == EventType::kTriggered) {
      const OrderRecord* o = state_.find_order(e.order_id);
      if (o == nullptr) return;
      s.new_order = true;
      s.order = venue_order_of(*o);
    } else {
      s.new_order = false;
      s.event = e;
    }
    queue_.push(s);
  }

  const SimOptions& o_;
  Strategy& strategy_;
  InputSink* sink_;
  State state_;
  TickMerger merger_;
  uint16_t client_;
  std::vector<uint16_t> venue_of_;
  // Per instrument, the venue's own view of the market: moved by the exchange's ticks, at
  // exchange time, before the engine has heard of them. has_last is only ever set in the copy
  // passed along with a trade tick.
  std::vector<VenueQuote> quotes_;
  VenueModel venue_;
  uint64_t session_;
  uint64_t next_trade_ = 1;

  SimQueue queue_;
  std::vector<Event> events_;
  std::vector<VenueAction> actions_;
  std::vector<VenueAction> dropped_;  // forget_at_venue()'s cancel acks, never sent
  TimedTick next_tick_{};
  bool have_tick_ = false;
  bool feed_open_ = true;
  bool stopping_ = false;  // the feed has ended: no new timers
  int64_t now_ = 0;
  int64_t scheduled_expiry_ = INT64_MAX;
  uint64_t timer_generation_ = 0;
  uint64_t cl_id_ = 0;
  uint64_t requests_ = 0;
  SimResult result_;
};

uint16_t strategy_client_of(const EngineConfig& config, const std::string& name) {
  for (uint16_t i = 0; i < config.clients.size(); ++i) {
    const ClientSpec& c = config.clients[i];
    if (name.empty() ? c.role == ClientRole::kStrategy : c.name == name) return i;
  }
  return kNoIndex;
}

// The client the strategy acts as: options.strategy_client, else the first strategy client.
Result<uint16_t> strategy_client(const EngineConfig& config, const SimOptions& options) {
  const uint16_t client = strategy_client_of(config, options.strategy_client);
  if (client == kNoIndex) {
    return Error{options.strategy_client.empty()
                     ? std::string("the config has no client with role \"strategy\" for the "
                                   "strategy to act as")
                     : fmt::format("the config has no client '{}'", options.strategy_client)};
  }
  if (config.clients[client].role != ClientRole::kStrategy) {
    return Error{fmt::format("client '{}' has role {}, not strategy", config.clients[client].name,
                             to_string(config.clients[client].role))};
  }
  return client;
}

}  // namespace

Result<SimResult> simulate(const EngineConfig& config, const SimOptions& options,
                           Strategy& strategy, InputSink* sink) {
  auto client = strategy_client(config, options);
  if (!client) return Error{client.error()};
  auto state = State::create(config);
  if (!state) return Error{state.error()};
  auto merger = TickMerger::open(options.data);
  if (!merger) return Error{merger.error()};
  auto sim = std::make_unique<Simulation>(config, options, strategy, sink, std::move(*state),
                                          std::move(*merger), *client);
  return sim->run();
}

Result<std::string> check_strategy_start(const EngineConfig& config, const SimOptions& options,
                                         Strategy& strategy) {
  auto client = strategy_client(config, options);
  if (!client) return Error{client.error()};
  auto state = State::create(config);
  if (!state) return Error{state.error()};
  auto sim = std::make_unique<Simulation>(config, options, strategy, nullptr, std::move(*state),
                                          TickMerger{}, *client);
  return strategy.on_start(*sim);
}

}  // namespace ose::backtest
