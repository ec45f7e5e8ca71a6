#include "core/elements/video/invert.hpp"

#include "core/graph/element_factory.hpp"
#include "core/video/tiled_frame.hpp"

#include <cstring>

namespace tessera::core {

std::unique_ptr<element_factory> invert::factory() {
  // testsrc's formats, linear or tiled.
  const caps video = caps::parse(
                         "video/x-raw,format={RGBA,RGB,GRAY8},width=[1,2147483647],height=[1,2147483647],"
                         "framerate=[0/1,2147483647/1],layout={linear,tiled}")
                         .value();
  return make_factory<invert>("invert", "Invert video", "Filter/Effect/Video",
                              "Inverts the colours of raw video in place (alpha is kept)",
                              {pad_template{"sink", pad_direction::sink, pad_presence::always, video},
                               pad_template{"src", pad_direction::src, pad_presence::always, video}},
                              {base_transform::qos_property(true)});
}

invert::invert(const element_factory& f, std::string name) : base_transform(f, std::move(name)) {
  set_in_place(true);
  set_passthrough_on_same_caps(false);
}

result<void> invert::set_caps(const caps& in, const caps& out) {
  auto info = video_info::from_caps(in);
  if (!info) return fail(errc::not_negotiated, name() + ": " + info.error().message);
  if (!in.is_equal(out)) return fail(errc::not_negotiated, name() + " cannot turn " + in.to_string() + " into " + out.to_string());
  auto grid = tile_grid_if_tiled(*info);
  if (!grid) return fail(errc::not_negotiated, name() + ": " + grid.error().message);
  tile_grid_ = *grid;
  info_ = *info;
  // A tiled frame is one memory per tile, each made writable on its own by
  // invert_tiled; the base class's in-place mode would copy a shared frame whole.
  // Metadata-only mode hands transform_ip every frame, writable or not.
  set_metadata_only(tile_grid_.has_value());
  return {};
}

std::optional<std::size_t> invert::get_unit_size(const caps& c) {
  return video_frame_bytes(c);
}

void invert::invert_pixels(std::uint8_t* data, std::size_t bytes, video_format format) noexcept {
  if (format == video_format::rgba) {
    // R, G, B, A bytes as one native word: flip the three colour bytes, keep alpha.
    std::uint8_t mask_bytes[4] = {0xff, 0xff, 0xff, 0x00};
    std::uint32_t mask;
    std::memcpy(&mask, mask_bytes, 4);
    const std::size_t n = bytes / 4;
    for (std::size_t i = 0; i < n; ++i) {
      std::uint32_t w;
      std::memcpy(&w, data + 4 * i, 4);
      w ^= mask;
      std::memcpy(data + 4 * i, &w, 4);
    }
    return;
  }
  // RGB and GRAY8: every byte is colour.
  for (std::size_t i = 0; i < bytes; ++i) data[i] = static_cast<std::uint8_t>(~data[i]);
}

flow invert::transform_ip(buffer& b) {
  if (!info_) return fail_flow(errc::not_negotiated, name() + " received a frame before caps", flow::not_negotiated);
  if (tile_grid_) return invert_tiled(b);
  if (b.size() < info_->size())
    return fail_flow(errc::invalid_argument, name() + ": a " + std::to_string(b.size()) + "-byte buffer is smaller than a " +
                                                 std::to_string(info_->width()) + "x" + std::to_string(info_->height()) + " " +
                                                 std::string(to_string(info_->format())) + " frame (" +
                                                 std::to_string(info_->size()) + " bytes)");
  auto map = b.map(map_access::readwrite);
  if (!map) return fail_flow(errc::not_writable, name() + ": cannot map a frame for writing: " + map.error().message);
  auto* data = reinterpret_cast<std::uint8_t*>(map->data());
  if (info_->is_packed()) {
    invert_pixels(data, info_->size(), info_->format());
    return flow::ok;
  }
  // Rows with padding (a cropped frame): the bytes between rows are not ours.
  for (std::size_t y = 0; y < static_cast<std::size_t>(info_->height()); ++y)
    invert_pixels(data + y * info_->stride(), info_->row_bytes(), info_->format());
  return flow::ok;
}

flow invert::invert_tiled(buffer& b) {
  // Tile by tile: each is made writable on its own (a copy only if shared) and its
  // pixels inverted where they lie; the bytes past a partial edge tile's pixels are
  // left alone.
  const tile_grid& g = *tile_grid_;
  if (auto ok = check_tiled_frame(b, g, name()); !ok) return fail_flow(errc::invalid_argument, ok.error().message);
  for (std::size_t i = 0; i < g.tile_count(); ++i) {
    auto map = map_tile(b, i, map_access::readwrite);
    if (!map) return fail_flow(errc::not_writable, name() + ": tile " + std::to_string(i) + ": " + map.error().message);
    const tile_rect area = g.tile_area(i);
    for (std::size_t r = 0; r < area.height; ++r)
      invert_pixels(reinterpret_cast<std::uint8_t*>(map->data() + r * g.tile_stride_bytes()),
                    area.width * g.tag().bytes_per_pixel, info_->format());
  }
  b.set_perms(b.perms() | perm::write);
  return flow::ok;
}

}  // namespace tessera::core
