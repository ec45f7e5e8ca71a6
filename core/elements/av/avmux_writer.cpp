#include "core/elements/av/avmux_writer.hpp"
#include "core/elements/av/av_error.hpp"
#include "core/elements/av/av_time.hpp"

#include "core/elements/av/avenc_h264.hpp"
#include "core/memory/buffer_map.hpp"

extern "C" {
#include <libavformat/avformat.h>
#include <libavutil/mem.h>
}

#include <cstdio>

namespace tessera::core {

namespace {

constexpr int io_buffer_size = 64 * 1024;

}  // namespace

result<av_stream_desc> stream_from_caps(const caps& c) {
  const structure* s = c.structure_at(0);
  if (!s || !c.is_fixed()) return fail(errc::not_negotiated, "encoded video caps are not fixed: " + c.to_string());
  av_stream_desc d;
  d.media_type = std::string(s->name());
  if (s->has_name("video/x-h264")) {
    d.codec_id = AV_CODEC_ID_H264;
    const auto format = s->get_string("stream-format");
    d.annexb = format && *format == "byte-stream";
    if (!d.annexb) {
      const auto hex = s->get_string("codec_data");
      if (!hex) return fail(errc::not_negotiated, "H.264 caps in stream-format=avc lack codec_data: " + c.to_string());
      auto bytes = h264::from_hex(*hex);
      if (!bytes) return fail(errc::not_negotiated, "H.264 codec_data: " + bytes.error().message);
      d.extradata = std::move(*bytes);
    }
  } else if (s->has_name("video/x-vp8")) {
    d.codec_id = AV_CODEC_ID_VP8;
  } else if (s->has_name("video/x-vp9")) {
    d.codec_id = AV_CODEC_ID_VP9;
  } else if (s->has_name("image/jpeg")) {
    d.codec_id = AV_CODEC_ID_MJPEG;
  } else {
    return fail(errc::not_negotiated, "not an encoded video format a muxer takes: " + c.to_string());
  }
  const auto w = s->get_int("width");
  const auto h = s->get_int("height");
  if (!w || !h) return fail(errc::not_negotiated, "encoded video caps lack a width and height: " + c.to_string());
  d.width = static_cast<int>(*w);
  d.height = static_cast<int>(*h);
  if (auto r = s->get_fraction("framerate")) {
    d.rate_num = r->num();
    d.rate_den = r->den();
  }
  if (auto par = s->get_fraction("pixel-aspect-ratio")) {
    d.par_num = par->num();
    d.par_den = par->den();
  }
  return d;
}

avmux_writer::~avmux_writer() { close(); }

void avmux_writer::close() {
  if (oc_) {
    avformat_free_context(oc_);
    oc_ = nullptr;
  }
  if (pb_) {
    av_freep(&pb_->buffer);
    avio_context_free(&pb_);
  }
  header_done_ = false;
  pos_ = size_ = 0;
  failed_ = false;
}

int avmux_writer::write_cb(void* opaque, std::uint8_t* buf, int size) {
  auto* self = static_cast<avmux_writer*>(opaque);
  if (self->failed_) return AVERROR(EIO);
  if (auto r = self->out_(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(size)), self->pos_); !r) {
    self->write_error_ = r.error();
    self->failed_ = true;
    return AVERROR(EIO);
  }
  self->pos_ += size;
  self->size_ = std::max(self->size_, self->pos_);
  return size;
}

std::int64_t avmux_writer::seek_cb(void* opaque, std::int64_t offset, int whence) {
  auto* self = static_cast<avmux_writer*>(opaque);
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE: return self->size_;
    case SEEK_SET: break;
    case SEEK_CUR: offset += self->pos_; break;
    case SEEK_END: offset += self->size_; break;
    default: return AVERROR(EINVAL);
  }
  if (offset < 0) return AVERROR(EINVAL);
  self->pos_ = offset;  // the next write says where it goes
  return offset;
}

