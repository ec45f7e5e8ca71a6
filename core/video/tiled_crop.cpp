#include "core/video/tiled_crop.hpp"

#include "core/memory/counters.hpp"
#include "core/video/tiled_frame.hpp"

namespace tessera::core {

namespace {

result<buffer> share_tiles(const buffer& in, const tile_grid& in_grid, const tile_grid& out_grid, std::size_t left,
                           std::size_t top) {
  const std::size_t first_column = left / frame_tile_period;
  const std::size_t first_row = top / frame_tile_period;
  buffer out;
  for (std::size_t row = 0; row < out_grid.tiles_down(); ++row) {
    for (std::size_t column = 0; column < out_grid.tiles_across(); ++column) {
      // A second handle on the same memory: a reference, not a copy.
      memory tile = in.peek_memory((first_row + row) * in_grid.tiles_across() + first_column + column);
      if (auto r = out.append_memory(std::move(tile)); !r) return r.error();
    }
  }
  return out;
}

result<buffer> copy_window(const buffer& in, const tile_grid& in_grid, const tile_grid& out_grid, std::size_t left,
                           std::size_t top, const std::string& who, allocator& tiles) {
  auto out = allocate_tiled_frame(out_grid, tiles);
  if (!out) return error(out.error().code, who + ": " + out.error().message);
  const std::size_t bpp = out_grid.tag().bytes_per_pixel;
  const std::size_t out_stride = out_grid.tile_stride_bytes();
  for (std::size_t i = 0; i < out_grid.tile_count(); ++i) {
    const tile_rect area = out_grid.tile_area(i);
    auto dst = map_tile(*out, i, map_access::write);
    if (!dst) return error(dst.error().code, who + ": output tile " + std::to_string(i) + ": " + dst.error().message);
    // The same pixels in the input, walked by the portions of the input's tiles.
    const tile_rect want{area.x + left, area.y + top, area.width, area.height};
    for (std::size_t y = want.y; y < want.bottom();) {
      std::size_t band = 0;
      for (std::size_t x = want.x; x < want.right();) {
        auto p = in_grid.focus({x, y, want.right() - x, want.bottom() - y});
        if (!p) return error(p.error().code, who + ": " + p.error().message);
        memory tile = in.peek_memory(p->tile_index);
        auto src = tile.map(map_access::read);
        if (!src) return error(src.error().code, who + ": input tile " + std::to_string(p->tile_index) + ": " +
                                                     src.error().message);
        std::byte* to = dst->data() + (y - want.y) * out_stride + (x - want.x) * bpp;
        const std::byte* from = src->data() + p->offset_bytes;
        for (std::size_t r = 0; r < p->area.height; ++r)
          counted_copy(to + r * out_stride, from + r * p->stride_bytes, p->area.width * bpp);
        x += p->area.width;
        band = p->area.height;
      }
      y += band;
    }
  }
  return out;
}

}  // namespace

bool tiled_crop_shares_tiles(std::size_t left, std::size_t top) noexcept {
  return left % frame_tile_period == 0 && top % frame_tile_period == 0;
}

result<buffer> crop_tiled_frame(const buffer& in, const tile_grid& in_grid, const tile_grid& out_grid, std::size_t left,
                                std::size_t top, const std::string& who, allocator& tiles) {
  if (in_grid.tag() != out_grid.tag() || left + out_grid.width() > in_grid.width() ||
      top + out_grid.height() > in_grid.height())
    return fail(errc::invalid_argument, who + ": cannot cut a " + std::to_string(out_grid.width()) + "x" +
                                            std::to_string(out_grid.height()) + " " +
                                            std::string(to_string(out_grid.tag().format)) + " window at (" +
                                            std::to_string(left) + ", " + std::to_string(top) + ") from a " +
                                            std::to_string(in_grid.width()) + "x" + std::to_string(in_grid.height()) +
                                            " " + std::string(to_string(in_grid.tag().format)) + " frame");
  if (auto ok = check_tiled_frame(in, in_grid, who); !ok) return ok.error();
  if (tiled_crop_shares_tiles(left, top)) return share_tiles(in, in_grid, out_grid, left, top);
  return copy_window(in, in_grid, out_grid, left, top, who, tiles);
}

}  // namespace tessera::core
