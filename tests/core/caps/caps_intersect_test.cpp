#include "core/caps/caps.hpp"

#include "core/caps/value_algebra.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace tessera::core {
namespace caps_intersect_test {

caps parsed(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
  return c ? *c : caps();
}

struct intersect_case {
  const char* a;
  const char* b;
  const char* expected;  // as caps text; compared with strict equality
  friend std::ostream& operator<<(std::ostream& os, const intersect_case& c) {
    return os << c.a << " ∩ " << c.b;
  }
};

class CapsIntersect : public ::testing::TestWithParam<intersect_case> {};

TEST_P(CapsIntersect, GivesWhatBothAllow) {
  const auto& c = GetParam();
  caps a = parsed(c.a), b = parsed(c.b), expected = parsed(c.expected);
  caps ab = a.intersect(b);
  EXPECT_EQ(ab, expected) << c.a << " ∩ " << c.b << " = " << ab.to_string();
  // The other order may list things differently but allows the same.
  EXPECT_TRUE(b.intersect(a).is_equal(expected)) << b.intersect(a).to_string();
  EXPECT_EQ(a.can_intersect(b), !expected.is_empty());
  EXPECT_EQ(b.can_intersect(a), !expected.is_empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, CapsIntersect,
    ::testing::Values(
        // int against int range
        intersect_case{"v,x=5", "v,x=[1,10]", "v,x=5"},
        intersect_case{"v,x=11", "v,x=[1,10]", "EMPTY"},
        intersect_case{"v,x=1", "v,x=[1,10]", "v,x=1"},
        intersect_case{"v,x=5", "v,x=[2,10,2]", "EMPTY"},
        intersect_case{"v,x=6", "v,x=[2,10,2]", "v,x=6"},
        // range against range
        intersect_case{"v,x=[1,10]", "v,x=[5,20]", "v,x=[5,10]"},
        intersect_case{"v,x=[1,5]", "v,x=[5,20]", "v,x=5"},
        intersect_case{"v,x=[1,4]", "v,x=[5,20]", "EMPTY"},
        intersect_case{"v,x=[0,100,2]", "v,x=[0,99,3]", "v,x=[0,96,6]"},
        intersect_case{"v,x=[-10,10,2]", "v,x=[-9,9,3]", "v,x=[-6,6,6]"},
        intersect_case{"v,x=[4,6,2]", "v,x=[5,7]", "v,x=6"},
        intersect_case{"v,d=[0.5,2.0]", "v,d=1.5", "v,d=1.5"},
        intersect_case{"v,d=[0.5,2.0]", "v,d=[1.0,3.0]", "v,d=[1.0,2.0]"},
        intersect_case{"v,d=[0.5,1.0]", "v,d=[1.0,3.0]", "v,d=1.0"},
        intersect_case{"v,d=[0.5,1.0]", "v,d=2.5", "EMPTY"},
        // fractions
        intersect_case{"v,r=[1/1,60/1]", "v,r=30/1", "v,r=30/1"},
        intersect_case{"v,r=[1/1,30/1]", "v,r=[25/1,60/1]", "v,r=[25/1,30/1]"},
        intersect_case{"v,r=[0/1,1/2]", "v,r=[1/2,1/1]", "v,r=1/2"},
        intersect_case{"v,r=[1/3,1/2]", "v,r=2/5", "v,r=2/5"},
        intersect_case{"v,r=[1/3,1/2]", "v,r=3/5", "EMPTY"},
        intersect_case{"v,r=60/2", "v,r=30/1", "v,r=30/1"},
        // lists
        intersect_case{"v,x={1,2,3}", "v,x={3,2,7}", "v,x={2,3}"},
        intersect_case{"v,x={1,2,3}", "v,x={4,5}", "EMPTY"},
        intersect_case{"v,x={1,5,20}", "v,x=[2,10]", "v,x=5"},
        intersect_case{"v,x={1,5,8,20}", "v,x=[2,10]", "v,x={5,8}"},
        intersect_case{"v,x={[1,3],[8,12]}", "v,x=[2,10]", "v,x={[2,3],[8,10]}"},
        intersect_case{"v,f={RGBA,RGB,GRAY8}", "v,f=GRAY8", "v,f=GRAY8"},
        intersect_case{"v,f={RGBA,RGB}", "v,f=GRAY8", "EMPTY"},
        intersect_case{"v,r={25/1,30/1}", "v,r=[26/1,60/1]", "v,r=30/1"},
        // missing fields are unrestricted
        intersect_case{"v,x=5", "v,y=6", "v,x=5,y=6"},
        intersect_case{"v,x=5", "v", "v,x=5"},
        intersect_case{"v,x=5,y=[1,4]", "v,y=3,z=true", "v,x=5,y=3,z=true"},
        // different media types and kinds never meet
        intersect_case{"video/x-raw,x=5", "audio/x-raw,x=5", "EMPTY"},
        intersect_case{"v,x=5", "v,x=5.0", "EMPTY"},
        intersect_case{"v,x=5", "v,x=\"5\"", "EMPTY"},
        intersect_case{"v,x=1/1", "v,x=1", "EMPTY"},
        intersect_case{"v,x=[1,5]", "v,x=[1.0,5.0]", "EMPTY"},
        intersect_case{"v,x=true", "v,x=false", "EMPTY"},
        // ANY and EMPTY
        intersect_case{"ANY", "v,x=5", "v,x=5"},
        intersect_case{"ANY", "ANY", "ANY"},
        intersect_case{"ANY", "EMPTY", "EMPTY"},
        intersect_case{"EMPTY", "v,x=5", "EMPTY"},
        intersect_case{"EMPTY", "EMPTY", "EMPTY"},
        // several structures
        intersect_case{"v,x=[1,10]; w", "v,x=[5,20]; u", "v,x=[5,10]"},
        intersect_case{"v,x=1; v,x=2", "v,x=[1,2]", "v,x=1; v,x=2"}));

TEST(CapsIntersect, KeepsTheFirstSideFieldOrderThenAddsTheOthers) {
  caps tmpl = parsed(
      "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,8192],height=[1,8192],"
      "framerate=[0/1,2147483647/1]");
  caps filter = parsed("video/x-raw,layout=linear,format=GRAY8");
  EXPECT_EQ(tmpl.intersect(filter).to_string(),
            "video/x-raw,format=GRAY8,width=[1,8192],height=[1,8192],"
            "framerate=[0/1,2147483647/1],layout=linear");
}

TEST(CapsIntersect, ListResultsFollowTheFirstListsOrder) {
  auto common = intersect(value::parse("{GRAY8,RGB,RGBA}").value(),
                          value::parse("{RGBA,GRAY8}").value());
  ASSERT_TRUE(common);
  ASSERT_EQ(common->list_items().size(), 2u);
  EXPECT_EQ(common->list_items()[0], value("GRAY8"));
  EXPECT_EQ(common->list_items()[1], value("RGBA"));
}

TEST(CapsIntersect, ZigZagAlternatesBothSidesPreferences) {
  caps a = parsed("x/a; x/b");
  caps b = parsed("x/b; x/a");
  // Pairs are visited by i + j: (0,0) fails, then (1,0) = x/b before (0,1) = x/a.
  EXPECT_EQ(a.intersect(b).to_string(), "x/b; x/a");
  EXPECT_EQ(a.intersect(b, intersect_mode::first).to_string(), "x/a; x/b");
}

TEST(CapsIntersect, SkipsResultsAlreadyCovered) {
  caps a = parsed("v,x=[1,10]; v,x=[2,3]");
  caps b = parsed("v");
  EXPECT_EQ(a.intersect(b).to_string(), "v,x=[1,10]");
}

TEST(CapsIntersect, WithItselfSharesTheRepresentation) {
  caps a = parsed("v,x=[1,10]");
  caps same = a;
  caps r = a.intersect(same);
  EXPECT_TRUE(r.shares_storage_with(a));
}

}  // namespace caps_intersect_test
}  // namespace tessera::core
