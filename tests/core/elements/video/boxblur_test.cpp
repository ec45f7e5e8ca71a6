#include "core/elements/video/boxblur.hpp"

#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace tessera::core {
namespace boxblur_test {

using namespace tiled_video_test;

/// The blur computed the plain way: the mean over the full (2r+1)^2 window of each
/// pixel, coordinates clamped to the frame, rounded half up.
std::vector<std::uint8_t> reference_blur(const std::vector<std::uint8_t>& in, int w, int h, int bpp, int r) {
  std::vector<std::uint8_t> out(in.size());
  const int count = (2 * r + 1) * (2 * r + 1);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < bpp; ++c) {
        int sum = 0;
        for (int dy = -r; dy <= r; ++dy)
          for (int dx = -r; dx <= r; ++dx) {
            const int sx = std::clamp(x + dx, 0, w - 1), sy = std::clamp(y + dy, 0, h - 1);
            sum += in[(static_cast<std::size_t>(sy) * w + sx) * bpp + c];
          }
        out[(static_cast<std::size_t>(y) * w + x) * bpp + c] = static_cast<std::uint8_t>((sum + count / 2) / count);
      }
  return out;
}

struct blur_case {
  const char* format;
  int bpp;
  int radius;
  int width, height;
};

class BoxblurPixels : public ::testing::TestWithParam<blur_case> {};

TEST_P(BoxblurPixels, EqualThePlainComputationOnLinearAndTiledFrames) {
  const auto& c = GetParam();
  const std::string src = "testsrc num-buffers=2 pattern=snow width=" + std::to_string(c.width) +
                          " height=" + std::to_string(c.height) + " format=" + c.format;
  const std::string blur = " ! boxblur radius=" + std::to_string(c.radius) + " ! appsink name=out sync=false";
  const auto plain = frames_of(src + " ! appsink name=out sync=false", false, c.width, c.height, c.bpp);
  const auto linear = frames_of(src + blur, false, c.width, c.height, c.bpp);
  const auto tiled = frames_of(src + " tiled=true" + blur, true, c.width, c.height, c.bpp);
  ASSERT_EQ(plain.size(), 2u);
  ASSERT_EQ(linear.size(), 2u);
  ASSERT_EQ(tiled.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto expected = reference_blur(plain[i], c.width, c.height, c.bpp, c.radius);
    EXPECT_EQ(linear[i], expected) << "linear frame " << i;
    EXPECT_EQ(tiled[i], expected) << "tiled frame " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, BoxblurPixels,
                         ::testing::Values(blur_case{"RGBA", 4, 2, 150, 70},   // windows across tile edges
                                           blur_case{"RGB", 3, 1, 70, 130},
                                           blur_case{"GRAY8", 1, 5, 130, 65},
                                           blur_case{"RGBA", 4, 0, 40, 30},    // radius 0: a copy
                                           blur_case{"GRAY8", 1, 9, 5, 3}));   // a box larger than the frame

}  // namespace boxblur_test
}  // namespace tessera::core
