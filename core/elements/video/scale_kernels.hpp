#pragma once
/// Resampling of packed 8-bit frames (RGBA, RGB, GRAY8: 4, 3 or 1 bytes per pixel),
/// what videoscale does per frame.
///
/// Sampling positions are pixel centres, as GStreamer's video scaler: output pixel x
/// looks at source position sx = (x + 0.5) * in_width / out_width - 0.5 (likewise y).
///  - nearest: the source pixel floor(sx + 0.5) = floor((x + 0.5) * in / out),
///    clamped to the frame;
///  - bilinear: the weighted mean of the pixels floor(sx) and floor(sx) + 1 with
///    weights (1 - f, f), f = sx - floor(sx), in both directions; positions outside
///    the frame are clamped to its edge pixels. Positions and weights are 8-bit
///    fixed point (1/256 pixel), each pass rounds to nearest, so a result is within
///    2 of the exact bilinear value (GStreamer's "lq" ORC kernels work alike);
///  - area (a box filter, for downscaling): output pixel x covers the source span
///    [x * in / out, (x + 1) * in / out) and is the mean of the source pixels under
///    it, each weighted by how much of it the span covers (so a 2:1 reduction
///    averages 2x2 blocks, and 3:2 mixes pixels at 2/3 and 1/3). Weights are fixed
///    point, 1/256 down (so the vertical pass runs on 16-bit lanes) and 1/1024
///    across, rounded so each output's weights sum to exactly one: a flat area stays
///    exactly its value, and a result is within 1 of the exact mean. Where
///    bilinear reads only 2x2 pixels whatever the ratio (and so aliases when
///    shrinking by more than 2), area reads every source pixel, which is what a
///    viewer's smaller copy of a frame needs (websink). It sums the rows under each
///    output row first (a vector loop over whole rows), then reduces that one row
///    across, so the costlier horizontal pass runs on out_h rows, not in_h.
///
/// The per-column source offsets and weights are computed once per size pair (the
/// tables below), the per-row ones likewise, so the pixel loops have neither
/// divisions nor branches: bilinear runs a vertical pass (two source rows blended
/// into one 8-bit row, a plain vector loop) and a horizontal pass that reads that
/// row as 32-bit words at the table offsets (vector gathers) and mixes the bytes of
/// two pixels in 16-bit lanes of a word.
///
/// Thread safety: a scaler is built once and used by one streaming task at a time
/// (scale() reuses a scratch row).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::core {

/// nearest and bilinear are videoscale's `method` values; area is used by websink's
/// smaller viewer variants (videoscale does not offer it: GStreamer has no such method).
enum class scale_method : std::int64_t { nearest = 0, bilinear = 1, area = 2 };

class frame_scaler {
 public:
  /// Tables for `in_w`x`in_h` -> `out_w`x`out_h` frames of `bpp` (1, 3 or 4)
  /// bytes per pixel; all sizes >= 1.
  frame_scaler(scale_method method, std::size_t bpp, std::int32_t in_w, std::int32_t in_h, std::int32_t out_w,
               std::int32_t out_h);

  /// Scales one frame: rows of `src` are `src_stride` bytes apart, rows of `dst`
  /// `dst_stride`. The frames must not overlap.
  void scale(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride);

  scale_method method() const noexcept { return method_; }

  /// Area: the horizontal pass for one row of vertical sums (scale_kernels.cpp).
  using area_reduce_fn = void (*)(const std::uint16_t* sums, const std::uint32_t* first, const std::uint32_t* weight,
                                  std::size_t taps, std::uint8_t* out, std::size_t pixels) noexcept;

 private:
  void nearest(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride) const;
  void bilinear(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride);
  void area(const std::uint8_t* src, std::size_t src_stride, std::uint8_t* dst, std::size_t dst_stride);

  scale_method method_;
  std::size_t bpp_;
  std::int32_t in_w_, in_h_, out_w_, out_h_;
  // Per output row: the source row (nearest: the one; bilinear: the upper one) and,
  // for bilinear, the lower row's weight in 1/256 (the upper one's is 256 - w).
  std::vector<std::uint32_t> row_index_;
  std::vector<std::uint32_t> row_weight_;
  // Per output pixel: the byte offset of the source pixel (nearest) or of the left
  // one in the blended row (bilinear), and for bilinear the right one's weight.
  std::vector<std::uint32_t> col_offset_;
  std::vector<std::uint32_t> col_weight_;
  // Bilinear: one source row blended vertically, padded with one zero pixel and
  // one word (read with weight 0 or masked off by the horizontal pass).
  std::vector<std::uint8_t> blended_;
  // RGB (and unaligned RGBA rows): one output row as 32-bit pixels before packing.
  std::vector<std::uint32_t> words_;
  // Area: per output column (row), its first source pixel (row) in col_offset_
  // (row_index_) and the weights of `col_taps_` (`row_taps_`) pixels (rows) from it in
  // col_weight_ (row_weight_), 1/1024 (1/256); unused taps have weight 0. Scratch:
  // the weighted sum of the source rows under one output row (in_w * bpp values,
  // 1/256, then zeros for the unused taps). area_reduce_: the horizontal pass for bpp and
  // col_taps_.
  std::size_t col_taps_ = 0, row_taps_ = 0;
  std::vector<std::uint16_t> sums_;
  area_reduce_fn area_reduce_ = nullptr;
};

}  // namespace tessera::core
