#include "core/tiles/tile_cache.hpp"

#include "core/video/tiled_image.hpp"
#include "tile_cache_test_support.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

// The tile cache's rules: one budget, LRU swap-out to a checksummed swap file, swap-in on
// use (also off the streaming thread), and the failures that must lose no tile.

namespace tessera::core {
namespace tile_cache_test {

namespace fs = std::filesystem;
using namespace tile_cache_test;
using namespace std::chrono_literals;

TEST(TileCache, RefusesAMissingOrUnusableSwapDirWithItsName) {
  tile_cache_config c;
  c.swap_dir = "/nonexistent/tessera-swap";
  auto missing = tile_cache::create(c);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), errc::io_error);
  EXPECT_NE(missing.error().message.find("swap dir \"/nonexistent/tessera-swap\" does not exist"), std::string::npos)
      << missing.error().message;

  temp_dir d("notdir");
  const fs::path file = d.path / "plain";
  std::ofstream(file) << "x";
  c.swap_dir = file;
  auto not_dir = tile_cache::create(c);
  ASSERT_FALSE(not_dir);
  EXPECT_NE(not_dir.error().message.find("is not a directory"), std::string::npos) << not_dir.error().message;

  // /proc takes no new files, even from root: the create fails with the system's reason.
  c.swap_dir = "/proc";
  auto unwritable = tile_cache::create(c);
  ASSERT_FALSE(unwritable);
  EXPECT_NE(unwritable.error().message.find("swap dir \"/proc\": cannot create swap file"), std::string::npos)
      << unwritable.error().message;

  c.swap_dir = d.path;
  c.cache_bytes = 0;
  auto zero = tile_cache::create(c);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error(), errc::invalid_argument);
}

TEST(TileCache, AnImageSeveralTimesTheCacheReadsBackByteIdentical) {
  temp_dir d("big");
  auto mgr = make_mgr(d.path, 4 * tile_bytes);
  const std::size_t w = 64, h = 32;  // 4 x 4 = 16 tiles: four times the cache
  const auto ref = noise(w, h);
  {
    auto img = tiled_image::create(rgba_tag, w, h, {16, 0}, {8, 0}, *mgr).value();
    ASSERT_TRUE(img.write_rows(0, h, ref, w * bpp));
    // One tile in use at a time: never more than the budget.
    EXPECT_LE(mgr->counters().peak_resident_bytes, 4 * tile_bytes);
    std::vector<std::byte> out(ref.size());
    ASSERT_TRUE(img.read_rows(0, h, out, w * bpp));
    EXPECT_EQ(out, ref);
    const tile_counters c = mgr->counters();
    EXPECT_LE(c.peak_resident_bytes, 4 * tile_bytes);
    EXPECT_GE(c.swapped_out_bytes, 12 * tile_bytes);
    EXPECT_GE(c.swapped_in_bytes, 12 * tile_bytes);
    EXPECT_GT(c.cache_misses, 0u);
    EXPECT_EQ(c.swap_failures, 0u);
    EXPECT_EQ(c.tiles_resident + c.tiles_swapped, 16u);
  }
  // The image is gone: nothing resident, nothing left in the swap file.
  const tile_counters c = mgr->counters();
  EXPECT_EQ(c.resident_bytes, 0u);
  EXPECT_EQ(c.tiles_swapped, 0u);
  EXPECT_EQ(mgr->swap().end_bytes(), 0u);
}

TEST(TileCache, RecentlyUsedTilesStayResident) {
  temp_dir d("lru");
  auto mgr = make_mgr(d.path, 2 * tile_bytes);
  auto img = tiled_image::create(rgba_tag, 48, 8, {16, 0}, {8, 0}, *mgr).value();  // 3 tiles
  for (std::size_t t = 0; t < 3; ++t) ASSERT_TRUE(img.use(img.focus(img.grid().tile_area(t)).value(), tile_access::write));
  // Tile 0 is the coldest: it went out to make room for tile 2.
  EXPECT_FALSE(img.is_resident(0));
  EXPECT_TRUE(img.is_resident(1));
  EXPECT_TRUE(img.is_resident(2));
  const auto hits = mgr->counters().cache_hits;
  ASSERT_TRUE(img.use(img.focus(img.grid().tile_area(2)).value(), tile_access::read));
  EXPECT_EQ(mgr->counters().cache_hits, hits + 1);
  // Using tile 0 again brings it back and sends tile 1 (now the coldest) out.
  ASSERT_TRUE(img.use(img.focus(img.grid().tile_area(0)).value(), tile_access::read));
  EXPECT_TRUE(img.is_resident(0));
  EXPECT_FALSE(img.is_resident(1));
}

