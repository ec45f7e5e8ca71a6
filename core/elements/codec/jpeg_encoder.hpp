#pragma once
/// JPEG compression of raw video frames with TurboJPEG (libturbojpeg0), owned by
/// one element and used from its streaming task. The handle is an RAII resource.
/// The output is a shared, immutable byte block so one encoded frame can go to any
/// number of viewers without another copy.

#include "core/caps/video_info.hpp"
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

 private:
  void* handle_;  // tjhandle
};

}  // namespace tessera::core
