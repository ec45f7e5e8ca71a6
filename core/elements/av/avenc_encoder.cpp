#include "core/elements/av/avenc_encoder.hpp"
#include "core/elements/av/av_error.hpp"
#include "core/elements/av/av_time.hpp"

#include "core/memory/buffer_map.hpp"
#include "core/video/frame_planes.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <mutex>
#include <new>

namespace tessera::core {

namespace {


const char* encoder_name(av_video_codec c) {
  switch (c) {
    case av_video_codec::h264: return "libx264";
    case av_video_codec::vp8: return "libvpx";
    case av_video_codec::vp9: return "libvpx-vp9";
    case av_video_codec::mjpeg: return "mjpeg";
  }
  return "";
}

/// x264's presets, fastest first; libvpx's cpu-used runs the other way (8 fastest).
constexpr std::string_view presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                        "medium",    "slow",      "slower",   "veryslow"};

int vpx_cpu_used(std::string_view preset) {
  const auto it = std::find(std::begin(presets), std::end(presets), preset);
  return 8 - static_cast<int>(it == std::end(presets) ? 2 : it - std::begin(presets));
}

/// The read-only view of a tessera frame that libavcodec holds while it needs it.
void release_planes(void* opaque, std::uint8_t*) { delete static_cast<frame_planes*>(opaque); }

}  // namespace

std::string_view to_string(av_video_codec c) noexcept {
  switch (c) {
    case av_video_codec::h264: return "h264";
    case av_video_codec::vp8: return "vp8";
    case av_video_codec::vp9: return "vp9";
    case av_video_codec::mjpeg: return "mjpeg";
  }
  return "unknown";
}

avenc_encoder::~avenc_encoder() { close(); }

void avenc_encoder::close() {
  avcodec_free_context(&ctx_);
  av_packet_free(&pkt_);
  av_frame_free(&range_frame_);
  sws_freeContext(sws_);
  sws_ = nullptr;
  next_index_ = 0;
}

result<void> avenc_encoder::open(const avenc_settings& s, const video_info& info) {
  // libx264 and libvpx print their settings and statistics at info level: keep the
  // process's output to what needs attention (errors also reach the bus).
  static std::once_flag quiet;
  std::call_once(quiet, [] {
    if (av_log_get_level() > AV_LOG_WARNING) av_log_set_level(AV_LOG_WARNING);
  });
  close();
  codec_name_ = encoder_name(s.codec);
  const AVCodec* codec = avcodec_find_encoder_by_name(codec_name_.c_str());
  if (!codec) return fail(errc::not_found, "this FFmpeg has no " + codec_name_ + " encoder");
  if (!is_planar_yuv(info.format()) || (info.format() == video_format::nv12 && s.codec != av_video_codec::h264))
    return fail(errc::not_negotiated, codec_name_ + " does not encode " + std::string(to_string(info.format())));
  ctx_ = avcodec_alloc_context3(codec);
  pkt_ = av_packet_alloc();
  if (!ctx_ || !pkt_) return fail(errc::no_memory, "cannot allocate an " + codec_name_ + " encoder");
  info_ = info;
  ctx_->width = info.width();
  ctx_->height = info.height();
  const fraction rate = info.framerate();
  if (rate.num() > 0) {
    // One tick per frame: libvpx takes every frame to last one tick for its rate control.
    ctx_->time_base = AVRational{rate.den(), rate.num()};
    ctx_->framerate = AVRational{rate.num(), rate.den()};
    frame_ns_ = av_rescale_q(1, ctx_->time_base, av_ns_time_base);
  } else {
    ctx_->time_base = AVRational{1, 1000};
    frame_ns_ = 0;
  }
  ctx_->sample_aspect_ratio = AVRational{info.pixel_aspect_ratio().num(), info.pixel_aspect_ratio().den()};
  const bool mjpeg = s.codec == av_video_codec::mjpeg;
  ctx_->pix_fmt = mjpeg ? AV_PIX_FMT_YUVJ420P : info.format() == video_format::nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
  ctx_->color_range = mjpeg ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  ctx_->colorspace = mjpeg ? AVCOL_SPC_BT470BG : AVCOL_SPC_SMPTE170M;
  ctx_->color_primaries = AVCOL_PRI_SMPTE170M;
  ctx_->color_trc = AVCOL_TRC_SMPTE170M;
  ctx_->bit_rate = static_cast<std::int64_t>(s.bitrate_kbps) * 1000;
  if (s.key_int_max > 0) ctx_->gop_size = s.key_int_max;
  if (s.zerolatency) ctx_->max_b_frames = 0;
  if (s.global_header) ctx_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;

  AVDictionary* opts = nullptr;
  switch (s.codec) {
    case av_video_codec::h264:
      av_dict_set(&opts, "preset", s.speed.c_str(), 0);
      if (s.zerolatency) av_dict_set(&opts, "tune", "zerolatency", 0);
      av_dict_set(&opts, "forced-idr", "1", 0);  // a forced key frame is an IDR a viewer can start at
      break;
    case av_video_codec::vp8:
    case av_video_codec::vp9: {
      const int cpu_used = vpx_cpu_used(s.speed);
      av_dict_set(&opts, "deadline", cpu_used >= 5 ? "realtime" : "good", 0);
      av_dict_set_int(&opts, "cpu-used", cpu_used, 0);
      if (s.zerolatency) av_dict_set(&opts, "lag-in-frames", "0", 0);
      if (s.codec == av_video_codec::vp9) av_dict_set(&opts, "row-mt", "1", 0);
      break;
    }
    case av_video_codec::mjpeg: break;
  }
  const int r = avcodec_open2(ctx_, codec, &opts);
  av_dict_free(&opts);
  if (r < 0) {
    close();
    return fail(errc::invalid_argument, "cannot open the " + codec_name_ + " encoder for " +
                                            std::to_string(info.width()) + "x" + std::to_string(info.height()) +
                                            " " + std::string(to_string(info.format())) + ": " + av_error_text(r));
  }
  if (mjpeg) {
    range_frame_ = av_frame_alloc();
    if (!range_frame_) return fail(errc::no_memory, "cannot allocate a frame for " + codec_name_);
    range_frame_->format = AV_PIX_FMT_YUVJ420P;
    range_frame_->width = info.width();
    range_frame_->height = info.height();
    if (const int e = av_frame_get_buffer(range_frame_, 0); e < 0)
      return fail(errc::no_memory, "cannot allocate a frame for " + codec_name_ + ": " + av_error_text(e));
    // YUVJ is full range to swscale: it converts tessera's limited range.
    sws_ = sws_getContext(info.width(), info.height(), AV_PIX_FMT_YUV420P, info.width(), info.height(),
                          AV_PIX_FMT_YUVJ420P, SWS_POINT, nullptr, nullptr, nullptr);
    if (!sws_) return fail(errc::no_memory, "cannot set up the range conversion for " + codec_name_);
  }
  return {};
}

