#pragma once
// Helpers for the tiled-frame element tests: running a pipeline to its frames and
// reading tiled frames back as packed rows without the code under test.

#include "tests/core/elements/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tessera::core::tiles_test {

using namespace video_test;

// Tiles are 64x64; a tiled frame is read back by tiled_video_test's untile (through
// maps, so tiles of the tile cache come back from the swap file first).
using tiled_video_test::tile;
using tiled_video_test::untile;

/// The frames of `description` (ending in appsink name=out), as packed rows.
inline std::vector<std::vector<std::uint8_t>> frames_of(const std::string& description, bool tiled, int w, int h, int bpp,
                                                       element_registry& registry = test_runtime().registry()) {
  auto p = build(description, registry);
  if (!p) return {};
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << description << (r.errors.empty() ? "" : ": " + r.errors.front());
  std::vector<std::vector<std::uint8_t>> out;
  for (const sample& s : r.samples) {
    const auto info = video_info::from_caps(s.caps).value();
    EXPECT_EQ(info.layout(), tiled ? video_layout::tiled : video_layout::linear);
    if (tiled) {
      EXPECT_EQ(s.buffer.n_memory(), static_cast<std::size_t>(((w + tile - 1) / tile) * ((h + tile - 1) / tile)));
      out.push_back(untile(s.buffer, w, h, bpp));
    } else {
      out.push_back(bytes_of(s.buffer));
    }
  }
  return out;
}

}  // namespace tessera::core::tiles_test
