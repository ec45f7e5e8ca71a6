// crop and videoconvert on tiled frames whose tiles live in a tile cache too small to
// hold them: the input tiles are swapped out before the elements run, and what they
// read (only through maps) comes back byte-identical.
#include "core/tiles/frame_tile_allocator.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"
#include "tests/core/tiles/tile_cache_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core {
namespace tiled_swap_test {

using namespace tiled_video_test;

constexpr int w = 200, h = 150;  // 4x3 tiles
constexpr std::size_t rgba_tile = 64 * 64 * 4;

std::vector<std::uint8_t> numbered_rgba() {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(w) * h * 4);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 29 + i / 509);
  return bytes;
}

std::vector<std::uint8_t> cut(const std::vector<std::uint8_t>& frame, int left, int right, int top, int bottom) {
  std::vector<std::uint8_t> out;
  for (int y = top; y < h - bottom; ++y)
    for (int x = left; x < w - right; ++x)
      for (int i = 0; i < 4; ++i) out.push_back(frame[(static_cast<std::size_t>(y) * w + x) * 4 + i]);
  return out;
}

void set_window(element& e, int left, int right, int top, int bottom) {
  EXPECT_TRUE(e.set_property("left", property_value{std::int64_t{left}}));
  EXPECT_TRUE(e.set_property("right", property_value{std::int64_t{right}}));
  EXPECT_TRUE(e.set_property("top", property_value{std::int64_t{top}}));
  EXPECT_TRUE(e.set_property("bottom", property_value{std::int64_t{bottom}}));
}

TEST(TiledSwap, CropReadsSwappedOutTilesBackForAlignedAndUnalignedWindows) {
  struct window {
    int left, right, top, bottom;
  };
  for (const window m : {window{64, 10, 64, 3}, window{13, 2, 5, 7}}) {
    SCOPED_TRACE(std::to_string(m.left) + "," + std::to_string(m.top));
    tile_cache_test::temp_dir d("crop_swap");
    auto mgr = tile_cache_test::make_mgr(d.path, 2 * rgba_tile, false);  // 2 of the 12 tiles in RAM
    ASSERT_TRUE(mgr);
    frame_tile_allocator tiles(*mgr);
    const auto bytes = numbered_rgba();
    buffer original = tiled_frame(bytes, w, h, 4, tiles);
    ASSERT_GE(mgr->counters().tiles_swapped, 10u);
    const auto swap_ins = mgr->counters().swap_ins;
    harness rig("crop");
    set_window(*rig.middle, m.left, m.right, m.top, m.bottom);
    ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("RGBA", w, h)));
    ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    EXPECT_EQ(untile(s->buffer, w - m.left - m.right, h - m.top - m.bottom, 4), cut(bytes, m.left, m.right, m.top, m.bottom));
    EXPECT_GT(mgr->counters().swap_ins, swap_ins);
    EXPECT_EQ(untile(original, w, h, 4), bytes);
  }
}

TEST(TiledSwap, VideoconvertReadsSwappedOutTilesBack) {
  tile_cache_test::temp_dir d("convert_swap");
  auto mgr = tile_cache_test::make_mgr(d.path, 2 * rgba_tile, false);
  ASSERT_TRUE(mgr);
  frame_tile_allocator tiles(*mgr);
  const auto bytes = numbered_rgba();
  buffer original = tiled_frame(bytes, w, h, 4, tiles);
  ASSERT_GE(mgr->counters().tiles_swapped, 10u);
  const auto swap_ins = mgr->counters().swap_ins;
  for (const char* to : {"RGB", "GRAY8"}) {
    for (const char* layout : {"tiled", "linear"}) {
      SCOPED_TRACE(std::string(to) + " " + layout);
      harness rig("videoconvert", "video/x-raw,format=" + std::string(to) + ",layout=" + layout);
      ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("RGBA", w, h)));
      ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);
      auto s = rig.out->pull_sample(2s);
      ASSERT_TRUE(s);
      EXPECT_EQ(info_of(*s).layout(), std::string(layout) == "tiled" ? video_layout::tiled : video_layout::linear);
      EXPECT_EQ(pixels_of(*s), reference_convert(bytes, "RGBA", to));
    }
  }
  EXPECT_GT(mgr->counters().swap_ins, swap_ins);
}

}  // namespace tiled_swap_test
}  // namespace tessera::core
