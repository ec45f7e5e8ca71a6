#include "core/elements/video/invert.hpp"

#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core {
namespace invert_tiled_test {

using namespace tiled_video_test;

TEST(InvertTiled, InvertsTiledFramesTileByTileLikeLinearOnes) {
  for (const char* format : {"RGBA", "RGB", "GRAY8"}) {
    const int bpp = std::string(format) == "RGBA" ? 4 : std::string(format) == "RGB" ? 3 : 1;
    const std::string src = "testsrc num-buffers=2 pattern=smpte width=150 height=70 format=" + std::string(format);
    const auto plain = frames_of(src + " ! appsink name=out sync=false", false, 150, 70, bpp);
    const auto tiled = frames_of(src + " tiled=true ! invert ! appsink name=out sync=false", true, 150, 70, bpp);
    ASSERT_EQ(plain.size(), 2u);
    ASSERT_EQ(tiled.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
      std::vector<std::uint8_t> expected = plain[i];
      for (std::size_t k = 0; k < expected.size(); ++k)
        if (bpp != 4 || k % 4 != 3) expected[k] = static_cast<std::uint8_t>(255 - expected[k]);  // alpha kept
      EXPECT_EQ(tiled[i], expected) << format << " frame " << i;
    }
  }
}

}  // namespace invert_tiled_test
}  // namespace tessera::core
