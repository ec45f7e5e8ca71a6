#pragma once
/// What one viewer of a websink asks of its JPEG frames (docs/api.md, "Viewer
/// variants"): a JPEG quality and a bound on the frame size. The viewers asking the
/// same get the same frames, encoded once per frame for all of them (a variant).
///
/// Size: `max_width` and/or `max_height` bound the frame, whose aspect ratio is kept:
/// the frame is scaled by the largest factor <= 1 that fits both bounds given
/// (`?height=480` on 1920x1080 gives 853x480; `?width=640&height=640` gives 640x360).
/// A variant is never larger than the sink's frames: a bound past them is refused
/// when the frames' size is known, and a variant of frames that shrank later is
/// their size.
///
/// Plain values and functions: safe from any thread.

#include "core/support/result.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace tessera::core {

struct view_request {
  int quality = 0;     ///< 1..100; 0: the sink's `quality` property
  int max_width = 0;   ///< pixels; 0: no bound
  int max_height = 0;  ///< pixels; 0: no bound

  static constexpr int max_dimension = 16384;  ///< websink's largest frame

  /// No choice made: today's frames at the sink's quality and size.
  bool is_default() const noexcept { return quality == 0 && max_width == 0 && max_height == 0; }
  bool operator==(const view_request&) const = default;
  /// As the query that asks for it ("quality=60&height=480"; "" for the default).
  std::string to_query() const;
};

/// Reads the query values `quality`, `width` and `height` (each absent or a
/// decimal number). Errors (invalid_argument) name the parameter and the range, e.g.
/// `quality must be a whole number from 1 to 100, not "abc"`.
result<view_request> parse_view_request(std::optional<std::string_view> quality,
                                        std::optional<std::string_view> width,
                                        std::optional<std::string_view> height);

/// The frame size `r` gives `width`x`height` frames: fitted into the bounds with the
/// aspect ratio kept (rounded to the nearest pixel, at least 1), never larger.
std::pair<int, int> variant_size(const view_request& r, int width, int height) noexcept;

}  // namespace tessera::core