result<void> avmux_writer::open(const avmux_options& o, const av_stream_desc& d, write_fn out) {
  close();
  opts_ = o;
  out_ = std::move(out);
  if (avformat_alloc_output_context2(&oc_, nullptr, o.format.c_str(), nullptr) < 0 || !oc_)
    return fail(errc::not_found, "this FFmpeg has no " + o.format + " muxer");
  auto* iobuf = static_cast<unsigned char*>(av_malloc(io_buffer_size));
  pb_ = iobuf ? avio_alloc_context(iobuf, io_buffer_size, 1, this, nullptr, &write_cb, o.seekable ? &seek_cb : nullptr)
              : nullptr;
  if (!pb_) {
    av_free(iobuf);
    close();
    return fail(errc::no_memory, "cannot allocate the " + o.format + " muxer's output");
  }
  pb_->seekable = o.seekable ? AVIO_SEEKABLE_NORMAL : 0;
  oc_->pb = pb_;
  oc_->flags |= AVFMT_FLAG_CUSTOM_IO;

  AVStream* st = avformat_new_stream(oc_, nullptr);
  if (!st) return fail(errc::no_memory, "cannot add a stream to the " + o.format + " muxer");
  st->time_base = AVRational{1, 90000};
  if (d.rate_num > 0) st->avg_frame_rate = AVRational{d.rate_num, d.rate_den};
  st->sample_aspect_ratio = AVRational{d.par_num, d.par_den};
  AVCodecParameters* par = st->codecpar;
  par->codec_type = AVMEDIA_TYPE_VIDEO;
  par->codec_id = static_cast<AVCodecID>(d.codec_id);
  par->width = d.width;
  par->height = d.height;
  par->sample_aspect_ratio = st->sample_aspect_ratio;
  par->color_range = d.codec_id == AV_CODEC_ID_MJPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
  par->color_space = AVCOL_SPC_SMPTE170M;
  par->color_primaries = AVCOL_PRI_SMPTE170M;
  par->color_trc = AVCOL_TRC_SMPTE170M;
  if (!d.extradata.empty()) {
    par->extradata = static_cast<std::uint8_t*>(av_mallocz(d.extradata.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (!par->extradata) return fail(errc::no_memory, "cannot copy the stream header");
    std::copy(d.extradata.begin(), d.extradata.end(), par->extradata);
    par->extradata_size = static_cast<int>(d.extradata.size());
  }

  AVDictionary* mux_opts = nullptr;
  if (o.format == "mp4" && (o.fragmented || o.chunked)) {
    // An empty moov up front, then moof+mdat fragments that each say where their
    // data is (default_base_moof, as MSE wants); chunked: a fragment per frame, whose
    // tfdt is the frame's own time, so a viewer can tell each frame's pts as a
    // WebCodecs viewer can (without frag_discont and make_non_negative the muxer
    // shifts the stream to start at 0).
    av_dict_set(&mux_opts, "movflags",
                o.chunked ? "frag_custom+empty_moov+default_base_moof+frag_discont"
                          : "frag_keyframe+empty_moov+default_base_moof",
                0);
    if (o.chunked) av_dict_set(&mux_opts, "avoid_negative_ts", "make_non_negative", 0);
  }
  if ((o.format == "webm" || o.format == "matroska") && o.chunked) av_dict_set(&mux_opts, "live", "1", 0);
  const int r = avformat_write_header(oc_, &mux_opts);
  av_dict_free(&mux_opts);
  if (r < 0) {
    const std::string why = failed_ ? write_error_.message : av_error_text(r);
    close();
    return fail(errc::invalid_argument, "cannot start " + o.format + " with " + d.media_type + ": " + why);
  }
  header_done_ = true;
  first_dts_ = AV_NOPTS_VALUE;
  if (o.chunked) return flush();  // init() segment out now
  return {};
}

result<void> avmux_writer::flush() {
  avio_flush(pb_);
  if (failed_) return write_error_;
  return {};
}

result<void> avmux_writer::write_frame(const buffer& b) {
  if (!oc_) return fail(errc::bad_state, "the muxer is not open");
  buffer view = b.share();
  auto m = view.map(map_access::read);
  if (!m) return fail(errc::invalid_argument, "cannot map an encoded frame: " + m.error().message);
  AVStream* st = oc_->streams[0];
  AVPacket* pkt = av_packet_alloc();
  if (!pkt) return fail(errc::no_memory, "cannot allocate a packet");
  pkt->data = reinterpret_cast<std::uint8_t*>(m->data());
  pkt->size = static_cast<int>(m->size());
  pkt->stream_index = 0;
  const std::int64_t pts = b.pts >= 0 ? av_rescale_q(b.pts, av_ns_time_base, st->time_base) : AV_NOPTS_VALUE;
  std::int64_t dts = b.dts != clock_none ? av_rescale_q(b.dts, av_ns_time_base, st->time_base) : pts;
  pkt->pts = pts;
  pkt->dts = dts;
  if (b.duration > 0) pkt->duration = av_rescale_q(b.duration, av_ns_time_base, st->time_base);
  if (!has_any(b.flags, buffer_flags::delta_unit)) pkt->flags |= AV_PKT_FLAG_KEY;
  int r = av_write_frame(oc_, pkt);
  av_packet_free(&pkt);
  if (r >= 0 && opts_.chunked) r = av_write_frame(oc_, nullptr);  // close this frame's fragment/cluster
  if (r < 0) return fail(errc::invalid_argument, opts_.format + " refused a frame: " + (failed_ ? write_error_.message : av_error_text(r)));
  if (opts_.chunked) return flush();
  return {};
}

result<void> avmux_writer::finish() {
  if (!oc_) return {};
  const int r = header_done_ ? av_write_trailer(oc_) : 0;
  auto flushed = flush();
  close();
  if (r < 0) return fail(errc::invalid_argument, "cannot finish the " + opts_.format + " output: " + av_error_text(r));
  return flushed;
}

}  // namespace tessera::core
