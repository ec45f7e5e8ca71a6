#include "core/elements/video/drawbox.hpp"

#include "core/elements/video/test_patterns.hpp"
#include "core/graph/element_factory.hpp"
#include "core/video/tiled_frame.hpp"

#include <algorithm>
#include <limits>

namespace tessera::core {
namespace {

caps drawbox_caps() {
  return caps::parse(
             "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
             "framerate=[0/1,2147483647/1],layout={linear,tiled}")
      .value();
}

}  // namespace

std::unique_ptr<element_factory> drawbox::factory() {
  const caps video = drawbox_caps();
  return make_factory<drawbox>(
      "drawbox", "Draw a box", "Filter/Effect/Video",
      "Fills a rectangle with a colour in place; on tiled frames writes only the tiles it touches",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
       pad_template{"src", pad_direction::src, pad_presence::always, video}},
      {int_property("x", "Left edge of the box, pixels", 0, 0, int_property_max),
       int_property("y", "Top edge of the box, pixels", 0, 0, int_property_max),
       int_property("w", "Width of the box, pixels", 32, 0, int_property_max),
       int_property("h", "Height of the box, pixels", 32, 0, int_property_max),
       int_property("color", "Colour as 0xRRGGBBAA (written as is, no blending)", 0xff0000ffll, 0, 0xffffffffll),
       base_transform::qos_property(true)});
}

drawbox::drawbox(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)),
      prop_x_(property_index("x")),
      prop_y_(property_index("y")),
      prop_w_(property_index("w")),
      prop_h_(property_index("h")),
      prop_color_(property_index("color")) {
  set_in_place(true);
  set_passthrough_on_same_caps(false);
}

result<void> drawbox::set_caps(const caps& in, const caps& out) {
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (!in.is_equal(out)) return fail(errc::not_negotiated, name() + " cannot turn " + in.to_string() + " into " + out.to_string());
  auto grid = tile_grid_if_tiled(*info);
  if (!grid) return fail(errc::not_negotiated, name() + ": " + grid.error().message);
  grid_ = *grid;
  info_ = *info;
  // A tiled frame is one memory per tile: draw_tiled copies on write only the tiles
  // the box touches, which the base class's in-place mode (a whole-frame copy of a
  // shared buffer) would defeat. Metadata-only mode hands transform_ip every frame.
  set_metadata_only(grid_.has_value());
  return {};
}

std::optional<std::size_t> drawbox::get_unit_size(const caps& c) {
  return video_frame_bytes(c);
}

tile_rect drawbox::box() const {
  const tile_rect wanted{static_cast<std::size_t>(props().get_int(prop_x_)),
                         static_cast<std::size_t>(props().get_int(prop_y_)),
                         static_cast<std::size_t>(props().get_int(prop_w_)),
                         static_cast<std::size_t>(props().get_int(prop_h_))};
  return intersect(wanted, {0, 0, static_cast<std::size_t>(info_->width()), static_cast<std::size_t>(info_->height())});
}

namespace {

/// Fills `width` pixels of each of `rows` rows from `data`, rows `stride` bytes apart.
void fill_rect(std::byte* data, std::size_t stride, std::size_t width, std::size_t rows, video_format f, rgba_color c) {
  for (std::size_t r = 0; r < rows; ++r)
    fill_span(reinterpret_cast<std::uint8_t*>(data + r * stride), 0, static_cast<std::int32_t>(width), f, c);
}

}  // namespace

flow drawbox::transform_ip(buffer& b) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (grid_) return draw_tiled(b);
  if (b.size() < info_->size())
    return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(b.size()) + "-byte buffer is smaller than a " +
                                                 std::to_string(info_->width()) + "x" + std::to_string(info_->height()) +
                                                 " frame (" + std::to_string(info_->size()) + " bytes)");
  const tile_rect r = box();
  if (r.empty()) return flow::ok;
  auto map = b.map(map_access::readwrite);
  if (!map) return fail_flow(errc::not_writable, name() + ": cannot map a frame for writing: " + map.error().message);
  const std::size_t bpp = info_->bytes_per_pixel();
  fill_rect(map->data() + r.y * info_->stride() + r.x * bpp, info_->stride(), r.width, r.height, info_->format(),
            color_from_rgba(static_cast<std::uint32_t>(props().get_int(prop_color_))));
  return flow::ok;
}

flow drawbox::draw_tiled(buffer& b) {
  if (auto ok = check_tiled_frame(b, *grid_, name()); !ok) return fail_flow(errc::invalid_argument, ok.error().message);
  const tile_rect r = box();
  const rgba_color color = color_from_rgba(static_cast<std::uint32_t>(props().get_int(prop_color_)));
  // Walk the box by portions: each lies in one tile, which alone is made writable.
  for (std::size_t y = r.y; y < r.bottom();) {
    std::size_t band = 0;
    for (std::size_t x = r.x; x < r.right();) {
      auto p = grid_->focus({x, y, r.right() - x, r.bottom() - y});
      if (!p) return fail_flow(errc::invalid_argument, name() + ": " + p.error().message);
      auto map = map_tile(b, p->tile_index, map_access::readwrite);
      if (!map) return fail_flow(errc::not_writable, name() + ": tile " + std::to_string(p->tile_index) + ": " + map.error().message);
      fill_rect(map->data() + p->offset_bytes, p->stride_bytes, p->area.width, p->area.height, info_->format(), color);
      x += p->area.width;
      band = p->area.height;
    }
    y += band;
  }
  b.set_perms(b.perms() | perm::write);
  return flow::ok;
}

}  // namespace tessera::core
