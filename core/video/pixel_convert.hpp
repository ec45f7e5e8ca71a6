#pragma once
/// Conversions between the packed raw video formats RGBA, RGB and GRAY8 (what
/// videoconvert does per frame).
///
///  - to GRAY8: BT.601 luma, Y = round(0.299 R + 0.587 G + 0.114 B) (video_pixels.hpp);
///  - from GRAY8: the grey replicated into R, G and B;
///  - to RGBA from RGB or GRAY8: alpha 255; from RGBA to RGB: alpha dropped.
/// Each conversion is one loop over the pixels of a packed frame, written so the
/// compiler vectorizes it (no calls, no branches per pixel).
/// Plain functions: safe from any thread on distinct frames.

#include "core/video/video_info.hpp"

#include <cstddef>
#include <cstdint>

namespace tessera::core {

/// Converts `pixels` pixels from `src` (format `from`) to `dst` (format `to`).
/// `src` and `dst` must not overlap. Same formats copy.
void convert_pixels(const std::uint8_t* src, video_format from, std::uint8_t* dst, video_format to,
                    std::size_t pixels) noexcept;

}  // namespace tessera::core
