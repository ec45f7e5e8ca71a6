#pragma once
/// JPEG compression of raw video frames with TurboJPEG (libturbojpeg0), owned by
/// one element (websink, jpegenc) and used from its streaming task. The handle is an
/// RAII resource.
///
/// Two ways out: `encode` returns a shared, immutable byte block so one encoded frame
/// can go to any number of viewers without another copy (websink); `encode_into`
/// writes into memory the caller owns, at most `max_size(info)` bytes, so an element
/// can compress straight into a buffer from downstream's allocation (jpegenc).
/// Both use 4:2:0 chroma subsampling for colour input (GStreamer jpegenc's default)
/// and grey JPEG for GRAY8, with the fast integer DCT.

#include "core/video/video_info.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <memory>

namespace tessera::core {

struct encoded_jpeg {
  std::shared_ptr<const std::byte[]> data;
  std::size_t size = 0;
};

class jpeg_encoder {
 public:
  jpeg_encoder();
  ~jpeg_encoder();
  jpeg_encoder(const jpeg_encoder&) = delete;
  jpeg_encoder& operator=(const jpeg_encoder&) = delete;

  /// Encodes `pixels` (rows of `info.stride()` bytes) at `quality` 1..100.
  result<encoded_jpeg> encode(const std::byte* pixels, const video_info& info, int quality);

  /// The most bytes a JPEG of a frame like `info` can take (TurboJPEG's bound).
  static std::size_t max_size(const video_info& info) noexcept;

  /// Encodes into `out`, which holds `capacity` >= max_size(info) bytes; returns the
  /// JPEG's size in bytes.
  result<std::size_t> encode_into(const std::byte* pixels, const video_info& info, int quality, std::byte* out,
                                  std::size_t capacity);

 private:
  void* handle_;  // tjhandle
};

}  // namespace tessera::core
