#include "core/elements/video/scale_kernels.hpp"

#include "core/video/video_pixels.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::core {

namespace {

// Source positions (see the header for the mapping) in 64 bits: (2x + 1) * in * 256
// fits easily for 31-bit sizes.

/// floor((x + 0.5) * in / out), clamped to [0, in - 1].
std::uint32_t nearest_source(std::int64_t x, std::int64_t in, std::int64_t out) noexcept {
  return static_cast<std::uint32_t>(std::min((2 * x + 1) * in / (2 * out), in - 1));
}

struct linear_tap {
  std::uint32_t index;   ///< left/upper source pixel
  std::uint32_t weight;  ///< of the right/lower one, 1/256
};

/// (x + 0.5) * in / out - 0.5 rounded to 1/256, split into pixel and weight; clamped
/// so both taps are inside the frame (the weight is 0 at the edges).
linear_tap linear_source(std::int64_t x, std::int64_t in, std::int64_t out) noexcept {
  const std::int64_t num = ((2 * x + 1) * in - out) * 256;  // position * 2 * out * 256
  if (num <= 0) return {0, 0};
  const std::int64_t pos = (num + out) / (2 * out);
  const std::int64_t index = pos >> 8;
  if (index >= in - 1) return {static_cast<std::uint32_t>(in - 1), 0};
  return {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(pos & 255)};
}

// The pixel loops. __restrict: source and destination never overlap, so they
// vectorize without run-time alias checks; TESSERA_VIDEO_KERNEL: see video_pixels.hpp.
// The horizontal loops read whole 32-bit words at the table offsets (vector gathers);
// the bytes of a word beyond the pixel are masked off or land in the scratch row's
// padding.

constexpr std::uint32_t even_bytes = 0x00ff00ffu;
constexpr std::uint32_t half = 0x00800080u;  // 128 in each 16-bit lane: rounding

/// Two packed 4-byte pixels mixed bytewise: (p * (256 - w) + q * w + 128) / 256 per
/// byte, two bytes at a time in 16-bit lanes of one word (no lane overflows:
/// 255 * 256 + 128 < 65536).
inline std::uint32_t lerp_bytes(std::uint32_t p, std::uint32_t q, std::uint32_t w) noexcept {
  const std::uint32_t wu = 256 - w;
  const std::uint32_t lo = (((p & even_bytes) * wu + (q & even_bytes) * w + half) >> 8) & even_bytes;
  const std::uint32_t hi = (((p >> 8) & even_bytes) * wu + ((q >> 8) & even_bytes) * w + half) & ~even_bytes;
  return lo | hi;
}

inline std::uint32_t load_word(const std::uint8_t* p) noexcept {
  std::uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

/// out[i] = round((upper[i] * (256 - w) + lower[i] * w) / 256): one contiguous vector loop.
TESSERA_VIDEO_KERNEL void blend_rows(const std::uint8_t* __restrict upper, const std::uint8_t* __restrict lower,
                                     std::uint32_t w, std::uint8_t* __restrict out, std::size_t n) noexcept {
  const std::uint32_t wu = 256 - w;
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((upper[i] * wu + lower[i] * w + 128) >> 8);
}

/// RGBA: each output pixel mixes the words at offset[x] and offset[x] + 4.
TESSERA_VIDEO_KERNEL void interpolate_rgba(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                           const std::uint32_t* __restrict weight, std::uint32_t* __restrict out,
                                           std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x)
    out[x] = lerp_bytes(load_word(row + offset[x]), load_word(row + offset[x] + 4), weight[x]);
}

/// RGB: as RGBA with pixels 3 bytes apart; the fourth byte of each word is junk,
/// dropped by pack_rgb.
TESSERA_VIDEO_KERNEL void interpolate_rgb(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                          const std::uint32_t* __restrict weight, std::uint32_t* __restrict out,
                                          std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x)
    out[x] = lerp_bytes(load_word(row + offset[x]), load_word(row + offset[x] + 3), weight[x]);
}

TESSERA_VIDEO_KERNEL void pack_rgb(const std::uint8_t* __restrict words, std::uint8_t* __restrict out,
                                   std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x) {
    out[3 * x] = words[4 * x];
    out[3 * x + 1] = words[4 * x + 1];
    out[3 * x + 2] = words[4 * x + 2];
  }
}

/// GRAY8: the word at offset[x] holds the pixel and its right neighbour in bytes 0 and 1.
TESSERA_VIDEO_KERNEL void interpolate_gray(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                           const std::uint32_t* __restrict weight, std::uint8_t* __restrict out,
                                           std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x) {
    const std::uint32_t p = load_word(row + offset[x]);
    const std::uint32_t w = weight[x];
    out[x] = static_cast<std::uint8_t>(((p & 0xff) * (256 - w) + ((p >> 8) & 0xff) * w + 128) >> 8);
  }
}

