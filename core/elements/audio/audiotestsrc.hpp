#pragma once
/// audiotestsrc: audio test signals (GStreamer's audiotestsrc).
///
/// Waves: sine, square (+amp for the first half of each period, -amp for the
/// second) and silence; `freq` in Hz and `volume` (0..1) may change while PLAYING
/// and apply from the next buffer. Every buffer holds `samplesperbuffer` frames (one
/// sample per channel, the same value on every channel), fewer at a segment's stop.
///
/// Sample n of the stream is computed from n itself, never from a running phase
/// accumulator: phase(n) = frac(freq * n / rate), so no error builds up however
/// long it plays. S16 samples are round(volume * 32767 * sin(2 pi phase)) (rounding
/// half away from zero), F32 ones volume * sin(2 pi phase).
///
/// Timing is exact, from sample counts: a buffer starting at sample n has pts
/// n * 1e9 / rate ns (integer arithmetic, truncated) and lasts until the next one's
/// pts, so durations add up to the pts with no drift; offset/offset_end are sample
/// numbers. A seek lands on the first sample at or after the seek time. With
/// is-live the base class hands each buffer out at its clock time. Forward only: a
/// seek with a negative rate is refused.
///
/// num-buffers=N makes the stream N * samplesperbuffer samples long (the duration
/// query's answer): a seek plays from its position to that end, also after EOS, the
/// last buffer cut at the end.
///
/// A buffer may hold at most the pipeline's max_buffer_bytes (64 MiB by default):
/// more (samplesperbuffer x bytes per frame) fails set_caps with
/// errc::limit_exceeded naming the element and the limit, and so does the next
/// buffer when samplesperbuffer grows past it in PAUSED.
///
/// Negotiation: audio/x-raw S16LE or F32LE, any rate and channel count downstream
/// allows, fixated to S16LE, 44100 Hz, mono when it is free to choose.
///
/// Thread safety: create() and the negotiation hooks run in the streaming task;
/// properties may be written from any thread.

#include "core/base/base_src.hpp"
#include "core/caps/audio_info.hpp"

#include <atomic>
#include <optional>

namespace tessera::core {

class audiotestsrc final : public base_src {
 public:
  enum wave : std::int64_t { wave_sine = 0, wave_square = 1, wave_silence = 4 };

  audiotestsrc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  flow create(buffer& out) override;
  bool is_live() const override { return props().get_bool(prop_is_live_); }
  /// One buffer period (samplesperbuffer at the negotiated rate).
  clock_time live_latency(const caps& c) const override;
  bool is_seekable() const override { return true; }
  bool do_seek(core::segment& seg) override;
  std::optional<clock_time> time_duration() const override;
  result<caps> fixate_caps(const caps& allowed) override;
  result<void> set_caps(const caps& c) override;
  result<void> start() override;

 private:
  // Whether samplesperbuffer frames of `info` fit the pipeline's max_buffer_bytes.
  result<void> check_buffer_bytes(const audio_info& info) const;
  void fill(std::byte* data, std::uint64_t first_sample, std::size_t frames) const;
  clock_time sample_time(std::uint64_t n) const noexcept;
  std::uint64_t first_sample_at(clock_time t) const noexcept;
  std::optional<std::uint64_t> end_sample() const;

  std::size_t prop_wave_, prop_freq_, prop_volume_, prop_samples_, prop_num_buffers_, prop_is_live_;

  // Streaming state (the task, or start/seek while the task is stopped).
  std::optional<audio_info> info_;
  std::uint64_t next_sample_ = 0;
  clock_time seek_time_ = time_none;  ///< a seek not yet turned into a sample number
  clock_time stop_time_ = time_none;  ///< the segment's stop: EOS there
  bool discont_ = true;
  std::atomic<std::int64_t> negotiated_rate_{0};  ///< samples per second, for queries from other threads; 0 before caps
};

}  // namespace tessera::core
