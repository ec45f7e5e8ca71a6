#include "core/elements/codec/jpeg_encoder.hpp"

#include <turbojpeg.h>

#include <cstring>
#include <string>

namespace tessera::core {

namespace {

struct tj_layout {
  int pixel_format;
  int subsampling;
};

tj_layout layout_of(video_format f) noexcept {
  switch (f) {
    case video_format::rgba: return {TJPF_RGBA, TJSAMP_420};
    case video_format::rgb: return {TJPF_RGB, TJSAMP_420};
    case video_format::gray8: return {TJPF_GRAY, TJSAMP_GRAY};
    case video_format::i420:
    case video_format::nv12: break;  // not in the JPEG elements' caps (codec_caps.hpp)
  }
  return {TJPF_RGBA, TJSAMP_420};
}

std::string failure_text(void* handle, const video_info& info) {
  return "jpeg: encoding a " + std::to_string(info.width()) + "x" + std::to_string(info.height()) + " " +
         std::string(to_string(info.format())) + " frame failed: " + tjGetErrorStr2(static_cast<tjhandle>(handle));
}

}  // namespace

jpeg_encoder::jpeg_encoder() : handle_(tjInitCompress()) {}

jpeg_encoder::~jpeg_encoder() {
  if (handle_) tjDestroy(static_cast<tjhandle>(handle_));
}

std::size_t jpeg_encoder::max_size(const video_info& info) noexcept {
  const unsigned long n = tjBufSize(info.width(), info.height(), layout_of(info.format()).subsampling);
  return n == static_cast<unsigned long>(-1) ? 0 : static_cast<std::size_t>(n);
}

result<encoded_jpeg> jpeg_encoder::encode(const std::byte* pixels, const video_info& info, int quality) {
  if (!handle_) return fail(errc::no_memory, "jpeg: could not create a TurboJPEG compressor");
  const tj_layout layout = layout_of(info.format());
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  const int rc = tjCompress2(static_cast<tjhandle>(handle_), reinterpret_cast<const unsigned char*>(pixels),
                             static_cast<int>(info.width()), static_cast<int>(info.stride()),
                             static_cast<int>(info.height()), layout.pixel_format, &out, &out_size, layout.subsampling,
                             quality, TJFLAG_FASTDCT);
  if (rc != 0) {
    std::string why = failure_text(handle_, info);
    if (out) tjFree(out);
    return fail(errc::invalid_argument, std::move(why));
  }
  // One block owned by a shared_ptr with TurboJPEG's own deleter: no extra copy.
  std::shared_ptr<const std::byte[]> data(reinterpret_cast<const std::byte*>(out),
                                          [](const std::byte* p) { tjFree(reinterpret_cast<unsigned char*>(const_cast<std::byte*>(p))); });
  return encoded_jpeg{std::move(data), static_cast<std::size_t>(out_size)};
}

result<std::size_t> jpeg_encoder::encode_into(const std::byte* pixels, const video_info& info, int quality,
                                              std::byte* out, std::size_t capacity) {
  if (!handle_) return fail(errc::no_memory, "jpeg: could not create a TurboJPEG compressor");
  if (capacity < max_size(info))
    return fail(errc::invalid_argument, "jpeg: an output of " + std::to_string(capacity) + " bytes is below the " +
                                            std::to_string(max_size(info)) + " a " + std::to_string(info.width()) +
                                            "x" + std::to_string(info.height()) + " frame may need");
  const tj_layout layout = layout_of(info.format());
  auto* dst = reinterpret_cast<unsigned char*>(out);
  unsigned long out_size = capacity;
  // NOREALLOC: TurboJPEG writes into our buffer and never swaps in its own.
  const int rc = tjCompress2(static_cast<tjhandle>(handle_), reinterpret_cast<const unsigned char*>(pixels),
                             static_cast<int>(info.width()), static_cast<int>(info.stride()),
                             static_cast<int>(info.height()), layout.pixel_format, &dst, &out_size, layout.subsampling,
                             quality, TJFLAG_FASTDCT | TJFLAG_NOREALLOC);
  if (rc != 0) return fail(errc::invalid_argument, failure_text(handle_, info));
  return static_cast<std::size_t>(out_size);
}

}  // namespace tessera::core
