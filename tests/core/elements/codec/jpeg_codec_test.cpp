// jpegenc and jpegdec on real frames. The test checks the encoder's output with its
// own TurboJPEG calls (tjDecompress2) and judges pictures by PSNR against the frame
// it made itself, never by calling the elements' code.
#include "core/elements/codec/jpegdec.hpp"
#include "core/elements/codec/jpegenc.hpp"

#include "core/elements/web/websink.hpp"
#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>

namespace tessera::core {
namespace jpeg_codec_test {

using namespace video_test;

/// A smooth frame (JPEG's good case): R follows x, G follows y, B their mix.
std::vector<std::uint8_t> smooth_frame(int w, int h, int bpp) {
  std::vector<std::uint8_t> f(static_cast<std::size_t>(w * h * bpp));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const int r = x * 255 / (w - 1), g = y * 255 / (h - 1), b = (x + y) * 255 / (w + h - 2);
      std::uint8_t* p = &f[static_cast<std::size_t>((y * w + x) * bpp)];
      if (bpp == 1) {
        p[0] = static_cast<std::uint8_t>(bt601(r, g, b));
        continue;
      }
      p[0] = static_cast<std::uint8_t>(r);
      p[1] = static_cast<std::uint8_t>(g);
      p[2] = static_cast<std::uint8_t>(b);
      if (bpp == 4) p[3] = 255;
    }
  return f;
}

/// PSNR in dB over the colour channels (alpha skipped) of two packed frames.
double psnr(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, int bpp) {
  EXPECT_EQ(a.size(), b.size());
  double se = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (bpp == 4 && i % 4 == 3) continue;
    const double d = double(a[i]) - double(b[i]);
    se += d * d;
    ++n;
  }
  if (se == 0) return 99.0;
  return 10.0 * std::log10(255.0 * 255.0 / (se / double(n)));
}

struct decoded {
  int width = 0, height = 0, colorspace = -1;
  std::vector<std::uint8_t> pixels;
};

/// The test's own decoder: TurboJPEG called directly.
decoded tj_decode(const std::vector<std::uint8_t>& jpeg, int pixel_format, int bpp) {
  decoded d;
  tjhandle h = tjInitDecompress();
  int subsamp = 0;
  EXPECT_EQ(tjDecompressHeader3(h, jpeg.data(), jpeg.size(), &d.width, &d.height, &subsamp, &d.colorspace), 0)
      << tjGetErrorStr2(h);
  d.pixels.resize(static_cast<std::size_t>(d.width * d.height * bpp));
  EXPECT_EQ(tjDecompress2(h, jpeg.data(), jpeg.size(), d.pixels.data(), d.width, d.width * bpp, d.height, pixel_format, 0),
            0)
      << tjGetErrorStr2(h);
  tjDestroy(h);
  return d;
}

/// The test's own encoder, for jpegdec's input.
std::vector<std::uint8_t> tj_encode(const std::vector<std::uint8_t>& pixels, int w, int h, int pixel_format, int bpp,
                                    int subsamp, int quality = 90) {
  tjhandle t = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(t, pixels.data(), w, w * bpp, h, pixel_format, &out, &size, subsamp, quality, 0), 0)
      << tjGetErrorStr2(t);
  std::vector<std::uint8_t> v(out, out + size);
  tjFree(out);
  tjDestroy(t);
  return v;
}

/// The harness on jpegdec (`harnesssrc ! jpegdec ! appsink name=out sync=false <sink
/// caps>`, PAUSED) with JPEG caps and a segment sent.
struct dec_rig : harness {
  explicit dec_rig(std::string_view sink_caps = "", pipeline_limits limits = {})
      : harness("jpegdec", sink_caps, std::move(limits)) {
    EXPECT_TRUE(pusher->start_stream(caps::parse("image/jpeg,framerate=25/1").value()));
  }
  flow push(const std::vector<std::uint8_t>& bytes, std::uint64_t n = 0) { return pusher->src().push(frame_buffer(bytes, n)); }
};

TEST(Jpegenc, EncodesAKnownFrameThatTurboJpegDecodesCloseToTheOriginal) {
  for (auto [format, bpp, tjpf] : {std::tuple{"RGBA", 4, int(TJPF_RGBA)}, std::tuple{"RGB", 3, int(TJPF_RGB)}}) {
    SCOPED_TRACE(format);
    harness rig("jpegenc");
    const auto frame = smooth_frame(64, 48, bpp);
    ASSERT_TRUE(rig.pusher->start_stream(video_caps(format, 64, 48, "15/1")));
    ASSERT_EQ(rig.pusher->src().push(frame_buffer(frame, 3)), flow::ok);
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->caps.is_equal(caps::parse("image/jpeg,width=64,height=48,framerate=15/1").value()))
        << s->caps.to_string();
    EXPECT_EQ(s->buffer.pts, 100'000'000);  // frame 3 at 30 fps, copied through
    EXPECT_EQ(s->buffer.offset, 3u);
    const auto jpeg = bytes_of(s->buffer);
    ASSERT_GE(jpeg.size(), 4u);
    EXPECT_EQ(jpeg[0], 0xff);
    EXPECT_EQ(jpeg[1], 0xd8);  // SOI
    EXPECT_EQ(jpeg[jpeg.size() - 2], 0xff);
    EXPECT_EQ(jpeg[jpeg.size() - 1], 0xd9);  // EOI: trimmed to the JPEG, no slack
    const decoded d = tj_decode(jpeg, tjpf, bpp);
    EXPECT_EQ(d.width, 64);
    EXPECT_EQ(d.height, 48);
    EXPECT_GT(psnr(frame, d.pixels, bpp), 32.0);
  }
}

