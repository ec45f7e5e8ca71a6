#include "core/elements/web/view_request.hpp"

#include <algorithm>
#include <charconv>

namespace tessera::core {

namespace {

/// `text` as a whole number in [lo, hi], or an error naming `name`.
result<int> bounded(std::string_view name, std::string_view text, int lo, int hi, std::string_view unit) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi)
    return fail(errc::invalid_argument, std::string(name) + " must be a whole number" + std::string(unit) + " from " +
                                            std::to_string(lo) + " to " + std::to_string(hi) + ", not \"" +
                                            std::string(text.substr(0, 40)) + "\"");
  return v;
}

}  // namespace

std::string view_request::to_query() const {
  std::string q;
  const auto add = [&q](std::string_view name, int v) {
    if (v == 0) return;
    if (!q.empty()) q += '&';
    q += std::string(name) + "=" + std::to_string(v);
  };
  add("quality", quality);
  add("width", max_width);
  add("height", max_height);
  return q;
}

result<view_request> parse_view_request(std::optional<std::string_view> quality,
                                        std::optional<std::string_view> width,
                                        std::optional<std::string_view> height) {
  view_request r;
  if (quality) {
    auto q = bounded("quality", *quality, 1, 100, "");
    if (!q) return q.error();
    r.quality = *q;
  }
  if (width) {
    auto w = bounded("width", *width, 1, view_request::max_dimension, " of pixels");
    if (!w) return w.error();
    r.max_width = *w;
  }
  if (height) {
    auto h = bounded("height", *height, 1, view_request::max_dimension, " of pixels");
    if (!h) return h.error();
    r.max_height = *h;
  }
  return r;
}

std::pair<int, int> variant_size(const view_request& r, int width, int height) noexcept {
  if (width <= 0 || height <= 0) return {width, height};
  // The scale is the smaller of the bounds' ratios, as a fraction num/den <= 1.
  std::int64_t num = 1, den = 1;
  const auto bound = [&](int limit, int size) {
    if (limit > 0 && static_cast<std::int64_t>(limit) * den < num * size) {
      num = limit;
      den = size;
    }
  };
  bound(r.max_width, width);
  bound(r.max_height, height);
  if (num == den) return {width, height};
  const auto scaled = [&](int size) {
    return static_cast<int>(std::max<std::int64_t>(1, (2 * size * num + den) / (2 * den)));
  };
  return {scaled(width), scaled(height)};
}

}  // namespace tessera::core
