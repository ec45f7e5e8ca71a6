// Negotiation as GStreamer does it, end to end on launch lines: a source adopts the caps
// downstream prefers (through videoscale and videoconvert, whose caps queries offer the
// untransformed downstream caps first), list order follows the upstream element's
// preference, pixel-aspect-ratio is fixated by sources, kept by videoconvert and kept
// in the display aspect by videoscale, and a source of bytes without caps meets a
// not-negotiated error at an element that needs a format. Each expectation was checked
// against gst-launch-1.0 -v with videotestsrc in place of testsrc.
#include "core/base/base_transform.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace negotiation_test {

using namespace video_test;

/// The caps negotiated on the src pad of element `name`.
caps src_caps(pipeline& p, std::string_view name) {
  element* e = p.find(name);
  EXPECT_NE(e, nullptr) << name;
  if (!e) return {};
  pad* src = e->static_pad(pad_direction::src);
  return src ? src->current_caps() : caps();
}

/// Plays `p` to EOS and returns the caps on the src pad of `name` before stopping it
/// (a stopped pipeline forgets its caps); the samples stay in appsink "out".
caps run_and_read_src_caps(pipeline& p, std::string_view name) {
  const outcome o = play_to_eos(p);
  EXPECT_TRUE(o.eos) << (o.errors.empty() ? "no EOS" : o.errors[0]);
  const caps c = src_caps(p, name);
  EXPECT_TRUE(c.structure_at(0)) << name << " has no caps";
  return c;
}

/// Runs `description` (ending in appsink name=out) to EOS; the caps of its first sample.
caps first_sample_caps(std::string_view description) {
  auto p = build(description);
  if (!p) return {};
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << (r.errors.empty() ? "no EOS" : r.errors[0]);
  if (r.samples.empty()) return {};
  return r.samples[0].caps;
}

TEST(Negotiation, SourceProducesTheSizeAskedForBehindVideoscale) {
  auto p = build("testsrc num-buffers=2 ! videoscale name=vs ! video/x-raw,width=640,height=360 ! "
                 "appsink name=out sync=false");
  ASSERT_TRUE(p);
  // testsrc draws 640x360 itself (it used to draw 320x240 and have it upscaled).
  const caps made_caps = run_and_read_src_caps(*p, "testsrc0");
  const auto made = video_info::from_caps(made_caps);
  ASSERT_TRUE(made) << made_caps.to_string();
  EXPECT_EQ(made->width(), 640);
  EXPECT_EQ(made->height(), 360);
  EXPECT_EQ(made->pixel_aspect_ratio(), fraction(1));
  // So videoscale has nothing to do.
  auto* vs = dynamic_cast<base_transform*>(p->find("vs"));
  ASSERT_NE(vs, nullptr);
  EXPECT_TRUE(vs->is_passthrough());
  const auto samples = dynamic_cast<appsink*>(p->find("out"))->pull_all(1s);
  p->set_state(state::null_state);
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(info_of(samples[0]).width(), 640);
}

TEST(Negotiation, VideoscalesCapsQueryOffersDownstreamsCapsFirst) {
  auto p = build("testsrc ! videoscale name=vs ! video/x-raw,width=640,height=360 ! fakesink");
  ASSERT_TRUE(p);
  const caps tmpl = testsrc::template_caps();
  const caps allowed = p->find("vs")->static_pad(pad_direction::sink)->query_caps(&tmpl);
  ASSERT_GE(allowed.size(), 2u) << allowed.to_string();
  EXPECT_EQ(allowed.structure_at(0)->get_int("width"), 640) << allowed.to_string();
  EXPECT_EQ(allowed.structure_at(0)->get_int("height"), 360) << allowed.to_string();
  // Then any size, which videoscale makes from anything.
  EXPECT_FALSE(allowed.structure_at(1)->get_int("width")) << allowed.to_string();
}

