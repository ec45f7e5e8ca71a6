#pragma once
/// Conversions to and from planar YUV 4:2:0 (I420, NV12) for videoconvert.
///
/// Colours are BT.601 limited range (Y 16..235, U and V 16..240), GStreamer's
/// videoconvert default for standard-definition video and what FFmpeg's swscale
/// (`ffmpeg -pix_fmt yuv420p`) uses for every size unless told otherwise; tessera
/// uses it whatever the size, and the encoders tag their streams so. In 8-bit
/// fixed point:
///   Y = ((66 R + 129 G + 25 B + 128) >> 8) + 16
///   U = ((-38 R - 74 G + 112 B + 128) >> 8) + 128
///   V = ((112 R - 94 G - 18 B + 128) >> 8) + 128
/// and back, in 16-bit fixed point, R = 1.164383 (Y-16) + 1.596027 (V-128),
/// G = 1.164383 (Y-16) - 0.391762 (U-128) - 0.812968 (V-128),
/// B = 1.164383 (Y-16) + 2.017232 (U-128), rounded and clamped.
/// Chroma: each 2x2 block's U and V come from the block's average colour (the pixels
/// that exist at an odd right or bottom edge); going back, every pixel of a block
/// takes its block's U and V (nearest; swscale and GStreamer interpolate, so at sharp
/// colour edges the two differ by up to the edge's contrast, and not elsewhere).
/// GRAY8 converts as R = G = B; to GRAY8 a Y value gives the full-range grey.
/// I420 <-> NV12 only moves the chroma bytes.
///
/// Plain functions: safe from any thread on distinct frames.

#include "core/video/video_info.hpp"

#include <cstdint>

namespace tessera::core {

/// Converts one linear frame `src` (described by `in`) into `dst` (described by
/// `out`, same width and height, out.size() bytes), where `in` or `out` is I420 or
/// NV12. Either side may have row strides (a packed format's, or planar YUV's Y and
/// chroma strides); the planes lie as video_info::plane says.
void convert_yuv_frame(const std::uint8_t* src, const video_info& in, std::uint8_t* dst,
                       const video_info& out) noexcept;
/// The same, with the input's planes wherever they lie: `src_planes[i]` is the first
/// byte of plane i of `in` (only [0] for a packed format; [2] unused for NV12).
void convert_yuv_frame(const std::uint8_t* const src_planes[3], const video_info& in, std::uint8_t* dst,
                       const video_info& out) noexcept;

}  // namespace tessera::core
