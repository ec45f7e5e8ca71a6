#include "core/elements/av/avsrc_demuxer.hpp"
#include "core/elements/av/av_time.hpp"

#include "core/elements/av/av_error.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

#include <cerrno>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace tessera::core {

namespace {

constexpr int io_buffer_bytes = 64 * 1024;
// A stream whose packets fail to decode this many times in a row (with no frame in
// between) is not a damaged stream that recovers but one that will not decode.
constexpr unsigned max_bad_packets_in_a_row = 64;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const char* media_name(av_media m) { return m == av_media::video ? "video" : "audio"; }

}  // namespace

avsrc_demuxer::~avsrc_demuxer() {
  av_packet_free(&pkt_);
  avcodec_free_context(&dec_);
  if (ic_) avformat_close_input(&ic_);
  if (pb_) {
    av_freep(&pb_->buffer);
    avio_context_free(&pb_);
  }
}

int avsrc_demuxer::interrupt_cb(void* opaque) {
  const auto* self = static_cast<const avsrc_demuxer*>(opaque);
  if (self->interrupted_.load(std::memory_order_acquire)) return 1;
  const std::int64_t deadline = self->deadline_ns_.load(std::memory_order_relaxed);
  return deadline != 0 && steady_ns() > deadline ? 1 : 0;
}

void avsrc_demuxer::arm() noexcept {
  deadline_ns_.store(steady_ns() + std::chrono::nanoseconds(io_timeout_).count(), std::memory_order_relaxed);
}

error avsrc_demuxer::interrupted_or(int averror, std::string_view what) {
  if (averror == AVERROR_EXIT || averror == AVERROR(ETIMEDOUT) ||
      (averror < 0 && deadline_ns_.load(std::memory_order_relaxed) != 0 &&
       steady_ns() > deadline_ns_.load(std::memory_order_relaxed))) {
    clear_av_log_error();
    if (interrupted_.load(std::memory_order_acquire)) return error(errc::bad_state, std::string(what) + ": interrupted");
    return error(errc::io_error, std::string(what) + ": no answer within " + std::to_string(io_timeout_.count()) + " ms");
  }
  return av_error(averror, what);
}

int avsrc_demuxer::io_read(void* opaque, std::uint8_t* buf, int size) {
  auto* self = static_cast<avsrc_demuxer*>(opaque);
  for (;;) {
    const ssize_t n = ::pread(self->fd_.get(), buf, static_cast<std::size_t>(size), static_cast<off_t>(self->fd_pos_));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return AVERROR(errno);
    if (n == 0) return AVERROR_EOF;
    self->fd_pos_ += static_cast<std::uint64_t>(n);
    return static_cast<int>(n);
  }
}

std::int64_t avsrc_demuxer::io_seek(void* opaque, std::int64_t offset, int whence) {
  auto* self = static_cast<avsrc_demuxer*>(opaque);
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return static_cast<std::int64_t>(self->fd_size_);
  std::int64_t base = 0;
  if (whence == SEEK_CUR) base = static_cast<std::int64_t>(self->fd_pos_);
  else if (whence == SEEK_END) base = static_cast<std::int64_t>(self->fd_size_);
  else if (whence != SEEK_SET) return AVERROR(EINVAL);
  const std::int64_t pos = base + offset;
  if (pos < 0) return AVERROR(EINVAL);
  self->fd_pos_ = static_cast<std::uint64_t>(pos);
  return pos;
}

int avsrc_demuxer::io_open(AVFormatContext* s, AVIOContext** pb, const char* url, int flags, AVDictionary** options) {
  auto* self = static_cast<avsrc_demuxer*>(s->opaque);
  // A file is one descriptor: what it names inside itself (a playlist's entries, an
  // external data reference) is never opened. A URL's nested URLs pass the same rule
  // as the URL itself, so a playlist cannot lead anywhere the operator did not allow.
  if (!self->allowed_ || !self->allowed_(url)) {
    av_log(s, AV_LOG_ERROR, "refused to open \"%s\": not allowed by --allow-uri\n", url);
    return AVERROR(EPERM);
  }
  return self->default_io_open_(s, pb, url, flags, options);
}

result<std::unique_ptr<avsrc_demuxer>> avsrc_demuxer::open_fd(unique_fd fd, std::string label, avsrc_open_options opts) {
  install_av_log();
  std::unique_ptr<avsrc_demuxer> d(new avsrc_demuxer);
  d->label_ = std::move(label);
  d->io_timeout_ = opts.io_timeout;
  d->fd_ = std::move(fd);
  struct stat st{};
  if (::fstat(d->fd_.get(), &st) == 0 && S_ISREG(st.st_mode)) d->fd_size_ = static_cast<std::uint64_t>(st.st_size);
  auto* iobuf = static_cast<std::uint8_t*>(av_malloc(io_buffer_bytes));
  if (!iobuf) return fail(errc::no_memory, "out of memory for the read buffer of \"" + d->label_ + "\"");
  d->pb_ = avio_alloc_context(iobuf, io_buffer_bytes, 0, d.get(), &io_read, nullptr, &io_seek);
  if (!d->pb_) {
    av_free(iobuf);
    return fail(errc::no_memory, "out of memory for the reader of \"" + d->label_ + "\"");
  }
  d->pb_->seekable = AVIO_SEEKABLE_NORMAL;
  opts.allowed = nullptr;  // nothing nested in a file is opened
  if (auto r = d->open_stream(opts); !r) return r.error();
  return d;
}

