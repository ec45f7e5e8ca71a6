#pragma once
/// Tiled frames made of a tiled_image's tiles, without a copy: a source whose picture
/// does not change between frames (testsrc's still patterns) keeps the picture in one
/// image and hands out every frame as a buffer of memories sharing its tile storage.
///
/// Each tile memory of such a frame holds its own copy-on-write pointer joined to the
/// image's tile (tiled_image::join_tile) and one read use of it, for as long as the
/// memory lives:
///  - the first frame validates the image's tiles (the validator paints them); every
///    later frame only shares them: no allocation, no byte copied (memory counters);
///  - a frame in flight pins the tiles it holds (the read use): the tile cache swaps an
///    image tile out only while no frame holds it, and the memory's address stays valid;
///  - the memory is writable only when nothing else shares its storage (the memory
///    core's foreign-reference rule, as for FFmpeg buffers: av_frame_memory.hpp). While
///    the image holds the tile it is not, so a downstream writer (make_tile_writable,
///    map_tile for write) copies the tiles it writes, and only those, to the allocator
///    given here; the image and the next frame keep their pixels.
///
/// The memories are GstMemory-like `memory` objects (tiled_frame.hpp): tee, queues and
/// sinks treat them as any tile memory.
///
/// Thread safety: frame_from_image uses the image (one thread at a time, the image's
/// rule); the frame and its memories may then travel to and die on any thread.

#include "core/memory/allocator.hpp"
#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"
#include "core/video/tiled_image.hpp"

namespace tessera::core {

/// A tiled frame (tiled_frame.hpp: memory i is tile i) whose tiles share `image`'s,
/// validating the ones not valid yet. The image must be tiled as frames are
/// (frame_tile_period, phase 0: errc::invalid_argument otherwise). `copies` is where a
/// writer's copy of one of these tiles comes from (the runtime's tiled frame allocator,
/// so it counts against the tile cache as the frame's other tiles do); it must outlive
/// the frame. Errors: the image's use() errors, naming the tile.
result<buffer> frame_from_image(tiled_image& image, allocator& copies);

/// The allocator given to frame_from_image for `m`, a tile memory of such a frame;
/// nullptr for any other memory.
allocator* image_tile_copy_allocator(const memory& m) noexcept;

}  // namespace tessera::core
