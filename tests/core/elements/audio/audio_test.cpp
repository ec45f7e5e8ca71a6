// audiotestsrc and audioconvert on real samples; expected values are computed here
// from the documented formulas (audiotestsrc.hpp, audio_samples.hpp).
#include "core/elements/audio/audioconvert.hpp"
#include "core/elements/audio/audiotestsrc.hpp"

#include "tests/core/elements/audio/audio_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace tessera::core {
namespace audio_test {

using namespace audio_test;

std::vector<sample> run_src(const std::string& description) {
  auto p = build(description);
  if (!p) return {};
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << (r.errors.empty() ? "" : r.errors[0]);
  return std::move(r.samples);
}

TEST(Audiotestsrc, SineSamplesFollowTheFormulaOnEveryChannel) {
  const auto samples = run_src(
      "audiotestsrc freq=1000 volume=0.5 samplesperbuffer=100 num-buffers=5 ! "
      "audio/x-raw,format=S16LE,rate=8000,channels=2 ! appsink name=out sync=false");
  ASSERT_EQ(samples.size(), 5u);
  EXPECT_TRUE(samples[0].caps.is_equal(audio_caps("S16LE", 8000, 2))) << samples[0].caps.to_string();
  std::int64_t n = 0;
  for (const auto& s : samples) {
    const auto v = samples_of<std::int16_t>(s.buffer);
    ASSERT_EQ(v.size(), 200u);
    for (std::size_t i = 0; i < 100; ++i, ++n) {
      // phase = frac(1000 n / 8000), exact in integers.
      const double phase = double((1000 * n) % 8000) / 8000.0;
      const std::int16_t want = expected_s16(0.5 * 32767.0 * std::sin(2.0 * std::numbers::pi * phase));
      ASSERT_EQ(v[2 * i], want) << "sample " << n;
      ASSERT_EQ(v[2 * i + 1], want) << "sample " << n << ", right channel";
    }
  }
}

TEST(Audiotestsrc, F32SineAtAnOddFrequencyStaysOnTheCurveFarIntoTheStream) {
  const auto samples = run_src(
      "audiotestsrc freq=441.5 volume=1.0 samplesperbuffer=4410 num-buffers=30 ! "
      "audio/x-raw,format=F32LE,rate=44100,channels=1 ! appsink name=out sync=false");
  ASSERT_EQ(samples.size(), 30u);
  const auto last = samples_of<float>(samples.back().buffer);
  const std::int64_t first = 29 * 4410;
  for (std::size_t i = 0; i < last.size(); ++i) {
    // 441.5 n / 44100 = 883 n / 88200, reduced exactly.
    const std::int64_t n = first + static_cast<std::int64_t>(i);
    const double phase = double((883 * n) % 88200) / 88200.0;
    ASSERT_NEAR(last[i], std::sin(2.0 * std::numbers::pi * phase), 2e-6) << "sample " << n;
  }
}

TEST(Audiotestsrc, SquareAndSilence) {
  const auto sq = run_src("audiotestsrc wave=square freq=1000 volume=1.0 samplesperbuffer=16 num-buffers=1 ! "
                          "audio/x-raw,format=S16LE,rate=8000,channels=1 ! appsink name=out sync=false");
  ASSERT_EQ(sq.size(), 1u);
  const auto v = samples_of<std::int16_t>(sq[0].buffer);
  for (std::size_t n = 0; n < v.size(); ++n) EXPECT_EQ(v[n], n % 8 < 4 ? 32767 : -32767) << n;
  const auto si = run_src("audiotestsrc wave=silence samplesperbuffer=64 num-buffers=2 ! "
                          "audio/x-raw,format=F32LE ! appsink name=out sync=false");
  ASSERT_EQ(si.size(), 2u);
  for (float x : samples_of<float>(si[1].buffer)) EXPECT_EQ(x, 0.0f);
}

TEST(Audiotestsrc, TimestampsComeFromSampleCountsWithoutDrift) {
  const auto samples = run_src("audiotestsrc samplesperbuffer=1000 num-buffers=100 ! "
                               "audio/x-raw,rate=44100 ! appsink name=out sync=false");
  ASSERT_EQ(samples.size(), 100u);
  EXPECT_TRUE(samples[0].caps.is_equal(audio_caps("S16LE", 44100, 1))) << samples[0].caps.to_string();
  std::int64_t end = 0;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const buffer& b = samples[k].buffer;
    const std::int64_t first = static_cast<std::int64_t>(k) * 1000;
    EXPECT_EQ(b.pts, first * 1'000'000'000 / 44100) << k;  // truncated ns of the first sample
    EXPECT_EQ(b.pts, end) << "buffer " << k << " starts where the previous one ended";
    EXPECT_EQ(b.offset, static_cast<std::uint64_t>(first));
    EXPECT_EQ(b.offset_end, static_cast<std::uint64_t>(first + 1000));
    end = b.pts + b.duration;
  }
  EXPECT_EQ(end, std::int64_t{100'000} * 1'000'000'000 / 44100);  // 2.267573696 s, to the ns
}

TEST(Audiotestsrc, SeekLandsOnTheFirstSampleAtOrAfterTheTime) {
  auto p = build("audiotestsrc samplesperbuffer=100 ! audio/x-raw,rate=8000 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto* out = dynamic_cast<appsink*>(p->find("out"));
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(5s), state::paused);
  seek_request r;
  r.start = 500'000'100;  // just after sample 4000: lands on 4001
  r.stop = 600'000'000;   // sample 4800: EOS there
  ASSERT_TRUE(p->seek(r));
  p->set_state(state::playing);
  auto all = out->pull_all(5s);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().buffer.offset, 4001u);
  EXPECT_EQ(all.front().buffer.pts, std::int64_t{4001} * 1'000'000'000 / 8000);
  EXPECT_EQ(all.back().buffer.offset_end, 4800u);
  std::size_t frames = 0;
  for (auto& s : all) frames += s.buffer.size() / 2;
  EXPECT_EQ(frames, 799u);
  p->set_state(state::null_state);
}

TEST(Audiotestsrc, RefusesOutOfRangePropertiesNamingTheRange) {
  auto e = test_runtime().registry().make("audiotestsrc").value();
  auto f = e->set_property_from_string("freq", "-1");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("[0, 20000]"), std::string::npos) << f.error().message;
  auto v = e->set_property_from_string("volume", "1.5");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("[0, 1]"), std::string::npos) << v.error().message;
  EXPECT_FALSE(e->set_property_from_string("samplesperbuffer", "0"));
  EXPECT_FALSE(e->set_property_from_string("wave", "saw"));
}

