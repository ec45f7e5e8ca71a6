// sink_qos: the arithmetic of GstBaseSink's QoS, fed with hand-made observations so
// every number can be checked: jitter and timestamp in the report, the proportion of
// delivery time to buffer spacing, the drop rule (end + max-lateness) and the
// emergency render after a second of drops.
#include "core/base/sink_qos.hpp"

#include <gtest/gtest.h>

namespace tessera::core {
namespace sink_qos_test {

constexpr clock_time ms = 1'000'000;
constexpr clock_time period = 40 * ms;  // 25 fps

sink_qos::observation frame(int n, clock_time jitter) {
  return {n * period, (n + 1) * period, jitter};
}

TEST(SinkQos, FirstBufferSendsNoReportThenEveryBufferDoes) {
  sink_qos q;
  q.observe_arrival(0);
  EXPECT_FALSE(q.perform(frame(0, -5 * ms), false).has_value()) << "no rate known after one buffer";
  q.observe_arrival(period);
  auto r = q.perform(frame(1, -5 * ms), false);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->timestamp, period);
  EXPECT_EQ(r->diff, -5 * ms);
}

TEST(SinkQos, ProportionIsDeliveryTimeOverBufferSpacing) {
  // Upstream needs 80 ms for each 40 ms buffer: every buffer comes 40 ms later than
  // the previous one did, and the proportion converges to 2.
  sink_qos fast, slow;
  for (int n = 0; n < 40; ++n) {
    fast.observe_arrival(n * period);
    (void)fast.perform(frame(n, -30 * ms), false);  // 10 ms of work, then waits
    slow.observe_arrival(n * period);
    (void)slow.perform(frame(n, n * 40 * ms), false);
  }
  EXPECT_NEAR(slow.proportion(), 2.0, 0.05);
  EXPECT_LT(fast.proportion(), 1.0) << "work faster than real time gives a proportion under 1";
}

TEST(SinkQos, LateOnlyPastTheBuffersEndPlusMaxLateness) {
  sink_qos q;
  q.observe_arrival(0);
  // 40 ms buffer, max-lateness 20 ms: up to 60 ms of jitter is still rendered.
  EXPECT_FALSE(q.too_late(frame(0, 60 * ms), 20 * ms));
  q.observe_arrival(period);
  EXPECT_TRUE(q.too_late(frame(1, 61 * ms), 20 * ms));
  EXPECT_FALSE(q.too_late(frame(1, 10 * ms), -1)) << "max-lateness -1 never drops";
  EXPECT_FALSE(q.too_late(frame(1, -10 * ms), 0)) << "an early buffer is never late";
}

TEST(SinkQos, WithoutADurationTheAverageSpacingCounts) {
  sink_qos q;
  for (int n = 0; n < 3; ++n) q.observe_arrival(n * period);
  const sink_qos::observation o{2 * period, time_none, 50 * ms};
  EXPECT_FALSE(q.too_late(o, 20 * ms)) << "50 ms <= 20 ms + 40 ms of average spacing";
  EXPECT_TRUE(q.too_late({2 * period, time_none, 61 * ms}, 20 * ms));
}

TEST(SinkQos, ASecondWithoutARenderRendersTheNextLateBufferAnyway) {
  sink_qos q;
  q.observe_arrival(0);
  EXPECT_FALSE(q.too_late(frame(0, 0), 20 * ms));  // rendered at 0
  int dropped = 0;
  int n = 1;
  for (; n < 100; ++n) {
    q.observe_arrival(n * period);
    if (!q.too_late(frame(n, 500 * ms), 20 * ms)) break;
    ++dropped;
    EXPECT_FALSE(q.emergency());
  }
  EXPECT_TRUE(q.emergency());
  EXPECT_EQ(n * period > ns_per_second, true);
  EXPECT_EQ(dropped, 25) << "frames 1..25 (up to 1 s after the last render) are dropped, 26 is shown";
}

TEST(SinkQos, AnEarlyFirstBufferNeverReportsATimeBeforeZero) {
  sink_qos q;
  q.observe_arrival(0);
  (void)q.perform({0, period, -30 * ms}, false);
  q.observe_arrival(period);
  auto r = q.perform({10 * ms, period, -30 * ms}, false);
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(r->timestamp + r->diff, 0);
}

TEST(SinkQos, ADropResetsTheAverageToTheCurrentRate) {
  sink_qos q;
  for (int n = 0; n < 10; ++n) {
    q.observe_arrival(n * period);
    (void)q.perform(frame(n, -30 * ms), false);
  }
  const double before = q.proportion();
  q.observe_arrival(10 * period);
  // This buffer took 200 ms to come after the last one left.
  (void)q.perform(frame(10, 160 * ms), true);
  EXPECT_GT(q.proportion(), 3 * before) << "a dropped buffer's rate replaces the average";
}

}  // namespace sink_qos_test
}  // namespace tessera::core
