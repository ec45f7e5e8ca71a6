#include "core/tiles/tile_cache.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace {

TEST(TileCache, ConfigureNamesABadSwapDirAndKeepsTheCacheUsable) {
  auto bad = configure_tile_cache(std::uint64_t{1} << 20, "/nonexistent/tessera-swap");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("/nonexistent/tessera-swap"), std::string::npos);
  ASSERT_TRUE(configure_tile_cache(std::uint64_t{3} << 20, ::testing::TempDir()));
  ASSERT_NE(tile_cache(), nullptr);
  EXPECT_EQ(tile_cache()->cache_bytes(), std::uint64_t{3} << 20);
  EXPECT_EQ(tile_cache_counters().resident_bytes, 0u);
}

}  // namespace
}  // namespace tessera::core
