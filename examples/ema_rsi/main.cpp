// `ose-ema-rsi --engine NAME [--client NAME] [--set KEY=VALUE]...`: the sample strategy, and the
// example of how to write one against the installed client library (find_package(ose), target
// ose::client; docs/STRATEGY.md walks through it). `ose demo` starts it with the [bot] table of
// its config as --set-toml settings.
//
// It reads the market of one instrument from the engine's state segment (seqlocked, read-only),
// makes a bar of every `bar_ticks` market updates, and trades an EMA crossover with an RSI filter
// (ema_rsi/ema_rsi_signal.hpp): a long entry is a marketable limit IOC sized from the free quote
// balance, carrying a stop-loss / take-profit bracket that the engine itself creates and
// triggers (so the position stays protected if this process dies); a trailing stop and the exit
// signal are watched here and close the position by cancelling the bracket and selling.
//
// Everything it decides from is the engine's state — position, open orders, balances — so a
// restarted strategy picks up where the last one left off.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

#include <CLI/CLI.hpp>

#include "ema_rsi/bot_orders.hpp"
#include "ema_rsi/bot_params.hpp"
#include "ema_rsi/ema_rsi_signal.hpp"
#include "ema_rsi/indicators.hpp"
#include "engine/client/client.hpp"
#include "engine/core/enums.hpp"

namespace ose {

namespace {

std::atomic<bool> g_strategy_stop{false};
extern "C" void on_strategy_stop(int) {
  // Release: pairs with the loop's acquire load. Lock-free atomics are signal-safe.
  g_strategy_stop.store(true, std::memory_order_release);
}

struct StrategyOptions {
  std::string engine;
  std::string client = "ema1";
  std::vector<std::string> settings;       // KEY=VALUE, as typed
  std::vector<std::string> toml_settings;  // KEY=VALUE with the value as TOML writes it
  std::string symbol;                      // overrides the symbol setting
  bool check = false;                      // validate, print the parameters, exit
  bool quiet = false;
};

double to_double(Price p) {
  return static_cast<double>(p.e8) / kScale;
}

constexpr int64_t kNsPerDay = 86'400'000'000'000;

class EmaRsiBot {
 public:
  EmaRsiBot(Client client, BotParams params, uint16_t instrument, uint16_t account,
            uint16_t strategy, bool quiet)
      : c_(std::move(client)),
        p_(std::move(params)),
        instrument_(instrument),
        account_(account),
        strategy_(strategy),
        ins_(c_.state().names().instrument(instrument)),
        quiet_(quiet),
        signal_(p_),
        trailing_(static_cast<double>(p_.trailing_stop.e8) / kScale) {}

