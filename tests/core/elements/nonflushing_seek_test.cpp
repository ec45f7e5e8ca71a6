// A non-flushing seek while the source's task runs is handed to the task (base_src),
// not done by stopping it: in PAUSED the task waits in a push that only returns when
// the pipeline plays on, so stopping it waited forever (and held the API's control
// thread). The seek answers at once and its segment follows the data already sent.
#include "tests/core/elements/video/video_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

namespace tessera::core {
namespace nonflushing_seek_test {

using namespace video_test;

constexpr clock_time frame_30(std::int64_t k) { return k * 1'000'000'000 / 30; }

/// `p.seek(r)` on another thread; a seek that does not answer within 10 s ends the
/// test program (a hung seek cannot be cancelled, and would hang the suite instead).
bool seek_within_bound(pipeline& p, const seek_request& r) {
  auto answered = std::make_shared<std::promise<bool>>();
  auto future = answered->get_future();
  std::thread([&p, r, answered] { answered->set_value(static_cast<bool>(p.seek(r))); }).detach();
  if (future.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    std::fprintf(stderr, "FATAL: a non-flushing seek did not answer within 10 s\n");
    std::_Exit(1);
  }
  return future.get();
}

seek_request plain_seek(clock_time start) {
  seek_request r;
  r.flags = seek_flags::none;
  r.start = start;
  return r;
}

TEST(NonFlushingSeek, InPausedAnswersAtOnceAndTheNewSegmentFollowsWhenPlaying) {
  auto p = build("testsrc num-buffers=100 framerate=30/1 width=8 height=8 ! appsink name=out sync=false");
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(10s), state::paused);  // prerolled: the source waits in its push

  ASSERT_TRUE(seek_within_bound(*p, plain_seek(frame_30(60))));
  EXPECT_EQ(p->current_state(), state::paused);

  const outcome o = play_to_eos(*p, 10s);
  EXPECT_TRUE(o.eos);
  const auto samples = dynamic_cast<appsink*>(p->find("out"))->pull_all(1s);
  ASSERT_FALSE(samples.empty());
  // What was already on its way (the prerolled frame, perhaps the one behind it) plays
  // out; then the stream goes on at frame 60, up to num-buffers.
  std::size_t first_new = 0;
  while (first_new < samples.size() && samples[first_new].buffer.offset < 60) ++first_new;
  ASSERT_LT(first_new, samples.size()) << "no frame of the new segment arrived";
  EXPECT_LE(first_new, 2u);
  EXPECT_EQ(samples[first_new].buffer.offset, 60u);
  EXPECT_EQ(samples.back().buffer.offset, 99u);
  for (std::size_t i = first_new; i < samples.size(); ++i) EXPECT_GE(samples[i].buffer.offset, 60u);
  p->set_state(state::null_state);
}

TEST(NonFlushingSeek, WhilePlayingGoesOnFromTheNewPosition) {
  auto p = build("testsrc num-buffers=100 framerate=30/1 width=8 height=8 ! appsink name=out sync=true");
  ASSERT_TRUE(p);
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(10s), state::playing);
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(seek_within_bound(*p, plain_seek(frame_30(90))));
  const outcome o = play_to_eos(*p, 10s);
  EXPECT_TRUE(o.eos);
  EXPECT_TRUE(o.errors.empty());
  const auto samples = dynamic_cast<appsink*>(p->find("out"))->pull_all(1s);
  ASSERT_FALSE(samples.empty());
  EXPECT_EQ(samples.back().buffer.offset, 99u);
  p->set_state(state::null_state);
}

}  // namespace nonflushing_seek_test
}  // namespace tessera::core
