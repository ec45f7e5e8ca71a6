// Tiled frames through real pipelines with a tile cache far smaller than the frames:
// the output is byte-identical to a run that never swaps, and a pipeline whose frames
// are swapped in (slowly) leaves the streaming threads to the other pipelines.

#include "core/threads/streaming_pool.hpp"
#include "tile_cache_test_support.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace tessera::core {
namespace pipeline_swap_concurrency_test {

using namespace tiled_video_test;
using tile_cache_test::temp_dir;
using namespace std::chrono_literals;

/// Each run gets a runtime of its own whose tile cache has the budget it needs, its
/// swap file in the test's directory.
class PipelineSwap : public ::testing::Test {
 protected:
  runtime& runtime_with_cache(std::uint64_t cache_bytes, std::uint64_t max_swap_bytes = 0) {
    runtime_config c;
    c.cache_bytes = cache_bytes;
    c.swap_dir = swap_dir.path;
    c.max_swap_bytes = max_swap_bytes;
    runtimes_.push_back(make_test_runtime(c));
    return *runtimes_.back();
  }
  temp_dir swap_dir{"pipeline_swap"};
  std::vector<std::unique_ptr<runtime>> runtimes_;  // declared after swap_dir: go first
};

TEST_F(PipelineSwap, AFrameSeveralTimesTheCacheComesOutByteIdentical) {
  constexpr int w = 640, h = 480, bpp = 4;  // 1.2 MiB frames
  constexpr std::uint64_t cache = 256 << 10;  // under a quarter of one frame
  const std::string description =
      "testsrc tiled=true pattern=snow width=640 height=480 num-buffers=3 ! queue ! boxblur radius=3 ! "
      "drawbox x=100 y=50 w=300 h=200 color=0x20c040ff ! invert ! appsink name=out sync=false";

  runtime& roomy = runtime_with_cache(std::uint64_t{1} << 30);
  const auto reference = frames_of(description, true, w, h, bpp, roomy.registry());
  ASSERT_EQ(reference.size(), 3u);
  EXPECT_EQ(roomy.tile_cache().counters().swap_outs, 0u);

  runtime& small = runtime_with_cache(cache);
  const auto swapped = frames_of(description, true, w, h, bpp, small.registry());
  const tile_counters c = small.tile_cache().counters();
  // Each frame went out and came back more than once over.
  EXPECT_GE(c.swapped_out_bytes, 3u * w * h * bpp);
  EXPECT_GE(c.swapped_in_bytes, 3u * w * h * bpp);
  EXPECT_GT(c.cache_misses, 0u);
  ASSERT_EQ(swapped.size(), reference.size());
  for (std::size_t i = 0; i < reference.size(); ++i) EXPECT_TRUE(swapped[i] == reference[i]) << "frame " << i;
}

TEST_F(PipelineSwap, AFullSwapFileIsAWarningOnTheBusAndLosesNoPixel) {
  constexpr int w = 640, h = 480, bpp = 4;
  const std::string description =
      "testsrc tiled=true pattern=snow width=640 height=480 num-buffers=2 ! queue ! boxblur radius=2 ! "
      "appsink name=out sync=false";
  const auto reference = frames_of(description, true, w, h, bpp, runtime_with_cache(std::uint64_t{1} << 30).registry());
  ASSERT_EQ(reference.size(), 2u);

  // A 256 KiB cache whose swap file holds 64 KiB: most swap-outs fail.
  runtime& full = runtime_with_cache(256 << 10, 64 << 10);
  auto p = build(description, full.registry());
  ASSERT_TRUE(p);
  auto* out = dynamic_cast<appsink*>(p->find("out"));
  ASSERT_NE(out, nullptr);
  p->set_state(state::playing);
  std::string warning;
  bool eos = false;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!eos && std::chrono::steady_clock::now() < deadline) {
    auto m = p->bus().pop_filtered(50ms, {message_type::eos, message_type::error, message_type::warning});
    if (!m) continue;
    ASSERT_NE(m->type, message_type::error) << m->get_string("message").value_or("");
    if (m->type == message_type::warning && warning.empty()) warning = m->get_string("message").value_or("");
    eos = m->type == message_type::eos;
  }
  ASSERT_TRUE(eos);
  EXPECT_NE(warning.find("tile cache: a swap-out failed"), std::string::npos) << warning;
  EXPECT_NE(warning.find("is full"), std::string::npos) << warning;
  EXPECT_GT(full.tile_cache().counters().swap_failures, 0u);
  const auto samples = out->pull_all(1s);
  p->set_state(state::null_state);
  ASSERT_EQ(samples.size(), reference.size());
  for (std::size_t i = 0; i < samples.size(); ++i) EXPECT_TRUE(untile(samples[i].buffer, w, h, bpp) == reference[i]) << i;
}

