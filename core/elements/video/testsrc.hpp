#pragma once
/// testsrc: raw video test patterns (GStreamer's videotestsrc).
///
/// Negotiation (videotestsrc's): `fixate_caps` takes the first structure of what
/// downstream allows (its first choice: through videoscale or videoconvert that is
/// the caps behind them, so `testsrc ! videoscale ! video/x-raw,width=640,height=360`
/// draws 640x360) and fixes every field it leaves open nearest to the properties
/// (format, width, height, framerate are preferences), pixel-aspect-ratio nearest 1/1,
/// so `testsrc ! video/x-raw,width=64 ! ...` works. The frame size is checked against the
/// pipeline's limits (max_frame_pixels) before anything is allocated. Changing a
/// format property while streaming renegotiates before the next frame.
///
/// Timing: frame k after the last (re)origin has pts = k * 1e9 * den / num ns and lasts
/// until the next frame's pts; offset is the frame number. A seek in time lands on the
/// frame shown at that time (frame = floor(t * num / (den * 1e9))). A framerate of 0/1
/// is a still image: one frame, then EOS. With is-live the base class hands each frame
/// out when the clock reaches it.
///
/// num-buffers=N makes the stream N frames long (frames 0 to N-1, so the duration
/// query answers N frame periods): a seek to frame k plays frames k to N-1, also
/// after EOS. (GStreamer's basesrc counts num-buffers from READY -> PAUSED and never
/// again, so there a seek after that EOS ends at once; we follow the duration.)
/// Reverse playback (rate < 0) produces frames from the one before the segment's stop
/// down to the one shown at its start; without a stop, from the end of the stream
/// (num-buffers) or else from the frame last produced.
///
/// Allocation (the transform design's use cases): with peer-alloc=true every frame's
/// buffer comes from downstream by pad-alloc; when downstream answers with other caps
/// (a resized sink) that are fixed and within the template, the source renegotiates to
/// them and draws at the new size. With peer-alloc=false frames come from the
/// source's own pool and downstream is never asked. With tiled=true frames are tiled
/// (caps layout=tiled, core/video/tiled_frame.hpp): one memory per 64x64 tile, the
/// same pixels as the linear frame, never pad-allocated.
///  - A still pattern (smpte, checkers, solid, gradient: is_still_pattern) is kept in one
///    tiled_image on the runtime's tile cache. Its validator paints a tile on its first
///    use (a row of tiles is painted into a band-sized scratch once), and every frame is
///    a buffer of memories sharing the image's tile storage (core/video/image_frame.hpp):
///    after the first frame nothing is painted, allocated or copied. The tiles are not
///    writable while the image shares them, so a downstream writer copies the tiles it
///    writes and the next frame is untouched. A frame in flight pins the tiles it holds;
///    the others may be swapped out by the tile cache. A change of pattern, colour or
///    caps starts a new image (frames in flight keep the old tiles).
///  - A changing pattern (snow, ball) is drawn each frame into tile memories from the
///    tile cache (recycled like a pool), one row of tiles at a time.
///
/// Thread safety: create() and the negotiation hooks run in the source's streaming
/// task; properties may be written from any thread.

#include "core/base/base_src.hpp"
#include "core/video/video_info.hpp"
#include "core/elements/video/test_patterns.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/video/tile_geometry.hpp"
#include "core/video/tiled_image.hpp"

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace tessera::core {

class testsrc final : public base_src {
 public:
  testsrc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  /// The caps of the template: what testsrc can produce.
  static caps template_caps();

 protected:
  flow create(buffer& out) override;
  bool is_live() const override { return props().get_bool(prop_is_live_); }
  /// One frame period, as videotestsrc answers.
  clock_time live_latency(const caps& c) const override;
  bool is_seekable() const override { return true; }
  bool can_play_backwards() const override { return true; }
  bool do_seek(core::segment& seg) override;
  std::optional<clock_time> time_duration() const override;
  result<caps> fixate_caps(const caps& allowed) override;
  result<void> set_caps(const caps& c) override;
  result<void> start() override;
  void stop() override;
  void property_changed(std::size_t index) override;

 private:
  caps property_caps() const;
  fraction property_framerate() const;
  clock_time frame_time(std::uint64_t frame) const noexcept;
  std::uint64_t frame_at(clock_time t) const noexcept;
  bool at_end() const;
  result<void> check_frame_size(std::int64_t width, std::int64_t height) const;
  flow obtain_buffer(buffer& out);
  flow own_buffer(buffer& out);
  flow tiled_buffer(buffer& out);
  /// A still pattern's tiled frame: shares the tiles of still_image_ (made or remade for `pattern`).
  flow still_tiled_frame(buffer& out, test_pattern pattern);
  /// The validator of still_image_: paints tile `area` of the still pattern.
  void paint_still_tile(const tile_rect& area, std::span<std::byte> bytes);

  std::size_t prop_pattern_, prop_width_, prop_height_, prop_format_, prop_framerate_, prop_num_buffers_,
      prop_is_live_, prop_peer_alloc_, prop_foreground_, prop_background_, prop_tiled_;

  // Streaming state (the task, or start/seek while the task is stopped).
  caps caps_;
  std::optional<video_info> info_;
  std::uint64_t next_frame_ = 0;     ///< offset of the next frame
  std::uint64_t origin_frame_ = 0;   ///< frame number at origin_time_
  clock_time origin_time_ = 0;       ///< pts of origin_frame_, ns
  clock_time stop_time_ = time_none; ///< end of the seek segment: EOS at frames from here
  std::int64_t since_seek_ = 0;      ///< frames since start or the last seek
  bool reverse_ = false;             ///< frames go down from next_frame_ to first_frame_
  std::uint64_t first_frame_ = 0;    ///< reverse: the last frame to produce (at the segment's start)
  bool exhausted_ = false;           ///< reverse: went below first_frame_
  std::optional<std::uint64_t> last_frame_;  ///< the frame produced last
  /// The negotiated framerate, for the duration query from other threads: num << 32 | den, 0 before caps.
  std::atomic<std::uint64_t> negotiated_rate_{0};
  bool discont_ = true;
  bool warned_bad_alloc_caps_ = false;
  std::unique_ptr<pool_allocator> pool_;
  pattern_painter painter_;
  std::optional<tile_grid> tile_grid_;        ///< set when the caps say layout=tiled
  std::vector<std::uint8_t> tiled_scratch_;   ///< one row of tiles of a tiled frame, drawn linearly first
  /// What a still image shows: the pattern and its colours (the caps' size and format
  /// are the image's grid).
  struct still_picture {
    test_pattern pattern = test_pattern::smpte;
    std::uint32_t fg = 0, bg = 0;
    friend bool operator==(const still_picture&, const still_picture&) = default;
  };
  std::optional<tiled_image> still_image_;     ///< a still pattern's tiles (tiled=true)
  still_picture still_picture_;                ///< what still_image_ holds
  std::optional<std::size_t> painted_band_;    ///< first row of the band tiled_scratch_ holds for the validator
};

}  // namespace tessera::core
