// The builder: description text -> linked pipeline, with every error naming the
// line:column of the offending text (docs/pipelines.md).
#include "core/graph/pipeline_builder.hpp"

#include "tests/core/support/test_elements.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace pipeline_builder_test {

result<std::unique_ptr<pipeline>> build(std::string_view text, pipeline_limits limits = {}) {
  return build_pipeline(text, test::test_registry(), "p", std::move(limits));
}

std::string build_error(std::string_view text) {
  auto r = build(text);
  return r ? std::string("(built)") : r.error().message;
}

/// "a.src -> b.sink" for the peer of pad `pad_name` of element `from`.
std::string peer_of(pipeline& p, std::string_view from, std::string_view pad_name) {
  element* e = p.find(from);
  if (!e) return "(no element)";
  pad* pd = e->find_pad(pad_name);
  if (!pd) return "(no pad)";
  return pd->peer() ? pd->peer()->full_name() : "(unlinked)";
}

TEST(PipelineBuilder, UnknownElementIsNamedWithItsPosition) {
  EXPECT_EQ(build_error("pushsrc ! invret ! harnesssink"), "1:11: no element \"invret\"");
  EXPECT_EQ(build_error("pushsrc !\n   invret ! harnesssink"), "2:4: no element \"invret\"");
  auto r = build("pushsrc ! invret ! harnesssink");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_found);
}

TEST(PipelineBuilder, BadPropertyValueIsReportedAtTheProperty) {
  EXPECT_EQ(build_error("pushsrc num-buffers=abc ! harnesssink"),
            "1:9: pushsrc0: property \"num-buffers\" expects an integer in [-1, 9223372036854775807], got \"abc\"");
  EXPECT_EQ(build_error("pushsrc ! xform mode=sideways ! harnesssink"),
            "1:17: xform0: property \"mode\" has no value \"sideways\"; allowed: {passthrough (0), in-place (1), copy (2)}");
  EXPECT_EQ(build_error("pushsrc width=0 ! harnesssink"), "1:9: pushsrc0: property \"width\" value 0 is out of range [1, 4096]");
  EXPECT_EQ(build_error("pushsrc ! harnesssink colour=red"), "1:23: harnesssink0: no property \"colour\" (factory harnesssink)");
}

TEST(PipelineBuilder, LinkFailureNamesBothElementsAndBothCaps) {
  EXPECT_EQ(build_error("graysrc ! audiosink"),
            "1:9: could not link graysrc0 to audiosink0: no common caps "
            "(video/x-raw,format=GRAY8,width=[1,4096],height=[1,4096] vs audio/x-raw,format=S16LE)");
  auto r = build("graysrc ! audiosink");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::not_negotiated);
}

TEST(PipelineBuilder, LinkFailureThroughAnImplicitCapsfilterNamesTheFilter) {
  const std::string e = build_error("graysrc ! audio/x-raw ! harnesssink");
  EXPECT_EQ(e.rfind("1:9: could not link graysrc0 to capsfilter0: no common caps (", 0), 0u) << e;
}

TEST(PipelineBuilder, NamedReferencesAndRequestPadsMakeTeeBranches) {
  auto p = build("pushsrc ! fan name=t  t. ! xform ! harnesssink name=a  t. ! harnesssink name=b");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(peer_of(**p, "pushsrc0", "src"), "t.sink");
  EXPECT_EQ(peer_of(**p, "t", "src_0"), "xform0.sink");
  EXPECT_EQ(peer_of(**p, "xform0", "src"), "a.sink");
  EXPECT_EQ(peer_of(**p, "t", "src_1"), "b.sink");
  EXPECT_EQ((*p)->find("t")->pads().size(), 3u);  // sink + two request pads, nothing more
}

TEST(PipelineBuilder, ExplicitRequestPadNameIsHonoured) {
  auto p = build("pushsrc ! fan name=t  t.src_5 ! harnesssink name=a");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(peer_of(**p, "t", "src_5"), "a.sink");
}

TEST(PipelineBuilder, UnknownPadNameIsReportedAtTheLink) {
  EXPECT_EQ(build_error("pushsrc ! fan name=t t.video ! harnesssink"),
            "1:30: could not link t to harnesssink0: t has no src pad \"video\"");
}

TEST(PipelineBuilder, AlreadyLinkedSinkHasNoFreePad) {
  EXPECT_EQ(build_error("pushsrc ! harnesssink name=s  pushsrc ! s."),
            "1:39: could not link pushsrc1 to s: s has no free sink pad");
}

TEST(PipelineBuilder, DefaultNamesAreFactoryPlusIndexCountingNamedOnes) {
  auto p = build("pushsrc ! xform ! xform name=mid ! xform ! harnesssink");
  ASSERT_TRUE(p) << p.error().message;
  std::vector<std::string> names;
  for (element* e : (*p)->elements()) names.push_back(e->name());
  EXPECT_EQ(names, (std::vector<std::string>{"pushsrc0", "xform0", "mid", "xform2", "harnesssink0"}));
  EXPECT_EQ(peer_of(**p, "xform0", "src"), "mid.sink");
  EXPECT_EQ(peer_of(**p, "mid", "src"), "xform2.sink");
  EXPECT_EQ(peer_of(**p, "xform2", "src"), "harnesssink0.sink");
}

TEST(PipelineBuilder, BareCapsBecomeACapsfilter) {
  auto p = build("pushsrc ! application/x-test,unit=2 ! harnesssink");
  ASSERT_TRUE(p) << p.error().message;
  element* f = (*p)->find("capsfilter0");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->factory().name, "capsfilter");
  EXPECT_EQ(f->get_property("caps").value(), property_value{std::string("application/x-test,unit=2")});
  EXPECT_EQ(peer_of(**p, "pushsrc0", "src"), "capsfilter0.sink");
  EXPECT_EQ(peer_of(**p, "capsfilter0", "src"), "harnesssink0.sink");
}

TEST(PipelineBuilder, PropertiesAreSetWithTheirTypes) {
  auto p = build("pushsrc num-buffers=3 pts-step=20000000 ! harnesssink sync=true max-lateness=-1");
  ASSERT_TRUE(p) << p.error().message;
  element* src = (*p)->find("pushsrc0");
  element* sink = (*p)->find("harnesssink0");
  EXPECT_EQ(src->get_property("num-buffers").value(), property_value{std::int64_t{3}});
  EXPECT_EQ(src->get_property("pts-step").value(), property_value{std::int64_t{20'000'000}});
  EXPECT_EQ(sink->get_property("sync").value(), property_value{true});
  EXPECT_EQ(sink->get_property("max-lateness").value(), property_value{std::int64_t{-1}});
  EXPECT_EQ((*p)->description(), "pushsrc num-buffers=3 pts-step=20000000 ! harnesssink sync=true max-lateness=-1");
}

TEST(PipelineBuilder, ElementLimitIsEnforced) {
  pipeline_limits limits;
  limits.max_elements = 2;
  auto r = build("pushsrc ! xform ! harnesssink", limits);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find('2'), std::string::npos) << r.error().message;
}

TEST(PipelineBuilder, SyntaxErrorsCarryAPosition) {
  const std::string e = build_error("pushsrc ! ! harnesssink");
  EXPECT_EQ(e.rfind("1:", 0), 0u) << e;
}

}  // namespace pipeline_builder_test
}  // namespace tessera::core
