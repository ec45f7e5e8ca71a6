#pragma once
/// The layout of raw video frames described by fixed `video/x-raw` caps
/// (GStreamer's GstVideoInfo, reduced to tessera's formats).

#include "core/caps/caps.hpp"
#include "core/caps/fraction.hpp"
#include "core/support/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace tessera::core {

/// Pixel formats of video/x-raw; caps names "RGBA", "RGB", "GRAY8", "I420", "NV12".
/// I420 and NV12 are planar 8-bit YUV 4:2:0 (GStreamer's and FFmpeg's yuv420p and
/// nv12): a Y plane of width x height, then U and V planes of
/// ceil(width/2) x ceil(height/2) (I420), or one plane of interleaved U,V pairs
/// (NV12). Their planes follow each other, packed as FFmpeg's rawvideo unless the
/// caps give strides (a decoder's padded rows, see video_info).
enum class video_format : std::uint8_t { rgba, rgb, gray8, i420, nv12 };
/// The caps name: "RGBA", "RGB", "GRAY8", "I420", "NV12".
std::string_view to_string(video_format f) noexcept;
std::optional<video_format> video_format_from_string(std::string_view name) noexcept;
/// Bytes of one pixel in the first plane: 4, 3, 1 (1 for I420 and NV12: one Y byte).
std::size_t bytes_per_pixel(video_format f) noexcept;
/// I420 and NV12: more than one plane, chroma subsampled 2x2.
bool is_planar_yuv(video_format f) noexcept;

/// One plane of a frame: where it starts in the frame, its row stride and rows.
struct video_plane {
  std::size_t offset = 0;  ///< bytes from the frame's start
  std::size_t stride = 0;  ///< bytes from one row to the next
  std::size_t row_bytes = 0;  ///< bytes of samples in one row
  std::size_t rows = 0;
};

/// Memory layout of frames; caps field layout=linear|tiled (linear if absent).
enum class video_layout : std::uint8_t { linear, tiled };
std::string_view to_string(video_layout l) noexcept;

/// Format, size and rate of raw video frames, with the row stride and frame size.
/// Rows are packed (stride = width * bytes per pixel) unless the caps carry a
/// `stride` field (bytes from one row to the next, >= width * bytes per pixel):
/// that is how a frame that is a sub-region of a larger one (crop, without a copy)
/// is described, PipeWire's {offset, size, stride} chunk with the offset in the
/// buffer. A frame is stride * (height - 1) + width * bytes per pixel bytes: the
/// last row needs no padding after it, so a sub-region ending inside its parent's
/// last row still holds a whole frame (for packed rows this is stride * height).
/// Whatever the layout: a tiled frame holds the same bytes, split into tiles by the
/// tile manager. Planar YUV (I420, NV12) is linear only; its rows may be padded as
/// FFmpeg's decoders pad them (linesize rounded up to 32 or 64 bytes): `stride` is
/// then the Y plane's and `chroma-stride` that of each chroma plane (I420's U and V,
/// NV12's UV). The planes follow each other, each stride * (rows - 1) + row bytes
/// long (a decoded frame's planes laid end to end, or one memory per plane as avsrc
/// hands them out); `plane()` says where each plane lies.
///
/// Built only through from_caps / from_structure / make, so the derived sizes are
/// always consistent. A plain value: copy freely, const access from any thread.
class video_info {
 public:
  /// From fixed video/x-raw caps (one structure). format, width and height must
  /// be present and fixed; framerate (default 0/1: unknown or variable), layout
  /// (default linear), stride (default packed) and pixel-aspect-ratio (default 1/1,
  /// square pixels; must be > 0) may be absent. Other fields are ignored. Errors
  /// (errc::invalid_argument) name the field: "video/x-raw caps lack a fixed width".
  static result<video_info> from_caps(const caps& c);
  static result<video_info> from_structure(const structure& s);
  /// width, height in [1, 2147483647]; framerate >= 0.
  static result<video_info> make(video_format format, std::int64_t width, std::int64_t height,
                                 fraction framerate = fraction(),
                                 video_layout layout = video_layout::linear);
  /// The same frames with rows `stride` bytes apart (planar YUV: the Y plane's rows);
  /// stride >= row_bytes() (errc::invalid_argument otherwise, or when the frame
  /// becomes too large).
  result<video_info> with_stride(std::size_t stride) const;
  /// Planar YUV only: the chroma planes' rows `chroma_stride` bytes apart, at least
  /// one chroma row (I420: ceil(width/2) bytes, NV12: 2 * ceil(width/2)). Errors
  /// (errc::invalid_argument): a packed format, a stride below a row, too large.
  result<video_info> with_chroma_stride(std::size_t chroma_stride) const;
  /// The same frames with pixels `par` wide for 1 high (errc::invalid_argument unless
  /// par > 0).
  result<video_info> with_pixel_aspect_ratio(fraction par) const;

  video_format format() const noexcept { return format_; }
  std::int32_t width() const noexcept { return width_; }    ///< pixels
  std::int32_t height() const noexcept { return height_; }  ///< pixels
  fraction framerate() const noexcept { return framerate_; }  ///< frames per second; 0/1 = unknown
  video_layout layout() const noexcept { return layout_; }
  /// Width of a pixel for a height of 1 (caps field pixel-aspect-ratio); 1/1 = square.
  fraction pixel_aspect_ratio() const noexcept { return par_; }
  std::size_t bytes_per_pixel() const noexcept { return core::bytes_per_pixel(format_); }
  std::size_t stride() const noexcept { return stride_; }  ///< bytes from one row to the next (planar: Y rows)
  /// Planar YUV: bytes from one row of a chroma plane to the next (0 for packed formats).
  std::size_t chroma_stride() const noexcept { return chroma_stride_; }
  /// Bytes of pixels in one row: width * bytes per pixel.
  std::size_t row_bytes() const noexcept { return static_cast<std::size_t>(width_) * bytes_per_pixel(); }
  /// Rows follow each other without padding (stride == row_bytes(), and for planar
  /// YUV the chroma rows too).
  bool is_packed() const noexcept;
  std::size_t size() const noexcept { return size_; }      ///< bytes per frame
  /// 1 for the packed formats, 3 for I420 (Y, U, V), 2 for NV12 (Y, UV).
  std::size_t plane_count() const noexcept;
  /// Plane `i` (< plane_count()); plane 0 of a packed format is the whole frame.
  video_plane plane(std::size_t i) const noexcept;
  /// 1/framerate, rounded to the nearest nanosecond; empty when the rate is 0/1.
  std::optional<std::chrono::nanoseconds> frame_duration() const noexcept;

  /// Fixed caps: video/x-raw,format=..,width=..,height=..,framerate=..,layout=..,
  /// pixel-aspect-ratio=.. (and stride=.., chroma-stride=.. when the rows are not packed).
  caps to_caps() const;

  friend bool operator==(const video_info&, const video_info&) = default;

 private:
  video_info() = default;

  video_format format_ = video_format::rgba;
  std::int32_t width_ = 0;
  std::int32_t height_ = 0;
  fraction framerate_;
  video_layout layout_ = video_layout::linear;
  fraction par_{1};
  std::size_t stride_ = 0;
  std::size_t chroma_stride_ = 0;
  std::size_t size_ = 0;

  /// Bytes of one row of chroma samples (planar YUV; 0 otherwise).
  std::size_t chroma_row_bytes() const noexcept;
  /// The frame's size from its strides; errors when it cannot be addressed.
  result<video_info> with_sizes(std::size_t stride, std::size_t chroma_stride) const;
};

}  // namespace tessera::core
