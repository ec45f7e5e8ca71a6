#pragma once
// Helpers for the tiled-frame element tests: running a pipeline to its frames and
// reading tiled frames back as packed rows without the code under test.

#include "../elements/video_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace tessera::core::tiles_test {

using namespace video_test;

constexpr int tile = 64;  // frame tiles are 64x64 (tiled_frame.hpp)

/// A tiled frame's pixels as packed rows, read tile by tile without the code under test.
inline std::vector<std::uint8_t> untile(const buffer& b, int w, int h, int bpp) {
  const int across = (w + tile - 1) / tile;
  std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * h * bpp);
  // Tiles of the tile cache may be swapped out: hold every tile's bytes in RAM.
  std::vector<detail::bytes_pin> pins;
  for (const memory& m : b.memories()) pins.push_back(std::move(m.bytes_pinned().value()));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const auto* t = reinterpret_cast<const std::uint8_t*>(b.peek_memory((y / tile) * across + x / tile).data());
      std::memcpy(&out[(static_cast<std::size_t>(y) * w + x) * bpp], t + ((y % tile) * tile + x % tile) * bpp, bpp);
    }
  return out;
}

/// The frames of `description` (ending in appsink name=out), as packed rows.
inline std::vector<std::vector<std::uint8_t>> frames_of(const std::string& description, bool tiled, int w, int h, int bpp) {
  auto p = build(description);
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
