#include "core/parse/parse_launch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::core {
namespace parse_launch_test {

pipeline_desc must_parse(std::string_view text) {
  auto r = parse_launch(text);
  EXPECT_TRUE(r.has_value()) << "\"" << text << "\" -> " << (r ? std::string() : r.error().message);
  return r ? *r : pipeline_desc{};
}

// 1-based column of the n-th occurrence of `needle` in a single-line ASCII text.
int column_of(std::string_view text, std::string_view needle, int nth = 1) {
  std::size_t at = std::string_view::npos;
  std::size_t from = 0;
  for (int i = 0; i < nth; ++i) {
    at = text.find(needle, from);
    from = at + 1;
  }
  return static_cast<int>(at) + 1;
}

std::vector<std::string> factories(const pipeline_desc& desc) {
  std::vector<std::string> out;
  for (const auto& e : desc.elements) out.push_back(e.factory);
  return out;
}

using S = std::vector<std::string>;

TEST(ParseLaunch, LinearChainLinksEachElementToTheNext) {
  auto desc = must_parse("a ! b ! c");
  EXPECT_EQ(factories(desc), (S{"a", "b", "c"}));
  ASSERT_EQ(desc.elements.size(), 3u);
  EXPECT_EQ(desc.elements[0].position, (source_position{1, 1}));
  EXPECT_EQ(desc.elements[1].position, (source_position{1, 5}));
  EXPECT_EQ(desc.elements[2].position, (source_position{1, 9}));
  ASSERT_EQ(desc.links.size(), 2u);
  EXPECT_EQ(desc.links[0], (link_desc{0, "", 1, "", {1, 3}}));
  EXPECT_EQ(desc.links[1], (link_desc{1, "", 2, "", {1, 7}}));
}

TEST(ParseLaunch, LinksNeedNoSpacesAroundTheBang) {
  auto desc = must_parse("a!b!c");
  EXPECT_EQ(factories(desc), (S{"a", "b", "c"}));
  ASSERT_EQ(desc.links.size(), 2u);
  EXPECT_EQ(desc.links[1], (link_desc{1, "", 2, "", {1, 4}}));
}

TEST(ParseLaunch, PropertiesAttachToThePrecedingElementWithPositions) {
  std::string text = "testsrc pattern=ball width=640 ! fakesink sync=false";
  auto desc = must_parse(text);
  ASSERT_EQ(desc.elements.size(), 2u);
  const auto& src = desc.elements[0];
  ASSERT_EQ(src.properties.size(), 2u);
  EXPECT_EQ(src.properties[0], (property_desc{"pattern", "ball", false, {1, 9}, {1, 17}}));
  EXPECT_EQ(src.properties[1], (property_desc{"width", "640", false, {1, column_of(text, "width")},
                                              {1, column_of(text, "640")}}));
  ASSERT_EQ(desc.elements[1].properties.size(), 1u);
  EXPECT_EQ(desc.elements[1].properties[0].name, "sync");
  EXPECT_EQ(desc.elements[1].properties[0].value, "false");
}

TEST(ParseLaunch, KeepsEveryValueKindAsWritten) {
  auto desc = must_parse(
      "testsrc num-buffers=-3 alpha=0.5 is-live=true framerate=30/1 pattern=smpte ! fakesink");
  ASSERT_EQ(desc.elements.size(), 2u);
  const auto& p = desc.elements[0].properties;
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].value, "-3");
  EXPECT_EQ(p[1].value, "0.5");
  EXPECT_EQ(p[2].value, "true");
  EXPECT_EQ(p[3].value, "30/1");
  EXPECT_EQ(p[4].value, "smpte");
  for (const auto& property : p) EXPECT_FALSE(property.quoted) << property.name;
}

TEST(ParseLaunch, DoubleQuotedValueIsUnescaped) {
  std::string text = R"(filesink location="my \"file\" \\ x.raw" sync=true)";
  auto desc = must_parse(text);
  ASSERT_EQ(desc.elements.size(), 1u);
  const auto& p = desc.elements[0].properties;
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, R"(my "file" \ x.raw)");
  EXPECT_TRUE(p[0].quoted);
  EXPECT_EQ(p[0].value_position, (source_position{1, column_of(text, "\"")}));
  EXPECT_EQ(p[1].value, "true");
}

TEST(ParseLaunch, SingleQuotedValueIsUnescapedToo) {
  auto desc = must_parse(R"(identity label='a b' other='it\'s' empty='')");
  ASSERT_EQ(desc.elements.size(), 1u);
  const auto& p = desc.elements[0].properties;
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].value, "a b");
  EXPECT_EQ(p[1].value, "it's");
  EXPECT_EQ(p[2].value, "");
  EXPECT_TRUE(p[2].quoted);
}

TEST(ParseLaunch, QuotedValueMayHoldBangsNewlinesAndCapsCommas) {
  auto desc = must_parse(
      "capsfilter caps=\"video/x-raw, format=(string)GRAY8, width=[1,2]\" label=\"a ! b\nc\"");
  ASSERT_EQ(desc.elements.size(), 1u);
  const auto& p = desc.elements[0].properties;
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].value, "video/x-raw, format=(string)GRAY8, width=[1,2]");
  EXPECT_EQ(p[1].value, "a ! b\nc");
  EXPECT_TRUE(desc.links.empty());
}

TEST(ParseLaunch, QuotedSectionInsideAnUnquotedValueIsKeptVerbatim) {
  auto desc = must_parse(R"(capsfilter caps=video/x-raw,format="GRAY 8",x="a\"b" ! fakesink)");
  ASSERT_EQ(desc.elements.size(), 2u);
  ASSERT_EQ(desc.elements[0].properties.size(), 1u);
  EXPECT_EQ(desc.elements[0].properties[0].value, R"(video/x-raw,format="GRAY 8",x="a\"b")");
  EXPECT_FALSE(desc.elements[0].properties[0].quoted);
  EXPECT_EQ(desc.links.size(), 1u);
}

