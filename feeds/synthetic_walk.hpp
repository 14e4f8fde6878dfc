// A synthetic market for offline runs: per instrument, a mid price on the tick grid that takes
// a random step of up to `max_step_ticks` ticks each tick, quoted `spread_ticks` wide, with a
// last trade at the bid or the ask. Integer arithmetic and a seeded std::mt19937_64 only, so a
// seed gives the same ticks on every machine and build.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/core/command.hpp"
#include "engine/core/fixed_point.hpp"

namespace ose {

struct WalkInstrument {
  uint16_t instrument = 0;     // index in the engine's instrument table
  Price start;                 // initial mid, on the tick grid
  Price tick_size;             // the instrument's tick
  Qty quote_qty;               // bid and ask quantity quoted
  int64_t spread_ticks = 1;    // ask - bid, in ticks (≥ 1)
  int64_t max_step_ticks = 3;  // largest move of the mid per tick, in ticks
};

struct WalkOptions {
  std::vector<WalkInstrument> instruments;
  uint64_t seed = 1;
  int64_t start_ts_ns = 0;
  int64_t interval_ns = 1'000'000;  // between consecutive ticks (over all instruments)
};

class SyntheticWalk {
 public:
  explicit SyntheticWalk(WalkOptions options);

  // The next tick, round-robin over the instruments; its timestamp advances by interval_ns.
  // Never ends (the caller decides how many it wants).
  void next(int64_t& ts_ns, TickCmd& out);

 private:
  WalkOptions options_;
  std::mt19937_64 rng_;
  std::vector<int64_t> mid_ticks_;  // per instrument, the mid in ticks
  size_t cursor_ = 0;
  int64_t ts_ns_;
};

}  // namespace ose
