#include "core/elements/codec/jpeg_decoder.hpp"

#include <turbojpeg.h>

#include <limits>
#include <string>

namespace tessera::core {

namespace {

int pixel_format_of(video_format f) noexcept {
  switch (f) {
    case video_format::rgba: return TJPF_RGBA;
    case video_format::rgb: return TJPF_RGB;
    case video_format::gray8: return TJPF_GRAY;
    case video_format::i420:
    case video_format::nv12: break;  // not in the JPEG elements' caps (codec_caps.hpp)
  }
  return TJPF_RGBA;
}

}  // namespace

jpeg_decoder::jpeg_decoder() : handle_(tjInitDecompress()) {}

jpeg_decoder::~jpeg_decoder() {
  if (handle_) tjDestroy(static_cast<tjhandle>(handle_));
}

result<jpeg_header> jpeg_decoder::read_header(const std::byte* jpeg, std::size_t size) {
  if (!handle_) return fail(errc::no_memory, "jpeg: could not create a TurboJPEG decompressor");
  if (size == 0) return fail(errc::invalid_argument, "corrupt JPEG data: the buffer is empty");
  if (size > std::numeric_limits<unsigned long>::max())
    return fail(errc::invalid_argument, "corrupt JPEG data: " + std::to_string(size) + " bytes is too large");
  int width = 0, height = 0, subsampling = 0, colorspace = 0;
  if (tjDecompressHeader3(static_cast<tjhandle>(handle_), reinterpret_cast<const unsigned char*>(jpeg),
                          static_cast<unsigned long>(size), &width, &height, &subsampling, &colorspace) != 0)
    return fail(errc::invalid_argument,
                std::string("corrupt JPEG data (header): ") + tjGetErrorStr2(static_cast<tjhandle>(handle_)));
  if (width <= 0 || height <= 0)
    return fail(errc::invalid_argument, "corrupt JPEG data: frame size " + std::to_string(width) + "x" +
                                            std::to_string(height));
  return jpeg_header{width, height, colorspace == TJCS_GRAY};
}

result<void> jpeg_decoder::decode(const std::byte* jpeg, std::size_t size, const video_info& info, std::byte* pixels) {
  if (!handle_) return fail(errc::no_memory, "jpeg: could not create a TurboJPEG decompressor");
  // Warnings (a truncated scan, extraneous bytes) count as errors too: a frame that
  // decoded only in part is not the frame that was sent.
  if (tjDecompress2(static_cast<tjhandle>(handle_), reinterpret_cast<const unsigned char*>(jpeg),
                    static_cast<unsigned long>(size), reinterpret_cast<unsigned char*>(pixels), info.width(),
                    static_cast<int>(info.stride()), info.height(), pixel_format_of(info.format()),
                    TJFLAG_FASTDCT) != 0)
    return fail(errc::invalid_argument, "corrupt JPEG data (" + std::to_string(info.width()) + "x" +
                                            std::to_string(info.height()) + " frame): " +
                                            tjGetErrorStr2(static_cast<tjhandle>(handle_)));
  return {};
}

}  // namespace tessera::core
