#include "core/caps/structure.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace tessera::core {
namespace structure_test {

structure parsed(std::string_view text) {
  auto s = structure::parse(text);
  EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message);
  return s ? *s : structure::make("failed/parse").value();
}

TEST(Structure, MakeValidatesTheMediaTypeName) {
  EXPECT_EQ(structure::make("video/x-raw").value().name(), "video/x-raw");
  EXPECT_EQ(structure::make("").error().message, "empty media type name");
  EXPECT_EQ(structure::make("1abc").error().message,
            "media type name '1abc' must start with a letter");
  EXPECT_EQ(structure::make("video raw").error().message,
            "media type name 'video raw' may only hold letters, digits and _-+/:.");
  EXPECT_EQ(structure::make("ANY").error().message,
            "'ANY' is reserved for caps and cannot be a media type name");
}

TEST(Structure, TypedAccessorsReturnOnlyFixedValuesOfTheirKind) {
  auto s = parsed("video/x-raw,width=640,rate=2.5,on=true,format=RGBA,fps=30/1,h=[1,8]");
  EXPECT_EQ(s.get_int("width"), 640);
  EXPECT_EQ(s.get_double("rate"), 2.5);
  EXPECT_EQ(s.get_bool("on"), true);
  EXPECT_EQ(s.get_string("format"), "RGBA");
  EXPECT_EQ(s.get_fraction("fps"), fraction(30));
  EXPECT_FALSE(s.get_int("h"));         // a range is not an int
  EXPECT_FALSE(s.get_int("format"));    // wrong kind
  EXPECT_FALSE(s.get_int("missing"));   // absent
  EXPECT_FALSE(s.get_string("width"));
  EXPECT_TRUE(s.has_field("h"));
  EXPECT_TRUE(s.has_field_of_kind("h", value_kind::int_range));
  EXPECT_FALSE(s.has_field_of_kind("h", value_kind::integer));
  EXPECT_EQ(s.field_count(), 6u);
}

TEST(Structure, SetReplacesInPlaceAppendsNewAndValidatesNames) {
  auto s = parsed("a/b,x=1,y=2");
  ASSERT_TRUE(s.set("x", "one"));
  ASSERT_TRUE(s.set("z", value::make_int_range(1, 3).value()));
  EXPECT_EQ(s.to_string(), "a/b,x=one,y=2,z=[1,3]");
  auto bad = s.set("has space", 1);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error() == errc::invalid_argument);
  EXPECT_FALSE(s.set("", 1));
  EXPECT_TRUE(s.remove_field("y"));
  EXPECT_FALSE(s.remove_field("y"));
  EXPECT_EQ(s.to_string(), "a/b,x=one,z=[1,3]");
}

TEST(Structure, IsFixedWhenNoFieldIsARangeOrList) {
  EXPECT_TRUE(parsed("a/b").is_fixed());
  EXPECT_TRUE(parsed("a/b,x=1,f=RGB,r=30/1").is_fixed());
  EXPECT_FALSE(parsed("a/b,x=1,f={RGB,RGBA}").is_fixed());
  EXPECT_FALSE(parsed("a/b,x=[1,2]").is_fixed());
}

TEST(Structure, EqualityIgnoresFieldOrder) {
  EXPECT_EQ(parsed("a/b,x=1,y=2"), parsed("a/b,y=2,x=1"));
  EXPECT_NE(parsed("a/b,x=1,y=2"), parsed("a/b,x=1"));
  EXPECT_NE(parsed("a/b,x=1"), parsed("a/c,x=1"));
  EXPECT_NE(parsed("a/b,x=1"), parsed("a/b,y=1"));
}

TEST(Structure, FixateTakesRangeMinimaAndFirstListElements) {
  auto s = parsed(
      "v,w=[16,4096],s=[8,64,8],d=[0.5,2.0],r=[1/1,60/1],f={RGB,RGBA},l={[5,9],1},x=7");
  s.fixate();
  EXPECT_TRUE(s.is_fixed());
  EXPECT_EQ(s, parsed("v,w=16,s=8,d=0.5,r=1/1,f=RGB,l=5,x=7"));
}

TEST(Structure, FixateFieldFixesOneFieldOnly) {
  auto s = parsed("v,w=[16,4096],h=[16,4096]");
  EXPECT_TRUE(s.fixate_field("w"));
  EXPECT_FALSE(s.fixate_field("w"));  // already fixed
  EXPECT_FALSE(s.fixate_field("missing"));
  EXPECT_EQ(s, parsed("v,w=16,h=[16,4096]"));
}

struct nearest_int_case {
  const char* field;
  std::int64_t target;
  bool changed;
  const char* after;
  friend std::ostream& operator<<(std::ostream& os, const nearest_int_case& c) {
    return os << c.field << " near " << c.target;
  }
};

class StructureNearestInt : public ::testing::TestWithParam<nearest_int_case> {};

TEST_P(StructureNearestInt, FollowsGStreamersRules) {
  const auto& c = GetParam();
  auto s = parsed(std::string("v,x=") + c.field);
  EXPECT_EQ(s.fixate_field_nearest_int("x", c.target), c.changed);
  EXPECT_EQ(s.get("x")->to_string(), c.after);
}