TESSERA_VIDEO_KERNEL void pick_rgba(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                    std::uint32_t* __restrict out, std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x) out[x] = load_word(row + offset[x]);
}

TESSERA_VIDEO_KERNEL void pick_rgb(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                   std::uint8_t* __restrict out, std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x) {
    const std::uint8_t* p = row + offset[x];
    out[3 * x] = p[0];
    out[3 * x + 1] = p[1];
    out[3 * x + 2] = p[2];
  }
}

TESSERA_VIDEO_KERNEL void pick_gray(const std::uint8_t* __restrict row, const std::uint32_t* __restrict offset,
                                    std::uint8_t* __restrict out, std::size_t pixels) noexcept {
  for (std::size_t x = 0; x < pixels; ++x) out[x] = row[offset[x]];
}

// A whole weight: 1/1024 across, 1/256 down, so a column of weighted bytes fits 16
// bits (255 * 256) for the vertical pass, the widest and most vectorizable one.
constexpr std::uint32_t area_one_across = 1024, area_one_down = 256;

/// Output pixel x of an in -> out area reduction: the source pixels under its span
/// [x * in / out, (x + 1) * in / out) with the share of the span each covers, in
/// 1/one. Positions are counted in 1/out of a source pixel, so spans are exact
/// integers; a weight is the difference of the rounded cumulative coverage at its
/// ends, so the weights sum to exactly `one`.
std::vector<std::pair<std::uint32_t, std::uint32_t>> area_taps(std::int64_t x, std::int64_t in, std::int64_t out,
                                                               std::int64_t one) {
  const std::int64_t begin = x * in, end = (x + 1) * in;
  const auto covered = [&](std::int64_t pos) { return ((pos - begin) * 2 * one + in) / (2 * in); };
  std::vector<std::pair<std::uint32_t, std::uint32_t>> taps;
  for (std::int64_t s = begin / out; s <= (end - 1) / out; ++s) {
    const std::int64_t lo = std::max(begin, s * out), hi = std::min(end, (s + 1) * out);
    taps.emplace_back(static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(covered(hi) - covered(lo)));
  }
  return taps;
}

/// Per output pixel (row) its first source pixel (row) and `taps` weights for that
/// one and the ones after it (padded with weight 0); returns the tap count.
std::size_t area_tables(std::int64_t in, std::int64_t out, std::int64_t one, std::vector<std::uint32_t>& first,
                        std::vector<std::uint32_t>& weight) {
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> all;
  std::size_t taps = 1;
  for (std::int64_t x = 0; x < out; ++x) {
    all.push_back(area_taps(x, in, out, one));
    taps = std::max(taps, all.back().size());
  }
  first.assign(static_cast<std::size_t>(out), 0);
  weight.assign(static_cast<std::size_t>(out) * taps, 0);
  for (std::size_t x = 0; x < all.size(); ++x) {
    first[x] = all[x].front().first;
    for (std::size_t t = 0; t < all[x].size(); ++t) weight[x * taps + t] = all[x][t].second;
  }
  return taps;
}

/// sums[i] (=, or += when `add`) row[i] * w: one source row into the weighted sum of
/// the rows under an output row, in 1/256 (a contiguous vector loop on 16-bit lanes).
TESSERA_VIDEO_KERNEL void accumulate_row(const std::uint8_t* __restrict row, std::uint32_t w,
                                         std::uint16_t* __restrict sums, std::size_t n, bool add) noexcept {
  const auto w16 = static_cast<std::uint16_t>(w);
  if (add) {
    for (std::size_t i = 0; i < n; ++i) sums[i] = static_cast<std::uint16_t>(sums[i] + row[i] * w16);
  } else {
    for (std::size_t i = 0; i < n; ++i) sums[i] = static_cast<std::uint16_t>(row[i] * w16);
  }
}

/// The summed rows reduced horizontally: each output pixel's channel is the weighted
/// sum of the T pixels from its first one, in 1/(256 * 1024), rounded to a byte. T
/// is a constant for the usual tap counts (the loops unroll, B = 4 becomes one vector
/// per tap); `taps` is used only by the T = 0 version (any count).
template <std::size_t B, std::size_t T>
void reduce_row(const std::uint16_t* __restrict sums, const std::uint32_t* __restrict first,
                const std::uint32_t* __restrict weight, std::size_t taps, std::uint8_t* __restrict out,
                std::size_t pixels) noexcept {
  const std::size_t n = T ? T : taps;
  for (std::size_t x = 0; x < pixels; ++x) {
    const std::uint16_t* p = sums + static_cast<std::size_t>(first[x]) * B;
    const std::uint32_t* w = weight + x * n;
    std::uint32_t sum[B] = {};
    for (std::size_t t = 0; t < n; ++t)
      for (std::size_t c = 0; c < B; ++c) sum[c] += p[t * B + c] * w[t];
    for (std::size_t c = 0; c < B; ++c) out[x * B + c] = static_cast<std::uint8_t>((sum[c] + (1u << 17)) >> 18);
  }
}

