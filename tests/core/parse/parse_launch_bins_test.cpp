// Bins: `( ... )` and `bin.( ... )` group elements as in gst-launch; links into a bin
// go to its first element, links out of it come from its last (desc.links stay in the
// order of their "!"); a bin may be named and referred to; errors name the position.
#include "core/parse/parse_launch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::core {
namespace parse_launch_bins_test {

using S = std::vector<std::string>;

pipeline_desc must_parse(std::string_view text) {
  auto r = parse_launch(text);
  EXPECT_TRUE(r.has_value()) << "\"" << text << "\" -> " << (r ? std::string() : r.error().message);
  return r ? *r : pipeline_desc{};
}

std::string parse_error(std::string_view text) {
  auto r = parse_launch(text);
  EXPECT_FALSE(r.has_value()) << "\"" << text << "\" parsed";
  if (r) return {};
  EXPECT_EQ(r.error(), errc::parse_error) << r.error().message;
  return r.error().message;
}

S names(const pipeline_desc& desc) {
  S out;
  for (const auto& e : desc.elements) out.emplace_back(e.effective_name());
  return out;
}

S links(const pipeline_desc& desc) {
  S out;
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

S members(const pipeline_desc& desc, std::size_t bin) {
  S out;
  for (std::size_t i : desc.bins.at(bin).elements) out.emplace_back(desc.elements.at(i).effective_name());
  return out;
}

TEST(ParseLaunchBins, ABinInAChainLinksToItsFirstAndFromItsLastElement) {
  auto desc = must_parse("testsrc ! ( invert ! queue ) ! fakesink");
  EXPECT_EQ(names(desc), (S{"testsrc0", "invert0", "queue0", "fakesink0"}));
  EXPECT_EQ(links(desc), (S{"testsrc0>invert0", "invert0>queue0", "queue0>fakesink0"}));
  ASSERT_EQ(desc.bins.size(), 1u);
  const bin_desc& bin = desc.bins[0];
  EXPECT_EQ(bin.effective_name(), "bin0");
  EXPECT_EQ(bin.position, (source_position{1, 11}));
  EXPECT_EQ(members(desc, 0), (S{"invert0", "queue0"}));
  EXPECT_EQ(bin.first, 1u);
  EXPECT_EQ(bin.last, 2u);
  EXPECT_FALSE(bin.parent);
  EXPECT_FALSE(desc.elements[0].bin);
  EXPECT_EQ(desc.elements[1].bin, 0u);
  EXPECT_FALSE(desc.elements[3].bin);
}

TEST(ParseLaunchBins, WithoutSpacesAndAcrossLines) {
  auto desc = must_parse("testsrc!(invert!queue)!fakesink");
  EXPECT_EQ(links(desc), (S{"testsrc0>invert0", "invert0>queue0", "queue0>fakesink0"}));
  auto lines = must_parse("testsrc !\n(\n  invert ! queue\n)\n! fakesink");
  EXPECT_EQ(links(lines), (S{"testsrc0>invert0", "invert0>queue0", "queue0>fakesink0"}));
  EXPECT_EQ(lines.bins.at(0).position, (source_position{2, 1}));
}

TEST(ParseLaunchBins, NameAfterTheParenthesisNamesTheBin) {
  auto desc = must_parse("testsrc ! ( name=fx invert ! queue name=q ) ! fakesink");
  ASSERT_EQ(desc.bins.size(), 1u);
  EXPECT_EQ(desc.bins[0].name, "fx");
  EXPECT_EQ(desc.bins[0].effective_name(), "fx");
  // The elements keep their own names; the bin's name is not one of theirs.
  EXPECT_EQ(names(desc), (S{"testsrc0", "invert0", "q", "fakesink0"}));
}

TEST(ParseLaunchBins, TypedBinOpener) {
  for (std::string_view text : {"testsrc ! bin.( invert ) ! fakesink", "testsrc ! bin . ( invert ) ! fakesink",
                                "testsrc ! bin.(invert) ! fakesink"}) {
    SCOPED_TRACE(text);
    auto desc = must_parse(text);
    EXPECT_EQ(links(desc), (S{"testsrc0>invert0", "invert0>fakesink0"}));
    EXPECT_EQ(desc.bins.size(), 1u);
  }
  EXPECT_EQ(parse_error("testsrc ! pipeline.( invert ) ! fakesink"),
            "1:11: no bin type \"pipeline\": a bin is written \"( ... )\" or \"bin.( ... )\"");
}

TEST(ParseLaunchBins, ABinHoldsBranchesWithReferences) {
  auto desc = must_parse("testsrc ! ( tee name=t ! queue ! fakesink name=a  t. ! queue ! invert ) ! fakesink name=b");
  EXPECT_EQ(links(desc), (S{"testsrc0>t", "t>queue0", "queue0>a", "t>queue1", "queue1>invert0", "invert0>b"}));
  EXPECT_EQ(members(desc, 0), (S{"t", "queue0", "a", "queue1", "invert0"}));
}

TEST(ParseLaunchBins, NestedBins) {
  auto desc = must_parse("testsrc ! ( ( invert ! queue ) ! ( videoconvert ) ) ! fakesink");
  ASSERT_EQ(desc.bins.size(), 3u);
  EXPECT_EQ(links(desc), (S{"testsrc0>invert0", "invert0>queue0", "queue0>videoconvert0", "videoconvert0>fakesink0"}));
  EXPECT_EQ(members(desc, 0), (S{"invert0", "queue0", "videoconvert0"}));
  EXPECT_EQ(members(desc, 1), (S{"invert0", "queue0"}));
  EXPECT_EQ(members(desc, 2), (S{"videoconvert0"}));
  EXPECT_EQ(desc.bins[1].parent, 0u);
  EXPECT_EQ(desc.bins[2].parent, 0u);
  EXPECT_EQ(desc.elements[1].bin, 1u);  // the innermost bin
  EXPECT_EQ(desc.bins[0].first, 1u);
  EXPECT_EQ(desc.bins[0].last, 3u);
}

TEST(ParseLaunchBins, ABinStartsAndEndsAPipeline) {
  auto desc = must_parse("( testsrc ! invert ) ! ( queue ! fakesink )");
  EXPECT_EQ(links(desc), (S{"testsrc0>invert0", "invert0>queue0", "queue0>fakesink0"}));
  EXPECT_EQ(desc.bins.size(), 2u);
}

TEST(ParseLaunchBins, ANamedBinIsAReferenceToItsFirstOrLastElement) {
  auto desc = must_parse("testsrc ! tee name=t  ( name=fx invert ! queue )  t. ! fx.  fx. ! fakesink");
  EXPECT_EQ(links(desc), (S{"testsrc0>t", "invert0>queue0", "t>invert0", "queue0>fakesink0"}));
  // By its default name too, with a pad.
  auto by_default = must_parse("( invert ! tee )  bin0.src_0 ! fakesink");
  EXPECT_EQ(links(by_default), (S{"invert0>tee0", "tee0.src_0>fakesink0"}));
}

TEST(ParseLaunchBins, UnclosedParenthesisIsReportedWhereItOpens) {
  EXPECT_EQ(parse_error("testsrc ! ( invert ! queue ! fakesink"),
            "1:11: unclosed \"(\": no \")\" closes the bin opened here");
  EXPECT_EQ(parse_error("a ! (\n b ! ( c ) ! d"), "1:5: unclosed \"(\": no \")\" closes the bin opened here");
  // gst-launch reads "num-buffers=1)" as the value "1)"; the error says so.
  EXPECT_EQ(parse_error("( testsrc num-buffers=1) ! fakesink"),
            "1:1: unclosed \"(\": no \")\" closes the bin opened here (the \")\" at the end of property "
            "\"num-buffers=1)\" belongs to its value: put a space before it)");
}

TEST(ParseLaunchBins, OtherErrorsNameThePosition) {
  EXPECT_EQ(parse_error("testsrc ! invert ) ! fakesink"), "1:18: \")\" without a \"(\" to close");
  EXPECT_EQ(parse_error("testsrc ! ( ) ! fakesink"), "1:11: empty bin: \"( )\" must hold at least one element");
  EXPECT_EQ(parse_error("testsrc ! ( invert ! ) ! fakesink"),
            "1:20: expected an element or caps after \"!\", found \")\"");
  EXPECT_EQ(parse_error("testsrc ! ( async-handling=true invert ) ! fakesink"),
            "1:13: a bin has no property \"async-handling\": it takes only name=");
  EXPECT_EQ(parse_error("testsrc ! ( invert ) name=x ! fakesink"),
            "1:22: property \"name\" after the \")\" of a bin: a bin's name= goes right after its \"(\"");
  EXPECT_EQ(parse_error("( t. ! fakesink )  testsrc ! tee name=t  testsrc ! bin0."),
            "1:52: bin \"bin0\" has no element to link to: its first chain starts with a reference");
  EXPECT_EQ(parse_error("testsrc ! tee name=t  ( invert ! t. ) ! fakesink"),
            "1:39: bin \"bin0\" has no element to link from: its last chain ends in a reference");
  EXPECT_EQ(parse_error("testsrc ! ( name=t invert ) ! tee name=t"),
            "1:13: duplicate name \"t\": the bin opened at 1:11 and the element at 1:31 have the same name; give "
            "one of them another name=");
  EXPECT_EQ(parse_error("( name=b invert ) ! ( name=b queue ) ! fakesink"),
            "1:23: duplicate bin name \"b\" (first used by the bin opened at 1:1)");
  EXPECT_EQ(parse_error("( name=\"\" invert )"), "1:3: a bin name must not be empty");
}

TEST(ParseLaunchBins, TooManyBinsIsALimit) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += "( fakesink ) ";
  parse_limits limits;
  limits.max_elements = 4;
  auto r = parse_launch(text, limits);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::limit_exceeded);
  // Deep nesting is no recursion: 200 levels parse.
  std::string deep = std::string(200, '(') + " fakesink " + std::string(200, ')');
  parse_limits wide;
  wide.max_elements = 256;
  EXPECT_TRUE(parse_launch(deep, wide)) << "200 nested bins";
}

}  // namespace parse_launch_bins_test
}  // namespace tessera::core