TEST(Audioconvert, S16MonoToF32StereoDuplicatesScaledSamples) {
  audio_rig rig("audioconvert", audio_caps("S16LE", 8000, 1), "audio/x-raw,format=F32LE,channels=2");
  const std::vector<std::int16_t> in = {0, 1, -1, 16384, -16384, 32767, -32768, 12345};
  const auto out = rig.run<float>(in);
  EXPECT_TRUE(rig.last_caps.is_equal(audio_caps("F32LE", 8000, 2))) << rig.last_caps.to_string();
  ASSERT_EQ(out.size(), in.size() * 2);
  for (std::size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[2 * i], float(in[i]) / 32768.0f);
    EXPECT_EQ(out[2 * i + 1], float(in[i]) / 32768.0f);
  }
}

TEST(Audioconvert, F32StereoToS16MonoAveragesRoundsAndSaturates) {
  audio_rig rig("audioconvert", audio_caps("F32LE", 48000, 2), "audio/x-raw,format=S16LE,channels=1");
  const std::vector<float> in = {0.5f, 0.25f, 1.0f, 1.0f, -1.0f, -1.0f, 2.0f, 1.5f, -3.0f, 0.0f,
                                 1.0f / 32768, 0.0f, -1.0f / 32768, 0.0f, 0.1f, -0.3f};
  const auto out = rig.run<std::int16_t>(in);
  ASSERT_EQ(out.size(), in.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_EQ(out[i], expected_s16((double(in[2 * i]) + double(in[2 * i + 1])) / 2.0 * 32768.0)) << i;
  EXPECT_EQ(out[1], 32767);   // 1.0 saturates
  EXPECT_EQ(out[5], 1);       // the mean is 0.5 LSB: rounds away from zero
  EXPECT_EQ(out[6], -1);
}

TEST(Audioconvert, S16StereoToMonoAveragesExactly) {
  audio_rig rig("audioconvert", audio_caps("S16LE", 8000, 2), "audio/x-raw,channels=1");
  const std::vector<std::int16_t> in = {100, 201, -100, -201, 32767, 32767, -32768, -32768, 32767, -32768};
  const auto out = rig.run<std::int16_t>(in);
  EXPECT_TRUE(rig.last_caps.is_equal(audio_caps("S16LE", 8000, 1))) << rig.last_caps.to_string();
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out, (std::vector<std::int16_t>{151, -151, 32767, -32768, -1}));
}

