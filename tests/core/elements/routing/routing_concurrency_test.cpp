// Concurrency of the routing elements (queue, tee, appsink): flushing seeks racing the
// streaming tasks, leaky queues under load, EOS through a fan-out of queues, and
// state cycles. Run under TSan in CI. Every wait is bounded.

#include "core/elements/routing/queue.hpp"

#include "tests/core/elements/routing/routing_test_support.hpp"

#include <atomic>
#include <thread>

namespace tessera::core {
namespace routing_concurrency_test {

using namespace routing_test;
using namespace std::chrono_literals;

void expect_no_errors(pipeline& p) {
  for (const auto& e : bus_errors(p)) ADD_FAILURE() << e;
}

// Seeks from the test thread while the source and the queue's output task push;
// a third thread reads levels and positions all along.
void seek_repeatedly(const std::string& description, int seeks) {
  auto p = build(description);
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto* out = get<base_sink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      (void)q->current_level();
      (void)q->get_property("current-level-bytes");
      (void)p->position();
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < seeks; ++i) {
    seek_request r;
    r.start = 0;
    r.flags = seek_flags::flush;
    ASSERT_TRUE(p->seek(r)) << "seek " << i;
    // Data flows again after each seek.
    const auto after_seek = out->rendered();
    ASSERT_TRUE(eventually([&] { return out->rendered() >= after_seek + 20; }, 3s))
        << "no data after seek " << i << " (rendered " << out->rendered() << ")";
  }
  stop = true;
  reader.join();
  ASSERT_TRUE(reach(*p, state::null_state, 3s));
  expect_no_errors(*p);
}

TEST(RoutingConcurrency, FlushingSeeksWhileTheQueuePushesNeverDeadlock) {
  seek_repeatedly("fakesrc size=64 ! queue name=q ! fakesink name=out sync=false", 40);
}

TEST(RoutingConcurrency, FlushingSeeksWakeAnUpstreamWaitingOnAFullQueue) {
  // A slow downstream keeps the small queue full: the source is usually deferred on
  // it when the flush comes.
  seek_repeatedly("fakesrc size=64 ! queue name=q max-size-buffers=4 ! identity sleep-us=200 ! "
                  "fakesink name=out sync=false",
                  25);
}

TEST(RoutingConcurrency, FlushingSeeksThroughATeeOfQueues) {
  auto p = build("fakesrc size=64 ! tee name=t  t. ! queue name=q ! fakesink name=out sync=false  "
                 "t. ! queue max-size-buffers=3 ! identity sleep-us=100 ! fakesink name=slow sync=false");
  ASSERT_TRUE(p);
  auto* out = get<base_sink>(*p, "out");
  auto* slow = get<base_sink>(*p, "slow");
  ASSERT_TRUE(reach(*p, state::playing));
  for (int i = 0; i < 20; ++i) {
    seek_request r;
    r.flags = seek_flags::flush;
    ASSERT_TRUE(p->seek(r)) << i;
    const auto a = out->rendered(), b = slow->rendered();
    ASSERT_TRUE(eventually([&] { return out->rendered() > a + 5 && slow->rendered() > b + 5; }, 3s)) << i;
  }
  ASSERT_TRUE(reach(*p, state::null_state, 3s));
  expect_no_errors(*p);
}

struct leaky_load {
  const char* mode;
};

class FlowConcurrencyLeaky : public ::testing::TestWithParam<leaky_load> {};

TEST_P(FlowConcurrencyLeaky, EveryBufferIsEitherDeliveredInOrderOrCountedAsDropped) {
  constexpr std::uint64_t n = 2000, size = 64;
  const std::string mode = GetParam().mode;
  auto p = build("fakesrc num-buffers=2000 size=64 ! queue name=q max-size-buffers=8 leaky=" + mode +
                 " ! identity sleep-us=30 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  auto* q = get<queue>(*p, "q");
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  // The test thread pulls while the two streaming tasks run.
  std::vector<std::uint64_t> offsets;
  const auto deadline = std::chrono::steady_clock::now() + 8s;
  while (!out->is_eos() && std::chrono::steady_clock::now() < deadline)
    if (auto s = out->pull_sample(100ms)) offsets.push_back(s->buffer.offset);
  ASSERT_TRUE(out->is_eos()) << "received " << offsets.size();
  ASSERT_TRUE(wait_eos(*p));
  EXPECT_EQ(offsets.size() + q->dropped(), n);
  for (std::size_t i = 1; i < offsets.size(); ++i) ASSERT_LT(offsets[i - 1], offsets[i]) << i;
  ASSERT_FALSE(offsets.empty());
  if (mode == "no") {
    EXPECT_EQ(q->dropped(), 0u);
  } else {
    EXPECT_GT(q->dropped(), 0u);  // the source is much faster than the sink
    if (mode == "upstream") EXPECT_EQ(offsets.front(), 0u);             // the first always gets in
    if (mode == "downstream") EXPECT_EQ(offsets.back(), (n - 1) * size);  // the newest is never dropped
  }
  p->set_state(state::null_state);
  expect_no_errors(*p);
}

INSTANTIATE_TEST_SUITE_P(Modes, FlowConcurrencyLeaky,
                         ::testing::Values(leaky_load{"no"}, leaky_load{"upstream"}, leaky_load{"downstream"}),
                         [](const auto& info) { return std::string(info.param.mode); });

TEST(RoutingConcurrency, EosThroughAFourWayTeeOfQueuesReachesEverySink) {
  constexpr std::uint64_t n = 500;
  for (int round = 0; round < 5; ++round) {
    auto p = build("fakesrc num-buffers=500 size=128 ! tee name=t  "
                   "t. ! queue ! fakesink name=s0 sync=false  "
                   "t. ! queue max-size-buffers=2 ! fakesink name=s1 sync=false  "
                   "t. ! queue ! identity sleep-us=10 ! fakesink name=s2 sync=false  "
                   "t. ! queue leaky=downstream max-size-buffers=1000 ! fakesink name=s3 sync=false");
    ASSERT_TRUE(p);
    ASSERT_TRUE(reach(*p, state::playing));
    ASSERT_TRUE(wait_eos(*p)) << "round " << round;
    for (const char* s : {"s0", "s1", "s2", "s3"}) EXPECT_EQ(get<base_sink>(*p, s)->rendered(), n) << s;
    ASSERT_TRUE(reach(*p, state::null_state, 3s));
    expect_no_errors(*p);
  }
}

/// PLAYING -> PAUSED prerolls again (GstBaseSink). Behind a tee, a sink may wait for
/// that preroll forever, as in GStreamer: a branch's small queue fills once its sink
/// holds the preroll, the tee's task waits for room there, and a sink on another
/// branch that got its last buffer before the pause gets no other. Then the pause
/// stays pending (`may_stay_pending`), and the next state change must go through.
void pause_from_playing(pipeline& p, bool may_stay_pending, int cycle) {
  if (!may_stay_pending) {
    ASSERT_TRUE(reach(p, state::paused, 3s)) << "cycle " << cycle;
    return;
  }
  ASSERT_NE(p.set_state(state::paused), state_change::failure) << "cycle " << cycle;
  p.wait_state(100ms);
}

void cycle_states(const std::string& description, const std::vector<const char*>& sinks, int cycles,
                  bool pause_may_stay_pending = false) {
  auto p = build(description);
  ASSERT_TRUE(p);
  for (int i = 0; i < cycles; ++i) {
    ASSERT_TRUE(reach(*p, state::playing, 3s)) << "cycle " << i;
    for (const char* s : sinks) {
      auto* sink = get<base_sink>(*p, s);
      const auto before = sink->rendered();
      ASSERT_TRUE(eventually([&] { return sink->rendered() > before + 10; }, 3s)) << s << " cycle " << i;
    }
    pause_from_playing(*p, pause_may_stay_pending, i);
    ASSERT_TRUE(reach(*p, state::playing, 3s)) << "cycle " << i;
    pause_from_playing(*p, pause_may_stay_pending, i);
    ASSERT_TRUE(reach(*p, state::ready, 3s)) << "cycle " << i;
    if (i % 2 == 1) ASSERT_TRUE(reach(*p, state::null_state, 3s)) << "cycle " << i;
  }
  ASSERT_TRUE(reach(*p, state::null_state, 3s));
  expect_no_errors(*p);
}

TEST(RoutingConcurrency, RepeatedStateCyclesWithAQueue) {
  cycle_states("fakesrc size=64 ! queue max-size-buffers=16 ! fakesink name=out sync=false", {"out"}, 20);
}

TEST(RoutingConcurrency, RepeatedStateCyclesWithATeeOfQueues) {
  cycle_states("fakesrc size=64 ! tee name=t  t. ! queue ! fakesink name=a sync=false  "
               "t. ! queue max-size-buffers=2 ! identity sleep-us=50 ! fakesink name=b sync=false  "
               "t. ! queue leaky=upstream max-size-buffers=4 ! fakesink name=c sync=false",
               {"a", "b", "c"}, 15, true);
}

TEST(RoutingConcurrency, StoppingRightAfterStartingNeverHangs) {
  // NULL is asked for while the first buffers cross the queue and the sink prerolls.
  for (int i = 0; i < 100; ++i) {
    auto p = build("fakesrc size=64 ! queue max-size-buffers=4 ! fakesink sync=false");
    ASSERT_TRUE(p);
    p->set_state(state::playing);
    if (i % 3 == 1) std::this_thread::sleep_for(std::chrono::microseconds(100 * (i % 7)));
    ASSERT_EQ(p->set_state(state::null_state), state_change::success) << i;
    EXPECT_EQ(p->current_state(), state::null_state);
  }
}

}  // namespace routing_concurrency_test
}  // namespace tessera::core
