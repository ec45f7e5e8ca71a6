// Random descriptions from a small alphabet: never a crash, and either a
// consistent pipeline_desc or a message that starts with a valid "line:column: ".
#include "core/parse/parse_launch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::core {
namespace parse_launch_fuzz_test {

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
}

// Parses "L:C: " at the start of `message`; false when it is not there.
bool leading_position(const std::string& message, source_position& out) {
  std::size_t colon = message.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::size_t second = message.find(':', colon + 1);
  if (second == std::string::npos || second == colon + 1) return false;
  for (std::size_t i = 0; i < second; ++i) {
    if (i != colon && (message[i] < '0' || message[i] > '9')) return false;
  }
  if (message.compare(second, 2, ": ") != 0 || message.size() <= second + 2) return false;
  out.line = std::stoi(message.substr(0, colon));
  out.column = std::stoi(message.substr(colon + 1, second - colon - 1));
  return true;
}

// The text at a position (ASCII only: the alphabet has no multibyte characters).
std::string_view at(const std::vector<std::string_view>& lines, source_position p) {
  return lines[static_cast<std::size_t>(p.line - 1)].substr(static_cast<std::size_t>(p.column - 1));
}

bool inside(const std::vector<std::string_view>& lines, source_position p) {
  return p.line >= 1 && static_cast<std::size_t>(p.line) <= lines.size() && p.column >= 1 &&
         static_cast<std::size_t>(p.column) <= lines[static_cast<std::size_t>(p.line - 1)].size() + 1;
}

struct outcome_counts {
  int parsed = 0;
  int failed = 0;
};

// Parses `text` and checks whichever outcome it has.
void check_one(const std::string& text, outcome_counts& counts) {
  SCOPED_TRACE("description: \"" + text + "\"");
  auto lines = lines_of(text);
  auto r = parse_launch(text);
  if (!r) {
    ++counts.failed;
    EXPECT_TRUE(r.error() == errc::parse_error) << r.error().message;
    source_position p;
    ASSERT_TRUE(leading_position(r.error().message, p)) << r.error().message;
    EXPECT_TRUE(inside(lines, p)) << r.error().message;
    return;
  }
  ++counts.parsed;
  for (const auto& element : r->elements) {
    ASSERT_TRUE(inside(lines, element.position));
    if (element.factory != "capsfilter") {
      EXPECT_TRUE(at(lines, element.position).starts_with(element.factory)) << element.factory;
    }
    for (const auto& property : element.properties) {
      ASSERT_TRUE(inside(lines, property.position));
      ASSERT_TRUE(inside(lines, property.value_position));
    }
  }
  for (const auto& link : r->links) {
    EXPECT_LT(link.from, r->elements.size());
    EXPECT_LT(link.to, r->elements.size());
    EXPECT_NE(link.from, link.to);
    ASSERT_TRUE(inside(lines, link.position));
    EXPECT_EQ(at(lines, link.position).substr(0, 1), "!");
  }
}

template <std::size_t N>
outcome_counts run_random(const std::array<std::string_view, N>& alphabet, unsigned seed,
                          int rounds, int max_length) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::size_t> pick(0, N - 1);
  std::uniform_int_distribution<int> length(0, max_length);
  outcome_counts counts;
  for (int round = 0; round < rounds; ++round) {
    std::string text;
    for (int n = length(random); n > 0; --n) text += alphabet[pick(random)];
    check_one(text, counts);
  }
  return counts;
}

TEST(ParseLaunchFuzz, RandomCharacterSoupParsesOrFailsWithAPosition) {
  const std::array<std::string_view, 20> alphabet = {
      "!", ".", "=", "\"", "a", "b", "t", "name", "1/", "[", "]", "{", "}", ",", " ", " ", "\n",
      "'", "\\", "t."};
  outcome_counts long_ones = run_random(alphabet, 20240611, 3000, 40);
  outcome_counts short_ones = run_random(alphabet, 99, 3000, 6);
  // The alphabet must exercise both outcomes, or the test proves little.
  EXPECT_GT(long_ones.parsed + short_ones.parsed, 100);
  EXPECT_GT(long_ones.failed + short_ones.failed, 1000);
}

TEST(ParseLaunchFuzz, RandomWordSoupParsesOrFailsWithAPosition) {
  const std::array<std::string_view, 14> alphabet = {
      " ! ", "!", "a ", "b ", "name=t ", "t. ", "t.src ", "p=1 ", "q=\"x ! y\" ",
      "video/x-raw,w=[1,2],f={A,B} ", "\"1/2, c=3\" ", "\n", "tee name=t ", "  "};
  outcome_counts counts = run_random(alphabet, 5, 5000, 14);
  EXPECT_GT(counts.parsed, 150);
  EXPECT_GT(counts.failed, 500);
}

TEST(ParseLaunchFuzz, RandomBytesNeverCrash) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 64);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    for (int n = length(random); n > 0; --n) text += static_cast<char>(byte(random));
    auto r = parse_launch(text);
    if (!r) {
      source_position p;
      EXPECT_TRUE(leading_position(r.error().message, p)) << r.error().message;
      EXPECT_GE(p.line, 1);
      EXPECT_GE(p.column, 1);
    }
  }
}

}  // namespace parse_launch_fuzz_test
}  // namespace tessera::core
