#include "tools/report/performance.hpp"

#include <algorithm>
#include <cmath>

namespace ose {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

int sign(Qty q) noexcept {
  return q.is_positive() ? 1 : (q.is_negative() ? -1 : 0);
}

// An exact 128-bit sum of e8 amounts stored as an Amount, clamped to the int64 range.
Amount saturate(i128 e8) noexcept {
  constexpr i128 kMin = std::numeric_limits<int64_t>::min();
  constexpr i128 kMax = std::numeric_limits<int64_t>::max();
  return Amount::from_e8(static_cast<int64_t>(std::clamp(e8, kMin, kMax)));
}

double ratio(i128 num, i128 den) noexcept {
  return static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

// ---- EquityCurve ---------------------------------------------------------------------------

EquityCurve::EquityCurve(int64_t step_ns) : step_ns_(std::max<int64_t>(step_ns, 1)) {}

void EquityCurve::observe(int64_t ts_ns, Amount equity) {
  if (finished_) return;
  if (points_.empty()) {
    points_.push_back({ts_ns, equity});
    last_ts_ns_ = ts_ns;
    last_equity_ = equity;
    // A boundary past the int64 range is never passed: the curve then just has no more points.
    if (__builtin_add_overflow(ts_ns, step_ns_, &next_boundary_ns_)) {
      next_boundary_ns_ = std::numeric_limits<int64_t>::max();
    }
    return;
  }
  ts_ns = std::max(ts_ns, last_ts_ns_);
  // Every boundary strictly before ts is closed, holding the equity as of that boundary: the
  // latest observation so far (its ts ≤ boundary, since observations are in time order).
  while (ts_ns > next_boundary_ns_) {
    points_.push_back({next_boundary_ns_, last_equity_});
    if (__builtin_add_overflow(next_boundary_ns_, step_ns_, &next_boundary_ns_)) {
      next_boundary_ns_ = std::numeric_limits<int64_t>::max();
    }
  }
  last_ts_ns_ = ts_ns;
  last_equity_ = equity;
}

void EquityCurve::finish() {
  if (finished_) return;
  finished_ = true;
  if (!points_.empty() && last_ts_ns_ > points_.back().ts_ns) {
    points_.push_back({last_ts_ns_, last_equity_});
  }
}

// ---- RoundTrips ----------------------------------------------------------------------------

void RoundTrips::on_fill(Qty size_after, Amount net_before, Amount net_after) {
  const int was = sign(size_);
  const int now = sign(size_after);
  size_ = size_after;
  if (was == now) return;  // flat stays flat, or scaling in/out on the same side
  if (was == 0) {          // opens
    open_net_ = net_before;
    return;
  }
  closed_.push_back(net_after - open_net_);  // closes (now == 0) or flips (now == -was)
  open_net_ = net_after;                     // the flipped trade's baseline; unused when flat
}

// ---- measure_performance -------------------------------------------------------------------

Performance measure_performance(Amount capital, std::span<const EquityPoint> curve,
                                std::span<const Amount> trades, int64_t step_ns) {
  Performance p;
  p.capital = capital;
  p.final_equity = curve.empty() ? capital : curve.back().equity;
  p.net_profit = saturate(static_cast<i128>(p.final_equity.e8) - capital.e8);
  p.span_ns = curve.empty() ? 0 : curve.back().ts_ns - curve.front().ts_ns;

  // Returns. 1 + total_return <= 0 exactly when final_equity <= 0 (capital > 0), decided on the
  // integers; expm1(log1p(r)·x) keeps small returns accurate where pow(1 + r, x) − 1 would not.
  if (capital.is_positive()) {
    p.total_return = ratio(static_cast<i128>(p.final_equity.e8) - capital.e8, capital.e8);
    if (p.span_ns <= 0) {
      p.annualised_return = kNaN;
    } else if (!p.final_equity.is_positive()) {
      p.annualised_return = -1;
    } else {
      const double years_inv = static_cast<double>(kYearNs) / static_cast<double>(p.span_ns);
      p.annualised_return = std::expm1(std::log1p(p.total_return) * years_inv);
    }
  } else {
    p.total_return = kNaN;
    p.annualised_return = kNaN;
  }

  // Drawdown: one walk with the running peak, starting at the first point.
  if (!curve.empty()) {
    int64_t peak = curve.front().equity.e8;
    i128 worst_amount = 0;
    for (const EquityPoint& pt : curve) {
      peak = std::max(peak, pt.equity.e8);
      const i128 down = static_cast<i128>(peak) - pt.equity.e8;  // ≥ 0
      worst_amount = std::max(worst_amount, down);
      if (peak > 0) p.max_drawdown = std::max(p.max_drawdown, ratio(down, peak));
    }
    p.max_drawdown_amount = saturate(worst_amount);
  }

  // Sharpe over the per-period returns: two passes (mean, then squared deviations).
  const size_t n = curve.size() < 2 ? 0 : curve.size() - 1;
  p.returns = static_cast<int64_t>(n);
  bool returns_defined = n >= 2 && step_ns > 0;
  std::vector<double> returns;
  returns.reserve(n);
  for (size_t i = 1; returns_defined && i < curve.size(); ++i) {
    const int64_t prev = curve[i - 1].equity.e8;
    if (prev <= 0) {
      returns_defined = false;
      break;
    }
    // e_i / e_{i−1} − 1 computed as (e_i − e_{i−1}) / e_{i−1}: one rounding, not two.
    returns.push_back(ratio(static_cast<i128>(curve[i].equity.e8) - prev, prev));
  }
  if (returns_defined) {
    double sum = 0;
    for (double r : returns) sum += r;
    const double mean = sum / static_cast<double>(n);
    double squares = 0;
    for (double r : returns) squares += (r - mean) * (r - mean);
    const double stddev = std::sqrt(squares / static_cast<double>(n - 1));
    if (stddev > 0) {
      p.sharpe =
          mean / stddev * std::sqrt(static_cast<double>(kYearNs) / static_cast<double>(step_ns));
    }
  }

  // Round trips: exact 128-bit sums; ratios from the integers.
  i128 gross_profit = 0, gross_loss = 0;
  for (Amount pnl : trades) {
    if (pnl.is_positive()) {
      ++p.wins;
      gross_profit += pnl.e8;
    } else if (pnl.is_negative()) {
      ++p.losses;
      gross_loss -= pnl.e8;
    }
  }
  p.trades = static_cast<int64_t>(trades.size());
  p.gross_profit = saturate(gross_profit);
  p.gross_loss = saturate(gross_loss);
  if (p.trades > 0) {
    p.win_rate = ratio(p.wins, p.trades);
    // The average of int64 values is within the int64 range.
    p.avg_profit_per_trade = Amount::from_e8(
        static_cast<int64_t>(div_round_half_even(gross_profit - gross_loss, p.trades)));
  }
  if (gross_loss > 0) {
    p.profit_factor = ratio(gross_profit, gross_loss);
  } else if (gross_profit > 0) {
    p.profit_factor = kInf;
  }
  return p;
}

}  // namespace ose
