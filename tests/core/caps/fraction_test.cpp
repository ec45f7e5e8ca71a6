#include "core/caps/fraction.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace fraction_test {

TEST(Fraction, IsReducedWithPositiveDenominator) {
  auto f = fraction::make(60, 2).value();
  EXPECT_EQ(f.num(), 30);
  EXPECT_EQ(f.den(), 1);
  auto g = fraction::make(3, -6).value();
  EXPECT_EQ(g.num(), -1);
  EXPECT_EQ(g.den(), 2);
  auto zero = fraction::make(0, -7).value();
  EXPECT_EQ(zero.num(), 0);
  EXPECT_EQ(zero.den(), 1);
  EXPECT_EQ(fraction::make(30000, 1001).value().to_string(), "30000/1001");
}

TEST(Fraction, EqualValuesCompareEqualWhateverTheirSpelling) {
  EXPECT_EQ(fraction::make(2, 4).value(), fraction::make(1, 2).value());
  EXPECT_NE(fraction::make(1, 3).value(), fraction::make(1, 2).value());
  EXPECT_EQ(fraction(7), fraction::make(7, 1).value());
}

TEST(Fraction, OrdersExactlyWithoutFloatingPoint) {
  // 2147483646/2147483647 and 2147483645/2147483646 differ by about 2e-19: a
  // double cannot tell them apart, cross-multiplication can.
  auto a = fraction::make(2147483646, 2147483647).value();
  auto b = fraction::make(2147483645, 2147483646).value();
  EXPECT_EQ(a.to_double(), b.to_double());
  EXPECT_GT(a, b);
  EXPECT_LT(fraction::make(-1, 2).value(), fraction());
  EXPECT_LT(fraction::make(1, 3).value(), fraction::make(1, 2).value());
}

TEST(Fraction, RejectsZeroDenominatorAndOversizedTerms) {
  auto zero = fraction::make(1, 0);
  ASSERT_FALSE(zero);
  EXPECT_TRUE(zero.error() == errc::invalid_argument);
  EXPECT_EQ(zero.error().message, "fraction 1/0 has a zero denominator");
  auto big = fraction::make(4294967296LL, 3);
  ASSERT_FALSE(big);
  EXPECT_TRUE(big.error() == errc::out_of_range);
  // Large terms that reduce into range are fine.
  auto reduced = fraction::make(4294967296LL, 4294967296LL * 3).value();
  EXPECT_EQ(reduced, fraction::make(1, 3).value());
  EXPECT_TRUE(fraction::make(INT64_MIN, -1).has_error());
}

}  // namespace fraction_test
}  // namespace tessera::core
