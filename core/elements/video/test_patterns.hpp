#pragma once
/// The images testsrc draws (GStreamer's videotestsrc patterns), in RGBA, RGB and GRAY8.
///
/// Every pattern is a pure function of (pattern, frame size, format, frame number,
/// colours), so a frame can be drawn again after a seek and tests can compute pixels
/// on their own. GRAY8 pixels are the BT.601 luma (video_pixels.hpp) of the RGB colour
/// the other formats show, so `testsrc format=GRAY8` equals `testsrc ! videoconvert`
/// to GRAY8. Alpha is 255 except where a colour property says otherwise.
///  - smpte: rows [0, 2h/3): the seven 75% bars white, yellow, cyan, green, magenta,
///    red, blue (191 for "on"), bar i spanning x in [i*w/7, (i+1)*w/7);
///    rows [2h/3, 3h/4): blue, black, magenta, black, cyan, black, 75% white;
///    rows [3h/4, h): -I (0,33,76) in [0, w/6), 100% white in [w/6, 2w/6), +Q (50,0,106)
///    in [2w/6, w/2), then the pluge sub-black (0), black (0), dark grey (19) each w/12
///    wide from w/2, and black to the right edge.
///  - checkers: 8x8 blocks, block (bx, by) white when (bx ^ by) is odd, else black.
///  - gradient: a horizontal grey ramp, v(x) = round(255 x / (w - 1)) (0 when w = 1).
///  - snow: grey noise from a counter-based generator seeded with the frame number:
///    the same frame number always gives the same image, consecutive ones differ.
///  - solid: the foreground colour everywhere.
///  - ball: a disc of the foreground colour on the background colour, radius
///    r = max(1, min(w, h) / 10), centre (see ball_position) moving with the frame number.
///
/// Drawing writes each distinct row once into the frame and copies it down; rows
/// are filled by loops over plain bytes or 32-bit words that the compiler vectorizes.
///
/// A painter keeps scratch rows between frames; use one per streaming task.

#include "core/video/video_info.hpp"
#include "core/video/video_pixels.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::core {

/// Pattern numbers as GStreamer's videotestsrc enum (nicks differ for solid).
enum class test_pattern : std::int64_t { smpte = 0, snow = 1, checkers = 10, solid = 17, ball = 18, gradient = 23 };

/// Whether every frame of `p` is the same picture (smpte, checkers, solid, gradient):
/// the frame number does not enter it. snow and ball change from frame to frame.
constexpr bool is_still_pattern(test_pattern p) noexcept {
  return p == test_pattern::smpte || p == test_pattern::checkers || p == test_pattern::solid ||
         p == test_pattern::gradient;
}

/// A packed frame to draw into: `stride` bytes per row, `height` rows. A band of
/// the frame (first_row, band_rows >= 0) holds only those rows: `data` is the band's
/// first row, and the pattern is drawn as it appears there in the whole frame (a
/// tiled source paints one row of tiles at a time without a whole-frame scratch).
struct frame_view {
  std::uint8_t* data = nullptr;
  std::int32_t width = 0;   ///< pixels
  std::int32_t height = 0;  ///< pixels of the whole frame
  std::size_t stride = 0;   ///< bytes per row, >= width * bytes per pixel
  video_format format = video_format::rgba;
  std::int32_t first_row = 0;   ///< the frame row `data` holds
  std::int32_t band_rows = -1;  ///< rows held from first_row; -1: the whole frame
};

struct ball_geometry {
  std::int32_t cx = 0;      ///< centre column
  std::int32_t cy = 0;      ///< centre row
  std::int32_t radius = 1;  ///< pixels; the disc is (x-cx)^2 + (y-cy)^2 <= radius^2
};

/// The ball in frame `n`: r = max(1, min(w, h) / 10); with travel tx = max(0, w - 2r - 1)
/// and ty = max(0, h - 2r - 1), cx = r + round(tx * (0.5 + 0.5 sin(2 pi n / 90))) and
/// cy = r + round(ty * (0.5 + 0.5 cos(2 pi n / 64))), then clamped into the frame.
ball_geometry ball_position(std::int32_t width, std::int32_t height, std::uint64_t n) noexcept;

/// Writes colour `c` into pixels [x0, x1) of one row.
void fill_span(std::uint8_t* row, std::int32_t x0, std::int32_t x1, video_format f, rgba_color c) noexcept;

class pattern_painter {
 public:
  /// Draws frame number `n` of `p` into `f`. `fg`/`bg` are the foreground and
  /// background colours (solid, ball).
  void paint(test_pattern p, const frame_view& f, std::uint64_t n, rgba_color fg, rgba_color bg);

 private:
  void smpte(const frame_view& f);
  void checkers(const frame_view& f);
  void gradient(const frame_view& f);
  void snow(const frame_view& f, std::uint64_t n);
  void solid(const frame_view& f, rgba_color c);
  void ball(const frame_view& f, std::uint64_t n, rgba_color fg, rgba_color bg);
  std::uint8_t* scratch(std::size_t rows, std::size_t row_bytes);

  std::vector<std::uint8_t> scratch_;  // template rows
};

}  // namespace tessera::core
