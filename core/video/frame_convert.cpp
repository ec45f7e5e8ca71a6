#include "core/video/frame_convert.hpp"

#include "core/video/frame_access.hpp"
#include "core/video/pixel_convert.hpp"

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

}  // namespace

result<void> convert_frame(const video_info& in_info, const buffer& in, const video_info& out_info, buffer& out,
                           const std::string& who) {
  if (in_info.width() != out_info.width() || in_info.height() != out_info.height())
    return fail(errc::invalid_argument, who + ": cannot convert a " + std::to_string(in_info.width()) + "x" +
                                            std::to_string(in_info.height()) + " frame into a " +
                                            std::to_string(out_info.width()) + "x" + std::to_string(out_info.height()) +
                                            " one");
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
