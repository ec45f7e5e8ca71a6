#pragma once
/// Pixel helpers shared by the video elements: an 8-bit RGBA colour, its conversion
/// from GStreamer's ARGB property words, and BT.601 luma.
///
/// Luma is full-range BT.601, Y = 0.299 R + 0.587 G + 0.114 B rounded half up, computed
/// in 20-bit fixed point: the coefficients 313524 + 615514 + 119538 = 2^20 and the bias
/// (0.5 + 0.0005) * 2^20 give exactly round(0.299 R + 0.587 G + 0.114 B) for all 2^24
/// inputs (checked exhaustively), in 32-bit lanes a compiler can vectorize.
/// Plain functions on values: safe from any thread.
///
/// TESSERA_VIDEO_KERNEL marks a hot pixel loop: on x86-64 (GCC) it is also built for
/// AVX2 and SSSE3 and the best version is picked at load time (target_clones), since
/// the 3-byte RGB layout needs byte shuffles the SSE2 baseline lacks. Sanitizer builds
/// keep one plain version.

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
#define TESSERA_VIDEO_KERNEL __attribute__((target_clones("avx2", "ssse3", "default")))
#else
#define TESSERA_VIDEO_KERNEL
#endif

namespace tessera::core {

struct rgba_color {
  std::uint8_t r = 0;
  std::uint8_t g = 0;
  std::uint8_t b = 0;
  std::uint8_t a = 255;
  friend bool operator==(const rgba_color&, const rgba_color&) = default;
};

/// A colour from a big-endian ARGB word (0xAARRGGBB), as videotestsrc's colour properties.
constexpr rgba_color color_from_argb(std::uint32_t argb) noexcept {
  return rgba_color{static_cast<std::uint8_t>(argb >> 16), static_cast<std::uint8_t>(argb >> 8),
                    static_cast<std::uint8_t>(argb), static_cast<std::uint8_t>(argb >> 24)};
}

inline constexpr std::uint32_t luma_r = 313524;
inline constexpr std::uint32_t luma_g = 615514;
inline constexpr std::uint32_t luma_b = 119538;
inline constexpr std::uint32_t luma_bias = (1u << 19) + 524;
inline constexpr unsigned luma_shift = 20;

/// round(0.299 r + 0.587 g + 0.114 b), exact (see the file comment).
constexpr std::uint8_t luma601(std::uint32_t r, std::uint32_t g, std::uint32_t b) noexcept {
  return static_cast<std::uint8_t>((luma_r * r + luma_g * g + luma_b * b + luma_bias) >> luma_shift);
}

constexpr std::uint8_t luma601(rgba_color c) noexcept { return luma601(c.r, c.g, c.b); }

/// The word whose bytes in memory are v, v, v, 255 (an opaque grey RGBA pixel).
constexpr std::uint32_t grey_rgba_word(std::uint32_t v) noexcept {
  return std::endian::native == std::endian::little ? (v * 0x00010101u) | 0xff000000u : (v * 0x01010100u) | 0x000000ffu;
}

/// The 4 bytes R, G, B, A as they lie in memory, read as one native word.
inline std::uint32_t rgba_word(rgba_color c) noexcept {
  const std::uint8_t bytes[4] = {c.r, c.g, c.b, c.a};
  std::uint32_t w;
  std::memcpy(&w, bytes, 4);
  return w;
}

}  // namespace tessera::core
