#include "core/video/image_frame.hpp"

#include "core/memory/memory_block.hpp"
#include "core/video/tiled_frame.hpp"

#include <new>
#include <optional>
#include <string>
#include <vector>

namespace tessera::core {

namespace {

// A root block viewing the bytes of one image tile: its own pointer on the tile's
// storage, and the read use that keeps those bytes resident at `data` for the block's
// life. The guard borrows `ptr`, so it is declared after it (and released first).
struct image_tile_block : detail::memory_block {
  cow_ptr ptr;
  std::optional<cow_read_guard> use;
  allocator* copies = nullptr;
};

class image_tile_owner final : public detail::block_owner {
 public:
  constexpr image_tile_owner() noexcept : block_owner(false, true) {}
  void release_block(detail::memory_block* block) noexcept override {
    auto* b = static_cast<image_tile_block*>(block);
    b->use.reset();
    b->ptr.uninit();  // the storage goes with its last pointer (the image's, or this one)
    delete b;
  }
  std::string_view owner_name() const noexcept override { return "tiled image"; }
  // Writable in place only when no other pointer (the image's, another frame's) and no
  // detached reader still sees the storage. Once true it stays true: nobody else holds
  // this block's pointer to join it.
  bool foreign_writable(const detail::memory_block* root) const noexcept override {
    const cow_storage* s = static_cast<const image_tile_block*>(root)->ptr.storage();
    return s != nullptr && s->writable_in_place();
  }
};

constinit image_tile_owner image_tile_owner_instance;

result<memory> wrap_image_tile(tiled_image& image, std::size_t tile, allocator& copies, use_flags flags) {
  auto* block = new (std::nothrow) image_tile_block;
  if (!block) return fail(errc::no_memory, "frame from image: cannot allocate a header for tile " + std::to_string(tile));
  auto undo = [block] {
    block->use.reset();
    block->ptr.uninit();
    delete block;
  };
  if (auto r = block->ptr.init(); !r) {
    undo();
    return r.error();
  }
  if (auto r = image.join_tile(tile, block->ptr, flags); !r) {
    undo();
    return r.error();
  }
  auto g = block->ptr.read_guard();
  if (!g) {
    undo();
    return error(g.error().code, "frame from image: tile " + std::to_string(tile) + ": " + g.error().message);
  }
  block->use.emplace(std::move(*g));
  block->owner = &image_tile_owner_instance;
  // Read-only bytes of the storage, written through this memory only once it is the
  // storage's one pointer (foreign_writable).
  block->data = const_cast<std::byte*>(block->use->data());
  block->maxsize = block->use->size();
  block->offset = 0;
  block->size = block->use->size();
  block->align = cow_default_alignment;
  block->copies = &copies;
  return detail::adopt_block(block);
}

}  // namespace

result<buffer> frame_from_image(tiled_image& image, allocator& copies) {
  const tile_grid& g = image.grid();
  const axis_tiling frame_axis{frame_tile_period, 0};
  if (g.x() != frame_axis || g.y() != frame_axis) {
    return fail(errc::invalid_argument, "frame from image: the image's tiles are " + std::to_string(g.x().period) +
                                            "x" + std::to_string(g.y().period) + " with phase " +
                                            std::to_string(g.x().phase) + "," + std::to_string(g.y().phase) +
                                            ", a tiled frame's are " + std::to_string(frame_tile_period) + "x" +
                                            std::to_string(frame_tile_period) + " with phase 0");
  }
  // The whole frame is pinned while it is in flight, so it is resident at once whatever
  // the cache's budget. First the tiles resident already are pinned, without making
  // room: room made for them would evict the idle tiles this frame pins next (the
  // least recently used are exactly those, the previous frame having used them in the
  // same order), to read them back a moment later. Then the others are validated or
  // swapped in, each making room as a use does; only tiles no frame holds can go.
  std::vector<memory> tiles(g.tile_count());
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < g.tile_count(); ++i) {
      if (tiles[i]) continue;
      const bool ready = image.query(i).valid && image.is_resident(i);
      if (pass == 0 && !ready) continue;
      auto m = wrap_image_tile(image, i, copies, pass == 0 ? use_flags::no_make_room : use_flags::none);
      if (!m) return m.error();
      tiles[i] = std::move(*m);
    }
  }
  buffer b;
  for (memory& m : tiles) {
    if (auto r = b.append_memory(std::move(m)); !r) return r.error();
  }
  return b;
}

allocator* image_tile_copy_allocator(const memory& m) noexcept {
  const detail::memory_block* block = m.block_for_allocators();
  if (block == nullptr) return nullptr;
  block = detail::root_block(const_cast<detail::memory_block*>(block));
  if (block->owner != &image_tile_owner_instance) return nullptr;
  return static_cast<const image_tile_block*>(block)->copies;
}

}  // namespace tessera::core
