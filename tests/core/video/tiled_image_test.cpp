#include "core/video/tiled_image.hpp"

#include "core/memory/counters.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

// The image-buffer rules of the GIMP design ("Image Buffers") and the tile catalogue
// (get_tile = use with auto-alloc/auto-validate, release, invalidate, is_valid = query,
// custom validate procs, map/COW), one test per rule.

namespace tessera::core {
namespace tiled_image_test {

constexpr std::size_t bpp = 4;
const tile_tag rgba_tag{video_format::rgba, bpp};

tiled_image make_image(std::size_t w, std::size_t h, axis_tiling x = {16, 0}, axis_tiling y = {8, 0}) {
  return tiled_image::create(rgba_tag, w, h, x, y).value();
}

/// A linear reference image whose pixel (x, y) channel c is a function of all three.
std::vector<std::byte> reference(std::size_t w, std::size_t h) {
  std::vector<std::byte> v(w * h * bpp);
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x)
      for (std::size_t c = 0; c < bpp; ++c) v[(y * w + x) * bpp + c] = std::byte((x * 7 + y * 13 + c * 61) & 0xff);
  return v;
}

std::uint64_t copied_bytes() { return memory_counters_snapshot().copied_bytes; }

TEST(TiledImage, StartsWithEveryTileUnallocated) {
  auto img = make_image(40, 20);  // 3 x 3 tiles of 16x8
  ASSERT_EQ(img.grid().tile_count(), 9u);
  for (std::size_t i = 0; i < 9; ++i) {
    const tile_status s = img.query(i);
    EXPECT_FALSE(s.allocated);
    EXPECT_FALSE(s.valid);
    EXPECT_EQ(s.state, cow_state::unalloc);
  }
}

TEST(TiledImage, UseAutoAllocatesAndZeroValidates) {
  auto img = make_image(40, 20);
  auto p = img.focus({20, 10, 5, 5}).value();
  auto u = img.use(p, tile_access::read);
  ASSERT_TRUE(u) << u.error().message;
  EXPECT_TRUE(img.query(p.tile_index).allocated);
  EXPECT_TRUE(img.query(p.tile_index).valid);
  for (std::byte b : u->tile_bytes()) ASSERT_EQ(b, std::byte{0});
  EXPECT_EQ(u->tile_bytes().size(), 16u * 8u * bpp);
  // Only the used tile was touched.
  EXPECT_FALSE(img.query(0).allocated);
}

TEST(TiledImage, AutoAllocCanBeSuppressed) {
  auto img = make_image(40, 20);
  auto u = img.use(img.focus({0, 0, 1, 1}).value(), tile_access::write, use_flags::no_auto_alloc);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error(), errc::bad_state);
  EXPECT_NE(u.error().message.find("tile 0 is not allocated"), std::string::npos) << u.error().message;
  EXPECT_FALSE(img.query(0).allocated);
}

TEST(TiledImage, WithoutAutoValidateReadsAreRefusedAndWritesMakeTheTileValid) {
  auto img = make_image(40, 20);
  const auto p = img.focus({0, 0, 1, 1}).value();
  ASSERT_TRUE(img.alloc(0));
  auto r = img.use(p, tile_access::read, use_flags::no_auto_validate);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no valid pixels"), std::string::npos) << r.error().message;
  auto w = img.use(p, tile_access::write, use_flags::no_auto_validate);
  ASSERT_TRUE(w);
  EXPECT_TRUE(img.query(0).valid);
}

TEST(TiledImage, CustomValidatorFillsEachTileOnceWithItsArea) {
  auto img = make_image(40, 20);
  std::vector<std::size_t> calls;
  img.set_validator([&](const tile_grid& g, std::size_t index, const tile_rect& area, std::span<std::byte> bytes) {
    calls.push_back(index);
    // Each pixel gets its image x in byte 0 and y in byte 1.
    for (std::size_t y = 0; y < area.height; ++y)
      for (std::size_t x = 0; x < area.width; ++x) {
        std::byte* px = bytes.data() + g.offset_in_tile(area.x + x, area.y + y);
        px[0] = std::byte(area.x + x);
        px[1] = std::byte(area.y + y);
      }
  });
  const auto p = img.focus({35, 17, 1, 1}).value();  // tile (2, 2) = index 8
  {
    auto u = img.use(p, tile_access::read);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->data()[0], std::byte{35});
    EXPECT_EQ(u->data()[1], std::byte{17});
  }
  { auto again = img.use(p, tile_access::read); }
  EXPECT_EQ(calls, (std::vector<std::size_t>{8}));
  // Invalidate: the next use validates again.
  ASSERT_TRUE(img.invalidate(8));
  EXPECT_FALSE(img.query(8).valid);
  { auto u = img.use(p, tile_access::read); }
  EXPECT_EQ(calls, (std::vector<std::size_t>{8, 8}));
}

