#include "core/video/frame_convert.hpp"

#include "core/memory/buffer_map.hpp"
#include "core/video/frame_access.hpp"
#include "core/video/pixel_convert.hpp"
#include "core/video/yuv_convert.hpp"

#include <optional>
#include <vector>

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

/// The input planes, mapped for reading. A decoder's frame (avsrc) is one memory per
/// plane, each with its padded rows: each is mapped where it lies, no copy. Any other
/// buffer is mapped whole (map() may merge memories, so through a share of `in`).
struct mapped_planes {
  const std::uint8_t* first[3] = {};
  std::vector<memory_map> maps;  // per-plane memories
  std::optional<buffer_map> whole;
};

result<mapped_planes> map_planes(const video_info& info, const buffer& in, const std::string& who) {
  mapped_planes out;
  const std::size_t planes = info.plane_count();
  bool per_plane = planes > 1 && in.n_memory() == planes;
  for (std::size_t i = 0; per_plane && i < planes; ++i) {
    const video_plane p = info.plane(i);
    per_plane = in.peek_memory(i).size() >= p.stride * (p.rows - 1) + p.row_bytes;
  }
  if (per_plane) {
    for (std::size_t i = 0; i < planes; ++i) {
      memory m = in.peek_memory(i);
      auto map = m.map(map_access::read);
      if (!map) return fail(errc::invalid_argument, who + ": cannot map plane " + std::to_string(i) + ": " + map.error().message);
      out.first[i] = reinterpret_cast<const std::uint8_t*>(map->data());
      out.maps.push_back(std::move(map).value());
    }
    return out;
  }
  buffer view = in.share();
  auto m = view.map(map_access::read);
  if (!m) return fail(errc::invalid_argument, who + ": cannot map the input frame: " + m.error().message);
  if (m->size() < info.size())
    return fail(errc::invalid_argument, who + ": a " + std::to_string(m->size()) + "-byte buffer is smaller than a " +
                                            std::to_string(info.width()) + "x" + std::to_string(info.height()) + " " +
                                            std::string(to_string(info.format())) + " frame with its strides (" +
                                            std::to_string(info.size()) + " bytes)");
  const auto* base = reinterpret_cast<const std::uint8_t*>(m->data());
  for (std::size_t i = 0; i < planes; ++i) out.first[i] = base + info.plane(i).offset;
  out.whole.emplace(std::move(m).value());
  return out;
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
  auto src = map_planes(in_info, in, who);
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