TEST(Jpegenc, Gray8BecomesAGreyJpeg) {
  harness rig("jpegenc");
  const auto frame = smooth_frame(40, 30, 1);
  ASSERT_TRUE(rig.pusher->start_stream(video_caps("GRAY8", 40, 30)));
  ASSERT_EQ(rig.pusher->src().push(frame_buffer(frame)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  const decoded d = tj_decode(bytes_of(s->buffer), TJPF_GRAY, 1);
  EXPECT_EQ(d.colorspace, TJCS_GRAY);
  EXPECT_GT(psnr(frame, d.pixels, 1), 35.0);
}

TEST(Jpegenc, QualityChangesTheSizeAndOutOfRangeIsRefused) {
  std::size_t sizes[2] = {};
  int i = 0;
  for (int q : {10, 95}) {
    auto p = build("testsrc pattern=snow num-buffers=1 width=128 height=96 ! jpegenc quality=" + std::to_string(q) +
                   " ! appsink name=out sync=false");
    ASSERT_TRUE(p);
    auto r = run_to_eos(*p);
    ASSERT_EQ(r.samples.size(), 1u);
    sizes[i++] = r.samples[0].buffer.size();
  }
  EXPECT_LT(sizes[0] * 2, sizes[1]);

  auto e = test_runtime().registry().make("jpegenc").value();
  auto bad = e->set_property("quality", property_value{std::int64_t{101}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("[1, 100]"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(e->set_property_from_string("quality", "0"));
  EXPECT_TRUE(e->set_property_from_string("quality", "100"));
}

TEST(Jpegenc, RefusesCapsItCannotHandleAtLinkTime) {
  auto r = build_pipeline("fakesrc ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! jpegenc ! fakesink",
                          test_runtime().registry(), "t");
  EXPECT_FALSE(r);
  auto r2 = build_pipeline("testsrc ! jpegenc ! jpegenc ! fakesink", test_runtime().registry(), "t");
  ASSERT_FALSE(r2);
  EXPECT_NE(r2.error().message.find("jpegenc0 to jpegenc1"), std::string::npos) << r2.error().message;
}

TEST(Jpegdec, DecodesToTheFormatDownstreamWantsWithTheHeaderSize) {
  const auto rgb = smooth_frame(48, 32, 3);
  const auto jpeg = tj_encode(rgb, 48, 32, TJPF_RGB, 3, TJSAMP_444, 95);
  for (auto [format, bpp] : {std::pair{"RGBA", 4}, std::pair{"RGB", 3}, std::pair{"GRAY8", 1}}) {
    SCOPED_TRACE(format);
    dec_rig rig(std::string("video/x-raw,format=") + format);
    ASSERT_EQ(rig.push(jpeg, 2), flow::ok);
    auto s = rig.out->pull_sample(2s);
    ASSERT_TRUE(s);
    const video_info info = info_of(*s);
    EXPECT_EQ(info.width(), 48);
    EXPECT_EQ(info.height(), 32);
    EXPECT_EQ(std::string(to_string(info.format())), format);
    EXPECT_EQ(info.framerate(), fraction(25));
    EXPECT_EQ(s->buffer.offset, 2u);
    // The test's own reference: TurboJPEG decoding the same bytes to this format.
    const int tjpf = bpp == 4 ? TJPF_RGBA : bpp == 3 ? TJPF_RGB : TJPF_GRAY;
    const decoded ref = tj_decode(jpeg, tjpf, bpp);
    const auto got = bytes_of(s->buffer);
    // jpegdec uses the fast IDCT: within a couple of levels of the exact one.
    EXPECT_GT(psnr(ref.pixels, got, bpp), 40.0);
    EXPECT_GT(psnr(bpp == 3 ? rgb : ref.pixels, got, bpp), 30.0);
  }
}

TEST(Jpegdec, PrefersGray8ForAGreyJpegAndRenegotiatesWhenTheSizeChanges) {
  dec_rig rig;
  const auto grey = tj_encode(smooth_frame(16, 16, 1), 16, 16, TJPF_GRAY, 1, TJSAMP_GRAY);
  const auto colour = tj_encode(smooth_frame(24, 8, 3), 24, 8, TJPF_RGB, 3, TJSAMP_420);
  ASSERT_EQ(rig.push(grey), flow::ok);
  ASSERT_EQ(rig.push(colour), flow::ok);
  auto a = rig.out->pull_sample(2s);
  auto b = rig.out->pull_sample(2s);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->caps.is_equal(video_caps("GRAY8", 16, 16, "25/1"))) << a->caps.to_string();
  EXPECT_TRUE(b->caps.is_equal(video_caps("RGBA", 24, 8, "25/1"))) << b->caps.to_string();
  EXPECT_EQ(b->buffer.size(), 24u * 8u * 4u);
}

TEST(Jpegdec, CorruptDataIsAnErrorNamingTheElement) {
  const auto good = tj_encode(smooth_frame(32, 32, 3), 32, 32, TJPF_RGB, 3, TJSAMP_420);
  std::vector<std::vector<std::uint8_t>> bad = {
      {0x00, 0x01, 0x02, 0x03},                                    // not a JPEG
      {good.begin(), good.begin() + 20},                           // the header cut short
      {good.begin(), good.begin() + static_cast<long>(good.size() * 2 / 3)},  // the scan cut short
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(i);
    dec_rig rig;
    EXPECT_EQ(rig.push(bad[i]), flow::error);
    const std::string e = wait_error(*rig.p);
    EXPECT_NE(e.find("jpegdec0"), std::string::npos) << e;
    EXPECT_NE(e.find("corrupt JPEG data"), std::string::npos) << e;
  }
  // And from a launch line, the way a user meets it.
  auto p = build("fakesrc num-buffers=2 size=64 filltype=random ! jpegdec ! fakesink");
  ASSERT_TRUE(p);
  const outcome o = play_to_eos(*p);
  EXPECT_FALSE(o.eos);
  ASSERT_EQ(o.errors.size(), 1u);
  EXPECT_NE(o.errors[0].find("jpegdec0"), std::string::npos) << o.errors[0];
  p->set_state(state::null_state);
}

TEST(Jpegdec, RefusesAFramePastThePipelinesPixelLimitBeforeAllocating) {
  pipeline_limits limits;
  limits.max_frame_pixels = 1000;
  dec_rig rig("", limits);
  const auto jpeg = tj_encode(smooth_frame(40, 30, 3), 40, 30, TJPF_RGB, 3, TJSAMP_420);  // 1200 pixels
  const auto before = memory_counters_snapshot().allocated_bytes;
  EXPECT_EQ(rig.push(jpeg), flow::error);
  const std::string e = wait_error(*rig.p);
  EXPECT_NE(e.find("jpegdec0"), std::string::npos) << e;
  EXPECT_NE(e.find("40x30 exceeds the limit of 1000"), std::string::npos) << e;
  // Only the test's own input buffer was allocated, no 40x30 frame.
  EXPECT_LT(memory_counters_snapshot().allocated_bytes - before, 40u * 30u * 3u);
}

TEST(JpegCodec, RoundTripKeepsThePictureSizesAndTimestamps) {
  auto p = build("testsrc pattern=smpte num-buffers=4 width=160 height=120 framerate=10/1 ! jpegenc quality=90 ! "
                 "jpegdec ! video/x-raw,format=RGB ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_TRUE(r.eos) << (r.errors.empty() ? "" : r.errors[0]);
  ASSERT_EQ(r.samples.size(), 4u);
  auto ref_p = build("testsrc pattern=smpte num-buffers=1 width=160 height=120 format=RGB ! appsink name=out sync=false");
  auto ref = run_to_eos(*ref_p);
  ASSERT_EQ(ref.samples.size(), 1u);
  for (std::size_t i = 0; i < r.samples.size(); ++i) {
    EXPECT_TRUE(r.samples[i].caps.is_equal(video_caps("RGB", 160, 120, "10/1"))) << r.samples[i].caps.to_string();
    EXPECT_EQ(r.samples[i].buffer.pts, static_cast<std::int64_t>(i) * 100'000'000);
  }
  // Colour bars have hard edges, JPEG's worst case: still well above 25 dB at q=90.
  EXPECT_GT(psnr(bytes_of(ref.samples[0].buffer), bytes_of(r.samples[0].buffer), 3), 25.0);
}

TEST(JpegCodec, WebsinkTakesJpegAsIsWithoutEncodingAgain) {
  auto p = build("testsrc num-buffers=3 width=96 height=64 ! jpegenc ! tee name=t "
                 "t. ! queue ! websink name=web sync=false  t. ! queue ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto* web = dynamic_cast<websink*>(p->find("web"));
  ASSERT_NE(web, nullptr);
  auto r = run_to_eos(*p);
  ASSERT_TRUE(r.eos);
  ASSERT_EQ(r.samples.size(), 3u);
  EXPECT_EQ(web->frames_encoded(), 0u);  // nothing re-encoded
  auto last = web->last_frame();
  ASSERT_TRUE(last);
  const auto* d = reinterpret_cast<const std::uint8_t*>(last->data.get());
  // The very bytes jpegenc produced for the last frame.
  EXPECT_EQ(std::vector<std::uint8_t>(d, d + last->size), bytes_of(r.samples.back().buffer));
}

}  // namespace jpeg_codec_test
}  // namespace tessera::core
