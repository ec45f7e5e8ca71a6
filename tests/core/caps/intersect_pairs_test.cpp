// Large intersections try only the pairs a field both sides fix lets meet; the
// pairs left out must all fail, and the ones kept come in the walk's order.
#include "core/caps/intersect_pairs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tessera::core {
namespace intersect_pairs_test {

using detail::structure_pair;

// Random structures over a few names and fields whose values are fixed, ranges
// or lists, with fields sometimes missing: every way a pair can meet or fail.
std::vector<structure> random_structures(std::mt19937& rng, std::size_t n, bool width_always_fixed) {
  std::vector<structure> out;
  auto pick = [&rng](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
  for (std::size_t i = 0; i < n; ++i) {
    std::string text = pick(8) == 0 ? "audio/x-raw" : "video/x-raw";
    if (width_always_fixed || pick(4) != 0) {
      text += ",width=" + std::to_string(1 + pick(12));
    } else if (pick(2) == 0) {
      text += ",width=[1," + std::to_string(1 + pick(12)) + "]";
    }
    switch (pick(4)) {
      case 0: text += ",height=" + std::to_string(1 + pick(6)); break;
      case 1: text += ",height={" + std::to_string(1 + pick(6)) + "," + std::to_string(1 + pick(6)) + "}"; break;
      case 2: text += ",height=[2,4]"; break;
      default: break;
    }
    if (pick(3) == 0) text += std::string(",format=") + (pick(2) == 0 ? "I420" : "RGBA");
    out.push_back(caps::parse(text).value().structures().front());
  }
  return out;
}

// The walk caps::intersect makes without narrowing.
std::vector<structure_pair> every_pair(std::size_t n, std::size_t m, intersect_mode mode) {
  std::vector<structure_pair> all;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < m; ++j) all.emplace_back(i, j);
  }
  if (mode == intersect_mode::zig_zag) {
    std::stable_sort(all.begin(), all.end(), [](const structure_pair& x, const structure_pair& y) {
      const std::size_t dx = x.first + x.second, dy = y.first + y.second;
      return dx != dy ? dx < dy : x.first > y.first;
    });
  }
  return all;
}

void expect_exact_narrowing(const std::vector<structure>& a, const std::vector<structure>& b, intersect_mode mode,
                            bool expect_narrowed) {
  const auto pairs = detail::narrowed_pairs(a, b, mode);
  ASSERT_EQ(pairs.has_value(), expect_narrowed);
  if (!pairs) return;
  const std::set<structure_pair> kept(pairs->begin(), pairs->end());
  EXPECT_EQ(kept.size(), pairs->size()) << "no pair twice";
  std::vector<structure_pair> expected_order;
  for (const auto& p : every_pair(a.size(), b.size(), mode)) {
    const bool meets = a[p.first].intersect(b[p.second]).has_value();
    if (kept.contains(p)) {
      expected_order.push_back(p);
    } else {
      ASSERT_FALSE(meets) << "left out a pair that meets: " << a[p.first].to_string() << " and "
                          << b[p.second].to_string();
    }
  }
  EXPECT_EQ(*pairs, expected_order) << "the kept pairs in the walk's order";
}

TEST(IntersectPairs, PairsLeftOutAllFailAndTheRestKeepTheWalksOrder) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937 rng(seed);
    const auto a = random_structures(rng, 70, false);
    const auto b = random_structures(rng, 80, true);
    expect_exact_narrowing(a, b, intersect_mode::first, true);
    expect_exact_narrowing(a, b, intersect_mode::zig_zag, true);
    // The indexed side may be the first one too.
    expect_exact_narrowing(b, a, intersect_mode::first, true);
    expect_exact_narrowing(b, a, intersect_mode::zig_zag, true);
  }
}

TEST(IntersectPairs, NothingIsNarrowedWithoutAFieldFixedEverywhereOnOneSide) {
  std::mt19937 rng(7);
  const auto a = random_structures(rng, 80, false), b = random_structures(rng, 80, false);
  // Some structure of each side leaves width open (seed 7 draws such ones).
  ASSERT_TRUE(std::any_of(a.begin(), a.end(), [](const structure& s) { return !s.get_int("width"); }));
  ASSERT_TRUE(std::any_of(b.begin(), b.end(), [](const structure& s) { return !s.get_int("width"); }));
  EXPECT_FALSE(detail::narrowed_pairs(a, b, intersect_mode::first).has_value());
}

TEST(IntersectPairs, SmallIntersectionsAreWalkedWhole) {
  std::mt19937 rng(3);
  const auto a = random_structures(rng, 10, true), b = random_structures(rng, 10, true);
  EXPECT_FALSE(detail::narrowed_pairs(a, b, intersect_mode::zig_zag).has_value());
}

TEST(IntersectPairs, NarrowingIsDroppedWhenItWouldKeepMostPairs) {
  // Every structure fixes width=1: the index keeps every pair, so the plain walk is used.
  std::vector<structure> a, b;
  for (int i = 0; i < 80; ++i) {
    a.push_back(caps::parse("video/x-raw,width=1,height=" + std::to_string(i + 1)).value().structures().front());
    b.push_back(caps::parse("video/x-raw,width=1,depth=" + std::to_string(i + 1)).value().structures().front());
  }
  EXPECT_FALSE(detail::narrowed_pairs(a, b, intersect_mode::first).has_value());
}

TEST(IntersectPairs, CapsIntersectionIsTheSameWithAndWithoutNarrowing) {
  // 100 x 100 structures are narrowed; one structure against 100 is below the
  // bound and walked whole. Both must allow the same.
  std::mt19937 rng(11);
  const auto a = random_structures(rng, 100, false), b = random_structures(rng, 100, true);
  caps ca, cb;
  for (const auto& s : a) ca.append(caps(s));
  for (const auto& s : b) cb.append(caps(s));
  const caps narrowed = ca.intersect(cb);
  caps walked;
  for (const auto& s : a) walked.append(caps(s).intersect(cb));  // 1 x 100 pairs: walked whole
  EXPECT_TRUE(narrowed.is_equal(walked)) << narrowed.size() << " vs " << walked.size() << " structures";
}

}  // namespace intersect_pairs_test
}  // namespace tessera::core