/// RGBA: the four channels of a pixel in one 4 x 32-bit vector (GCC/Clang vector
/// extensions), one multiply-add per tap instead of four; built for AVX2 and SSSE3 too
/// (TESSERA_VIDEO_KERNEL), since SSE2 has no 32-bit vector multiply.
TESSERA_VIDEO_KERNEL void reduce_rgba(const std::uint16_t* __restrict sums, const std::uint32_t* __restrict first,
                                      const std::uint32_t* __restrict weight, std::size_t taps,
                                      std::uint8_t* __restrict out, std::size_t pixels) noexcept {
  using u16x4 = std::uint16_t __attribute__((vector_size(8)));
  using u32x4 = std::uint32_t __attribute__((vector_size(16)));
  using u8x4 = std::uint8_t __attribute__((vector_size(4)));
  for (std::size_t x = 0; x < pixels; ++x) {
    const std::uint16_t* p = sums + static_cast<std::size_t>(first[x]) * 4;
    const std::uint32_t* w = weight + x * taps;
    u32x4 sum = {1u << 17, 1u << 17, 1u << 17, 1u << 17};
    for (std::size_t t = 0; t < taps; ++t) {
      u16x4 v;
      std::memcpy(&v, p + t * 4, sizeof v);
      sum += __builtin_convertvector(v, u32x4) * w[t];
    }
    const u8x4 bytes = __builtin_convertvector(sum >> 18, u8x4);
    std::memcpy(out + x * 4, &bytes, sizeof bytes);
  }
}

template <std::size_t B>
frame_scaler::area_reduce_fn area_reducer(std::size_t taps) {
  if constexpr (B == 4) return reduce_rgba;
  switch (taps) {
    case 1: return reduce_row<B, 1>;
    case 2: return reduce_row<B, 2>;
    case 3: return reduce_row<B, 3>;
    case 4: return reduce_row<B, 4>;
    case 5: return reduce_row<B, 5>;
    case 6: return reduce_row<B, 6>;
    case 7: return reduce_row<B, 7>;
    case 8: return reduce_row<B, 8>;
    default: return reduce_row<B, 0>;
  }
}

}  // namespace

frame_scaler::frame_scaler(scale_method method, std::size_t bpp, std::int32_t in_w, std::int32_t in_h,
                           std::int32_t out_w, std::int32_t out_h)
    : method_(method), bpp_(bpp), in_w_(in_w), in_h_(in_h), out_w_(out_w), out_h_(out_h) {
  const auto rows = static_cast<std::size_t>(out_h);
  const auto cols = static_cast<std::size_t>(out_w);
  const auto step = static_cast<std::uint32_t>(bpp);
  row_index_.resize(rows);
  col_offset_.resize(cols);
  if (method == scale_method::nearest) {
    for (std::size_t y = 0; y < rows; ++y) row_index_[y] = nearest_source(static_cast<std::int64_t>(y), in_h, out_h);
    for (std::size_t x = 0; x < cols; ++x) col_offset_[x] = nearest_source(static_cast<std::int64_t>(x), in_w, out_w) * step;
    return;
  }
  if (method == scale_method::area) {
    col_taps_ = area_tables(in_w, out_w, area_one_across, col_offset_, col_weight_);
    row_taps_ = area_tables(in_h, out_h, area_one_down, row_index_, row_weight_);
    // Room for the weight-0 taps past the last pixel: read, multiplied by 0.
    sums_.resize((static_cast<std::size_t>(in_w) + col_taps_) * bpp);
    area_reduce_ = bpp == 4 ? area_reducer<4>(col_taps_) : bpp == 3 ? area_reducer<3>(col_taps_) : area_reducer<1>(col_taps_);
    return;
  }
  row_weight_.resize(rows);
  for (std::size_t y = 0; y < rows; ++y) {
    const linear_tap t = linear_source(static_cast<std::int64_t>(y), in_h, out_h);
    row_index_[y] = t.index;
    row_weight_[y] = t.weight;
  }
  col_weight_.resize(cols);
  for (std::size_t x = 0; x < cols; ++x) {
    const linear_tap t = linear_source(static_cast<std::int64_t>(x), in_w, out_w);
    col_offset_[x] = t.index * step;
    col_weight_[x] = t.weight;
  }
  // A row plus one zeroed pixel and word: the right neighbour of the last pixel
  // (read with weight 0) and the tail of its 32-bit load.
  blended_.assign((static_cast<std::size_t>(in_w) + 1) * bpp + 4, 0);
  if (bpp == 3) words_.resize(cols);
}

