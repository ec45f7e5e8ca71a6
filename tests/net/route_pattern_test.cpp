#include "net/route_pattern.hpp"

#include <gtest/gtest.h>

namespace tessera::net {
namespace route_pattern_test {

TEST(RoutePattern, ParametersMatchWholeDecodedSegments) {
  auto p = route_pattern::parse("/api/v1/pipelines/{p}/elements/{e}/properties/{name}");
  ASSERT_TRUE(p);
  auto segs = split_path("/api/v1/pipelines/p%200/elements/invert0/properties/a%2Fb");
  ASSERT_TRUE(segs);
  param_map params;
  ASSERT_TRUE(p->match(*segs, params));
  EXPECT_EQ(params.get("p"), "p 0");
  EXPECT_EQ(params.get("e"), "invert0");
  EXPECT_EQ(params.get("name"), "a/b") << "%2F stays inside its segment";
}

TEST(RoutePattern, LiteralsLengthAndEmptyParametersMustFit) {
  auto p = route_pattern::parse("/api/v1/pipelines/{p}").value();
  param_map params;
  EXPECT_FALSE(p.match(split_path("/api/v1/pipelines").value(), params));
  EXPECT_FALSE(p.match(split_path("/api/v1/pipelines/p0/state").value(), params));
  EXPECT_FALSE(p.match(split_path("/api/v2/pipelines/p0").value(), params));
  EXPECT_FALSE(p.match(split_path("/api/v1/pipelines/").value(), params));
  EXPECT_TRUE(params.empty()) << "a failed match adds nothing";
  auto root = route_pattern::parse("/").value();
  EXPECT_TRUE(root.match(split_path("/").value(), params));
}

TEST(RoutePattern, BadPatternsAreRejectedWithTheReason) {
  for (const char* bad : {"", "api", "/a/{", "/a/{}", "/a/x{p}", "/a/{p}x", "/a/{p-q}",
                          "/a/{p}/{p}", "/a/b%20c", "/a?x"}) {
    auto r = route_pattern::parse(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_TRUE(r.error() == errc::invalid_argument);
    EXPECT_NE(r.error().message.find(std::string("\"") + bad + "\""), std::string::npos)
        << r.error().message;
  }
}

TEST(RoutePattern, LiteralIsMoreSpecificThanParameterAtTheFirstDifference) {
  auto literal = route_pattern::parse("/p/stats").value();
  auto param = route_pattern::parse("/p/{id}").value();
  EXPECT_TRUE(literal.more_specific_than(param));
  EXPECT_FALSE(param.more_specific_than(literal));
  EXPECT_TRUE(param.same_shape(route_pattern::parse("/p/{other}").value()));
  EXPECT_FALSE(param.same_shape(literal));
}

TEST(RoutePattern, SplitPathRequiresALeadingSlashAndValidEscapes) {
  EXPECT_FALSE(split_path("relative/path"));
  EXPECT_FALSE(split_path("/bad%zzescape"));
  EXPECT_EQ(split_path("/").value(), std::vector<std::string>{""});
}

}  // namespace route_pattern_test
}  // namespace tessera::net
