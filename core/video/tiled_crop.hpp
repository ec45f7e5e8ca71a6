#pragma once
/// Cropping a tiled frame (caps layout=tiled, see tiled_frame.hpp) into a tiled frame.
///
/// When the window starts on a tile boundary (left and top multiples of
/// frame_tile_period) the output's tiles are the input's tile memories, shared (no
/// byte copied): output tile (column, row) is input tile (column + left / 64, row +
/// top / 64), and the pixels of the input beyond the window in the last column and row
/// of tiles become the padding of the output's partial edge tiles. Any other window
/// starts inside a tile, so every output tile straddles up to four input tiles: new
/// tiles are allocated and exactly the window's pixels copied into them (counted
/// copies, one per row piece), mapping one output tile and the input tiles it needs
/// at a time.
/// Plain functions: safe from any thread on distinct frames.

#include "core/memory/buffer.hpp"
#include "core/video/tile_geometry.hpp"
#include "core/memory/allocator.hpp"

#include <cstddef>
#include <string>

namespace tessera::core {

/// Whether a window starting at (`left`, `top`) shares the input's tiles.
bool tiled_crop_shares_tiles(std::size_t left, std::size_t top) noexcept;

/// The window of `out_grid`'s size at (`left`, `top`) of the tiled frame `in` (tiled by
/// `in_grid`, same pixel format), as a new tiled buffer (no metadata). Errors
/// (errc::invalid_argument) name `who`: a window outside the frame, another format, a
/// buffer that is not a tiled frame of `in_grid`. Copied tiles come from `tiles`.
result<buffer> crop_tiled_frame(const buffer& in, const tile_grid& in_grid, const tile_grid& out_grid, std::size_t left,
                                std::size_t top, const std::string& who, allocator& tiles);

}  // namespace tessera::core
