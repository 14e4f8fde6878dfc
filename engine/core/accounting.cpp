#include "engine/core/accounting.hpp"

namespace ose {

namespace {
constexpr i128 kE8 = kScale;
constexpr i128 kE16 = kE8 * kE8;
}  // namespace

std::optional<i128> mul128(i128 a, i128 b) noexcept {
  i128 out = 0;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<int64_t> ratio_e8(i128 num, i128 den) noexcept {
  if (den == 0) return std::nullopt;
  const i128 q = div_round_half_even(num, den);
  if (!fits_int64(q)) return std::nullopt;
  return static_cast<int64_t>(q);
}

namespace {
// a·b·c / den, exact in 128 bits, one rounding.
std::optional<int64_t> mul3_div(i128 a, i128 b, i128 c, i128 den) noexcept {
  auto ab = mul128(a, b);
  if (!ab) return std::nullopt;
  auto abc = mul128(*ab, c);
  if (!abc) return std::nullopt;
  return ratio_e8(*abc, den);
}
}  // namespace

std::optional<Amount> notional_quote(const InstrumentRecord& ins, Qty qty, Price price) noexcept {
  std::optional<int64_t> v;
  if (ins.kind == InstrumentKind::kInverse) {
    v = ratio_e8(static_cast<i128>(qty.e8) * ins.multiplier.e8, kE8);
  } else {
    v = mul3_div(qty.e8, price.e8, ins.multiplier.e8, kE16);
  }
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Amount> settle_value(const InstrumentRecord& ins, Qty qty, Price price) noexcept {
  if (ins.kind != InstrumentKind::kInverse) return notional_quote(ins, qty, price);
  // qty·mult/price: e8·e8/e8 → e8.
  auto v = ratio_e8(static_cast<i128>(qty.e8) * ins.multiplier.e8, price.e8);
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Amount> margin_for(const InstrumentRecord& ins, Qty qty, Price price,
                                 int32_t leverage) noexcept {
  if (leverage <= 0 || price.e8 <= 0) return std::nullopt;
  std::optional<int64_t> v;
  if (ins.kind == InstrumentKind::kInverse) {
    v = ratio_e8(static_cast<i128>(qty.e8) * ins.multiplier.e8,
                 static_cast<i128>(price.e8) * leverage);
  } else {
    v = mul3_div(qty.e8, price.e8, ins.multiplier.e8, kE16 * leverage);
  }
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Amount> pro_rata(Amount amount, Qty part, Qty whole) noexcept {
  auto v = ratio_e8(static_cast<i128>(amount.e8) * part.e8, whole.e8);
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Amount> notional_scaled_up(Qty qty, Price price, Rate rate) noexcept {
  auto v = mul3_div(qty.e8, price.e8, kE8 + rate.e8, kE16);
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Price> scale_up(Price price, Rate rate) noexcept {
  auto v = ratio_e8(static_cast<i128>(price.e8) * (kE8 + rate.e8), kE8);
  if (!v) return std::nullopt;
  return Price::from_e8(*v);
}

std::optional<Price> scale_down(Price price, Rate rate) noexcept {
  auto v = ratio_e8(static_cast<i128>(price.e8) * (kE8 - rate.e8), kE8);
  if (!v) return std::nullopt;
  return Price::from_e8(*v);
}

std::optional<NettingResult> net_fill(InstrumentKind kind, Rate multiplier, Qty size, Price avg,
                                      Qty signed_fill, Price price) noexcept {
  const i128 q = size.e8;
  const i128 d = signed_fill.e8;
  const i128 aq = q < 0 ? -q : q;
  const i128 ad = d < 0 ? -d : d;
  const i128 a = avg.e8;
  const i128 p = price.e8;
  const i128 m = multiplier.e8;
  NettingResult r{};
  if (q == 0 || (q > 0) == (d > 0)) {
    const i128 total = aq + ad;
    if (!fits_int64(q + d)) return std::nullopt;
    r.size = Qty::from_e8(static_cast<int64_t>(q + d));
    std::optional<int64_t> new_avg;
    if (q == 0) {
      new_avg = static_cast<int64_t>(p);
    } else if (kind == InstrumentKind::kInverse) {
      // Harmonic: (|q|+|d|)·avg·p / (|q|·p + |d|·avg).
      auto num = mul128(total, a);
      if (num) num = mul128(*num, p);
      if (!num) return std::nullopt;
      new_avg = ratio_e8(*num, aq * p + ad * a);
    } else {
      // Linear: (|q|·avg + |d|·p) / (|q|+|d|).
      new_avg = ratio_e8(aq * a + ad * p, total);
    }
    if (!new_avg) return std::nullopt;
    r.avg = Price::from_e8(*new_avg);
    return r;
  }
  // Opposite direction: close c = min(|d|, |q|), the rest opens at p.
  const i128 c = ad < aq ? ad : aq;
  const i128 sign_q = q > 0 ? 1 : -1;
  std::optional<int64_t> realized;
  if (kind == InstrumentKind::kInverse) {
    // c·mult·(1/avg − 1/p)·sign(q) = c·mult·(p − avg)·sign(q) / (avg·p).
    auto num = mul128(c * m, (p - a) * sign_q);
    if (!num) return std::nullopt;
    realized = ratio_e8(*num, a * p);
  } else {
    // c·(p − avg)·sign(q)·mult.
    realized = mul3_div(c, (p - a) * sign_q, m, kE16);
  }
  if (!realized) return std::nullopt;
  r.realized = Amount::from_e8(*realized);
  r.closed = Qty::from_e8(static_cast<int64_t>(c));
  if (ad < aq) {
    r.size = Qty::from_e8(static_cast<int64_t>(q + d));
    r.avg = avg;
  } else if (ad == aq) {
    r.size = Qty{};
    r.avg = Price{};
  } else {
    r.size = Qty::from_e8(static_cast<int64_t>(q + d));
    r.avg = price;
  }
  return r;
}

std::optional<Amount> unrealized_pnl(InstrumentKind kind, Rate multiplier, Qty size, Price avg,
                                     Price mark) noexcept {
  if (size.is_zero() || avg.e8 <= 0 || mark.e8 <= 0) return Amount{};
  std::optional<int64_t> v;
  if (kind == InstrumentKind::kInverse) {
    // |q|·mult·(1/avg − 1/mark)·sign(q) = q·mult·(mark − avg) / (avg·mark).
    auto num =
        mul128(static_cast<i128>(size.e8) * multiplier.e8, static_cast<i128>(mark.e8) - avg.e8);
    if (!num) return std::nullopt;
    v = ratio_e8(*num, static_cast<i128>(avg.e8) * mark.e8);
  } else {
    v = mul3_div(size.e8, static_cast<i128>(mark.e8) - avg.e8, multiplier.e8, kE16);
  }
  if (!v) return std::nullopt;
  return Amount::from_e8(*v);
}

std::optional<Price> liquidation_price(Qty size, Price avg, int32_t leverage,
                                       Rate maintenance) noexcept {
  if (size.is_zero() || leverage <= 0) return Price{};
  const i128 L = leverage;
  const i128 a = avg.e8;
  std::optional<int64_t> v;
  if (size.is_positive()) {
    // avg·(1 − 1/L)/(1 − m) = avg·(L − 1)·1e8 / (L·(1e8 − m)).
    v = ratio_e8(a * (L - 1) * kE8, L * (kE8 - maintenance.e8));
  } else {
    v = ratio_e8(a * (L + 1) * kE8, L * (kE8 + maintenance.e8));
  }
  if (!v) return std::nullopt;
  return Price::from_e8(*v);
}

}  // namespace ose
