// testsrc tiled=true paints a row of tiles at a time: every pattern must come out as
// the linear frame does, whatever the size (partial edge tiles) and format.

#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tessera::core {
namespace {

using namespace tiled_video_test;

struct pattern_case {
  const char* pattern;
  const char* format;
  int bpp;
};

class TestsrcTiled : public ::testing::TestWithParam<pattern_case> {};

TEST_P(TestsrcTiled, EveryPatternMatchesTheLinearFrames) {
  const pattern_case c = GetParam();
  constexpr int w = 150, h = 197;  // three rows of tiles and a partial fourth; partial columns
  const std::string src = std::string("testsrc num-buffers=4 pattern=") + c.pattern + " width=150 height=197 format=" +
                          c.format + " foreground-color=0xff3366cc background-color=0xff102030";
  const auto linear = frames_of(src + " ! appsink name=out sync=false", false, w, h, c.bpp);
  const auto tiled = frames_of(src + " tiled=true ! appsink name=out sync=false", true, w, h, c.bpp);
  ASSERT_EQ(linear.size(), 4u);
  ASSERT_EQ(tiled.size(), linear.size());
  for (std::size_t i = 0; i < linear.size(); ++i) EXPECT_TRUE(tiled[i] == linear[i]) << c.pattern << " frame " << i;
}

INSTANTIATE_TEST_SUITE_P(Patterns, TestsrcTiled,
                         ::testing::Values(pattern_case{"smpte", "RGBA", 4}, pattern_case{"snow", "RGBA", 4},
                                           pattern_case{"checkers", "RGB", 3}, pattern_case{"solid", "RGBA", 4},
                                           pattern_case{"ball", "RGBA", 4}, pattern_case{"ball", "GRAY8", 1},
                                           pattern_case{"gradient", "GRAY8", 1}, pattern_case{"snow", "RGB", 3}),
                         [](const auto& info) { return std::string(info.param.pattern) + "_" + info.param.format; });

}  // namespace
}  // namespace tessera::core
