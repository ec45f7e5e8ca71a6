#include "core/elements/video/videoconvert.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include <gtest/gtest.h>

#include <array>

namespace tessera::core {
namespace videoconvert_test {

using namespace video_test;

struct rgb_px {
  int r, g, b;
};

// Primaries, greys, and colours whose exact luma lies on .5 (rounded up): (0,0,250)
// is 28.5, (0,12,4) is 7.5, (0,8,86) is 14.5, (0,146,7) is 86.5, (1,123,0) is 72.5.
const std::vector<rgb_px> colours = {{0, 0, 0},     {255, 255, 255}, {255, 0, 0},    {0, 255, 0},
                                     {0, 0, 255},   {128, 128, 128}, {0, 0, 250},    {0, 12, 4},
                                     {0, 8, 86},    {200, 100, 50},  {191, 191, 0},  {17, 230, 99},
                                     {0, 146, 7},   {254, 253, 252}, {1, 123, 0},    {30, 60, 90}};

/// Pushes one frame of `colours` (16x1) in `from` and returns what comes out in the
/// format the sink is restricted to.
std::vector<std::uint8_t> convert(std::string_view from, std::string_view to, const std::vector<std::uint8_t>& frame) {
  harness rig("videoconvert", "video/x-raw,format=" + std::string(to));
  EXPECT_TRUE(rig.pusher->start_stream(video_caps(from, 16, 1)));
  EXPECT_EQ(rig.pusher->src().push(frame_buffer(frame)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  EXPECT_TRUE(s);
  if (!s) return {};
  EXPECT_EQ(video_info::from_caps(s->caps).value().format(), video_format_from_string(to).value());
  return bytes_of(s->buffer);
}

std::vector<std::uint8_t> rgba_frame() {
  std::vector<std::uint8_t> f;
  int alpha = 7;
  for (auto c : colours) {
    f.insert(f.end(), {static_cast<std::uint8_t>(c.r), static_cast<std::uint8_t>(c.g), static_cast<std::uint8_t>(c.b),
                       static_cast<std::uint8_t>(alpha)});
    alpha += 16;
  }
  return f;
}

std::vector<std::uint8_t> rgb_frame() {
  std::vector<std::uint8_t> f;
  for (auto c : colours)
    f.insert(f.end(), {static_cast<std::uint8_t>(c.r), static_cast<std::uint8_t>(c.g), static_cast<std::uint8_t>(c.b)});
  return f;
}

TEST(Videoconvert, RgbaToGray8IsBt601Luma) {
  const auto out = convert("RGBA", "GRAY8", rgba_frame());
  ASSERT_EQ(out.size(), colours.size());
  for (std::size_t i = 0; i < colours.size(); ++i) {
    const double y = 0.299 * colours[i].r + 0.587 * colours[i].g + 0.114 * colours[i].b;
    EXPECT_EQ(out[i], bt601(colours[i].r, colours[i].g, colours[i].b)) << i;
    EXPECT_NEAR(out[i], y, 0.5 + 1e-9) << i;  // and it is the rounded value
  }
  EXPECT_EQ(out[2], 76);   // red: 76.245
  EXPECT_EQ(out[3], 150);  // green: 149.685
  EXPECT_EQ(out[4], 29);   // blue: 29.07
  EXPECT_EQ(out[6], 29);   // 28.5
  EXPECT_EQ(out[7], 8);    // 7.5
  EXPECT_EQ(out[8], 15);   // 14.5
  EXPECT_EQ(out[12], 87);  // 86.5
  EXPECT_EQ(out[14], 73);  // 72.5
}

TEST(Videoconvert, RgbToGray8IsBt601Luma) {
  const auto out = convert("RGB", "GRAY8", rgb_frame());
  ASSERT_EQ(out.size(), colours.size());
  for (std::size_t i = 0; i < colours.size(); ++i)
    EXPECT_EQ(out[i], bt601(colours[i].r, colours[i].g, colours[i].b)) << i;
}

TEST(Videoconvert, RgbToRgbaAddsOpaqueAlpha) {
  const auto out = convert("RGB", "RGBA", rgb_frame());
  ASSERT_EQ(out.size(), colours.size() * 4);
  for (std::size_t i = 0; i < colours.size(); ++i) {
    EXPECT_EQ(out[4 * i], colours[i].r);
    EXPECT_EQ(out[4 * i + 1], colours[i].g);
    EXPECT_EQ(out[4 * i + 2], colours[i].b);
    EXPECT_EQ(out[4 * i + 3], 255);
  }
}

TEST(Videoconvert, RgbaToRgbDropsAlpha) {
  const auto out = convert("RGBA", "RGB", rgba_frame());
  EXPECT_EQ(out, rgb_frame());
}

TEST(Videoconvert, Gray8ToRgbAndRgbaReplicatesTheGrey) {
  std::vector<std::uint8_t> grey(16);
  for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<std::uint8_t>(i * 17);
  const auto rgb = convert("GRAY8", "RGB", grey);
  const auto rgba = convert("GRAY8", "RGBA", grey);
  ASSERT_EQ(rgb.size(), 48u);
  ASSERT_EQ(rgba.size(), 64u);
  for (std::size_t i = 0; i < 16; ++i) {
    EXPECT_EQ((std::vector<int>{rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]}),
              (std::vector<int>{grey[i], grey[i], grey[i]}));
    EXPECT_EQ((std::vector<int>{rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2], rgba[4 * i + 3]}),
              (std::vector<int>{grey[i], grey[i], grey[i], 255}));
  }
}

/// The pixel (r, g, b, a) of `fmt` at index i of a packed frame, read as RGBA.
std::array<int, 4> read_rgba(const std::vector<std::uint8_t>& f, std::string_view fmt, std::size_t i) {
  if (fmt == "RGBA") return {f[4 * i], f[4 * i + 1], f[4 * i + 2], f[4 * i + 3]};
  if (fmt == "RGB") return {f[3 * i], f[3 * i + 1], f[3 * i + 2], 255};
  return {f[i], f[i], f[i], 255};
}

TEST(Videoconvert, LargeFramesConvertLikeSmallOnesInEveryDirection) {
  // Wide enough for the vector loops and their remainders (1001 = 62*16 + 9).
  const int w = 1001, h = 3;
  const std::vector<std::string_view> fmts = {"RGBA", "RGB", "GRAY8"};
  for (auto from : fmts)
    for (auto to : fmts) {
      if (from == to) continue;
      SCOPED_TRACE(std::string(from) + " -> " + std::string(to));
      const std::size_t in_bpp = from == "RGBA" ? 4 : from == "RGB" ? 3 : 1;
      std::vector<std::uint8_t> frame(static_cast<std::size_t>(w) * h * in_bpp);
      for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::uint8_t>((i * 7919) >> 3);
      harness rig("videoconvert", "video/x-raw,format=" + std::string(to));
      ASSERT_TRUE(rig.pusher->start_stream(video_caps(from, w, h)));
      ASSERT_EQ(rig.pusher->src().push(frame_buffer(frame)), flow::ok);
      auto s = rig.out->pull_sample(2s);
      ASSERT_TRUE(s);
      const auto out = bytes_of(s->buffer);
      const std::size_t out_bpp = to == "RGBA" ? 4 : to == "RGB" ? 3 : 1;
      ASSERT_EQ(out.size(), static_cast<std::size_t>(w) * h * out_bpp);
      for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h; ++i) {
        const auto in = read_rgba(frame, from, i);
        std::array<int, 4> want = in;
        if (to == "GRAY8") {
          const int y = bt601(in[0], in[1], in[2]);
          want = {y, y, y, 255};
        }
        if (to != "RGBA") want[3] = 255;  // no alpha to keep
        if (from != "RGBA") want[3] = 255;
        ASSERT_EQ(read_rgba(out, to, i), want) << i;
      }
    }
}

TEST(Videoconvert, SameFormatOnBothSidesIsPassthroughWithoutCopies) {
  harness rig("videoconvert", "video/x-raw,format=GRAY8");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("GRAY8", 16, 1)));
  std::vector<std::uint8_t> grey(16, 99);
  buffer in = frame_buffer(grey);
  const void* address = data_address(in);
  const auto before = memory_counters_snapshot();
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  const auto after = memory_counters_snapshot();
  EXPECT_TRUE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(data_address(s->buffer), address);  // the very same memory
  EXPECT_EQ(after.copies, before.copies);
  EXPECT_EQ(after.allocated_bytes, before.allocated_bytes);
}

