#pragma once
/// JPEG decompression with TurboJPEG (libturbojpeg0), owned by one element (jpegdec)
/// and used from its streaming task. The handle is an RAII resource.
///
/// Decoding is two steps so nothing is allocated for a frame before its size is
/// known and checked: `read_header` parses the JPEG header only; the caller checks
/// the size against its limits, allocates, and `decode`s into its own memory.
/// Corrupt or truncated data is an error (never a crash): TurboJPEG's message is
/// passed on.

#include "core/video/video_info.hpp"
#include "core/support/result.hpp"

#include <cstddef>

namespace tessera::core {

struct jpeg_header {
  int width = 0;   ///< pixels
  int height = 0;  ///< pixels
  bool grey = false;  ///< a one-component (greyscale) JPEG
};

class jpeg_decoder {
 public:
  jpeg_decoder();
  ~jpeg_decoder();
  jpeg_decoder(const jpeg_decoder&) = delete;
  jpeg_decoder& operator=(const jpeg_decoder&) = delete;

  result<jpeg_header> read_header(const std::byte* jpeg, std::size_t size);

  /// Decodes `jpeg` into `pixels`: `info.size()` bytes, rows of `info.stride()` bytes,
  /// in `info.format()`. The JPEG must be `info.width()` x `info.height()`.
  result<void> decode(const std::byte* jpeg, std::size_t size, const video_info& info, std::byte* pixels);

 private:
  void* handle_;  // tjhandle
};

}  // namespace tessera::core