  int run() {
    uint64_t idle = 0;
    while (!g_strategy_stop.load(std::memory_order_acquire)) {
      bool work = drain_responses();
      MarketRecord m{};
      if (c_.state().read_market(instrument_, m) && m.ts != last_market_ts_) {
        last_market_ts_ = m.ts;
        on_market(m);
        work = true;
      }
      if (!c_.engine_alive(5'000'000'000)) {
        log("the engine is gone; stopping");
        return 1;
      }
      c_.heartbeat();
      if (work) {
        idle = 0;
      } else if (++idle > 1000) {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
    return 0;
  }

  void summary() const {
    log(fmt::format("stopped: {} bars, {} entries, {} exits, {} rejects", bars_, entries_, exits_,
                    rejects_));
  }

 private:
  template <typename... Args>
  void log(fmt::format_string<Args...> f, Args&&... args) const {
    if (!quiet_)
      fmt::print(stderr, "ose-ema-rsi: {}\n", fmt::format(f, std::forward<Args>(args)...));
  }
  void log(const std::string& s) const {
    if (!quiet_) fmt::print(stderr, "ose-ema-rsi: {}\n", s);
  }

  // Responses to our commands: the order an entry or exit became, or why it was refused.
  bool drain_responses() {
    Response r;
    bool any = false;
    while (c_.poll(r)) {
      any = true;
      if (r.request == 0 || r.request != awaited_request_ || (r.flags & kResponseDone)) {
        if (r.request == awaited_request_ && (r.flags & kResponseLast)) awaited_request_ = 0;
        continue;
      }
      const Event& e = r.event;
      if (e.type == EventType::kAccepted) {
        working_order_ = e.order_id;
      } else if (e.type == EventType::kRejected) {
        ++rejects_;
        log("{} refused: {}", awaited_what_, to_string(e.reason));
      }
      if (r.flags & kResponseLast) awaited_request_ = 0;
    }
    if (c_.lagging()) c_.clear_lagging();  // we decide from state, not from the event stream
    return any;
  }

  // Busy while a command awaits its answer or the order it made still works.
  bool busy() {
    if (awaited_request_ != 0) return true;
    if (working_order_ == 0) return false;
    OrderRecord o{};
    if (c_.state().read_order(working_order_, o) && o.id == working_order_ &&
        !is_terminal(o.status)) {
      return true;
    }
    working_order_ = 0;
    return false;
  }

  void on_market(const MarketRecord& m) {
    const Price price = m.has_last ? m.last : m.mark;
    if (!price.is_positive()) return;
    if (++updates_ % static_cast<uint64_t>(p_.bar_ticks) == 0) {
      ++bars_;
      // A signal holds for its bar: acted on at the first update that is not busy, else lost.
      pending_signal_ = signal_.on_bar(to_double(price));
    }
    PositionRecord pos{};
    c_.state().read_strategy_position(strategy_, instrument_, pos);
    const bool flat = pos.size < ins_.min_qty;
    if (flat) {
      if (trailing_.armed()) trailing_.disarm();
      exiting_ = false;
    } else if (!trailing_.armed()) {
      trailing_.arm(to_double(pos.avg_entry_price));
    }
    const bool trail_hit = !flat && trailing_.armed() && trailing_.update(to_double(price));
    if (busy()) return;
    if (flat && pending_signal_ == BotSignal::kEnter) {
      pending_signal_ = BotSignal::kNone;
      enter(m);
    } else if (!flat && exiting_) {
      // The last exit left some position (expired, or refused while a triggered exit held the
      // base): one retry per bar, not per update.
      if (bars_ > exit_bar_) exit(m, pos.size, "retry");
    } else if (!flat && (trail_hit || pending_signal_ == BotSignal::kExit)) {
      const char* why = trail_hit ? "trailing stop" : "exit signal";
      pending_signal_ = BotSignal::kNone;
      exit(m, pos.size, why);
    } else if (!flat) {
      pending_signal_ = BotSignal::kNone;  // an entry signal while long: already in
    }
  }

  void enter(const MarketRecord& m) {
    const int64_t day = m.ts / kNsPerDay;
    if (day != day_) {
      day_ = day;
      entries_today_ = 0;
    }
    if (entries_today_ >= p_.max_daily_trades) return;
    StrategyRecord st{};
    if (c_.state().read_strategy(strategy_, st) && st.open_orders != 0) return;  // exits linger
    BalanceRecord quote{};
    c_.state().read_balance(account_, ins_.settle, quote);
    const Price touch = m.has_ask ? m.ask : m.last;
    const auto plan =
        plan_entry(ins_, quote.free, touch,
                   EntryRules{p_.position_size, p_.max_slippage, p_.stop_loss, p_.take_profit});
    if (!plan) {
      log("entry signal at {}, but {} free buys less than the minimum order", to_string(touch),
          to_string(quote.free));
      return;
    }
    NewOrderCmd n = c_.order_template(p_.account, p_.strategy, p_.symbol);
    n.cl_id = next_cl_id();
    n.side = static_cast<uint8_t>(Side::kBuy);
    n.type = static_cast<uint8_t>(OrderType::kLimit);
    n.tif = static_cast<uint8_t>(Tif::kIoc);
    n.qty = plan->qty;
    n.price = plan->limit;
    n.stop_loss = plan->stop_loss;
    n.take_profit = plan->take_profit;
    if (!send(c_.new_order(n), "entry")) return;
    ++entries_;
    ++entries_today_;
    log("enter: buy {} {} at ≤ {} (EMA {:.2f} > {:.2f}, RSI {:.1f}), stop-loss {}, take-profit {}",
        to_string(plan->qty), p_.symbol, to_string(plan->limit), signal_.fast(), signal_.slow(),
        signal_.rsi(), to_string(plan->stop_loss), to_string(plan->take_profit));
  }

  // Cancels the bracket (its exits hold the base) and sells what the strategy holds; the engine
  // applies this client's commands in order, so the sell sees the released base.
  void exit(const MarketRecord& m, Qty size, const char* why) {
    exiting_ = true;
    exit_bar_ = bars_;
    if (c_.cancel_all(account_, strategy_, instrument_) == 0) return;  // ring full: next update
    const Price touch = m.has_bid ? m.bid : m.last;
    NewOrderCmd n = c_.order_template(p_.account, p_.strategy, p_.symbol);
    n.cl_id = next_cl_id();
    n.side = static_cast<uint8_t>(Side::kSell);
    n.type = static_cast<uint8_t>(OrderType::kLimit);
    n.tif = static_cast<uint8_t>(Tif::kIoc);
    n.qty = floor_to_step(size, ins_.step_size);
    n.price = exit_limit(ins_, touch, p_.max_slippage);
    if (!send(c_.new_order(n), "exit")) return;
    ++exits_;
    log("exit ({}): sell {} {} at ≥ {}", why, to_string(n.qty), p_.symbol, to_string(n.price));
  }

  bool send(uint64_t request, const char* what) {
    if (request == 0) return false;  // command ring full: the next update tries again
    awaited_request_ = request;
    awaited_what_ = what;
    return true;
  }

  // Client order ids unique across restarts of this strategy: wall-clock microseconds at start,
  // then counting.
  uint64_t next_cl_id() {
    if (cl_id_ == 0) {
      cl_id_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
    }
    return ++cl_id_;
  }

  Client c_;
  BotParams p_;
  uint16_t instrument_;
  uint16_t account_;
  uint16_t strategy_;
  InstrumentRecord ins_;
  bool quiet_;
  EmaRsiSignal signal_;
  TrailingStop trailing_;

  int64_t last_market_ts_ = 0;
  uint64_t updates_ = 0;
  BotSignal pending_signal_ = BotSignal::kNone;  // this bar's signal, until acted on
  bool exiting_ = false;                         // an exit is under way until flat
  uint64_t exit_bar_ = 0;                        // the bar of the last exit attempt
  uint64_t awaited_request_ = 0;
  const char* awaited_what_ = "";
  uint64_t working_order_ = 0;
  uint64_t cl_id_ = 0;
  int64_t day_ = -1;
  int entries_today_ = 0;
  uint64_t bars_ = 0, entries_ = 0, exits_ = 0, rejects_ = 0;
};

Result<BotParams> params_from(const StrategyOptions& o) {
  std::vector<BotSetting> settings;
  for (const std::string& a : o.toml_settings) {
    auto s = bot_setting_from_toml_assignment(a);
    if (!s) return Error{s.error()};
    settings.push_back(std::move(*s));
  }
  for (const std::string& a : o.settings) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) return Error{fmt::format("'{}' is not KEY=VALUE", a)};
    settings.push_back({a.substr(0, eq), a.substr(eq + 1), BotValueKind::kAny, ""});
  }
  if (!o.symbol.empty()) settings.push_back({"symbol", o.symbol, BotValueKind::kText, ""});
  return bot_params_from(settings);
}

int run_strategy(const StrategyOptions& o) {
  auto params = params_from(o);
  if (!params) {
    fmt::print(stderr, "ose-ema-rsi: {}\n", params.error());
    return 2;
  }
  if (o.check) {
    fmt::print("{}", describe(*params));
    return 0;
  }
  if (o.engine.empty()) {
    fmt::print(stderr, "ose-ema-rsi: --engine is required (see --help)\n");
    return 2;
  }
  auto client = Client::attach(o.engine, o.client);
  if (!client) {
    fmt::print(stderr, "ose-ema-rsi: {}\n", client.error());
    return 1;
  }
  const uint16_t instrument = client->instrument(params->symbol);
  const uint16_t account = client->account(params->account);
  const uint16_t strategy = client->strategy(params->strategy);
  auto unknown = [&](const char* what, const std::string& name) {
    fmt::print(stderr,
               "ose-ema-rsi: engine {} has no {} '{}' (set it with --set or in the [bot] table)\n",
               o.engine, what, name);
    return 1;
  };
  if (instrument == kNoIndex) return unknown("instrument", params->symbol);
  if (account == kNoIndex) return unknown("account", params->account);
  if (strategy == kNoIndex) return unknown("strategy", params->strategy);
  if (client->state().names().instrument(instrument).kind == InstrumentKind::kInverse) {
    fmt::print(stderr,
               "ose-ema-rsi: {} is an inverse (coin-margined) instrument; the sample strategy "
               "trades spot and linear ones\n",
               params->symbol);
    return 1;
  }
  std::signal(SIGINT, on_strategy_stop);
  std::signal(SIGTERM, on_strategy_stop);
  if (!o.quiet) {
    fmt::print(stderr,
               "ose-ema-rsi: {} on {} as {} (account {}, strategy {}): EMA {}/{}, RSI {} "
               "[{}, {}], stop-loss {}, take-profit {}, trailing {}, size {} of free, bars of "
               "{} updates; SIGINT or SIGTERM stops\n",
               o.engine, params->symbol, o.client, params->account, params->strategy,
               params->ema_fast, params->ema_slow, params->rsi_period, params->rsi_oversold,
               params->rsi_overbought, to_string(params->stop_loss), to_string(params->take_profit),
               to_string(params->trailing_stop), to_string(params->position_size),
               params->bar_ticks);
  }
  EmaRsiBot bot(std::move(*client), *params, instrument, account, strategy, o.quiet);
  const int rc = bot.run();
  bot.summary();
  return rc;
}

}  // namespace

}  // namespace ose

int main(int argc, char** argv) {
  CLI::App app{
      "ose-ema-rsi — the sample EMA/RSI strategy, a client of a running engine "
      "(docs/STRATEGY.md)"};
  ose::StrategyOptions o;
  app.add_option("-e,--engine", o.engine, "Engine name (required unless --check)");
  app.add_option("--client", o.client, "The strategy client's name in the config (default ema1)");
  app.add_option(
      "--set", o.settings, "A parameter, KEY=VALUE (repeatable; keys: " + [] {
        std::string keys;
        for (const auto& k : ose::bot_param_keys()) keys += (keys.empty() ? "" : " ") + k;
        return keys;
      }() + ")");
  app.add_option("--set-toml", o.toml_settings,
                 "A parameter whose VALUE is written as in TOML (\"text\", 12, 0.5): how `ose "
                 "demo` passes its [bot] table on");
  app.add_option("--symbol", o.symbol, "Trade this instrument instead of the symbol setting");
  app.add_flag("--check", o.check, "Check the parameters, print them as KEY=VALUE lines, exit");
  app.add_flag("-q,--quiet", o.quiet, "No log lines");
  CLI11_PARSE(app, argc, argv);
  return ose::run_strategy(o);
}
