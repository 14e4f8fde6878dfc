#include "engine/formats/toml_decimal.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <system_error>

#include "engine/core/fixed_point.hpp"

namespace ose::formats {

namespace {

constexpr int kMaxFloatDigits = 15;  // DBL_DIG: decimal → double → shortest decimal is exact

int significant_digits(std::string_view text) {
  int digits = 0;
  bool leading = true;
  for (char ch : text) {
    if (ch < '0' || ch > '9') continue;
    if (leading && ch == '0') continue;
    leading = false;
    ++digits;
  }
  // Trailing zeros of an integer part ("1000") are significant to the count but harmless: a
  // float that large with so few digits is exact anyway, so counting them only errs strict.
  return digits;
}

}  // namespace

Result<std::string> toml_decimal_text(const toml::node& node) {
  if (auto i = node.value_exact<int64_t>()) return fmt::format("{}", *i);
  if (auto s = node.value_exact<std::string>()) return *s;
  if (auto f = node.value_exact<double>()) {
    if (!std::isfinite(*f)) return Error{"must be a finite number"};
    // Shortest text that reads back as the same double, in plain notation (parse_decimal_e8
    // takes no exponent). The largest double needs 309 digits; a buffer that long is enough.
    char buf[400];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *f, std::chars_format::fixed);
    if (ec != std::errc{}) return Error{"out of range"};
    std::string text(buf, end);
    if (significant_digits(text) > kMaxFloatDigits) {
      return Error{fmt::format(
          "{} has more digits than a float keeps exactly; write it as a string, e.g. \"{}\"", text,
          text)};
    }
    return text;
  }
  return Error{"expected a decimal string such as \"0.01\", an integer or a number"};
}

Result<int64_t> toml_decimal_e8(const toml::node& node) {
  auto text = toml_decimal_text(node);
  if (!text) return Error{text.error()};
  if (node.is_integer()) {
    const int64_t i = *node.value_exact<int64_t>();
    if (i > INT64_MAX / kScale || i < INT64_MIN / kScale) return Error{"out of range"};
    return i * kScale;
  }
  auto v = parse_decimal_e8(*text);
  if (!v) {
    return Error{fmt::format("'{}' is not a decimal with at most 8 fraction digits", *text)};
  }
  return *v;
}

}  // namespace ose::formats
