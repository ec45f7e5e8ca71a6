// References (`t.`, `t.pad`, `! t.`), several chains, names, layout and limits.
#include "core/parse/parse_launch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::core {
namespace parse_launch_references_test {

pipeline_desc must_parse(std::string_view text, const parse_limits& limits = {}) {
  auto r = parse_launch(text, limits);
  EXPECT_TRUE(r.has_value()) << "\"" << text << "\" -> " << (r ? std::string() : r.error().message);
  return r ? *r : pipeline_desc{};
}

std::vector<std::string> names(const pipeline_desc& desc) {
  std::vector<std::string> out;
  for (const auto& e : desc.elements) out.emplace_back(e.effective_name());
  return out;
}

// Links as "from[.pad]>to[.pad]" using effective names: easy to compare whole.
std::vector<std::string> links(const pipeline_desc& desc) {
  std::vector<std::string> out;
  for (const auto& l : desc.links) {
    std::string s(desc.elements.at(l.from).effective_name());
    if (!l.from_pad.empty()) s += "." + l.from_pad;
    s += ">";
    s += desc.elements.at(l.to).effective_name();
    if (!l.to_pad.empty()) s += "." + l.to_pad;
    out.push_back(s);
  }
  return out;
}

using S = std::vector<std::string>;

TEST(ParseLaunchReferences, SpecExamplePipeline) {
  auto desc = must_parse(
      "testsrc pattern=ball width=640 height=480 ! video/x-raw,format=GRAY8 ! invert ! websink name=out");
  EXPECT_EQ(names(desc), (S{"testsrc0", "capsfilter0", "invert0", "out"}));
  EXPECT_EQ(links(desc), (S{"testsrc0>capsfilter0", "capsfilter0>invert0", "invert0>out"}));
  ASSERT_EQ(desc.elements.size(), 4u);
  EXPECT_EQ(desc.elements[0].properties.size(), 3u);
  EXPECT_EQ(desc.elements[1].properties.at(0).value, "video/x-raw,format=GRAY8");
  EXPECT_EQ(desc.elements[3].name(), "out");
  EXPECT_EQ(desc.elements[2].name(), "");
}

TEST(ParseLaunchReferences, SpecTeeExampleMakesTwoBranches) {
  std::string text =
      "testsrc ! tee name=t  t. ! queue ! websink name=a  t. ! queue ! invert ! websink name=b";
  auto desc = must_parse(text);
  EXPECT_EQ(names(desc), (S{"testsrc0", "t", "queue0", "a", "queue1", "invert0", "b"}));
  EXPECT_EQ(links(desc), (S{"testsrc0>t", "t>queue0", "queue0>a", "t>queue1", "queue1>invert0",
                            "invert0>b"}));
  ASSERT_EQ(desc.links.size(), 6u);
  // The link from the second "t." is at the "!" right after it.
  std::size_t second_ref = text.find("t.", text.find("t.") + 1);
  EXPECT_EQ(desc.links[3].position, (source_position{1, static_cast<int>(second_ref) + 4}));
}

TEST(ParseLaunchReferences, BriefTeeExampleWithFakesinks) {
  auto desc = must_parse("testsrc ! tee name=t  t. ! queue ! fakesink  t. ! queue ! invert ! fakesink");
  EXPECT_EQ(names(desc), (S{"testsrc0", "t", "queue0", "fakesink0", "queue1", "invert0", "fakesink1"}));
  EXPECT_EQ(links(desc), (S{"testsrc0>t", "t>queue0", "queue0>fakesink0", "t>queue1",
                            "queue1>invert0", "invert0>fakesink1"}));
}

TEST(ParseLaunchReferences, ForwardReferenceResolvesToALaterName) {
  auto desc = must_parse("t. ! queue ! fakesink  testsrc ! tee name=t");
  EXPECT_EQ(names(desc), (S{"queue0", "fakesink0", "testsrc0", "t"}));
  EXPECT_EQ(links(desc), (S{"t>queue0", "queue0>fakesink0", "testsrc0>t"}));
  ASSERT_EQ(desc.links.size(), 3u);
  EXPECT_EQ(desc.links[0].from, 3u);
  EXPECT_EQ(desc.links[0].position, (source_position{1, 4}));
}

TEST(ParseLaunchReferences, SourcePadNameIsKept) {
  auto desc = must_parse("testsrc ! tee name=t t.src_0 ! fakesink  t.src_%u ! fakesink");
  EXPECT_EQ(links(desc), (S{"testsrc0>t", "t.src_0>fakesink0", "t.src_%u>fakesink1"}));
}

TEST(ParseLaunchReferences, ChainMayEndInANamedElementAndItsPad) {
  auto desc = must_parse(
      "testsrc ! mux.sink_0  audiotestsrc ! mux.\n"
      "mymux name=mux ! fakesink");
  EXPECT_EQ(names(desc), (S{"testsrc0", "audiotestsrc0", "mux", "fakesink0"}));
  EXPECT_EQ(links(desc), (S{"testsrc0>mux.sink_0", "audiotestsrc0>mux", "mux>fakesink0"}));
  ASSERT_EQ(desc.links.size(), 3u);
  EXPECT_EQ(desc.links[1].position, (source_position{1, 36}));
  EXPECT_EQ(desc.links[2].position, (source_position{2, 16}));
}

TEST(ParseLaunchReferences, ReferenceMayLinkToAReference) {
  auto desc = must_parse("a name=x  b name=y  x.src ! y.sink");
  EXPECT_EQ(links(desc), (S{"x.src>y.sink"}));
}

TEST(ParseLaunchReferences, ChainAfterASinkReferenceStartsFresh) {
  auto desc = must_parse("a ! m. b ! m.  c name=m");
  EXPECT_EQ(links(desc), (S{"a0>m", "b0>m"}));
}

TEST(ParseLaunchReferences, CapsMayFollowAReference) {
  auto desc = must_parse("a name=t  t. ! video/x-raw ! b");
  EXPECT_EQ(links(desc), (S{"t>capsfilter0", "capsfilter0>b0"}));
}

TEST(ParseLaunchReferences, UnnamedElementsAreReachableByTheirDefaultName) {
  auto desc = must_parse("testsrc ! tee ! queue ! fakesink  tee0. ! queue ! fakesink");
  EXPECT_EQ(links(desc), (S{"testsrc0>tee0", "tee0>queue0", "queue0>fakesink0", "tee0>queue1",
                            "queue1>fakesink1"}));
  ASSERT_EQ(desc.links.size(), 5u);
  EXPECT_EQ(desc.links[3].from, 1u);
}

TEST(ParseLaunchReferences, DefaultNamesCountNamedElementsOfTheFactoryToo) {
  auto desc = must_parse("invert name=first ! invert ! other ! invert");
  ASSERT_EQ(desc.elements.size(), 4u);
  EXPECT_EQ(desc.elements[0].default_name, "invert0");
  EXPECT_EQ(desc.elements[0].effective_name(), "first");
  EXPECT_EQ(desc.elements[1].default_name, "invert1");
  EXPECT_EQ(desc.elements[2].default_name, "other0");
  EXPECT_EQ(desc.elements[3].default_name, "invert2");
}

TEST(ParseLaunchReferences, NameIsTheLastNameProperty) {
  auto desc = must_parse("tee name=a name=b  b. ! fakesink");
  ASSERT_EQ(desc.elements.size(), 2u);
  EXPECT_EQ(desc.elements[0].name(), "b");
  EXPECT_EQ(links(desc), (S{"b>fakesink0"}));
}

TEST(ParseLaunchReferences, QuotedNameIsAName) {
  auto desc = must_parse("tee name=\"t\" t. ! fakesink");
  EXPECT_EQ(links(desc), (S{"t>fakesink0"}));
}

TEST(ParseLaunchReferences, ElementsSideBySideAreSeparateChains) {
  auto desc = must_parse("fakesrc fakesink");
  EXPECT_EQ(names(desc), (S{"fakesrc0", "fakesink0"}));
  EXPECT_TRUE(desc.links.empty());
}

TEST(ParseLaunchReferences, NewlinesTabsAndCrLfAreWhitespace) {
  auto desc = must_parse("testsrc\r\n\t! invert\n  ! fakesink name=out\n");
  EXPECT_EQ(names(desc), (S{"testsrc0", "invert0", "out"}));
  ASSERT_EQ(desc.elements.size(), 3u);
  EXPECT_EQ(desc.elements[1].position, (source_position{2, 4}));
  EXPECT_EQ(desc.elements[2].position, (source_position{3, 5}));
  EXPECT_EQ(desc.elements[2].properties.at(0).position, (source_position{3, 14}));
  ASSERT_EQ(desc.links.size(), 2u);
  EXPECT_EQ(desc.links[0].position, (source_position{2, 2}));
  EXPECT_EQ(desc.links[1].position, (source_position{3, 3}));
}

TEST(ParseLaunchReferences, ColumnsCountCharactersNotBytes) {
  // "é" is two bytes in UTF-8 and one column.
  auto desc = must_parse("a label=\"é\" ! b");
  ASSERT_EQ(desc.elements.size(), 2u);
  EXPECT_EQ(desc.elements[1].position, (source_position{1, 15}));
}

TEST(ParseLaunchReferences, ElementLimitIsInclusive) {
  std::string text = "a";
  for (int i = 1; i < 5; ++i) text += " ! a";
  auto desc = must_parse(text, parse_limits{1 << 20, 5});
  EXPECT_EQ(desc.elements.size(), 5u);
  EXPECT_EQ(desc.links.size(), 4u);
}

TEST(ParseLaunchReferences, TwoHundredFiftySixElementsPassTheDefaultLimit) {
  std::string text = "a";
  for (int i = 1; i < 256; ++i) text += " ! a";
  auto desc = must_parse(text);
  EXPECT_EQ(desc.elements.size(), 256u);
  EXPECT_EQ(desc.elements.back().default_name, "a255");
}

TEST(ParseLaunchReferences, SizeLimitIsInclusive) {
  std::string text = "fakesrc ! fakesink";
  auto desc = must_parse(text, parse_limits{text.size(), 256});
  EXPECT_EQ(desc.elements.size(), 2u);
}

TEST(ParseLaunchReferences, LongFlatDescriptionParsesWithoutRecursion) {
  // 400 KB of "a!" pairs: a parser that recursed per link would need a 200000-deep stack.
  std::string text;
  const int count = 200000;
  text.reserve(2 * count);
  for (int i = 0; i < count; ++i) text += i ? "!a" : "a";
  auto desc = must_parse(text, parse_limits{std::size_t{1} << 20, std::size_t{1} << 20});
  EXPECT_EQ(desc.elements.size(), static_cast<std::size_t>(count));
  EXPECT_EQ(desc.links.size(), static_cast<std::size_t>(count - 1));
}

}  // namespace parse_launch_references_test
}  // namespace tessera::core
