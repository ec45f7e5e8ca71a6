#include "core/video/tile_geometry.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

// The tiling rules of the design's "Image Buffers" section: period and phase per axis,
// partial edge tiles, focus() clipping the ROI at the next tile's memory.

namespace tessera::core {
namespace tile_geometry_test {

struct axis_case {
  std::size_t period, phase, extent;
  std::size_t tiles;                       // tiles covering the extent
  std::size_t pixel, tile_of_pixel, offset_of_pixel;
};

class AxisTiling : public ::testing::TestWithParam<axis_case> {};

TEST_P(AxisTiling, CountsTilesAndPlacesPixels) {
  const auto& c = GetParam();
  const axis_tiling a{c.period, c.phase};
  EXPECT_EQ(a.tile_count(c.extent), c.tiles);
  EXPECT_EQ(a.tile_of(c.pixel), c.tile_of_pixel);
  EXPECT_EQ(a.offset_in_tile(c.pixel), c.offset_of_pixel);
}

INSTANTIATE_TEST_SUITE_P(
    Table, AxisTiling,
    ::testing::Values(
        // period 64, no phase: 100 px = one full tile and a partial one.
        axis_case{64, 0, 100, 2, 70, 1, 6},
        // exact multiple: no partial tile.
        axis_case{64, 0, 128, 2, 63, 0, 63},
        // phase 10: the first tile holds 54 image pixels (tile offsets 10..63).
        axis_case{64, 10, 100, 2, 53, 0, 63}, axis_case{64, 10, 100, 2, 54, 1, 0},
        // phase 10, 118 px: 54 + 64 = 118 exactly fills two tiles; 119 needs a third.
        axis_case{64, 10, 118, 2, 117, 1, 63}, axis_case{64, 10, 119, 3, 118, 2, 0},
        // an image smaller than one tile, inside it.
        axis_case{16, 3, 5, 1, 4, 0, 7},
        // period 1: one tile per pixel.
        axis_case{1, 0, 7, 7, 5, 5, 0},
        // empty extent: no tiles.
        axis_case{8, 2, 0, 0, 0, 0, 2}));

tile_grid grid_of(std::size_t w, std::size_t h, axis_tiling x, axis_tiling y, std::size_t bpp = 4) {
  return tile_grid::make(tile_tag{video_format::rgba, bpp}, w, h, x, y).value();
}

TEST(TileGrid, PartialEdgeTilesAreFullyAllocated) {
  // 100x50 RGBA, 32x16 tiles, phase (5, 3): across = ceil(105/32) = 4, down = ceil(53/16) = 4.
  const auto g = grid_of(100, 50, {32, 5}, {16, 3});
  EXPECT_EQ(g.tiles_across(), 4u);
  EXPECT_EQ(g.tiles_down(), 4u);
  EXPECT_EQ(g.tile_count(), 16u);
  EXPECT_EQ(g.tile_bytes(), 32u * 16u * 4u);
  EXPECT_EQ(g.tile_stride_bytes(), 32u * 4u);
  // The first tile shows 27x13 pixels (32-5, 16-3), the last 9x8: x from 91 (3*32-5) to
  // 100, y from 45 (3*16-3) to 50... 5 rows.
  EXPECT_EQ(g.tile_area(0), (tile_rect{0, 0, 27, 13}));
  EXPECT_EQ(g.tile_area(15), (tile_rect{91, 45, 9, 5}));
  EXPECT_EQ(g.tile_area(5), (tile_rect{27, 13, 32, 16}));
}

struct focus_case {
  tile_rect roi;
  tile_rect area;
  std::size_t column, row, offset_bytes;
};

class Focus : public ::testing::TestWithParam<focus_case> {};

TEST_P(Focus, ReturnsTheLargestContiguousPortionAtTheTopLeft) {
  // 100x50 RGBA, tiles 32x16, phase (5, 3): tile columns start at x = 0, 27, 59, 91 and
  // rows at y = 0, 13, 29, 45.
  const auto g = grid_of(100, 50, {32, 5}, {16, 3});
  const auto& c = GetParam();
  auto p = g.focus(c.roi);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->area, c.area);
  EXPECT_EQ(p->tile_column, c.column);
  EXPECT_EQ(p->tile_row, c.row);
  EXPECT_EQ(p->tile_index, c.row * 4 + c.column);
  EXPECT_EQ(p->offset_bytes, c.offset_bytes);
  EXPECT_EQ(p->stride_bytes, 128u);
}

INSTANTIATE_TEST_SUITE_P(
    Table, Focus,
    ::testing::Values(
        // The whole image: clipped to the first tile's 27x13.
        focus_case{{0, 0, 100, 50}, {0, 0, 27, 13}, 0, 0, (3 * 32 + 5) * 4},
        // Inside one tile: returned whole.
        focus_case{{30, 15, 10, 5}, {30, 15, 10, 5}, 1, 1, ((15 + 3 - 16) * 32 + (30 + 5 - 32)) * 4},
        // Crossing a column boundary at x = 59: clipped to x < 59.
        focus_case{{50, 20, 20, 4}, {50, 20, 9, 4}, 1, 1, ((20 + 3 - 16) * 32 + (50 + 5 - 32)) * 4},
        // Crossing a row boundary at y = 29.
        focus_case{{60, 25, 5, 10}, {60, 25, 5, 4}, 2, 1, ((25 + 3 - 16) * 32 + (60 + 5 - 64)) * 4},
        // The bottom-right partial tile.
        focus_case{{95, 47, 5, 3}, {95, 47, 5, 3}, 3, 3, ((47 + 3 - 48) * 32 + (95 + 5 - 96)) * 4}));

TEST(TileGrid, FocusRefusesRegionsOutsideTheImage) {
  const auto g = grid_of(100, 50, {32, 5}, {16, 3});
  for (const tile_rect r : {tile_rect{0, 0, 0, 5}, tile_rect{90, 0, 11, 1}, tile_rect{0, 49, 1, 2}}) {
    auto p = g.focus(r);
    ASSERT_FALSE(p) << to_string(r);
    EXPECT_EQ(p.error(), errc::out_of_range);
  }
}

TEST(TileGrid, ListsTheTilesARegionTouches) {
  const auto g = grid_of(100, 50, {32, 5}, {16, 3});
  EXPECT_EQ(g.tiles_touched({26, 12, 2, 2}), (std::vector<std::size_t>{0, 1, 4, 5}));
  EXPECT_EQ(g.tiles_touched({30, 15, 10, 5}), (std::vector<std::size_t>{5}));
  EXPECT_EQ(g.tiles_touched({95, 45, 50, 50}), (std::vector<std::size_t>{15}));  // clipped
  EXPECT_TRUE(g.tiles_touched({200, 0, 5, 5}).empty());
}

struct bad_tiling {
  tile_tag tag;
  std::size_t width, height;
  axis_tiling x, y;
  const char* message_part;
};

class BadTiling : public ::testing::TestWithParam<bad_tiling> {};

TEST_P(BadTiling, IsRefusedWithAClearError) {
  const auto& c = GetParam();
  auto g = tile_grid::make(c.tag, c.width, c.height, c.x, c.y);
  ASSERT_FALSE(g);
  EXPECT_EQ(g.error(), errc::invalid_argument);
  EXPECT_NE(g.error().message.find(c.message_part), std::string::npos) << g.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, BadTiling,
    ::testing::Values(bad_tiling{{video_format::rgba, 4}, 10, 10, {0, 0}, {8, 0}, "x period must be at least 1"},
                      bad_tiling{{video_format::rgba, 4}, 10, 10, {8, 0}, {8, 8}, "y phase 8 must be less than"},
                      bad_tiling{{video_format::rgba, 0}, 10, 10, {8, 0}, {8, 0}, "bytes_per_pixel=0"},
                      bad_tiling{{video_format::rgba, 4}, 10, 10, {1 << 16, 0}, {1 << 16, 0}, "larger than 1 GiB"},
                      bad_tiling{{video_format::rgba, 4}, 0, 10, {8, 0}, {8, 0}, "is empty"},
                      bad_tiling{{video_format::gray8, 1}, 1u << 20, 1u << 20, {1, 0}, {1, 0}, "tiles of"}));

}  // namespace tile_geometry_test
}  // namespace tessera::core
