#include "core/video/tiled_frame.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace tessera::core {
namespace tiled_frame_test {

video_info rgba(int w, int h) { return video_info::make(video_format::rgba, w, h, fraction(30), video_layout::tiled).value(); }

std::vector<std::byte> reference(std::size_t w, std::size_t h, std::size_t bpp) {
  std::vector<std::byte> v(w * h * bpp);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::byte((i * 131 + i / 977) & 0xff);
  return v;
}

TEST(TiledFrame, Uses64By64TilesWithFullyAllocatedEdges) {
  const auto g = frame_tile_grid(rgba(130, 65)).value();
  EXPECT_EQ(g.tiles_across(), 3u);  // 64 + 64 + 2
  EXPECT_EQ(g.tiles_down(), 2u);    // 64 + 1
  EXPECT_EQ(g.tile_bytes(), 64u * 64 * 4);
  auto b = allocate_tiled_frame(g, test_runtime().tiled_frame_allocator()).value();
  EXPECT_EQ(b.n_memory(), 6u);
  EXPECT_TRUE(check_tiled_frame(b, g, "test"));
  for (const memory& m : b.memories()) EXPECT_EQ(m.size(), 64u * 64 * 4);
}

TEST(TiledFrame, FrameBytesAreWholeTilesWhenTiledAndRowsWhenLinear) {
  // 100x70 RGBA: 2x2 tiles of 64x64x4 bytes when tiled, 100*70*4 bytes when linear.
  const auto tiled = caps::parse("video/x-raw,format=RGBA,width=100,height=70,layout=tiled");
  const auto linear = caps::parse("video/x-raw,format=RGBA,width=100,height=70,layout=linear");
  ASSERT_TRUE(tiled && linear);
  EXPECT_EQ(video_frame_bytes(*tiled), std::optional<std::size_t>(4u * 64 * 64 * 4));
  EXPECT_EQ(video_frame_bytes(*linear), std::optional<std::size_t>(100u * 70 * 4));
  const auto unfixed = caps::parse("video/x-raw,format=RGBA,width=[1,100],height=70");
  const auto audio = caps::parse("audio/x-raw,format=S16LE,rate=48000,channels=2");
  ASSERT_TRUE(unfixed && audio);
  EXPECT_EQ(video_frame_bytes(*unfixed), std::nullopt);
  EXPECT_EQ(video_frame_bytes(*audio), std::nullopt);
}

TEST(TiledFrame, ScatteredRowsGatherBackAndTheGatherIsCounted) {
  const std::size_t w = 130, h = 65;
  const auto g = frame_tile_grid(rgba(w, h)).value();
  const auto ref = reference(w, h, 4);
  auto b = allocate_tiled_frame(g, test_runtime().tiled_frame_allocator()).value();
  const auto before_scatter = memory_counters_snapshot().copied_bytes;
  ASSERT_TRUE(scatter_rows(b, g, ref, w * 4));
  EXPECT_EQ(memory_counters_snapshot().copied_bytes, before_scatter);  // producing is not copying
  std::vector<std::byte> out(ref.size());
  const auto before = memory_counters_snapshot().copied_bytes;
  ASSERT_TRUE(gather_rows(b, g, 0, h, out, w * 4));
  EXPECT_EQ(memory_counters_snapshot().copied_bytes - before, w * h * 4);
  EXPECT_EQ(out, ref);
  // Pixel (100, 64) is in tile column 1, row 1: index 4, at (36, 0) in it.
  EXPECT_EQ(b.peek_memory(4).data()[36 * 4], ref[(64 * w + 100) * 4]);
}

TEST(TiledFrame, MakingATileWritableCopiesItOnlyWhenShared) {
  const auto g = frame_tile_grid(rgba(128, 64)).value();
  auto b = allocate_tiled_frame(g, test_runtime().tiled_frame_allocator()).value();
  EXPECT_FALSE(make_tile_writable(b, 0).value());  // only b holds it
  buffer tee = b.share();
  const auto before = memory_counters_snapshot().copied_bytes;
  EXPECT_TRUE(make_tile_writable(b, 1).value());
  EXPECT_EQ(memory_counters_snapshot().copied_bytes - before, g.tile_bytes());
  EXPECT_FALSE(b.peek_memory(1) == tee.peek_memory(1));
  EXPECT_TRUE(b.peek_memory(0) == tee.peek_memory(0));
  EXPECT_EQ(make_tile_writable(b, 2).error(), errc::out_of_range);
}

TEST(TiledFrame, AWrongBufferIsRefusedWithTheReason) {
  const auto g = frame_tile_grid(rgba(128, 64)).value();
  auto one = buffer::allocate(128 * 64 * 4).value();
  auto r = check_tiled_frame(one, g, "sink");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("needs 2 tile memories, the buffer has 1"), std::string::npos) << r.error().message;
}

}  // namespace tiled_frame_test
}  // namespace tessera::core
