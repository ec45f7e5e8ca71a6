// videoconvert on tiled frames (layout=tiled): converted tile by tile into a tiled
// frame with the same pixels as the linear conversion (checked against conversions
// written out in the test), nothing gathered or copied on the way; and conversions
// between the linear and tiled layouts.
#include "core/elements/video/videoconvert.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tessera::core {
namespace videoconvert_tiled_test {

using namespace tiled_video_test;

constexpr const char* formats[] = {"RGBA", "RGB", "GRAY8"};

/// testsrc's smpte frames (150x70: 3x2 tiles, partial edges) in `from`, linear.
std::vector<sample> source_frames(std::string_view from) {
  return samples_of("testsrc pattern=smpte num-buffers=2 width=150 height=70 format=" + std::string(from) +
                    " ! appsink name=out sync=false");
}

TEST(VideoconvertTiled, TiledFramesConvertTileByTileLikeLinearOnes) {
  for (const char* from : formats) {
    const auto source = source_frames(from);
    ASSERT_EQ(source.size(), 2u);
    for (const char* to : formats) {
      SCOPED_TRACE(std::string(from) + " -> " + to);
      const std::string head = "testsrc pattern=smpte num-buffers=2 width=150 height=70 format=" + std::string(from);
      // The capsfilter pins testsrc's format: it would otherwise draw `to` itself.
      const std::string tail = " ! video/x-raw,format=" + std::string(from) + " ! videoconvert ! video/x-raw,format=" +
                               std::string(to) + " ! appsink name=out sync=false";
      const auto linear = samples_of(head + tail);
      const auto tiled = samples_of(head + " tiled=true" + tail);
      ASSERT_EQ(linear.size(), 2u);
      ASSERT_EQ(tiled.size(), 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        const auto expected = reference_convert(pixels_of(source[i]), from, to);
        EXPECT_TRUE(tiled_caps(to, 150, 70).is_subset(tiled[i].caps)) << tiled[i].caps.to_string();
        EXPECT_EQ(tiled[i].buffer.n_memory(), 6u);
        EXPECT_EQ(pixels_of(linear[i]), expected) << "frame " << i;
        EXPECT_EQ(pixels_of(tiled[i]), expected) << "frame " << i;
        EXPECT_EQ(tiled[i].buffer.pts, linear[i].buffer.pts);
      }
    }
  }
}

TEST(VideoconvertTiled, ConvertsBetweenTheLinearAndTiledLayouts) {
  for (const char* from : formats) {
    const auto source = source_frames(from);
    ASSERT_EQ(source.size(), 2u);
    for (const char* to : formats) {
      SCOPED_TRACE(std::string(from) + " -> " + to);
      const std::string head = "testsrc pattern=smpte num-buffers=2 width=150 height=70 format=" + std::string(from);
      // The capsfilters pin testsrc's format and layout: it would otherwise make the output's itself.
      const std::string pin = " ! video/x-raw,format=" + std::string(from) + ",layout=";
      const auto to_tiled = samples_of(head + pin + "linear ! videoconvert ! video/x-raw,layout=tiled,format=" +
                                       std::string(to) + " ! appsink name=out sync=false");
      const auto to_linear = samples_of(head + " tiled=true" + pin + "tiled ! videoconvert ! video/x-raw,layout=linear,format=" +
                                        std::string(to) + " ! appsink name=out sync=false");
      ASSERT_EQ(to_tiled.size(), 2u);
      ASSERT_EQ(to_linear.size(), 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        const auto expected = reference_convert(pixels_of(source[i]), from, to);
        EXPECT_EQ(info_of(to_tiled[i]).layout(), video_layout::tiled);
        EXPECT_EQ(info_of(to_linear[i]).layout(), video_layout::linear);
        EXPECT_EQ(to_linear[i].buffer.n_memory(), 1u);
        EXPECT_EQ(pixels_of(to_tiled[i]), expected) << "frame " << i;
        EXPECT_EQ(pixels_of(to_linear[i]), expected) << "frame " << i;
      }
    }
  }
}

TEST(VideoconvertTiled, ATiledConversionCopiesNoByteAndLeavesTheInputAlone) {
  constexpr int w = 130, h = 70;
  std::vector<std::uint8_t> rgb(static_cast<std::size_t>(w) * h * 3);
  for (std::size_t i = 0; i < rgb.size(); ++i) rgb[i] = static_cast<std::uint8_t>(i * 13 + i / 97);
  harness rig("videoconvert", "video/x-raw,format=GRAY8");
  ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("RGB", w, h)));
  buffer original = tiled_frame(rgb, w, h, 3);
  original.pts = 777;
  const auto before = memory_counters_snapshot();
  ASSERT_EQ(rig.pusher->src().push(original.share()), flow::ok);
  const auto after = memory_counters_snapshot();
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(after.copies, before.copies);  // no gathering into rows, no copy-on-write
  EXPECT_EQ(after.copied_bytes, before.copied_bytes);
  EXPECT_TRUE(tiled_caps("GRAY8", w, h).is_subset(s->caps)) << s->caps.to_string();
  EXPECT_EQ(s->buffer.n_memory(), 6u);
  EXPECT_EQ(s->buffer.peek_memory(0).size(), 64u * 64u);  // GRAY8 tiles: 1 byte a pixel
  EXPECT_EQ(s->buffer.pts, 777);
  EXPECT_EQ(untile(s->buffer, w, h, 1), reference_convert(rgb, "RGB", "GRAY8"));
  EXPECT_EQ(untile(original, w, h, 3), rgb);
}

