#include "core/video/frame_convert.hpp"

#include "core/memory/buffer_map.hpp"
#include "core/video/frame_access.hpp"
#include "core/video/frame_planes.hpp"
#include "core/video/pixel_convert.hpp"
#include "core/video/yuv_convert.hpp"


namespace tessera::core {

namespace {

result<void> convert_linear(const video_info& in_info, const buffer& in, const video_info& out_info, buffer& out,
                            const std::string& who) {
  auto src = frame_access::for_reading(in_info, in, who, frame_hold::by_block);
  if (!src) return src.error();
  auto dst = frame_access::for_writing(out_info, out, who, frame_hold::by_block);
  if (!dst) return dst.error();
  // Block 0 of a linear frame starts at its first pixel; the rows follow at the stride.
  auto s = src->map_block(0);
  auto d = dst->map_block(0);
  if (!s) return s.error();
  if (!d) return d.error();
  const auto* src_bytes = reinterpret_cast<const std::uint8_t*>(s->first);
  auto* dst_bytes = reinterpret_cast<std::uint8_t*>(d->first);
  const auto width = static_cast<std::size_t>(in_info.width());
  const auto height = static_cast<std::size_t>(in_info.height());
  if (in_info.is_packed() && out_info.is_packed()) {
    convert_pixels(src_bytes, in_info.format(), dst_bytes, out_info.format(), width * height);
    return {};
  }
  // Rows with padding (a cropped frame): one row at a time.
  for (std::size_t y = 0; y < height; ++y)
    convert_pixels(src_bytes + y * s->stride, in_info.format(), dst_bytes + y * d->stride, out_info.format(), width);
  return {};
}

/// Either side I420 or NV12 (linear frames only). A tiled packed input is first
/// gathered into a linear frame of its own format.
result<void> convert_planar(const video_info& in_info, const buffer& in, const video_info& out_info, buffer& out,
                            const std::string& who) {
  if (out_info.layout() != video_layout::linear)
    return fail(errc::invalid_argument, who + ": " + std::string(to_string(out_info.format())) +
                                            " frames are linear only, not tiled");
  if (in_info.layout() == video_layout::tiled) {
    auto linear_info = video_info::make(in_info.format(), in_info.width(), in_info.height(), in_info.framerate());
    if (!linear_info) return linear_info.error();
    auto linear = buffer::allocate(linear_info->size());
    if (!linear) return linear.error();
    if (auto r = convert_frame(in_info, in, *linear_info, *linear, who); !r) return r;
    return convert_planar(*linear_info, *linear, out_info, out, who);
  }
  auto d = out.map(map_access::write);
  if (!d) return fail(errc::invalid_argument, who + ": cannot map the output frame: " + d.error().message);
  if (d->size() < out_info.size())
    return fail(errc::invalid_argument, who + ": " + std::to_string(d->size()) + " bytes cannot hold a " +
                                            std::to_string(out_info.size()) + "-byte " +
                                            std::string(to_string(out_info.format())) + " frame");
  auto src = map_frame_planes(in_info, in, who);
  if (!src) return src.error();
  convert_yuv_frame(src->first, in_info, reinterpret_cast<std::uint8_t*>(d->data()), out_info);
  return {};
}

}  // namespace

result<void> convert_frame(const video_info& in_info, const buffer& in, const video_info& out_info, buffer& out,
                           const std::string& who) {
  if (in_info.width() != out_info.width() || in_info.height() != out_info.height())
    return fail(errc::invalid_argument, who + ": cannot convert a " + std::to_string(in_info.width()) + "x" +
                                            std::to_string(in_info.height()) + " frame into a " +
                                            std::to_string(out_info.width()) + "x" + std::to_string(out_info.height()) +
                                            " one");
  if (is_planar_yuv(in_info.format()) || is_planar_yuv(out_info.format()))
    return convert_planar(in_info, in, out_info, out, who);
  if (in_info.layout() == video_layout::linear && out_info.layout() == video_layout::linear)
    return convert_linear(in_info, in, out_info, out, who);
  auto src = frame_access::for_reading(in_info, in, who, frame_hold::by_block);
  if (!src) return src.error();
  auto dst = frame_access::for_writing(out_info, out, who, frame_hold::by_block);
  if (!dst) return dst.error();
  const tile_grid& g = dst->grid();
  for (std::size_t i = 0; i < g.tile_count(); ++i) {
    const tile_rect area = g.tile_area(i);
    auto s = src->map_block(i);
    if (!s) return s.error();
    auto d = dst->map_block(i);
    if (!d) return d.error();
    // Only the block's pixels: the padding of a partial edge tile is left as it is.
    for (std::size_t r = 0; r < area.height; ++r)
      convert_pixels(reinterpret_cast<const std::uint8_t*>(s->first + r * s->stride), in_info.format(),
                     reinterpret_cast<std::uint8_t*>(d->first + r * d->stride), out_info.format(), area.width);
  }
  return {};
}

}  // namespace tessera::core
