#include "core/elements/video/boxblur.hpp"

#include "core/graph/element_factory.hpp"
#include "core/video/frame_access.hpp"
#include "core/video/tiled_frame.hpp"
#include "core/graph/runtime.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::core {
namespace {

caps boxblur_caps() {
  return caps::parse(
             "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
             "framerate=[0/1,2147483647/1],layout={linear,tiled}")
      .value();
}

/// Largest radius: keeps every window sum of 8-bit values inside 32 bits
/// ((2 * 1024 + 1)^2 * 255 < 2^32).
constexpr std::int64_t max_radius = 1024;

}  // namespace

std::unique_ptr<element_factory> boxblur::factory() {
  const caps video = boxblur_caps();
  return make_factory<boxblur>(
      "boxblur", "Box blur", "Filter/Effect/Video",
      "Blurs video with a square box of side 2 radius + 1; walks tiled and linear frames by portions",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
       pad_template{"src", pad_direction::src, pad_presence::always, video}},
      {int_property("radius", "Pixels on each side of the centre that the box covers (0: a copy)", 2, 0, max_radius),
       base_transform::qos_property(true)});
}

boxblur::boxblur(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)), prop_radius_(property_index("radius")) {
  set_passthrough_on_same_caps(false);
}

result<void> boxblur::set_caps(const caps& in, const caps& out) {
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (!in.is_equal(out)) return fail(errc::not_negotiated, name() + " cannot turn " + in.to_string() + " into " + out.to_string());
  info_ = *info;
  // A tiled output is one memory per tile, which pad-alloc (one memory of a size)
  // cannot hand out: transform_ip allocates the tiles itself, and base_transform
  // runs it on every input in metadata-only mode (the input buffer is replaced, not
  // written). A linear output is pad-allocated for transform.
  out_grid_.reset();
  if (info->layout() == video_layout::tiled) {
    auto grid = frame_tile_grid(*info);
    if (!grid) return fail(errc::not_negotiated, name() + ": " + grid.error().message);
    out_grid_ = *grid;
  }
  set_metadata_only(out_grid_.has_value());
  return {};
}

std::optional<std::size_t> boxblur::get_unit_size(const caps& c) {
  return video_frame_bytes(c);
}

void boxblur::blur_portion(const frame_access& src, const frame_access& dst, const portion& p, std::size_t radius) {
  const std::size_t bpp = src.bytes_per_pixel();
  const std::size_t width = src.grid().width(), height = src.grid().height();
  // The window: the portion grown by the radius, clamped to the frame. Pixels beyond
  // the frame repeat the border, which the sums below get by clamping coordinates.
  const std::size_t wx0 = p.area.x >= radius ? p.area.x - radius : 0;
  const std::size_t wy0 = p.area.y >= radius ? p.area.y - radius : 0;
  const std::size_t wx1 = std::min(width, p.area.right() + radius);
  const std::size_t wy1 = std::min(height, p.area.bottom() + radius);
  const std::size_t ww = wx1 - wx0, wh = wy1 - wy0;
  window_.resize(ww * wh * bpp);
  for (std::size_t y = wy0; y < wy1; ++y) {
    // A window row crosses tiles: read it piece by piece where each piece lies.
    for (std::size_t x = wx0; x < wx1;) {
      const std::size_t piece_end = src.tiled() ? std::min(wx1, src.grid().x().tile_end(src.grid().x().tile_of(x))) : wx1;
      std::memcpy(&window_[((y - wy0) * ww + (x - wx0)) * bpp], src.pixel(x, y), (piece_end - x) * bpp);
      x = piece_end;
    }
  }
  auto at = [&](std::size_t wy, std::ptrdiff_t x, std::size_t c) -> std::uint32_t {
    const std::ptrdiff_t cx = std::clamp<std::ptrdiff_t>(x, 0, static_cast<std::ptrdiff_t>(width) - 1);
    return window_[(wy * ww + (static_cast<std::size_t>(cx) - wx0)) * bpp + c];
  };
  // Horizontal sums for each window row over the portion's columns (running sums).
  const std::size_t pw = p.area.width;
  row_sums_.assign(wh * pw * bpp, 0);
  const auto r = static_cast<std::ptrdiff_t>(radius);
  for (std::size_t wy = 0; wy < wh; ++wy) {
    for (std::size_t c = 0; c < bpp; ++c) {
      const auto x0 = static_cast<std::ptrdiff_t>(p.area.x);
      std::uint32_t sum = 0;
      for (std::ptrdiff_t k = -r; k <= r; ++k) sum += at(wy, x0 + k, c);
      row_sums_[(wy * pw) * bpp + c] = sum;
      for (std::size_t i = 1; i < pw; ++i) {
        const std::ptrdiff_t x = x0 + static_cast<std::ptrdiff_t>(i);
        sum += at(wy, x + r, c);
        sum -= at(wy, x - r - 1, c);
        row_sums_[(wy * pw + i) * bpp + c] = sum;
      }
    }
  }
  // Vertical sums of the row sums, rows clamped to the frame, then the rounded mean.
  const std::uint32_t count = static_cast<std::uint32_t>((2 * radius + 1) * (2 * radius + 1));
  auto row_of = [&](std::ptrdiff_t y) {
    return static_cast<std::size_t>(std::clamp<std::ptrdiff_t>(y, 0, static_cast<std::ptrdiff_t>(height) - 1)) - wy0;
  };
  std::byte* out = dst.pixel(p.area.x, p.area.y);
  const std::size_t out_stride = dst.row_stride(p);
  for (std::size_t i = 0; i < pw; ++i) {
    for (std::size_t c = 0; c < bpp; ++c) {
      const auto y0 = static_cast<std::ptrdiff_t>(p.area.y);
      std::uint32_t sum = 0;
      for (std::ptrdiff_t k = -r; k <= r; ++k) sum += row_sums_[(row_of(y0 + k) * pw + i) * bpp + c];
      for (std::size_t j = 0; j < p.area.height; ++j) {
        if (j > 0) {
          const std::ptrdiff_t y = y0 + static_cast<std::ptrdiff_t>(j);
          sum += row_sums_[(row_of(y + r) * pw + i) * bpp + c];
          sum -= row_sums_[(row_of(y - r - 1) * pw + i) * bpp + c];
        }
        out[j * out_stride + i * bpp + c] = static_cast<std::byte>((sum + count / 2) / count);
      }
    }
  }
}