result<std::unique_ptr<avsrc_demuxer>> avsrc_demuxer::open_url(const std::string& url, avsrc_open_options opts) {
  install_av_log();
  std::unique_ptr<avsrc_demuxer> d(new avsrc_demuxer);
  d->label_ = url;
  d->io_timeout_ = opts.io_timeout;
  if (auto r = d->open_stream(opts); !r) return r.error();
  return d;
}

result<void> avsrc_demuxer::open_stream(const avsrc_open_options& opts) {
  clear_av_log_error();
  allowed_ = opts.allowed;
  ic_ = avformat_alloc_context();
  if (!ic_) return fail(errc::no_memory, "out of memory opening \"" + label_ + "\"");
  ic_->interrupt_callback = AVIOInterruptCB{&interrupt_cb, this};
  ic_->opaque = this;
  default_io_open_ = ic_->io_open;
  ic_->io_open = &io_open;
  if (pb_) {
    ic_->pb = pb_;
    ic_->flags |= AVFMT_FLAG_CUSTOM_IO;
  }
  const AVInputFormat* fmt = nullptr;
  if (!opts.format.empty()) {
    fmt = av_find_input_format(opts.format.c_str());
    if (!fmt) return fail(errc::not_found, "libavdevice/libavformat has no input format \"" + opts.format + "\"");
  }
  AVDictionary* options = nullptr;
  if (!pb_) {
    // Each protocol's own timeouts, in case the protocol checks them before the
    // interrupt callback (microseconds); the RTSP one also bounds the first answer.
    const std::string us = std::to_string(std::chrono::microseconds(io_timeout_).count());
    av_dict_set(&options, "rw_timeout", us.c_str(), 0);
    if (label_.starts_with("rtsp://") || label_.starts_with("rtsps://")) av_dict_set(&options, "timeout", us.c_str(), 0);
    if (opts.live) av_dict_set(&options, "fflags", "nobuffer", 0);
  }
  if (allowed_ && !allowed_(label_)) {
    av_dict_free(&options);
    return fail(errc::permission_denied, "\"" + label_ + "\" is not allowed");
  }
  arm();
  int r = avformat_open_input(&ic_, pb_ ? nullptr : label_.c_str(), fmt, &options);
  av_dict_free(&options);
  if (r < 0) return interrupted_or(r, "cannot open \"" + label_ + "\"");
  arm();
  r = avformat_find_stream_info(ic_, nullptr);
  if (r < 0) return interrupted_or(r, "cannot read the streams of \"" + label_ + "\"");
  const AVMediaType type = opts.media == av_media::video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
  const AVCodec* codec = nullptr;
  r = av_find_best_stream(ic_, type, -1, -1, &codec, 0);
  if (r == AVERROR_STREAM_NOT_FOUND)
    return fail(errc::not_found, "\"" + label_ + "\" has no " + media_name(opts.media) + " stream");
  if (r == AVERROR_DECODER_NOT_FOUND)
    return fail(errc::not_found, "no decoder for the " + std::string(media_name(opts.media)) + " stream of \"" +
                                     label_ + "\" (" + avcodec_get_name(ic_->streams[0]->codecpar->codec_id) + ")");
  if (r < 0) return av_error(r, "cannot choose a stream of \"" + label_ + "\"");
  st_ = ic_->streams[r];
  for (unsigned i = 0; i < ic_->nb_streams; ++i)
    if (static_cast<int>(i) != r) ic_->streams[i]->discard = AVDISCARD_ALL;  // the demuxer skips the others
  dec_ = avcodec_alloc_context3(codec);
  pkt_ = av_packet_alloc();
  if (!dec_ || !pkt_) return fail(errc::no_memory, "out of memory for the decoder of \"" + label_ + "\"");
  r = avcodec_parameters_to_context(dec_, st_->codecpar);
  if (r < 0) return av_error(r, "cannot set up the " + std::string(codec->name) + " decoder");
  dec_->pkt_timebase = st_->time_base;
  dec_->thread_count = 0;  // as many as the machine has
  if (opts.live) {
    dec_->thread_type = FF_THREAD_SLICE;  // frame threads add a frame of delay per thread
    dec_->flags |= AV_CODEC_FLAG_LOW_DELAY;
  }
  r = avcodec_open2(dec_, codec, nullptr);
  if (r < 0) return av_error(r, "cannot open the " + std::string(codec->name) + " decoder");
  seekable_ = pb_ ? true : (ic_->pb && (ic_->pb->seekable & AVIO_SEEKABLE_NORMAL) != 0 && ic_->duration > 0);
  start_ns_ = ic_->start_time != AV_NOPTS_VALUE ? av_rescale_q(ic_->start_time, AV_TIME_BASE_Q, av_ns_time_base) : 0;
  if (ic_->duration > 0) duration_ = av_rescale_q(ic_->duration, AV_TIME_BASE_Q, av_ns_time_base);
  const AVRational rate = opts.media == av_media::video ? av_guess_frame_rate(ic_, st_, nullptr) : AVRational{0, 1};
  if (rate.num > 0 && rate.den > 0) {
    if (auto f = fraction::make(rate.num, rate.den)) framerate_ = *f;
  }
  deadline_ns_.store(0, std::memory_order_relaxed);
  return {};
}

