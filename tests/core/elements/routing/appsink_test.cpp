#include "core/elements/routing/appsink.hpp"

#include "tests/core/elements/routing/routing_test_support.hpp"

namespace tessera::core {
namespace appsink_test {

using namespace routing_test;
using namespace std::chrono_literals;

constexpr std::int64_t ms = 1'000'000;  // ns

TEST(Appsink, PullSampleReturnsEachBufferWithItsCapsAndSegment) {
  auto p = build("timedsrc num-buffers=5 size=32 ! capsfilter caps=application/x-test,n=1 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  auto* out = get<appsink>(*p, "out");
  for (int i = 0; i < 5; ++i) {
    auto s = out->pull_sample(2s);
    ASSERT_TRUE(s) << i;
    EXPECT_EQ(s->buffer.pts, i * 10 * ms);
    EXPECT_EQ(s->buffer.size(), 32u);
    EXPECT_TRUE(s->caps.is_equal(*caps::parse("application/x-test,n=1"))) << s->caps.to_string();
    EXPECT_EQ(s->segment.start, 0);
    EXPECT_EQ(static_cast<int>(s->segment.format), static_cast<int>(seek_format::time));
  }
  ASSERT_TRUE(eventually([&] { return out->got_eos(); }));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(out->pull_sample(5s));  // at EOS: answers at once
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_TRUE(out->is_eos());
  EXPECT_EQ(out->received(), 5u);
  p->set_state(state::null_state);
}

TEST(Appsink, SamplesWithoutNegotiatedCapsCarryAny) {
  auto p = build("timedsrc num-buffers=1 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  ASSERT_TRUE(reach(*p, state::playing));
  auto s = get<appsink>(*p, "out")->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->caps.is_any());
  p->set_state(state::null_state);
}

TEST(Appsink, PullSampleTimesOutWhenNothingArrives) {
  auto made = registry().make("appsink", "idle");
  ASSERT_TRUE(made);
  auto& sink = dynamic_cast<appsink&>(**made);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(sink.pull_sample(60ms));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, 60ms);
  EXPECT_LT(waited, 2s);
  EXPECT_FALSE(sink.is_eos());
}

TEST(Appsink, DropTrueKeepsOnlyTheNewestSamples) {
  auto p = build("timedsrc num-buffers=20 ! appsink name=out sync=false max-buffers=3 drop=true");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  EXPECT_EQ(out->received(), 20u);
  EXPECT_EQ(out->dropped_samples(), 17u);
  const auto samples = out->pull_all(1s);
  ASSERT_EQ(samples.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(samples[i].buffer.pts, (17 + i) * 10 * ms);
  p->set_state(state::null_state);
}

TEST(Appsink, DropFalseMakesTheStreamingTaskWaitUntilTheApplicationPulls) {
  auto p = build("timedsrc name=src num-buffers=20 ! appsink name=out sync=false max-buffers=3");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  // 3 queued and 1 kept aside; then the source waits.
  ASSERT_TRUE(eventually([&] { return out->received() == 4; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(out->received(), 4u);
  EXPECT_EQ(out->queued(), 3u);
  EXPECT_FALSE(p->find("src")->static_pad(pad_direction::src)->is_eos());
  const auto samples = out->pull_all(5s);
  ASSERT_EQ(samples.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(samples[i].buffer.pts, i * 10 * ms);
  EXPECT_EQ(out->dropped_samples(), 0u);
  EXPECT_TRUE(out->is_eos());
  p->set_state(state::null_state);
}

TEST(Appsink, StoppingReleasesAStreamingTaskWaitingForRoom) {
  auto p = build("timedsrc ! appsink name=out sync=false max-buffers=2");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(eventually([&] { return out->received() == 3; }));
  ASSERT_TRUE(reach(*p, state::null_state, 2s));  // would hang if the waiting task were not woken
  EXPECT_EQ(out->queued(), 2u);                     // still pullable after the stop
  EXPECT_TRUE(out->pull_sample(0ms));
}

TEST(Appsink, PullPrerollInPausedReturnsTheFirstBuffer) {
  auto p = build("timedsrc num-buffers=10 ! appsink name=out");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::paused));
  auto pre = out->pull_preroll(2s);
  ASSERT_TRUE(pre);
  EXPECT_EQ(pre->buffer.pts, 0);
  EXPECT_FALSE(out->pull_sample(50ms));
  EXPECT_EQ(out->received(), 0u);
  p->set_state(state::null_state);
}

TEST(Appsink, SyncTrueIsTheDefaultAsInGStreamer) {
  auto made = registry().make("appsink", "s");
  ASSERT_TRUE(made);
  auto v = (*made)->get_property("sync");
  ASSERT_TRUE(v);
  EXPECT_TRUE(std::get<bool>(*v));
  auto mb = (*made)->get_property("max-buffers");
  EXPECT_EQ(std::get<std::int64_t>(*mb), 0);
  EXPECT_FALSE(std::get<bool>(*(*made)->get_property("drop")));
}

TEST(Appsink, SyncTrueRendersAtTheBuffersRunningTime) {
  // 5 buffers of 40 ms: the last one is due 160 ms after the start.
  auto p = build("timedsrc num-buffers=5 duration-ns=40000000 ! appsink name=out");
  ASSERT_TRUE(p);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(wait_eos(*p));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  EXPECT_EQ(get<appsink>(*p, "out")->pull_all(1s).size(), 5u);
  p->set_state(state::null_state);
}

TEST(Appsink, CapsPropertyRestrictsWhatLinks) {
  EXPECT_FALSE(build_pipeline("timedsrc ! capsfilter caps=video/x-raw ! appsink caps=audio/x-raw", registry(), "x"));
  auto p = build("timedsrc ! appsink name=out caps=video/x-raw,width=[1,100]");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  EXPECT_TRUE(out->sinkpad().accept_caps(*caps::parse("video/x-raw,width=50")));
  EXPECT_FALSE(out->sinkpad().accept_caps(*caps::parse("video/x-raw,width=500")));
  EXPECT_FALSE(out->set_property_from_string("caps", "not caps ((("));
}

TEST(Appsink, FlushingSeekForgetsQueuedSamples) {
  auto p = build("timedsrc ! appsink name=out sync=false max-buffers=4");
  ASSERT_TRUE(p);
  auto* out = get<appsink>(*p, "out");
  ASSERT_TRUE(reach(*p, state::playing));
  ASSERT_TRUE(eventually([&] { return out->queued() == 4; }));
  seek_request r;
  r.start = 1000 * ms;
  r.flags = seek_flags::flush;
  ASSERT_TRUE(p->seek(r));
  auto s = out->pull_sample(2s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->buffer.pts, 1000 * ms);
  p->set_state(state::null_state);
}

}  // namespace appsink_test
}  // namespace tessera::core
