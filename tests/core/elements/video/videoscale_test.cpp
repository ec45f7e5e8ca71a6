// videoscale on known frames. Expected pixels come from a reference scaler written
// here in double precision (pixel-centre sampling, edges clamped), or are worked out
// by hand on tiny frames; the element's fixed-point kernels must stay within 2 of the
// exact bilinear value (scale_kernels.hpp) and match nearest exactly.
#include "core/elements/video/videoscale.hpp"

#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

namespace tessera::core {
namespace videoscale_test {

using namespace video_test;

/// Bytes that vary in x, y and channel without a simple pattern.
std::vector<std::uint8_t> textured(int w, int h, int bpp) {
  std::vector<std::uint8_t> v(static_cast<std::size_t>(w * h * bpp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < bpp; ++c)
        v[static_cast<std::size_t>((y * w + x) * bpp + c)] =
            static_cast<std::uint8_t>((x * 53 + y * 97 + c * 71 + x * y * 13) % 256);
  return v;
}

/// The exact bilinear value of channel `c` at output (ox, oy), sampling at pixel
/// centres: s = (o + 0.5) * in / out - 0.5, clamped to the frame.
double reference_bilinear(const std::vector<std::uint8_t>& in, int iw, int ih, int bpp, int ow, int oh, int ox,
                          int oy, int c) {
  auto axis = [](int o, int in_size, int out_size, int& i0, int& i1, double& f) {
    double s = (o + 0.5) * in_size / out_size - 0.5;
    s = std::clamp(s, 0.0, double(in_size - 1));
    i0 = static_cast<int>(std::floor(s));
    i1 = std::min(i0 + 1, in_size - 1);
    f = s - i0;
  };
  int x0, x1, y0, y1;
  double fx, fy;
  axis(ox, iw, ow, x0, x1, fx);
  axis(oy, ih, oh, y0, y1, fy);
  auto at = [&](int x, int y) { return double(in[static_cast<std::size_t>((y * iw + x) * bpp + c)]); };
  const double top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const double bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/// The nearest source pixel: the one whose centre is closest to the sampling point
/// (x + 0.5) * in / out, i.e. floor of it.
int reference_nearest_index(int o, int in_size, int out_size) {
  return std::min(static_cast<int>(std::floor((o + 0.5) * in_size / out_size)), in_size - 1);
}

const char* format_name(int bpp) { return bpp == 4 ? "RGBA" : bpp == 3 ? "RGB" : "GRAY8"; }

/// Pushes one `iw`x`ih` frame through videoscale to an `ow`x`oh` sink; the output bytes.
std::vector<std::uint8_t> scale_once(const std::vector<std::uint8_t>& in, int bpp, int iw, int ih, int ow, int oh,
                                     const char* method) {
  const std::string fmt = format_name(bpp);
  harness rig("videoscale", "video/x-raw,width=" + std::to_string(ow) + ",height=" + std::to_string(oh));
  EXPECT_TRUE(rig.middle->set_property_from_string("method", method));
  EXPECT_TRUE(rig.pusher->start_stream(video_caps(fmt, iw, ih)));
  EXPECT_EQ(rig.pusher->src().push(frame_buffer(in)), flow::ok);
  auto s = rig.out->pull_sample(5s);
  EXPECT_TRUE(s);
  if (!s) return {};
  // The size asked for, with the pixels shaped to keep the input's display aspect.
  const auto info = video_info::from_caps(s->caps);
  EXPECT_TRUE(info) << s->caps.to_string();
  if (info) {
    EXPECT_EQ(info->format(), video_format_from_string(fmt));
    EXPECT_EQ(info->width(), ow);
    EXPECT_EQ(info->height(), oh);
    EXPECT_EQ(info->pixel_aspect_ratio(), fraction::make(std::int64_t{iw} * oh, std::int64_t{ih} * ow).value())
        << s->caps.to_string();
  }
  return bytes_of(s->buffer);
}

struct size_case {
  int iw, ih, ow, oh;
};
const size_case sizes[] = {{8, 6, 4, 3}, {5, 3, 13, 7}, {12, 9, 8, 6}, {7, 7, 3, 10}, {33, 17, 20, 21}, {1, 1, 3, 2},
                           {64, 36, 48, 27}};

TEST(Videoscale, BilinearStaysWithinTwoOfTheExactValueInEveryFormat) {
  for (int bpp : {4, 3, 1}) {
    for (const size_case& z : sizes) {
      SCOPED_TRACE(std::string(format_name(bpp)) + " " + std::to_string(z.iw) + "x" + std::to_string(z.ih) + " -> " +
                   std::to_string(z.ow) + "x" + std::to_string(z.oh));
      const auto in = textured(z.iw, z.ih, bpp);
      const auto out = scale_once(in, bpp, z.iw, z.ih, z.ow, z.oh, "bilinear");
      ASSERT_EQ(out.size(), static_cast<std::size_t>(z.ow * z.oh * bpp));
      int worst = 0;
      for (int y = 0; y < z.oh; ++y)
        for (int x = 0; x < z.ow; ++x)
          for (int c = 0; c < bpp; ++c) {
            const double want = reference_bilinear(in, z.iw, z.ih, bpp, z.ow, z.oh, x, y, c);
            const int got = out[static_cast<std::size_t>((y * z.ow + x) * bpp + c)];
            worst = std::max(worst, static_cast<int>(std::ceil(std::abs(got - want) - 1e-9)));
          }
      EXPECT_LE(worst, 2);
    }
  }
}

TEST(Videoscale, NearestPicksTheSourcePixelUnderEachOutputCentre) {
  for (int bpp : {4, 3, 1}) {
    for (const size_case& z : sizes) {
      SCOPED_TRACE(std::string(format_name(bpp)) + " " + std::to_string(z.iw) + "x" + std::to_string(z.ih) + " -> " +
                   std::to_string(z.ow) + "x" + std::to_string(z.oh));
      const auto in = textured(z.iw, z.ih, bpp);
      const auto out = scale_once(in, bpp, z.iw, z.ih, z.ow, z.oh, "nearest-neighbour");
      std::vector<std::uint8_t> want;
      for (int y = 0; y < z.oh; ++y)
        for (int x = 0; x < z.ow; ++x) {
          const int sx = reference_nearest_index(x, z.iw, z.ow);
          const int sy = reference_nearest_index(y, z.ih, z.oh);
          for (int c = 0; c < bpp; ++c) want.push_back(in[static_cast<std::size_t>((sy * z.iw + sx) * bpp + c)]);
        }
      EXPECT_EQ(out, want);
    }
  }
}

TEST(Videoscale, HandWorkedSmallFrames) {
  // GRAY8 4x1 -> 2x1: bilinear samples at 0.5 and 2.5 (means of neighbours), nearest
  // takes pixels 1 and 3.
  const std::vector<std::uint8_t> row = {10, 20, 40, 80};
  EXPECT_EQ(scale_once(row, 1, 4, 1, 2, 1, "bilinear"), (std::vector<std::uint8_t>{15, 60}));
  EXPECT_EQ(scale_once(row, 1, 4, 1, 2, 1, "nearest-neighbour"), (std::vector<std::uint8_t>{20, 80}));
  // 2x1 -> 4x1: positions -0.25 (clamped: 0), 0.25, 0.75, 1.25 (clamped: 1).
  const std::vector<std::uint8_t> two = {0, 200};
  EXPECT_EQ(scale_once(two, 1, 2, 1, 4, 1, "bilinear"), (std::vector<std::uint8_t>{0, 50, 150, 200}));
  EXPECT_EQ(scale_once(two, 1, 2, 1, 4, 1, "nearest-neighbour"), (std::vector<std::uint8_t>{0, 0, 200, 200}));
  // A flat frame stays flat at any size.
  const std::vector<std::uint8_t> flat(5 * 3 * 4, 77);
  EXPECT_EQ(scale_once(flat, 4, 5, 3, 9, 2, "bilinear"), std::vector<std::uint8_t>(9 * 2 * 4, 77));
}

TEST(Videoscale, LargeFramesMatchTheReference) {
  // 1080p-shaped in miniature ratios, big enough for the vector loops' main bodies.
  const size_case z{480, 270, 320, 180};
  for (int bpp : {4, 1}) {
    SCOPED_TRACE(format_name(bpp));
    const auto in = textured(z.iw, z.ih, bpp);
    const auto out = scale_once(in, bpp, z.iw, z.ih, z.ow, z.oh, "bilinear");
    ASSERT_EQ(out.size(), static_cast<std::size_t>(z.ow * z.oh * bpp));
    int worst = 0;
    for (int y = 0; y < z.oh; ++y)
      for (int x = 0; x < z.ow; ++x)
        for (int c = 0; c < bpp; ++c) {
          const double want = reference_bilinear(in, z.iw, z.ih, bpp, z.ow, z.oh, x, y, c);
          worst = std::max(worst, static_cast<int>(std::ceil(
                                      std::abs(out[static_cast<std::size_t>((y * z.ow + x) * bpp + c)] - want) - 1e-9)));
        }
    EXPECT_LE(worst, 2);
  }
}

TEST(Videoscale, SameSizeOnBothSidesIsPassthroughWithoutCopies) {
  harness rig("videoscale");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGBA", 6, 4)));
  buffer in = frame_buffer(textured(6, 4, 4));
  const void* address = data_address(in);
  const auto before = memory_counters_snapshot();
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  const auto after = memory_counters_snapshot();
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  EXPECT_EQ(data_address(s->buffer), address);
  EXPECT_EQ(after.copies, before.copies);
  EXPECT_EQ(after.allocations, before.allocations);
}

TEST(Videoscale, OtherSizeIsACopyTransformIntoANewBuffer) {
  harness rig("videoscale", "video/x-raw,width=3,height=2");
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("RGBA", 6, 4)));
  buffer in = frame_buffer(textured(6, 4, 4), 7);
  const void* address = data_address(in);
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_FALSE(dynamic_cast<base_transform*>(rig.middle)->is_passthrough());
  EXPECT_NE(data_address(s->buffer), address);
  EXPECT_EQ(s->buffer.size(), 3u * 2u * 4u);
  EXPECT_EQ(s->buffer.offset, 7u);  // metadata copied to the new buffer
}

/// The caps appsink `out` got from `description` (one frame).
caps negotiated(const std::string& description) {
  auto p = build(description);
  if (!p) return caps();
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << (r.errors.empty() ? "" : r.errors[0]);
  return r.samples.empty() ? caps() : r.samples[0].caps;
}

TEST(Videoscale, FixationKeepsTheAspectRatioWhenDownstreamGivesOneSide) {
  const std::string src = "testsrc num-buffers=1 ! video/x-raw,format=RGBA,width=64,height=48,framerate=30/1 ! videoscale";
  EXPECT_TRUE(negotiated(src + " ! video/x-raw,width=32 ! appsink name=out sync=false")
                  .is_equal(video_caps("RGBA", 32, 24)));
  EXPECT_TRUE(negotiated(src + " ! video/x-raw,height=96 ! appsink name=out sync=false")
                  .is_equal(video_caps("RGBA", 128, 96)));
  // 50 * 48 / 64 = 37.5: rounded to 38.
  EXPECT_TRUE(negotiated(src + " ! video/x-raw,width=50 ! appsink name=out sync=false")
                  .is_equal(video_caps("RGBA", 50, 38)));
  // Both given: taken as they are, whatever the ratio; the pixels keep the display
  // aspect (64x48 shown in 10x40 pixels of 16/3, as GStreamer's videoscale).
  const caps both = negotiated(src + " ! video/x-raw,width=10,height=40 ! appsink name=out sync=false");
  EXPECT_TRUE(both.is_equal(
      caps::parse("video/x-raw,format=RGBA,width=10,height=40,framerate=30/1,layout=linear,pixel-aspect-ratio=16/3")
          .value()))
      << both.to_string();
  // Neither: the input size (passthrough).
  EXPECT_TRUE(negotiated(src + " ! appsink name=out sync=false").is_equal(video_caps("RGBA", 64, 48)));
}

TEST(Videoscale, RefusesBadMethodsAndFormatChanges) {
  auto e = test_runtime().registry().make("videoscale").value();
  auto r = e->set_property_from_string("method", "lanczos");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("bilinear"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("nearest-neighbour"), std::string::npos) << r.error().message;
  // It scales; it does not convert: RGBA cannot become GRAY8.
  auto p = build_pipeline("testsrc ! video/x-raw,format=RGBA ! videoscale ! video/x-raw,format=GRAY8 ! fakesink",
                          test_runtime().registry(), "t");
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("videoscale0"), std::string::npos) << p.error().message;
  auto audio = build_pipeline("audiotestsrc ! videoscale ! fakesink", test_runtime().registry(), "t");
  ASSERT_FALSE(audio);
}

TEST(Videoscale, AFramePastThePixelLimitIsRefused) {
  auto p = build("testsrc num-buffers=1 ! video/x-raw,width=64,height=48 ! videoscale ! "
                 "video/x-raw,width=100000,height=100000 ! fakesink");
  ASSERT_TRUE(p);
  const outcome o = play_to_eos(*p);
  EXPECT_FALSE(o.eos);
  ASSERT_FALSE(o.errors.empty());
  EXPECT_NE(o.errors[0].find("videoscale0"), std::string::npos) << o.errors[0];
  p->set_state(state::null_state);
}

}  // namespace videoscale_test
}  // namespace tessera::core
