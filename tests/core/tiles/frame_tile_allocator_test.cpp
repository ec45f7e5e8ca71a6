#include "core/tiles/frame_tile_allocator.hpp"

#include "core/memory/buffer.hpp"
#include "core/memory/counters.hpp"
#include "core/tiles/frame_residency.hpp"
#include "core/video/tiled_frame.hpp"
#include "tile_cache_test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

// Tile memories of frames in flight under the tile cache's budget: cold ones leave RAM
// and come back, byte-identical, on the next map or bytes pin (or off the streaming
// thread through bring_in); held ones never leave; failures lose nothing.

namespace tessera::core {
namespace frame_tile_allocator_test {

using namespace tile_cache_test;

constexpr std::size_t frame_tile = 64 * 64 * 4;  // one RGBA frame tile, 4 pages

/// `n` tile memories, each filled with its own noise.
std::vector<memory> filled_tiles(frame_tile_allocator& a, std::size_t n, std::vector<std::vector<std::byte>>& expected) {
  std::vector<memory> tiles;
  for (std::size_t i = 0; i < n; ++i) {
    auto m = a.allocate(frame_tile);
    EXPECT_TRUE(m) << (m ? "" : m.error().message);
    if (!m) return tiles;
    expected.push_back(noise(64, 64, static_cast<unsigned>(i + 1)));
    auto map = m->map(map_access::write);
    EXPECT_TRUE(map);
    std::memcpy(map->data(), expected.back().data(), frame_tile);
    tiles.push_back(std::move(*m));
  }
  return tiles;
}

bool same_bytes(memory& m, const std::vector<std::byte>& expected) {
  auto map = m.map(map_access::read);
  return map && map->size() == expected.size() && std::memcmp(map->data(), expected.data(), expected.size()) == 0;
}

TEST(FrameTileAllocator, TilesBeyondTheBudgetAreSwappedOutAndReadBackByteIdentical) {
  temp_dir d("frame_tiles");
  auto mgr = make_mgr(d.path, 4 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 16, expected);
  ASSERT_EQ(tiles.size(), 16u);
  const tile_counters after_fill = mgr->counters();
  // 16 tiles under a 4-tile budget: at most 4 (plus the one being made) stay in RAM.
  EXPECT_LE(after_fill.resident_bytes, 5 * frame_tile);
  EXPECT_GE(after_fill.swap_outs, 11u);
  EXPECT_EQ(after_fill.swapped_out_bytes, after_fill.swap_outs * frame_tile);
  std::size_t out_now = 0;
  for (const memory& m : tiles) out_now += frame_tile_allocator::is_resident(m) ? 0 : 1;
  EXPECT_EQ(out_now, after_fill.tiles_swapped);
  // Every tile reads back as it was written, whether it stayed or came back.
  for (std::size_t i = 0; i < tiles.size(); ++i) EXPECT_TRUE(same_bytes(tiles[i], expected[i])) << "tile " << i;
  const tile_counters after_read = mgr->counters();
  EXPECT_GE(after_read.swap_ins, 11u);
  EXPECT_GT(after_read.cache_misses, 0u);
  EXPECT_LE(after_read.resident_bytes, 5 * frame_tile);
}

TEST(FrameTileAllocator, AMappedTileIsNeverSwappedOut) {
  temp_dir d("frame_pinned");
  auto mgr = make_mgr(d.path, 2 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto first = filled_tiles(a, 1, expected);
  auto held = first[0].map(map_access::read);
  ASSERT_TRUE(held);
  auto more = filled_tiles(a, 8, expected);
  EXPECT_TRUE(frame_tile_allocator::is_resident(first[0]));
  EXPECT_EQ(0, std::memcmp(held->data(), expected[0].data(), frame_tile));
  held->unmap().value();
  // Let go of, it is as cold as any other.
  auto later = filled_tiles(a, 4, expected);
  EXPECT_FALSE(frame_tile_allocator::is_resident(first[0]));
  EXPECT_TRUE(same_bytes(first[0], expected[0]));
}

TEST(FrameTileAllocator, SharesAndCopiesOfASwappedTileSeeItsBytes) {
  temp_dir d("frame_shares");
  auto mgr = make_mgr(d.path, 2 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 1, expected);
  auto share = tiles[0].share(100, 1000).value();
  filled_tiles(a, 6, expected);  // pushes tile 0 out
  ASSERT_FALSE(frame_tile_allocator::is_resident(tiles[0]));
  {
    auto map = share.map(map_access::read);  // a share brings its root back
    ASSERT_TRUE(map);
    EXPECT_EQ(0, std::memcmp(map->data(), expected[0].data() + 100, 1000));
  }
  filled_tiles(a, 6, expected);
  ASSERT_FALSE(frame_tile_allocator::is_resident(tiles[0]));
  auto copy = tiles[0].copy();  // a copy reads the bytes back first
  ASSERT_TRUE(copy);
  EXPECT_TRUE(same_bytes(*copy, expected[0]));
}

TEST(FrameTileAllocator, FreedTilesAreRecycledAndForgetTheirSwapCopy) {
  temp_dir d("frame_free");
  auto mgr = make_mgr(d.path, 4 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  {
    auto tiles = filled_tiles(a, 12, expected);
    EXPECT_GT(mgr->counters().tiles_swapped, 0u);
  }
  // Every tile died: nothing stays in the swap file.
  EXPECT_EQ(mgr->counters().tiles_swapped, 0u);
  const std::uint64_t live_before = memory_counters_snapshot().allocated_bytes;
  auto again = filled_tiles(a, 12, expected);
  // The regions are reused: no new allocation was counted.
  EXPECT_EQ(memory_counters_snapshot().allocated_bytes, live_before);
  for (std::size_t i = 0; i < again.size(); ++i) EXPECT_TRUE(same_bytes(again[i], expected[12 + i])) << i;
}

TEST(FrameTileAllocator, ASwapOutThatCannotWriteKeepsTheTileResident) {
  temp_dir d("frame_full");
  tile_cache_config c;
  c.cache_bytes = 2 * frame_tile;
  c.swap_dir = d.path;
  c.compress = false;
  c.max_swap_bytes = frame_tile + frame_tile / 2;  // room for one tile in the swap file
  auto mgr = std::move(tile_cache::create(c).value());
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 6, expected);
  ASSERT_EQ(tiles.size(), 6u);
  EXPECT_GT(mgr->counters().swap_failures, 0u);
  ASSERT_TRUE(mgr->last_swap_error());
  EXPECT_NE(mgr->last_swap_error()->message.find("full"), std::string::npos) << mgr->last_swap_error()->message;
  for (std::size_t i = 0; i < tiles.size(); ++i) EXPECT_TRUE(same_bytes(tiles[i], expected[i])) << "tile " << i;
}

TEST(FrameTileAllocator, ACorruptTileFailsItsMapWithTheSwapFileNamed) {
  temp_dir d("frame_corrupt");
  auto mgr = make_mgr(d.path, frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 2, expected);
  ASSERT_TRUE(mgr->flush());
  ASSERT_FALSE(frame_tile_allocator::is_resident(tiles[0]));
  ASSERT_FALSE(frame_tile_allocator::is_resident(tiles[1]));
  {
    const int fd = ::open(mgr->swap().path().c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::byte b{};
    ASSERT_EQ(::pread(fd, &b, 1, 9), 1);
    b ^= std::byte{0x10};
    ASSERT_EQ(::pwrite(fd, &b, 1, 9), 1);
    ::close(fd);
  }
  std::size_t corrupt = 0, fine = 0;
  for (std::size_t i = 0; i < 2; ++i) {
    auto map = tiles[i].map(map_access::read);
    if (!map) {
      ++corrupt;
      EXPECT_EQ(map.error(), errc::io_error);
      EXPECT_NE(map.error().message.find("is corrupt"), std::string::npos) << map.error().message;
      EXPECT_NE(map.error().message.find(mgr->swap().path().string()), std::string::npos) << map.error().message;
      EXPECT_FALSE(frame_tile_allocator::is_resident(tiles[i]));  // the copy stays for a retry
    } else {
      ++fine;
      EXPECT_EQ(0, std::memcmp(map->data(), expected[i].data(), frame_tile));
    }
  }
  EXPECT_EQ(corrupt, 1u);
  EXPECT_EQ(fine, 1u);
}

TEST(FrameTileAllocator, CopyOnWriteOfASharedFrameTileStaysInTheCache) {
  temp_dir d("frame_cow");
  auto mgr = make_mgr(d.path, 64 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  auto g = tile_grid::make(tile_tag::of(video_format::rgba), 128, 64, {64, 0}, {64, 0}).value();
  auto frame = allocate_tiled_frame(g, a).value();
  buffer tee_copy = frame.share();  // both hold every tile, as after a tee
  const std::uint64_t resident = mgr->counters().resident_bytes;
  auto map = map_tile(frame, 1, map_access::write);
  ASSERT_TRUE(map);
  EXPECT_NE(frame.peek_memory(1), tee_copy.peek_memory(1));
  EXPECT_EQ(frame.peek_memory(0), tee_copy.peek_memory(0));
  EXPECT_EQ(frame.peek_memory(1).allocator_name(), "tile cache");
  EXPECT_EQ(mgr->counters().resident_bytes, resident + frame_tile);
}

TEST(FrameTileAllocator, BringInReadsAFramesTilesBackOffTheCallingThread) {
  temp_dir d("frame_bring_in");
  auto mgr = make_mgr(d.path, 8 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 3, expected);
  buffer frame;
  for (memory& m : tiles) ASSERT_TRUE(frame.append_memory(m));
  ASSERT_TRUE(mgr->flush());
  ASSERT_TRUE(needs_swap_in(frame));

  boost::asio::io_context streaming;
  std::thread::id ran_on, resumed_on;
  bool done = false;
  boost::asio::co_spawn(
      streaming,
      [&]() -> boost::asio::awaitable<void> {
        auto r = co_await bring_in(frame);
        EXPECT_TRUE(r) << (r ? "" : r.error().message);
        resumed_on = std::this_thread::get_id();
        done = true;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  // The post to the I/O thread and back: the reads ran there.
  boost::asio::post(mgr->swap_io(), [&] { ran_on = std::this_thread::get_id(); });
  streaming.run();
  ASSERT_TRUE(done);
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_FALSE(needs_swap_in(frame));
  EXPECT_EQ(mgr->counters().swap_ins, 3u);
  for (std::size_t i = 0; i < tiles.size(); ++i) EXPECT_TRUE(same_bytes(tiles[i], expected[i]));
}

TEST(FrameTileAllocator, ATileReadBackOnlyToBeReadLeavesAgainWithoutAWrite) {
  temp_dir d("frame_clean");
  auto mgr = make_mgr(d.path, 8 * frame_tile, false);
  frame_tile_allocator a(*mgr);
  std::vector<std::vector<std::byte>> expected;
  auto tiles = filled_tiles(a, 1, expected);
  ASSERT_TRUE(mgr->flush());
  const tile_counters first_out = mgr->counters();
  ASSERT_EQ(first_out.swap_outs, 1u);
  // Read back, evicted again: the swap copy is still good, nothing is written.
  EXPECT_TRUE(same_bytes(tiles[0], expected[0]));
  ASSERT_TRUE(mgr->flush());
  EXPECT_FALSE(frame_tile_allocator::is_resident(tiles[0]));
  EXPECT_EQ(mgr->counters().swap_outs, 1u);
  EXPECT_EQ(mgr->counters().stored_bytes, first_out.stored_bytes);
  EXPECT_EQ(mgr->counters().tiles_swapped, 1u);
  // Written after coming back: the copy is stale, the next eviction writes.
  {
    auto map = tiles[0].map(map_access::readwrite);
    ASSERT_TRUE(map);
    map->data()[0] = ~map->data()[0];
    expected[0][0] = ~expected[0][0];
  }
  ASSERT_TRUE(mgr->flush());
  EXPECT_EQ(mgr->counters().swap_outs, 2u);
  EXPECT_EQ(mgr->counters().tiles_swapped, 1u);
  EXPECT_TRUE(same_bytes(tiles[0], expected[0]));
  tiles.clear();
  EXPECT_EQ(mgr->counters().tiles_swapped, 0u);
}

TEST(FrameTileAllocator, RefusesAnAlignmentAboveThePageSize) {
  temp_dir d("frame_align");
  auto mgr = make_mgr(d.path, 8 * frame_tile);
  frame_tile_allocator a(*mgr);
  alloc_params p;
  p.align = 1 << 16;
  auto m = a.allocate(100, p);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error(), errc::invalid_argument);
  EXPECT_NE(m.error().message.find("exceeds the page size"), std::string::npos) << m.error().message;
}

}  // namespace frame_tile_allocator_test
}  // namespace tessera::core
