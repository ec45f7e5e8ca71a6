// volume on real samples: expected values written out from the documented rule
// (gain in double for S16, rounded half away from zero, saturated).
#include "core/elements/audio/volume.hpp"

#include "tests/core/elements/audio/audio_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace volume_test {

using namespace audio_test;

const std::vector<std::int16_t> s16_in = {0, 1, -1, 3, -3, 1000, -1000, 13107, -13108, 20000, -20000, 32767, -32768};

TEST(Volume, ScalesS16WithRoundingAndSaturation) {
  for (double gain : {0.5, 2.5, 0.1, 10.0}) {
    SCOPED_TRACE(gain);
    audio_rig rig("volume", audio_caps("S16LE", 8000, 1));
    ASSERT_TRUE(rig.middle->set_property("volume", property_value{gain}));
    const auto out = rig.run<std::int16_t>(s16_in);
    ASSERT_EQ(out.size(), s16_in.size());
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], expected_s16(double(s16_in[i]) * gain)) << i;
  }
}

TEST(Volume, ScalesF32WithoutClipping) {
  audio_rig rig("volume", audio_caps("F32LE", 8000, 2));
  ASSERT_TRUE(rig.middle->set_property("volume", property_value{3.0}));
  const std::vector<float> in = {0.0f, 0.5f, -0.5f, 0.25f, 1.0f, -1.0f};
  const auto out = rig.run<float>(in);
  ASSERT_EQ(out.size(), in.size());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_FLOAT_EQ(out[i], in[i] * 3.0f);
  EXPECT_FLOAT_EQ(out[4], 3.0f);  // not clipped
}

TEST(Volume, MuteSilencesAndChangesApplyFromTheNextBuffer) {
  audio_rig rig("volume", audio_caps("S16LE", 8000, 1));
  EXPECT_EQ(rig.run<std::int16_t>(s16_in), s16_in);  // unity gain: unchanged
  ASSERT_TRUE(rig.middle->set_property("mute", property_value{true}));
  EXPECT_EQ(rig.run<std::int16_t>(s16_in), std::vector<std::int16_t>(s16_in.size(), 0));
  ASSERT_TRUE(rig.middle->set_property("mute", property_value{false}));
  ASSERT_TRUE(rig.middle->set_property("volume", property_value{0.5}));
  EXPECT_EQ(rig.run<std::int16_t>(std::vector<std::int16_t>{4, -4, 5}), (std::vector<std::int16_t>{2, -2, 3}));
}

TEST(Volume, WorksInPlaceOnAWritableBufferAndCopiesASharedOne) {
  audio_rig rig("volume", audio_caps("S16LE", 8000, 1));
  ASSERT_TRUE(rig.middle->set_property("volume", property_value{2.0}));
  auto own = samples_buffer(std::vector<std::int16_t>{1, 2, 3});
  const void* addr = data_address(own);
  ASSERT_EQ(rig.pusher->src().push(std::move(own)), flow::ok);
  auto a = rig.out->pull_sample(2s);
  ASSERT_TRUE(a);
  EXPECT_EQ(data_address(a->buffer), addr);  // scaled where it lay
  EXPECT_EQ(samples_of<std::int16_t>(a->buffer), (std::vector<std::int16_t>{2, 4, 6}));

  auto kept = samples_buffer(std::vector<std::int16_t>{10, 20, 30});
  ASSERT_EQ(rig.pusher->src().push(kept.share()), flow::ok);
  auto b = rig.out->pull_sample(2s);
  ASSERT_TRUE(b);
  EXPECT_NE(data_address(b->buffer), data_address(kept));
  EXPECT_EQ(samples_of<std::int16_t>(b->buffer), (std::vector<std::int16_t>{20, 40, 60}));
  EXPECT_EQ(samples_of<std::int16_t>(kept), (std::vector<std::int16_t>{10, 20, 30}));  // untouched
}

TEST(Volume, IsChangeableWhilePlayingAndRefusesOutOfRange) {
  auto p = build("audiotestsrc is-live=true samplesperbuffer=80 ! audio/x-raw,rate=8000 ! volume name=v ! "
                 "fakesink");
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(5s), state::playing);
  element* v = p->find("v");
  EXPECT_TRUE(v->set_property_from_string("volume", "0.25"));
  EXPECT_TRUE(v->set_property_from_string("mute", "true"));
  auto bad = v->set_property_from_string("volume", "10.5");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("[0, 10]"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(v->set_property_from_string("volume", "-0.1"));
  p->set_state(state::null_state);
}

TEST(Volume, RefusesNonAudioAtLinkTime) {
  auto r = build_pipeline("testsrc ! volume ! fakesink", test_runtime().registry(), "t");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no common caps"), std::string::npos) << r.error().message;
}

}  // namespace volume_test
}  // namespace tessera::core
