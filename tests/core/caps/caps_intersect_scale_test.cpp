// Intersections of caps with many structures give the right structures in the
// right order and finish. The time bounds only catch a hang (they hold under ASan on
// a loaded 2-core machine); bench/caps_bench.cpp measures the cost, which was once
// seconds for two 110-structure caps filters.
#include "core/caps/caps.hpp"

#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace tessera::core {
namespace caps_intersect_scale_test {

using namespace std::chrono_literals;

// `video/x-raw,<field>=v` for v = 1..n, or `<field>=[1,v]` with ranges.
std::string many_text(std::size_t n, const std::string& field, bool ranges) {
  std::string text;
  for (std::size_t i = 1; i <= n; ++i) {
    if (!text.empty()) text += "; ";
    text += "video/x-raw," + field + "=" +
            (ranges ? "[1," + std::to_string(i) + "]" : std::to_string(i));
  }
  return text;
}

caps many(std::size_t n, const std::string& field, bool ranges) {
  return caps::parse(many_text(n, field, ranges)).value();
}

TEST(CapsIntersectScale, EveryPairOfTwo110StructureCapsOnceInZigZagOrder) {
  const caps widths = many(110, "width", false), heights = many(110, "height", false);
  const caps both = test::within(60000ms, "110 x 110 intersect", [&] { return widths.intersect(heights); });
  ASSERT_EQ(both.size(), 110u * 110u);
  std::set<std::pair<std::int64_t, std::int64_t>> seen;
  for (const auto& s : both.structures()) {
    seen.emplace(s.get_int("width").value(), s.get_int("height").value());
  }
  EXPECT_EQ(seen.size(), 110u * 110u) << "no pair twice";
  // Zig-zag: the first structures of both sides come first.
  EXPECT_EQ(both.structure_at(0)->to_string(), "video/x-raw,width=1,height=1");
  EXPECT_EQ(both.structure_at(1)->get_int("width"), 2);
  EXPECT_EQ(both.structure_at(2)->get_int("height"), 2);
}

TEST(CapsIntersectScale, CoveredStructuresAreStillDroppedInLargeResults) {
  // 400 widths twice over, intersected with 400 widths: the second copy's results
  // come more than 256 kept structures after their equals (beyond the window the
  // fixed ones are found through the index).
  caps doubled = many(400, "width", false);
  doubled.append(many(400, "width", false));
  const caps once = test::within(60000ms, "800 x 400 intersect", [&] { return doubled.intersect(many(400, "width", false)); });
  EXPECT_EQ(once.size(), 400u);
  EXPECT_TRUE(once.is_equal(many(400, "width", false)));
  // Repeats of two-field structures 600 kept structures later are dropped too.
  caps wide = caps::parse("video/x-raw,width=1; video/x-raw,width=2").value();
  const caps sized = many(300, "height", false);
  const caps both = wide.intersect(sized, intersect_mode::first);
  ASSERT_EQ(both.size(), 600u);
  caps with_repeats = both;
  with_repeats.append(both);
  EXPECT_EQ(with_repeats.intersect(caps::parse("video/x-raw").value()).size(), 600u);
}

TEST(CapsIntersectScale, LargeRangeIntersectionsFinishAndAllowTheSame) {
  // 40,000 structures with ranges: comparing each with all kept before would be
  // 800 million subset tests (the old cost; tens of seconds). The bound only guards
  // against a hang.
  const caps w = many(200, "width", true), h = many(200, "height", true);
  const caps both = test::within(60000ms, "200 x 200 range intersect", [&] { return w.intersect(h); });
  ASSERT_EQ(both.size(), 200u * 200u) << "no structure of these is inside an earlier one";
  EXPECT_EQ(both.structure_at(0)->to_string(), "video/x-raw,width=1,height=1");
}

TEST(CapsIntersectScale, PipelineWithTwo110StructureCapsFiltersPrerolls) {
  const std::string text = "testsrc num-buffers=1 width=8 height=8 ! capsfilter caps=\"" +
                           many_text(110, "width", false) + "\" ! capsfilter caps=\"" +
                           many_text(110, "height", false) + "\" ! appsink name=out";
  auto p = test::within(60000ms, "creating the pipeline", [&] { return video_test::build(text); });
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  EXPECT_EQ(p->wait_state(60s), state::paused);
  p->set_state(state::null_state);
}

}  // namespace caps_intersect_scale_test
}  // namespace tessera::core