TEST(ParseLaunch, BackslashEscapesTheNextCharacterOfAnUnquotedValue) {
  auto desc = must_parse(R"(filesink location=my\ file\\.raw)");
  ASSERT_EQ(desc.elements.size(), 1u);
  ASSERT_EQ(desc.elements[0].properties.size(), 1u);
  EXPECT_EQ(desc.elements[0].properties[0].value, R"(my file\.raw)");
}

TEST(ParseLaunch, WhitespaceAroundEqualsIsAllowedAsInGstLaunch) {
  std::string text = "testsrc width = 320 height=\n 240 ! fakesink";
  auto desc = must_parse(text);
  ASSERT_EQ(desc.elements.size(), 2u);
  const auto& p = desc.elements[0].properties;
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], (property_desc{"width", "320", false, {1, 9}, {1, column_of(text, "320")}}));
  EXPECT_EQ(p[1].value, "240");
  EXPECT_EQ(p[1].value_position, (source_position{2, 2}));
}

TEST(ParseLaunch, UnquotedValueEndsAtABang) {
  auto desc = must_parse("fakesrc num-buffers=5!fakesink");
  EXPECT_EQ(factories(desc), (S{"fakesrc", "fakesink"}));
  ASSERT_EQ(desc.elements[0].properties.size(), 1u);
  EXPECT_EQ(desc.elements[0].properties[0].value, "5");
  ASSERT_EQ(desc.links.size(), 1u);
  EXPECT_EQ(desc.links[0].position, (source_position{1, 22}));
}

TEST(ParseLaunch, BareCapsBetweenLinksBecomeACapsfilter) {
  std::string text = "testsrc ! video/x-raw,format=GRAY8,width=320 ! fakesink";
  auto desc = must_parse(text);
  EXPECT_EQ(factories(desc), (S{"testsrc", "capsfilter", "fakesink"}));
  ASSERT_EQ(desc.elements.size(), 3u);
  const auto& caps = desc.elements[1];
  EXPECT_EQ(caps.position, (source_position{1, 11}));
  ASSERT_EQ(caps.properties.size(), 1u);
  EXPECT_EQ(caps.properties[0],
            (property_desc{"caps", "video/x-raw,format=GRAY8,width=320", false, {1, 11}, {1, 11}}));
  EXPECT_EQ(caps.default_name, "capsfilter0");
  ASSERT_EQ(desc.links.size(), 2u);
  EXPECT_EQ(desc.links[0], (link_desc{0, "", 1, "", {1, 9}}));
  EXPECT_EQ(desc.links[1], (link_desc{1, "", 2, "", {1, column_of(text, "!", 2)}}));
}

TEST(ParseLaunch, QuotedCapsAreUnquoted) {
  auto desc = must_parse(R"(testsrc ! "video/x-raw, format=(string)GRAY8" ! fakesink)");
  ASSERT_EQ(desc.elements.size(), 3u);
  ASSERT_EQ(desc.elements[1].properties.size(), 1u);
  EXPECT_EQ(desc.elements[1].factory, "capsfilter");
  EXPECT_EQ(desc.elements[1].properties[0].value, "video/x-raw, format=(string)GRAY8");
  EXPECT_TRUE(desc.elements[1].properties[0].quoted);
  EXPECT_EQ(desc.elements[1].position, (source_position{1, 11}));
  EXPECT_EQ(desc.links.size(), 2u);
}

TEST(ParseLaunch, SingleQuotedCapsWithEscapedQuote) {
  auto desc = must_parse(R"~(a ! 'video/x-raw,name=(string)"x\'y"' ! b)~");
  ASSERT_EQ(desc.elements.size(), 3u);
  EXPECT_EQ(desc.elements[1].properties[0].value, R"~(video/x-raw,name=(string)"x'y")~");
}

TEST(ParseLaunch, CapsMayHoldRangesListsFractionsAndTypes) {
  auto desc = must_parse(
      "a ! video/x-raw,width=[1,2],format={A,B},framerate=30/1,height=(int)5,s=\"x!y\" ! b");
  ASSERT_EQ(desc.elements.size(), 3u);
  EXPECT_EQ(desc.elements[1].properties[0].value,
            "video/x-raw,width=[1,2],format={A,B},framerate=30/1,height=(int)5,s=\"x!y\"");
  EXPECT_FALSE(desc.elements[1].properties[0].quoted);
}

TEST(ParseLaunch, CapsMaySpanSpacesAndLinesAndAreTrimmed) {
  auto desc = must_parse("a !  video/x-raw, format=GRAY8,\n  width=8  \n! b");
  ASSERT_EQ(desc.elements.size(), 3u);
  EXPECT_EQ(desc.elements[1].properties[0].value, "video/x-raw, format=GRAY8,\n  width=8");
  EXPECT_EQ(desc.elements[1].position, (source_position{1, 6}));
  ASSERT_EQ(desc.links.size(), 2u);
  EXPECT_EQ(desc.links[1].position, (source_position{3, 1}));
}

TEST(ParseLaunch, ConsecutiveCapsMakeConsecutiveCapsfilters) {
  auto desc = must_parse("a ! video/x-raw ! video/x-raw,width=4 ! b");
  EXPECT_EQ(factories(desc), (S{"a", "capsfilter", "capsfilter", "b"}));
  EXPECT_EQ(desc.elements[2].default_name, "capsfilter1");
  EXPECT_EQ(desc.links.size(), 3u);
}

}  // namespace parse_launch_test
}  // namespace tessera::core
