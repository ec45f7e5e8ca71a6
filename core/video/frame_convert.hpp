#pragma once
/// Converting a whole raw video frame between formats (RGBA, RGB, GRAY8, and the
/// planar I420 and NV12 of yuv_convert.hpp) and layouts (linear, tiled), as
/// videoconvert does per frame. I420 and NV12 frames are linear only.
///
/// The tile grid of a frame is the same in pixels whatever its format (64x64 tiles,
/// see tiled_frame.hpp), only the bytes per pixel differ, so a conversion that
/// involves a tiled side runs block by block (frame_access::map_block): block i of the input is
/// converted into block i of the output, each tile mapped only while it is converted,
/// no gathering into a linear frame. Linear to linear converts the frame in one pass
/// (row by row when the rows have padding).
/// Plain functions: safe from any thread on distinct frames.

#include "core/video/video_info.hpp"
#include "core/memory/buffer.hpp"

#include <string>

namespace tessera::core {

/// Converts the frame `in` (described by `in_info`) into `out` (described by
/// `out_info`, same width and height): a tiled `out` must hold one writable memory
/// per tile (allocate_tiled_frame), a linear one out_info.size() bytes. Errors name
/// `who` and the mismatch (errc::invalid_argument).
result<void> convert_frame(const video_info& in_info, const buffer& in, const video_info& out_info, buffer& out,
                           const std::string& who);

}  // namespace tessera::core
