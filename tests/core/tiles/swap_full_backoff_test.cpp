// A swap file that is full: the tile cache stops trying to swap out for a while
// (until swap space is given back, or a back-off passes) instead of trying every
// tile again on each allocation, keeps the tiles in memory over the budget, says so
// once on the bus, and the pipeline plays and stops as usual.

#include "tile_cache_test_support.hpp"
#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"
#include "tests/core/elements/video/tiled_video_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace tessera::core {
namespace swap_full_backoff_test {

using namespace tiled_video_test;
using tile_cache_test::temp_dir;
using namespace std::chrono_literals;

class SwapFull : public ::testing::Test {
 protected:
  temp_dir swap_dir{"swap_full"};
};

TEST_F(SwapFull, ALargeFrameWithAFullSwapFilePrerollsPlaysWarnsOnceAndStops) {
  // 16 MiB frames, a 1 MiB cache and a swap file that holds 64 KiB: after the first
  // few tiles every swap-out fails.
  runtime_config config;
  config.cache_bytes = 1 << 20;
  config.swap_dir = swap_dir.path;
  config.max_swap_bytes = 64 << 10;
  const auto rt = make_test_runtime(config);
  auto p = build("testsrc tiled=true width=2048 height=2048 pattern=snow num-buffers=3 ! boxblur ! fakesink",
                 rt->registry());
  ASSERT_TRUE(p);
  p->set_state(state::paused);
  ASSERT_EQ(p->wait_state(60s), state::paused) << "prerolls";
  p->set_state(state::playing);
  int warnings = 0;
  bool eos = false;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!eos && std::chrono::steady_clock::now() < deadline) {
    auto m = p->bus().pop_filtered(50ms, {message_type::eos, message_type::error, message_type::warning});
    if (!m) continue;
    ASSERT_NE(m->type, message_type::error) << m->get_string("message").value_or("");
    if (m->type == message_type::warning) {
      ++warnings;
      EXPECT_NE(m->get_string("message").value_or("").find("is full"), std::string::npos);
    }
    eos = m->type == message_type::eos;
  }
  EXPECT_TRUE(eos);
  EXPECT_EQ(warnings, 1) << "reported once, not at every failed swap-out";
  const tile_counters c = rt->tile_cache().counters();
  // Three frames of 1024 16 KiB tiles: without the back-off every allocation tried
  // every tile in the cache (millions of failures).
  EXPECT_GT(c.swap_failures, 0u);
  EXPECT_LT(c.swap_failures, 20'000u) << c.swap_failures << " failed swap-outs";
  EXPECT_GT(c.peak_resident_bytes, std::uint64_t{1} << 20) << "the tiles stayed in memory over the budget";
  test::within(5000ms, "set_state(NULL) with a full swap file", [&] { p->set_state(state::null_state); });
}

}  // namespace swap_full_backoff_test
}  // namespace tessera::core
