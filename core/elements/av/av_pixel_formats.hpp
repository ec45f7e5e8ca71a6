#pragma once
/// The raw video formats tessera and FFmpeg both name: tessera's caps name of an
/// AVPixelFormat, in the order avsrc falls back to when downstream refuses the decoded
/// one, and FFmpeg's own name of a format for messages.

extern "C" {
#include <libavutil/pixdesc.h>
#include <libavutil/pixfmt.h>
}

#include <array>

namespace tessera::core::av_pixel_formats {

struct pixel_format_name {
  AVPixelFormat av;
  const char* caps;
};
// Our raw video formats, in the order we fall back to when downstream refuses the
// decoded one. yuvj420p (MJPEG) is I420 with full-range values: the same bytes.
inline constexpr std::array<pixel_format_name, 5> our_formats{{{AV_PIX_FMT_YUV420P, "I420"},
                                                        {AV_PIX_FMT_NV12, "NV12"},
                                                        {AV_PIX_FMT_RGBA, "RGBA"},
                                                        {AV_PIX_FMT_RGB24, "RGB"},
                                                        {AV_PIX_FMT_GRAY8, "GRAY8"}}};

/// The caps format of `fmt`, or nullptr when tessera has none.
inline const char* caps_format_name(int fmt) {
  if (fmt == AV_PIX_FMT_YUVJ420P) return "I420";
  for (const auto& f : our_formats)
    if (f.av == fmt) return f.caps;
  return nullptr;
}

/// FFmpeg's name of `fmt` ("none" when unknown).
inline const char* pix_fmt_text(int fmt) {
  const char* n = av_get_pix_fmt_name(static_cast<AVPixelFormat>(fmt));
  return n ? n : "none";
}

}  // namespace tessera::core::av_pixel_formats
