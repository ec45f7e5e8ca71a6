// jpegenc's raw frames come from its own pool: upstream's buffer-alloc is answered with
// recycled blocks after the first, and the JPEGs are the bytes the test's own TurboJPEG
// call makes of the same frames (recycled memory holding an older frame changes nothing).
#include "core/elements/codec/jpegenc.hpp"

#include "tests/core/elements/video/video_test_support.hpp"

#include <gtest/gtest.h>
#include <turbojpeg.h>

namespace tessera::core {
namespace jpegenc_pool_test {

using namespace video_test;

/// The test's own encoding, with jpegenc's documented settings (4:2:0, fast DCT).
std::vector<std::uint8_t> reference_jpeg(const std::vector<std::uint8_t>& rgb, int w, int h, int quality) {
  tjhandle t = tjInitCompress();
  unsigned char* out = nullptr;
  unsigned long size = 0;
  EXPECT_EQ(tjCompress2(t, rgb.data(), w, w * 3, h, TJPF_RGB, &out, &size, TJSAMP_420, quality, TJFLAG_FASTDCT), 0)
      << tjGetErrorStr2(t);
  std::vector<std::uint8_t> v(out, out + size);
  tjFree(out);
  tjDestroy(t);
  return v;
}

TEST(JpegencPool, FramesAfterTheFirstComeFromThePoolAndTheJpegsAreUnchanged) {
  constexpr int frames = 12, w = 160, h = 120, quality = 80;
  const std::string src = "testsrc pattern=ball num-buffers=" + std::to_string(frames) + " width=" + std::to_string(w) +
                          " height=" + std::to_string(h) + " format=RGB";
  // The raw frames, from testsrc's own pool (no jpegenc involved).
  auto raw_p = build(src + " peer-alloc=false ! appsink name=out sync=false");
  ASSERT_TRUE(raw_p);
  const auto raw = run_to_eos(*raw_p);
  ASSERT_EQ(raw.samples.size(), std::size_t{frames});

  auto p = build(src + " ! jpegenc name=enc quality=" + std::to_string(quality) + " ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto* enc = dynamic_cast<jpegenc*>(p->find("enc"));
  ASSERT_NE(enc, nullptr);
  const auto r = run_to_eos(*p);
  ASSERT_TRUE(r.eos) << (r.errors.empty() ? "" : r.errors[0]);
  ASSERT_EQ(r.samples.size(), std::size_t{frames});

  ASSERT_NE(enc->frame_pool(), nullptr);
  const pool_stats st = enc->frame_pool()->stats();
  EXPECT_EQ(enc->frame_pool()->block_size(), std::size_t{w * h * 3});
  EXPECT_EQ(st.hits + st.misses, std::uint64_t{frames});
  // Each frame goes back to the pool once encoded (the JPEG is another buffer), so
  // one block serves them all; allow one more for a frame still being released.
  EXPECT_LE(st.misses, 2u);
  EXPECT_GE(st.hits, std::uint64_t{frames - 2});

  for (int i = 0; i < frames; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(bytes_of(r.samples[i].buffer), reference_jpeg(bytes_of(raw.samples[i].buffer), w, h, quality));
  }
  // The ball moves: frames differ, so a stale recycled block would have shown above.
  EXPECT_NE(bytes_of(raw.samples[0].buffer), bytes_of(raw.samples[frames - 1].buffer));
}

TEST(JpegencPool, ANewFrameSizeGetsANewPoolAndOtherRequestsAFreshBuffer) {
  harness rig("jpegenc");
  auto* enc = dynamic_cast<jpegenc*>(rig.middle);
  ASSERT_NE(enc, nullptr);
  const caps small = video_caps("RGB", 32, 24), large = video_caps("RGB", 64, 48);

  ASSERT_TRUE(rig.pusher->start_stream(small));
  for (int i = 0; i < 3; ++i) {
    auto a = rig.pusher->src().alloc_buffer(32 * 24 * 3, small);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->buffer.size(), 32u * 24u * 3u);
    ASSERT_EQ(rig.pusher->src().push(std::move(a->buffer)), flow::ok);
    ASSERT_TRUE(rig.out->pull_sample(2s));
  }
  ASSERT_NE(enc->frame_pool(), nullptr);
  EXPECT_EQ(enc->frame_pool()->block_size(), 32u * 24u * 3u);
  EXPECT_EQ(enc->frame_pool()->stats().misses, 1u);
  EXPECT_EQ(enc->frame_pool()->stats().hits, 2u);

  // A size that is not the negotiated frame's: answered, but not from the pool.
  auto odd = rig.pusher->src().alloc_buffer(100, small);
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->buffer.size(), 100u);
  EXPECT_EQ(enc->frame_pool()->stats().hits + enc->frame_pool()->stats().misses, 3u);

  // Renegotiation to a larger frame: the pool is recreated for the new size.
  ASSERT_TRUE(rig.pusher->start_stream(large));
  auto a = rig.pusher->src().alloc_buffer(64 * 48 * 3, large);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->buffer.size(), 64u * 48u * 3u);
  EXPECT_EQ(enc->frame_pool()->block_size(), 64u * 48u * 3u);
  EXPECT_EQ(enc->frame_pool()->stats().misses, 1u);
  ASSERT_EQ(rig.pusher->src().push(std::move(a->buffer)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->caps.is_equal(caps::parse("image/jpeg,width=64,height=48,framerate=30/1").value())) << s->caps.to_string();
}

}  // namespace jpegenc_pool_test
}  // namespace tessera::core
