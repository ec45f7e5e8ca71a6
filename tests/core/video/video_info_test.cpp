#include "core/video/video_info.hpp"

#include <gtest/gtest.h>

#include <ostream>

namespace tessera::core {
namespace video_info_test {

result<video_info> info_of(std::string_view text) {
  auto c = caps::parse(text);
  EXPECT_TRUE(c) << text;
  return video_info::from_caps(c ? *c : caps());
}

TEST(VideoInfo, ComputesStrideAndFrameSizeForEachFormat) {
  auto rgba = info_of("video/x-raw,format=RGBA,width=640,height=480,framerate=30/1").value();
  EXPECT_EQ(rgba.format(), video_format::rgba);
  EXPECT_EQ(rgba.width(), 640);
  EXPECT_EQ(rgba.height(), 480);
  EXPECT_EQ(rgba.bytes_per_pixel(), 4u);
  EXPECT_EQ(rgba.stride(), 2560u);      // 640 * 4
  EXPECT_EQ(rgba.size(), 1228800u);     // 2560 * 480
  EXPECT_EQ(rgba.framerate(), fraction(30));
  EXPECT_EQ(rgba.layout(), video_layout::linear);

  auto rgb = info_of("video/x-raw,format=RGB,width=641,height=3").value();
  EXPECT_EQ(rgb.bytes_per_pixel(), 3u);
  EXPECT_EQ(rgb.stride(), 1923u);       // 641 * 3, no padding
  EXPECT_EQ(rgb.size(), 5769u);         // 1923 * 3

  auto gray = info_of("video/x-raw,format=GRAY8,width=7,height=5,layout=tiled").value();
  EXPECT_EQ(gray.bytes_per_pixel(), 1u);
  EXPECT_EQ(gray.stride(), 7u);
  EXPECT_EQ(gray.size(), 35u);
  EXPECT_EQ(gray.layout(), video_layout::tiled);
  EXPECT_EQ(gray.framerate(), fraction());  // absent: unknown
}

TEST(VideoInfo, PlanarYuvHasAYPlaneThenHalfSizeChroma) {
  // 5x3: chroma planes of ceil(5/2) x ceil(3/2) = 3x2, as FFmpeg's yuv420p.
  auto i420 = info_of("video/x-raw,format=I420,width=5,height=3").value();
  EXPECT_EQ(i420.plane_count(), 3u);
  EXPECT_EQ(i420.size(), 15u + 2 * 6u);
  EXPECT_EQ(i420.plane(0).stride, 5u);
  EXPECT_EQ(i420.plane(1).offset, 15u);
  EXPECT_EQ(i420.plane(1).stride, 3u);
  EXPECT_EQ(i420.plane(1).rows, 2u);
  EXPECT_EQ(i420.plane(2).offset, 21u);
  auto nv12 = info_of("video/x-raw,format=NV12,width=640,height=480").value();
  EXPECT_EQ(nv12.plane_count(), 2u);
  EXPECT_EQ(nv12.size(), 640u * 480u * 3 / 2);
  EXPECT_EQ(nv12.plane(1).offset, 640u * 480u);
  EXPECT_EQ(nv12.plane(1).stride, 640u);  // 320 U,V pairs
  EXPECT_EQ(nv12.plane(1).rows, 240u);
  EXPECT_EQ(info_of("video/x-raw,format=RGB,width=4,height=2").value().plane_count(), 1u);
}

TEST(VideoInfo, PlanarYuvWithADecodersPaddedRows) {
  // 854x480 as libavcodec pads it: Y rows 896 bytes apart, chroma rows 448. Each plane
  // ends with its last row's samples (no padding after), the next plane follows.
  auto i420 = info_of("video/x-raw,format=I420,width=854,height=480,stride=896,chroma-stride=448").value();
  EXPECT_FALSE(i420.is_packed());
  EXPECT_EQ(i420.stride(), 896u);
  EXPECT_EQ(i420.chroma_stride(), 448u);
  const std::size_t y_bytes = 896u * 479 + 854, c_bytes = 448u * 239 + 427;
  EXPECT_EQ(i420.plane(1).offset, y_bytes);
  EXPECT_EQ(i420.plane(1).stride, 448u);
  EXPECT_EQ(i420.plane(1).row_bytes, 427u);
  EXPECT_EQ(i420.plane(2).offset, y_bytes + c_bytes);
  EXPECT_EQ(i420.size(), y_bytes + 2 * c_bytes);
  EXPECT_EQ(video_info::from_caps(i420.to_caps()).value(), i420);
  // Only the Y rows padded: the chroma stride stays the packed one.
  auto nv12 = info_of("video/x-raw,format=NV12,width=6,height=4,stride=8").value();
  EXPECT_EQ(nv12.chroma_stride(), 6u);
  EXPECT_EQ(nv12.plane(1).offset, 8u * 3 + 6);
  EXPECT_EQ(nv12.size(), 8u * 3 + 6 + 6u * 2);
  EXPECT_TRUE(info_of("video/x-raw,format=I420,width=6,height=4,stride=6,chroma-stride=3").value().is_packed());
}

TEST(VideoInfo, FrameDurationRoundsToNanoseconds) {
  using std::chrono::nanoseconds;
  auto ntsc = info_of("video/x-raw,format=RGBA,width=2,height=2,framerate=30000/1001").value();
  EXPECT_EQ(ntsc.frame_duration(), nanoseconds(33366667));  // 1001/30000 s = 33366666.67 ns
  auto thirty = info_of("video/x-raw,format=RGBA,width=2,height=2,framerate=30/1").value();
  EXPECT_EQ(thirty.frame_duration(), nanoseconds(33333333));
  auto variable = info_of("video/x-raw,format=RGBA,width=2,height=2,framerate=0/1").value();
  EXPECT_FALSE(variable.frame_duration());
}

TEST(VideoInfo, ToCapsGivesFixedCapsThatReadBack) {
  auto info = video_info::make(video_format::rgb, 320, 240, fraction(25), video_layout::tiled)
                  .value();
  caps c = info.to_caps();
  EXPECT_TRUE(c.is_fixed());
  EXPECT_EQ(c.to_string(),
            "video/x-raw,format=RGB,width=320,height=240,framerate=25/1,layout=tiled,pixel-aspect-ratio=1/1");
  EXPECT_EQ(video_info::from_caps(c).value(), info);
}

TEST(VideoInfo, KeepsThePixelAspectRatioSquareWhenAbsent) {
  auto square = info_of("video/x-raw,format=RGBA,width=4,height=2").value();
  EXPECT_EQ(square.pixel_aspect_ratio(), fraction(1));
  auto wide = info_of("video/x-raw,format=RGBA,width=4,height=2,pixel-aspect-ratio=16/9").value();
  EXPECT_EQ(wide.pixel_aspect_ratio(), fraction::make(16, 9).value());
  EXPECT_EQ(wide.size(), square.size());  // the shape of a pixel changes no byte
  EXPECT_NE(wide, square);
  const caps back = wide.to_caps();
  EXPECT_EQ(back.structure_at(0)->get_fraction("pixel-aspect-ratio"), fraction::make(16, 9).value());
  EXPECT_EQ(video_info::from_caps(back).value(), wide);
  EXPECT_EQ(square.with_pixel_aspect_ratio(fraction::make(3, 4).value()).value().pixel_aspect_ratio(),
            fraction::make(3, 4).value());
  EXPECT_FALSE(square.with_pixel_aspect_ratio(fraction()));
}

struct video_error_case {
  const char* caps_text;
  const char* message;
  friend std::ostream& operator<<(std::ostream& os, const video_error_case& c) {
    return os << c.caps_text;
  }
};

class VideoInfoErrors : public ::testing::TestWithParam<video_error_case> {};

TEST_P(VideoInfoErrors, NameTheProblem) {
  auto r = info_of(GetParam().caps_text);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error() == errc::invalid_argument);
  EXPECT_EQ(r.error().message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Table, VideoInfoErrors,
    ::testing::Values(
        video_error_case{"video/x-raw,format=RGBA,height=480",
                         "video/x-raw caps lack a fixed width"},
        video_error_case{"video/x-raw,format=RGBA,width=[1,8192],height=480",
                         "video/x-raw caps lack a fixed width (width=[1,8192])"},
        video_error_case{"video/x-raw,width=640,height=480", "video/x-raw caps lack a fixed format"},
        video_error_case{"video/x-raw,format={RGBA,RGB},width=640,height=480",
                         "video/x-raw caps lack a fixed format (format={RGBA,RGB})"},
        video_error_case{"video/x-raw,format=YUY2,width=640,height=480",
                         "video/x-raw caps: format YUY2 is not one of RGBA, RGB, GRAY8, I420, NV12"},
        video_error_case{"video/x-raw,format=I420,width=64,height=48,layout=tiled",
                         "video/x-raw caps: I420 frames are linear only, not tiled"},
        video_error_case{"video/x-raw,format=NV12,width=64,height=48,stride=128,chroma-stride=60",
                         "video/x-raw caps: chroma-stride 60 is smaller than a chroma row of NV12 64 pixels wide (64 bytes)"},
        video_error_case{"video/x-raw,format=RGBA,width=64,height=48,chroma-stride=128",
                         "video/x-raw caps: chroma-stride is for I420 and NV12, not RGBA"},
        video_error_case{"video/x-raw,format=RGBA,width=\"640\",height=480",
                         "video/x-raw caps: width must be an int, got string \"640\""},
        video_error_case{"video/x-raw,format=RGBA,width=0,height=480",
                         "video/x-raw caps: width 0 is out of range [1, 2147483647]"},
        video_error_case{"video/x-raw,format=RGBA,width=640,height=480,framerate=30",
                         "video/x-raw caps: framerate must be a fraction, got int 30"},
        video_error_case{"video/x-raw,format=RGBA,width=640,height=480,framerate=-1/1",
                         "video framerate -1/1 is negative"},
        video_error_case{"video/x-raw,format=RGBA,width=640,height=480,pixel-aspect-ratio=0/1",
                         "video/x-raw caps: pixel-aspect-ratio 0/1 is not positive"},
        video_error_case{"video/x-raw,format=RGBA,width=640,height=480,pixel-aspect-ratio=[1/2,2/1]",
                         "video/x-raw caps lack a fixed pixel-aspect-ratio (pixel-aspect-ratio=[1/2,2/1])"},
        video_error_case{"video/x-raw,format=RGBA,width=640,height=480,layout=planar",
                         "video/x-raw caps: layout planar is not one of linear, tiled"},
        video_error_case{"audio/x-raw,format=S16LE,rate=48000,channels=2",
                         "expected video/x-raw caps, got audio/x-raw"},
        video_error_case{"ANY", "expected fixed video/x-raw caps, got ANY"},
        video_error_case{"EMPTY", "expected fixed video/x-raw caps, got EMPTY"},
        video_error_case{"video/x-raw,width=1; video/x-raw,width=2",
                         "expected fixed video/x-raw caps, got 2 structures: "
                         "video/x-raw,width=1; video/x-raw,width=2"}));

TEST(VideoInfo, MakeRejectsBadSizes) {
  EXPECT_FALSE(video_info::make(video_format::rgba, 0, 10));
  EXPECT_FALSE(video_info::make(video_format::rgba, 10, -1));
  EXPECT_FALSE(video_info::make(video_format::rgba, 1LL << 31, 10));
  EXPECT_FALSE(video_info::make(video_format::rgba, 10, 10, fraction::make(-1, 2).value()));
  auto big = video_info::make(video_format::rgba, 65536, 65536).value();
  EXPECT_EQ(big.size(), 17179869184u);  // 2^16 * 2^16 * 4
  auto huge = video_info::make(video_format::rgba, 2147483647, 2147483647);
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().message, "video frame 2147483647x2147483647 RGBA is too large to address");
}

TEST(VideoInfo, FormatNamesRoundTrip) {
  for (auto f : {video_format::rgba, video_format::rgb, video_format::gray8}) {
    EXPECT_EQ(video_format_from_string(to_string(f)), f);
  }
  EXPECT_FALSE(video_format_from_string("rgba"));
}

}  // namespace video_info_test
}  // namespace tessera::core
