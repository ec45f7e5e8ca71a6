#include "core/elements/video/drawbox.hpp"

#include "tests/core/elements/video/tiled_video_test_support.hpp"
#include "core/memory/counters.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

// drawbox on linear and tiled frames, the tiled frames of testsrc, and the point of
// tiles: a box on a shared (tee'd) tiled frame copies only the tiles it touches.

namespace tessera::core {
namespace drawbox_test {

using namespace video_test;
using namespace tiled_video_test;

/// `frame` with the box filled by `px` (the colour's bytes in the format), clipped.
std::vector<std::uint8_t> with_box(std::vector<std::uint8_t> frame, int w, int h, int bx, int by, int bw, int bh,
                                   const std::vector<std::uint8_t>& px) {
  const int bpp = static_cast<int>(px.size());
  for (int y = by; y < std::min(h, by + bh); ++y)
    for (int x = bx; x < std::min(w, bx + bw); ++x)
      std::memcpy(&frame[(static_cast<std::size_t>(y) * w + x) * bpp], px.data(), px.size());
  return frame;
}

TEST(TestsrcTiled, ProducesTheSamePixelsAsLinearFrames) {
  for (const char* format : {"RGBA", "RGB", "GRAY8"}) {
    const int bpp = std::string(format) == "RGBA" ? 4 : std::string(format) == "RGB" ? 3 : 1;
    const std::string src = "testsrc num-buffers=2 pattern=ball width=150 height=70 format=" + std::string(format);
    const auto linear = frames_of(src + " ! appsink name=out sync=false", false, 150, 70, bpp);
    const auto tiled = frames_of(src + " tiled=true ! appsink name=out sync=false", true, 150, 70, bpp);
    ASSERT_EQ(linear.size(), 2u);
    EXPECT_EQ(tiled, linear) << format;
  }
}

struct box_case {
  const char* format;
  int x, y, w, h;
  std::uint32_t color;
  std::vector<std::uint8_t> pixel;  // the colour's bytes in that format
};

class DrawboxPixels : public ::testing::TestWithParam<box_case> {};

TEST_P(DrawboxPixels, EqualAReferenceOnLinearAndTiledFrames) {
  const auto& c = GetParam();
  const int bpp = static_cast<int>(c.pixel.size());
  const int w = 150, h = 70;
  const std::string src = "testsrc num-buffers=2 pattern=smpte width=150 height=70 format=" + std::string(c.format);
  const auto plain = frames_of(src + " ! appsink name=out sync=false", false, w, h, bpp);
  ASSERT_EQ(plain.size(), 2u);
  const std::string box = " ! drawbox x=" + std::to_string(c.x) + " y=" + std::to_string(c.y) +
                          " w=" + std::to_string(c.w) + " h=" + std::to_string(c.h) +
                          " color=" + std::to_string(c.color) + " ! appsink name=out sync=false";
  const auto linear = frames_of(src + box, false, w, h, bpp);
  const auto tiled = frames_of(src + " tiled=true" + box, true, w, h, bpp);
  ASSERT_EQ(linear.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto expected = with_box(plain[i], w, h, c.x, c.y, c.w, c.h, c.pixel);
    EXPECT_EQ(linear[i], expected) << "linear frame " << i;
    EXPECT_EQ(tiled.at(i), expected) << "tiled frame " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, DrawboxPixels,
    ::testing::Values(
        // Inside one tile; across four tiles; clipped at the right and bottom edges.
        box_case{"RGBA", 10, 10, 16, 16, 0x11223344u, {0x11, 0x22, 0x33, 0x44}},
        box_case{"RGBA", 60, 50, 20, 20, 0xff0000ffu, {0xff, 0x00, 0x00, 0xff}},
        box_case{"RGBA", 140, 60, 50, 50, 0x00ff0080u, {0x00, 0xff, 0x00, 0x80}},
        box_case{"RGB", 60, 50, 20, 20, 0x0a0b0cffu, {0x0a, 0x0b, 0x0c}},
        box_case{"GRAY8", 60, 50, 20, 20, 0x204060ffu,
                 {static_cast<std::uint8_t>(bt601(0x20, 0x40, 0x60))}},
        // Entirely outside: nothing drawn.
        box_case{"RGBA", 500, 10, 16, 16, 0x11223344u, {0x11, 0x22, 0x33, 0x44}}));

/// Bytes copied while `description` runs to EOS. The second branch's appsink keeps
/// every frame, so each frame is still shared when drawbox writes it.
std::uint64_t copied_while_running(const std::string& description) {
  auto p = build(description);
  if (!p) return 0;
  const auto before = memory_counters_snapshot().copied_bytes;
  const outcome o = play_to_eos(*p);
  const auto copied = memory_counters_snapshot().copied_bytes - before;
  EXPECT_TRUE(o.eos) << (o.errors.empty() ? "" : o.errors.front());
  auto* held = dynamic_cast<appsink*>(p->find("held"));
  EXPECT_NE(held, nullptr);
  if (held) EXPECT_EQ(held->pull_all(1s).size(), 4u);
  p->set_state(state::null_state);
  return copied;
}

TEST(Drawbox, OnASharedTiledFrameCopiesOnlyTheTouchedTiles) {
  // 256x128 RGBA = 4x2 tiles; the 16x16 box at (60, 60) touches tiles 0, 1, 4 and 5.
  const std::string tail =
      " ! tee name=t ! queue ! drawbox x=60 y=60 w=16 h=16 ! fakesink t. ! queue ! appsink name=held sync=false";
  const std::uint64_t tiled = copied_while_running("testsrc num-buffers=4 width=256 height=128 tiled=true" + tail);
  EXPECT_EQ(tiled, 4u * 4 * (64 * 64 * 4));
  // The same on linear frames copies every frame whole.
  const std::uint64_t linear = copied_while_running("testsrc num-buffers=4 width=256 height=128" + tail);
  EXPECT_EQ(linear, 4u * 256 * 128 * 4);
}

TEST(Drawbox, OnAnUnsharedTiledFrameCopiesNothing) {
  // A changing pattern: testsrc draws each frame into tiles of its own. (A still one's
  // tiles are shared with testsrc's image, so drawbox copies the ones it touches.)
  auto p = build("testsrc num-buffers=3 pattern=ball width=256 height=128 tiled=true ! drawbox x=60 y=60 w=16 h=16 ! "
                 "fakesink");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot().copied_bytes;
  const outcome o = play_to_eos(*p);
  EXPECT_TRUE(o.eos);
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, before);
  p->set_state(state::null_state);
}

std::vector<char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(FilesinkTiled, WritesTheSameBytesAsALinearRunWithoutGathering) {
  const std::string dir = ::testing::TempDir();
  const std::string tiled_path = dir + "/tessera_tiles_tiled.raw";
  const std::string linear_path = dir + "/tessera_tiles_linear.raw";
  // pattern=ball: frames testsrc draws alone, which drawbox writes in place.
  const std::string middle =
      " num-buffers=3 pattern=ball width=150 height=70 ! drawbox x=10 y=10 w=16 h=16 ! filesink location=";
  {
    auto p = build("testsrc tiled=true" + middle + tiled_path);
    ASSERT_TRUE(p);
    const auto before = memory_counters_snapshot().copied_bytes;
    EXPECT_TRUE(play_to_eos(*p).eos);
    p->set_state(state::null_state);
    EXPECT_EQ(memory_counters_snapshot().copied_bytes, before) << "filesink gathered tiled frames";
  }
  {
    auto p = build("testsrc" + middle + linear_path);
    ASSERT_TRUE(p);
    EXPECT_TRUE(play_to_eos(*p).eos);
    p->set_state(state::null_state);
  }
  const auto tiled = file_bytes(tiled_path);
  EXPECT_EQ(tiled.size(), 3u * 150 * 70 * 4);
  EXPECT_EQ(tiled, file_bytes(linear_path));
  std::remove(tiled_path.c_str());
  std::remove(linear_path.c_str());
}

}  // namespace drawbox_test
}  // namespace tessera::core
