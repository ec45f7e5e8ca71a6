// videoconvert to and from I420 and NV12, checked against FFmpeg's swscale (what
// `ffmpeg -pix_fmt yuv420p` runs): BT.601 limited range within +-2 per sample.
#include "core/elements/video/videoconvert.hpp"

#include "tests/core/elements/video/video_test_support.hpp"

#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <algorithm>

extern "C" {
#include <libswscale/swscale.h>
}

#include <cstdlib>
#include <random>

namespace tessera::core {
namespace videoconvert_yuv_test {

using namespace video_test;

/// Pushes `frame` (caps `from`, w x h) through videoconvert into a sink that takes
/// `to` only, and returns the converted bytes.
std::vector<std::uint8_t> convert(std::string_view from, std::string_view to, int w, int h,
                                  const std::vector<std::uint8_t>& frame) {
  harness rig("videoconvert", "video/x-raw,format=" + std::string(to));
  EXPECT_TRUE(rig.pusher->start_stream(video_caps(from, w, h)));
  EXPECT_EQ(rig.pusher->src().push(frame_buffer(frame)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  EXPECT_TRUE(s);
  if (!s) return {};
  EXPECT_EQ(info_of(*s).format(), video_format_from_string(to).value());
  return bytes_of(s->buffer);
}

/// swscale's conversion of a w x h frame (point sampling, accurate rounding).
std::vector<std::uint8_t> swscale(AVPixelFormat from, AVPixelFormat to, int w, int h,
                                  const std::vector<std::uint8_t>& frame, std::size_t out_size) {
  SwsContext* ctx = sws_getContext(w, h, from, w, h, to, SWS_POINT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr);
  EXPECT_NE(ctx, nullptr);
  // swscale's SIMD reads and writes whole vectors past a row's end: both buffers get
  // FFmpeg's padding, as its own frames do (valgrind saw a 16-byte read past `frame`).
  constexpr std::size_t padding = 64;
  std::vector<std::uint8_t> in(frame.size() + padding);
  std::copy(frame.begin(), frame.end(), in.begin());
  std::vector<std::uint8_t> out(out_size + padding);
  const int cw = (w + 1) / 2, ch = (h + 1) / 2;
  const auto planes = [&](std::uint8_t* base, AVPixelFormat f, std::uint8_t* data[4], int stride[4]) {
    data[0] = base;
    data[1] = data[2] = data[3] = nullptr;
    stride[1] = stride[2] = stride[3] = 0;
    if (f == AV_PIX_FMT_YUV420P) {
      stride[0] = w;
      data[1] = base + w * h;
      data[2] = data[1] + cw * ch;
      stride[1] = stride[2] = cw;
    } else if (f == AV_PIX_FMT_NV12) {
      stride[0] = w;
      data[1] = base + w * h;
      stride[1] = 2 * cw;
    } else {
      stride[0] = w * (f == AV_PIX_FMT_RGBA ? 4 : 3);
    }
  };
  std::uint8_t* sd[4];
  int ss[4];
  std::uint8_t* dd[4];
  int ds[4];
  planes(in.data(), from, sd, ss);
  planes(out.data(), to, dd, ds);
  sws_scale(ctx, sd, ss, 0, h, dd, ds);
  sws_freeContext(ctx);
  out.resize(out_size);
  return out;
}

/// An RGB frame of random colours, constant over each 2x2 block (so that chroma
/// subsampling and point upsampling agree with any filter).
std::vector<std::uint8_t> block_frame(int w, int h, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> blocks(static_cast<std::size_t>(w / 2 * h / 2 * 3));
  for (auto& b : blocks) b = static_cast<std::uint8_t>(rng());
  std::vector<std::uint8_t> f(static_cast<std::size_t>(w * h * 3));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        f[static_cast<std::size_t>((y * w + x) * 3 + c)] = blocks[static_cast<std::size_t>(((y / 2) * (w / 2) + x / 2) * 3 + c)];
  return f;
}

void expect_close(const std::vector<std::uint8_t>& got, const std::vector<std::uint8_t>& want, int tolerance) {
  ASSERT_EQ(got.size(), want.size());
  int worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const int d = std::abs(int(got[i]) - int(want[i]));
    if (d > worst) {
      worst = d;
      at = i;
    }
  }
  EXPECT_LE(worst, tolerance) << "byte " << at << ": " << int(got[at]) << " vs swscale " << int(want[at]);
}

constexpr int W = 64, H = 48;

TEST(VideoconvertYuv, RgbToI420MatchesSwscale) {
  const auto rgb = block_frame(W, H, 1);
  const auto ours = convert("RGB", "I420", W, H, rgb);
  expect_close(ours, swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, W, H, rgb, W * H * 3 / 2), 2);
}

TEST(VideoconvertYuv, RgbToNv12MatchesSwscale) {
  const auto rgb = block_frame(W, H, 2);
  const auto ours = convert("RGB", "NV12", W, H, rgb);
  expect_close(ours, swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_NV12, W, H, rgb, W * H * 3 / 2), 2);
}

// YUV to RGB: swscale's yuv2rgb converter works from 8-bit lookup tables (its
// SWS_ACCURATE_RND does not reach it) and lands up to 3 away from the exact BT.601
// values ours round to (16-bit coefficients); both are within 3 of each other.
TEST(VideoconvertYuv, I420ToRgbaMatchesSwscale) {
  const auto i420 = swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, W, H, block_frame(W, H, 3), W * H * 3 / 2);
  const auto ours = convert("I420", "RGBA", W, H, i420);
  expect_close(ours, swscale(AV_PIX_FMT_YUV420P, AV_PIX_FMT_RGBA, W, H, i420, W * H * 4), 3);
}

