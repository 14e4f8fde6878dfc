// Fixed-point money (DESIGN §3, docs/design/0001): exact decimal strings both ways, one
// half-to-even rounding per product or quotient, overflow reported instead of wrapping, and
// strong types that keep units apart. Every expected value below is worked out by hand.
#include "engine/core/fixed_point.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace ose {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();  //  9223372036854775807
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();  // -9223372036854775808

// ---- parse_decimal_e8 ----------------------------------------------------------------------

TEST(FixedPoint, ParsesPlainDecimalsExactly) {
  EXPECT_EQ(parse_decimal_e8("30000.5"), std::optional<int64_t>(3'000'050'000'000));
  EXPECT_EQ(parse_decimal_e8("-0.00000001"), std::optional<int64_t>(-1));
  EXPECT_EQ(parse_decimal_e8("0.00000001"), std::optional<int64_t>(1));
  EXPECT_EQ(parse_decimal_e8("0"), std::optional<int64_t>(0));
  EXPECT_EQ(parse_decimal_e8("1"), std::optional<int64_t>(100'000'000));
  EXPECT_EQ(parse_decimal_e8("0.01"), std::optional<int64_t>(1'000'000));
  EXPECT_EQ(parse_decimal_e8("0.00001"), std::optional<int64_t>(1'000));
  EXPECT_EQ(parse_decimal_e8("9000"), std::optional<int64_t>(900'000'000'000));
  EXPECT_EQ(parse_decimal_e8("0.12345678"), std::optional<int64_t>(12'345'678));
  EXPECT_EQ(parse_decimal_e8("-1.5"), std::optional<int64_t>(-150'000'000));
}

TEST(FixedPoint, ParsesSignsAndLeadingZeros) {
  EXPECT_EQ(parse_decimal_e8("+2.25"), std::optional<int64_t>(225'000'000));
  EXPECT_EQ(parse_decimal_e8("-0"), std::optional<int64_t>(0));
  EXPECT_EQ(parse_decimal_e8("007.50"), std::optional<int64_t>(750'000'000));
  EXPECT_EQ(parse_decimal_e8("1.10000000"), std::optional<int64_t>(110'000'000));
}

TEST(FixedPoint, AcceptsAMissingWholeOrFractionPartButNotBoth) {
  // As implemented: "1." and ".5" are accepted, a lone point or sign is not.
  EXPECT_EQ(parse_decimal_e8("1."), std::optional<int64_t>(100'000'000));
  EXPECT_EQ(parse_decimal_e8(".5"), std::optional<int64_t>(50'000'000));
  EXPECT_EQ(parse_decimal_e8("-.5"), std::optional<int64_t>(-50'000'000));
  EXPECT_EQ(parse_decimal_e8("."), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("-."), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("-"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("+"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8(""), std::nullopt);
}

TEST(FixedPoint, RefusesNineFractionDigitsInsteadOfRounding) {
  EXPECT_EQ(parse_decimal_e8("0.000000001"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("0.123456789"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("-1.000000005"), std::nullopt);
  // Even a trailing zero that would not change the value is a ninth digit.
  EXPECT_EQ(parse_decimal_e8("1.000000000"), std::nullopt);
}

TEST(FixedPoint, RefusesExponentNotation) {
  EXPECT_EQ(parse_decimal_e8("1e-3"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("1E5"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("2.5e1"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("1e0"), std::nullopt);
}

TEST(FixedPoint, RefusesGarbage) {
  for (const char* text : {"abc", "1.2.3", " 1", "1 ", "1,5", "--1", "+-1", "0x10", "nan", "inf",
                           "1_000", "1.5x", "$5", "1-"}) {
    EXPECT_EQ(parse_decimal_e8(text), std::nullopt) << "input: '" << text << "'";
  }
}

TEST(FixedPoint, ParsesTheExtremesOfInt64) {
  EXPECT_EQ(parse_decimal_e8("92233720368.54775807"), std::optional<int64_t>(kMax));
  EXPECT_EQ(parse_decimal_e8("-92233720368.54775808"), std::optional<int64_t>(kMin));
  EXPECT_EQ(parse_decimal_e8("-92233720368.54775807"), std::optional<int64_t>(kMin + 1));
}

TEST(FixedPoint, RefusesValuesBeyondInt64) {
  EXPECT_EQ(parse_decimal_e8("92233720368.54775808"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("-92233720368.54775809"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("92233720369"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("9223372036854775807"), std::nullopt);  // INT64_MAX whole units
  EXPECT_EQ(parse_decimal_e8("9223372036854775808"), std::nullopt);
  EXPECT_EQ(parse_decimal_e8("99999999999999999999999999999999999999999"), std::nullopt);
}

// ---- format_decimal_e8 ---------------------------------------------------------------------

TEST(FixedPoint, FormatsTheShortestExactForm) {
  EXPECT_EQ(format_decimal_e8(3'000'050'000'000), "30000.5");
  EXPECT_EQ(format_decimal_e8(-1), "-0.00000001");
  EXPECT_EQ(format_decimal_e8(1), "0.00000001");
  EXPECT_EQ(format_decimal_e8(0), "0");
  EXPECT_EQ(format_decimal_e8(100'000'000), "1");
  EXPECT_EQ(format_decimal_e8(-100'000'000), "-1");
  EXPECT_EQ(format_decimal_e8(1'000'000), "0.01");
  EXPECT_EQ(format_decimal_e8(10), "0.0000001");
  EXPECT_EQ(format_decimal_e8(12'345'678), "0.12345678");
  EXPECT_EQ(format_decimal_e8(-150'000'000), "-1.5");
  EXPECT_EQ(format_decimal_e8(900'000'000'000), "9000");
  EXPECT_EQ(format_decimal_e8(100'000'001), "1.00000001");
}

TEST(FixedPoint, FormatsInt64MaxAndMin) {
  EXPECT_EQ(format_decimal_e8(kMax), "92233720368.54775807");
  EXPECT_EQ(format_decimal_e8(kMin), "-92233720368.54775808");
  EXPECT_EQ(format_decimal_e8(kMin + 1), "-92233720368.54775807");
}

TEST(FixedPoint, RoundTripsEveryFormattedValue) {
  for (int64_t v :
       {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{10}, int64_t{99'999'999}, int64_t{100'000'000},
        int64_t{-123'456'789'012}, int64_t{3'000'050'000'000}, kMax, kMin, kMax - 1, kMin + 1}) {
    EXPECT_EQ(parse_decimal_e8(format_decimal_e8(v)), std::optional<int64_t>(v)) << v;
  }
  for (const char* text : {"30000.5", "-0.00000001", "0", "0.01", "92233720368.54775807",
                           "-92233720368.54775808", "1.00000001"}) {
    const auto v = parse_decimal_e8(text);
    ASSERT_TRUE(v.has_value()) << text;
    EXPECT_EQ(format_decimal_e8(*v), text);
  }
}

// ---- rounding ------------------------------------------------------------------------------

TEST(FixedPoint, DivRoundHalfEvenRoundsTiesToTheEvenNeighbour) {
  static_assert(div_round_half_even(5, 2) == 2);    // 2.5  -> 2
  static_assert(div_round_half_even(7, 2) == 4);    // 3.5  -> 4
  static_assert(div_round_half_even(-5, 2) == -2);  // -2.5 -> -2
  static_assert(div_round_half_even(-7, 2) == -4);  // -3.5 -> -4
  static_assert(div_round_half_even(5, -2) == -2);
  static_assert(div_round_half_even(-5, -2) == 2);
  static_assert(div_round_half_even(1, 2) == 0);    // 0.5 -> 0
  static_assert(div_round_half_even(-1, 2) == 0);   // -0.5 -> 0
  static_assert(div_round_half_even(3, 2) == 2);    // 1.5 -> 2
  static_assert(div_round_half_even(1, 3) == 0);    // 0.33 -> 0
  static_assert(div_round_half_even(2, 3) == 1);    // 0.67 -> 1
  static_assert(div_round_half_even(-2, 3) == -1);  // -0.67 -> -1
  static_assert(div_round_half_even(0, 7) == 0);
  static_assert(div_round_half_even(12, 4) == 3);
  SUCCEED();
}

// The 64-bit `div` fast path and the general 128-bit division must agree everywhere: the
// boundaries where the fast path stops applying (a divisor of 2^64 or more, a high word equal to
// the divisor) and random operands of every magnitude, against the plain 128-bit operators.
TEST(FixedPoint, DivModAgreesWithPlain128BitDivisionOnBothPaths) {
  const u128 two64 = u128{1} << 64;
  std::vector<std::pair<u128, u128>> cases = {{0, 1},
                                              {1, 1},
                                              {two64 - 1, 1},
                                              {two64, 1},
                                              {two64 * 5 + 3, 7},
                                              {two64 * 6, 6},
                                              {two64 * 6 - 1, 6},
                                              {two64 * 7, 6},
                                              {two64 + 17, two64},
                                              {~u128{0} >> 1, 3},
                                              {~u128{0} >> 1, two64 + 1},
                                              {u128{123456789} * 100'000'000, 100'000'000}};
  uint64_t x = 0x9e3779b97f4a7c15ull;
  const auto next = [&] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  for (int i = 0; i < 200'000; ++i) {
    const int shift_n = static_cast<int>(next() % 127);
    const int shift_d = static_cast<int>(next() % 100);
    const u128 n = ((u128{next()} << 64) | next()) >> shift_n;
    const u128 d = (((u128{next()} << 64) | next()) >> (shift_d + 27)) | 1;
    cases.emplace_back(n, d);
  }
  for (const auto& [n, d] : cases) {
    const DivMod128 got = divmod_u128(n, d);
    ASSERT_TRUE(got.q == n / d && got.r == n % d)
        << "n = " << static_cast<uint64_t>(n >> 64) << ":" << static_cast<uint64_t>(n)
        << " d = " << static_cast<uint64_t>(d >> 64) << ":" << static_cast<uint64_t>(d);
  }
}

TEST(FixedPoint, MulRoundsHalfToEvenOnTies) {
  const int64_t half = 50'000'000;  // 0.5
  // 0.00000003 × 0.5 = 0.000000015 -> 0.00000002 (the example of docs/design/0001)
  EXPECT_EQ(mul_e8(3, half), std::optional<int64_t>(2));
  // 0.00000005 × 0.5 = 0.000000025 -> 0.00000002
  EXPECT_EQ(mul_e8(5, half), std::optional<int64_t>(2));
  // 0.00000007 × 0.5 = 0.000000035 -> 0.00000004
  EXPECT_EQ(mul_e8(7, half), std::optional<int64_t>(4));
  // 0.00000001 × 0.5 = 0.000000005 -> 0
  EXPECT_EQ(mul_e8(1, half), std::optional<int64_t>(0));
}

TEST(FixedPoint, MulRoundsNegativeTiesHalfToEven) {
  const int64_t half = 50'000'000;
  EXPECT_EQ(mul_e8(-3, half), std::optional<int64_t>(-2));  // -0.000000015 -> -0.00000002
  EXPECT_EQ(mul_e8(-5, half), std::optional<int64_t>(-2));  // -0.000000025 -> -0.00000002
  EXPECT_EQ(mul_e8(5, -half), std::optional<int64_t>(-2));  // sign on the other factor
  EXPECT_EQ(mul_e8(-7, -half), std::optional<int64_t>(4));  // two negatives: +0.000000035
  EXPECT_EQ(mul_e8(-1, half), std::optional<int64_t>(0));   // -0.000000005 -> 0
}

TEST(FixedPoint, MulRoundsNonTiesToTheNearest) {
  EXPECT_EQ(mul_e8(3, 60'000'000), std::optional<int64_t>(2));    // 0.000000018 -> 2e-8
  EXPECT_EQ(mul_e8(3, 40'000'000), std::optional<int64_t>(1));    // 0.000000012 -> 1e-8
  EXPECT_EQ(mul_e8(-3, 40'000'000), std::optional<int64_t>(-1));  // -0.000000012 -> -1e-8
  EXPECT_EQ(mul_e8(-3, 60'000'000), std::optional<int64_t>(-2));  // -0.000000018 -> -2e-8
  EXPECT_EQ(mul_e8(1, 50'000'001), std::optional<int64_t>(1));    // just above the tie
  EXPECT_EQ(mul_e8(1, 49'999'999), std::optional<int64_t>(0));    // just below the tie
}

TEST(FixedPoint, MulIsExactWhenTheProductFits) {
  EXPECT_EQ(mul_e8(200'000'000, 300'000'000), std::optional<int64_t>(600'000'000));  // 2 × 3
  // 30000.5 × 0.001 = 30.0005
  EXPECT_EQ(mul_e8(3'000'050'000'000, 100'000), std::optional<int64_t>(3'000'050'000));
  // -1.5 × 2 = -3
  EXPECT_EQ(mul_e8(-150'000'000, 200'000'000), std::optional<int64_t>(-300'000'000));
  EXPECT_EQ(mul_e8(0, kMax), std::optional<int64_t>(0));
  EXPECT_EQ(mul_e8(kMax, kScale), std::optional<int64_t>(kMax));  // × 1
  EXPECT_EQ(mul_e8(kMin, kScale), std::optional<int64_t>(kMin));  // × 1
}

TEST(FixedPoint, DivRoundsHalfToEven) {
  // 1 / 3 = 0.333333333… -> 0.33333333 ; 2 / 3 = 0.666666666… -> 0.66666667
  EXPECT_EQ(div_e8(100'000'000, 300'000'000), std::optional<int64_t>(33'333'333));
  EXPECT_EQ(div_e8(200'000'000, 300'000'000), std::optional<int64_t>(66'666'667));
  EXPECT_EQ(div_e8(-200'000'000, 300'000'000), std::optional<int64_t>(-66'666'667));
  // Ties: 0.00000001 / 2 = 0.000000005 -> 0 ; 0.00000003 / 2 -> 0.00000002 ;
  // 0.00000005 / 2 = 0.000000025 -> 0.00000002
  EXPECT_EQ(div_e8(1, 200'000'000), std::optional<int64_t>(0));
  EXPECT_EQ(div_e8(3, 200'000'000), std::optional<int64_t>(2));
  EXPECT_EQ(div_e8(5, 200'000'000), std::optional<int64_t>(2));
  EXPECT_EQ(div_e8(-3, 200'000'000), std::optional<int64_t>(-2));
  EXPECT_EQ(div_e8(-5, 200'000'000), std::optional<int64_t>(-2));
  EXPECT_EQ(div_e8(5, -200'000'000), std::optional<int64_t>(-2));
  EXPECT_EQ(div_e8(-7, -200'000'000), std::optional<int64_t>(4));
  // Exact: 10 / 4 = 2.5 ; 30000.5 / 0.5 = 60001
  EXPECT_EQ(div_e8(1'000'000'000, 400'000'000), std::optional<int64_t>(250'000'000));
  EXPECT_EQ(div_e8(3'000'050'000'000, 50'000'000), std::optional<int64_t>(6'000'100'000'000));
}

TEST(FixedPoint, MulDivRoundsOnceHalfToEven) {
  const int64_t one = kScale;
  // 0.00000003 × 1 × 1/2 = 0.000000015 -> 2e-8 ; 0.00000005 × 1 / 2 -> 2e-8
  EXPECT_EQ(mul_div_e8(3, one, 1, 2), std::optional<int64_t>(2));
  EXPECT_EQ(mul_div_e8(5, one, 1, 2), std::optional<int64_t>(2));
  EXPECT_EQ(mul_div_e8(-3, one, 1, 2), std::optional<int64_t>(-2));
  EXPECT_EQ(mul_div_e8(-5, one, 1, 2), std::optional<int64_t>(-2));
  // A negative denominator: 0.00000005 / -2 -> -2e-8 ; 0.00000007 / -2 = -0.000000035 -> -4e-8
  EXPECT_EQ(mul_div_e8(5, one, 1, -2), std::optional<int64_t>(-2));
  EXPECT_EQ(mul_div_e8(7, one, 1, -2), std::optional<int64_t>(-4));
  // 1 × 1 × 3/4 = 0.75
  EXPECT_EQ(mul_div_e8(one, one, 3, 4), std::optional<int64_t>(75'000'000));
  // Rounded once, not per step: 0.00000001 × 0.5 × 3 = 0.000000015 -> 2e-8, whereas rounding
  // 0.00000001 × 0.5 first would give 0 and then 0 × 3 = 0.
  EXPECT_EQ(mul_div_e8(1, 50'000'000, 3, 1), std::optional<int64_t>(2));
  // 0.00000001 × 0.5 × 5 = 0.000000025 -> 2e-8
  EXPECT_EQ(mul_div_e8(1, 50'000'000, 5, 1), std::optional<int64_t>(2));
  // num and den both 1 is mul_e8
  EXPECT_EQ(mul_div_e8(3, 50'000'000, 1, 1), mul_e8(3, 50'000'000));
}

TEST(FixedPoint, MulDivUsesA128BitIntermediate) {
  // INT64_MAX × 2 / 2: the product 2·INT64_MAX·1e8 exceeds int64, the result does not.
  EXPECT_EQ(mul_div_e8(kMax, 2 * kScale, 1, 2), std::optional<int64_t>(kMax));
  // a·b ≈ 2^126 only fits 128 bits: kMax·kMax / (1e8·kMax) = kMax / 1e8 e8 units
  // = 92233720368.54775807, which rounds up to 92233720369.
  EXPECT_EQ(mul_div_e8(kMax, kMax, 1, kMax), std::optional<int64_t>(92'233'720'369));
}

// ---- overflow ------------------------------------------------------------------------------

TEST(FixedPoint, MulReportsOverflowAsNullopt) {
  EXPECT_EQ(mul_e8(kMax, 2 * kScale), std::nullopt);  // INT64_MAX × 2
  EXPECT_EQ(mul_e8(kMin, 2 * kScale), std::nullopt);
  EXPECT_EQ(mul_e8(kMin, -kScale), std::nullopt);  // -INT64_MIN does not fit
  EXPECT_EQ(mul_e8(kMax, kMax), std::nullopt);
  EXPECT_EQ(mul_e8(kMin, kMin), std::nullopt);
  EXPECT_EQ(mul_e8(kMin, kMax), std::nullopt);
  // 1e6 × 1e6 = 1e12 > 92233720368.5
  EXPECT_EQ(mul_e8(1'000'000 * kScale, 1'000'000 * kScale), std::nullopt);
}

TEST(FixedPoint, MulDivReportsOverflowOfResultOrIntermediate) {
  // The 128-bit intermediate a·b·num overflows: |a·b| ≈ 2^126, num ≈ 2^63.
  EXPECT_EQ(mul_div_e8(kMax, kMax, kMax, kMax), std::nullopt);
  EXPECT_EQ(mul_div_e8(kMin, kMax, kMin, 1), std::nullopt);
  EXPECT_EQ(mul_div_e8(kMax, kMax, -4, 1), std::nullopt);
  // Only the result overflows.
  EXPECT_EQ(mul_div_e8(kMax, kScale, 2, 1), std::nullopt);
  EXPECT_EQ(mul_div_e8(kMax, kScale, -2, 1), std::nullopt);
  EXPECT_EQ(mul_div_e8(kMax, kScale, 1, 0), std::nullopt);  // den == 0
  EXPECT_EQ(mul_div_e8(0, 0, 1, 0), std::nullopt);
}

TEST(FixedPoint, DivReportsOverflowAndDivisionByZeroAsNullopt) {
  EXPECT_EQ(div_e8(kScale, 0), std::nullopt);
  EXPECT_EQ(div_e8(0, 0), std::nullopt);
  EXPECT_EQ(div_e8(kMax, 1), std::nullopt);  // INT64_MAX / 0.00000001
  EXPECT_EQ(div_e8(kMin, 1), std::nullopt);
  EXPECT_EQ(div_e8(kMin, -kScale), std::nullopt);                 // INT64_MIN / -1
  EXPECT_EQ(div_e8(kMax, kScale), std::optional<int64_t>(kMax));  // / 1
  EXPECT_EQ(div_e8(kMin, kScale), std::optional<int64_t>(kMin));
}

TEST(FixedPoint, AddReportsOverflowAsNullopt) {
  EXPECT_EQ(add_e8(kMax, 1), std::nullopt);
  EXPECT_EQ(add_e8(kMin, -1), std::nullopt);
  EXPECT_EQ(add_e8(kMax, kMin), std::optional<int64_t>(-1));
  EXPECT_EQ(add_e8(-1, 1), std::optional<int64_t>(0));
  EXPECT_EQ(add_e8(kMax - 1, 1), std::optional<int64_t>(kMax));
}

TEST(FixedPoint, FitsInt64ChecksBothBounds) {
  static_assert(fits_int64(static_cast<i128>(kMax)));
  static_assert(fits_int64(static_cast<i128>(kMin)));
  static_assert(!fits_int64(static_cast<i128>(kMax) + 1));
  static_assert(!fits_int64(static_cast<i128>(kMin) - 1));
  SUCCEED();
}

// ---- strong types --------------------------------------------------------------------------

// Whether an expression between two types compiles. (clang-format 14 mangles
// requires-expressions, e.g. into `a* b`, hence the off/on.)
// clang-format off
template <typename A, typename B>
concept Addable = requires(A a, B b) { a + b; };
template <typename A, typename B>
concept Subtractable = requires(A a, B b) { a - b; };
template <typename A, typename B>
concept Multipliable = requires(A a, B b) { a * b; };
template <typename A, typename B>
concept Comparable = requires(A a, B b) { a < b; };
// clang-format on

TEST(FixedPoint, StrongTypesRefuseMixingUnits) {
  static_assert(!std::is_same_v<Price, Qty>);
  static_assert(!std::is_same_v<Qty, Amount>);
  static_assert(!std::is_same_v<Amount, Rate>);
  static_assert(!std::is_convertible_v<Qty, Price>);
  static_assert(!std::is_convertible_v<Price, Amount>);
  static_assert(!std::is_convertible_v<int64_t, Price>);
  static_assert(Addable<Price, Price>);
  static_assert(Addable<Qty, Qty>);
  static_assert(!Addable<Price, Qty>);
  static_assert(!Addable<Qty, Amount>);
  static_assert(!Addable<Price, int64_t>);
  static_assert(Subtractable<Amount, Amount>);
  static_assert(!Subtractable<Amount, Rate>);
  static_assert(!Multipliable<Price, Qty>);  // products go through mul_e8 and its rounding
  static_assert(!Multipliable<Price, Price>);
  static_assert(!Comparable<Price, Qty>);
  static_assert(sizeof(Price) == sizeof(int64_t));
  static_assert(std::is_trivially_copyable_v<Price>);
  SUCCEED();
}

TEST(FixedPoint, StrongTypesAddSubtractAndNegateInTheirOwnUnit) {
  const Price a = Price::from_e8(150'000'000);  // 1.5
  const Price b = Price::from_units(2);
  EXPECT_EQ(b.e8, 200'000'000);
  EXPECT_EQ((a + b).e8, 350'000'000);
  EXPECT_EQ((a - b).e8, -50'000'000);
  EXPECT_EQ((-a).e8, -150'000'000);
  EXPECT_EQ((-(-a)), a);

  Qty q = Qty::from_e8(1);
  q += Qty::from_e8(2);
  EXPECT_EQ(q.e8, 3);
  q -= Qty::from_units(1);
  EXPECT_EQ(q.e8, 3 - 100'000'000);
  Amount m = Amount::from_units(5);
  (m += Amount::from_units(1)) -= Amount::from_e8(1);  // the compound operators return *this
  EXPECT_EQ(m.e8, 599'999'999);

  EXPECT_EQ(Amount{}.e8, 0);
  EXPECT_EQ(Rate::from_units(-3).e8, -300'000'000);
}

TEST(FixedPoint, StrongTypesCompareByValue) {
  const Qty one = Qty::from_units(1);
  const Qty tiny = Qty::from_e8(1);
  EXPECT_LT(tiny, one);
  EXPECT_GT(one, tiny);
  EXPECT_LE(one, one);
  EXPECT_GE(one, one);
  EXPECT_EQ(one, Qty::from_e8(100'000'000));
  EXPECT_NE(one, tiny);
  EXPECT_LT(-one, tiny);
  EXPECT_TRUE((one <=> tiny) > 0);
}

TEST(FixedPoint, StrongTypesReportTheirSign) {
  EXPECT_TRUE(Amount{}.is_zero());
  EXPECT_FALSE(Amount{}.is_positive());
  EXPECT_FALSE(Amount{}.is_negative());
  EXPECT_TRUE(Amount::from_e8(1).is_positive());
  EXPECT_FALSE(Amount::from_e8(1).is_zero());
  EXPECT_TRUE(Amount::from_e8(-1).is_negative());
  EXPECT_FALSE(Amount::from_e8(-1).is_positive());
}

TEST(FixedPoint, AbsMinAndMaxKeepTheType) {
  static_assert(std::is_same_v<decltype(ose::abs(Price{})), Price>);
  EXPECT_EQ(ose::abs(Price::from_e8(-5)), Price::from_e8(5));
  EXPECT_EQ(ose::abs(Price::from_e8(5)), Price::from_e8(5));
  EXPECT_EQ(ose::abs(Price{}), Price{});
  EXPECT_EQ(ose::min(Qty::from_e8(-2), Qty::from_e8(3)), Qty::from_e8(-2));
  EXPECT_EQ(ose::max(Qty::from_e8(-2), Qty::from_e8(3)), Qty::from_e8(3));
  EXPECT_EQ(ose::min(Qty::from_e8(7), Qty::from_e8(7)), Qty::from_e8(7));
}

TEST(FixedPoint, StrongTypesParseAndFormatThroughDecimalStrings) {
  EXPECT_EQ(parse_fixed<Price>("30000.5"), std::optional<Price>(Price::from_e8(3'000'050'000'000)));
  EXPECT_EQ(parse_fixed<Qty>("0.00001"), std::optional<Qty>(Qty::from_e8(1'000)));
  EXPECT_EQ(parse_fixed<Amount>("-0.00000001"), std::optional<Amount>(Amount::from_e8(-1)));
  EXPECT_EQ(parse_fixed<Rate>("1e-3"), std::nullopt);
  EXPECT_EQ(parse_fixed<Price>("0.000000001"), std::nullopt);
  EXPECT_EQ(to_string(Price::from_e8(3'000'050'000'000)), "30000.5");
  EXPECT_EQ(to_string(Qty::from_e8(-1)), "-0.00000001");
  EXPECT_EQ(to_string(Amount{}), "0");
  EXPECT_EQ(to_string(Rate::from_e8(100'000)), "0.001");
}

}  // namespace
}  // namespace ose
