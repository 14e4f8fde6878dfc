// Exact decimal arithmetic for money: every price, quantity and amount is an int64 count of
// 1e-8 units (DESIGN §3). Price, Qty and Amount are distinct types so that the compiler refuses
// meaningless mixes such as `Price + Qty`; products go through 128-bit intermediates, round
// half-to-even to 1e-8 and report overflow instead of wrapping.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace ose {

// 128-bit intermediates for exact products (GCC/Clang extension; __extension__ keeps
// -Wpedantic quiet about it in exactly these two places).
__extension__ typedef __int128 i128;
__extension__ typedef unsigned __int128 u128;

inline constexpr int64_t kScale = 100'000'000;  // 1e8 units per whole unit
inline constexpr int kDecimals = 8;

// A strong int64 in 1e-8 units. Tag only distinguishes the types; the operators allowed are
// the ones that keep the unit: sums and differences of the same type, negation, comparisons.
template <typename Tag>
struct Fixed {
  int64_t e8 = 0;

  static constexpr Fixed from_e8(int64_t v) noexcept { return Fixed{v}; }
  static constexpr Fixed from_units(int64_t whole) noexcept { return Fixed{whole * kScale}; }

  constexpr bool is_zero() const noexcept { return e8 == 0; }
  constexpr bool is_positive() const noexcept { return e8 > 0; }
  constexpr bool is_negative() const noexcept { return e8 < 0; }

  friend constexpr Fixed operator+(Fixed a, Fixed b) noexcept { return Fixed{a.e8 + b.e8}; }
  friend constexpr Fixed operator-(Fixed a, Fixed b) noexcept { return Fixed{a.e8 - b.e8}; }
  friend constexpr Fixed operator-(Fixed a) noexcept { return Fixed{-a.e8}; }
  constexpr Fixed& operator+=(Fixed b) noexcept {
    e8 += b.e8;
    return *this;
  }
  constexpr Fixed& operator-=(Fixed b) noexcept {
    e8 -= b.e8;
    return *this;
  }
  friend constexpr auto operator<=>(Fixed, Fixed) noexcept = default;
};

struct PriceTag {};
struct QtyTag {};
struct AmountTag {};
struct RateTag {};
using Price = Fixed<PriceTag>;    // quote units per base unit (or per contract's multiplier)
using Qty = Fixed<QtyTag>;        // base units, or contracts for inverse instruments
using Amount = Fixed<AmountTag>;  // an asset amount: balances, PnL, fees, notionals
using Rate = Fixed<RateTag>;      // a dimensionless fraction: fee rate, band, callback rate

template <typename T>
constexpr T abs(T v) noexcept {
  return v.e8 < 0 ? T{-v.e8} : v;
}
template <typename T>
constexpr T min(T a, T b) noexcept {
  return b < a ? b : a;
}
template <typename T>
constexpr T max(T a, T b) noexcept {
  return a < b ? b : a;
}

// ---- raw arithmetic on 1e-8 integers -------------------------------------------------------

// |n| / |d| and the remainder. A divisor that fits 64 bits and a quotient that does too (every
// price, quantity and fee in practice) take one 128-by-64 `div` instruction; the general case
// calls libgcc's 128-bit division, which perf put at a few percent of a fill.
struct DivMod128 {
  u128 q, r;
};
constexpr DivMod128 divmod_u128(u128 n, u128 d) noexcept {
#if defined(__x86_64__)
  const auto hi = static_cast<uint64_t>(n >> 64);
  if (!std::is_constant_evaluated() && (d >> 64) == 0 && hi < static_cast<uint64_t>(d)) {
    uint64_t q = 0;
    uint64_t r = 0;
    // Quotient < 2^64 because hi < d, so `div` cannot fault.
    asm("divq %4"
        : "=a"(q), "=d"(r)
        : "a"(static_cast<uint64_t>(n)), "d"(hi), "rm"(static_cast<uint64_t>(d)));
    return DivMod128{q, r};
  }
#endif
  return DivMod128{n / d, n % d};
}

// n / d rounded half-to-even. d must not be zero.
constexpr i128 div_round_half_even(i128 n, i128 d) noexcept {
  const bool negative = (n < 0) != (d < 0);
  const i128 an = n < 0 ? -n : n;
  const i128 ad = d < 0 ? -d : d;
  const DivMod128 qr = divmod_u128(static_cast<u128>(an), static_cast<u128>(ad));
  i128 q = static_cast<i128>(qr.q);
  const i128 r = static_cast<i128>(qr.r);
  const i128 twice_r = 2 * r;
  if (twice_r > ad || (twice_r == ad && (q & 1) != 0)) ++q;
  return negative ? -q : q;
}

constexpr bool fits_int64(i128 v) noexcept {
  return v >= std::numeric_limits<int64_t>::min() && v <= std::numeric_limits<int64_t>::max();
}

// a·b·num / den in e8 units: (a_e8·b_e8·num) / (1e8·den), rounded half-even. Returns nullopt on
// overflow of the result or of the 128-bit intermediate, or on den == 0.
std::optional<int64_t> mul_div_e8(int64_t a_e8, int64_t b_e8, int64_t num, int64_t den) noexcept;

// a·b in e8 units.
inline std::optional<int64_t> mul_e8(int64_t a_e8, int64_t b_e8) noexcept {
  return mul_div_e8(a_e8, b_e8, 1, 1);
}
// a / b in e8 units: a_e8·1e8 / b_e8.
std::optional<int64_t> div_e8(int64_t a_e8, int64_t b_e8) noexcept;

// Checked sum: nullopt on overflow.
inline std::optional<int64_t> add_e8(int64_t a, int64_t b) noexcept {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// ---- decimal strings (cold path) -----------------------------------------------------------

// Parses "30000.5", "-0.00000001", "1e-3" is refused: plain decimal notation only, at most 8
// fraction digits (more would silently lose money), at most int64 range.
std::optional<int64_t> parse_decimal_e8(std::string_view text) noexcept;

template <typename T>
std::optional<T> parse_fixed(std::string_view text) noexcept {
  auto v = parse_decimal_e8(text);
  if (!v) return std::nullopt;
  return T::from_e8(*v);
}

// Shortest exact form: no trailing fraction zeros, no exponent, "0" for zero.
std::string format_decimal_e8(int64_t e8);
// The same into `out` (not terminated), for callers that format millions of values without
// allocating (ose export); returns the length, at most kMaxDecimalChars.
inline constexpr size_t kMaxDecimalChars = 21;  // "-92233720368.54775808"
size_t format_decimal_e8(int64_t e8, char* out) noexcept;
template <typename T>
std::string to_string(T v) {
  return format_decimal_e8(v.e8);
}

}  // namespace ose
