#include "core/video/frame_access.hpp"

#include "core/tiles/frame_residency.hpp"
#include "core/video/tiled_frame.hpp"

#include <algorithm>

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

result<void> frame_access::hold(std::size_t index) {
  if (write_ != nullptr) {
    if (maps_[index]) return {};
    auto map = map_tile(*write_, index, map_access::readwrite);
    if (!map) return error(map.error().code, who_ + ": " + map.error().message);
    bases_[index] = map->data();  // a shared tile was replaced by its copy
    maps_[index] = std::move(*map);
    return {};
  }
  if (pins_[index]) return {};
  auto pin = read_->peek_memory(index).bytes_pinned();
  if (!pin) return error(pin.error().code, who_ + ": " + pin.error().message);
  pins_[index] = std::move(*pin);
  return {};
}

void frame_access::let_go(std::size_t index) noexcept {
  if (write_ != nullptr) {
    maps_[index] = memory_map();
  } else {
    pins_[index].reset();
  }
}

result<void> frame_access::hold_rows(std::size_t y0, std::size_t y1) {
  y1 = std::min(y1, grid_.height());
  if (!tiled_ || y0 >= y1) return hold(0);  // a linear frame is one memory
  // The tiles of those rows are a contiguous range of the row-major tile list.
  const std::size_t first = grid_.tile_at(0, y0);
  const std::size_t end = grid_.tile_at(0, y1 - 1) + grid_.tiles_across();
  for (std::size_t i = held_first_; i < held_end_; ++i)
    if (i < first || i >= end) let_go(i);
  for (std::size_t i = first; i < end; ++i)
    if (auto r = hold(i); !r) return r;
  held_first_ = first;
  held_end_ = end;
  // A walk goes down the frame: have the next band read back meanwhile. Only for
  // reading: a prefetch's references would make tiles about to be written look shared.
  if (read_ != nullptr) prefetch(*read_, end, end + (end - first));
  return {};
}

result<frame_access> frame_access::for_reading(const video_info& info, const buffer& b, const std::string& who,
                                               frame_hold how) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  a->read_ = &b;
  a->who_ = who;
  for (const memory& m : b.memories()) a->bases_.push_back(const_cast<std::byte*>(m.data()));
  a->pins_.resize(b.n_memory());
  if (how == frame_hold::whole_frame) {
    for (std::size_t i = 0; i < b.n_memory(); ++i)
      if (auto r = a->hold(i); !r) return r.error();
  }
  return a;
}

result<frame_access> frame_access::for_writing(const video_info& info, buffer& b, const std::string& who,
                                               frame_hold how) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  a->write_ = &b;
  a->who_ = who;
  for (const memory& m : b.memories()) a->bases_.push_back(const_cast<std::byte*>(m.data()));
  a->maps_.resize(b.n_memory());
  if (how == frame_hold::whole_frame) {
    for (std::size_t i = 0; i < b.n_memory(); ++i)
      if (auto r = a->hold(i); !r) return r.error();
  }
  return a;
}

}  // namespace tessera::core
