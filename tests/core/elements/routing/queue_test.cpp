#include "core/elements/routing/queue.hpp"

#include "tests/core/elements/routing/routing_test_support.hpp"

#include <atomic>
#include <thread>

namespace tessera::core {
namespace queue_test {

using namespace routing_test;
using namespace std::chrono_literals;

constexpr std::int64_t ms = 1'000'000;  // ns

std::vector<std::int64_t> pts_of(const std::vector<sample>& samples) {
  std::vector<std::int64_t> out;
  for (auto& s : samples) out.push_back(s.buffer.pts);
  return out;
}

bool strictly_increasing(const std::vector<std::int64_t>& v) {
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] <= v[i - 1]) return false;
  return true;
}

TEST(Queue, FactoryHasGStreamerPropertiesAndDefaults) {
  auto p = build("queue name=q ! fakesink");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  EXPECT_EQ(int_prop(*q, "max-size-buffers"), 200);
  EXPECT_EQ(int_prop(*q, "max-size-bytes"), 10485760);
  EXPECT_EQ(int_prop(*q, "max-size-time"), 1000000000);
  auto leaky = q->get_property("leaky");
  ASSERT_TRUE(leaky);
  EXPECT_EQ(std::get<enum_value>(*leaky).nick, "no");
  for (const char* nick : {"upstream", "downstream", "no"}) {
    ASSERT_TRUE(q->set_property_from_string("leaky", nick)) << nick;
    EXPECT_EQ(std::get<enum_value>(*q->get_property("leaky")).nick, nick);
  }
  EXPECT_FALSE(q->set_property_from_string("leaky", "sideways"));
  EXPECT_FALSE(q->set_property_from_string("max-size-buffers", "-1"));
  EXPECT_FALSE(q->set_property("current-level-buffers", property_value{std::int64_t{3}}));
  EXPECT_FALSE(q->set_property("dropped", property_value{std::int64_t{3}}));
}

TEST(Queue, KeepsBuffersAndEventsInOrderAcrossTheThreadBoundary) {
  constexpr int n = 500;
  auto p = build("timedsrc num-buffers=500 ! queue max-size-buffers=7 ! harnesssink name=out");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  const auto log = get<harness_sink>(*p, "out")->log();
  std::vector<std::string> expected = {"stream-start", "segment"};  // the stream starts before its segment
  for (int i = 0; i < n; ++i) expected.push_back("B" + std::to_string(i * 10 * ms));
  expected.push_back("eos");
  EXPECT_EQ(log, expected);
  p->set_state(state::null_state);
}

TEST(Queue, KeepsCapsAndSegmentsBetweenTheBuffersTheyBelongTo) {
  // Pushed by hand from the test thread: outside any task a full queue blocks the
  // caller until the output side makes room, so the small queue is full most of the time.
  auto p = build("harnesssrc name=in ! queue max-size-buffers=2 ! harnesssink name=out");
  ASSERT_TRUE(p);
  pad& in = get<harness_src>(*p, "in")->src();
  EXPECT_EQ(p->set_state(state::playing), state_change::async);  // prerolls on the first buffer
  std::vector<std::string> expected;
  auto push_caps = [&](const char* c) {
    ASSERT_TRUE(in.push_event(event_caps{*caps::parse(c)}));
    expected.push_back("caps");
  };
  auto push_segment = [&](clock_time start) {
    core::segment seg;
    seg.start = start;
    ASSERT_TRUE(in.push_event(event_segment{seg}));
    expected.push_back("segment");
  };
  auto push_buffers = [&](int from, int count) {
    for (int i = from; i < from + count; ++i) {
      buffer b = std::move(buffer::allocate(8)).value();
      b.pts = i * ms;
      ASSERT_EQ(in.push(std::move(b)), flow::ok) << i;
      expected.push_back("B" + std::to_string(i * ms));
    }
  };
  push_caps("application/x-a");
  push_segment(0);
  push_buffers(0, 20);
  push_caps("application/x-b");
  push_buffers(20, 20);
  push_segment(0);
  push_buffers(40, 5);
  ASSERT_TRUE(in.push_event(event_eos{}));
  expected.push_back("eos");
  ASSERT_TRUE(wait_eos(*p));
  EXPECT_EQ(get<harness_sink>(*p, "out")->log(), expected);
  p->set_state(state::null_state);
}