TEST(TiledImage, LifecycleErrorsNameTheTile) {
  auto img = make_image(40, 20);
  EXPECT_EQ(img.validate(3).error(), errc::bad_state);  // not allocated
  ASSERT_TRUE(img.alloc(3));
  EXPECT_EQ(img.alloc(3).error(), errc::bad_state);
  EXPECT_EQ(img.alloc(9).error(), errc::out_of_range);
  auto u = img.use(img.focus(img.grid().tile_area(3)).value(), tile_access::read).value();
  auto busy = img.unalloc(3);
  ASSERT_FALSE(busy);
  EXPECT_NE(busy.error().message.find("tile 3 is in use"), std::string::npos);
  u.release();
  ASSERT_TRUE(img.unalloc(3));
  EXPECT_FALSE(img.query(3).allocated);
}

TEST(TiledImage, RowsWrittenLinearlyReadBackThroughAnyTiling) {
  const std::size_t w = 37, h = 23;
  const auto ref = reference(w, h);
  for (const auto& [x, y] : {std::pair{axis_tiling{16, 0}, axis_tiling{8, 0}}, std::pair{axis_tiling{16, 5}, axis_tiling{8, 7}},
                             std::pair{axis_tiling{64, 63}, axis_tiling{1, 0}}, std::pair{axis_tiling{37, 0}, axis_tiling{23, 0}}}) {
    auto img = make_image(w, h, x, y);
    ASSERT_TRUE(img.write_rows(0, h, ref, w * bpp));
    std::vector<std::byte> out(ref.size());
    ASSERT_TRUE(img.read_rows(0, h, out, w * bpp));
    EXPECT_EQ(out, ref) << "period " << x.period << " phase " << x.phase;
    // A band in the middle.
    std::vector<std::byte> band(5 * w * bpp);
    ASSERT_TRUE(img.read_rows(9, 5, band, w * bpp));
    EXPECT_TRUE(std::equal(band.begin(), band.end(), ref.begin() + 9 * w * bpp));
  }
}

TEST(TiledImage, ReadingRowsCountsAGatherButNotAnInPlaceView) {
  const std::size_t w = 40, h = 20;
  const auto ref = reference(w, h);
  auto img = make_image(w, h);
  ASSERT_TRUE(img.write_rows(0, h, ref, w * bpp));
  std::vector<std::byte> out(ref.size());
  const auto before = copied_bytes();
  ASSERT_TRUE(img.read_rows(0, h, out, w * bpp));
  EXPECT_EQ(copied_bytes() - before, w * h * bpp);

  // One tile wide, no x phase: rows are in the tile already.
  auto narrow = tiled_image::create(rgba_tag, 16, 20, {16, 0}, {8, 0}).value();
  const auto narrow_ref = reference(16, 20);
  ASSERT_TRUE(narrow.write_rows(0, 20, narrow_ref, 16 * bpp));
  std::optional<tile_use> hold;
  const auto before_view = copied_bytes();
  auto view = narrow.rows_in_place(8, 8, hold);
  ASSERT_TRUE(view);
  ASSERT_EQ(view->size(), 8u * 16 * bpp);
  EXPECT_TRUE(std::equal(view->begin(), view->end(), narrow_ref.begin() + 8 * 16 * bpp));
  EXPECT_EQ(copied_bytes(), before_view);
  // Rows crossing a tile boundary are not contiguous: no view.
  EXPECT_TRUE(narrow.rows_in_place(4, 8, hold)->empty());
}

