#pragma once
// Shared by the rawvideoparse tests: a file of known frames, a sink that keeps every
// frame with its timestamps, a registry with the elements the pipelines use, and
// checks of a run of frames against values computed here (never by the parser).

#include "core/elements/rawparse/rawvideoparse.hpp"

#include "core/elements/basic/capsfilter.hpp"
#include "core/elements/basic/fakesrc.hpp"
#include "core/elements/file/filesrc.hpp"
#include "core/elements/routing/queue.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/elements/file_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

namespace tessera::core::rawvideoparse_test {

using namespace file_test;

// Frames of 8x4 GRAY8 (32 bytes): byte i of frame k is (k * 16 + i) % 256, so each
// frame's first byte names it and any shift by a byte shows.
constexpr std::size_t frame_w = 8;
constexpr std::size_t frame_h = 4;
constexpr std::size_t frame_bytes = frame_w * frame_h;

inline std::byte pixel(std::size_t frame, std::size_t i) { return static_cast<std::byte>((frame * 16 + i) % 256); }

inline std::vector<std::byte> frames_file_bytes(std::size_t frames, std::size_t extra_bytes = 0) {
  std::vector<std::byte> v;
  for (std::size_t k = 0; k < frames; ++k)
    for (std::size_t i = 0; i < frame_bytes; ++i) v.push_back(pixel(k, i));
  for (std::size_t i = 0; i < extra_bytes; ++i) v.push_back(std::byte{0xee});
  return v;
}

inline std::vector<std::byte> expected_frame(std::size_t k) {
  std::vector<std::byte> v(frame_bytes);
  for (std::size_t i = 0; i < frame_bytes; ++i) v[i] = pixel(k, i);
  return v;
}

/// pts of frame k at num/den frames per second, rounded down to the ns.
inline clock_time pts_of(std::int64_t k, std::int64_t num, std::int64_t den) {
  return static_cast<clock_time>((static_cast<__int128>(k) * den * 1'000'000'000) / num);
}

/// A sink that keeps every rendered frame with its timestamps.
class frame_sink final : public base_sink {
 public:
  struct frame {
    clock_time pts = time_none;
    clock_time duration = time_none;
    std::uint64_t offset = 0;
    bool discont = false;
    std::vector<std::byte> bytes;
  };

  frame_sink(const element_factory& f, std::string name) : base_sink(f, std::move(name)) {}
  static std::unique_ptr<element_factory> factory() {
    return make_factory<frame_sink>("framesink", "Frame sink", "Sink", "Keeps rendered frames (tests)",
                                    {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                    base_sink::common_properties(false));
  }
  std::vector<frame> frames() const {
    std::lock_guard lock(mutex_);
    return frames_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return frames_.size();
  }

 protected:
  flow render(buffer& b) override {
    frame f;
    f.pts = b.pts;
    f.duration = b.duration;
    f.offset = b.offset;
    f.discont = (static_cast<std::uint32_t>(b.flags) & static_cast<std::uint32_t>(buffer_flags::discont)) != 0;
    auto map = b.map(map_access::read);
    if (!map) return flow::error;
    f.bytes.assign(map->data(), map->data() + map->size());
    std::lock_guard lock(mutex_);
    frames_.push_back(std::move(f));
    return flow::ok;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<frame> frames_;
};

inline element_registry& test_registry() {
  static element_registry r(test_runtime());
  static const bool filled = [] {
    r.add(filesrc::factory());
    r.add(fakesrc::factory());
    r.add(capsfilter::factory());
    r.add(queue::factory());
    r.add(rawvideoparse::factory());
    r.add(frame_sink::factory());
    return true;
  }();
  (void)filled;
  return r;
}

inline std::unique_ptr<pipeline> build(const std::string& desc) {
  auto p = build_pipeline(desc, test_registry(), "test");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

inline std::string parse_props(const std::string& framerate = "30/1") {
  return "rawvideoparse width=8 height=4 format=GRAY8 framerate=" + framerate;
}

inline rawvideoparse* parser(pipeline& p) { return static_cast<rawvideoparse*>(p.find("rawvideoparse0")); }
inline frame_sink* sink(pipeline& p) { return static_cast<frame_sink*>(p.find("framesink0")); }

/// Checks that `got` holds frames first, first + 1, ... with their bytes and times.
inline void expect_frames(const std::vector<frame_sink::frame>& got, std::size_t first, std::size_t count,
                   std::int64_t num = 30, std::int64_t den = 1) {
  ASSERT_EQ(got.size(), count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t k = first + i;
    EXPECT_EQ(got[i].bytes, expected_frame(k)) << "frame " << k;
    EXPECT_EQ(got[i].pts, pts_of(static_cast<std::int64_t>(k), num, den)) << "frame " << k;
    EXPECT_EQ(got[i].duration, pts_of(static_cast<std::int64_t>(k) + 1, num, den) - pts_of(static_cast<std::int64_t>(k), num, den))
        << "frame " << k;
    EXPECT_EQ(got[i].offset, k) << "frame " << k;
  }
}

inline void run_to_eos(pipeline& p) {
  ASSERT_NE(p.set_state(state::playing), state_change::failure);
  auto end = wait_for_end(p);
  ASSERT_TRUE(end) << "no EOS";
  ASSERT_EQ(end->type, message_type::eos) << end->get_string("message").value_or("");
}

}  // namespace tessera::core::rawvideoparse_test
