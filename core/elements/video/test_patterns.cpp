#include "core/elements/video/test_patterns.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace tessera::core {

namespace {

constexpr rgba_color rgb(std::uint8_t r, std::uint8_t g, std::uint8_t b) noexcept { return {r, g, b, 255}; }

constexpr rgba_color black = rgb(0, 0, 0);
constexpr rgba_color white = rgb(255, 255, 255);
// SMPTE 75% bars, in the order they appear from the left.
constexpr rgba_color bars75[7] = {rgb(191, 191, 191), rgb(191, 191, 0), rgb(0, 191, 191), rgb(0, 191, 0),
                                  rgb(191, 0, 191),   rgb(191, 0, 0),   rgb(0, 0, 191)};
constexpr rgba_color neg_i = rgb(0, 33, 76);
constexpr rgba_color pos_q = rgb(50, 0, 106);
constexpr rgba_color pluge[3] = {rgb(0, 0, 0), rgb(0, 0, 0), rgb(19, 19, 19)};

std::size_t row_bytes(const frame_view& f) noexcept {
  return static_cast<std::size_t>(f.width) * bytes_per_pixel(f.format);
}

/// The frame rows the view holds: [band_begin, band_end).
std::int32_t band_begin(const frame_view& f) noexcept { return f.band_rows < 0 ? 0 : f.first_row; }
std::int32_t band_end(const frame_view& f) noexcept {
  return f.band_rows < 0 ? f.height : std::min(f.height, f.first_row + f.band_rows);
}

/// Frame row `y`, which must be held.
std::uint8_t* row_at(const frame_view& f, std::int32_t y) noexcept {
  return f.data + static_cast<std::size_t>(y - band_begin(f)) * f.stride;
}

/// Copies the template row `src` into frame rows [y0, y1) (those the view holds).
void copy_rows(const frame_view& f, const std::uint8_t* src, std::int32_t y0, std::int32_t y1) noexcept {
  const std::size_t n = row_bytes(f);
  y0 = std::max(y0, band_begin(f));
  y1 = std::min(y1, band_end(f));
  for (std::int32_t y = y0; y < y1; ++y) std::memcpy(row_at(f, y), src, n);
}

/// Counter-based noise (a 32-bit integer hash in the style of splitmix/murmur finalizers):
/// no state carried between pixels, so rows vectorize and any frame can be redrawn.
inline std::uint32_t noise(std::uint32_t i, std::uint32_t seed) noexcept {
  std::uint32_t x = i * 0x9e3779b1u ^ seed;
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

// One row of snow per format; pixel i of the frame gets noise(i, seed) >> 24.
TESSERA_VIDEO_KERNEL void snow_row_gray8(std::uint8_t* __restrict row, std::size_t w, std::uint32_t base,
                                         std::uint32_t seed) noexcept {
  for (std::size_t x = 0; x < w; ++x)
    row[x] = static_cast<std::uint8_t>(noise(base + static_cast<std::uint32_t>(x), seed) >> 24);
}

TESSERA_VIDEO_KERNEL void snow_row_rgba(std::uint8_t* __restrict row, std::size_t w, std::uint32_t base,
                                        std::uint32_t seed) noexcept {
  for (std::size_t x = 0; x < w; ++x) {
    const std::uint32_t word = grey_rgba_word(noise(base + static_cast<std::uint32_t>(x), seed) >> 24);
    std::memcpy(row + 4 * x, &word, 4);
  }
}

TESSERA_VIDEO_KERNEL void snow_row_rgb(std::uint8_t* __restrict row, std::size_t w, std::uint32_t base,
                                       std::uint32_t seed) noexcept {
  for (std::size_t x = 0; x < w; ++x) {
    const auto v = static_cast<std::uint8_t>(noise(base + static_cast<std::uint32_t>(x), seed) >> 24);
    row[3 * x] = v;
    row[3 * x + 1] = v;
    row[3 * x + 2] = v;
  }
}

std::uint32_t frame_seed(std::uint64_t n) noexcept {
  std::uint64_t z = n + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return static_cast<std::uint32_t>(z ^ (z >> 31));
}

}  // namespace

ball_geometry ball_position(std::int32_t width, std::int32_t height, std::uint64_t n) noexcept {
  ball_geometry g;
  g.radius = std::max<std::int32_t>(1, std::min(width, height) / 10);
  const double tx = std::max<std::int32_t>(0, width - 2 * g.radius - 1);
  const double ty = std::max<std::int32_t>(0, height - 2 * g.radius - 1);
  const double phase = 2.0 * std::numbers::pi * static_cast<double>(n % (90ull * 64ull));
  const double px = 0.5 + 0.5 * std::sin(phase / 90.0);
  const double py = 0.5 + 0.5 * std::cos(phase / 64.0);
  g.cx = std::clamp<std::int32_t>(g.radius + static_cast<std::int32_t>(std::lround(tx * px)), 0, width - 1);
  g.cy = std::clamp<std::int32_t>(g.radius + static_cast<std::int32_t>(std::lround(ty * py)), 0, height - 1);
  return g;
}

void fill_span(std::uint8_t* row, std::int32_t x0, std::int32_t x1, video_format f, rgba_color c) noexcept {
  if (x1 <= x0) return;
  const auto n = static_cast<std::size_t>(x1 - x0);
  switch (f) {
    case video_format::gray8:
    case video_format::i420:  // testsrc paints packed formats only
    case video_format::nv12:
      std::memset(row + x0, luma601(c), n);
      return;
    case video_format::rgba: {
      const std::uint32_t w = rgba_word(c);
      std::uint8_t* p = row + static_cast<std::size_t>(x0) * 4;
      for (std::size_t i = 0; i < n; ++i) std::memcpy(p + 4 * i, &w, 4);
      return;
    }
    case video_format::rgb: {
      // One pixel, then doubling copies: log2(n) memcpy calls for any width.
      std::uint8_t* p = row + static_cast<std::size_t>(x0) * 3;
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
      const std::size_t total = n * 3;
      for (std::size_t done = 3; done < total;) {
        const std::size_t k = std::min(done, total - done);
        std::memcpy(p + done, p, k);
        done += k;
      }
      return;
    }
  }
}

std::uint8_t* pattern_painter::scratch(std::size_t rows, std::size_t bytes) {
  if (scratch_.size() < rows * bytes) scratch_.resize(rows * bytes);
  return scratch_.data();
}

void pattern_painter::paint(test_pattern p, const frame_view& f, std::uint64_t n, rgba_color fg, rgba_color bg) {
  if (f.width <= 0 || f.height <= 0 || !f.data) return;
  switch (p) {
    case test_pattern::smpte: smpte(f); return;
    case test_pattern::checkers: checkers(f); return;
    case test_pattern::gradient: gradient(f); return;
    case test_pattern::snow: snow(f, n); return;
    case test_pattern::solid: solid(f, fg); return;
    case test_pattern::ball: ball(f, n, fg, bg); return;
  }
  solid(f, black);
}

void pattern_painter::smpte(const frame_view& f) {
  const std::int32_t w = f.width;
  const std::int32_t h = f.height;
  const std::size_t bytes = row_bytes(f);
  std::uint8_t* top = scratch(3, bytes);
  std::uint8_t* middle = top + bytes;
  std::uint8_t* bottom = middle + bytes;
  for (std::int32_t i = 0; i < 7; ++i) {
    const std::int32_t x0 = static_cast<std::int32_t>(static_cast<std::int64_t>(i) * w / 7);
    const std::int32_t x1 = static_cast<std::int32_t>(static_cast<std::int64_t>(i + 1) * w / 7);
    fill_span(top, x0, x1, f.format, bars75[i]);
    fill_span(middle, x0, x1, f.format, (i & 1) ? black : bars75[6 - i]);
  }
  const std::int32_t sixth = w / 6;
  fill_span(bottom, 0, sixth, f.format, neg_i);
  fill_span(bottom, sixth, 2 * sixth, f.format, white);
  fill_span(bottom, 2 * sixth, w / 2, f.format, pos_q);
  std::int32_t x = w / 2;
  for (std::int32_t i = 0; i < 3; ++i) {
    const std::int32_t end = w / 2 + (i + 1) * (w / 12);
    fill_span(bottom, x, end, f.format, pluge[i]);
    x = end;
  }
  fill_span(bottom, x, w, f.format, black);
  const std::int32_t y1 = static_cast<std::int32_t>(2 * static_cast<std::int64_t>(h) / 3);
  const std::int32_t y2 = static_cast<std::int32_t>(3 * static_cast<std::int64_t>(h) / 4);
  copy_rows(f, top, 0, y1);
  copy_rows(f, middle, y1, y2);
  copy_rows(f, bottom, y2, h);
}

void pattern_painter::checkers(const frame_view& f) {
  const std::size_t bytes = row_bytes(f);
  std::uint8_t* even = scratch(2, bytes);  // block rows 0, 2, 4...: black first
  std::uint8_t* odd = even + bytes;
  for (std::int32_t x = 0; x < f.width; x += 8) {
    const std::int32_t end = std::min(f.width, x + 8);
    const bool white_first = ((x >> 3) & 1) != 0;
    fill_span(even, x, end, f.format, white_first ? white : black);
    fill_span(odd, x, end, f.format, white_first ? black : white);
  }
  for (std::int32_t y = 0; y < f.height; y += 8)
    copy_rows(f, ((y >> 3) & 1) ? odd : even, y, std::min(f.height, y + 8));
}

void pattern_painter::gradient(const frame_view& f) {
  std::uint8_t* row = scratch(1, row_bytes(f));
  const std::int64_t span = f.width - 1;
  for (std::int32_t x = 0; x < f.width; ++x) {
    const auto v = static_cast<std::uint8_t>(span > 0 ? (2 * 255 * static_cast<std::int64_t>(x) + span) / (2 * span) : 0);
    fill_span(row, x, x + 1, f.format, rgb(v, v, v));
  }
  copy_rows(f, row, 0, f.height);
}

void pattern_painter::snow(const frame_view& f, std::uint64_t n) {
  const std::uint32_t seed = frame_seed(n);
  const auto w = static_cast<std::size_t>(f.width);
  for (std::int32_t y = band_begin(f); y < band_end(f); ++y) {
    const auto base = static_cast<std::uint32_t>(static_cast<std::size_t>(y) * w);
    switch (f.format) {
      case video_format::gray8:
      case video_format::i420:  // testsrc paints packed formats only
      case video_format::nv12: snow_row_gray8(row_at(f, y), w, base, seed); break;
      case video_format::rgba: snow_row_rgba(row_at(f, y), w, base, seed); break;
      case video_format::rgb: snow_row_rgb(row_at(f, y), w, base, seed); break;
    }
  }
}

void pattern_painter::solid(const frame_view& f, rgba_color c) {
  std::uint8_t* row = scratch(1, row_bytes(f));
  fill_span(row, 0, f.width, f.format, c);
  copy_rows(f, row, 0, f.height);
}

void pattern_painter::ball(const frame_view& f, std::uint64_t n, rgba_color fg, rgba_color bg) {
  std::uint8_t* background = scratch(1, row_bytes(f));
  fill_span(background, 0, f.width, f.format, bg);
  copy_rows(f, background, 0, f.height);
  const ball_geometry g = ball_position(f.width, f.height, n);
  const std::int64_t r2 = static_cast<std::int64_t>(g.radius) * g.radius;
  const std::int32_t y0 = std::max({0, g.cy - g.radius, band_begin(f)});
  const std::int32_t y1 = std::min({f.height - 1, g.cy + g.radius, band_end(f) - 1});
  for (std::int32_t y = y0; y <= y1; ++y) {
    const std::int64_t dy = y - g.cy;
    // Widest dx with dx^2 + dy^2 <= r^2, in integers so the edge is exact.
    auto dx = static_cast<std::int64_t>(std::sqrt(static_cast<double>(r2 - dy * dy)));
    while (dx * dx + dy * dy > r2) --dx;
    while ((dx + 1) * (dx + 1) + dy * dy <= r2) ++dx;
    const auto x0 = static_cast<std::int32_t>(std::max<std::int64_t>(0, g.cx - dx));
    const auto x1 = static_cast<std::int32_t>(std::min<std::int64_t>(f.width, g.cx + dx + 1));
    fill_span(row_at(f, y), x0, x1, f.format, fg);
  }
}

}  // namespace tessera::core
