// The sample strategy itself, written once against the Strategy interface
// (engine/client/strategy.hpp) so that `ose-ema-rsi` runs it live and `ose backtest` runs the
// same code in a simulation. It makes a bar of every `bar_ticks` market updates of one
// instrument and trades an EMA crossover with an RSI filter (ema_rsi_signal.hpp): a long entry
// is a marketable limit IOC sized from the free quote balance (bot_orders.hpp), carrying a
// stop-loss / take-profit bracket that the engine itself creates and triggers (so the position
// stays protected if the strategy stops); a trailing stop and the exit signal are watched here
// and close the position by cancelling the bracket and selling.
//
// Everything it decides from is the engine's state — position, open orders, balances — read
// through the context, so a restarted strategy picks up where the last one left off.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ema_rsi/bot_params.hpp"
#include "ema_rsi/ema_rsi_signal.hpp"
#include "ema_rsi/indicators.hpp"
#include "engine/client/strategy.hpp"

namespace ose {

class EmaRsiStrategy final : public Strategy {
 public:
  // `log` takes one line each (no prefix, no newline); empty: quiet.
  EmaRsiStrategy(BotParams params, std::function<void(const std::string&)> log);

  // Resolves the symbol, account and strategy; refuses unknown names and inverse instruments.
  std::string on_start(StrategyContext& ctx) override;
  void on_market(StrategyContext& ctx, uint16_t instrument, const MarketRecord& m) override;
  void on_response(StrategyContext& ctx, const Response& r) override;
  void on_stop(StrategyContext& ctx) override;

  // The instrument it trades (kNoIndex before a successful on_start): the one a driver watches.
  uint16_t instrument_index() const { return instrument_; }
  uint64_t bars() const { return bars_; }
  uint64_t entries() const { return entries_; }  // entry orders sent
  uint64_t exits() const { return exits_; }      // exit orders sent
  uint64_t rejects() const { return rejects_; }  // entries and exits the engine refused
  // "N bars, N entries, N exits, N rejects".
  std::string summary() const;

 private:
  void log(const std::string& s) const {
    if (log_) log_(s);
  }
  bool busy(StrategyContext& ctx);
  void enter(StrategyContext& ctx, const MarketRecord& m);
  void exit(StrategyContext& ctx, const MarketRecord& m, Qty size, const char* why);
  bool send(uint64_t request, const char* what);

  BotParams p_;
  std::function<void(const std::string&)> log_;
  uint16_t instrument_ = kNoIndex;
  uint16_t account_ = kNoIndex;
  uint16_t strategy_ = kNoIndex;
  InstrumentRecord ins_{};
  EmaRsiSignal signal_;
  TrailingStop trailing_;

  uint64_t updates_ = 0;
  BotSignal pending_signal_ = BotSignal::kNone;  // this bar's signal, until acted on
  bool exiting_ = false;                         // an exit is under way until flat
  uint64_t exit_bar_ = 0;                        // the bar of the last exit attempt
  uint64_t awaited_request_ = 0;
  const char* awaited_what_ = "";
  uint64_t working_order_ = 0;
  int64_t day_ = -1;
  int entries_today_ = 0;
  uint64_t bars_ = 0, entries_ = 0, exits_ = 0, rejects_ = 0;
};

}  // namespace ose