void frame_scaler::scale(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride) {
  if (method_ == scale_method::nearest) return nearest(src, src_stride, dst, dst_stride);
  if (method_ == scale_method::area) return area(src, src_stride, dst, dst_stride);
  bilinear(src, src_stride, dst, dst_stride);
}

void frame_scaler::nearest(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst,
                           std::size_t dst_stride) const {
  const auto cols = static_cast<std::size_t>(out_w_);
  const std::size_t out_bytes = cols * bpp_;
  for (std::size_t y = 0; y < row_index_.size(); ++y) {
    std::uint8_t* out = dst + y * dst_stride;
    if (y > 0 && row_index_[y] == row_index_[y - 1]) {
      // Upscaling repeats source rows: copy the row just made.
      std::memcpy(out, out - dst_stride, out_bytes);
      continue;
    }
    const std::uint8_t* in = src + static_cast<std::size_t>(row_index_[y]) * src_stride;
    switch (bpp_) {
      case 4: {
        // Whole words, stored through memcpy: the destination row may be unaligned.
        std::uint32_t* words = reinterpret_cast<std::uint32_t*>(out);
        if (reinterpret_cast<std::uintptr_t>(out) % alignof(std::uint32_t) == 0) {
          pick_rgba(in, col_offset_.data(), words, cols);
        } else {
          for (std::size_t x = 0; x < cols; ++x) std::memcpy(out + 4 * x, in + col_offset_[x], 4);
        }
        break;
      }
      case 3: pick_rgb(in, col_offset_.data(), out, cols); break;
      default: pick_gray(in, col_offset_.data(), out, cols); break;
    }
  }
}

void frame_scaler::bilinear(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst,
                            std::size_t dst_stride) {
  const std::size_t in_bytes = static_cast<std::size_t>(in_w_) * bpp_;
  const auto cols = static_cast<std::size_t>(out_w_);
  for (std::size_t y = 0; y < row_index_.size(); ++y) {
    const std::uint32_t upper = row_index_[y];
    const std::uint32_t lower = std::min(upper + 1, static_cast<std::uint32_t>(in_h_ - 1));
    blend_rows(src + upper * src_stride, src + lower * src_stride, row_weight_[y], blended_.data(), in_bytes);
    std::uint8_t* out = dst + y * dst_stride;
    switch (bpp_) {
      case 4:
        if (reinterpret_cast<std::uintptr_t>(out) % alignof(std::uint32_t) == 0) {
          interpolate_rgba(blended_.data(), col_offset_.data(), col_weight_.data(), reinterpret_cast<std::uint32_t*>(out), cols);
        } else {
          words_.resize(cols);
          interpolate_rgba(blended_.data(), col_offset_.data(), col_weight_.data(), words_.data(), cols);
          std::memcpy(out, words_.data(), cols * 4);
        }
        break;
      case 3:
        interpolate_rgb(blended_.data(), col_offset_.data(), col_weight_.data(), words_.data(), cols);
        pack_rgb(reinterpret_cast<const std::uint8_t*>(words_.data()), out, cols);
        break;
      default: interpolate_gray(blended_.data(), col_offset_.data(), col_weight_.data(), out, cols); break;
    }
  }
}

void frame_scaler::area(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride) {
  // Vertical first (contiguous, on every source row once or twice), then horizontal on
  // the out_h summed rows only: shrinking, the second pass is the smaller one.
  const std::size_t n = static_cast<std::size_t>(in_w_) * bpp_;
  const auto cols = static_cast<std::size_t>(out_w_);
  for (std::size_t y = 0; y < static_cast<std::size_t>(out_h_); ++y) {
    for (std::size_t t = 0; t < row_taps_; ++t) {
      // Tap 0 sets the sums (its weight may be 0 when rounding left it nothing).
      const std::uint32_t w = row_weight_[y * row_taps_ + t];
      if (w != 0 || t == 0) accumulate_row(src + (row_index_[y] + t) * src_stride, w, sums_.data(), n, t > 0);
    }
    area_reduce_(sums_.data(), col_offset_.data(), col_weight_.data(), col_taps_, dst + y * dst_stride, cols);
  }
}

}  // namespace tessera::core
