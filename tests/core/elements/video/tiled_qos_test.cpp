// QoS on tiled frames: drawbox, invert and boxblur run tiled frames through
// base_transform::chain like linear ones, so with qos=true a frame the sink reports
// late is skipped and counted (processed/dropped) whatever the layout, and the frame
// that is kept is transformed into the same pixels as its linear twin.

#include "core/base/base_transform.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core {
namespace tiled_qos_test {

using namespace tiled_video_test;

constexpr int width = 100;  // 2x2 tiles of 64, the right and bottom ones partial
constexpr int height = 70;

/// GRAY8 pixels 3, 40, 77, ... (mod 256): neighbours differ, so a blur, a box and an
/// inversion all change them.
std::vector<std::uint8_t> known_pixels() {
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 3);
  return bytes;
}

/// Frame `n` at 30 fps, linear or tiled, holding known_pixels().
buffer known_frame(bool tiled, std::uint64_t n) {
  buffer b = tiled ? tiled_video_test::tiled_frame(known_pixels(), width, height, 1) : frame_buffer(known_pixels());
  b.pts = static_cast<std::int64_t>(n) * 1'000'000'000 / 30;
  b.duration = 33'333'333;
  b.offset = n;
  return b;
}

struct qos_outcome {
  std::uint64_t processed = 0;
  std::uint64_t dropped = 0;
  std::uint64_t first_offset = 0;          ///< of the first frame the sink got
  bool first_tiled = false;                ///< its caps say layout=tiled
  std::vector<std::uint8_t> first_pixels;  ///< as packed rows
};

/// Pushes frames 0 (0 s) and 60 (2 s) through `element_name` after the sink reported
/// that nothing ending before 1.5 s is worth drawing.
qos_outcome run_late_frames(const std::string& element_name, bool tiled, bool qos) {
  qos_outcome o;
  harness rig(element_name);
  EXPECT_TRUE(rig.middle->set_property("qos", property_value{qos}));
  EXPECT_TRUE(rig.pusher->start_stream(tiled ? tiled_caps("GRAY8", width, height) : video_caps("GRAY8", width, height)));
  // The frame at running time 1 s was 0.5 s late (the sink's QoS event).
  rig.out->sinkpad().push_event(event_qos{qos_report{1.0, 500'000'000, 1'000'000'000}});
  EXPECT_EQ(rig.pusher->src().push(known_frame(tiled, 0)), flow::ok);
  EXPECT_EQ(rig.pusher->src().push(known_frame(tiled, 60)), flow::ok);
  auto* t = dynamic_cast<base_transform*>(rig.middle);
  EXPECT_NE(t, nullptr);
  if (!t) return o;
  o.processed = t->qos_processed();
  o.dropped = t->qos_dropped();
  auto first = rig.out->pull_sample(2s);
  EXPECT_TRUE(first);
  if (!first) return o;
  o.first_offset = first->buffer.offset;
  o.first_tiled = info_of(*first).layout() == video_layout::tiled;
  o.first_pixels = pixels_of(*first);
  return o;
}

class TiledQos : public ::testing::TestWithParam<const char*> {};

TEST_P(TiledQos, LateTiledFramesAreSkippedAndCountedLikeLinearOnes) {
  const std::string element_name = GetParam();
  for (bool qos : {true, false}) {
    SCOPED_TRACE(element_name + (qos ? " qos=true" : " qos=false"));
    const qos_outcome linear = run_late_frames(element_name, false, qos);
    const qos_outcome tiled = run_late_frames(element_name, true, qos);
    // With qos the early frame (it ends at 33 ms, before 1.5 s) is dropped; without,
    // both frames are processed and the early one arrives first.
    EXPECT_EQ(tiled.dropped, qos ? 1u : 0u);
    EXPECT_EQ(tiled.processed, qos ? 1u : 2u);
    EXPECT_EQ(tiled.first_offset, qos ? 60u : 0u);
    EXPECT_TRUE(tiled.first_tiled);
    // Exactly as on linear frames.
    EXPECT_EQ(linear.dropped, tiled.dropped);
    EXPECT_EQ(linear.processed, tiled.processed);
    EXPECT_EQ(linear.first_offset, tiled.first_offset);
    EXPECT_FALSE(linear.first_tiled);
    // The kept frame was transformed, into the same pixels in both layouts.
    EXPECT_NE(tiled.first_pixels, known_pixels());
    EXPECT_EQ(tiled.first_pixels, linear.first_pixels);
  }
}

INSTANTIATE_TEST_SUITE_P(Elements, TiledQos, ::testing::Values("drawbox", "invert", "boxblur"),
                         [](const ::testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

}  // namespace tiled_qos_test
}  // namespace tessera::core
