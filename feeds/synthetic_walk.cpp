#include "feeds/synthetic_walk.hpp"

#include <algorithm>

namespace ose {

SyntheticWalk::SyntheticWalk(WalkOptions options)
    : options_(std::move(options)), rng_(options_.seed), ts_ns_(options_.start_ts_ns) {
  for (WalkInstrument& w : options_.instruments) {
    w.spread_ticks = std::max<int64_t>(w.spread_ticks, 1);
    w.max_step_ticks = std::max<int64_t>(w.max_step_ticks, 0);
    const int64_t tick = std::max<int64_t>(w.tick_size.e8, 1);
    mid_ticks_.push_back(std::max<int64_t>(w.start.e8 / tick, w.spread_ticks + 1));
  }
}

void SyntheticWalk::next(int64_t& ts_ns, TickCmd& out) {
  out = TickCmd{};
  ts_ns = ts_ns_;
  ts_ns_ += options_.interval_ns;
  if (options_.instruments.empty()) return;
  const WalkInstrument& w = options_.instruments[cursor_];
  int64_t& mid = mid_ticks_[cursor_];
  cursor_ = (cursor_ + 1) % options_.instruments.size();

  // A uniform step in [-max, +max] ticks; the price stays above the spread (bid ≥ 1 tick).
  const uint64_t span = static_cast<uint64_t>(2 * w.max_step_ticks + 1);
  const int64_t step = static_cast<int64_t>(rng_() % span) - w.max_step_ticks;
  mid = std::max<int64_t>(mid + step, w.spread_ticks + 1);
  const int64_t tick = std::max<int64_t>(w.tick_size.e8, 1);
  const int64_t bid_ticks = mid - w.spread_ticks / 2;
  const int64_t ask_ticks = bid_ticks + w.spread_ticks;
  const bool buyer_initiated = (rng_() & 1) != 0;

  out.instrument = w.instrument;
  out.fields = kTickBid | kTickAsk | kTickBidQty | kTickAskQty | kTickLast | kTickVolume;
  out.bid = Price::from_e8(bid_ticks * tick);
  out.ask = Price::from_e8(ask_ticks * tick);
  out.bid_qty = w.quote_qty;
  out.ask_qty = w.quote_qty;
  out.last = buyer_initiated ? out.ask : out.bid;
  out.volume = w.quote_qty;
}

}  // namespace ose
