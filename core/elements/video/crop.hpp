#pragma once
/// crop: cuts `left`, `right`, `top` and `bottom` pixels off raw video (GStreamer's
/// videocrop), without touching a pixel of a linear frame.
///
/// Metadata-only (the transform design's third kind of mode): the output buffer of
/// a linear frame is
/// the input's memory seen through a smaller window, `buffer::resize(offset, size)`
/// with offset = top * stride + left * bytes per pixel, so no byte is copied. Rows
/// keep the input's stride: when columns are cut the output caps say so with a
/// `stride` field (video_info), which the video elements and websink honour; when
/// only rows are cut the output is plain packed video. FFmpeg's permission rule: a
/// window that does not start on a `perm_align_bytes` boundary loses ALIGN (a pad
/// that needs ALIGN then gets an aligned copy, see pad.hpp).
///
/// Tiled frames (layout=tiled) stay tiled, and the mode stays metadata-only for
/// base_transform (transform_ip replaces the buffer's memory list): a window starting
/// on a tile boundary (left and top multiples of 64) is made of the input's own tile
/// memories, shared without a copy (the cut pixels of the last tile column and row
/// become the padding of partial edge tiles); any other window starts inside a tile
/// and is copied into new tiles, only its pixels (tiled_crop.hpp). A tiled output
/// has no stride field: each tile has its own rows.
///
/// Negotiation: width shrinks by left + right, height by top + bottom (and grows
/// by as much upstream). A crop that leaves no pixel of the frame is refused when
/// caps arrive, with the sizes in the message. All zero: passthrough. The
/// properties may change while PLAYING; the element renegotiates before the next
/// frame.
///
/// Thread safety: runs in the streaming task; properties from any thread.

#include "core/base/base_transform.hpp"
#include "core/video/video_info.hpp"
#include "core/video/tile_geometry.hpp"

#include <optional>

namespace tessera::core {

class crop final : public base_transform {
 public:
  crop(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  caps transform_caps(pad_direction dir, const caps& c) override;
  result<void> check_input_caps(const caps& in) override;
  result<void> set_caps(const caps& in, const caps& out) override;
  bool has_transform_ip() const override { return true; }
  flow transform_ip(buffer& b) override;
  void property_changed(std::size_t index) override;

 private:
  struct margins {
    std::int64_t left, right, top, bottom;
  };
  margins current_margins() const;
  flow crop_tiled(buffer& b);

  std::size_t prop_left_, prop_right_, prop_top_, prop_bottom_;
  // The configured window (set_caps): where it starts in the input and its size.
  std::optional<video_info> in_info_;
  std::size_t offset_ = 0;  ///< bytes
  std::size_t size_ = 0;    ///< bytes
  std::size_t left_ = 0;    ///< pixels
  std::size_t top_ = 0;     ///< pixels
  // Tiled frames: the tilings of the input and the output.
  std::optional<tile_grid> in_grid_;
  std::optional<tile_grid> out_grid_;
};

}  // namespace tessera::core
