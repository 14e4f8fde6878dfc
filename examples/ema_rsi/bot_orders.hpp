// The sample strategy's order arithmetic, exact and on the instrument's grids: how much an entry
// buys with a share of the free balance, the limit that lets it cross the spread by at most a
// slippage allowance, and the bracket's stop-loss and take-profit prices. Pure functions, so the
// numbers are testable by hand; `ose-ema-rsi` only sends what these return.
#pragma once

#include <optional>

#include "engine/core/fixed_point.hpp"
#include "engine/core/records.hpp"

namespace ose {

Price floor_to_tick(Price p, Price tick) noexcept;
Price ceil_to_tick(Price p, Price tick) noexcept;
Qty floor_to_step(Qty q, Qty step) noexcept;

// p·(1 + r) rounded up to the tick, and p·(1 − r) rounded down: rounding never narrows a
// slippage allowance or a bracket distance (it may widen it by less than one tick).
Price price_above(Price p, Rate r, Price tick) noexcept;
Price price_below(Price p, Rate r, Price tick) noexcept;

struct EntryPlan {
  Qty qty;
  Price limit;        // a marketable limit: touch · (1 + max_slippage), up to the tick
  Price stop_loss;    // 0 = none
  Price take_profit;  // 0 = none
};

struct EntryRules {
  Rate position_size;  // fraction of the free quote balance to commit
  Rate max_slippage;   // how far through the touch the limit may go
  Rate stop_loss;      // fraction below the touch; 0 = none
  Rate take_profit;    // fraction above the touch; 0 = none
};

// A long entry at `touch` (the ask, or the last price without a book) using
// free_quote · position_size: the quantity is sized at the limit price, so its lock (qty · limit)
// never exceeds that budget; capped at max_qty. Nothing when it would fall below min_qty or
// min_notional.
std::optional<EntryPlan> plan_entry(const InstrumentRecord& ins, Amount free_quote, Price touch,
                                    const EntryRules& rules) noexcept;

// The limit of a sell that closes a long at `touch` (the bid, or the last price).
Price exit_limit(const InstrumentRecord& ins, Price touch, Rate max_slippage) noexcept;

}  // namespace ose
