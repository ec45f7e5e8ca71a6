// avsrc: decoded frames to tessera buffers and caps. Video frames are wrapped without
// a copy (the AVBufferRef owns the memory, av_frame_memory.hpp) unless downstream
// refused the decoded format and swscale converts; audio is interleaved as needed.
#include "core/elements/av/avsrc.hpp"

#include "core/elements/av/av_error.hpp"
#include "core/elements/av/av_frame_memory.hpp"
#include "core/elements/av/av_pixel_formats.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

namespace tessera::core {

using namespace av_pixel_formats;

int avsrc::output_pixel_format(int decoded) const {
  {
    std::lock_guard lock(caps_mutex_);
    if (forced_format_ >= 0) return forced_format_;
  }
  if (decoded == AV_PIX_FMT_YUVJ420P) return decoded;
  return caps_format_name(decoded) ? decoded : AV_PIX_FMT_YUV420P;
}

result<caps> avsrc::video_caps() const {
  if (!shown_) return fail(errc::bad_state, "no video frame decoded yet");
  const AVFrame& f = *shown_;
  structure s = structure::make("video/x-raw").value();
  (void)s.set("format", std::string(caps_format_name(f.format)));
  (void)s.set("width", static_cast<std::int64_t>(f.width));
  (void)s.set("height", static_cast<std::int64_t>(f.height));
  (void)s.set("framerate", demux_->framerate());
  (void)s.set("pixel-aspect-ratio", demux_->pixel_aspect_ratio(f));
  // Said, not left out: an in-place filter (invert) whose template lists layouts
  // would otherwise see its output caps gain the field and differ from its input's.
  (void)s.set("layout", std::string("linear"));
  // FFmpeg's rows (the decoder's, or swscale's into an FFmpeg frame): say where they
  // are padded.
  const auto planes = av_video_planes(f);
  const bool padded = std::any_of(planes.begin(), planes.end(), [](const av_plane& p) { return p.stride != p.row_bytes; });
  if (padded) {
    (void)s.set("stride", static_cast<std::int64_t>(planes[0].stride));
    if (planes.size() > 1) (void)s.set("chroma-stride", static_cast<std::int64_t>(planes[1].stride));
  }
  return caps(std::move(s));
}

result<caps> avsrc::audio_caps(const AVFrame& f) const {
  structure s = structure::make("audio/x-raw").value();
  const bool s16 = f.format == AV_SAMPLE_FMT_S16 || f.format == AV_SAMPLE_FMT_S16P;
  (void)s.set("format", std::string(s16 ? "S16LE" : "F32LE"));
  (void)s.set("rate", static_cast<std::int64_t>(f.sample_rate));
  (void)s.set("channels", static_cast<std::int64_t>(f.ch_layout.nb_channels));
  (void)s.set("layout", std::string("interleaved"));
  return caps(std::move(s));
}

result<buffer> avsrc::video_buffer(const AVFrame& f) {
  const int out_fmt = output_pixel_format(f.format);
  if (out_fmt == f.format) {
    auto b = wrap_av_video_frame(f);
    if (b) {
      shown_ = &f;
      return b;
    }
    // Not wrappable (bottom-up rows): convert below.
  }
  const auto target = static_cast<AVPixelFormat>(out_fmt == f.format ? AV_PIX_FMT_YUV420P : out_fmt);
  if (!logged_conversion_) {
    spdlog::debug("{}: converting {} frames to {} with swscale", name(), pix_fmt_text(f.format), pix_fmt_text(target));
    logged_conversion_ = true;
  }
  sws_ = sws_getCachedContext(sws_, f.width, f.height, static_cast<AVPixelFormat>(f.format), f.width, f.height, target,
                              SWS_BILINEAR, nullptr, nullptr, nullptr);
  if (!sws_)
    return fail(errc::invalid_argument, std::string("swscale cannot convert ") + pix_fmt_text(f.format) + " to " +
                                            pix_fmt_text(target));
  // Into an FFmpeg frame with FFmpeg's padded rows, not tight ones: swscale's SIMD
  // yuv2rgb converts 8 pixels at a time and, when a row has no room for the last
  // partial group (854 RGBA pixels in 3416 bytes), leaves those pixels unwritten.
  // The frame's buffer is then wrapped as a decoded frame's is, its strides in the caps.
  if (!converted_) converted_ = av_frame_alloc();
  if (!converted_) return fail(errc::no_memory, "out of memory for a frame");
  av_frame_unref(converted_);
  converted_->format = target;
  converted_->width = f.width;
  converted_->height = f.height;
  if (const int e = av_frame_get_buffer(converted_, 0); e < 0)
    return fail(errc::no_memory, "cannot allocate a " + std::to_string(f.width) + "x" + std::to_string(f.height) + " " +
                                     pix_fmt_text(target) + " frame: " + av_error_text(e));
  if (const int e = av_frame_copy_props(converted_, &f); e < 0) return fail(errc::no_memory, av_error_text(e));
  sws_scale(sws_, f.data, f.linesize, 0, f.height, converted_->data, converted_->linesize);
  shown_ = converted_;
  return wrap_av_video_frame(*converted_);
}

result<buffer> avsrc::audio_buffer(const AVFrame& f) {
  const auto fmt = static_cast<AVSampleFormat>(f.format);
  if (fmt == AV_SAMPLE_FMT_S16) return wrap_av_audio_frame(f, 2);
  if (fmt == AV_SAMPLE_FMT_FLT) return wrap_av_audio_frame(f, 4);
  // Planar or other sample formats: interleave (and convert to float) into our buffer.
  const auto channels = static_cast<std::size_t>(f.ch_layout.nb_channels);
  const auto samples = static_cast<std::size_t>(f.nb_samples);
  const bool s16 = fmt == AV_SAMPLE_FMT_S16P;
  auto b = buffer::allocate(samples * channels * (s16 ? 2 : 4));
  if (!b) return b.error();
  auto map = b->map(map_access::write);
  if (!map) return map.error();
  const bool planar = av_sample_fmt_is_planar(fmt) != 0;
  const AVSampleFormat packed = av_get_packed_sample_fmt(fmt);
  for (std::size_t i = 0; i < samples; ++i) {
    for (std::size_t c = 0; c < channels; ++c) {
      const std::uint8_t* plane = f.extended_data[planar ? c : 0];
      const std::size_t at = planar ? i : i * channels + c;
      if (s16) {
        std::memcpy(map->data() + (i * channels + c) * 2, plane + at * 2, 2);
        continue;
      }
      float v = 0;
      switch (packed) {
        case AV_SAMPLE_FMT_U8: v = (static_cast<float>(plane[at]) - 128.0f) / 128.0f; break;
        case AV_SAMPLE_FMT_S16: {
          std::int16_t x;
          std::memcpy(&x, plane + at * 2, 2);
          v = static_cast<float>(x) / 32768.0f;
          break;
        }
        case AV_SAMPLE_FMT_S32: {
          std::int32_t x;
          std::memcpy(&x, plane + at * 4, 4);
          v = static_cast<float>(static_cast<double>(x) / 2147483648.0);
          break;
        }
        case AV_SAMPLE_FMT_FLT: std::memcpy(&v, plane + at * 4, 4); break;
        case AV_SAMPLE_FMT_DBL: {
          double x;
          std::memcpy(&x, plane + at * 8, 8);
          v = static_cast<float>(x);
          break;
        }
        default:
          return fail(errc::invalid_argument, std::string("unsupported sample format ") +
                                                  (av_get_sample_fmt_name(fmt) ? av_get_sample_fmt_name(fmt) : "none"));
      }
      std::memcpy(map->data() + (i * channels + c) * 4, &v, 4);
    }
  }
  return b;
}

}  // namespace tessera::core
