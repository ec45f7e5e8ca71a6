#include "core/elements/video/frame_blocks.hpp"

#include "core/video/tiled_frame.hpp"

namespace tessera::core {

result<frame_blocks> frame_blocks::make(const video_info& info, const buffer& b, const std::string& who) {
  auto grid = frame_tile_grid(info);
  if (!grid) return error(grid.error().code, who + ": " + grid.error().message);
  frame_blocks f(*grid, info.layout() == video_layout::tiled);
  f.who_ = who;
  if (f.tiled_) {
    if (auto ok = check_tiled_frame(b, *grid, who); !ok) return ok.error();
    return f;
  }
  if (b.size() < info.size()) {
    return fail(errc::invalid_argument, who + ": a linear " + std::to_string(info.width()) + "x" +
                                            std::to_string(info.height()) + " " + std::string(to_string(info.format())) +
                                            " frame needs " + std::to_string(info.size()) + " bytes, the buffer has " +
                                            std::to_string(b.size()));
  }
  f.linear_stride_ = info.stride();
  return f;
}

result<frame_blocks> frame_blocks::for_reading(const video_info& info, const buffer& b, const std::string& who) {
  auto f = make(info, b, who);
  if (!f) return f.error();
  if (f->tiled_) {
    f->reading_ = &b;
    return f;
  }
  // map() needs a mutable buffer even to read (it may merge memories): a share of
  // the input reads the same bytes without touching the caller's buffer.
  f->linear_view_ = b.share();
  auto map = f->linear_view_.map(map_access::read);
  if (!map) return error(map.error().code, who + ": cannot map the input frame: " + map.error().message);
  f->linear_map_.emplace(std::move(*map));
  return f;
}

result<frame_blocks> frame_blocks::for_writing(const video_info& info, buffer& b, const std::string& who) {
  auto f = make(info, b, who);
  if (!f) return f.error();
  if (f->tiled_) {
    f->writing_ = &b;
    return f;
  }
  auto map = b.map(map_access::write);
  if (!map) return error(map.error().code, who + ": cannot map the output frame for writing: " + map.error().message);
  f->linear_map_.emplace(std::move(*map));
  return f;
}

result<frame_blocks::block> frame_blocks::map_block(std::size_t index) {
  if (index >= grid_.tile_count())
    return fail(errc::out_of_range, who_ + ": block " + std::to_string(index) + " of a frame of " +
                                        std::to_string(grid_.tile_count()));
  block out;
  if (!tiled_) {
    const tile_rect area = grid_.tile_area(index);
    out.first = linear_map_->data() + area.y * linear_stride_ + area.x * grid_.tag().bytes_per_pixel;
    out.stride = linear_stride_;
    return out;
  }
  if (writing_ != nullptr) {
    auto map = map_tile(*writing_, index, map_access::write);
    if (!map) return error(map.error().code, who_ + ": tile " + std::to_string(index) + ": " + map.error().message);
    out.map = std::move(*map);
  } else {
    // A handle of our own to map through; the buffer's list stays as it is.
    memory tile = reading_->peek_memory(index);
    auto map = tile.map(map_access::read);
    if (!map) return error(map.error().code, who_ + ": tile " + std::to_string(index) + ": " + map.error().message);
    out.map = std::move(*map);
  }
  out.first = out.map.data();
  out.stride = grid_.tile_stride_bytes();
  return out;
}

}  // namespace tessera::core
