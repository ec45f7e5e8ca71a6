#pragma once
// What the tile cache tests share: a scratch swap directory, a manager on it, and pixels
// that do not compress.

#include "core/tiles/tile_cache.hpp"
#include "core/video/tile_geometry.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

namespace tessera::core::tile_cache_test {

namespace fs = std::filesystem;

constexpr std::size_t bpp = 4;
inline const tile_tag rgba_tag{video_format::rgba, bpp};
constexpr std::size_t tile_bytes = 16 * 8 * bpp;  // 512

/// A fresh directory under the test temp dir, removed at the end.
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& name) : path(fs::path(::testing::TempDir()) / ("tessera_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

inline std::unique_ptr<tile_cache> make_mgr(const fs::path& dir, std::uint64_t cache_bytes, bool compress = true) {
  tile_cache_config c;
  c.cache_bytes = cache_bytes;
  c.swap_dir = dir;
  c.compress = compress;
  auto m = tile_cache::create(c);
  EXPECT_TRUE(m) << (m ? "" : m.error().message);
  return m ? std::move(*m) : nullptr;
}

/// Pixels that do not compress (a fixed-seed generator), w x h RGBA.
inline std::vector<std::byte> noise(std::size_t w, std::size_t h, unsigned seed = 7) {
  std::mt19937 gen(seed);
  std::vector<std::byte> v(w * h * bpp);
  for (auto& b : v) b = std::byte(gen() & 0xff);
  return v;
}

}  // namespace tessera::core::tile_cache_test
