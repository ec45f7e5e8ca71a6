#pragma once
// Shared by the rawvideoparse tests: a file of known frames and checks of a run of
// frames (recorded by the harness sink) against values computed here (never by the
// parser).

#include "core/elements/rawparse/rawvideoparse.hpp"

#include "tests/core/support/file_test_support.hpp"
#include "tests/core/support/harness.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core::rawvideoparse_test {

using namespace file_test;
using test::harness_pipeline;
using test::harness_sink;

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

inline std::string parse_props(const std::string& framerate = "30/1") {
  return "rawvideoparse width=8 height=4 format=GRAY8 framerate=" + framerate;
}

inline rawvideoparse* parser(pipeline& p) { return static_cast<rawvideoparse*>(p.find("rawvideoparse0")); }
inline harness_sink* sink(pipeline& p) { return static_cast<harness_sink*>(p.find("harnesssink0")); }

/// Checks that `got` holds frames first, first + 1, ... with their bytes and times.
inline void expect_frames(const std::vector<harness_sink::record>& got, std::size_t first, std::size_t count,
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
