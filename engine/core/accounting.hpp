// The accounting formulas of DESIGN §4 as pure functions over e8 integers. Each result is
// computed from the exact rational value with a single half-to-even rounding to 1e-8, and
// returns nullopt instead of overflowing. apply() computes every new value first and commits
// only when all of them exist, so an overflow changes nothing.
#pragma once

#include <optional>

#include "engine/core/fixed_point.hpp"
#include "engine/core/records.hpp"

namespace ose {

// Exact num / den with half-even rounding; nullopt if den == 0 or the result leaves int64.
std::optional<int64_t> ratio_e8(i128 num, i128 den) noexcept;
// Checked 128-bit product.
std::optional<i128> mul128(i128 a, i128 b) noexcept;

// Notional in quote units: spot/linear qty·price·multiplier, inverse qty·multiplier.
std::optional<Amount> notional_quote(const InstrumentRecord& ins, Qty qty, Price price) noexcept;

// Value of qty at price in the settle asset: linear qty·price·mult, inverse qty·mult/price.
std::optional<Amount> settle_value(const InstrumentRecord& ins, Qty qty, Price price) noexcept;

// Margin for qty at price and leverage L (DESIGN §4): linear qty·price·mult/L, inverse
// qty·mult/(price·L).
std::optional<Amount> margin_for(const InstrumentRecord& ins, Qty qty, Price price,
                                 int32_t leverage) noexcept;

// amount · part / whole, half-even: the pro-rata share of a reservation released by a fill.
std::optional<Amount> pro_rata(Amount amount, Qty part, Qty whole) noexcept;

// qty · price · (1 + rate) with one rounding: a spot market buy's reservation (multiplier 1).
std::optional<Amount> notional_scaled_up(Qty qty, Price price, Rate rate) noexcept;

// price · (1 + rate), half-even (trailing bounds).
std::optional<Price> scale_up(Price price, Rate rate) noexcept;
std::optional<Price> scale_down(Price price, Rate rate) noexcept;  // price · (1 − rate)

struct NettingResult {
  Qty size;
  Price avg;
  Amount realized;  // this fill's gross realized PnL, settle units
  Qty closed;       // min(|d|, |q|) when the fill was opposite, else 0
};

// Netting update of a position (size q, avg) by a signed fill d at price p (DESIGN §4).
std::optional<NettingResult> net_fill(InstrumentKind kind, Rate multiplier, Qty size, Price avg,
                                      Qty signed_fill, Price price) noexcept;

// Unrealized PnL at mark: linear q·(mark − avg)·mult; inverse q·mult·(1/avg − 1/mark).
std::optional<Amount> unrealized_pnl(InstrumentKind kind, Rate multiplier, Qty size, Price avg,
                                     Price mark) noexcept;

// Isolated liquidation price: long avg·(1 − 1/L)/(1 − m), short avg·(1 + 1/L)/(1 + m).
std::optional<Price> liquidation_price(Qty size, Price avg, int32_t leverage,
                                       Rate maintenance) noexcept;

// True when v is a whole multiple of step (step > 0).
constexpr bool is_multiple(int64_t v, int64_t step) noexcept {
  return v % step == 0;
}

}  // namespace ose
