#include "ema_rsi/ema_rsi_signal.hpp"

namespace ose {

EmaRsiSignal::EmaRsiSignal(const BotParams& params)
    : fast_(params.ema_fast),
      slow_(params.ema_slow),
      rsi_(params.rsi_period),
      oversold_(params.rsi_oversold),
      overbought_(params.rsi_overbought) {}

BotSignal EmaRsiSignal::on_bar(double close) {
  fast_.add(close);
  slow_.add(close);
  rsi_.add(close);
  if (!fast_.ready() || !slow_.ready()) return BotSignal::kNone;

  const double fast = fast_.value();
  const double slow = slow_.value();
  const bool had_prev = has_prev_;
  const double prev_fast = prev_fast_;
  const double prev_slow = prev_slow_;
  // Remember this bar before judging it, so that the next bar compares with it even when this
  // one is still warming up the RSI.
  has_prev_ = true;
  prev_fast_ = fast;
  prev_slow_ = slow;
  if (!had_prev || !rsi_.ready()) return BotSignal::kNone;
  judging_ = true;

  const double rsi = rsi_.value();
  const bool crossed_up = prev_fast <= prev_slow && fast > slow;
  const bool crossed_down = prev_fast >= prev_slow && fast < slow;
  const bool exit = rsi > overbought_ || (crossed_down && rsi > oversold_);
  const bool enter = crossed_up && rsi < overbought_;
  if (exit) return BotSignal::kExit;  // Exit wins (cannot coincide with Enter; see header)
  if (enter) return BotSignal::kEnter;
  return BotSignal::kNone;
}

}  // namespace ose