TEST_F(PipelineSwap, APipelineSwappingInSlowlyLeavesTheOthersTheirFrameRate) {
  // The swapping pipelines, one per streaming thread: 64 KiB frames into a 256 KiB
  // cache, waiting in a queue, every swap-in 10 ms late. Read on the streaming threads,
  // those swap-ins would hold every one of them most of the time.
  runtime& slow = runtime_with_cache(256 << 10);
  slow.tile_cache().set_read_delay(10ms);
  std::vector<std::unique_ptr<pipeline>> swapping;
  for (std::size_t i = 0; i < slow.pool().size(); ++i) {
    swapping.push_back(build("testsrc tiled=true pattern=snow width=128 height=128 num-buffers=20 ! "
                             "queue max-size-buffers=64 max-size-bytes=0 max-size-time=0 ! fakesink sync=false",
                             slow.registry()));
    ASSERT_TRUE(swapping.back());
  }

  // The live pipeline: 30 frames a second, rendered on the clock.
  auto live = build("testsrc is-live=true framerate=30/1 width=64 height=64 ! fakesink name=sink sync=true",
                    slow.registry());
  ASSERT_TRUE(live);
  element* sink = live->find("sink");
  ASSERT_NE(sink, nullptr);
  live->set_state(state::playing);
  const auto warm_deadline = std::chrono::steady_clock::now() + 20s;
  while (sink->buffers_in() < 5 && std::chrono::steady_clock::now() < warm_deadline) std::this_thread::sleep_for(10ms);
  ASSERT_GE(sink->buffers_in(), 5u) << "the live pipeline did not start";

  // While the swapping pipelines run, the wall-clock time of each live frame's arrival.
  const std::uint64_t frames_before = sink->buffers_in();
  const std::uint64_t swap_ins_before = slow.tile_cache().counters().swap_ins;
  const auto start = std::chrono::steady_clock::now();
  for (auto& p : swapping) p->set_state(state::playing);
  std::size_t ended = 0;
  std::vector<std::string> errors;
  std::vector<bool> done(swapping.size(), false);
  std::uint64_t seen = sink->buffers_in();
  auto last_arrival = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration longest_gap{};
  const auto deadline = start + 120s;
  while (ended < swapping.size() && std::chrono::steady_clock::now() < deadline) {
    for (std::size_t i = 0; i < swapping.size(); ++i) {
      if (done[i]) continue;
      auto m = swapping[i]->bus().pop_filtered(0ms, {message_type::eos, message_type::error});
      if (!m) continue;
      done[i] = true;
      ++ended;
      if (m->type == message_type::error) errors.push_back(m->get_string("message").value_or("error"));
    }
    const auto now = std::chrono::steady_clock::now();
    if (const std::uint64_t n = sink->buffers_in(); n != seen) {
      seen = n;
      last_arrival = now;
    }
    longest_gap = std::max(longest_gap, now - last_arrival);
    std::this_thread::sleep_for(1ms);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::uint64_t frames = sink->buffers_in() - frames_before;
  const std::uint64_t swap_ins = slow.tile_cache().counters().swap_ins - swap_ins_before;
  for (auto& p : swapping) p->set_state(state::null_state);
  live->set_state(state::null_state);

  ASSERT_EQ(ended, swapping.size()) << "the swapping pipelines did not finish";
  ASSERT_TRUE(errors.empty()) << errors.front();
  // The swapping pipelines did swap, for long enough to tell (at least 40 reads of 10 ms).
  EXPECT_GE(swap_ins, 40u);
  ASSERT_GE(seconds, 0.4);
  const double gap_ms = std::chrono::duration<double, std::milli>(longest_gap).count();
  std::printf("live pipeline: %llu frames in %.2f s, longest gap %.0f ms, %llu tiles swapped in\n",
              static_cast<unsigned long long>(frames), seconds, gap_ms, static_cast<unsigned long long>(swap_ins));
  // The live one kept its rate meanwhile: no frame came more than a few frame periods
  // late (it keeps 33 ms when swap-ins leave the threads; reads on the streaming
  // threads hold them for whole runs of frames).
  EXPECT_GE(static_cast<double>(frames), 0.5 * 30.0 * seconds);
  EXPECT_LT(gap_ms, 300.0) << frames << " frames in " << seconds << " s while " << swap_ins << " tiles were swapped in";
}

}  // namespace pipeline_swap_concurrency_test
}  // namespace tessera::core
