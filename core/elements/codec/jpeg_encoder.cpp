#include "core/elements/web/jpeg_encoder.hpp"

#include <turbojpeg.h>

#include <cstring>

namespace tessera::core {

jpeg_encoder::jpeg_encoder() : handle_(tjInitCompress()) {}

jpeg_encoder::~jpeg_encoder() {
  if (handle_) tjDestroy(static_cast<tjhandle>(handle_));
}

result<encoded_jpeg> jpeg_encoder::encode(const std::byte* pixels, const video_info& info, int quality) {
  if (!handle_) return fail(errc::no_memory, "jpeg: could not create a TurboJPEG compressor");
  int format = TJPF_RGBA;
  int subsampling = TJSAMP_420;
  switch (info.format()) {
    case video_format::rgba: format = TJPF_RGBA; break;
    case video_format::rgb: format = TJPF_RGB; break;
    case video_format::gray8:
      format = TJPF_GRAY;
      subsampling = TJSAMP_GRAY;
      break;
  }
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  const int rc = tjCompress2(static_cast<tjhandle>(handle_), reinterpret_cast<const unsigned char*>(pixels),
                             static_cast<int>(info.width()), static_cast<int>(info.stride()),
                             static_cast<int>(info.height()), format, &out, &out_size, subsampling, quality,
                             TJFLAG_FASTDCT);
  if (rc != 0) {
    std::string why = tjGetErrorStr2(static_cast<tjhandle>(handle_));
    if (out) tjFree(out);
    return fail(errc::invalid_argument, "jpeg: encoding a " + std::to_string(info.width()) + "x" +
                                            std::to_string(info.height()) + " frame failed: " + why);
  }
  // One block owned by a shared_ptr with TurboJPEG's own deleter: no extra copy.
  std::shared_ptr<const std::byte[]> data(reinterpret_cast<const std::byte*>(out),
                                          [](const std::byte* p) { tjFree(reinterpret_cast<unsigned char*>(const_cast<std::byte*>(p))); });
  return encoded_jpeg{std::move(data), static_cast<std::size_t>(out_size)};
}

}  // namespace tessera::core