TEST(Audioconvert, S16ToF32AndBackGivesEverySampleBack) {
  auto p = build("audiotestsrc freq=333 volume=1.0 samplesperbuffer=480 num-buffers=4 ! "
                 "audio/x-raw,format=S16LE,rate=48000,channels=2 ! tee name=t "
                 "t. ! queue ! appsink name=ref sync=false "
                 "t. ! queue ! audioconvert ! audio/x-raw,format=F32LE ! audioconvert ! audio/x-raw,format=S16LE ! "
                 "appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto* ref = dynamic_cast<appsink*>(p->find("ref"));
  auto r = run_to_eos(*p);
  ASSERT_TRUE(r.eos);
  auto refs = ref->pull_all(1s);
  ASSERT_EQ(r.samples.size(), 4u);
  ASSERT_EQ(refs.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(bytes_of(r.samples[i].buffer), bytes_of(refs[i].buffer));
}

TEST(Audioconvert, OutputSizesComeFromTheUnitSizes) {
  audio_rig rig("audioconvert", audio_caps("S16LE", 8000, 1), "audio/x-raw,format=F32LE,channels=2");
  // 2 bytes per input frame, 8 per output frame, for any buffer length.
  for (std::size_t frames : {1u, 7u, 7u, 1000u, 3u}) {
    const auto out = rig.run<float>(std::vector<std::int16_t>(frames, 5));
    EXPECT_EQ(out.size(), frames * 2) << frames;
  }
}

TEST(Audioconvert, SameCapsArePassedThroughWithoutACopy) {
  audio_rig rig("audioconvert", audio_caps("F32LE", 8000, 2));
  auto in = samples_buffer(std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
  const void* addr = data_address(in);
  ASSERT_EQ(rig.pusher->src().push(std::move(in)), flow::ok);
  auto s = rig.out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(data_address(s->buffer), addr);
}

TEST(Audioconvert, RefusesWhatItCannotConvert) {
  auto r = build_pipeline("testsrc ! audioconvert ! fakesink", test_runtime().registry(), "t");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("testsrc0 to audioconvert0"), std::string::npos) << r.error().message;
  // Three channels cannot become one: refused when linking, naming both ends.
  auto three = build_pipeline("audiotestsrc ! audio/x-raw,channels=3 ! audioconvert ! audio/x-raw,channels=1 ! fakesink",
                              test_runtime().registry(), "t");
  ASSERT_FALSE(three);
  EXPECT_NE(three.error().message.find("audioconvert0"), std::string::npos) << three.error().message;
  EXPECT_NE(three.error().message.find("channels=1"), std::string::npos) << three.error().message;
}

}  // namespace audio_test
}  // namespace tessera::core
