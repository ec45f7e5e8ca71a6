#pragma once
/// avenc: compresses raw video with libavcodec (GStreamer's x264enc, vp8enc, vp9enc,
/// avenc_mjpeg in one element).
///
/// `codec=h264|vp8|vp9|mjpeg` (libx264, libvpx, libvpx-vp9, FFmpeg's mjpeg) takes
/// video/x-raw I420 (and NV12 for H.264), linear, and gives:
///  - video/x-h264, alignment=au, stream-format=avc (codec_data: the avcC record as
///    hex; SPS/PPS out of band) or byte-stream (Annex B, SPS/PPS before every key
///    frame), whichever downstream takes, avc first as x264enc;
///  - video/x-vp8, video/x-vp9, image/jpeg;
/// each with the input's width, height, framerate and pixel-aspect-ratio. Buffers
/// carry pts, dts and duration (ns); frames that are not key frames have the
/// delta-unit flag, as GStreamer's encoders set it.
///
/// Properties (READY): `bitrate` (kbit/s), `key-int-max` (frames between key frames,
/// 0: the codec's default), `speed` (x264's preset names, mapped to libvpx's
/// cpu-used and deadline), `tune` (auto: zerolatency when upstream is live, as a
/// live stream cannot wait for a lookahead; none; zerolatency: no B-frames, no
/// frame delay). Colours are tagged BT.601 limited range (videoconvert's I420).
///
/// Latency (GstVideoEncoder's): the encoder holds frames before it gives their
/// packets (x264's lookahead, B-frames and frame threads; libvpx's lag), and a live
/// pipeline must allow for it. avenc counts the frames in and packets out: when its
/// first packet comes out (and whenever the frames held grow past that) it knows the
/// delay in frames and posts a latency message before pushing, so the pipeline
/// recalculates before that packet reaches a sink. Its latency answer is upstream's
/// plus that many frame durations (min and max); tune=zerolatency holds no frame: 0.
///
/// Events: a force-key-unit event from downstream (websink when a viewer joins)
/// makes the next frame a key frame (an IDR for H.264); EOS drains the encoder
/// before it goes on; a flush drops what the encoder held (it is reopened at the
/// next frame); new input caps drain the old stream and reopen.
///
/// Thread safety: chain and events in the streaming task; force-key-unit may come
/// from any thread (an atomic flag).

#include "core/video/video_info.hpp"
#include "core/elements/av/avenc_encoder.hpp"
#include "core/graph/element.hpp"

#include <atomic>
#include <mutex>
#include <optional>

namespace tessera::core {

class avenc final : public element {
 public:
  avenc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  caps query_caps(pad& p, const caps* filter) override;
  latency_info query_latency(pad& srcpad) override;

  /// Frames the encoder has been seen to hold before giving a packet (0 until known).
  std::int64_t delay_frames() const noexcept { return delay_frames_.load(std::memory_order_relaxed); }

  /// Key frames forced by force-key-unit events so far.
  std::uint64_t key_units_forced() const noexcept { return forced_.load(std::memory_order_relaxed); }

 protected:
  state_change change_state(state from, state to) override;

 private:
  av_video_codec codec() const;
  result<void> configure(const caps& in);
  flow push_packets(std::vector<av_packet_out>& packets);
  flow drain();
  /// After an encode that gave `packets` packets: the frames held now; a new largest
  /// one is the encoder's delay, posted as a latency message (the caller holds
  /// encoder_mutex_).
  void note_delay(std::size_t packets, clock_time frame_duration);

  pad* sinkpad_;
  pad* srcpad_;
  std::size_t prop_codec_, prop_bitrate_, prop_key_int_, prop_speed_, prop_tune_;
  // Held by the streaming thread while it encodes or drains, and by the state change
  // that closes the encoder: closing under a running encode crashed libx264.
  std::mutex encoder_mutex_;
  avenc_encoder encoder_;
  std::optional<video_info> info_;
  avenc_settings settings_;
  bool avc_ = false;          ///< H.264 out as stream-format=avc (length-prefixed)
  bool reopen_ = false;       ///< a flush closed the encoder: reopen at the next frame
  bool discont_ = true;       ///< the next buffer out starts a new stream
  std::uint64_t frames_in_ = 0;    ///< since the encoder was opened
  std::uint64_t packets_out_ = 0;  ///< since the encoder was opened
  std::atomic<std::int64_t> delay_frames_{0};
  std::atomic<clock_time> frame_duration_{0};
  std::atomic<bool> force_key_{false};
  std::atomic<std::uint64_t> forced_{0};
};

}  // namespace tessera::core