TEST(VideoconvertYuv, Nv12ToRgbMatchesSwscale) {
  const auto nv12 = swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_NV12, W, H, block_frame(W, H, 4), W * H * 3 / 2);
  const auto ours = convert("NV12", "RGB", W, H, nv12);
  expect_close(ours, swscale(AV_PIX_FMT_NV12, AV_PIX_FMT_RGB24, W, H, nv12, W * H * 3), 3);
}

TEST(VideoconvertYuv, I420AndNv12ConvertIntoEachOtherExactly) {
  const auto i420 = swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, W, H, block_frame(W, H, 5), W * H * 3 / 2);
  const auto nv12 = convert("I420", "NV12", W, H, i420);
  EXPECT_EQ(nv12, swscale(AV_PIX_FMT_YUV420P, AV_PIX_FMT_NV12, W, H, i420, W * H * 3 / 2));
  EXPECT_EQ(convert("NV12", "I420", W, H, nv12), i420);
}

TEST(VideoconvertYuv, LimitedRangeBlackAndWhite) {
  // 2x2 of white then black in RGB: Y 235 and 16, chroma 128 (neutral).
  const std::vector<std::uint8_t> rgb = {255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0};
  const auto out = convert("RGB", "I420", 2, 2, rgb);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{235, 16, 235, 16, 128, 128}));
  const auto back = convert("I420", "GRAY8", 2, 2, out);
  EXPECT_EQ(back, (std::vector<std::uint8_t>{255, 0, 255, 0}));
}

TEST(VideoconvertYuv, OddSizesHaveRoundedUpChroma) {
  // 3x3 RGBA: chroma 2x2; the edge blocks average the pixels that exist.
  std::vector<std::uint8_t> rgba(3 * 3 * 4, 255);
  const auto out = convert("RGBA", "I420", 3, 3, rgba);
  ASSERT_EQ(out.size(), 9u + 2 * 4u);
  for (std::size_t i = 0; i < 9; ++i) EXPECT_EQ(out[i], 235);
  for (std::size_t i = 9; i < out.size(); ++i) EXPECT_EQ(out[i], 128);
}

TEST(VideoconvertYuv, TestsrcNegotiatesI420ForAnEncoderAndBack) {
  auto p = build("testsrc num-buffers=2 width=32 height=16 ! videoconvert ! video/x-raw,format=I420 ! "
                 "videoconvert ! video/x-raw,format=RGB ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos);
  ASSERT_EQ(r.samples.size(), 2u);
  EXPECT_EQ(info_of(r.samples[0]).format(), video_format::rgb);
  EXPECT_EQ(bytes_of(r.samples[0].buffer).size(), 32u * 16u * 3u);
}

TEST(VideoconvertYuv, FixatesI420ToNv12BeforeRgb) {
  // Downstream takes NV12 or RGB, in that order of its own; from I420 NV12 loses least
  // (the chroma is only moved), RGB would round every colour.
  const auto i420 = swscale(AV_PIX_FMT_RGB24, AV_PIX_FMT_YUV420P, 4, 2, block_frame(4, 2, 6), 12);
  harness rig("videoconvert", "video/x-raw,format={RGB,NV12}");
  EXPECT_TRUE(rig.pusher->start_stream(video_caps("I420", 4, 2)));
  EXPECT_EQ(rig.pusher->src().push(frame_buffer(i420)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(info_of(*s).format(), video_format::nv12);
}

}  // namespace videoconvert_yuv_test
}  // namespace tessera::core
