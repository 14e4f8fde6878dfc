#include "ema_rsi/ema_rsi_strategy.hpp"

#include <fmt/format.h>

#include <utility>

#include "ema_rsi/bot_orders.hpp"
#include "engine/core/enums.hpp"

namespace ose {

namespace {

constexpr int64_t kNsPerDay = 86'400'000'000'000;

double to_double(Price p) {
  return static_cast<double>(p.e8) / kScale;
}

}  // namespace

EmaRsiStrategy::EmaRsiStrategy(BotParams params, std::function<void(const std::string&)> log)
    : p_(std::move(params)),
      log_(std::move(log)),
      signal_(p_),
      trailing_(static_cast<double>(p_.trailing_stop.e8) / kScale) {}

std::string EmaRsiStrategy::on_start(StrategyContext& ctx) {
  const uint16_t instrument = ctx.instrument(p_.symbol);
  const uint16_t account = ctx.account(p_.account);
  const uint16_t strategy = ctx.strategy(p_.strategy);
  auto unknown = [](const char* what, const std::string& name) {
    return fmt::format("the engine has no {} '{}' (set it with --set or in the [bot] table)", what,
                       name);
  };
  if (instrument == kNoIndex) return unknown("instrument", p_.symbol);
  if (account == kNoIndex) return unknown("account", p_.account);
  if (strategy == kNoIndex) return unknown("strategy", p_.strategy);
  if (ctx.names().instrument(instrument).kind == InstrumentKind::kInverse) {
    return fmt::format(
        "{} is an inverse (coin-margined) instrument; the sample strategy trades spot and linear "
        "ones",
        p_.symbol);
  }
  instrument_ = instrument;
  account_ = account;
  strategy_ = strategy;
  ins_ = ctx.names().instrument(instrument);
  log(fmt::format(
      "trading {} (account {}, strategy {}): EMA {}/{}, RSI {} [{}, {}], stop-loss "
      "{}, take-profit {}, trailing {}, size {} of free, bars of {} updates",
      p_.symbol, p_.account, p_.strategy, p_.ema_fast, p_.ema_slow, p_.rsi_period, p_.rsi_oversold,
      p_.rsi_overbought, to_string(p_.stop_loss), to_string(p_.take_profit),
      to_string(p_.trailing_stop), to_string(p_.position_size), p_.bar_ticks));
  return {};
}

std::string EmaRsiStrategy::summary() const {
  return fmt::format("{} bars, {} entries, {} exits, {} rejects", bars_, entries_, exits_,
                     rejects_);
}

void EmaRsiStrategy::on_stop(StrategyContext&) {
  log("stopped: " + summary());
}

// Responses to our commands: the order an entry or exit became, or why it was refused.
void EmaRsiStrategy::on_response(StrategyContext&, const Response& r) {
  if (r.request == 0 || r.request != awaited_request_ || (r.flags & kResponseDone)) {
    if (r.request == awaited_request_ && (r.flags & kResponseLast)) awaited_request_ = 0;
    return;
  }
  const Event& e = r.event;
  if (e.type == EventType::kAccepted) {
    working_order_ = e.order_id;
  } else if (e.type == EventType::kRejected) {
    ++rejects_;
    log(fmt::format("{} refused: {}", awaited_what_, to_string(e.reason)));
  }
  if (r.flags & kResponseLast) awaited_request_ = 0;
}

// Busy while a command awaits its answer or the order it made still works.
bool EmaRsiStrategy::busy(StrategyContext& ctx) {
  if (awaited_request_ != 0) return true;
  if (working_order_ == 0) return false;
  OrderRecord o{};
  if (ctx.read_order(working_order_, o) && o.id == working_order_ && !is_terminal(o.status)) {
    return true;
  }
  working_order_ = 0;
  return false;
}

void EmaRsiStrategy::on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) {
  if (instrument != instrument_ || instrument_ == kNoIndex) return;
  const Price price = m.has_last ? m.last : m.mark;
  if (!price.is_positive()) return;
  if (++updates_ % static_cast<uint64_t>(p_.bar_ticks) == 0) {
    ++bars_;
    // A signal holds for its bar: acted on at the first update that is not busy, else lost.
    pending_signal_ = signal_.on_bar(to_double(price));
  }
  PositionRecord pos{};
  ctx.read_strategy_position(strategy_, instrument_, pos);
  const bool flat = pos.size < ins_.min_qty;
  if (flat) {
    if (trailing_.armed()) trailing_.disarm();
    exiting_ = false;
  } else if (!trailing_.armed()) {
    trailing_.arm(to_double(pos.avg_entry_price));
  }
  const bool trail_hit = !flat && trailing_.armed() && trailing_.update(to_double(price));
  if (busy(ctx)) return;
  if (flat && pending_signal_ == BotSignal::kEnter) {
    pending_signal_ = BotSignal::kNone;
    enter(ctx, m);
  } else if (!flat && exiting_) {
    // The last exit left some position (expired, or refused while a triggered exit held the
    // base): one retry per bar, not per update.
    if (bars_ > exit_bar_) exit(ctx, m, pos.size, "retry");
  } else if (!flat && (trail_hit || pending_signal_ == BotSignal::kExit)) {
    const char* why = trail_hit ? "trailing stop" : "exit signal";
    pending_signal_ = BotSignal::kNone;
    exit(ctx, m, pos.size, why);
  } else if (!flat) {
    pending_signal_ = BotSignal::kNone;  // an entry signal while long: already in
  }
}

