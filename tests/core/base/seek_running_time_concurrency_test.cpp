// A flushing seek restarts the running time (docs/pipelines.md; GStreamer's flush-stop
// with reset_time): the new segment's base is 0, so the pipeline clock must start
// again at 0 with it. Otherwise a sync=true sink finds every buffer up to the time
// already played due at once (a burst, or drops as late) and the position jumps ahead
// by that time. Checked on real pipelines (testsrc, filesrc ! rawvideoparse) at 50
// frames a second against the wall clock measured here. Only upper bounds are
// timing-dependent, and each one grows with the time the test actually took, so a
// slow machine loosens them; the fault adds the whole time played before the seek
// (at least 1.5 s, 75 frames) on top.
#include "core/base/base_sink.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/file_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace tessera::core {
namespace seek_running_time_concurrency_test {

using namespace std::chrono_literals;
using test::eventually;
using test::within;

constexpr clock_time ms = 1'000'000;
constexpr clock_time seek_target = 8'000 * ms;  // frame 400 at 50/1, a frame boundary
constexpr clock_time played_before_seek = 1'500 * ms;
constexpr std::int64_t frames_per_second = 50;
// Slack on top of the time measured: a frame in flight on each side of the window and
// the clock's and timers' granularity.
constexpr clock_time position_slack = 100 * ms;
constexpr std::uint64_t frame_slack = 5;

/// A file of `frames` 8x4 GRAY8 frames for rawvideoparse.
class frames_file {
 public:
  explicit frames_file(std::size_t frames) {
    file_test::write_file(path(), file_test::test_bytes(frames * 32));
  }
  std::string path() const { return (dir_ / "frames.raw").string(); }

 private:
  file_test::temp_dir dir_;
};

std::unique_ptr<pipeline> build(const std::string& description) {
  auto p = build_pipeline(description, test_runtime().registry(), "seek");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

base_sink& sink_of(pipeline& p) { return dynamic_cast<base_sink&>(*p.find("out")); }

std::uint64_t delivered(const base_sink& s) { return s.rendered() + s.dropped(); }

clock_time since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
}

seek_request seek_to(clock_time t, seek_flags flags) {
  seek_request r;
  r.start = t;
  r.flags = flags;
  return r;
}

void stop(pipeline& p) {
  EXPECT_EQ(within(10s, "set_state(NULL)", [&] { return p.set_state(state::null_state); }), state_change::success);
}

/// The two pipelines of the report: 50 frames a second into a sync=true sink.
class FlushingSeekRunningTime : public ::testing::TestWithParam<const char*> {
 protected:
  std::unique_ptr<pipeline> make() {
    const std::string source = GetParam();
    if (source == "testsrc") return build("testsrc width=8 height=4 format=GRAY8 framerate=50/1 ! fakesink name=out sync=true");
    return build("filesrc location=" + file_.path() +
                 " ! rawvideoparse width=8 height=4 format=GRAY8 framerate=50/1 ! fakesink name=out sync=true");
  }

 private:
  frames_file file_{1000};  // 20 s of frames: the seek to 8 s has 12 s to play
};

TEST_P(FlushingSeekRunningTime, PlaybackGoesOnAtNormalSpeedFromTheSeekPosition) {
  auto p = make();
  ASSERT_TRUE(p);
  auto& sink = sink_of(*p);
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(20s), state::playing);
  ASSERT_TRUE(eventually([&] { return p->running_time_now() >= played_before_seek && p->position().has_value(); }, 30s));

  const std::uint64_t before = delivered(sink);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(p->seek(seek_to(seek_target, seek_flags::flush | seek_flags::accurate)));
  // The clock restarted during the seek call, so it cannot be ahead of the time since t0.
  EXPECT_LE(p->running_time_now(), since(t0)) << "the running time did not restart at the flushing seek";

  // Let it play for a while, then compare with the wall-clock time since the seek.
  std::this_thread::sleep_for(500ms);
  std::optional<clock_time> pos;
  ASSERT_TRUE(eventually([&] { return (pos = p->position()) && *pos >= seek_target; }, 10s))
      << "no position at or after the seek target; last: " << pos.value_or(-1);
  const std::uint64_t after_seek = delivered(sink) - before;
  const clock_time elapsed = since(t0);

  EXPECT_LE(*pos, seek_target + elapsed + position_slack)
      << "position ran ahead of the seek target by more than the " << elapsed / ms << " ms played since";
  const auto frames_due = static_cast<std::uint64_t>(elapsed * frames_per_second / (1000 * ms));
  EXPECT_LE(after_seek, frames_due + frame_slack)
      << "a burst: " << after_seek << " frames reached the sink in " << elapsed / ms << " ms";
  EXPECT_GE(after_seek, 1u) << "playback did not resume after the seek";
  stop(*p);
}

TEST_P(FlushingSeekRunningTime, SeekInPausedShowsTheTargetAndPlaysOnFromIt) {
  auto p = make();
  ASSERT_TRUE(p);
  // Play a while first, so that a running time kept from before the seek would show.
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(20s), state::playing);
  ASSERT_TRUE(eventually([&] { return p->running_time_now() >= played_before_seek; }, 30s));
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(20s), state::paused);

  ASSERT_TRUE(p->seek(seek_to(seek_target, seek_flags::flush | seek_flags::accurate)));
  EXPECT_EQ(p->running_time_now(), 0) << "a flushing seek in PAUSED restarts the running time at 0";
  std::optional<clock_time> pos;
  ASSERT_TRUE(eventually([&] { return (pos = p->position()).has_value(); }, 10s)) << "no preroll after the seek";
  EXPECT_EQ(*pos, seek_target);

  const auto t0 = std::chrono::steady_clock::now();
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(20s), state::playing);
  std::this_thread::sleep_for(300ms);
  pos = p->position();
  const clock_time elapsed = since(t0);
  ASSERT_TRUE(pos.has_value());
  EXPECT_GE(*pos, seek_target);
  EXPECT_LE(*pos, seek_target + elapsed + position_slack);
  stop(*p);
}

TEST_P(FlushingSeekRunningTime, NonFlushingSeekKeepsTheRunningTimeGoing) {
  auto p = make();
  ASSERT_TRUE(p);
  auto& sink = sink_of(*p);
  p->set_state(state::playing);
  ASSERT_EQ(p->wait_state(20s), state::playing);
  ASSERT_TRUE(eventually([&] { return p->running_time_now() >= played_before_seek && p->position().has_value(); }, 30s));

  const clock_time running_before = p->running_time_now();
  const std::uint64_t before = delivered(sink);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(p->seek(seek_to(seek_target, seek_flags::none)));
  EXPECT_GE(p->running_time_now(), running_before) << "a non-flushing seek must not restart the running time";
  std::this_thread::sleep_for(500ms);
  const std::uint64_t after_seek = delivered(sink) - before;
  const clock_time elapsed = since(t0);
  // The new segment continues the running time: still 1x, no burst either.
  const auto frames_due = static_cast<std::uint64_t>(elapsed * frames_per_second / (1000 * ms));
  EXPECT_LE(after_seek, frames_due + frame_slack);
  EXPECT_GE(after_seek, 1u);
  stop(*p);
}

INSTANTIATE_TEST_SUITE_P(Sources, FlushingSeekRunningTime, ::testing::Values("testsrc", "rawvideoparse"));

}  // namespace seek_running_time_concurrency_test
}  // namespace tessera::core
