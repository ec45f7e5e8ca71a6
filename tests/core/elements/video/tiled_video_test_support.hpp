#pragma once
// Helpers for the tests of elements on tiled frames (caps layout=tiled: one memory
// per 64x64 tile, row by row, partial edge tiles whole): building a tiled frame from
// packed rows and reading one back, both by hand through maps (tile by tile, as the
// swappable tile cache wants), and the reference conversions between RGBA, RGB and
// GRAY8 written out here. Tests push tiled frames through an element with the harness
// (tests/core/support/harness.hpp).

#include "core/memory/system_allocator.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace tessera::core::tiled_video_test {

using namespace video_test;

constexpr int tile = 64;

inline int tiles_for(int pixels) { return (pixels + tile - 1) / tile; }

inline int bpp_of(std::string_view format) { return format == "RGBA" ? 4 : format == "RGB" ? 3 : 1; }

/// A `w`x`h` tiled frame holding the packed rows `bytes`, its tiles from `a`; the
/// padding of partial edge tiles is 0xEE (so reading it by mistake shows).
inline buffer tiled_frame(const std::vector<std::uint8_t>& bytes, int w, int h, int bpp,
                          allocator& a = system_allocator()) {
  buffer b;
  const std::size_t tile_bytes = static_cast<std::size_t>(tile) * tile * bpp;
  for (int ty = 0; ty < tiles_for(h); ++ty)
    for (int tx = 0; tx < tiles_for(w); ++tx) {
      memory m = a.allocate(tile_bytes).value();
      {
        auto map = m.map(map_access::write).value();
        std::memset(map.data(), 0xEE, tile_bytes);
        for (int y = ty * tile; y < std::min(h, (ty + 1) * tile); ++y)
          for (int x = tx * tile; x < std::min(w, (tx + 1) * tile); ++x)
            std::memcpy(map.data() + ((y % tile) * tile + x % tile) * bpp,
                        &bytes[(static_cast<std::size_t>(y) * w + x) * bpp], bpp);
      }
      EXPECT_TRUE(b.append_memory(std::move(m)));
    }
  return b;
}

/// A tiled frame's pixels as packed rows, each tile mapped while it is read.
inline std::vector<std::uint8_t> untile(const buffer& b, int w, int h, int bpp) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(w) * h * bpp);
  EXPECT_EQ(b.n_memory(), static_cast<std::size_t>(tiles_for(w) * tiles_for(h)));
  if (b.n_memory() != static_cast<std::size_t>(tiles_for(w) * tiles_for(h))) return out;
  for (int ty = 0; ty < tiles_for(h); ++ty)
    for (int tx = 0; tx < tiles_for(w); ++tx) {
      memory m = b.peek_memory(static_cast<std::size_t>(ty * tiles_for(w) + tx));
      auto map = m.map(map_access::read);
      EXPECT_TRUE(map);
      if (!map) continue;
      for (int y = ty * tile; y < std::min(h, (ty + 1) * tile); ++y)
        for (int x = tx * tile; x < std::min(w, (tx + 1) * tile); ++x)
          std::memcpy(&out[(static_cast<std::size_t>(y) * w + x) * bpp],
                      map->data() + ((y % tile) * tile + x % tile) * bpp, bpp);
    }
  return out;
}

/// The caps element `name` negotiated on its sink and src pads when `description`
/// ran to its end.
inline std::pair<caps, caps> negotiated_caps(const std::string& description, std::string_view name) {
  auto p = build(description);
  EXPECT_TRUE(p);
  if (!p) return {};
  EXPECT_TRUE(play_to_eos(*p).eos);
  element* e = p->find(name);
  EXPECT_NE(e, nullptr);
  if (e == nullptr) return {};
  std::pair<caps, caps> both{e->static_pad(pad_direction::sink)->current_caps(),
                             e->static_pad(pad_direction::src)->current_caps()};
  p->set_state(state::null_state);
  return both;
}

/// A sample's pixels as packed rows, whatever its layout and stride.
inline std::vector<std::uint8_t> pixels_of(const sample& s) {
  const video_info info = info_of(s);
  if (info.layout() == video_layout::tiled)
    return untile(s.buffer, info.width(), info.height(), static_cast<int>(info.bytes_per_pixel()));
  const auto bytes = bytes_of(s.buffer);
  std::vector<std::uint8_t> out;
  for (int y = 0; y < info.height(); ++y) {
    const auto* row = bytes.data() + static_cast<std::size_t>(y) * info.stride();
    out.insert(out.end(), row, row + info.row_bytes());
  }
  return out;
}

/// The samples of `description` (ending in `appsink name=out`), which must reach EOS.
inline std::vector<sample> samples_of(const std::string& description) {
  auto p = build(description);
  if (!p) return {};
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << description << (r.errors.empty() ? "" : ": " + r.errors.front());
  return std::move(r.samples);
}

/// `pixels` pixels in format `from` (packed) converted to `to`, the textbook way:
/// BT.601 luma for GRAY8, grey replicated, opaque alpha added, alpha dropped.
inline std::vector<std::uint8_t> reference_convert(const std::vector<std::uint8_t>& in, std::string_view from,
                                                    std::string_view to) {
  const int fb = bpp_of(from);
  const int tb = bpp_of(to);
  const std::size_t pixels = in.size() / static_cast<std::size_t>(fb);
  std::vector<std::uint8_t> out;
  out.reserve(pixels * static_cast<std::size_t>(tb));
  for (std::size_t i = 0; i < pixels; ++i) {
    const std::uint8_t* p = &in[i * static_cast<std::size_t>(fb)];
    const int r = p[0];
    const int g = fb == 1 ? p[0] : p[1];
    const int b = fb == 1 ? p[0] : p[2];
    const int a = fb == 4 ? p[3] : 255;
    if (tb == 1) {
      out.push_back(static_cast<std::uint8_t>(fb == 1 ? r : bt601(r, g, b)));
    } else {
      out.insert(out.end(), {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g), static_cast<std::uint8_t>(b)});
      if (tb == 4) out.push_back(static_cast<std::uint8_t>(a));
    }
  }
  return out;
}

inline caps tiled_caps(std::string_view format, int width, int height) {
  return caps::parse("video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(width) +
                     ",height=" + std::to_string(height) + ",framerate=30/1,layout=tiled,pixel-aspect-ratio=1/1")
      .value();
}

/// The frames of `description` (ending in appsink name=out), as packed rows; each must
/// have the layout `tiled` asks for.
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
      EXPECT_EQ(s.buffer.n_memory(), static_cast<std::size_t>(tiles_for(w) * tiles_for(h)));
      out.push_back(untile(s.buffer, w, h, bpp));
    } else {
      out.push_back(bytes_of(s.buffer));
    }
  }
  return out;
}

}  // namespace tessera::core::tiled_video_test
