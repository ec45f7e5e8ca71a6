// Tiled frames made of a tiled_image's tiles (image_frame.hpp): frames share the image's
// storage, the validator runs once per tile, writers copy only what they write, a frame
// in flight pins its tiles and the tile cache swaps them once no frame holds them.

#include "core/video/image_frame.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/system_allocator.hpp"
#include "core/video/tiled_frame.hpp"
#include "tests/core/tiles/tile_cache_test_support.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>

namespace tessera::core {
namespace image_frame_test {

constexpr std::size_t bpp = 4;
const tile_tag rgba_tag{video_format::rgba, bpp};
constexpr axis_tiling frame_axis{frame_tile_period, 0};

// Every byte of tile i is (i * 37 + 11) & 0xff; `calls` counts the validations.
tiled_image make_image(std::size_t w, std::size_t h, int& calls, cow_block_manager& m = system_block_manager()) {
  auto img = tiled_image::create(rgba_tag, w, h, frame_axis, frame_axis, m).value();
  img.set_validator([&calls](const tile_grid&, std::size_t i, const tile_rect&, std::span<std::byte> bytes) {
    ++calls;
    std::memset(bytes.data(), static_cast<int>((i * 37 + 11) & 0xff), bytes.size());
  });
  return img;
}

bool tile_holds_its_pattern(const buffer& b, std::size_t i) {
  auto map = const_cast<memory&>(b.peek_memory(i)).map(map_access::read);
  if (!map) return false;
  for (std::size_t k = 0; k < map->size(); ++k)
    if (map->data()[k] != std::byte((i * 37 + 11) & 0xff)) return false;
  return true;
}

TEST(ImageFrame, FramesShareTheImageTilesAndTheValidatorRunsOncePerTile) {
  int calls = 0;
  auto img = make_image(150, 130, calls);  // 3 x 3 tiles, partial at the right and bottom
  const std::size_t tiles = img.grid().tile_count();
  auto first = frame_from_image(img, system_allocator());
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(calls, static_cast<int>(tiles));
  ASSERT_TRUE(check_tiled_frame(*first, img.grid(), "test"));

  const memory_counters before = memory_counters_snapshot();
  std::vector<buffer> later;
  for (int n = 0; n < 5; ++n) later.push_back(frame_from_image(img, system_allocator()).value());
  const memory_counters after = memory_counters_snapshot();
  EXPECT_EQ(after.allocations, before.allocations);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
  EXPECT_EQ(after.copies, before.copies);
  EXPECT_EQ(calls, static_cast<int>(tiles)) << "a later frame validated again";

  for (const buffer& b : later) {
    for (std::size_t i = 0; i < tiles; ++i) {
      EXPECT_EQ(b.peek_memory(i).data(), first->peek_memory(i).data()) << "tile " << i << " is not shared";
      EXPECT_FALSE(b.peek_memory(i).is_writable());
      EXPECT_EQ(b.peek_memory(i).allocator_name(), "tiled image");
      EXPECT_TRUE(tile_holds_its_pattern(b, i));
    }
  }
}

TEST(ImageFrame, AWriterCopiesOnlyTheTileItWritesAndTheOtherFramesKeepTheirPixels) {
  int calls = 0;
  auto img = make_image(200, 100, calls);  // 4 x 2 tiles
  buffer written = frame_from_image(img, system_allocator()).value();
  buffer next = frame_from_image(img, system_allocator()).value();
  const memory_counters before = memory_counters_snapshot();
  bool copied = false;
  {
    auto map = map_tile(written, 5, map_access::write, &copied);
    ASSERT_TRUE(map) << map.error().message;
    std::memset(map->data(), 0, map->size());
  }
  const memory_counters after = memory_counters_snapshot();
  EXPECT_TRUE(copied);
  EXPECT_EQ(after.copies - before.copies, 1u);
  EXPECT_EQ(after.copied_bytes - before.copied_bytes, img.grid().tile_bytes());
  EXPECT_EQ(written.peek_memory(5).allocator_name(), "system") << "the copy comes from the allocator given";
  for (std::size_t i = 0; i < img.grid().tile_count(); ++i) {
    EXPECT_TRUE(tile_holds_its_pattern(next, i)) << "tile " << i << " of the next frame changed";
    if (i != 5) EXPECT_EQ(written.peek_memory(i).data(), next.peek_memory(i).data()) << "tile " << i << " was copied";
  }
  // And a frame made after the write still shows the image's pixels.
  buffer later = frame_from_image(img, system_allocator()).value();
  EXPECT_TRUE(tile_holds_its_pattern(later, 5));
  EXPECT_EQ(calls, static_cast<int>(img.grid().tile_count()));
}

TEST(ImageFrame, ATileNothingElseSharesIsWritableInPlace) {
  int calls = 0;
  std::optional<tiled_image> img = make_image(64, 64, calls);
  buffer b = frame_from_image(*img, system_allocator()).value();
  EXPECT_FALSE(b.peek_memory(0).is_writable());
  img.reset();  // the image lets go of its tile; the frame's pointer keeps the storage
  EXPECT_TRUE(b.peek_memory(0).is_writable());
  EXPECT_TRUE(tile_holds_its_pattern(b, 0));
  const memory_counters before = memory_counters_snapshot();
  auto copied = make_tile_writable(b, 0);
  ASSERT_TRUE(copied);
  EXPECT_FALSE(*copied);
  EXPECT_EQ(memory_counters_snapshot().copies, before.copies);
}

TEST(ImageFrame, AnImageNotTiledAsFramesIsRefused) {
  auto img = tiled_image::create(rgba_tag, 100, 100, {32, 0}, {32, 0}).value();
  auto b = frame_from_image(img, system_allocator());
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), errc::invalid_argument);
  EXPECT_NE(b.error().message.find("64x64"), std::string::npos) << b.error().message;
}

TEST(ImageFrame, AFrameInFlightPinsItsTilesAndTheCacheSwapsThemOnceItIsGone) {
  tile_cache_test::temp_dir dir("image_frame");
  auto cache = tile_cache_test::make_mgr(dir.path, 1);  // a budget of one byte: every idle tile goes
  int calls = 0;
  auto img = make_image(130, 70, calls, *cache);  // 3 x 2 tiles
  const std::size_t tiles = img.grid().tile_count();
  {
    buffer held = frame_from_image(img, system_allocator()).value();
    (void)cache->flush();
    EXPECT_EQ(cache->counters().swap_outs, 0u) << "a tile of a frame in flight was swapped out";
    for (std::size_t i = 0; i < tiles; ++i) EXPECT_TRUE(tile_holds_its_pattern(held, i));
  }
  ASSERT_TRUE(cache->flush());
  EXPECT_EQ(cache->counters().swap_outs, tiles);
  EXPECT_EQ(cache->counters().tiles_resident, 0u);
  buffer again = frame_from_image(img, system_allocator()).value();
  EXPECT_EQ(cache->counters().swap_ins, tiles);
  for (std::size_t i = 0; i < tiles; ++i) EXPECT_TRUE(tile_holds_its_pattern(again, i)) << "tile " << i;
  EXPECT_EQ(calls, static_cast<int>(tiles)) << "a swapped tile comes back from the swap file, not the validator";
}

}  // namespace image_frame_test
}  // namespace tessera::core