void EmaRsiStrategy::enter(StrategyContext& ctx, const MarketRecord& m) {
  const int64_t day = m.ts / kNsPerDay;  // market time, so a backtest counts its own days
  if (day != day_) {
    day_ = day;
    entries_today_ = 0;
  }
  if (entries_today_ >= p_.max_daily_trades) return;
  StrategyRecord st{};
  if (ctx.read_strategy(strategy_, st) && st.open_orders != 0) return;  // exits linger
  BalanceRecord quote{};
  ctx.read_balance(account_, ins_.settle, quote);
  const Price touch = m.has_ask ? m.ask : m.last;
  const auto plan =
      plan_entry(ins_, quote.free, touch,
                 EntryRules{p_.position_size, p_.max_slippage, p_.stop_loss, p_.take_profit});
  if (!plan) {
    log(fmt::format("entry signal at {}, but {} free buys less than the minimum order",
                    to_string(touch), to_string(quote.free)));
    return;
  }
  NewOrderCmd n = ctx.order_template(p_.account, p_.strategy, p_.symbol);
  n.cl_id = ctx.next_cl_id();
  n.side = static_cast<uint8_t>(Side::kBuy);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kIoc);
  n.qty = plan->qty;
  n.price = plan->limit;
  n.stop_loss = plan->stop_loss;
  n.take_profit = plan->take_profit;
  if (!send(ctx.new_order(n), "entry")) return;
  ++entries_;
  ++entries_today_;
  log(fmt::format(
      "enter: buy {} {} at ≤ {} (EMA {:.2f} > {:.2f}, RSI {:.1f}), stop-loss {}, take-profit {}",
      to_string(plan->qty), p_.symbol, to_string(plan->limit), signal_.fast(), signal_.slow(),
      signal_.rsi(), to_string(plan->stop_loss), to_string(plan->take_profit)));
}

// Cancels the bracket (its exits hold the base) and sells what the strategy holds; the engine
// applies this client's commands in order, so the sell sees the released base.
void EmaRsiStrategy::exit(StrategyContext& ctx, const MarketRecord& m, Qty size, const char* why) {
  exiting_ = true;
  exit_bar_ = bars_;
  if (ctx.cancel_all(account_, strategy_, instrument_) == 0) return;  // ring full: next update
  const Price touch = m.has_bid ? m.bid : m.last;
  NewOrderCmd n = ctx.order_template(p_.account, p_.strategy, p_.symbol);
  n.cl_id = ctx.next_cl_id();
  n.side = static_cast<uint8_t>(Side::kSell);
  n.type = static_cast<uint8_t>(OrderType::kLimit);
  n.tif = static_cast<uint8_t>(Tif::kIoc);
  n.qty = floor_to_step(size, ins_.step_size);
  n.price = exit_limit(ins_, touch, p_.max_slippage);
  if (!send(ctx.new_order(n), "exit")) return;
  ++exits_;
  log(fmt::format("exit ({}): sell {} {} at ≥ {}", why, to_string(n.qty), p_.symbol,
                  to_string(n.price)));
}

bool EmaRsiStrategy::send(uint64_t request, const char* what) {
  if (request == 0) return false;  // command ring full: the next update tries again
  awaited_request_ = request;
  awaited_what_ = what;
  return true;
}

}  // namespace ose
