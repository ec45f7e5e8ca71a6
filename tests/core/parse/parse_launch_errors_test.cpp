// Every error parse_launch reports: the code, the position and the words.
#include "core/parse/parse_launch.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::core {
namespace parse_launch_errors_test {

struct failure {
  bool failed = false;
  bool is_parse_error = false;
  bool is_limit = false;
  std::string message;
};

failure fail_of(std::string_view text, const parse_limits& limits = {}) {
  auto r = parse_launch(text, limits);
  failure f;
  if (r) return f;
  f.failed = true;
  f.is_parse_error = r.error() == errc::parse_error;
  f.is_limit = r.error() == errc::limit_exceeded;
  f.message = r.error().message;
  return f;
}

// The message of a parse_error (a failed expectation if it parsed or is another kind).
std::string parse_error(std::string_view text) {
  failure f = fail_of(text);
  EXPECT_TRUE(f.failed) << "\"" << text << "\" parsed";
  EXPECT_TRUE(f.is_parse_error) << "\"" << text << "\" -> " << f.message;
  return f.message;
}

TEST(ParseLaunchErrors, EmptyDescription) {
  EXPECT_EQ(parse_error(""), "1:1: description is empty");
  EXPECT_EQ(parse_error("  \n\t  "), "1:1: description is empty");
}

TEST(ParseLaunchErrors, LinkWithNothingAfterIt) {
  EXPECT_EQ(parse_error("testsrc !"),
            "1:9: expected an element or caps after \"!\", found the end of the description");
  EXPECT_EQ(parse_error("testsrc ! ! fakesink"),
            "1:9: expected an element or caps after \"!\", found \"!\"");
  EXPECT_EQ(parse_error("testsrc !\n  \n"),
            "1:9: expected an element or caps after \"!\", found the end of the description");
  EXPECT_EQ(parse_error("testsrc ! width=3"),
            "1:9: expected an element or caps after \"!\", found property \"width\"");
}

TEST(ParseLaunchErrors, LinkWithNothingBeforeIt) {
  EXPECT_EQ(parse_error("! fakesink"), "1:1: \"!\" with nothing before it");
  EXPECT_EQ(parse_error("\n   ! fakesink"), "2:4: \"!\" with nothing before it");
}

TEST(ParseLaunchErrors, UnterminatedStrings) {
  std::string text = "testsrc ! filesink location=\"abc ! fakesink";
  EXPECT_EQ(parse_error(text), "1:29: unterminated string: no closing \" for the quote opened here");
  EXPECT_EQ(parse_error("a p='x\\'"),
            "1:5: unterminated string: no closing ' for the quote opened here");
  EXPECT_EQ(parse_error("a ! \"video/x-raw ! b"),
            "1:5: unterminated string: no closing \" for the quote opened here");
  EXPECT_EQ(parse_error("a ! video/x-raw,f=\"x ! b"),
            "1:19: unterminated string: no closing \" for the quote opened here");
  EXPECT_EQ(parse_error("a\n caps=video/x-raw,f='x ! b"),
            "2:21: unterminated string: no closing ' for the quote opened here");
}

TEST(ParseLaunchErrors, UnknownReferenceNamesItsText) {
  EXPECT_EQ(parse_error("testsrc ! fakesink\n    t. ! queue ! fakesink"),
            "2:5: no element named \"t\" (referenced as \"t.\")");
  EXPECT_EQ(parse_error("testsrc ! mux.sink_0"),
            "1:11: no element named \"mux\" (referenced as \"mux.sink_0\")");
  EXPECT_EQ(parse_error("t. ! u."), "1:1: no element named \"t\" (referenced as \"t.\")");
}

TEST(ParseLaunchErrors, PropertyWithoutValue) {
  EXPECT_EQ(parse_error("videoscale width= ! fakesink"), "1:12: property \"width\" has no value");
  EXPECT_EQ(parse_error("videoscale width=!fakesink"), "1:12: property \"width\" has no value");
  EXPECT_EQ(parse_error("a\n  width =  "), "2:3: property \"width\" has no value");
}

TEST(ParseLaunchErrors, DuplicateNameIsReportedAtTheSecondName) {
  EXPECT_EQ(parse_error("testsrc ! tee name=t ! queue name=t"),
            "1:30: duplicate element name \"t\" (first used by the element at 1:11)");
  EXPECT_EQ(parse_error("invert ! invert name=invert0"),
            "1:17: duplicate element name \"invert0\" (first used by the element at 1:1)");
}

TEST(ParseLaunchErrors, DefaultNameTakenByAnExplicitNameIsADuplicate) {
  EXPECT_EQ(parse_error("invert name=invert1 ! invert"),
            "1:23: duplicate element name \"invert1\": the default name of this \"invert\" is "
            "already used by the element at 1:1; give one of them another name=");
}

TEST(ParseLaunchErrors, EmptyNameIsRefused) {
  EXPECT_EQ(parse_error("tee name=\"\" ! fakesink"), "1:5: an element name must not be empty");
}

TEST(ParseLaunchErrors, PropertyWithoutElement) {
  EXPECT_EQ(parse_error("name=t ! fakesink"), "1:1: property \"name\" has no element before it");
  EXPECT_EQ(parse_error("a name=t  t. sync=false ! b"),
            "1:14: property \"sync\" after reference \"t.\": properties belong after an element");
  EXPECT_EQ(parse_error("a ! t. sync=false  b name=t"),
            "1:8: property \"sync\" after reference \"t.\": properties belong after an element");
}

TEST(ParseLaunchErrors, ReferenceThatStartsNothing) {
  EXPECT_EQ(parse_error("a name=t  t. b"),
            "1:11: reference \"t.\" must be followed by \"!\" to start a chain");
  EXPECT_EQ(parse_error("a name=t\n  t.src_1"),
            "2:3: reference \"t.src_1\" must be followed by \"!\" to start a chain");
  EXPECT_EQ(parse_error("a name=t  t. t. ! b"),
            "1:11: reference \"t.\" must be followed by \"!\" to start a chain");
}

TEST(ParseLaunchErrors, SinkReferenceEndsItsChain) {
  EXPECT_EQ(parse_error("a ! t. ! b  c name=t"),
            "1:8: \"!\" after \"t.\", which ends its chain; to link from it, start a new chain: "
            "\"t. ! ...\"");
}

TEST(ParseLaunchErrors, CapsNeedALinkOnBothSides) {
  EXPECT_EQ(parse_error("testsrc ! video/x-raw,format=GRAY8"),
            "1:11: caps \"video/x-raw,format=GRAY8\" must be followed by \"!\" and an element");
  EXPECT_EQ(parse_error("video/x-raw ! fakesink"),
            "1:1: caps \"video/x-raw\" must come after an element and \"!\" (element ! caps ! "
            "element)");
  EXPECT_EQ(parse_error("a ! \"\" ! b"), "1:5: the quoted caps are empty");
}

TEST(ParseLaunchErrors, LongCapsAreShortenedInMessages) {
  std::string caps = "video/x-raw," + std::string(100, 'w') + "=1";
  std::string message = parse_error("a ! " + caps);
  EXPECT_EQ(message, "1:5: caps \"" + caps.substr(0, 40) +
                         "...\" must be followed by \"!\" and an element");
}

TEST(ParseLaunchErrors, UnexpectedCharactersAreNamed) {
  EXPECT_EQ(parse_error("a \"x\""),
            "1:3: unexpected quoted string: expected an element, a reference or \"!\"");
  EXPECT_EQ(parse_error("a .src ! b"),
            "1:3: unexpected \".\": a reference needs an element name before the dot "
            "(\"name.\" or \"name.pad\")");
  EXPECT_EQ(parse_error("a ! =5"), "1:5: unexpected \"=\" without a property name before it");
  EXPECT_EQ(parse_error("a ! b$"), "1:6: unexpected \"$\" after \"b\"");
  EXPECT_EQ(parse_error("a ! \x01"),
            "1:5: unexpected character byte 0x01: expected an element, a reference or \"!\"");
  EXPECT_EQ(parse_error("a ! [b"),
            "1:5: unexpected character \"[\": expected an element, a reference or \"!\"");
  EXPECT_EQ(parse_error("a name=t  t.src_0,src_1 ! b"),
            "1:18: unexpected \",\" after reference \"t.src_0\"");
  EXPECT_EQ(parse_error("a p=\"x\"y"), "1:8: unexpected \"y\" after the quoted value of property \"p\"");
}

TEST(ParseLaunchErrors, ColumnsCountUtf8CharactersOnce) {
  // "é" and "ü" are two bytes each, one column each.
  EXPECT_EQ(parse_error("a p=\"éü\" ! !"),
            "1:10: expected an element or caps after \"!\", found \"!\"");
}

TEST(ParseLaunchErrors, SelfLinkIsRefused) {
  EXPECT_EQ(parse_error("a name=x ! x."), "1:10: element \"x\" cannot be linked to itself");
}

TEST(ParseLaunchErrors, NulByteIsRefusedWithItsPosition) {
  using namespace std::string_literals;
  EXPECT_EQ(parse_error("a\n b p=\"x\0y\""s), "2:8: the description contains a NUL byte");
}

TEST(ParseLaunchErrors, SyntaxErrorBeatsAnUnresolvedReference) {
  EXPECT_EQ(parse_error("x. ! a ! ! b"), "1:8: expected an element or caps after \"!\", found \"!\"");
}

TEST(ParseLaunchErrors, TooManyElements) {
  std::string text = "a";
  for (int i = 1; i < 257; ++i) text += " ! a";
  failure f = fail_of(text);
  ASSERT_TRUE(f.failed);
  EXPECT_TRUE(f.is_limit) << f.message;
  // The 257th element is the last "a": its column is the text's length.
  EXPECT_EQ(f.message, "1:" + std::to_string(text.size()) +
                           ": too many elements: a pipeline may have at most 256");

  failure small = fail_of("a ! video/x-raw ! b", parse_limits{1 << 20, 2});
  EXPECT_TRUE(small.is_limit);
  EXPECT_EQ(small.message, "1:19: too many elements: a pipeline may have at most 2");
}

TEST(ParseLaunchErrors, DescriptionOverTheSizeLimit) {
  std::string text(std::size_t{1} << 20, ' ');
  text += "a";
  failure f = fail_of(text);
  ASSERT_TRUE(f.failed);
  EXPECT_TRUE(f.is_limit);
  EXPECT_EQ(f.message, "1:1: the description is 1048577 bytes, over the limit of 1048576 bytes");

  failure small = fail_of("fakesrc ! fakesink", parse_limits{10, 256});
  EXPECT_TRUE(small.is_limit);
  EXPECT_EQ(small.message, "1:1: the description is 18 bytes, over the limit of 10 bytes");
}

}  // namespace parse_launch_errors_test
}  // namespace tessera::core