TEST(TiledImage, WritingARegionOfASharedImageCopiesOnlyTheTouchedTiles) {
  const std::size_t w = 64, h = 32;  // 4 x 4 tiles of 16x8
  const auto ref = reference(w, h);
  auto original = make_image(w, h);
  ASSERT_TRUE(original.write_rows(0, h, ref, w * bpp));
  auto tee = original.share().value();
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(tee.query(i).state, cow_state::shared);

  // A 10x6 box at (12, 5) touches columns 0-1 and rows 0-1: four tiles.
  const tile_rect box{12, 5, 10, 6};
  const auto before = copied_bytes();
  for (std::size_t y = box.y; y < box.bottom();) {
    std::size_t band = 0;
    for (std::size_t x = box.x; x < box.right();) {
      auto p = tee.focus({x, y, box.right() - x, box.bottom() - y}).value();
      auto u = tee.use(p, tile_access::write).value();
      for (std::size_t r = 0; r < p.area.height; ++r)
        std::memset(u.writable_data() + r * p.stride_bytes, 0xAB, p.area.width * bpp);
      x += p.area.width;
      band = p.area.height;
    }
    y += band;
  }
  EXPECT_EQ(copied_bytes() - before, 4u * 16 * 8 * bpp);

  // The original is untouched; the shared copy has the box.
  std::vector<std::byte> out(ref.size());
  ASSERT_TRUE(original.read_rows(0, h, out, w * bpp));
  EXPECT_EQ(out, ref);
  ASSERT_TRUE(tee.read_rows(0, h, out, w * bpp));
  for (std::size_t y = 0; y < h; ++y)
    for (std::size_t x = 0; x < w; ++x) {
      const bool inside = x >= box.x && x < box.right() && y >= box.y && y < box.bottom();
      ASSERT_EQ(out[(y * w + x) * bpp], inside ? std::byte{0xAB} : ref[(y * w + x) * bpp]) << x << "," << y;
    }
  // Untouched tiles still share storage; touched ones are each the image's own.
  EXPECT_EQ(tee.query(0).state, cow_state::sharable);
  EXPECT_EQ(tee.query(5).state, cow_state::sharable);
  EXPECT_EQ(tee.query(2).state, cow_state::shared);
  EXPECT_EQ(original.query(0).state, cow_state::sharable);
}

TEST(TiledImage, UpdateChangesTheSharedBytesWithoutACopy) {
  auto original = make_image(16, 8);
  const auto p = original.focus({0, 0, 16, 8}).value();
  { auto u = original.use(p, tile_access::write).value(); }
  auto tee = original.share().value();
  const auto before = copied_bytes();
  {
    auto u = tee.use(p, tile_access::update).value();
    u.writable_data()[0] = std::byte{0x5A};
  }
  EXPECT_EQ(copied_bytes(), before);
  EXPECT_EQ(original.use(p, tile_access::read).value().data()[0], std::byte{0x5A});
  EXPECT_EQ(tee.query(0).state, cow_state::shared);
}

TEST(TiledImage, UnallocOfASharedTileLeavesTheOtherImageAlone) {
  auto original = make_image(16, 8);
  const auto p = original.focus({0, 0, 16, 8}).value();
  { original.use(p, tile_access::write).value().writable_data()[3] = std::byte{9}; }
  auto tee = original.share().value();
  ASSERT_TRUE(tee.unalloc(0));
  EXPECT_FALSE(tee.query(0).allocated);
  EXPECT_EQ(original.query(0).state, cow_state::sharable);
  EXPECT_EQ(original.use(p, tile_access::read).value().data()[3], std::byte{9});
}

}  // namespace tiled_image_test
}  // namespace tessera::core

namespace tessera::core {
namespace tiled_image_test {

TEST(TiledImageMapTile, SharesOneTilesStorageAndCopiesItOnWrite) {
  auto a = tiled_image::create(tile_tag{video_format::rgba, 4}, 32, 8, {16, 0}, {8, 0}).value();
  auto b = tiled_image::create(tile_tag{video_format::rgba, 4}, 48, 8, {16, 0}, {8, 0}).value();
  { a.use(a.focus({0, 0, 16, 8}).value(), tile_access::write).value().writable_data()[0] = std::byte{0x31}; }
  const auto before = memory_counters_snapshot().copied_bytes;
  ASSERT_TRUE(b.map_tile(2, a, 0));
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, before);
  EXPECT_EQ(b.query(2).state, cow_state::shared);
  EXPECT_TRUE(b.query(2).valid);
  const auto p = b.focus({32, 0, 16, 8}).value();
  EXPECT_EQ(b.use(p, tile_access::read).value().data()[0], std::byte{0x31});
  { b.use(p, tile_access::write).value().writable_data()[0] = std::byte{0x32}; }
  EXPECT_EQ(memory_counters_snapshot().copied_bytes - before, 16u * 8 * 4);  // that tile only
  EXPECT_EQ(a.use(a.focus({0, 0, 1, 1}).value(), tile_access::read).value().data()[0], std::byte{0x31});

  auto other_size = tiled_image::create(tile_tag{video_format::rgba, 4}, 8, 8, {8, 0}, {8, 0}).value();
  auto bad = other_size.map_tile(0, a, 0);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), errc::invalid_argument);
}

}  // namespace tiled_image_test
}  // namespace tessera::core