flow boxblur::blur(const buffer& in, buffer& out) {
  // Band by band (one row of tiles): only the band and the input rows around it are
  // held, so a frame larger than the tile cache is blurred with the rest swapped out.
  auto src = frame_access::for_reading(*info_, in, name(), frame_hold::by_rows);
  if (!src) return fail_flow(errc::invalid_argument, src.error().message);
  auto dst = frame_access::for_writing(*info_, out, name(), frame_hold::by_rows);
  if (!dst) return fail_flow(errc::invalid_argument, dst.error().message);
  const auto radius = static_cast<std::size_t>(props().get_int(prop_radius_));
  const tile_grid& g = dst->grid();
  // Portion by portion: each lies in one output tile (or one 64x64 block of a linear frame).
  for (std::size_t y = 0; y < g.height();) {
    auto first = g.focus({0, y, g.width(), g.height() - y});
    if (!first) return fail_flow(errc::invalid_argument, name() + ": " + first.error().message);
    std::size_t band = first->area.height;
    if (auto r = src->hold_rows(y > radius ? y - radius : 0, y + band + radius); !r)
      return fail_flow(errc::io_error, r.error().message);
    if (auto r = dst->hold_rows(y, y + band); !r) return fail_flow(errc::io_error, r.error().message);
    for (std::size_t x = 0; x < g.width();) {
      auto p = g.focus({x, y, g.width() - x, g.height() - y});
      if (!p) return fail_flow(errc::invalid_argument, name() + ": " + p.error().message);
      blur_portion(*src, *dst, *p, radius);
      x += p->area.width;
      band = p->area.height;
    }
    y += band;
  }
  return flow::ok;
}

flow boxblur::transform(const buffer& in, buffer& out) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  return blur(in, out);
}

flow boxblur::transform_ip(buffer& b) {
  if (!info_ || !out_grid_)
    return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  auto out = allocate_tiled_frame(*out_grid_, runtime().tiled_frame_allocator());
  if (!out) return fail_flow(errc::no_memory, name() + ": " + out.error().message);
  out->copy_metadata_from(b);
  if (const flow f = blur(b, *out); f != flow::ok) return f;
  b = std::move(*out);
  return flow::ok;
}

}  // namespace tessera::core