INSTANTIATE_TEST_SUITE_P(
    Table, StructureNearestInt,
    ::testing::Values(nearest_int_case{"[1,100]", 50, true, "50"},
                      nearest_int_case{"[1,100]", 500, true, "100"},
                      nearest_int_case{"[1,100]", -5, true, "1"},
                      nearest_int_case{"[0,100,4]", 10, true, "8"},  // tie rounds down
                      nearest_int_case{"[0,100,4]", 11, true, "12"},
                      nearest_int_case{"[0,100,4]", 9, true, "8"},
                      nearest_int_case{"[-12,12,4]", -7, true, "-8"},
                      nearest_int_case{"[-12,12,4]", -6, true, "-8"},
                      nearest_int_case{"[-12,12,4]", -5, true, "-4"},
                      nearest_int_case{"{10,20,30}", 24, true, "20"},
                      nearest_int_case{"{10,20,30}", 25, true, "20"},  // tie keeps the first
                      nearest_int_case{"{30,20}", 25, true, "30"},
                      nearest_int_case{"{[1,10],[100,200]}", 50, true, "10"},
                      nearest_int_case{"{[1,10],[100,200]}", 60, true, "100"},
                      nearest_int_case{"{a,7,b}", 0, true, "7"},
                      nearest_int_case{"42", 7, false, "42"},  // already fixed
                      nearest_int_case{"{a,b}", 7, false, "{a,b}"},
                      nearest_int_case{"[0.5,2.0]", 1, false, "[0.5,2.0]"}));

TEST(Structure, NearestIntOnAMissingFieldChangesNothing) {
  auto s = parsed("v,y=[1,2]");
  EXPECT_FALSE(s.fixate_field_nearest_int("x", 5));
  EXPECT_EQ(s, parsed("v,y=[1,2]"));
}

TEST(Structure, NearestDoubleClampsAndPicksTheClosest) {
  auto s = parsed("v,a=[0.5,2.0],b=[0.5,2.0],c={1.0,2.0,[3.0,4.0]},d=1.5");
  EXPECT_TRUE(s.fixate_field_nearest_double("a", 1.25));
  EXPECT_TRUE(s.fixate_field_nearest_double("b", 3.0));
  EXPECT_TRUE(s.fixate_field_nearest_double("c", 2.9));
  EXPECT_FALSE(s.fixate_field_nearest_double("d", 3.0));
  EXPECT_EQ(s, parsed("v,a=1.25,b=2.0,c=3.0,d=1.5"));
}

TEST(Structure, NearestFractionIsExact) {
  auto s = parsed("v,a=[1/1,60/1],b=[1/1,60/1],c={25/1,30/1,60/1},d={1/3,2/5},e=30/1");
  EXPECT_TRUE(s.fixate_field_nearest_fraction("a", fraction(30)));
  EXPECT_TRUE(s.fixate_field_nearest_fraction("b", fraction(120)));
  EXPECT_TRUE(s.fixate_field_nearest_fraction("c", fraction(29)));
  // |1/3 - 3/8| = 1/24 > |2/5 - 3/8| = 1/40
  EXPECT_TRUE(s.fixate_field_nearest_fraction("d", fraction::make(3, 8).value()));
  EXPECT_FALSE(s.fixate_field_nearest_fraction("e", fraction(25)));
  EXPECT_EQ(s, parsed("v,a=30/1,b=60/1,c=30/1,d=2/5,e=30/1"));
  auto t = parsed("v,r=[30000/1001,60/1]");
  EXPECT_TRUE(t.fixate_field_nearest_fraction("r", fraction(25)));
  EXPECT_EQ(t.get_fraction("r"), fraction::make(30000, 1001).value());
}

TEST(Structure, StringAndBoolFixationPreferTargetElseFirst) {
  auto s = parsed("v,a={RGB,RGBA,GRAY8},b={RGB,RGBA},c=RGB,d={true,false},e={false,true}");
  EXPECT_TRUE(s.fixate_field_string("a", "RGBA"));
  EXPECT_TRUE(s.fixate_field_string("b", "I420"));
  EXPECT_FALSE(s.fixate_field_string("c", "RGBA"));
  EXPECT_TRUE(s.fixate_field_bool("d", false));
  EXPECT_TRUE(s.fixate_field_bool("e", false));
  EXPECT_EQ(s, parsed("v,a=RGBA,b=RGB,c=RGB,d=false,e=false"));
}

TEST(Structure, IntersectKeepsOwnFieldsFirstThenTheOthers) {
  auto a = parsed("v,x=[1,10],f={RGB,RGBA}");
  auto b = parsed("v,y=3,x=[5,20]");
  auto r = a.intersect(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->to_string(), "v,x=[5,10],f={RGB,RGBA},y=3");
  EXPECT_TRUE(a.can_intersect(b));
  EXPECT_FALSE(a.intersect(parsed("v,f=GRAY8")));
  EXPECT_FALSE(a.can_intersect(parsed("v,f=GRAY8")));
  EXPECT_FALSE(a.intersect(parsed("w,x=5")));
}

TEST(Structure, ParseRejectsTrailingText) {
  auto r = structure::parse("a/b,x=1; c/d");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "structure: expected ',' or end of input, found ';' at offset 7 in \"a/b,x=1; c/d\"");
}

}  // namespace structure_test
}  // namespace tessera::core
