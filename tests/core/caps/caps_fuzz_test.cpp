// Random caps texts: parsing never crashes, every failure names an offset inside
// the text, every success round-trips, and the set algebra keeps its laws on
// whatever parsed (a ∩ b ⊆ a, fixate(c) ⊆ c, normalize(c) ≡ c, ...).
#include "core/caps/caps.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace tessera::core {
namespace caps_fuzz_test {

constexpr int iterations = 4000;

std::string random_chars(std::mt19937& rng) {
  static constexpr std::string_view alphabet = "ab/x-,=;[]{}()\" \\019./+ABintrg";
  std::uniform_int_distribution<std::size_t> len(0, 40), pick(0, alphabet.size() - 1);
  std::string s(len(rng), ' ');
  for (auto& c : s) c = alphabet[pick(rng)];
  return s;
}

// Sequences of caps tokens: far more of them parse than of random characters.
std::string random_tokens(std::mt19937& rng) {
  static const std::vector<std::string> tokens = {
      "video/x-raw", "a/b", ",", ",", "=", ";", " ", "width", "x", "f", "format", "5", "-3",
      "2.5", "30/1", "1/0", "RGBA", "GRAY8", "\"q s\"", "true", "[1,8192]", "[0,100,4]",
      "[1/1,60/1]", "[0.5,2.0]", "[", "]", "{", "}", "{RGBA,RGB}", "{1,[5,9]}", "(int)",
      "(string)", "(fraction)", "(double)", "(boolean)", "(bogus)", "ANY", "inf", "1e5"};
  std::uniform_int_distribution<std::size_t> len(0, 14), pick(0, tokens.size() - 1);
  std::string s;
  for (std::size_t n = len(rng); n > 0; --n) s += tokens[pick(rng)];
  return s;
}

// Well-formed caps assembled from valid fields, for the algebra laws.
std::string random_caps(std::mt19937& rng) {
  static const std::vector<std::string> names = {"v/a", "v/b"};
  static const std::vector<std::string> fields = {"x", "y", "f"};
  static const std::vector<std::string> values = {
      "1", "2", "5", "[1,4]", "[2,8,2]", "[0,12,3]", "{1,3,5}", "{[1,2],7}", "RGB", "{RGB,GRAY8}",
      "1/2", "[1/3,2/1]", "{1/2,30/1}", "0.5", "[0.25,1.0]", "true"};
  std::uniform_int_distribution<int> structures(0, 3), nfields(0, 3), coin(0, 1);
  std::uniform_int_distribution<std::size_t> pick_value(0, values.size() - 1);
  std::string s;
  for (int i = structures(rng); i > 0; --i) {
    if (!s.empty()) s += ';';
    s += names[coin(rng)];
    std::vector<bool> used(fields.size());
    for (int j = nfields(rng); j > 0; --j) {
      std::size_t f = std::uniform_int_distribution<std::size_t>(0, fields.size() - 1)(rng);
      if (used[f]) continue;
      used[f] = true;
      s += "," + fields[f] + "=" + values[pick_value(rng)];
    }
  }
  return s;
}

void check_text(const std::string& text, int& parsed_count) {
  auto c = caps::parse(text);
  if (!c) {
    EXPECT_EQ(c.error().message.rfind("caps: ", 0), 0u) << text;
    std::size_t offset = 0;
    (void)caps::parse(text, &offset);
    EXPECT_LE(offset, text.size()) << text;
    return;
  }
  ++parsed_count;
  std::string printed = c->to_string();
  auto again = caps::parse(printed);
  ASSERT_TRUE(again) << "'" << text << "' printed as '" << printed
                     << "' which fails: " << again.error().message;
  EXPECT_EQ(*again, *c) << text << " -> " << printed;
  EXPECT_EQ(again->to_string(), printed);
}

TEST(CapsFuzz, RandomCharactersNeverCrashAndSuccessesRoundTrip) {
  std::mt19937 rng(20240611);
  int parsed_count = 0;
  for (int i = 0; i < iterations; ++i) check_text(random_chars(rng), parsed_count);
  EXPECT_GT(parsed_count, 0);
}

TEST(CapsFuzz, RandomTokenSequencesNeverCrashAndSuccessesRoundTrip) {
  std::mt19937 rng(7);
  int parsed_count = 0;
  for (int i = 0; i < iterations; ++i) check_text(random_tokens(rng), parsed_count);
  // The generator is meant to exercise successes too.
  EXPECT_GT(parsed_count, iterations / 20);
}

TEST(CapsFuzz, AlgebraLawsHoldOnRandomCaps) {
  std::mt19937 rng(99);
  for (int i = 0; i < iterations / 4; ++i) {
    std::string ta = random_caps(rng), tb = random_caps(rng);
    auto a = caps::parse(ta), b = caps::parse(tb);
    ASSERT_TRUE(a) << ta << ": " << a.error().message;
    ASSERT_TRUE(b) << tb << ": " << b.error().message;
    caps ab = a->intersect(*b);
    SCOPED_TRACE(ta + "  ∩  " + tb + "  =  " + ab.to_string());
    EXPECT_TRUE(ab.is_subset(*a));
    EXPECT_TRUE(ab.is_subset(*b));
    EXPECT_TRUE(a->is_subset(*a));
    EXPECT_EQ(a->can_intersect(*b), !ab.is_empty());
    EXPECT_TRUE(ab.is_equal(b->intersect(*a)));
    EXPECT_TRUE(a->intersect(*a).is_equal(*a));
    if (!a->is_empty()) {
      auto fixed = a->fixate();
      ASSERT_TRUE(fixed);
      EXPECT_TRUE(fixed->is_fixed());
      EXPECT_TRUE(fixed->is_subset(*a));
    }
    auto normal = a->normalize();
    ASSERT_TRUE(normal);
    EXPECT_TRUE(normal->is_equal(*a));
    for (const auto& s : normal->structures()) {
      for (const auto& f : s.fields()) EXPECT_NE(f.value.kind(), value_kind::list);
    }
  }
}

}  // namespace caps_fuzz_test
}  // namespace tessera::core