std::vector<std::uint8_t> avenc_encoder::extradata() const {
  if (!ctx_ || !ctx_->extradata) return {};
  return {ctx_->extradata, ctx_->extradata + ctx_->extradata_size};
}

result<void> avenc_encoder::encode(const buffer& b, bool force_key, std::vector<av_packet_out>& out) {
  if (!ctx_) return fail(errc::bad_state, "the encoder is not open");
  // The planes where they lie (a decoder's frame: one memory per plane, no copy),
  // held by the AVBufferRef for as long as the encoder keeps the frame.
  auto planes = map_frame_planes(info_, b, "a frame to encode");
  if (!planes) return planes.error();
  auto* held = new (std::nothrow) frame_planes(std::move(planes).value());
  if (!held) return fail(errc::no_memory, "cannot hold a frame for " + codec_name_);
  // The reference covers plane 0; it owns (and releases) every plane's map.
  const video_plane y = info_.plane(0);
  AVBufferRef* ref = av_buffer_create(const_cast<std::uint8_t*>(held->first[0]), y.stride * (y.rows - 1) + y.row_bytes,
                                      release_planes, held, AV_BUFFER_FLAG_READONLY);
  if (!ref) {
    delete held;
    return fail(errc::no_memory, "cannot wrap a frame for " + codec_name_);
  }
  AVFrame* f = av_frame_alloc();
  if (!f) {
    av_buffer_unref(&ref);
    return fail(errc::no_memory, "cannot allocate a frame for " + codec_name_);
  }
  f->buf[0] = ref;
  f->format = info_.format() == video_format::nv12 ? AV_PIX_FMT_NV12 : AV_PIX_FMT_YUV420P;
  f->width = info_.width();
  f->height = info_.height();
  for (std::size_t i = 0; i < info_.plane_count(); ++i) {
    f->data[i] = const_cast<std::uint8_t*>(held->first[i]);
    f->linesize[i] = static_cast<int>(info_.plane(i).stride);
  }
  std::int64_t pts = b.pts >= 0 ? av_rescale_q(b.pts, av_ns_time_base, ctx_->time_base) : next_index_;
  pts = std::max(pts, next_index_);  // encoders want strictly increasing pts
  next_index_ = pts + 1;

  AVFrame* send = f;
  if (sws_) {
    if (const int e = av_frame_make_writable(range_frame_); e < 0) {
      av_frame_free(&f);
      return fail(errc::no_memory, codec_name_ + ": " + av_error_text(e));
    }
    sws_scale(sws_, f->data, f->linesize, 0, f->height, range_frame_->data, range_frame_->linesize);
    send = range_frame_;
  }
  send->pts = pts;
  send->pict_type = force_key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
  const int r = avcodec_send_frame(ctx_, send);
  av_frame_free(&f);
  if (r < 0) return fail(errc::invalid_argument, codec_name_ + " refused a frame: " + av_error_text(r));
  return receive(out);
}

result<void> avenc_encoder::drain(std::vector<av_packet_out>& out) {
  if (!ctx_) return {};
  const int r = avcodec_send_frame(ctx_, nullptr);
  if (r < 0 && r != AVERROR_EOF) return fail(errc::invalid_argument, codec_name_ + " cannot drain: " + av_error_text(r));
  return receive(out);
}

result<void> avenc_encoder::receive(std::vector<av_packet_out>& out) {
  for (;;) {
    const int r = avcodec_receive_packet(ctx_, pkt_);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return {};
    if (r < 0) return fail(errc::invalid_argument, codec_name_ + " failed to encode: " + av_error_text(r));
    av_packet_out p;
    p.data.assign(pkt_->data, pkt_->data + pkt_->size);
    if (pkt_->pts != AV_NOPTS_VALUE) p.pts = av_rescale_q(pkt_->pts, ctx_->time_base, av_ns_time_base);
    if (pkt_->dts != AV_NOPTS_VALUE) p.dts = av_rescale_q(pkt_->dts, ctx_->time_base, av_ns_time_base);
    p.duration = pkt_->duration > 0 ? av_rescale_q(pkt_->duration, ctx_->time_base, av_ns_time_base)
                                    : (frame_ns_ > 0 ? frame_ns_ : -1);
    p.key = (pkt_->flags & AV_PKT_FLAG_KEY) != 0;
    av_packet_unref(pkt_);
    out.push_back(std::move(p));
  }
}

}  // namespace tessera::core
