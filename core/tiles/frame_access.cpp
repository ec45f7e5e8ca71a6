#include "core/tiles/frame_access.hpp"

#include "core/tiles/tiled_frame.hpp"

namespace tessera::core {

result<frame_access> frame_access::make(const video_info& info, const buffer& b, const std::string& who) {
  frame_access a;
  a.tiled_ = info.layout() == video_layout::tiled;
  auto grid = frame_tile_grid(info);
  if (!grid) return grid.error();
  a.grid_ = *grid;
  if (a.tiled_) {
    if (auto ok = check_tiled_frame(b, a.grid_, who); !ok) return ok.error();
  } else {
    if (b.n_memory() != 1 || b.size() < info.size()) {
      return fail(errc::invalid_argument, who + ": a linear " + std::to_string(info.width()) + "x" +
                                              std::to_string(info.height()) + " frame needs one memory of " +
                                              std::to_string(info.size()) + " bytes, the buffer has " +
                                              std::to_string(b.n_memory()) + " memories, " +
                                              std::to_string(b.size()) + " bytes");
    }
    a.stride_ = info.stride();
  }
  return a;
}

result<frame_access> frame_access::for_reading(const video_info& info, const buffer& b, const std::string& who) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  // Reading through data() needs no map: the buffer's references keep the bytes.
  for (const memory& m : b.memories()) a->bases_.push_back(const_cast<std::byte*>(m.data()));
  return a;
}

result<frame_access> frame_access::for_writing(const video_info& info, buffer& b, const std::string& who) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  for (std::size_t i = 0; i < b.n_memory(); ++i) {
    auto map = map_tile(b, i, map_access::readwrite);
    if (!map) return error(map.error().code, who + ": " + map.error().message);
    a->bases_.push_back(map->data());
    a->maps_.push_back(std::move(*map));
  }
  return a;
}

}  // namespace tessera::core
