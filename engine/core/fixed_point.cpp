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

size_t format_decimal_e8(int64_t e8, char* out) noexcept {
  // Work in unsigned so that INT64_MIN formats correctly.
  const bool negative = e8 < 0;
  const uint64_t magnitude =
      negative ? static_cast<uint64_t>(0) - static_cast<uint64_t>(e8) : static_cast<uint64_t>(e8);
  uint64_t whole = magnitude / static_cast<uint64_t>(kScale);
  uint64_t frac = magnitude % static_cast<uint64_t>(kScale);
  size_t n = 0;
  if (negative) out[n++] = '-';
  char digits[20];  // the whole part, least significant first
  int w = 0;
  do {
    digits[w++] = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  while (w > 0) out[n++] = digits[--w];
  if (frac != 0) {
    int len = kDecimals;
    while (frac % 10 == 0) {  // trailing zeros dropped
      frac /= 10;
      --len;
    }
    out[n++] = '.';
    for (int k = len - 1; k >= 0; --k) {
      out[n + static_cast<size_t>(k)] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    n += static_cast<size_t>(len);
  }
  return n;
}

std::string format_decimal_e8(int64_t e8) {
  char buf[kMaxDecimalChars];
  return std::string(buf, format_decimal_e8(e8, buf));
}

}  // namespace ose