TEST(Queue, PtsSequenceArrivesCompleteAtAnAppsink) {
  auto p = build("timedsrc num-buffers=300 ! queue max-size-buffers=5 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  auto* out = get<appsink>(*p, "out");
  const auto samples = out->pull_all(5s);
  ASSERT_EQ(samples.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(samples[i].buffer.pts, i * 10 * ms);
    EXPECT_EQ(samples[i].buffer.offset, static_cast<std::uint64_t>(i));
  }
  EXPECT_TRUE(out->is_eos());
  p->set_state(state::null_state);
}

// Downstream never pulls: the appsink holds max-buffers samples and keeps one more
// aside (its task waits), so the queue fills and stays full. What has been accepted
// by the queue is then exactly 5 (appsink) + 1 (aside) + 10 (queue).
struct leaky_case {
  const char* mode;
  std::int64_t expected_dropped;
};

class QueueLeaky : public ::testing::TestWithParam<leaky_case> {};

TEST_P(QueueLeaky, DropsExactlyWhatDoesNotFit) {
  constexpr int n = 100, sink_max = 5, queue_max = 10;
  const std::string desc = std::string("timedsrc name=src num-buffers=100 ! queue name=q max-size-buffers=10 "
                                       "max-size-bytes=0 max-size-time=0 leaky=") +
                           GetParam().mode + " ! appsink name=out sync=false max-buffers=5";
  auto p = build(desc);
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto* out = get<appsink>(*p, "out");
  pad* src_pad = p->find("src")->static_pad(pad_direction::src);
  // Hold the source before buffer 6 until the appsink is full and the queue's task is
  // parked on the sample kept aside: from then on the queue can only fill, so how many
  // it drops does not depend on which thread ran first.
  get<timed_src>(*p, "src")->before_create = [&](std::int64_t n) {
    if (n == sink_max + 1) (void)eventually([&] { return out->received() == sink_max + 1; });
  };
  ASSERT_TRUE(reach(*p, state::playing));
  // leaky: the source never waits, so it reaches EOS; leaky=no: it waits behind the full queue.
  const bool leaks = GetParam().expected_dropped > 0;
  ASSERT_TRUE(eventually([&] {
    return out->received() == sink_max + 1 && q->current_level().buffers == queue_max && (!leaks || src_pad->is_eos());
  })) << "received " << out->received() << " level " << q->current_level().buffers;
  std::this_thread::sleep_for(50ms);  // nothing may change any more
  EXPECT_EQ(q->dropped(), static_cast<std::uint64_t>(GetParam().expected_dropped));
  EXPECT_EQ(int_prop(*q, "dropped"), GetParam().expected_dropped);
  EXPECT_EQ(int_prop(*q, "current-level-buffers"), queue_max);
  EXPECT_EQ(out->received(), static_cast<std::uint64_t>(sink_max + 1));
  EXPECT_EQ(out->queued(), static_cast<std::size_t>(sink_max));
  EXPECT_EQ(src_pad->is_eos(), leaks);

  const auto samples = out->pull_all(5s);
  const auto pts = pts_of(samples);
  EXPECT_TRUE(strictly_increasing(pts));
  EXPECT_TRUE(out->is_eos());
  if (leaks) {
    ASSERT_EQ(samples.size(), static_cast<std::size_t>(sink_max + 1 + queue_max));
    EXPECT_EQ(q->dropped() + samples.size(), static_cast<std::uint64_t>(n));
    if (std::string(GetParam().mode) == "downstream") {
      // The oldest were dropped: the queue ended holding the newest ten.
      for (int i = 0; i < queue_max; ++i)
        EXPECT_EQ(pts[sink_max + 1 + i], (n - queue_max + i) * 10 * ms);
    } else {
      EXPECT_EQ(pts.front(), 0);  // the first buffer always gets in
    }
  } else {
    ASSERT_EQ(samples.size(), static_cast<std::size_t>(n));  // no data lost
    for (int i = 0; i < n; ++i) EXPECT_EQ(pts[i], i * 10 * ms);
  }
  p->set_state(state::null_state);
}

INSTANTIATE_TEST_SUITE_P(Modes, QueueLeaky,
                         ::testing::Values(leaky_case{"no", 0}, leaky_case{"upstream", 100 - 5 - 1 - 10},
                                           leaky_case{"downstream", 100 - 5 - 1 - 10}),
                         [](const auto& info) { return std::string(info.param.mode); });

// Fills a queue behind a sink that takes nothing (max-buffers=1, never pulled) while
// a poller watches the level; returns the final level and the highest level seen.
struct fill_result {
  queue::level final_level;
  queue::level peak;
};

fill_result fill(const std::string& limits, int size, std::int64_t duration_ns) {
  const std::string desc = "timedsrc num-buffers=200 size=" + std::to_string(size) +
                           " duration-ns=" + std::to_string(duration_ns) + " ! queue name=q " + limits +
                           " ! appsink name=out sync=false max-buffers=1";
  fill_result r;
  auto p = build(desc);
  if (!p) return r;
  auto* q = get<queue>(*p, "q");
  auto* out = get<appsink>(*p, "out");
  std::atomic<bool> stop{false};
  std::thread poller([&] {
    while (!stop.load()) {
      const auto l = q->current_level();
      r.peak.buffers = std::max(r.peak.buffers, l.buffers);
      r.peak.bytes = std::max(r.peak.bytes, l.bytes);
      r.peak.time = std::max(r.peak.time, l.time);
    }
  });
  EXPECT_TRUE(reach(*p, state::playing));
  // The sink holds 1 and keeps 1 aside; then the queue fills up to its limit.
  std::uint64_t last = 0;
  EXPECT_TRUE(eventually([&] {
    if (out->received() != 2) return false;
    const auto now = q->current_level().buffers;
    const bool stable = now == last && now > 0;
    last = now;
    std::this_thread::sleep_for(20ms);
    return stable;
  }));
  stop = true;
  poller.join();
  r.final_level = q->current_level();
  EXPECT_EQ(int_prop(*q, "current-level-buffers"), static_cast<std::int64_t>(r.final_level.buffers));
  EXPECT_EQ(int_prop(*q, "current-level-bytes"), static_cast<std::int64_t>(r.final_level.bytes));
  EXPECT_EQ(int_prop(*q, "current-level-time"), r.final_level.time);
  p->set_state(state::null_state);
  return r;
}

TEST(Queue, MaxSizeBuffersIsNeverExceeded) {
  const auto r = fill("max-size-buffers=7 max-size-bytes=0 max-size-time=0", 16, 10 * ms);
  EXPECT_EQ(r.final_level.buffers, 7u);
  EXPECT_EQ(r.final_level.bytes, 7u * 16);
  EXPECT_LE(r.peak.buffers, 7u);
}

TEST(Queue, MaxSizeBytesIsNeverExceeded) {
  // 300-byte buffers under a 1000-byte limit: three fit, a fourth would make 1200.
  const auto r = fill("max-size-buffers=0 max-size-bytes=1000 max-size-time=0", 300, 10 * ms);
  EXPECT_EQ(r.final_level.buffers, 3u);
  EXPECT_EQ(r.final_level.bytes, 900u);
  EXPECT_LE(r.peak.bytes, 1000u);
}

TEST(Queue, MaxSizeTimeIsNeverExceeded) {
  // 15 ms buffers under a 50 ms limit: three span 45 ms, a fourth would span 60 ms.
  const auto r = fill("max-size-buffers=0 max-size-bytes=0 max-size-time=50000000", 16, 15 * ms);
  EXPECT_EQ(r.final_level.buffers, 3u);
  EXPECT_EQ(r.final_level.time, 45 * ms);
  EXPECT_LE(r.peak.time, 50 * ms);
}

TEST(Queue, TheFirstLimitReachedWins) {
  const auto r = fill("max-size-buffers=20 max-size-bytes=100 max-size-time=0", 16, 10 * ms);
  EXPECT_EQ(r.final_level.buffers, 6u);  // 6 * 16 = 96 <= 100 < 7 * 16
  EXPECT_LE(r.peak.bytes, 100u);
}

TEST(Queue, RaisingTheLimitWakesAWaitingUpstream) {
  auto p = build("timedsrc num-buffers=50 ! queue name=q max-size-buffers=2 ! appsink name=out sync=false "
                 "max-buffers=1");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(eventually([&] { return q->current_level().buffers == 2 && out->received() == 2; }));
  ASSERT_TRUE(q->set_property("max-size-buffers", property_value{std::int64_t{30}}));
  EXPECT_TRUE(eventually([&] { return q->current_level().buffers == 30; }));
  EXPECT_EQ(out->pull_all(5s).size(), 50u);
  p->set_state(state::null_state);
}

TEST(Queue, EosPassesThroughAfterTheData) {
  auto p = build("timedsrc num-buffers=50 ! queue ! fakesink name=out");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  EXPECT_EQ(get<base_sink>(*p, "out")->rendered(), 50u);
  p->set_state(state::null_state);
}

TEST(Queue, EosFromDownstreamStopsUpstreamAndStillEndsThePipeline) {
  // fakesink answers eos after 10 buffers; the source (unlimited) must learn it
  // through the queue, and its EOS event must still reach the sink.
  auto p = build("timedsrc name=src ! queue ! fakesink name=out num-buffers=10");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  // The tenth buffer was answered with eos, so nine were rendered.
  EXPECT_EQ(get<base_sink>(*p, "out")->rendered(), 9u);
  EXPECT_TRUE(p->find("src")->static_pad(pad_direction::src)->is_eos());
  p->set_state(state::null_state);
}

TEST(Queue, SinkBehindAQueuePrerollsAndThePipelineReachesPaused) {
  auto p = build("timedsrc num-buffers=100 ! queue ! appsink name=out");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->set_state(state::paused), state_change::async);
  ASSERT_TRUE(reach(*p, state::paused));
  auto* out = get<appsink>(*p, "out");
  auto pre = out->pull_preroll(2s);
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->buffer.pts, 0);
  EXPECT_FALSE(out->pull_sample(50ms));  // nothing is rendered in PAUSED
  ASSERT_TRUE(reach(*p, state::playing));
  auto first = out->pull_sample(2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->buffer.pts, 0);
  p->set_state(state::null_state);
}

