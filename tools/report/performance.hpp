// The arithmetic of a strategy's performance report: an equity curve sampled on a fixed grid of
// input time, the round trips of one strategy on one instrument, and the figures computed from
// them (return, drawdown, Sharpe, win rate, profit factor). Pure and without I/O, so that the
// report's numbers can be checked by hand in tests. Money stays exact (Amount, integer 1e-8
// units) wherever it is a sum; only ratios are doubles, each computed once from the integers.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "engine/core/fixed_point.hpp"

namespace ose {

struct EquityPoint {
  int64_t ts_ns = 0;  // input time
  Amount equity;      // settle units
};

// Samples an equity series (observed after every input that may move it) on a fixed grid of
// input time, so per-period returns are comparable: the Sharpe ratio needs equal periods.
//
// The first observation (t0, e0) is the first point. Point k ≥ 1 has ts = t0 + k·step and holds
// the latest equity observed at a ts ≤ that boundary. A boundary is emitted once an observation
// with ts > boundary arrives (so an observation exactly on a boundary counts for it), one point
// per boundary passed: a gap of several steps gives flat points. finish() appends the last
// observation as a final, possibly partial, period.
class EquityCurve {
 public:
  explicit EquityCurve(int64_t step_ns);  // step_ns > 0 (a smaller value is taken as 1)

  // ts non-decreasing; an older ts is treated as equal to the last one. Ignored after finish().
  void observe(int64_t ts_ns, Amount equity);
  // Closes the curve: appends (last observed ts, last equity) when that ts is after the last
  // point's ts. Idempotent; with no observations the curve stays empty.
  void finish();

  const std::vector<EquityPoint>& points() const noexcept { return points_; }
  int64_t step_ns() const noexcept { return step_ns_; }

 private:
  int64_t step_ns_;
  std::vector<EquityPoint> points_;
  int64_t next_boundary_ns_ = 0;  // t0 + k·step of the next point to emit
  int64_t last_ts_ns_ = 0;        // latest observation (valid once points_ is non-empty)
  Amount last_equity_;
  bool finished_ = false;
};

// Round trips of one strategy on one instrument. A trade opens when the position leaves zero and
// closes when it returns to zero; a fill that flips the sign closes one trade and opens the next
// at that fill. Its PnL is the change in net = realized PnL − fees (settle units) from just before
// its opening fill to just after its closing fill, so the entry fee counts. For a flip, the
// closed trade's PnL is net_after − net at its open, and the new trade's baseline is net_after
// (the flip's fee is charged to the closed trade). The position starts flat.
class RoundTrips {
 public:
  // One fill of this strategy on this instrument: the signed position size after it and the net
  // before and after it.
  void on_fill(Qty size_after, Amount net_before, Amount net_after);

  const std::vector<Amount>& closed() const noexcept { return closed_; }  // PnL per trade
  bool open() const noexcept { return !size_.is_zero(); }                 // a trade is in progress

 private:
  Qty size_;         // signed position after the last fill
  Amount open_net_;  // net just before the open trade's opening fill (or after a flip)
  std::vector<Amount> closed_;
};

struct Performance {
  Amount capital;       // the starting equity the return is measured against
  Amount final_equity;  // last curve point (capital when the curve is empty)
  Amount net_profit;    // final_equity − capital
  int64_t span_ns = 0;  // last point ts − first point ts
  // net_profit / capital; NaN when capital <= 0 (no base to measure against).
  double total_return = 0;
  // (1 + total_return)^(kYearNs / span) − 1; NaN when span == 0 or capital <= 0; −1 when
  // 1 + total_return <= 0 (equity wiped out). +inf when it overflows a double (short spans).
  double annualised_return = std::numeric_limits<double>::quiet_NaN();
  // Largest (peak − equity) / peak over the curve; peak = running max of the points, starting at
  // the first point. Only where peak > 0 (a fraction of a non-positive peak means nothing).
  double max_drawdown = 0;
  Amount max_drawdown_amount;  // largest peak − equity (absolute), same walk
  // mean / sample stddev (n − 1) of the returns between consecutive points (r_i = e_i / e_{i−1}
  // − 1), × sqrt(kYearNs / step_ns); risk-free rate 0. NaN with fewer than 2 returns, stddev 0,
  // or an e_{i−1} <= 0 (the return is undefined). The last return may cover a partial period.
  // Computed over any span; whether it means anything is sharpe_is_meaningful()'s call.
  double sharpe = std::numeric_limits<double>::quiet_NaN();
  int64_t returns = 0;  // n: periods between consecutive curve points (points − 1, or 0)
  // Closed round trips; win: PnL > 0, loss: PnL < 0 (0 is neither).
  int64_t trades = 0, wins = 0, losses = 0;
  double win_rate = std::numeric_limits<double>::quiet_NaN();  // wins / trades; NaN without trades
  // Σ winning PnL, Σ |losing PnL| (both ≥ 0; saturate at the int64 range, which no account
  // reaches; the ratios below use the exact 128-bit sums).
  Amount gross_profit, gross_loss;
  // gross_profit / gross_loss; +inf when gross_loss == 0 and gross_profit > 0; NaN when both 0.
  double profit_factor = std::numeric_limits<double>::quiet_NaN();
  Amount avg_profit_per_trade;  // Σ PnL / trades, rounded half to even at 1e-8; 0 without trades
};

inline constexpr int64_t kYearNs = 365LL * 86400 * 1'000'000'000;  // crypto trades every day
inline constexpr int64_t kDayNs = 86'400'000'000'000;

// When an annualised figure says something. Both are computed over any span (the JSON report
// carries them); the text report shows them only past these thresholds and says why otherwise.
//
// Annualised return: compounding a short span up to a year blows any move up (0.1 % in an hour
// becomes about +635,000 %), so it needs at least a day of input time.
inline constexpr int64_t kMinAnnualisedSpanNs = kDayNs;
// Sharpe ratio: the mean and standard deviation of per-period returns, scaled by
// sqrt(periods per year). Over a 30 s run that scale is ~5600 and the estimate rests on one
// burst of trading, so it prints figures like -3072. It needs at least a day of input time (as
// the annualised return: a day is the shortest span that covers the market's daily cycle) and at
// least 30 returns (below that the sample standard deviation is mostly noise; with `--step 3600`
// a day gives only 24).
inline constexpr int64_t kMinSharpeSpanNs = kDayNs;
inline constexpr int64_t kMinSharpeReturns = 30;

inline bool annualised_return_is_meaningful(const Performance& p) noexcept {
  return p.span_ns >= kMinAnnualisedSpanNs;
}
// Span and count only: a meaningful Sharpe ratio may still be NaN (a flat curve).
inline bool sharpe_is_meaningful(const Performance& p) noexcept {
  return p.span_ns >= kMinSharpeSpanNs && p.returns >= kMinSharpeReturns;
}

// `curve` as built by EquityCurve (ts increasing, equal steps of step_ns except maybe the last);
// `trades` the PnL of closed round trips, as from RoundTrips::closed().
Performance measure_performance(Amount capital, std::span<const EquityPoint> curve,
                                std::span<const Amount> trades, int64_t step_ns);

}  // namespace ose
