// The design's four use cases of a sink resized while playing (docs/pipelines.md),
// with real streaming tasks:
//   src ! sink                      the source pad-allocs: it renegotiates the size;
//   src peer-alloc=false ! sink     nobody asks the sink: the size cannot change;
//   src ! scale ! sink              pad-alloc proxied through the passthrough scaler:
//                                   the source renegotiates, the scaler stays passthrough;
//   src peer-alloc=false ! scale ! sink
//                                   the scaler probes the sink and starts scaling.
#include "core/base/base_transform.hpp"

#include "tests/core/support/test_elements.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace buffer_alloc_concurrency_test {

using namespace std::chrono_literals;
using test::build_test_pipeline;
using test::element_as;
using test::eventually;
using test::push_src;
using test::harness_sink;
using test::within;

void stop(pipeline& p) {
  EXPECT_EQ(within(10s, "set_state(NULL)", [&] { return p.set_state(state::null_state); }), state_change::success);
}

/// Plays until the sink rendered a few frames, resizes it to 16x2, and waits until
/// `n` frames have been rendered since.
struct resize_run {
  std::unique_ptr<pipeline> p;
  harness_sink* sink;
  push_src* src;
  std::size_t rendered_before_resize = 0;

  explicit resize_run(const char* text) : p(build_test_pipeline(text)) {
    sink = &element_as<harness_sink>(*p, "graysink0");
    src = &element_as<push_src>(*p, "graysrc0");
    sink->resizable = true;
    p->set_state(state::playing);
    EXPECT_EQ(p->wait_state(10s), state::playing);
    EXPECT_TRUE(eventually([&] { return sink->render_count() >= 3; }));
    rendered_before_resize = sink->render_count();
    sink->answer_width = 16;
    EXPECT_TRUE(eventually([&] { return sink->render_count() >= rendered_before_resize + 50; }));
  }
  ~resize_run() { stop(*p); }
  std::size_t last_size() const { return sink->records().back().size; }
};

TEST(ResizeUseCases, SourceThatAllocatesFromTheSinkRenegotiatesTheNewSize) {
  resize_run run("graysrc peer-alloc=true ! graysink");
  EXPECT_GE(run.src->renegotiations(), 1u);
  EXPECT_EQ(run.last_size(), 32u) << "16x2 GRAY8";
  EXPECT_EQ(run.src->configured_caps().structure_at(0)->get_int("width"), 16);
  EXPECT_EQ(run.sink->caps_seen().back().structure_at(0)->get_int("width"), 16);
}

TEST(ResizeUseCases, SourceThatNeverAllocatesCannotBeResized) {
  resize_run run("graysrc peer-alloc=false ! graysink");
  EXPECT_EQ(run.sink->allocs(), 0u);
  EXPECT_EQ(run.src->renegotiations(), 0u);
  EXPECT_EQ(run.last_size(), 16u) << "still 8x2";
}

TEST(ResizeUseCases, AllocationProxiedThroughAPassthroughScalerRenegotiatesTheSource) {
  resize_run run("graysrc peer-alloc=true ! xform map=width-any ! graysink");
  auto& scaler = element_as<test::xform>(*run.p, "xform0");
  EXPECT_GE(run.src->renegotiations(), 1u);
  EXPECT_TRUE(scaler.is_passthrough()) << "the source produces the new size; nothing to scale";
  EXPECT_EQ(scaler.transform_calls.load(), 0u);
  EXPECT_EQ(run.last_size(), 32u);
}

TEST(ResizeUseCases, ScalerProbesTheSinkAndScalesWhenTheSourceNeverAllocates) {
  resize_run run("graysrc peer-alloc=false ! xform map=width-any ! graysink");
  auto& scaler = element_as<test::xform>(*run.p, "xform0");
  EXPECT_EQ(run.src->renegotiations(), 0u);
  EXPECT_FALSE(scaler.is_passthrough());
  EXPECT_GT(scaler.transform_calls.load(), 0u);
  EXPECT_EQ(run.last_size(), 32u);
  EXPECT_EQ(run.src->configured_caps().structure_at(0)->get_int("width"), 8) << "the source is unchanged";
}

}  // namespace buffer_alloc_concurrency_test
}  // namespace tessera::core
