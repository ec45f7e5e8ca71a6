#include "core/caps/caps.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace tessera::core {
namespace caps_subset_test {

caps parsed(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
  return c ? *c : caps();
}

struct subset_case {
  const char* sub;
  const char* super;
  bool expected;
  friend std::ostream& operator<<(std::ostream& os, const subset_case& c) {
    return os << c.sub << " ⊆ " << c.super;
  }
};

class CapsSubset : public ::testing::TestWithParam<subset_case> {};

TEST_P(CapsSubset, HoldsWhenEverythingAllowedIsAllowedByTheSuperset) {
  const auto& c = GetParam();
  EXPECT_EQ(parsed(c.sub).is_subset(parsed(c.super)), c.expected) << c.sub << " ⊆ " << c.super;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CapsSubset,
    ::testing::Values(
        subset_case{"v,x=5", "v,x=[1,10]", true}, subset_case{"v,x=0", "v,x=[1,10]", false},
        subset_case{"v,x=[2,5]", "v,x=[1,10]", true},
        subset_case{"v,x=[0,10]", "v,x=[1,10]", false},
        subset_case{"v,x=[1,10]", "v,x=5", false},
        subset_case{"v,x=[0,8,4]", "v,x=[0,10,2]", true},
        subset_case{"v,x=[0,12,2]", "v,x=[0,12,4]", false},
        subset_case{"v,x=[0,12,4]", "v,x=[0,12]", true},
        subset_case{"v,x={1,2}", "v,x={1,2,3}", true},
        subset_case{"v,x={1,4}", "v,x={1,2,3}", false},
        subset_case{"v,x={1,2}", "v,x=[1,3]", true},
        subset_case{"v,x=[2,3]", "v,x={[1,3],[8,9]}", true},
        subset_case{"v,f=RGBA", "v,f={RGBA,RGB}", true},
        subset_case{"v,f=GRAY8", "v,f={RGBA,RGB}", false},
        subset_case{"v,d=1.5", "v,d=[1.0,2.0]", true},
        subset_case{"v,d=[1.0,1.5]", "v,d=[1.0,2.0]", true},
        subset_case{"v,d=[0.5,1.5]", "v,d=[1.0,2.0]", false},
        subset_case{"v,r=30/1", "v,r=[0/1,60/1]", true},
        subset_case{"v,r=[1/1,30/1]", "v,r=[0/1,60/1]", true},
        subset_case{"v,r=[1/1,90/1]", "v,r=[0/1,60/1]", false},
        subset_case{"v,x=5", "v,x=5.0", false}, subset_case{"v,x=5", "v,x=\"5\"", false},
        // fields: the superset's restrictions must all be met
        subset_case{"v,x=5,y=6", "v,x=5", true}, subset_case{"v,x=5", "v,x=5,y=6", false},
        subset_case{"v", "v", true}, subset_case{"a/a", "b/b", false},
        // across structures
        subset_case{"v,x={1,2}", "v,x=1; v,x=2", true},
        subset_case{"v,x={1,2,3}", "v,x=1; v,x=2", false},
        subset_case{"v,x=1; v,x=2", "v,x={1,2}", true},
        subset_case{"v,x={1,2},f={A,B}", "v,x=1; v,x=2,f=B; v,x=2,f=A", true},
        subset_case{"a/a; b/b", "b/b; a/a", true}, subset_case{"a/a; c/c", "b/b; a/a", false},
        // ANY and EMPTY
        subset_case{"EMPTY", "EMPTY", true}, subset_case{"EMPTY", "v", true},
        subset_case{"v", "EMPTY", false}, subset_case{"ANY", "ANY", true},
        subset_case{"v", "ANY", true}, subset_case{"ANY", "v", false},
        subset_case{"EMPTY", "ANY", true}, subset_case{"ANY", "EMPTY", false}));

TEST(CapsEquality, IsEqualComparesTheAllowedSetStrictEqualityTheStructures) {
  caps list = parsed("v,x={1,2}");
  caps split = parsed("v,x=2; v,x=1");
  EXPECT_TRUE(list.is_equal(split));
  EXPECT_FALSE(list == split);
  EXPECT_TRUE(parsed("v,a=1,b=2") == parsed("v,b=2,a=1"));
  EXPECT_TRUE(parsed("v,f={RGB,RGBA}") == parsed("v,f={RGBA,RGB}"));
  EXPECT_FALSE(parsed("a/a; b/b") == parsed("b/b; a/a"));
  EXPECT_TRUE(parsed("a/a; b/b").is_equal(parsed("b/b; a/a")));
  EXPECT_FALSE(parsed("v,x=[1,10]").is_equal(parsed("v,x=[1,9]")));
  EXPECT_TRUE(caps::new_any() == caps::new_any());
  EXPECT_FALSE(caps::new_any() == caps());
  EXPECT_TRUE(caps() == caps::parse("EMPTY").value());
}

}  // namespace caps_subset_test
}  // namespace tessera::core
