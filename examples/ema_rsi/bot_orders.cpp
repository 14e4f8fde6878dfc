#include "ema_rsi/bot_orders.hpp"

namespace ose {

namespace {

// n / d rounded toward −∞ (d > 0); n may be negative only in theory (prices are positive).
i128 floor_div(i128 n, i128 d) noexcept {
  const i128 q = n / d;
  return (n % d != 0 && n < 0) ? q - 1 : q;
}

}  // namespace

Price floor_to_tick(Price p, Price tick) noexcept {
  if (!tick.is_positive()) return p;
  return Price::from_e8(static_cast<int64_t>(floor_div(p.e8, tick.e8) * tick.e8));
}

Price ceil_to_tick(Price p, Price tick) noexcept {
  if (!tick.is_positive()) return p;
  return Price::from_e8(
      static_cast<int64_t>(-floor_div(-static_cast<i128>(p.e8), tick.e8) * tick.e8));
}

Qty floor_to_step(Qty q, Qty step) noexcept {
  if (!step.is_positive()) return q;
  return Qty::from_e8(static_cast<int64_t>(floor_div(q.e8, step.e8) * step.e8));
}

Price price_above(Price p, Rate r, Price tick) noexcept {
  // p·(1 + r) in e8, rounded up: ceil(p·(1e8 + r) / 1e8).
  const i128 scaled = static_cast<i128>(p.e8) * (kScale + r.e8);
  const i128 e8 = -floor_div(-scaled, kScale);
  return ceil_to_tick(Price::from_e8(static_cast<int64_t>(e8)), tick);
}

Price price_below(Price p, Rate r, Price tick) noexcept {
  const i128 scaled = static_cast<i128>(p.e8) * (kScale - r.e8);
  return floor_to_tick(Price::from_e8(static_cast<int64_t>(floor_div(scaled, kScale))), tick);
}

std::optional<EntryPlan> plan_entry(const InstrumentRecord& ins, Amount free_quote, Price touch,
                                    const EntryRules& rules) noexcept {
  if (!touch.is_positive() || !free_quote.is_positive()) return std::nullopt;
  EntryPlan plan;
  plan.limit = price_above(touch, rules.max_slippage, ins.tick_size);
  // budget = free · position_size (down); qty = budget / limit (down), on the step grid.
  const i128 budget_e8 =
      floor_div(static_cast<i128>(free_quote.e8) * rules.position_size.e8, kScale);
  const i128 qty_e8 = floor_div(budget_e8 * kScale, plan.limit.e8);
  if (qty_e8 > INT64_MAX) return std::nullopt;
  plan.qty = floor_to_step(Qty::from_e8(static_cast<int64_t>(qty_e8)), ins.step_size);
  if (ins.max_qty.is_positive() && plan.qty > ins.max_qty) {
    plan.qty = floor_to_step(ins.max_qty, ins.step_size);
  }
  if (!plan.qty.is_positive() || plan.qty < ins.min_qty) return std::nullopt;
  const i128 notional_e8 = static_cast<i128>(plan.qty.e8) * plan.limit.e8 / kScale;
  if (notional_e8 < ins.min_notional.e8) return std::nullopt;
  if (rules.stop_loss.is_positive())
    plan.stop_loss = price_below(touch, rules.stop_loss, ins.tick_size);
  if (rules.take_profit.is_positive()) {
    plan.take_profit = price_above(touch, rules.take_profit, ins.tick_size);
  }
  return plan;
}

Price exit_limit(const InstrumentRecord& ins, Price touch, Rate max_slippage) noexcept {
  const Price p = price_below(touch, max_slippage, ins.tick_size);
  return p.is_positive() ? p : ins.tick_size;
}

}  // namespace ose
