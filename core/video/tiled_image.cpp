#include "core/video/tiled_image.hpp"

#include "core/memory/counters.hpp"
#include "core/tiles/tile_cache.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <string>

namespace tessera::core {
namespace {

std::string tile_name(std::size_t tile) { return "tile " + std::to_string(tile); }

}  // namespace

// ------------------------------------------------------------------ tile_use

tile_use::tile_use(cow_read_guard g, portion p, tile_access a) noexcept
    : tile_(const_cast<std::byte*>(g.data()), g.size()), portion_(p), access_(a) {
  // An update use writes the storage every sharer sees (the design's update); the
  // pointer itself only holds a read use, so it does not detach.
  guard_ = std::move(g);
}

tile_use::tile_use(cow_write_guard g, portion p) noexcept
    : tile_(g.data(), g.size()), portion_(p), access_(tile_access::write) {
  guard_ = std::move(g);
}

void tile_use::release() noexcept {
  guard_ = std::monostate{};
  tile_ = {};
}

// ------------------------------------------------------------------ tiled_image

tiled_image::tiled_image(tile_grid grid, cow_block_manager& manager)
    : grid_(grid), manager_(&manager), mgr_(dynamic_cast<tile_cache*>(&manager)), tiles_(new tile_slot[grid.tile_count()]) {
  if (mgr_ != nullptr) {
    for (std::size_t i = 0; i < grid_.tile_count(); ++i) mgr_->track(tiles_[i]);
  }
}

void tiled_image::untrack_all() noexcept {
  if (mgr_ == nullptr || !tiles_) return;
  for (std::size_t i = 0; i < grid_.tile_count(); ++i) {
    // The tile's mutex first: an eviction of this tile in progress holds it.
    std::lock_guard tile_lock(tiles_[i].mutex);
    mgr_->untrack(tiles_[i]);
  }
}

tiled_image::~tiled_image() { untrack_all(); }

tiled_image& tiled_image::operator=(tiled_image&& other) noexcept {
  if (this != &other) {
    untrack_all();
    grid_ = other.grid_;
    manager_ = other.manager_;
    mgr_ = other.mgr_;
    tiles_ = std::move(other.tiles_);
    validator_ = std::move(other.validator_);
  }
  return *this;
}

bool tiled_image::is_resident(std::size_t tile) const {
  if (tile >= grid_.tile_count()) return true;
  std::lock_guard lock(tiles_[tile].mutex);
  const cow_storage* s = tiles_[tile].ptr.storage();
  return s == nullptr || s->resident();
}

result<tiled_image> tiled_image::create(const tile_tag& tag, std::size_t width, std::size_t height,
                                        const axis_tiling& x, const axis_tiling& y, cow_block_manager& manager) {
  auto grid = tile_grid::make(tag, width, height, x, y);
  if (!grid) return grid.error();
  tiled_image image(*grid, manager);
  for (std::size_t i = 0; i < grid->tile_count(); ++i) {
    if (auto r = image.tiles_[i].ptr.init(); !r) return r.error();
  }
  return image;
}

result<void> tiled_image::check_index(std::size_t tile, const char* op) const {
  if (tile >= grid_.tile_count()) {
    return fail(errc::out_of_range, std::string("tiled image ") + op + ": " + tile_name(tile) +
                                        " does not exist (the image has " + std::to_string(grid_.tile_count()) +
                                        " tiles)");
  }
  return {};
}

result<void> tiled_image::alloc(std::size_t tile) {
  if (auto r = check_index(tile, "alloc"); !r) return r;
  std::lock_guard lock(tiles_[tile].mutex);
  return alloc_locked(tile);
}

result<void> tiled_image::alloc_locked(std::size_t tile) {
  tile_slot& s = tiles_[tile];
  if (s.ptr.state() != cow_state::unalloc) {
    return fail(errc::bad_state, "tiled image alloc: " + tile_name(tile) + " is already allocated");
  }
  if (auto r = s.ptr.alloc(grid_.tile_bytes(), cow_default_alignment, *manager_); !r) {
    return error(r.error().code, "tiled image alloc: " + tile_name(tile) + ": " + r.error().message);
  }
  s.valid = false;
  return {};
}

result<void> tiled_image::unalloc(std::size_t tile) {
  if (auto r = check_index(tile, "unalloc"); !r) return r;
  tile_slot& s = tiles_[tile];
  std::lock_guard lock(s.mutex);
  if (s.ptr.state() == cow_state::unalloc) return {};
  if (s.ptr.read_uses() + s.ptr.write_uses() > 0) {
    return fail(errc::bad_state, "tiled image unalloc: " + tile_name(tile) + " is in use; release it first");
  }
  // A shared tile lets go of its share: uninit + init is the pointer's way back to
  // UNALLOC from any state, and it leaves the other images' storage alone.
  s.ptr.uninit();
  (void)s.ptr.init();
  s.valid = false;
  return {};
}

result<void> tiled_image::run_validator(std::size_t tile) {
  tile_slot& s = tiles_[tile];
  auto guard = s.ptr.write_guard();
  if (!guard) return error(guard.error().code, "tiled image validate: " + tile_name(tile) + ": " + guard.error().message);
  if (validator_) {
    validator_(grid_, tile, grid_.tile_area(tile), guard->bytes());
  } else {
    std::memset(guard->data(), 0, guard->size());
  }
  s.valid = true;
  return {};
}

result<void> tiled_image::validate(std::size_t tile) {
  if (auto r = check_index(tile, "validate"); !r) return r;
  tile_slot& s = tiles_[tile];
  std::lock_guard lock(s.mutex);
  if (s.ptr.state() == cow_state::unalloc) {
    return fail(errc::bad_state, "tiled image validate: " + tile_name(tile) + " is not allocated; alloc it first");
  }
  if (s.valid) return {};
  return run_validator(tile);
}

result<void> tiled_image::invalidate(std::size_t tile) {
  if (auto r = check_index(tile, "invalidate"); !r) return r;
  tiles_[tile].valid = false;
  return {};
}

tile_status tiled_image::query(std::size_t tile) const {
  if (tile >= grid_.tile_count()) return {};
  const tile_slot& s = tiles_[tile];
  std::lock_guard lock(s.mutex);
  return {s.ptr.state() != cow_state::unalloc, s.valid, s.ptr.state()};
}

result<tile_use> tiled_image::use(const portion& p, tile_access access, use_flags flags) {
  const std::size_t tile = p.tile_index;
  if (auto r = check_index(tile, "use"); !r) return r.error();
  tile_slot& s = tiles_[tile];
  // Make room first, outside any lock of ours. A failed swap-out keeps the tiles in
  // memory and is kept by the manager for the element to report; the use goes on.
  if (mgr_ != nullptr && !has(flags, use_flags::no_make_room))
    (void)mgr_->enforce_budget(&s, is_resident(tile) && query(tile).allocated ? 0 : grid_.tile_bytes());
  std::lock_guard lock(s.mutex);
  const cow_storage* before = s.ptr.storage();
  const bool was_resident = before == nullptr || before->resident();
  if (s.ptr.state() == cow_state::unalloc) {
    if (has(flags, use_flags::no_auto_alloc)) {
      return fail(errc::bad_state, "tiled image use: " + tile_name(tile) + " is not allocated (auto-alloc is off)");
    }
    if (auto r = alloc_locked(tile); !r) return r.error();
  }
  if (!s.valid) {
    if (!has(flags, use_flags::no_auto_validate)) {
      if (auto r = run_validator(tile); !r) return r.error();
    } else if (access == tile_access::read) {
      return fail(errc::bad_state, "tiled image use: " + tile_name(tile) +
                                       " holds no valid pixels to read (auto-validate is off)");
    } else {
      s.valid = true;  // the writer supplies the pixels
    }
  }
  if (mgr_ != nullptr && before != nullptr) mgr_->touch(s, was_resident);
  if (access == tile_access::write) {
    auto g = s.ptr.write_guard();
    if (!g) return error(g.error().code, "tiled image use: " + tile_name(tile) + ": " + g.error().message);
    return tile_use(std::move(*g), p);
  }
  auto g = s.ptr.read_guard();
  if (!g) return error(g.error().code, "tiled image use: " + tile_name(tile) + ": " + g.error().message);
  return tile_use(std::move(*g), p, access);
}

result<void> tiled_image::join_tile(std::size_t tile, cow_ptr& into, use_flags flags) {
  if (auto r = check_index(tile, "join_tile"); !r) return r;
  auto grid_portion = grid_.focus(grid_.tile_area(tile));
  if (!grid_portion) return grid_portion.error();
  // A read use does the auto-alloc, validation, budget and LRU work; while it is held
  // the storage is resident and cannot be swapped out under the join.
  auto u = use(*grid_portion, tile_access::read, flags);
  if (!u) return u.error();
  tile_slot& s = tiles_[tile];
  std::lock_guard lock(s.mutex);
  if (auto r = into.join(s.ptr); !r) {
    return error(r.error().code, "tiled image join_tile: " + tile_name(tile) + ": " + r.error().message);
  }
  return {};
}

result<void> tiled_image::map_tile(std::size_t tile, const tiled_image& source, std::size_t source_tile) {
  if (auto r = check_index(tile, "map_tile"); !r) return r;
  if (auto r = source.check_index(source_tile, "map_tile (source)"); !r) return r;
  if (source.grid_.tile_bytes() != grid_.tile_bytes()) {
    return fail(errc::invalid_argument, "tiled image map_tile: tiles of " + std::to_string(source.grid_.tile_bytes()) +
                                            " bytes cannot stand for tiles of " + std::to_string(grid_.tile_bytes()));
  }
  if (this == &source && tile == source_tile) return {};
  if (auto r = unalloc(tile); !r) return fail(errc::bad_state, "tiled image map_tile: " + r.error().message);
  tile_slot& to = tiles_[tile];
  const tile_slot& from = source.tiles_[source_tile];
  std::scoped_lock lock(to.mutex, from.mutex);
  if (from.ptr.state() == cow_state::unalloc) return {};
  if (auto r = to.ptr.join(from.ptr); !r) {
    return error(r.error().code, "tiled image map_tile: " + tile_name(tile) + ": " + r.error().message);
  }
  to.valid = from.valid;
  return {};
}

result<tiled_image> tiled_image::share() const {
  tiled_image copy(grid_, *manager_);
  copy.validator_ = validator_;
  for (std::size_t i = 0; i < grid_.tile_count(); ++i) {
    tile_slot& to = copy.tiles_[i];
    const tile_slot& from = tiles_[i];
    std::scoped_lock lock(to.mutex, from.mutex);
    if (auto r = to.ptr.init(); !r) return r.error();
    if (from.ptr.state() == cow_state::unalloc) continue;
    if (auto r = to.ptr.join(from.ptr); !r) {
      return error(r.error().code, "tiled image share: " + tile_name(i) + ": " + r.error().message);
    }
    to.valid = from.valid;
  }
  return copy;
}

result<void> tiled_image::read_rows(std::size_t y, std::size_t rows, std::span<std::byte> out,
                                    std::size_t out_stride) {
  const std::size_t row_bytes = grid_.width() * grid_.tag().bytes_per_pixel;
  if (rows == 0) return {};
  if (y + rows > grid_.height() || out_stride < row_bytes || out.size() < out_stride * (rows - 1) + row_bytes) {
    return fail(errc::out_of_range, "tiled image read_rows: rows [" + std::to_string(y) + ", " +
                                        std::to_string(y + rows) + ") of a " + std::to_string(grid_.width()) + "x" +
                                        std::to_string(grid_.height()) + " image into " +
                                        std::to_string(out.size()) + " bytes with stride " +
                                        std::to_string(out_stride));
  }
  const std::size_t bpp = grid_.tag().bytes_per_pixel;
  // Walk the rows by portions, as any element would: each portion is one tile's part.
  for (std::size_t py = y; py < y + rows;) {
    std::size_t band = 0;
    for (std::size_t px = 0; px < grid_.width();) {
      auto p = grid_.focus({px, py, grid_.width() - px, y + rows - py});
      if (!p) return p.error();
      auto u = use(*p, tile_access::read);
      if (!u) return u.error();
      for (std::size_t r = 0; r < p->area.height; ++r) {
        counted_copy(out.data() + (py - y + r) * out_stride + px * bpp, u->data() + r * p->stride_bytes,
                     p->area.width * bpp);
      }
      px += p->area.width;
      band = p->area.height;
    }
    py += band;
  }
  return {};
}

result<std::span<const std::byte>> tiled_image::rows_in_place(std::size_t y, std::size_t rows,
                                                              std::optional<tile_use>& use_out) {
  use_out.reset();
  if (grid_.tiles_across() != 1 || grid_.x().phase != 0 || rows == 0) return std::span<const std::byte>();
  auto p = grid_.focus({0, y, grid_.width(), rows});
  if (!p) return p.error();
  if (p->area.height != rows) return std::span<const std::byte>();
  auto u = use(*p, tile_access::read);
  if (!u) return u.error();
  const std::size_t bytes = (rows - 1) * p->stride_bytes + grid_.width() * grid_.tag().bytes_per_pixel;
  std::span<const std::byte> view(u->data(), bytes);
  use_out.emplace(std::move(*u));
  return view;
}

result<void> tiled_image::write_rows(std::size_t y, std::size_t rows, std::span<const std::byte> in,
                                     std::size_t in_stride) {
  const std::size_t bpp = grid_.tag().bytes_per_pixel;
  const std::size_t row_bytes = grid_.width() * bpp;
  if (rows == 0) return {};
  if (y + rows > grid_.height() || in_stride < row_bytes || in.size() < in_stride * (rows - 1) + row_bytes) {
    return fail(errc::out_of_range, "tiled image write_rows: rows [" + std::to_string(y) + ", " +
                                        std::to_string(y + rows) + ") of a " + std::to_string(grid_.width()) + "x" +
                                        std::to_string(grid_.height()) + " image from " +
                                        std::to_string(in.size()) + " bytes with stride " +
                                        std::to_string(in_stride));
  }
  for (std::size_t py = y; py < y + rows;) {
    std::size_t band = 0;
    for (std::size_t px = 0; px < grid_.width();) {
      auto p = grid_.focus({px, py, grid_.width() - px, y + rows - py});
      if (!p) return p.error();
      // A tile entirely covered needs no validation: every pixel is written here.
      const bool covers = p->area == grid_.tile_area(p->tile_index);
      auto u = use(*p, tile_access::write, covers ? use_flags::no_auto_validate : use_flags::none);
      if (!u) return u.error();
      for (std::size_t r = 0; r < p->area.height; ++r) {
        std::memcpy(u->writable_data() + r * p->stride_bytes, in.data() + (py - y + r) * in_stride + px * bpp,
                    p->area.width * bpp);
      }
      px += p->area.width;
      band = p->area.height;
    }
    py += band;
  }
  return {};
}

boost::asio::awaitable<result<tile_use>> async_use(tiled_image& image, portion p, tile_access access,
                                                   use_flags flags) {
  if (image.manager() == nullptr || image.is_resident(p.tile_index)) co_return image.use(p, access, flags);
  auto home = co_await boost::asio::this_coro::executor;
  co_await boost::asio::post(boost::asio::bind_executor(image.manager()->swap_io().get_executor(), boost::asio::use_awaitable));
  auto used = image.use(p, access, flags);  // the swap-in reads here, on the I/O thread
  co_await boost::asio::post(boost::asio::bind_executor(home, boost::asio::use_awaitable));
  co_return used;
}

}  // namespace tessera::core
