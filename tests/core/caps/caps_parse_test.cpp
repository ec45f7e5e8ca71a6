#include "core/caps/caps.hpp"

#include <gtest/gtest.h>

#include <ostream>

#include <cmath>
#include <string>

namespace tessera::core {
namespace caps_parse_test {

// The one structure of `text`, which must parse.
structure one(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text << ": " << (c ? "" : c.error().message);
  if (!c || c->size() != 1) return structure::make("failed/parse").value();
  return *c->structure_at(0);
}

const value& field(const structure& s, std::string_view name) {
  static const value missing("<missing>");
  const value* v = s.get(name);
  return v ? *v : missing;
}

TEST(CapsParse, ReadsEveryScalarKind) {
  auto s = one("video/x-raw,i=5,n=-12,d=2.5,e=1e3,t=true,f=FALSE,q=\"a b;c\",b=RGBA,fr=60/2");
  EXPECT_EQ(s.name(), "video/x-raw");
  EXPECT_EQ(s.get_int("i"), 5);
  EXPECT_EQ(s.get_int("n"), -12);
  EXPECT_EQ(s.get_double("d"), 2.5);
  EXPECT_EQ(s.get_double("e"), 1000.0);
  EXPECT_EQ(s.get_bool("t"), true);
  EXPECT_EQ(s.get_bool("f"), false);
  EXPECT_EQ(s.get_string("q"), "a b;c");
  EXPECT_EQ(s.get_string("b"), "RGBA");
  EXPECT_EQ(s.get_fraction("fr"), fraction(30));
  // Tokens that merely start with a digit are strings.
  EXPECT_EQ(one("a/b,x=640x480").get_string("x"), "640x480");
  EXPECT_EQ(one("a/b,x=\"with \\\"escapes\\\\\"").get_string("x"), "with \"escapes\\");
}

TEST(CapsParse, ReadsRangesOfEachNumberKind) {
  auto s = one("a/b,w=[1,8192],s=[0,100,4],d=[0.5,2.5],m=[1,2.5],f=[1/1,60/1],g=[0/1,60]");
  EXPECT_EQ(field(s, "w").as_int_range(), (int_range{1, 8192, 1}));
  EXPECT_EQ(field(s, "s").as_int_range(), (int_range{0, 100, 4}));
  EXPECT_EQ(field(s, "d").as_double_range(), (double_range{0.5, 2.5}));
  EXPECT_EQ(field(s, "m").as_double_range(), (double_range{1.0, 2.5}));
  EXPECT_EQ(field(s, "f").as_fraction_range(), (fraction_range{fraction(1), fraction(60)}));
  EXPECT_EQ(field(s, "g").as_fraction_range(), (fraction_range{fraction(0), fraction(60)}));
}

TEST(CapsParse, ReadsListsOfAnyValues) {
  auto s = one("a/b,f={RGBA,RGB,GRAY8},m={1,[5,10],2.5},n={{1,2},3},one={RGBA}");
  const value& f = field(s, "f");
  ASSERT_EQ(f.list_items().size(), 3u);
  EXPECT_EQ(f.list_items()[0], value("RGBA"));
  EXPECT_EQ(f.list_items()[2], value("GRAY8"));
  const value& m = field(s, "m");
  ASSERT_EQ(m.list_items().size(), 3u);
  EXPECT_EQ(m.list_items()[1], value::make_int_range(5, 10).value());
  EXPECT_EQ(m.list_items()[2], value(2.5));
  EXPECT_EQ(field(s, "n"), value::make_list({1, 2, 3}).value());
  EXPECT_EQ(field(s, "one"), value("RGBA"));
}

TEST(CapsParse, HonoursGStreamerCasts) {
  auto s = one(
      "a/b,i=(int)5,j=(int64)-7,k=(i)3,s=(string)RGBA,n=(string)5,fr=(fraction)30/1,"
      "fw=(fraction)25,d=(double)5,inf=(double)inf,b=(boolean)yes,c=(bool)0,"
      "r=(int)[1,5],dr=(double)[1,2],frr=(fraction)[1,60],l=(string){1,2},"
      "mixed={(int)1,(string)1},q=(string)\"x y\"");
  EXPECT_EQ(field(s, "i"), value(5));
  EXPECT_EQ(field(s, "j"), value(-7));
  EXPECT_EQ(field(s, "k"), value(3));
  EXPECT_EQ(field(s, "s"), value("RGBA"));
  EXPECT_EQ(field(s, "n"), value("5"));
  EXPECT_EQ(field(s, "fr"), value(fraction(30)));
  EXPECT_EQ(field(s, "fw"), value(fraction(25)));
  EXPECT_EQ(field(s, "d"), value(5.0));
  EXPECT_EQ(field(s, "inf"), value(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(field(s, "b"), value(true));
  EXPECT_EQ(field(s, "c"), value(false));
  EXPECT_EQ(field(s, "r"), value::make_int_range(1, 5).value());
  EXPECT_EQ(field(s, "dr"), value::make_double_range(1.0, 2.0).value());
  EXPECT_EQ(field(s, "frr"), value::make_fraction_range(fraction(1), fraction(60)).value());
  EXPECT_EQ(field(s, "l"), value::make_list({"1", "2"}).value());
  EXPECT_EQ(field(s, "mixed"), value::make_list({1, "1"}).value());
  EXPECT_EQ(field(s, "q"), value("x y"));
}

TEST(CapsParse, ToleratesWhitespaceAroundTokens) {
  auto spaced = caps::parse(
      "  video/x-raw ,  width = 640 ,format = ( string ) { RGBA , RGB } ,"
      " framerate = [ 1/1 , 60/1 ] ;\n\taudio/x-raw , rate = [ 1 , 48000 , 1 ]  ");
  auto compact = caps::parse(
      "video/x-raw,width=640,format={RGBA,RGB},framerate=[1/1,60/1];audio/x-raw,rate=[1,48000]");
  ASSERT_TRUE(spaced) << spaced.error().message;
  ASSERT_TRUE(compact);
  EXPECT_EQ(*spaced, *compact);
  EXPECT_EQ(spaced->size(), 2u);
}

TEST(CapsParse, ReadsAnyEmptyAndNone) {
  EXPECT_TRUE(caps::parse("ANY")->is_any());
  EXPECT_TRUE(caps::parse("  ANY ")->is_any());
  EXPECT_TRUE(caps::parse("EMPTY")->is_empty());
  EXPECT_TRUE(caps::parse("NONE")->is_empty());
  EXPECT_TRUE(caps::parse("")->is_empty());
  EXPECT_TRUE(caps::parse("   ")->is_empty());
  EXPECT_EQ(caps::parse("a/b;")->size(), 1u);
}

struct parse_error_case {
  const char* text;
  std::size_t offset;
  const char* message;  // the full message
  friend std::ostream& operator<<(std::ostream& os, const parse_error_case& c) {
    return os << c.text;
  }
};

class CapsParseErrors : public ::testing::TestWithParam<parse_error_case> {};

TEST_P(CapsParseErrors, SayWhatWasExpectedAndWhere) {
  const auto& c = GetParam();
  std::size_t offset = 9999;
  auto r = caps::parse(c.text, &offset);
  ASSERT_FALSE(r) << c.text << " parsed as " << r->to_string();
  EXPECT_TRUE(r.error() == errc::parse_error);
  EXPECT_EQ(offset, c.offset) << r.error().message;
  EXPECT_EQ(r.error().message, c.message);
}

INSTANTIATE_TEST_SUITE_P(
    Malformed, CapsParseErrors,
    ::testing::Values(
        parse_error_case{"video/x-raw,width=[1,8192", 25,
                         "caps: expected ']' to close range, found end of input at offset 25 in "
                         "\"video/x-raw,width=[1,8192\""},
        parse_error_case{"video/x-raw,width=[1,8192;a/b", 25,
                         "caps: expected ']' to close range, found ';' at offset 25 in "
                         "\"video/x-raw,width=[1,8192;a/b\""},
        parse_error_case{"video/x-raw,=5", 12,
                         "caps: expected a field name, found '=' at offset 12 in "
                         "\"video/x-raw,=5\""},
        parse_error_case{"video/x-raw,framerate=1/0", 22,
                         "caps: bad fraction '1/0': zero denominator at offset 22 in "
                         "\"video/x-raw,framerate=1/0\""},
        parse_error_case{"video/x-raw,width=(integer)5", 18,
                         "caps: unknown cast '(integer)' (known: int, double, boolean, string, "
                         "fraction) at offset 18 in \"video/x-raw,width=(integer)5\""},
        parse_error_case{"a/b,x={1,2", 10,
                         "caps: expected '}' to close list, found end of input at offset 10 in "
                         "\"a/b,x={1,2\""},
        parse_error_case{"a/b,x=\"abc", 6,
                         "caps: unterminated quoted string at offset 6 in \"a/b,x=\"abc\""},
        parse_error_case{"a/b,x 5", 6,
                         "caps: expected '=' after field name 'x', found '5' at offset 6 in "
                         "\"a/b,x 5\""},
        parse_error_case{"a/b,x=", 6,
                         "caps: expected a value, found end of input at offset 6 in \"a/b,x=\""},
        parse_error_case{"a/b,x=[8,1]", 6,
                         "caps: int range [8,1] has min greater than max at offset 6 in "
                         "\"a/b,x=[8,1]\""},
        parse_error_case{"a/b,x=[1,9,2]", 6,
                         "caps: int range [1,9,2] has bounds that are not multiples of step 2 at "
                         "offset 6 in \"a/b,x=[1,9,2]\""},
        parse_error_case{"a/b,x=[a,b]", 7,
                         "caps: range bounds must be numbers, found string a at offset 7 in "
                         "\"a/b,x=[a,b]\""},
        parse_error_case{"a/b,x=[1]", 6,
                         "caps: a range needs two bounds: [min,max] at offset 6 in \"a/b,x=[1]\""},
        parse_error_case{"a/b,x=[1.5,2.5,1]", 15,
                         "caps: only int ranges take a step at offset 15 in "
                         "\"a/b,x=[1.5,2.5,1]\""},
        parse_error_case{"a/b,x=[1.5,2/1]", 6,
                         "caps: range mixes double and fraction bounds at offset 6 in "
                         "\"a/b,x=[1.5,2/1]\""},
        parse_error_case{"a/b,x={}", 6,
                         "caps: a list needs at least one value at offset 6 in \"a/b,x={}\""},
        parse_error_case{"a/b,x=1,x=2", 8,
                         "caps: duplicate field 'x' at offset 8 in \"a/b,x=1,x=2\""},
        parse_error_case{"1video", 0,
                         "caps: media type name '1video' must start with a letter at offset 0 "
                         "in \"1video\""},
        parse_error_case{",x=1", 0,
                         "caps: expected a media type name (like video/x-raw), found ',' at "
                         "offset 0 in \",x=1\""},
        parse_error_case{"ANY;a/b", 3,
                         "caps: expected end of input after ANY, found ';' at offset 3 in "
                         "\"ANY;a/b\""},
        parse_error_case{"a/b c/d", 4,
                         "caps: expected ',' or ';', found 'c/d' at offset 4 in \"a/b c/d\""},
        parse_error_case{"a/b,x=99999999999999999999", 6,
                         "caps: integer '99999999999999999999' does not fit in 64 bits at "
                         "offset 6 in \"a/b,x=99999999999999999999\""},
        parse_error_case{"a/b,x=(int)abc", 11,
                         "caps: expected an integer for (int), found 'abc' at offset 11 in "
                         "\"a/b,x=(int)abc\""},
        parse_error_case{"a/b,x=(boolean)maybe", 15,
                         "caps: expected true or false for (boolean), found 'maybe' at offset 15 "
                         "in \"a/b,x=(boolean)maybe\""},
        parse_error_case{"a/b,x=(fraction)1.5", 16,
                         "caps: expected a fraction like 30/1 for (fraction), found '1.5' at "
                         "offset 16 in \"a/b,x=(fraction)1.5\""},
        parse_error_case{"a/b,x=(int 5", 11,
                         "caps: expected ')' to close the type cast, found '5' at offset 11 in "
                         "\"a/b,x=(int 5\""},
        parse_error_case{"a/b,x=3/4294967296", 6,
                         "caps: bad fraction '3/4294967296': terms do not fit 32 bits at offset "
                         "6 in \"a/b,x=3/4294967296\""},
        parse_error_case{"a/b,x=@", 6,
                         "caps: expected a value, found '@' at offset 6 in \"a/b,x=@\""}));

TEST(CapsParse, RefusesListsNestedBeyondTheLimit) {
  std::string deep = "a/b,x=" + std::string(20, '{') + "1" + std::string(20, '}');
  auto r = caps::parse(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("lists nested deeper than 16"), std::string::npos);
  std::string ok = "a/b,x=" + std::string(16, '{') + "1" + std::string(16, '}');
  EXPECT_TRUE(caps::parse(ok));
}

TEST(CapsParse, ShowsAWindowOfVeryLongInput) {
  std::string text = "a/b,x=" + std::string(1000, 'y') + ",=";
  auto r = caps::parse(text);
  ASSERT_FALSE(r);
  EXPECT_LT(r.error().message.size(), 400u);
  EXPECT_NE(r.error().message.find("at offset 1007"), std::string::npos);
}

struct round_trip_case {
  const char* text;
  const char* printed;
  friend std::ostream& operator<<(std::ostream& os, const round_trip_case& c) {
    return os << c.text;
  }
};

class CapsRoundTrip : public ::testing::TestWithParam<round_trip_case> {};

TEST_P(CapsRoundTrip, PrintsCompactGStreamerStyleAndParsesBack) {
  auto c = caps::parse(GetParam().text);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->to_string(), GetParam().printed);
  auto again = caps::parse(c->to_string());
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *c);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, CapsRoundTrip,
    ::testing::Values(
        round_trip_case{"video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1",
                        "video/x-raw,format=GRAY8,width=640,height=480,framerate=30/1"},
        round_trip_case{"video/x-raw, format=(string){ RGBA, RGB }, width=(int)[ 1, 8192 ]",
                        "video/x-raw,format={RGBA,RGB},width=[1,8192]"},
        round_trip_case{"a/b,x=[0,100,4],y=[1/1,60/1],z=[0.5,2]",
                        "a/b,x=[0,100,4],y=[1/1,60/1],z=[0.5,2.0]"},
        round_trip_case{"a/b,d=(double)2,i=(double)inf,r=(double)[0,inf]",
                        "a/b,d=2.0,i=(double)inf,r=(double)[0.0,inf]"},
        round_trip_case{"a/b,s=(string)30/1,t=(string)true,u=\"two words\",e=\"\"",
                        "a/b,s=\"30/1\",t=\"true\",u=\"two words\",e=\"\""},
        round_trip_case{"a/b,l={(int)1,(string)1,1.0,1/1}", "a/b,l={1,\"1\",1.0,1/1}"},
        round_trip_case{"image/jpeg; application/octet-stream",
                        "image/jpeg; application/octet-stream"},
        round_trip_case{"ANY", "ANY"}, round_trip_case{"", "EMPTY"},
        round_trip_case{"a/b,x=1e300,y=-0.25,z=+7", "a/b,x=1e+300,y=-0.25,z=7"},
        round_trip_case{"video/x-raw, pixel-aspect-ratio=(fraction)1/1", "video/x-raw,pixel-aspect-ratio=1/1"},
        round_trip_case{"video/x-raw,pixel-aspect-ratio=32/24", "video/x-raw,pixel-aspect-ratio=4/3"},
        round_trip_case{"video/x-raw,pixel-aspect-ratio=[ 1/2147483647, 2147483647/1 ]",
                        "video/x-raw,pixel-aspect-ratio=[1/2147483647,2147483647/1]"},
        round_trip_case{"video/x-raw,pixel-aspect-ratio={1/1,16/9}", "video/x-raw,pixel-aspect-ratio={1/1,16/9}"}));

}  // namespace caps_parse_test
}  // namespace tessera::core
