#include "core/video/tiled_frame.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/system_allocator.hpp"
#include "core/video/image_frame.hpp"
#include "core/tiles/frame_tile_allocator.hpp"

#include <cstring>
#include <string>

namespace tessera::core {

result<tile_grid> frame_tile_grid(const video_info& info) {
  return tile_grid::make(tile_tag::of(info.format()), static_cast<std::size_t>(info.width()),
                         static_cast<std::size_t>(info.height()), {frame_tile_period, 0}, {frame_tile_period, 0});
}

result<std::optional<tile_grid>> tile_grid_if_tiled(const video_info& info) {
  if (info.layout() != video_layout::tiled) return std::optional<tile_grid>{};
  auto g = frame_tile_grid(info);
  if (!g) return g.error();
  return std::optional<tile_grid>{*g};
}

std::optional<std::size_t> video_frame_bytes(const caps& c) {
  auto info = video_info::from_caps(c);
  if (!info) return std::nullopt;
  auto g = tile_grid_if_tiled(*info);
  if (!g) return std::nullopt;
  return *g ? (*g)->tile_count() * (*g)->tile_bytes() : info->size();
}

result<buffer> allocate_tiled_frame(const tile_grid& g, allocator& a) {
  buffer b;
  for (std::size_t i = 0; i < g.tile_count(); ++i) {
    auto m = a.allocate(g.tile_bytes());
    if (!m) return m.error();
    if (auto r = b.append_memory(std::move(*m)); !r) return r.error();
  }
  return b;
}

result<void> check_tiled_frame(const buffer& b, const tile_grid& g, const std::string& who) {
  if (b.n_memory() != g.tile_count()) {
    return fail(errc::invalid_argument, who + ": a tiled " + std::to_string(g.width()) + "x" +
                                            std::to_string(g.height()) + " frame needs " +
                                            std::to_string(g.tile_count()) + " tile memories, the buffer has " +
                                            std::to_string(b.n_memory()));
  }
  for (std::size_t i = 0; i < b.n_memory(); ++i) {
    if (b.peek_memory(i).size() != g.tile_bytes()) {
      return fail(errc::invalid_argument, who + ": tile " + std::to_string(i) + " is " +
                                              std::to_string(b.peek_memory(i).size()) + " bytes, not " +
                                              std::to_string(g.tile_bytes()));
    }
  }
  return {};
}

result<bool> make_tile_writable(buffer& b, std::size_t index) {
  const memory& m = b.peek_memory(index);
  if (!m) return fail(errc::out_of_range, "tile " + std::to_string(index) + " is not in the buffer");
  if (m.is_writable()) return false;
  // The copy is a frame tile too: it goes to the original's tile cache, or for a tile
  // of a tiled_image to the allocator its frame named (image_frame.hpp); a tile from
  // elsewhere was never in a cache, and its copy is not either.
  allocator* to = frame_tile_allocator::of(m);
  if (to == nullptr) to = image_tile_copy_allocator(m);
  auto copy = (to != nullptr ? *to : system_allocator()).allocate(m.size());
  if (!copy) return copy.error();
  {
    auto source = m.bytes_pinned();
    if (!source) return source.error();
    auto target = copy->map(map_access::write);
    if (!target) return target.error();
    counted_copy(target->data(), m.data(), m.size());
  }
  if (auto r = b.replace_memory(index, std::move(*copy)); !r) return r.error();
  return true;
}

result<memory_map> map_tile(buffer& b, std::size_t index, map_access access, bool* copied) {
  if (index >= b.n_memory()) return fail(errc::out_of_range, "tile " + std::to_string(index) + " is not in the buffer");
  if ((access & map_access::write) == map_access::write) {
    auto c = make_tile_writable(b, index);
    if (!c) return c.error();
    if (copied != nullptr) *copied = *c;
  }
  // buffer exposes its memories read-only; mapping changes no handle in the list (which
  // memory the buffer holds stays the same), and the handle is the buffer's own.
  return const_cast<memory&>(b.peek_memory(index)).map(access);
}

result<void> scatter_band(buffer& b, const tile_grid& g, std::size_t y, std::size_t rows,
                          std::span<const std::byte> in, std::size_t in_stride) {
  const std::size_t bpp = g.tag().bytes_per_pixel;
  const std::size_t period = g.y().period;
  const std::size_t end = y + rows;
  if (rows == 0 || end > g.height() || (g.y().offset_in_tile(y) != 0) ||
      (end != g.height() && g.y().offset_in_tile(end) != 0) || in.size() < in_stride * (rows - 1) + g.width() * bpp) {
    return fail(errc::invalid_argument, "tiled frame: rows [" + std::to_string(y) + ", " + std::to_string(end) +
                                            ") are not whole rows of " + std::to_string(period) +
                                            "-pixel tiles inside the " + std::to_string(g.height()) +
                                            "-row frame, or the input is short");
  }
  const std::size_t first = g.tile_at(0, y);
  const std::size_t last = g.tile_at(0, end - 1) + g.tiles_across();
  for (std::size_t i = first; i < last; ++i) {
    const tile_rect area = g.tile_area(i);
    auto map = map_tile(b, i, map_access::write);
    if (!map) return fail(errc::not_writable, "tiled frame: tile " + std::to_string(i) + ": " + map.error().message);
    for (std::size_t r = 0; r < area.height; ++r) {
      std::memcpy(map->data() + r * g.tile_stride_bytes(), in.data() + (area.y - y + r) * in_stride + area.x * bpp,
                  area.width * bpp);
    }
  }
  return {};
}

result<void> scatter_rows(buffer& b, const tile_grid& g, std::span<const std::byte> in, std::size_t in_stride) {
  return scatter_band(b, g, 0, g.height(), in, in_stride);
}

result<void> gather_rows(const buffer& b, const tile_grid& g, std::size_t y, std::size_t rows,
                         std::span<std::byte> out, std::size_t out_stride) {
  const std::size_t bpp = g.tag().bytes_per_pixel;
  const std::size_t row_bytes = g.width() * bpp;
  if (rows == 0) return {};
  if (y + rows > g.height() || out_stride < row_bytes || out.size() < out_stride * (rows - 1) + row_bytes) {
    return fail(errc::out_of_range, "tiled frame: rows [" + std::to_string(y) + ", " + std::to_string(y + rows) +
                                        ") of a " + std::to_string(g.width()) + "x" + std::to_string(g.height()) +
                                        " frame do not fit " + std::to_string(out.size()) + " bytes");
  }
  for (std::size_t py = y; py < y + rows;) {
    std::size_t band = 0;
    for (std::size_t px = 0; px < g.width();) {
      auto p = g.focus({px, py, g.width() - px, y + rows - py});
      if (!p) return p.error();
      const memory& m = b.peek_memory(p->tile_index);
      const std::byte* tile = m.data();
      if (tile == nullptr) return fail(errc::invalid_argument, "tiled frame: tile " + std::to_string(p->tile_index) + " is missing");
      auto pinned = m.bytes_pinned();
      if (!pinned) return pinned.error();
      for (std::size_t r = 0; r < p->area.height; ++r) {
        counted_copy(out.data() + (py - y + r) * out_stride + px * bpp, tile + p->offset_bytes + r * p->stride_bytes,
                     p->area.width * bpp);
      }
      px += p->area.width;
      band = p->area.height;
    }
    py += band;
  }
  return {};
}

}  // namespace tessera::core
