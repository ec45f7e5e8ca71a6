#include "core/video/frame_access.hpp"

#include "core/tiles/frame_residency.hpp"
#include "core/video/tiled_frame.hpp"

#include <algorithm>

namespace tessera::core {

result<frame_access> frame_access::make(const video_info& info, const buffer& b, const std::string& who) {
  frame_access a;
  a.tiled_ = info.layout() == video_layout::tiled;
  auto grid = frame_tile_grid(info);
  if (!grid) return error(grid.error().code, who + ": " + grid.error().message);
  a.grid_ = *grid;
  a.who_ = who;
  if (a.tiled_) {
    if (auto ok = check_tiled_frame(b, a.grid_, who); !ok) return ok.error();
    return a;
  }
  if (b.size() < info.size()) {
    return fail(errc::invalid_argument, who + ": a linear " + std::to_string(info.width()) + "x" +
                                            std::to_string(info.height()) + " " + std::string(to_string(info.format())) +
                                            " frame needs " + std::to_string(info.size()) + " bytes, the buffer has " +
                                            std::to_string(b.size()));
  }
  a.stride_ = info.stride();
  return a;
}

result<void> frame_access::start(frame_hold how) {
  const buffer& b = write_ != nullptr ? *write_ : *read_;
  if (!tiled_) {
    auto map = write_ != nullptr ? write_->map(map_access::write) : linear_view_.map(map_access::read);
    if (!map) {
      return error(map.error().code, who_ + (write_ != nullptr ? ": cannot map the output frame for writing: "
                                                                : ": cannot map the input frame: ") +
                                         map.error().message);
    }
    linear_.emplace(std::move(*map));
    return {};
  }
  for (const memory& m : b.memories()) bases_.push_back(const_cast<std::byte*>(m.data()));
  if (write_ != nullptr) {
    maps_.resize(b.n_memory());
  } else {
    pins_.resize(b.n_memory());
  }
  if (how == frame_hold::whole_frame) {
    for (std::size_t i = 0; i < b.n_memory(); ++i)
      if (auto r = hold(i); !r) return r;
  }
  return {};
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
  if (!tiled_ || y0 >= y1) return {};  // a linear frame is held whole
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

result<frame_access::block> frame_access::map_block(std::size_t index) {
  if (index >= grid_.tile_count())
    return fail(errc::out_of_range, who_ + ": block " + std::to_string(index) + " of a frame of " +
                                        std::to_string(grid_.tile_count()));
  block out;
  if (!tiled_) {
    const tile_rect area = grid_.tile_area(index);
    out.first = linear_->data() + area.y * stride_ + area.x * grid_.tag().bytes_per_pixel;
    out.stride = stride_;
    return out;
  }
  if (write_ != nullptr) {
    auto map = map_tile(*write_, index, map_access::write);
    if (!map) return error(map.error().code, who_ + ": tile " + std::to_string(index) + ": " + map.error().message);
    out.map = std::move(*map);
  } else {
    // A handle of our own to map through; the buffer's list stays as it is.
    memory tile = read_->peek_memory(index);
    auto map = tile.map(map_access::read);
    if (!map) return error(map.error().code, who_ + ": tile " + std::to_string(index) + ": " + map.error().message);
    out.map = std::move(*map);
  }
  out.first = out.map.data();
  out.stride = grid_.tile_stride_bytes();
  return out;
}

result<frame_access> frame_access::for_reading(const video_info& info, const buffer& b, const std::string& who,
                                               frame_hold how) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  a->read_ = &b;
  if (!a->tiled_) a->linear_view_ = b.share();
  if (auto r = a->start(how); !r) return r.error();
  return a;
}

result<frame_access> frame_access::for_writing(const video_info& info, buffer& b, const std::string& who,
                                               frame_hold how) {
  auto a = make(info, b, who);
  if (!a) return a.error();
  a->write_ = &b;
  if (auto r = a->start(how); !r) return r.error();
  return a;
}

}  // namespace tessera::core
