#include "core/video/video_info.hpp"

#include "core/caps/caps_fields.hpp"

#include <cstdint>
#include <limits>

namespace tessera::core {

namespace {
constexpr std::string_view media_type = "video/x-raw";
}  // namespace

std::string_view to_string(video_format f) noexcept {
  switch (f) {
    case video_format::rgba: return "RGBA";
    case video_format::rgb: return "RGB";
    case video_format::gray8: return "GRAY8";
    case video_format::i420: return "I420";
    case video_format::nv12: return "NV12";
  }
  return "unknown";
}

std::optional<video_format> video_format_from_string(std::string_view name) noexcept {
  if (name == "RGBA") return video_format::rgba;
  if (name == "RGB") return video_format::rgb;
  if (name == "GRAY8") return video_format::gray8;
  if (name == "I420") return video_format::i420;
  if (name == "NV12") return video_format::nv12;
  return std::nullopt;
}

std::size_t bytes_per_pixel(video_format f) noexcept {
  switch (f) {
    case video_format::rgba: return 4;
    case video_format::rgb: return 3;
    case video_format::gray8:
    case video_format::i420:
    case video_format::nv12: return 1;
  }
  return 0;
}

bool is_planar_yuv(video_format f) noexcept { return f == video_format::i420 || f == video_format::nv12; }

std::string_view to_string(video_layout l) noexcept {
  return l == video_layout::tiled ? "tiled" : "linear";
}

result<video_info> video_info::make(video_format format, std::int64_t width,
                                    std::int64_t height, fraction framerate,
                                    video_layout layout) {
  constexpr std::int64_t max_dim = std::numeric_limits<std::int32_t>::max();
  if (width < 1 || width > max_dim || height < 1 || height > max_dim) {
    return fail(errc::invalid_argument, "video size " + std::to_string(width) + "x" +
                                            std::to_string(height) + " is out of range [1, " +
                                            std::to_string(max_dim) + "]");
  }
  if (framerate < fraction()) {
    return fail(errc::invalid_argument,
                "video framerate " + framerate.to_string() + " is negative");
  }
  // Both factors are below 2^33, so the products fit in 128 bits with room.
  __extension__ typedef unsigned __int128 u128;
  auto stride = static_cast<u128>(width) * core::bytes_per_pixel(format);
  auto size = stride * static_cast<u128>(height);
  if (is_planar_yuv(format)) {
    if (layout == video_layout::tiled)
      return fail(errc::invalid_argument, "video/x-raw caps: " + std::string(to_string(format)) +
                                              " frames are linear only, not tiled");
    // Two chroma planes of ceil(w/2) x ceil(h/2) (NV12: one of twice the width).
    const auto chroma = static_cast<u128>((width + 1) / 2) * static_cast<u128>((height + 1) / 2);
    size += 2 * chroma;
  }
  if (size > static_cast<u128>(std::numeric_limits<std::ptrdiff_t>::max())) {
    return fail(errc::invalid_argument, "video frame " + std::to_string(width) + "x" +
                                            std::to_string(height) + " " +
                                            std::string(to_string(format)) +
                                            " is too large to address");
  }
  video_info info;
  info.format_ = format;
  info.width_ = static_cast<std::int32_t>(width);
  info.height_ = static_cast<std::int32_t>(height);
  info.framerate_ = framerate;
  info.layout_ = layout;
  info.stride_ = static_cast<std::size_t>(stride);
  info.chroma_stride_ = info.chroma_row_bytes();
  info.size_ = static_cast<std::size_t>(size);
  return info;
}

result<video_info> video_info::from_caps(const caps& c) {
  auto s = detail::single_structure(c, media_type);
  if (!s) return s.error();
  return from_structure(**s);
}

result<video_info> video_info::from_structure(const structure& s) {
  if (auto ok = detail::check_media_type(s, media_type); !ok) return ok.error();

  auto format_name = detail::fixed_string(s, "format");
  if (!format_name) return format_name.error();
  auto format = video_format_from_string(*format_name);
  if (!format) {
    return fail(errc::invalid_argument, "video/x-raw caps: format " + *format_name +
                                            " is not one of RGBA, RGB, GRAY8, I420, NV12");
  }
  constexpr std::int64_t max_dim = std::numeric_limits<std::int32_t>::max();
  auto width = detail::fixed_int(s, "width", 1, max_dim);
  if (!width) return width.error();
  auto height = detail::fixed_int(s, "height", 1, max_dim);
  if (!height) return height.error();

  fraction framerate;
  if (s.has_field("framerate")) {
    auto f = detail::fixed_fraction(s, "framerate");
    if (!f) return f.error();
    framerate = *f;
  }
  video_layout layout = video_layout::linear;
  if (s.has_field("layout")) {
    auto l = detail::fixed_string(s, "layout");
    if (!l) return l.error();
    if (*l == "tiled") {
      layout = video_layout::tiled;
    } else if (*l != "linear") {
      return fail(errc::invalid_argument,
                  "video/x-raw caps: layout " + *l + " is not one of linear, tiled");
    }
  }
  auto info = make(*format, *width, *height, framerate, layout);
  if (info && s.has_field("pixel-aspect-ratio")) {
    auto par = detail::fixed_fraction(s, "pixel-aspect-ratio");
    if (!par) return par.error();
    info = info->with_pixel_aspect_ratio(*par);
  }
  if (info && s.has_field("stride")) {
    auto stride = detail::fixed_int(s, "stride", 1, std::numeric_limits<std::int64_t>::max());
    if (!stride) return stride.error();
    info = info->with_stride(static_cast<std::size_t>(*stride));
  }
  if (info && s.has_field("chroma-stride")) {
    auto chroma = detail::fixed_int(s, "chroma-stride", 1, std::numeric_limits<std::int64_t>::max());
    if (!chroma) return chroma.error();
    info = info->with_chroma_stride(static_cast<std::size_t>(*chroma));
  }
  return info;
}

result<video_info> video_info::with_stride(std::size_t stride) const {
  if (stride < row_bytes()) {
    return fail(errc::invalid_argument, "video/x-raw caps: stride " + std::to_string(stride) +
                                            " is smaller than a row of " + std::to_string(width_) + " " +
                                            std::string(to_string(format_)) + " pixels (" +
                                            std::to_string(row_bytes()) + " bytes)");
  }
  return with_sizes(stride, chroma_stride_);
}

result<video_info> video_info::with_chroma_stride(std::size_t chroma_stride) const {
  if (!is_planar_yuv(format_))
    return fail(errc::invalid_argument, "video/x-raw caps: chroma-stride is for I420 and NV12, not " +
                                            std::string(to_string(format_)));
  if (chroma_stride < chroma_row_bytes())
    return fail(errc::invalid_argument, "video/x-raw caps: chroma-stride " + std::to_string(chroma_stride) +
                                            " is smaller than a chroma row of " + std::string(to_string(format_)) +
                                            " " + std::to_string(width_) + " pixels wide (" +
                                            std::to_string(chroma_row_bytes()) + " bytes)");
  return with_sizes(stride_, chroma_stride);
}

std::size_t video_info::chroma_row_bytes() const noexcept {
  const auto cw = (static_cast<std::size_t>(width_) + 1) / 2;
  if (format_ == video_format::i420) return cw;
  if (format_ == video_format::nv12) return 2 * cw;
  return 0;
}

bool video_info::is_packed() const noexcept {
  return stride_ == row_bytes() && chroma_stride_ == chroma_row_bytes();
}

result<video_info> video_info::with_sizes(std::size_t stride, std::size_t chroma_stride) const {
  // The last row of each plane needs no padding after it (see the class comment).
  __extension__ typedef unsigned __int128 u128;
  u128 size = static_cast<u128>(stride) * static_cast<u128>(height_ - 1) + row_bytes();
  if (is_planar_yuv(format_)) {
    const auto chroma_rows = static_cast<u128>((height_ + 1) / 2);
    const u128 chroma = static_cast<u128>(chroma_stride) * (chroma_rows - 1) + chroma_row_bytes();
    size += format_ == video_format::i420 ? 2 * chroma : chroma;
  }
  if (size > static_cast<u128>(std::numeric_limits<std::ptrdiff_t>::max())) {
    return fail(errc::invalid_argument, "video frame " + std::to_string(width_) + "x" + std::to_string(height_) +
                                            " with stride " + std::to_string(stride) + " is too large to address");
  }
  video_info info = *this;
  info.stride_ = stride;
  info.chroma_stride_ = chroma_stride;
  info.size_ = static_cast<std::size_t>(size);
  return info;
}

result<video_info> video_info::with_pixel_aspect_ratio(fraction par) const {
  if (par <= fraction())
    return fail(errc::invalid_argument,
                "video/x-raw caps: pixel-aspect-ratio " + par.to_string() + " is not positive");
  video_info info = *this;
  info.par_ = par;
  return info;
}

std::size_t video_info::plane_count() const noexcept {
  switch (format_) {
    case video_format::i420: return 3;
    case video_format::nv12: return 2;
    default: return 1;
  }
}

video_plane video_info::plane(std::size_t i) const noexcept {
  const auto h = static_cast<std::size_t>(height_);
  if (i == 0 || !is_planar_yuv(format_)) return {0, stride_, row_bytes(), h};
  // The planes follow each other, each without padding after its last row.
  const std::size_t ch = (h + 1) / 2;
  const std::size_t y_bytes = stride_ * (h - 1) + row_bytes();
  const std::size_t c_bytes = chroma_stride_ * (ch - 1) + chroma_row_bytes();
  return {y_bytes + (i - 1) * c_bytes, chroma_stride_, chroma_row_bytes(), ch};
}

std::optional<std::chrono::nanoseconds> video_info::frame_duration() const noexcept {
  if (framerate_.num() <= 0) return std::nullopt;
  // den / num seconds, rounded to the nearest nanosecond.
  std::int64_t ns = (static_cast<std::int64_t>(framerate_.den()) * 1'000'000'000 +
                     framerate_.num() / 2) /
                    framerate_.num();
  return std::chrono::nanoseconds(ns);
}

caps video_info::to_caps() const {
  // The name and field names are constants known to be valid.
  structure s = structure::make(media_type).value();
  (void)s.set("format", std::string(to_string(format_)));
  (void)s.set("width", static_cast<std::int64_t>(width_));
  (void)s.set("height", static_cast<std::int64_t>(height_));
  (void)s.set("framerate", framerate_);
  (void)s.set("layout", std::string(to_string(layout_)));
  (void)s.set("pixel-aspect-ratio", par_);
  if (!is_packed()) {
    (void)s.set("stride", static_cast<std::int64_t>(stride_));
    if (is_planar_yuv(format_)) (void)s.set("chroma-stride", static_cast<std::int64_t>(chroma_stride_));
  }
  return caps(std::move(s));
}

}  // namespace tessera::core