TEST(Videoconvert, APipelineInTheSameFormatCopiesNothing) {
  auto p = build("testsrc num-buffers=10 format=GRAY8 ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  const auto before = memory_counters_snapshot();
  auto r = run_to_eos(*p);
  const auto after = memory_counters_snapshot();
  ASSERT_EQ(r.samples.size(), 10u);
  EXPECT_EQ(after.copied_bytes, before.copied_bytes);
}

TEST(Videoconvert, InPassthroughADownstreamResizeReachesTestsrc) {
  // The design's "videotestsrc ! videoscale ! ximagesink": passthrough proxies pad-alloc.
  auto r = run_resizing("", 160, 2, "videoconvert !");
  ASSERT_EQ(r.frames.size(), 6u);
  for (std::size_t i = 0; i < 6; ++i) {
    const int expected_width = i < 2 ? 320 : 160;
    EXPECT_EQ(video_info::from_caps(r.frames[i].caps).value().width(), expected_width) << i;
    EXPECT_EQ(r.frames[i].bytes.size(), static_cast<std::size_t>(expected_width) * 24 * 4) << i;
  }
  EXPECT_EQ(video_info::from_caps(r.src_caps).value().width(), 160);
}

/// The format videoconvert picks for `in` when the sink accepts `allowed`.
std::string picked(std::string_view in, std::string_view allowed) {
  harness rig("videoconvert", "video/x-raw,format=" + std::string(allowed));
  EXPECT_TRUE(rig.pusher->start_stream(video_caps(in, 8, 6, "25/1")));
  const caps out = rig.middle->static_pad(pad_direction::src)->current_caps();
  const auto info = video_info::from_caps(out);
  EXPECT_TRUE(info) << out.to_string();
  if (!info) return {};
  EXPECT_EQ(info->width(), 8);
  EXPECT_EQ(info->height(), 6);
  EXPECT_EQ(info->framerate(), fraction(25));
  return std::string(to_string(info->format()));
}

TEST(Videoconvert, NegotiationKeepsTheFormatElseLosesLeast) {
  EXPECT_EQ(picked("RGB", "{GRAY8,RGB,RGBA}"), "RGB");    // no conversion at all
  EXPECT_EQ(picked("RGBA", "{GRAY8,RGB}"), "RGB");        // drop alpha before colour
  EXPECT_EQ(picked("RGB", "{GRAY8,RGBA}"), "RGBA");       // add alpha before dropping colour
  EXPECT_EQ(picked("GRAY8", "{RGBA,RGB}"), "RGB");        // no alpha to invent
  EXPECT_EQ(picked("RGBA", "GRAY8"), "GRAY8");            // the only choice
}

TEST(Videoconvert, OffersEveryFormatUpstreamAtTheSameSize) {
  harness rig("videoconvert", "video/x-raw,format=GRAY8,width=64,height=48");
  const caps upstream = rig.middle->static_pad(pad_direction::sink)->query_caps();
  for (std::string_view f : {"RGBA", "RGB", "GRAY8"})
    EXPECT_TRUE(video_caps(f, 64, 48).is_subset(upstream)) << f << " not in " << upstream.to_string();
  EXPECT_FALSE(video_caps("RGBA", 65, 48).is_subset(upstream)) << upstream.to_string();
}

TEST(Videoconvert, ATestsrcFrameConvertedToGray8EqualsTestsrcInGray8) {
  auto converted = build(
      "testsrc pattern=smpte num-buffers=1 width=70 height=40 ! video/x-raw,format=RGBA ! videoconvert ! "
      "video/x-raw,format=GRAY8 ! appsink name=out sync=false");
  auto direct = build("testsrc pattern=smpte num-buffers=1 width=70 height=40 format=GRAY8 ! appsink name=out sync=false");
  ASSERT_TRUE(converted && direct);
  ASSERT_TRUE(play_to_eos(*converted).eos);
  // The converter saw RGBA (the capsfilter keeps testsrc from drawing GRAY8 itself).
  const caps seen = converted->find("videoconvert0")->static_pad(pad_direction::sink)->current_caps();
  EXPECT_TRUE(video_caps("RGBA", 70, 40).is_subset(seen)) << seen.to_string();
  auto a = dynamic_cast<appsink*>(converted->find("out"))->pull_all(1s);
  converted->set_state(state::null_state);
  auto b = run_to_eos(*direct).samples;
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(info_of(a[0]).format(), video_format::gray8);
  EXPECT_EQ(bytes_of(a[0].buffer), bytes_of(b[0].buffer));
}

}  // namespace videoconvert_test
}  // namespace tessera::core
