#pragma once
/// Decoded FFmpeg frames as tessera memory, without a copy (the FFmpeg ownership
/// seed): each memory's owner holds its own AVBufferRef on the bytes it shows, so the
/// bytes live as long as the memory does whatever the decoder does with its frame.
///
/// Writability follows av_buffer_is_writable: a memory is writable (memory core rule:
/// one handle, no READONLY) only while its AVBufferRef is the only reference too.
/// While the decoder still holds the frame (a reference frame of H.264), a write goes
/// through buffer::make_writable / map(write), which copies, as FFmpeg's
/// av_frame_make_writable does; once the decoder lets go, the same memory becomes
/// writable in place.
///
/// Layout of a video frame buffer: one memory per plane (I420: Y, U, V; NV12: Y, UV;
/// packed formats: one), each holding the plane's rows `linesize` bytes apart, the
/// last row without its padding (stride * (rows - 1) + row bytes, as video_info
/// counts a frame). When every linesize equals the row's bytes the memories laid end
/// to end are exactly `ffmpeg -f rawvideo` of the frame.

#include "core/memory/buffer.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" {
struct AVBufferRef;
struct AVFrame;
}

namespace tessera::core {

/// `size` bytes at `data`, which lie inside `ref`'s buffer, as a memory holding a new
/// reference on `ref`. Errors: data outside the buffer (errc::out_of_range), out of
/// memory.
result<memory> wrap_av_buffer(const AVBufferRef* ref, const std::uint8_t* data, std::size_t size);

/// Bytes from one row of a plane to the next, and the plane's rows and row bytes.
struct av_plane {
  std::size_t stride = 0;
  std::size_t rows = 0;
  std::size_t row_bytes = 0;
  std::size_t bytes() const noexcept { return rows == 0 ? 0 : stride * (rows - 1) + row_bytes; }
};

/// The planes of a video frame of `frame`'s format and size (empty for a format
/// FFmpeg does not describe, or a hardware one).
std::vector<av_plane> av_video_planes(const AVFrame& frame);

/// The decoded video frame as a buffer of one memory per plane (see above), no copy.
/// Errors: a frame without reference-counted buffers, or a format without planes.
result<buffer> wrap_av_video_frame(const AVFrame& frame);

/// Packed (interleaved) audio: data[0]'s nb_samples * channels samples as one memory.
result<buffer> wrap_av_audio_frame(const AVFrame& frame, std::size_t bytes_per_sample);

}  // namespace tessera::core