TEST(TileCache, CompressesTilesWhenItPaysAndStoresNoiseRaw) {
  temp_dir d("lz4");
  auto mgr = make_mgr(d.path, 1 * tile_bytes);
  auto flat = tiled_image::create(rgba_tag, 32, 8, {16, 0}, {8, 0}, *mgr).value();  // zero tiles
  for (std::size_t t = 0; t < 2; ++t) ASSERT_TRUE(flat.use(flat.focus(flat.grid().tile_area(t)).value(), tile_access::read));
  ASSERT_TRUE(mgr->flush());
  tile_counters c = mgr->counters();
  EXPECT_EQ(c.swapped_out_bytes, 2 * tile_bytes);
  EXPECT_LT(c.stored_bytes, tile_bytes / 4);

  std::vector<std::byte> out;
  std::vector<std::byte> rnd(tile_bytes);
  std::mt19937 gen(3);
  for (auto& b : rnd) b = std::byte(gen() & 0xff);
  auto how = encode_for_swap(rnd, true, out).value();
  EXPECT_FALSE(how.compressed);
  EXPECT_EQ(out, rnd);
}

TEST(SwapFile, ReusesFreedSpaceBeforeGrowingAndShrinksAtTheEnd) {
  temp_dir d("extents");
  auto f = swap_file::create(d.path, 0).value();
  const auto a = f->reserve(100).value();
  const auto b = f->reserve(200).value();
  const auto c = f->reserve(100).value();
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 100u);
  EXPECT_EQ(c, 300u);
  f->release(b, 200);
  EXPECT_EQ(f->free_bytes(), 200u);
  EXPECT_EQ(f->reserve(150).value(), 100u);  // first fit, in the hole
  EXPECT_EQ(f->free_bytes(), 50u);
  f->release(c, 100);  // the end: the file shrinks, the 50-byte hole merges into it
  EXPECT_EQ(f->end_bytes(), 250u);
  EXPECT_EQ(f->free_bytes(), 0u);
  auto limited = swap_file::create(d.path, 64).value();
  auto full = limited->reserve(65);
  ASSERT_FALSE(full);
  EXPECT_NE(full.error().message.find("is full"), std::string::npos);
}

TEST(TileCache, ADiskFullSwapOutKeepsEveryTileAndIsReported) {
  temp_dir d("full");
  auto mgr = make_mgr(d.path, 2 * tile_bytes, false);
  mgr->swap().fail_writes_after(tile_bytes);  // room for one tile, then ENOSPC
  const std::size_t w = 64, h = 8;            // 4 tiles
  const auto ref = noise(w, h);
  auto img = tiled_image::create(rgba_tag, w, h, {16, 0}, {8, 0}, *mgr).value();
  ASSERT_TRUE(img.write_rows(0, h, ref, w * bpp));
  ASSERT_TRUE(img.use(img.focus({0, 0, 1, 1}).value(), tile_access::read));
  auto err = mgr->last_swap_error();
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->message.find("No space left on device"), std::string::npos) << err->message;
  EXPECT_GT(mgr->counters().swap_failures, 0u);
  // Every pixel is still there (in memory or in the one tile that fit).
  std::vector<std::byte> out(ref.size());
  ASSERT_TRUE(img.read_rows(0, h, out, w * bpp));
  EXPECT_EQ(out, ref);
}