TEST(Negotiation, SourcePropertiesDecideWhatDownstreamLeavesOpen) {
  const caps c = first_sample_caps("testsrc num-buffers=1 width=200 height=100 format=GRAY8 ! videoscale ! "
                                   "videoconvert ! appsink name=out sync=false");
  const auto info = video_info::from_caps(c);
  ASSERT_TRUE(info) << c.to_string();
  EXPECT_EQ(info->width(), 200);
  EXPECT_EQ(info->height(), 100);
  EXPECT_EQ(info->format(), video_format::gray8);
}

TEST(Negotiation, SourceProducesTheFormatAskedForBehindVideoconvert) {
  auto p = build("testsrc num-buffers=1 ! videoconvert name=vc ! video/x-raw,format=GRAY8 ! "
                 "appsink name=out sync=false");
  ASSERT_TRUE(p);
  const caps made = run_and_read_src_caps(*p, "testsrc0");
  ASSERT_TRUE(made.structure_at(0));
  EXPECT_EQ(made.structure_at(0)->get_string("format"), "GRAY8");
  EXPECT_TRUE(dynamic_cast<base_transform*>(p->find("vc"))->is_passthrough());
  p->set_state(state::null_state);
}

TEST(Negotiation, ListOrderFollowsTheUpstreamElementsPreference) {
  // testsrc lists {RGBA,RGB,GRAY8}; of {GRAY8,RGB} it prefers RGB (videotestsrc too).
  const caps c = first_sample_caps(
      "testsrc num-buffers=1 ! video/x-raw,format={GRAY8,RGB} ! appsink name=out sync=false");
  ASSERT_TRUE(c.structure_at(0)) << c.to_string();
  EXPECT_EQ(c.structure_at(0)->get_string("format"), "RGB") << c.to_string();
}

TEST(Negotiation, CapsfilterQueryKeepsTheCallersOrder) {
  auto p = build("testsrc ! video/x-raw,format={GRAY8,RGB} ! fakesink");
  ASSERT_TRUE(p);
  const caps filter = caps::parse("video/x-raw,format={RGBA,RGB,GRAY8}").value();
  const caps got = p->find("capsfilter0")->static_pad(pad_direction::sink)->query_caps(&filter);
  ASSERT_EQ(got.size(), 1u) << got.to_string();
  const auto items = got.structure_at(0)->get("format")->list_items();
  ASSERT_EQ(items.size(), 2u) << got.to_string();
  EXPECT_EQ(items[0].as_string(), "RGB");
  EXPECT_EQ(items[1].as_string(), "GRAY8");
}

TEST(Negotiation, SourcesFixateSquarePixelsUnlessDownstreamAsksOtherwise) {
  const caps square = first_sample_caps("testsrc num-buffers=1 ! appsink name=out sync=false");
  ASSERT_TRUE(square.structure_at(0));
  EXPECT_EQ(square.structure_at(0)->get_fraction("pixel-aspect-ratio"), fraction(1)) << square.to_string();
  const caps wide = first_sample_caps(
      "testsrc num-buffers=1 ! video/x-raw,pixel-aspect-ratio=[1/1,4/1] ! appsink name=out sync=false");
  ASSERT_TRUE(wide.structure_at(0));
  EXPECT_EQ(wide.structure_at(0)->get_fraction("pixel-aspect-ratio"), fraction(1)) << wide.to_string();
  const caps asked = first_sample_caps(
      "testsrc num-buffers=1 ! video/x-raw,pixel-aspect-ratio=2/1 ! appsink name=out sync=false");
  ASSERT_TRUE(asked.structure_at(0));
  EXPECT_EQ(asked.structure_at(0)->get_fraction("pixel-aspect-ratio"), fraction(2)) << asked.to_string();
}

TEST(Negotiation, VideoconvertKeepsThePixelAspectRatio) {
  const caps c = first_sample_caps("testsrc num-buffers=1 ! video/x-raw,pixel-aspect-ratio=4/3,format=RGBA ! "
                                   "videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false");
  ASSERT_TRUE(c.structure_at(0)) << c.to_string();
  EXPECT_EQ(c.structure_at(0)->get_string("format"), "GRAY8");
  EXPECT_EQ(c.structure_at(0)->get_fraction("pixel-aspect-ratio"), fraction::make(4, 3).value()) << c.to_string();
}

