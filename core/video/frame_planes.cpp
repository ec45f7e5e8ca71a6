#include "core/video/frame_planes.hpp"

namespace tessera::core {

result<frame_planes> map_frame_planes(const video_info& info, const buffer& in, const std::string& who) {
  frame_planes out;
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
      out.plane_maps.push_back(std::move(map).value());
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

}  // namespace tessera::core
