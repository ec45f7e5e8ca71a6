#include "net/url.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace url_test {

TEST(Url, SplitTargetCutsAtTheFirstQuestionMark) {
  auto t = split_target("/a/b?x=1&y=?");
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1&y=?");
  auto bare = split_target("/only");
  EXPECT_EQ(bare.path, "/only");
  EXPECT_EQ(bare.query, "");
}

TEST(Url, PercentDecodingHandlesEscapesAndRejectsBadOnes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  auto bad = percent_decode("100%");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error() == errc::parse_error);
  EXPECT_NE(bad.error().message.find("offset 3"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(percent_decode("%zz"));
}

TEST(Url, QueryParametersAreDecodedInOrder) {
  auto q = parse_query("token=a%2Bb&flag&name=x+y&&empty=");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->size(), 4u);
  EXPECT_EQ(q->get("token"), "a+b");
  EXPECT_EQ(q->get("flag"), "");
  EXPECT_EQ(q->get("name"), "x y");
  EXPECT_EQ(q->get("empty"), "");
  EXPECT_FALSE(q->get("missing"));
  EXPECT_FALSE(parse_query("a=%G0"));
}

}  // namespace url_test
}  // namespace tessera::net
