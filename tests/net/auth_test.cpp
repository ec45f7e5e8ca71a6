#include "net/auth.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace auth_test {

TEST(Auth, ConstantTimeEqualComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(constant_time_equal("s3cret-token", "s3cret-tokex"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3cret-token"));
  EXPECT_FALSE(constant_time_equal("s3cret-token", "s3cret"));
  EXPECT_FALSE(constant_time_equal("", "x"));
  EXPECT_TRUE(constant_time_equal("", ""));
  // A prefix padded with NULs must not match.
  EXPECT_FALSE(constant_time_equal(std::string_view("ab\0", 3), "ab"));
}

TEST(Auth, BearerTokenIsParsedWithACaseInsensitiveScheme) {
  EXPECT_EQ(parse_bearer("Bearer abc.DEF-123_~+/=").value(), "abc.DEF-123_~+/=");
  EXPECT_EQ(parse_bearer("bearer   tok  ").value(), "tok");
  EXPECT_EQ(parse_bearer("BEARER tok").value(), "tok");
}

TEST(Auth, MalformedAuthorizationIsAnErrorThatSaysWhy) {
  auto basic = parse_bearer("Basic dXNlcjpwYXNz");
  ASSERT_FALSE(basic);
  EXPECT_TRUE(basic.error() == errc::parse_error);
  EXPECT_NE(basic.error().message.find("\"Basic\""), std::string::npos) << basic.error().message;
  EXPECT_FALSE(parse_bearer(""));
  EXPECT_FALSE(parse_bearer("Bearer"));
  EXPECT_FALSE(parse_bearer("Bearer "));
  EXPECT_FALSE(parse_bearer("Bearer two tokens"));
  EXPECT_FALSE(parse_bearer("Bearer a=b"));
}

}  // namespace auth_test
}  // namespace tessera::net