TEST(VideoconvertTiled, SameFormatTiledIsPassthrough) {
  harness rig("videoconvert");
  ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("RGBA", 70, 70)));
  std::vector<std::uint8_t> rgba(70 * 70 * 4, 9);
  buffer in = tiled_frame(rgba, 70, 70, 4);
  const memory first = in.peek_memory(0);
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  EXPECT_TRUE(s->buffer.peek_memory(0) == first);
  EXPECT_TRUE(tiled_caps("RGBA", 70, 70).is_subset(s->caps)) << s->caps.to_string();
}

TEST(VideoconvertTiled, BothPadsSayTiledAndUpstreamMayOfferEitherLayout) {
  const auto [in, out] = negotiated_caps("testsrc num-buffers=1 width=100 height=60 tiled=true ! video/x-raw,format=RGBA ! "
                                         "videoconvert name=v ! "
                                         "video/x-raw,format=GRAY8 ! appsink name=out sync=false",
                                         "v");
  EXPECT_TRUE(tiled_caps("RGBA", 100, 60).is_subset(in)) << in.to_string();
  EXPECT_TRUE(tiled_caps("GRAY8", 100, 60).is_subset(out)) << out.to_string();

  harness rig("videoconvert", "video/x-raw,format=GRAY8,width=64,height=48,layout=tiled");
  const caps upstream = rig.middle->static_pad(pad_direction::sink)->query_caps();
  EXPECT_TRUE(tiled_caps("RGB", 64, 48).is_subset(upstream)) << upstream.to_string();
  EXPECT_TRUE(video_caps("RGB", 64, 48).is_subset(upstream)) << upstream.to_string();
}

TEST(VideoconvertTiled, ABufferThatIsNotATiledFrameIsRefusedWithTheReason) {
  harness rig("videoconvert", "video/x-raw,format=GRAY8");
  ASSERT_TRUE(rig.pusher->start_stream(tiled_caps("RGB", 70, 70)));
  EXPECT_NE(rig.pusher->src().push(frame_buffer(std::vector<std::uint8_t>(70 * 70 * 3))), flow::ok);
  const std::string e = wait_error(*rig.p);
  EXPECT_NE(e.find("videoconvert"), std::string::npos) << e;
  EXPECT_NE(e.find("needs 4 tile memories"), std::string::npos) << e;
}

}  // namespace videoconvert_tiled_test
}  // namespace tessera::core