TEST(Queue, FlushingSeekInPausedPrerollsTheNewPosition) {
  auto p = build("timedsrc ! queue ! appsink name=out");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::paused));
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(out->pull_preroll(2s));
  seek_request r;
  r.start = 500 * ms;
  r.flags = seek_flags::flush;
  ASSERT_TRUE(p->seek(r));
  ASSERT_TRUE(eventually([&] {
    auto s = out->pull_preroll(10ms);
    return s && s->buffer.pts == 500 * ms;
  }));
  ASSERT_TRUE(reach(*p, state::playing));
  auto s = out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->buffer.pts, 500 * ms);
  p->set_state(state::null_state);
}

TEST(Queue, PausedToReadyStopsTheOutputTaskAndEmptiesTheQueue) {
  auto p = build("timedsrc ! queue name=q max-size-buffers=4 ! appsink name=out max-buffers=1 sync=false");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(eventually([&] { return q->current_level().buffers == 4; }));
  ASSERT_TRUE(reach(*p, state::ready));
  EXPECT_EQ(q->current_level().buffers, 0u);
  EXPECT_EQ(int_prop(*q, "current-level-buffers"), 0);
  // And it starts again.
  ASSERT_TRUE(reach(*p, state::playing));
  EXPECT_TRUE(get<appsink>(*p, "out")->pull_sample(2s));
  p->set_state(state::null_state);
}

