#include "core/elements/video/invert.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace invert_test {

using namespace video_test;

/// 4x2 pixels of `format` with bytes 0, 37, 74, ... (mod 256): every byte differs
/// from its neighbours and from its inverse.
std::vector<std::uint8_t> known_frame(video_format format) {
  std::vector<std::uint8_t> bytes(4 * 2 * bytes_per_pixel(format));
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 37 + 3);
  return bytes;
}

/// The inverse computed here: 255 - v for colour bytes; RGBA's every 4th byte (alpha) kept.
std::vector<std::uint8_t> inverted(const std::vector<std::uint8_t>& in, video_format format) {
  std::vector<std::uint8_t> out = in;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (!(format == video_format::rgba && i % 4 == 3)) out[i] = static_cast<std::uint8_t>(255 - in[i]);
  return out;
}

TEST(Invert, InvertsKnownPixelsInEveryFormatInPlace) {
  for (video_format f : {video_format::rgba, video_format::rgb, video_format::gray8}) {
    SCOPED_TRACE(std::string(to_string(f)));
    harness rig("invert");
    ASSERT_TRUE(rig.pusher->start_stream(video_caps(to_string(f), 4, 2)));
    const auto bytes = known_frame(f);
    buffer in = frame_buffer(bytes, 3);
    const void* address = data_address(in);
    const auto before = memory_counters_snapshot();
    ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
    const auto after = memory_counters_snapshot();
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    EXPECT_EQ(bytes_of(s->buffer), inverted(bytes, f));
    EXPECT_EQ(s->buffer.offset, 3u);  // metadata travels with the frame
    // A writable frame is changed where it lies: same memory, nothing copied.
    EXPECT_EQ(data_address(s->buffer), address);
    EXPECT_EQ(after.copied_bytes, before.copied_bytes);
    EXPECT_FALSE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  }
}

TEST(Invert, ASharedFrameIsCopiedOnceAndTheOriginalStaysUntouched) {
  harness rig("invert");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGBA", 4, 2)));
  const auto bytes = known_frame(video_format::rgba);
  buffer original = frame_buffer(bytes);
  const auto before = memory_counters_snapshot();
  // What a tee does: every branch gets a share of the same memory.
  ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);
  const auto after = memory_counters_snapshot();
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(bytes_of(s->buffer), inverted(bytes, video_format::rgba));
  EXPECT_EQ(bytes_of(original), bytes);
  EXPECT_NE(data_address(s->buffer), data_address(original));
  EXPECT_EQ(after.copied_bytes - before.copied_bytes, bytes.size());  // exactly one frame
  EXPECT_EQ(after.copies - before.copies, 1u);
}

TEST(Invert, InvertingTwiceGivesTheSourceBackAndAlphaIsKept) {
  const std::string src =
      "testsrc pattern=ball num-buffers=1 width=40 height=30 foreground-color=2164260864 background-color=1090519295";
  auto reference = build(src + " ! appsink name=out sync=false");
  auto once = build(src + " ! invert ! appsink name=out sync=false");
  auto twice = build(src + " ! invert ! invert ! appsink name=out sync=false");
  ASSERT_TRUE(reference && once && twice);
  auto ref = run_to_eos(*reference);
  auto one = run_to_eos(*once);
  auto two = run_to_eos(*twice);
  ASSERT_EQ(ref.samples.size(), 1u);
  ASSERT_EQ(one.samples.size(), 1u);
  ASSERT_EQ(two.samples.size(), 1u);
  const auto ref_bytes = bytes_of(ref.samples[0].buffer);
  EXPECT_EQ(bytes_of(one.samples[0].buffer), inverted(ref_bytes, video_format::rgba));
  EXPECT_EQ(bytes_of(two.samples[0].buffer), ref_bytes);
  // The colours had alphas 0x81 and 0x41; invert kept both.
  const auto inv = bytes_of(one.samples[0].buffer);
  for (std::size_t i = 3; i < inv.size(); i += 4) ASSERT_TRUE(inv[i] == 0x81 || inv[i] == 0x41) << i;
}

TEST(Invert, RunsInARealPipelineOnGray8) {
  auto p = build("testsrc num-buffers=100 ! video/x-raw,format=GRAY8 ! invert ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos);
  ASSERT_EQ(r.samples.size(), 100u);
  EXPECT_EQ(info_of(r.samples[0]).format(), video_format::gray8);
  // SMPTE's top-left bar is 75% white (191): its inverse is 64.
  EXPECT_EQ(bytes_of(r.samples[99].buffer).at(0), 255 - 191);
}

TEST(Invert, QosSkipsFramesDownstreamReportsLate) {
  for (bool qos : {true, false}) {
    SCOPED_TRACE(qos);
    harness rig("invert");
    ASSERT_TRUE(rig.middle->set_property("qos", property_value{qos}));
    ASSERT_TRUE(rig.pusher->start_stream(video_caps("GRAY8", 4, 2)));
    // The sink says: the frame at running time 1 s was 0.5 s late, so nothing ending
    // before 1.5 s is worth drawing.
    rig.out->sinkpad().push_event(event_qos{qos_report{1.0, 500'000'000, 1'000'000'000}});
    buffer early = frame_buffer(known_frame(video_format::gray8), 0);  // 0 s
    buffer late = frame_buffer(known_frame(video_format::gray8), 60);  // 2 s
    ASSERT_EQ(rig.pusher->src().push(std::move(early)), flow::ok);
    ASSERT_EQ(rig.pusher->src().push(std::move(late)), flow::ok);
    auto* t = dynamic_cast<base_transform*>(rig.middle);
    EXPECT_EQ(t->qos_dropped(), qos ? 1u : 0u);
    EXPECT_EQ(t->qos_processed(), qos ? 1u : 2u);
    auto first = rig.out->pull_sample(2s);
    ASSERT_TRUE(first);
    EXPECT_EQ(first->buffer.offset, qos ? 60u : 0u);
  }
}

TEST(Invert, ADownstreamResizeReachesTestsrcThroughInvert) {
  // The design's "videotestsrc ! videoscale ! ximagesink" with an in-place element in
  // the middle: testsrc's pad-alloc goes through invert, the sink answers with its new
  // width, and testsrc renegotiates; invert follows the new caps.
  auto r = run_resizing("", 160, 2, "invert !");
  ASSERT_EQ(r.frames.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    const int expected_width = i < 2 ? 320 : 160;
    EXPECT_EQ(video_info::from_caps(r.frames[i].caps).value().width(), expected_width) << i;
    ASSERT_EQ(r.frames[i].bytes.size(), static_cast<std::size_t>(expected_width) * 24 * 4) << i;
    for (std::size_t b = 0; b < r.frames[i].bytes.size(); ++b)
      ASSERT_EQ(std::to_integer<int>(r.frames[i].bytes[b]), b % 4 == 3 ? 255 : 0);  // white inverted to black, alpha kept
  }
  EXPECT_EQ(video_info::from_caps(r.src_caps).value().width(), 160);
}

TEST(Invert, HasAQosPropertyOnByDefault) {
  auto e = test_runtime().registry().make("invert").value();
  EXPECT_EQ(std::get<bool>(e->get_property("qos").value()), true);
}

}  // namespace invert_test
}  // namespace tessera::core
