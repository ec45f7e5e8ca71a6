#pragma once
/// How a tiled video frame travels in a buffer (caps `layout=tiled`).
///
/// The buffer holds one memory per tile, row by row (memory i is tile i of the
/// frame's tile_grid), each tile_bytes() long: tiles of frame_tile_period x
/// frame_tile_period pixels, phase 0, rows of period pixels, partial tiles at the right
/// and bottom edges fully allocated. Each tile being its own memory is what makes a
/// write to a region cheap on a shared frame: after a tee every memory has two
/// references, and make_tile_writable() copies only the tiles a writer touches
/// (GStreamer and FFmpeg copy the whole frame), the memory core's refcount rule doing
/// the rest. Each memory is one GstMemory-like `memory` rather than a `cow_ptr` since
/// frames in flight are what buffers, tee and queues already move and count; an image
/// kept beyond a frame (a cache, a swap) is a tiled_image.
///
/// Plain functions on buffers: the buffer's thread rules apply.

#include "core/video/video_info.hpp"
#include "core/memory/allocator.hpp"
#include "core/memory/buffer.hpp"
#include "core/memory/system_allocator.hpp"
#include "core/video/tile_geometry.hpp"

#include <cstddef>
#include <optional>
#include <span>

namespace tessera::core {

/// Tile size of tiled frames, pixels in x and y.
inline constexpr std::size_t frame_tile_period = 64;

/// The tiling of frames described by `info` (its layout is not looked at).
result<tile_grid> frame_tile_grid(const video_info& info);

/// The tiling of frames described by `info` when its layout is tiled; none when linear.
result<std::optional<tile_grid>> tile_grid_if_tiled(const video_info& info);

/// Bytes of one frame of fixed raw video caps `c` as it travels in a buffer: every
/// tile's bytes (partial edge tiles are whole) for layout=tiled, info.size() for
/// linear; empty when `c` is not fixed raw video. What a video transform's
/// get_unit_size answers.
std::optional<std::size_t> video_frame_bytes(const caps& c);

/// A buffer of g.tile_count() memories of g.tile_bytes() from `a`, contents unset.
/// Elements pass their runtime's tiled_frame_allocator() (graph/runtime.hpp): the
/// tile cache, whose budget the frame then counts against and whose swap file its
/// cold tiles may go to.
result<buffer> allocate_tiled_frame(const tile_grid& g, allocator& a);

/// errc::invalid_argument unless `b` holds exactly one memory of tile_bytes() per
/// tile; `who` starts the message.
result<void> check_tiled_frame(const buffer& b, const tile_grid& g, const std::string& who);

/// Makes tile `index` of `b` writable: a shared or read-only tile memory is replaced
/// by a counted copy of itself (in the tile cache the tile came from, or where the
/// frame of a tiled_image's tiles says, image_frame.hpp; a tile from another allocator
/// is copied to the system allocator); a tile only `b` holds is kept. Returns whether it
/// copied. The buffer then has WRITE permission for that tile.
result<bool> make_tile_writable(buffer& b, std::size_t index);

/// Maps tile `index` of `b`. For write access the tile is made writable first
/// (make_tile_writable: a copy only when shared); `copied`, if given, says whether it
/// was copied.
result<memory_map> map_tile(buffer& b, std::size_t index, map_access access, bool* copied = nullptr);

/// Writes packed linear rows (`in`, `in_stride` bytes apart, the whole frame) into
/// the tiles of `b`, which must be writable. A producer filling its own frame: a plain
/// memcpy, not counted as a copy.
result<void> scatter_rows(buffer& b, const tile_grid& g, std::span<const std::byte> in, std::size_t in_stride);
/// The same for frame rows [y, y + rows) only, `in` holding just those rows: a producer
/// filling its frame band by band. The tiles those rows touch must lie in them whole
/// in y (y and rows multiples of the tile height, or reaching the frame's bottom),
/// else errc::invalid_argument: a partly written tile would be left half unset.
result<void> scatter_band(buffer& b, const tile_grid& g, std::size_t y, std::size_t rows,
                          std::span<const std::byte> in, std::size_t in_stride);

/// Gathers rows [y, y + rows) of the tiled frame `b` into `out` as packed rows
/// `out_stride` bytes apart: one counted copy per tile piece.
result<void> gather_rows(const buffer& b, const tile_grid& g, std::size_t y, std::size_t rows,
                         std::span<std::byte> out, std::size_t out_stride);

}  // namespace tessera::core
