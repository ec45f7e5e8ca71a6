// The latency query and its distribution (GStreamer's live latency model): a live
// source answers one frame or buffer period, queues add what they can hold, the
// pipeline sends the largest minimum to every sink on the way to PLAYING and posts a
// latency message; sinks render at running time + latency.
#include "core/base/base_sink.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"

#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace latency_concurrency_test {

using namespace std::chrono_literals;
using test::within;

constexpr clock_time ms = 1'000'000;

std::unique_ptr<pipeline> build(std::string_view text) {
  auto p = build_pipeline(text, test_runtime().registry(), "lat");
  if (!p) throw std::runtime_error(p.error().message);
  return std::move(p).value();
}

void stop(pipeline& p) {
  EXPECT_EQ(within(10s, "set_state(NULL)", [&] { return p.set_state(state::null_state); }), state_change::success);
}

latency_info sink_query(pipeline& p, std::string_view sink) {
  element* e = p.find(sink);
  return e->query_latency(*e->static_pad(pad_direction::sink));
}

latency_info source_query(pipeline& p, std::string_view src) {
  element* e = p.find(src);
  return e->query_latency(*e->static_pad(pad_direction::src));
}

constexpr clock_time deadline = 20 * ms;  // a sink's default processing-deadline, as GStreamer's

TEST(Latency, LiveVideoSourceAnswersOneFramePeriod) {
  auto p = build("testsrc is-live=true framerate=25/1 ! fakesink name=out sync=true");
  ASSERT_EQ(p->set_state(state::paused), state_change::no_preroll);
  const latency_info src = source_query(*p, "testsrc0");
  EXPECT_TRUE(src.live);
  EXPECT_EQ(src.min, 40 * ms);
  EXPECT_FALSE(is_valid_time(src.max));
  const latency_info l = sink_query(*p, "out");
  EXPECT_TRUE(l.live);
  EXPECT_EQ(l.min, 40 * ms + deadline) << "the sink adds its processing deadline";
  stop(*p);
}

TEST(Latency, TheRateDownstreamImposesIsTheOneAnswered) {
  auto p = build("testsrc is-live=true ! video/x-raw,framerate=10/1 ! fakesink name=out sync=true");
  ASSERT_EQ(p->set_state(state::paused), state_change::no_preroll);
  EXPECT_EQ(source_query(*p, "testsrc0").min, 100 * ms);
  stop(*p);
}

TEST(Latency, LiveAudioSourceAnswersOneBufferPeriod) {
  auto p = build("audiotestsrc is-live=true samplesperbuffer=441 ! audio/x-raw,rate=44100 ! fakesink name=out sync=true");
  ASSERT_EQ(p->set_state(state::paused), state_change::no_preroll);
  EXPECT_EQ(source_query(*p, "audiotestsrc0").min, 10 * ms);
  auto q = build("audiotestsrc is-live=true samplesperbuffer=441 ! fakesink name=out sync=true processing-deadline=0");
  EXPECT_EQ(sink_query(*q, "out").min, 10 * ms) << "processing-deadline=0 adds nothing";
  stop(*p);
}

TEST(Latency, AQueuePassesTheMinimumOnAndAddsItsMaxSizeTimeToABoundedMaximum) {
  auto p = build("testsrc is-live=true ! queue max-size-time=200000000 ! fakesink name=out sync=true");
  const latency_info l = sink_query(*p, "out");
  EXPECT_TRUE(l.live);
  EXPECT_EQ(l.min, 33'333'333 + deadline);
  EXPECT_FALSE(is_valid_time(l.max)) << "an unbounded source maximum stays unbounded (as GStreamer's queue)";
  // What the queue adds, on a bounded maximum: its time limit, or nothing bounds a
  // blocking queue without one.
  const latency_info bounded{true, 10 * ms, 50 * ms};
  EXPECT_EQ(bounded.plus(0, 200 * ms).max, 250 * ms);
  EXPECT_FALSE(is_valid_time(bounded.plus(0, time_none).max));
  EXPECT_EQ(bounded.plus(5 * ms, 0).min, 15 * ms);
}

