// Sinks against the pipeline clock and QoS (docs/pipelines.md), with real streaming
// tasks: sync=true renders at each buffer's running time, buffers later than
// max-lateness are dropped and reported (a QoS event upstream, a qos message on the
// bus), and a transform with qos=true skips what the sink reported as too late.
// Timing checks are lower bounds only (a slow machine is late, never early).
#include "core/base/base_sink.hpp"

#include "tests/core/support/test_elements.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace base_sink_concurrency_test {

using namespace std::chrono_literals;
using test::build_test_pipeline;
using test::element_as;
using test::eventually;
using test::harness_sink;
using test::within;

constexpr clock_time ms = 1'000'000;

void stop(pipeline& p) {
  EXPECT_EQ(within(10s, "set_state(NULL)", [&] { return p.set_state(state::null_state); }), state_change::success);
}

TEST(BaseSinkSync, SyncSinkRendersEachBufferAtItsRunningTime) {
  auto p = build_test_pipeline("octsrc num-buffers=11 pts-step=20000000 ! harnesssink sync=true");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(10s), state::playing);
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 20s));

  const auto rendered = sink.records();
  ASSERT_EQ(rendered.size(), 11u);
  const clock_time base = p->base_time();
  constexpr clock_time tolerance = 2 * ms;  // timer and clock granularity
  for (std::size_t i = 0; i < rendered.size(); ++i) {
    EXPECT_EQ(rendered[i].pts, static_cast<clock_time>(i) * 20 * ms);
    EXPECT_GE(rendered[i].at - base, rendered[i].pts - tolerance) << "buffer " << i << " rendered early";
  }
  EXPECT_GE(rendered.back().at - rendered.front().at, 200 * ms - tolerance);
  EXPECT_EQ(sink.dropped(), 0u);
  stop(*p);
}

TEST(BaseSinkSync, WithoutSyncBuffersAreNotHeldForTheClock) {
  auto p = build_test_pipeline("octsrc num-buffers=11 pts-step=1000000000 ! harnesssink");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  // 10 s of stream time; without sync it is all rendered long before that.
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 5s));
  EXPECT_EQ(sink.render_count(), 11u);
  stop(*p);
}

TEST(BaseSinkSync, BuffersLaterThanMaxLatenessAreDroppedAndReported) {
  // Each buffer is held 30 ms on its way while the stream advances 10 ms per buffer:
  // buffer k arrives about 20*k ms late.
  auto p = build_test_pipeline(
      "octsrc num-buffers=10 pts-step=10000000 ! delay delay-ns=30000000 ! "
      "harnesssink sync=true max-lateness=5000000 qos=true");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 20s));

  EXPECT_GE(sink.dropped(), 9u) << "buffers 1..9 are at least 20 ms late";
  EXPECT_EQ(sink.rendered() + sink.dropped(), 10u);
  const auto qos = test::pop_all(p->bus(), message_type::qos, 100ms);
  ASSERT_EQ(qos.size(), sink.dropped());
  for (const auto& m : qos) {
    EXPECT_EQ(m.source, "harnesssink0");
    EXPECT_GT(m.get_int("jitter").value_or(0), 5 * ms);
    EXPECT_TRUE(m.find("proportion") != nullptr);
    EXPECT_TRUE(m.get_int("processed").has_value());
    EXPECT_TRUE(m.get_int("dropped").has_value());
  }
  EXPECT_EQ(qos.back().get_int("dropped").value_or(-1), static_cast<std::int64_t>(sink.dropped()));
  stop(*p);
}

TEST(BaseSinkSync, MaxLatenessMinusOneNeverDrops) {
  auto p = build_test_pipeline(
      "octsrc num-buffers=5 pts-step=10000000 ! delay delay-ns=30000000 ! harnesssink sync=true max-lateness=-1 qos=true");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 20s));
  EXPECT_EQ(sink.rendered(), 5u);
  EXPECT_EQ(sink.dropped(), 0u);
  EXPECT_TRUE(test::pop_all(p->bus(), message_type::qos, 0ms).empty());
  stop(*p);
}

TEST(BaseSinkSync, QosEventReachesAnUpstreamTransformThatSkipsLateBuffers) {
  auto p = build_test_pipeline(
      "octsrc num-buffers=60 pts-step=10000000 ! xform mode=in-place qos=true ! delay delay-ns=30000000 ! "
      "harnesssink sync=true max-lateness=5000000 qos=true");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  auto& x = element_as<test::xform>(*p, "xform0");
  p->set_state(state::playing);
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 30s));

  ASSERT_TRUE(x.last_qos().has_value()) << "the sink's QoS event must reach the transform";
  EXPECT_GT(x.qos_dropped(), 0u) << "the transform must skip buffers the sink would drop";
  EXPECT_EQ(x.qos_processed() + x.qos_dropped(), 60u);
  EXPECT_EQ(x.transform_ip_calls.load(), x.qos_processed()) << "a skipped buffer is never transformed";
  for (const auto& [end, earliest] : x.processed_times())
    if (is_valid_time(earliest)) EXPECT_GE(end, earliest) << "a buffer earlier than the reported time was processed";

  bool transform_report = false, sink_report = false;
  for (const auto& m : test::pop_all(p->bus(), message_type::qos, 100ms)) {
    EXPECT_TRUE(m.get_int("processed").has_value());
    EXPECT_TRUE(m.get_int("dropped").has_value());
    transform_report = transform_report || m.source == "xform0";
    sink_report = sink_report || m.source == "harnesssink0";
  }
  EXPECT_TRUE(transform_report) << "the transform reports its skips on the bus";
  EXPECT_TRUE(sink_report);
  stop(*p);
}

TEST(BaseSinkSync, PauseHoldsTheClockAndResumeContinuesFromThere) {
  // The pause (300 ms) is three times max-lateness (100 ms): a clock that ran on while
  // PAUSED makes the next buffers 300 ms late and dropped, while a loaded machine's
  // scheduling delay (tens of ms) does not.
  auto p = build_test_pipeline("octsrc num-buffers=30 pts-step=10000000 ! harnesssink sync=true max-lateness=100000000");
  auto& sink = element_as<harness_sink>(*p, "harnesssink0");
  p->set_state(state::playing);
  ASSERT_TRUE(eventually([&] { return sink.render_count() >= 5; }));
  // Not live: the buffer waiting for its clock time becomes the preroll (async).
  EXPECT_EQ(within(10s, "set_state(PAUSED)", [&] { return p->set_state(state::paused); }), state_change::async);
  EXPECT_EQ(p->wait_state(10s), state::paused);
  const clock_time paused_rt = p->running_time_now();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(p->running_time_now(), paused_rt) << "running time stands still while PAUSED";
  const auto count = sink.render_count();
  p->set_state(state::playing);
  ASSERT_TRUE(eventually([&] { return sink.eos_count() == 1; }, 20s));
  EXPECT_GT(sink.render_count(), count);
  EXPECT_EQ(sink.dropped(), 0u) << "after a pause nothing is late: the clock waited too";
  stop(*p);
}

}  // namespace base_sink_concurrency_test
}  // namespace tessera::core
