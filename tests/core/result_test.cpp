#include "core/support/result.hpp"

#include <gtest/gtest.h>

namespace tessera {
namespace result_test {

result<int> half(int v) {
  if (v % 2) return fail(errc::invalid_argument, "half(" + std::to_string(v) + "): odd value");
  return v / 2;
}

TEST(Result, CarriesValueOrNamedError) {
  EXPECT_EQ(half(8).value(), 4);
  auto r = half(3);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::invalid_argument);
  EXPECT_EQ(r.error().message, "half(3): odd value");
  EXPECT_EQ(r.error().code.message(), "invalid argument");
}

TEST(Result, ValueOnErrorThrowsTheMessage) {
  try {
    (void)half(5).value();
    FAIL() << "value() on an error must throw";
  } catch (const error_exception& e) {
    EXPECT_STREQ(e.what(), "half(5): odd value");
  }
}

}  // namespace result_test
}  // namespace tessera
