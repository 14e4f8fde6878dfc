// The sample strategy's entry and exit rules, on bar closes only (no I/O, no orders): an EMA
// crossover filtered by the RSI. The strategy (`ose-ema-rsi`) turns market updates into bars
// (BotParams::bar_ticks updates each), feeds each bar's close to on_bar(), and acts on the
// answer; the stop-loss / take-profit bracket and the trailing stop are its business, not this
// class's.
//
// Rules, for a long-only strategy (fast = EMA(ema_fast), slow = EMA(ema_slow), both of closes):
//   every bar      a close updates both EMAs and the RSI.
//   warm-up        nothing is signalled until the EMAs and the RSI are all ready and the
//                  previous bar also had ready EMAs: the first judged bar is bar
//                  max(ema_slow + 1, rsi_period + 1). A cross during warm-up is not remembered.
//   kEnter         the fast EMA crosses above the slow one on this bar (fast ≤ slow on the
//                  previous bar, fast > slow now) and RSI < rsi_overbought (do not buy a market
//                  that has already run).
//   kExit          RSI > rsi_overbought; or the fast EMA crosses below the slow one (fast ≥ slow
//                  on the previous bar, fast < slow now) while RSI > rsi_oversold (do not sell
//                  into an oversold market: the bracket's stop-loss still protects the position).
//   both           cannot hold on one bar (Enter needs a cross up and RSI below overbought, Exit
//                  an overbought RSI or a cross down); if they ever did, Exit wins.
// Signals do not know the position: kEnter while long and kExit while flat are for the caller
// to ignore. kExit repeats on every bar while the RSI stays overbought.
#pragma once

#include "ema_rsi/bot_params.hpp"
#include "ema_rsi/indicators.hpp"

namespace ose {

enum class BotSignal { kNone, kEnter, kExit };

class EmaRsiSignal {
 public:
  explicit EmaRsiSignal(const BotParams& params);

  // One bar's close; returns what the rules above say about this bar.
  BotSignal on_bar(double close);

  // True when the last on_bar() was judged by the rules (warm-up over); stays true.
  bool ready() const { return judging_; }
  double fast() const { return fast_.value(); }  // 0 until ready (see Ema)
  double slow() const { return slow_.value(); }  // 0 until ready
  double rsi() const { return rsi_.value(); }    // 50 until ready (see Rsi)

 private:
  Ema fast_;
  Ema slow_;
  Rsi rsi_;
  double oversold_;
  double overbought_;
  bool has_prev_ = false;  // the previous bar had ready EMAs; prev_* hold them
  double prev_fast_ = 0;
  double prev_slow_ = 0;
  bool judging_ = false;
};

}  // namespace ose
