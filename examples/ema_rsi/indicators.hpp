// Price indicators for the sample strategy (`ose-ema-rsi`): EMA, Wilder's RSI and a long
// trailing stop. They are strategy-side analytics, never engine state, so they work in doubles
// (STYLE "Money": doubles only at the edges); whatever they decide is turned back into exact
// Price/Qty once, by the strategy, before it becomes an order. No I/O, no allocation.
//
// Conventions follow TA-Lib, so that the numbers can be checked against a charting tool:
//   Ema(n)   seeded with the simple mean of the first n values, then
//            value += α·(x − value), α = 2/(n + 1).
//   Rsi(n)   Wilder: the first average gain and loss are the simple means of the first n
//            price changes, then avg = (avg·(n − 1) + current)/n;
//            RSI = 100 − 100/(1 + avg_gain/avg_loss).
#pragma once

namespace ose {

// Exponential moving average. Not ready until `period` values have been added.
class Ema {
 public:
  // period ≥ 1 (smaller values are taken as 1: an EMA(1) is the last value).
  explicit Ema(int period);

  void add(double x);
  bool ready() const { return count_ >= period_; }
  // The average once ready; 0 before.
  double value() const { return value_; }
  int period() const { return period_; }

 private:
  int period_;
  double alpha_;    // 2/(period + 1)
  int count_ = 0;   // values added, counted up to period_ only
  double sum_ = 0;  // sum of the first values, until the seed
  double value_ = 0;
};

// Wilder's relative strength index on consecutive prices, 0..100. Ready after period + 1
// prices (period changes). Edge cases: 100 when the average loss is 0 and the average gain is
// not; 50 when both are 0 (a flat market is neither overbought nor oversold).
class Rsi {
 public:
  // period ≥ 1 (smaller values are taken as 1).
  explicit Rsi(int period);

  void add(double price);
  bool ready() const { return changes_ >= period_; }
  // The RSI once ready; 50 (neutral) before.
  double value() const;

 private:
  int period_;
  bool has_prev_ = false;
  double prev_ = 0;
  int changes_ = 0;      // changes seen, counted up to period_ only
  double avg_gain_ = 0;  // before ready: the sum of the gains so far
  double avg_loss_ = 0;  // before ready: the sum of the losses so far (positive)
};

// A trailing stop for a long position: it follows the highest price seen since arm() and
// fires when the price falls `callback_fraction` below it (Binance's callback rate, as a
// fraction: 0.01 = 1 %). It stays armed after firing, so a caller whose exit order fails sees
// it fire again on the next price; the caller disarms it once the position is closed.
class TrailingStop {
 public:
  // 0 ≤ callback_fraction < 1; 0 means no trailing stop (never fires). Values below 0 are
  // taken as 0.
  explicit TrailingStop(double callback_fraction);

  // Starts tracking at the entry price (the first high).
  void arm(double entry_price);
  void disarm() { armed_ = false; }
  bool armed() const { return armed_; }
  // The highest price since arm() (the entry price or above); meaningless when not armed.
  double high() const { return high_; }
  // The price at or below which update() fires: high·(1 − callback). 0 when not armed or
  // when the callback is 0 (there is no stop level).
  double stop() const;
  // Takes a new price: raises the high if the price is above it, then returns true (fire)
  // when the price is at or below the stop. Always false when not armed or callback is 0.
  bool update(double price);

 private:
  double callback_;
  bool armed_ = false;
  double high_ = 0;
};

}  // namespace ose
