#include "ema_rsi/indicators.hpp"

#include <algorithm>

namespace ose {

Ema::Ema(int period)
    : period_(std::max(period, 1)), alpha_(2.0 / (static_cast<double>(period_) + 1.0)) {}

void Ema::add(double x) {
  if (count_ < period_) {
    sum_ += x;
    ++count_;
    if (count_ == period_) value_ = sum_ / static_cast<double>(period_);
    return;
  }
  value_ += alpha_ * (x - value_);
}

Rsi::Rsi(int period) : period_(std::max(period, 1)) {}

void Rsi::add(double price) {
  if (!has_prev_) {
    has_prev_ = true;
    prev_ = price;
    return;
  }
  const double change = price - prev_;
  prev_ = price;
  const double gain = change > 0 ? change : 0.0;
  const double loss = change < 0 ? -change : 0.0;
  if (changes_ < period_) {
    // Seeding: sum the first `period` changes, then turn the sums into simple means.
    avg_gain_ += gain;
    avg_loss_ += loss;
    ++changes_;
    if (changes_ == period_) {
      avg_gain_ /= static_cast<double>(period_);
      avg_loss_ /= static_cast<double>(period_);
    }
    return;
  }
  const double n = static_cast<double>(period_);
  avg_gain_ = (avg_gain_ * (n - 1.0) + gain) / n;
  avg_loss_ = (avg_loss_ * (n - 1.0) + loss) / n;
}

double Rsi::value() const {
  if (!ready()) return 50.0;
  if (avg_loss_ == 0.0) return avg_gain_ > 0.0 ? 100.0 : 50.0;
  return 100.0 - 100.0 / (1.0 + avg_gain_ / avg_loss_);
}

TrailingStop::TrailingStop(double callback_fraction)
    : callback_(std::max(callback_fraction, 0.0)) {}

void TrailingStop::arm(double entry_price) {
  armed_ = true;
  high_ = entry_price;
}

double TrailingStop::stop() const {
  if (!armed_ || callback_ <= 0.0) return 0.0;
  return high_ * (1.0 - callback_);
}

bool TrailingStop::update(double price) {
  if (!armed_) return false;
  high_ = std::max(high_, price);
  if (callback_ <= 0.0) return false;
  return price <= stop();
}

}  // namespace ose
