#include "engine/core/fixed_point.hpp"

namespace ose {

namespace {
constexpr i128 kInt128Max = static_cast<i128>((~static_cast<u128>(0)) >> 1);
}  // namespace

std::optional<int64_t> mul_div_e8(int64_t a_e8, int64_t b_e8, int64_t num, int64_t den) noexcept {
  if (den == 0) return std::nullopt;
  // |a·b| < 2^126, so the first product cannot overflow; the factor num may.
  i128 n = static_cast<i128>(a_e8) * b_e8;
  if (num != 1) {
    const i128 an = n < 0 ? -n : n;
    const i128 anum = num < 0 ? -static_cast<i128>(num) : num;
    if (anum != 0 && an > kInt128Max / anum) return std::nullopt;
    n *= num;
  }
  const i128 d = static_cast<i128>(kScale) * den;
  const i128 q = div_round_half_even(n, d);
  if (!fits_int64(q)) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::optional<int64_t> div_e8(int64_t a_e8, int64_t b_e8) noexcept {
  if (b_e8 == 0) return std::nullopt;
  const i128 q = div_round_half_even(static_cast<i128>(a_e8) * kScale, b_e8);
  if (!fits_int64(q)) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::optional<int64_t> parse_decimal_e8(std::string_view text) noexcept {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  }
  i128 whole = 0;
  int whole_digits = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    whole = whole * 10 + (text[i] - '0');
    if (whole > static_cast<i128>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    ++whole_digits;
    ++i;
  }
  int64_t frac = 0;
  int frac_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (frac_digits == kDecimals) return std::nullopt;  // would need rounding: refuse
      frac = frac * 10 + (text[i] - '0');
      ++frac_digits;
      ++i;
    }
  }
  if (i != text.size() || (whole_digits == 0 && frac_digits == 0)) return std::nullopt;
  for (int k = frac_digits; k < kDecimals; ++k) frac *= 10;
  const i128 magnitude = whole * kScale + frac;
  const i128 value = negative ? -magnitude : magnitude;
  if (!fits_int64(value)) return std::nullopt;
  return static_cast<int64_t>(value);
}

std::string format_decimal_e8(int64_t e8) {
  // Work in unsigned so that INT64_MIN formats correctly.
  const bool negative = e8 < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(0) - static_cast<uint64_t>(e8) : static_cast<uint64_t>(e8);
  const uint64_t whole = magnitude / static_cast<uint64_t>(kScale);
  uint64_t frac = magnitude % static_cast<uint64_t>(kScale);
  std::string out;
  if (negative) out.push_back('-');
  out += std::to_string(whole);
  if (frac != 0) {
    char digits[kDecimals];
    for (int k = kDecimals - 1; k >= 0; --k) {
      digits[k] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int len = kDecimals;
    while (len > 0 && digits[len - 1] == '0') --len;
    out.push_back('.');
    out.append(digits, static_cast<size_t>(len));
  }
  return out;
}

}  // namespace ose