TEST(TileCache, ACorruptTileOnReadIsAClearErrorAndOtherTilesAreKept) {
  temp_dir d("corrupt");
  auto mgr = make_mgr(d.path, 4 * tile_bytes, false);
  const std::size_t w = 32, h = 8;  // 2 tiles
  const auto ref = noise(w, h);
  auto img = tiled_image::create(rgba_tag, w, h, {16, 0}, {8, 0}, *mgr).value();
  ASSERT_TRUE(img.write_rows(0, h, ref, w * bpp));
  // Tile 0 out to the swap file, then one of its bytes flipped on disk.
  ASSERT_TRUE(img.use(img.focus(img.grid().tile_area(1)).value(), tile_access::read));
  mgr->set_cache_bytes(1);
  ASSERT_TRUE(mgr->enforce_budget(nullptr));
  mgr->set_cache_bytes(4 * tile_bytes);
  ASSERT_FALSE(img.is_resident(0));
  ASSERT_FALSE(img.is_resident(1));
  {
    const int fd = ::open(mgr->swap().path().c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::byte b{};
    ASSERT_EQ(::pread(fd, &b, 1, 5), 1);
    b ^= std::byte{0x40};
    ASSERT_EQ(::pwrite(fd, &b, 1, 5), 1);
    ::close(fd);
  }
  // Which tile sits at offset 0 depends on the eviction order: try both.
  std::size_t corrupt = 0, fine = 0;
  for (std::size_t t = 0; t < 2; ++t) {
    auto u = img.use(img.focus(img.grid().tile_area(t)).value(), tile_access::read);
    if (!u) {
      ++corrupt;
      EXPECT_EQ(u.error(), errc::io_error);
      EXPECT_NE(u.error().message.find("is corrupt: its checksum does not match"), std::string::npos) << u.error().message;
      EXPECT_NE(u.error().message.find(mgr->swap().path().string()), std::string::npos);
    } else {
      ++fine;
      const tile_rect a = img.grid().tile_area(t);
      for (std::size_t r = 0; r < a.height; ++r)
        ASSERT_EQ(0, std::memcmp(u->data() + r * u->stride_bytes(), ref.data() + (r * w + a.x) * bpp, a.width * bpp));
    }
  }
  EXPECT_EQ(corrupt, 1u);
  EXPECT_EQ(fine, 1u);
}

/// The coroutine under test: reads the first byte of a swapped-out tile.
boost::asio::awaitable<void> read_first_byte(tiled_image* img, portion p, std::vector<std::string>* order,
                                             std::byte* got, std::thread::id* resumed_on) {
  auto u = co_await async_use(*img, p, tile_access::read);
  *resumed_on = std::this_thread::get_id();
  if (u) *got = u->data()[0];
  order->push_back(u ? "use done" : "use failed: " + u.error().message);
}

TEST(TileCache, AsyncSwapInLeavesTheStreamingThreadFree) {
  temp_dir d("async");
  // Before the manager: its I/O thread posts the coroutine back here, so this context
  // must outlive the manager (which joins that thread when it dies).
  boost::asio::io_context streaming;
  auto mgr = make_mgr(d.path, 4 * tile_bytes);
  auto img = tiled_image::create(rgba_tag, 16, 8, {16, 0}, {8, 0}, *mgr).value();
  const auto p = img.focus({0, 0, 16, 8}).value();
  { img.use(p, tile_access::write).value().writable_data()[0] = std::byte{0x77}; }
  ASSERT_TRUE(mgr->flush());
  ASSERT_FALSE(img.is_resident(0));

  // The swap read waits until the streaming thread has run other work: it can only
  // finish if the coroutine did not block that thread.
  std::atomic<bool> other_work_ran{false};
  std::thread::id reader;
  mgr->swap().set_before_read([&] {
    reader = std::this_thread::get_id();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!other_work_ran.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  });
  std::vector<std::string> order;
  std::byte got{};
  std::thread::id resumed_on;
  boost::asio::co_spawn(streaming, read_first_byte(&img, p, &order, &got, &resumed_on), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  boost::asio::post(streaming, [&] {
    order.push_back("other work");
    other_work_ran = true;
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (order.size() < 2 && std::chrono::steady_clock::now() < deadline) streaming.run_for(20ms);
  ASSERT_EQ(order, (std::vector<std::string>{"other work", "use done"}));
  EXPECT_EQ(got, std::byte{0x77});
  EXPECT_NE(reader, std::this_thread::get_id());      // the read ran off the streaming thread
  EXPECT_EQ(resumed_on, std::this_thread::get_id());  // and the coroutine came back to it
  mgr->swap().set_before_read({});
}

}  // namespace tile_cache_test
}  // namespace tessera::core
