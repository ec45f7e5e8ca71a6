#include "core/tiles/tile_cache.hpp"

#include "core/video/tiled_image.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include <unistd.h>

// Several threads, each with its own images, on one tile cache with a small budget: each
// thread's uses evict the other threads' cold tiles (through the tiles' mutexes and
// the storages' locks), and every image still reads back exactly what was written.

namespace tessera::core {
namespace tile_cache_concurrency_test {

namespace fs = std::filesystem;

TEST(TileCacheConcurrency, ThreadsSwappingEachOthersTilesLoseNoPixel) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("tessera_mm_conc_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    constexpr std::size_t w = 64, h = 32, bpp = 4;  // 16 tiles of 16x8 each, 512 bytes
    tile_cache_config c;
    c.cache_bytes = 12 * 512;  // far less than 4 threads x 16 tiles
    c.swap_dir = dir;
    auto mgr = tile_cache::create(c).value();
    std::vector<std::thread> threads;
    std::vector<int> failures(4, 0);
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 gen(static_cast<unsigned>(t + 1));
        std::vector<std::byte> ref(w * h * bpp);
        auto img = tiled_image::create(tile_tag{video_format::rgba, bpp}, w, h, {16, 0}, {8, 0}, *mgr).value();
        std::vector<std::byte> out(ref.size());
        for (int round = 0; round < 20; ++round) {
          for (auto& b : ref) b = std::byte(gen() & 0xff);
          if (!img.write_rows(0, h, ref, w * bpp)) ++failures[t];
          if (!img.read_rows(0, h, out, w * bpp) || out != ref) ++failures[t];
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(failures, (std::vector<int>{0, 0, 0, 0}));
    const tile_counters counters = mgr->counters();
    EXPECT_GT(counters.swap_outs, 0u);
    EXPECT_EQ(counters.swap_failures, 0u);
    EXPECT_EQ(counters.resident_bytes, 0u);  // all images gone
    EXPECT_EQ(counters.tiles_swapped, 0u);
  }
  fs::remove_all(dir);
}

}  // namespace tile_cache_concurrency_test
}  // namespace tessera::core