struct scale_case {
  const char* out_caps;
  int width, height;
  fraction par;
};

TEST(Negotiation, VideoscaleKeepsTheDisplayAspectRatio) {
  const scale_case cases[] = {
      // Both sizes fixed: the pixels take the shape of the picture (GStreamer: 3/4).
      {"video/x-raw,width=640,height=360", 640, 360, fraction::make(3, 4).value()},
      // Pixels fixed by downstream: the size follows (GStreamer: 640x960).
      {"video/x-raw,width=640,pixel-aspect-ratio=2/1", 640, 960, fraction(2)},
      {"video/x-raw,height=120,pixel-aspect-ratio=1/1", 160, 120, fraction(1)},
      // One side fixed, pixels free: tessera keeps square pixels (see videoscale.hpp).
      {"video/x-raw,width=640", 640, 480, fraction(1)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.out_caps);
    const caps got = first_sample_caps(std::string("testsrc num-buffers=1 ! video/x-raw,width=320,height=240 ! "
                                                   "videoscale ! ") +
                                       c.out_caps + " ! appsink name=out sync=false");
    const auto info = video_info::from_caps(got);
    ASSERT_TRUE(info) << got.to_string();
    EXPECT_EQ(info->width(), c.width);
    EXPECT_EQ(info->height(), c.height);
    EXPECT_EQ(info->pixel_aspect_ratio(), c.par) << got.to_string();
  }
}

TEST(Negotiation, BytesWithoutCapsIntoAnEncoderAreNotNegotiated) {
  // fakesrc can produce anything, so it sends no caps (GstBaseSrc with ANY caps); jpegenc
  // used to get 1x1 caps fixated from its own template and encode 64 random bytes.
  auto p = build("fakesrc num-buffers=2 size=64 filltype=random ! jpegenc ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_FALSE(r.eos);
  ASSERT_FALSE(r.errors.empty());
  EXPECT_NE(r.errors[0].find("jpegenc0"), std::string::npos) << r.errors[0];
  EXPECT_NE(r.errors[0].find("before any caps"), std::string::npos) << r.errors[0];
  EXPECT_TRUE(r.samples.empty());
}

TEST(Negotiation, ACapsfilterNamesTheFormatOfBytesWithoutCapsWhenItFixesOne) {
  // As GStreamer's capsfilter: fixed filter caps are sent downstream for them.
  auto p = build("fakesrc num-buffers=2 size=16 filltype=pattern ! "
                 "video/x-raw,format=GRAY8,width=4,height=4,framerate=30/1 ! jpegenc ! jpegdec ! "
                 "appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  ASSERT_TRUE(r.eos) << (r.errors.empty() ? "no EOS" : r.errors[0]);
  ASSERT_EQ(r.samples.size(), 2u);
  EXPECT_EQ(info_of(r.samples[0]).width(), 4);
  // Looser caps cannot say what the bytes are (gst-launch: "Filter caps do not
  // completely specify the output format").
  auto loose = build("fakesrc num-buffers=1 ! video/x-raw,format=GRAY8 ! jpegenc ! appsink name=out sync=false");
  ASSERT_TRUE(loose);
  auto l = run_to_eos(*loose);
  EXPECT_FALSE(l.eos);
  ASSERT_FALSE(l.errors.empty());
  EXPECT_NE(l.errors[0].find("capsfilter0"), std::string::npos) << l.errors[0];
  EXPECT_NE(l.errors[0].find("do not completely specify the format"), std::string::npos) << l.errors[0];
}

TEST(Negotiation, BytesWithoutCapsStillFlowWhereNoFormatIsNeeded) {
  auto p = build("fakesrc num-buffers=3 size=64 ! identity ! queue ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto r = run_to_eos(*p);
  EXPECT_TRUE(r.eos) << (r.errors.empty() ? "no EOS" : r.errors[0]);
  EXPECT_EQ(r.samples.size(), 3u);
}

}  // namespace negotiation_test
}  // namespace tessera::core