fraction avsrc_demuxer::pixel_aspect_ratio(const AVFrame& f) const {
  const AVRational par = av_guess_sample_aspect_ratio(ic_, st_, const_cast<AVFrame*>(&f));
  if (par.num <= 0 || par.den <= 0) return fraction(1);
  auto r = fraction::make(par.num, par.den);
  return r ? *r : fraction(1);
}

clock_time avsrc_demuxer::frame_pts(const AVFrame& f) const {
  if (f.best_effort_timestamp == AV_NOPTS_VALUE) return time_none;
  return av_rescale_q(f.best_effort_timestamp, st_->time_base, av_ns_time_base) - start_ns_;
}

clock_time avsrc_demuxer::frame_duration(const AVFrame& f) const {
  if (f.pkt_duration > 0) return av_rescale_q(f.pkt_duration, st_->time_base, av_ns_time_base);
  if (dec_->codec_type == AVMEDIA_TYPE_AUDIO && f.sample_rate > 0)
    return av_rescale_q(f.nb_samples, AVRational{1, f.sample_rate}, av_ns_time_base);
  if (framerate_.num() > 0) return av_rescale_q(1, AVRational{framerate_.den(), framerate_.num()}, av_ns_time_base);
  return time_none;
}

std::optional<std::string> avsrc_demuxer::take_warning() { return std::exchange(warning_, std::nullopt); }

result<bool> avsrc_demuxer::next_frame(AVFrame* f) {
  av_frame_unref(f);
  for (;;) {
    int r = avcodec_receive_frame(dec_, f);
    if (r == 0) {
      bad_packets_in_a_row_ = 0;
      ++frames_decoded_;
      return true;
    }
    if (r == AVERROR_EOF) {
      deadline_ns_.store(0, std::memory_order_relaxed);
      if (frames_decoded_ == 0 && !first_bad_packet_error_.empty())
        return fail(errc::invalid_argument, "the " + std::string(dec_->codec->name) + " stream of \"" + label_ +
                                                "\" is corrupt: no frame decoded (" + first_bad_packet_error_ + ")");
      return false;
    }
    if (r != AVERROR(EAGAIN)) return av_error(r, "decoding \"" + label_ + "\" failed");
    arm();
    r = av_read_frame(ic_, pkt_);
    if (r == AVERROR_EOF || (r < 0 && ic_->pb && avio_feof(ic_->pb) && r != AVERROR_EXIT)) {
      // The end: drain the frames the decoder still holds.
      if (!draining_) {
        draining_ = true;
        (void)avcodec_send_packet(dec_, nullptr);
      }
      continue;
    }
    if (r < 0) return interrupted_or(r, "reading \"" + label_ + "\" failed");
    if (pkt_->stream_index != st_->index) {
      av_packet_unref(pkt_);
      continue;
    }
    r = avcodec_send_packet(dec_, pkt_);
    av_packet_unref(pkt_);
    if (r < 0 && r != AVERROR(EAGAIN)) {
      // Damaged data: the decoder skips the packet (and conceals what it can), as
      // ffmpeg does; a stream where nothing decodes any more is an error.
      const std::string why = av_error(r, "packet").message;
      if (first_bad_packet_error_.empty()) first_bad_packet_error_ = why;
      if (bad_packets_in_a_row_++ == 0)
        warning_ = "corrupt data in the " + std::string(dec_->codec->name) + " stream of \"" + label_ + "\" skipped (" + why + ")";
      if (bad_packets_in_a_row_ >= max_bad_packets_in_a_row)
        return fail(errc::invalid_argument, "the " + std::string(dec_->codec->name) + " stream of \"" + label_ +
                                                "\" is corrupt: " + std::to_string(bad_packets_in_a_row_) +
                                                " packets in a row failed to decode (" + first_bad_packet_error_ + ")");
    }
  }
}

result<void> avsrc_demuxer::seek(clock_time t) {
  const std::int64_t ts = av_rescale_q(t + start_ns_, av_ns_time_base, st_->time_base);
  arm();
  // The keyframe at or before ts: max_ts = ts.
  int r = avformat_seek_file(ic_, st_->index, INT64_MIN, ts, ts, 0);
  if (r < 0) r = av_seek_frame(ic_, st_->index, ts, AVSEEK_FLAG_BACKWARD);
  deadline_ns_.store(0, std::memory_order_relaxed);
  if (r < 0) return interrupted_or(r, "cannot seek in \"" + label_ + "\"");
  avcodec_flush_buffers(dec_);
  draining_ = false;
  return {};
}

}  // namespace tessera::core