TEST(Queue, ProxiesBufferAllocDownstream) {
  auto p = build("queue name=q ! harnesssink name=out alloc-caps=application/x-recorded");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto r = q->buffer_alloc(*q->find_pad("sink"), 64, *caps::parse("application/x-upstream"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->buffer.size(), 64u);
  EXPECT_EQ(r->caps.to_string(), "application/x-recorded");  // the sink's answer came back
  EXPECT_EQ(get<harness_sink>(*p, "out")->allocs(), 1u);
  p->set_state(state::null_state);
}

TEST(Queue, ProxiesCapsQueriesDownstream) {
  auto p = build("queue name=q ! appsink caps=video/x-raw,format=GRAY8");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  const caps c = q->find_pad("sink")->query_caps();
  EXPECT_TRUE(c.is_equal(*caps::parse("video/x-raw,format=GRAY8"))) << c.to_string();
  EXPECT_FALSE(q->find_pad("sink")->accept_caps(*caps::parse("video/x-raw,format=RGBA")));
}

TEST(Queue, SeekTravelsUpstreamAtOnceFromBehindAFullQueue) {
  // The output side is stuck on a sink that takes nothing; the seek must not wait for it.
  auto p = build("timedsrc ! queue name=q max-size-buffers=3 ! appsink name=out max-buffers=1 sync=false");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(eventually([&] { return q->current_level().buffers == 3; }));
  seek_request r;
  r.start = 2000 * ms;
  r.flags = seek_flags::flush;
  ASSERT_TRUE(p->seek(r));
  auto s = out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->buffer.pts, 2000 * ms);  // everything before the seek was flushed
  p->set_state(state::null_state);
}

}  // namespace queue_test
}  // namespace tessera::core