TEST(Latency, BranchesCombineAsLiveWithTheLargerMinimumAndSmallerMaximum) {
  const latency_info a{true, 10 * ms, 100 * ms}, b{true, 40 * ms, 60 * ms}, idle{false, 0, time_none};
  const latency_info ab = a.combined_with(b);
  EXPECT_TRUE(ab.live);
  EXPECT_EQ(ab.min, 40 * ms);
  EXPECT_EQ(ab.max, 60 * ms);
  EXPECT_EQ(idle.combined_with(a).min, 10 * ms);
  EXPECT_TRUE(a.combined_with(idle).live);
}

TEST(Latency, ANonLiveOrUnsyncedPathIsNotLive) {
  auto p = build("testsrc ! fakesink name=out sync=true");
  EXPECT_FALSE(sink_query(*p, "out").live);
  auto q = build("testsrc is-live=true ! fakesink name=out sync=false");
  EXPECT_FALSE(sink_query(*q, "out").live) << "a sink that does not sync needs no latency";
}

TEST(Latency, PipelineDistributesTheLargestMinimumAndPostsIt) {
  // Two branches with different rates: every sink renders with the larger latency
  // (50 ms + the 20 ms processing deadline).
  auto p = build(
      "testsrc is-live=true framerate=20/1 ! fakesink name=a sync=true "
      "testsrc is-live=true framerate=50/1 ! fakesink name=b sync=true");
  EXPECT_FALSE(p->latency().has_value());
  p->set_state(state::playing);
  auto m = p->bus().pop_filtered(5s, {message_type::latency});
  ASSERT_TRUE(m.has_value()) << "no latency message";
  EXPECT_EQ(m->source, "lat");
  EXPECT_EQ(m->get_int("latency_ns").value_or(-1), 70 * ms);
  EXPECT_EQ(p->latency(), std::optional<clock_time>(70 * ms));
  EXPECT_EQ(dynamic_cast<base_sink&>(*p->find("a")).latency(), 70 * ms);
  EXPECT_EQ(dynamic_cast<base_sink&>(*p->find("b")).latency(), 70 * ms);
  stop(*p);
}

TEST(Latency, ALiveSourceThatChangesItsRateMakesThePipelineAskAgain) {
  auto p = build("testsrc is-live=true framerate=20/1 ! fakesink name=out sync=true");
  p->set_state(state::playing);
  auto first = p->bus().pop_filtered(5s, {message_type::latency});
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->get_int("latency_ns").value_or(-1), 50 * ms + deadline);
  ASSERT_TRUE(p->find("testsrc0")->set_property("framerate", property_value{fraction_value{10, 1}}));
  auto second = p->bus().pop_filtered(5s, {message_type::latency});
  ASSERT_TRUE(second.has_value()) << "no latency message after the rate changed";
  EXPECT_EQ(second->source, "lat");
  EXPECT_EQ(second->get_int("latency_ns").value_or(-1), 100 * ms + deadline);
  EXPECT_EQ(dynamic_cast<base_sink&>(*p->find("out")).latency(), 100 * ms + deadline);
  stop(*p);
}

TEST(Latency, ANonLivePipelineHasZeroLatencyAndNoMessage) {
  auto p = build("testsrc num-buffers=3 ! fakesink name=out sync=true");
  p->set_state(state::playing);
  ASSERT_TRUE(p->bus().pop_filtered(10s, {message_type::eos}).has_value());
  EXPECT_EQ(p->latency(), std::optional<clock_time>(0));
  EXPECT_TRUE(test::pop_all(p->bus(), message_type::latency, 0ms).empty());
  stop(*p);
}

TEST(Latency, ProcessingWithinTheLatencyLosesNoFrame) {
  // 25 ms of work per frame at 30 fps: later than a 20 ms max-lateness without the
  // latency, on time with it (the websink case: a video sink's defaults). No
  // processing deadline, so the source's one frame of latency alone must do.
  auto p = build(
      "testsrc is-live=true num-buffers=30 ! identity sleep-us=25000 ! "
      "fakesink name=out sync=true qos=true max-lateness=20000000 processing-deadline=0");
  p->set_state(state::playing);
  ASSERT_TRUE(p->bus().pop_filtered(20s, {message_type::eos}).has_value());
  auto& sink = dynamic_cast<base_sink&>(*p->find("out"));
  EXPECT_EQ(sink.dropped(), 0u);
  EXPECT_EQ(sink.rendered(), 30u);
  stop(*p);
}

}  // namespace latency_concurrency_test
}  // namespace tessera::core
