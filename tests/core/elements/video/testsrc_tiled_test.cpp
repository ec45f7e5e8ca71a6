// testsrc tiled=true: every pattern must come out as the linear frame does, whatever the
// size (partial edge tiles) and format. Changing patterns are painted a row of tiles at
// a time; still ones come from one tiled_image whose tiles every frame shares.

#include "tests/core/elements/video/tiled_video_test_support.hpp"
#include "tests/core/tiles/tile_cache_test_support.hpp"

#include "core/base/base_sink.hpp"
#include "core/graph/element_factory.hpp"
#include "core/memory/counters.hpp"
#include "core/video/tiled_frame.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <string>
#include <vector>

namespace tessera::core {
namespace testsrc_tiled_test {

using namespace tiled_video_test;
using namespace std::chrono_literals;

struct pattern_case {
  const char* pattern;
  const char* format;
  int bpp;
};

class TestsrcTiled : public ::testing::TestWithParam<pattern_case> {};

TEST_P(TestsrcTiled, EveryPatternMatchesTheLinearFrames) {
  const pattern_case c = GetParam();
  constexpr int w = 150, h = 197;  // three rows of tiles and a partial fourth; partial columns
  const std::string src = std::string("testsrc num-buffers=4 pattern=") + c.pattern + " width=150 height=197 format=" +
                          c.format + " foreground-color=0xff3366cc background-color=0xff102030";
  const auto linear = frames_of(src + " ! appsink name=out sync=false", false, w, h, c.bpp);
  const auto tiled = frames_of(src + " tiled=true ! appsink name=out sync=false", true, w, h, c.bpp);
  ASSERT_EQ(linear.size(), 4u);
  ASSERT_EQ(tiled.size(), linear.size());
  for (std::size_t i = 0; i < linear.size(); ++i) EXPECT_TRUE(tiled[i] == linear[i]) << c.pattern << " frame " << i;
}

INSTANTIATE_TEST_SUITE_P(Patterns, TestsrcTiled,
                         ::testing::Values(pattern_case{"snow", "RGBA", 4}, pattern_case{"ball", "RGBA", 4},
                                           pattern_case{"ball", "GRAY8", 1}, pattern_case{"snow", "RGB", 3}),
                         [](const auto& info) { return std::string(info.param.pattern) + "_" + info.param.format; });

// The still patterns come from one tiled_image shared by every frame: each of them in
// each format.
INSTANTIATE_TEST_SUITE_P(
    StillPatterns, TestsrcTiled,
    ::testing::Values(pattern_case{"smpte", "RGBA", 4}, pattern_case{"smpte", "RGB", 3}, pattern_case{"smpte", "GRAY8", 1},
                      pattern_case{"checkers", "RGBA", 4}, pattern_case{"checkers", "RGB", 3},
                      pattern_case{"checkers", "GRAY8", 1}, pattern_case{"solid", "RGBA", 4},
                      pattern_case{"solid", "RGB", 3}, pattern_case{"solid", "GRAY8", 1},
                      pattern_case{"gradient", "RGBA", 4}, pattern_case{"gradient", "RGB", 3},
                      pattern_case{"gradient", "GRAY8", 1}),
    [](const auto& info) { return std::string(info.param.pattern) + "_" + info.param.format; });

const char* const still_patterns[] = {"smpte", "checkers", "solid", "gradient"};

/// The allocations and copies the memory core counted while `description` played.
memory_counters counted_while(const std::string& description, std::vector<sample>* kept = nullptr) {
  const memory_counters before = memory_counters_snapshot();
  auto samples = samples_of(description);
  const memory_counters after = memory_counters_snapshot();
  if (kept != nullptr) *kept = std::move(samples);
  memory_counters d;
  d.allocations = after.allocations - before.allocations;
  d.allocated_bytes = after.allocated_bytes - before.allocated_bytes;
  d.copies = after.copies - before.copies;
  d.copied_bytes = after.copied_bytes - before.copied_bytes;
  return d;
}

TEST(TestsrcTiledStill, NoFrameAfterTheFirstAllocatesOrCopies) {
  // appsink keeps every frame, so frames that were not shared would each need tiles
  // of their own.
  for (const char* pattern : still_patterns) {
    const std::string src = std::string("testsrc tiled=true width=300 height=200 pattern=") + pattern;
    const memory_counters one = counted_while(src + " num-buffers=1 ! appsink name=out sync=false");
    std::vector<sample> frames;
    const memory_counters many = counted_while(src + " num-buffers=12 ! appsink name=out sync=false", &frames);
    ASSERT_EQ(frames.size(), 12u) << pattern;
    EXPECT_GT(one.allocations, 0u) << pattern << ": the first frame's tiles";
    EXPECT_EQ(many.allocations, one.allocations) << pattern;
    EXPECT_EQ(many.allocated_bytes, one.allocated_bytes) << pattern;
    EXPECT_EQ(many.copies, one.copies) << pattern;
    EXPECT_EQ(many.copied_bytes, one.copied_bytes) << pattern;
    for (std::size_t k = 1; k < frames.size(); ++k)
      for (std::size_t i = 0; i < frames[k].buffer.n_memory(); ++i)
        ASSERT_EQ(frames[k].buffer.peek_memory(i).data(), frames[0].buffer.peek_memory(i).data())
            << pattern << ": frame " << k << " tile " << i << " is not the first frame's";
  }
}

TEST(TestsrcTiledStill, AChangingPatternStillDrawsEveryFrame) {
  std::vector<sample> frames;
  (void)counted_while("testsrc tiled=true width=128 height=64 pattern=snow num-buffers=2 ! appsink name=out sync=false",
                      &frames);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_NE(frames[1].buffer.peek_memory(0).data(), frames[0].buffer.peek_memory(0).data());
  EXPECT_FALSE(untile(frames[0].buffer, 128, 64, 4) == untile(frames[1].buffer, 128, 64, 4));
}

TEST(TestsrcTiledStill, ADownstreamWriteCopiesOnlyTheTilesItWritesAndNeverTheNextFrame) {
  constexpr int w = 150, h = 197, bpp = 4;
  const std::string src = "testsrc num-buffers=3 pattern=smpte width=150 height=197";
  const auto linear = frames_of(src + " ! appsink name=out sync=false", false, w, h, bpp);
  ASSERT_EQ(linear.size(), 3u);
  std::vector<sample> frames;
  (void)counted_while(src + " tiled=true ! appsink name=out sync=false", &frames);
  ASSERT_EQ(frames.size(), 3u);
  const std::size_t tile_bytes = static_cast<std::size_t>(tile) * tile * bpp;

  // A sink that maps tile 4 of frame 0 for writing and scribbles over it.
  buffer written = std::move(frames[0].buffer);
  EXPECT_FALSE(written.peek_memory(4).is_writable()) << "a tile the image shares must not be writable";
  const memory_counters before = memory_counters_snapshot();
  bool copied = false;
  {
    auto map = map_tile(written, 4, map_access::write, &copied);
    ASSERT_TRUE(map) << map.error().message;
    std::memset(map->data(), 0x5a, map->size());
  }
  const memory_counters after = memory_counters_snapshot();
  EXPECT_TRUE(copied);
  EXPECT_EQ(after.copies - before.copies, 1u);
  EXPECT_EQ(after.copied_bytes - before.copied_bytes, tile_bytes);
  EXPECT_EQ(written.peek_memory(4).allocator_name(), "tile cache") << "the copy counts against the tile cache";
  for (std::size_t i = 0; i < written.n_memory(); ++i) {
    if (i == 4) continue;
    EXPECT_EQ(written.peek_memory(i).data(), frames[1].buffer.peek_memory(i).data()) << "tile " << i << " was copied";
  }
  EXPECT_TRUE(untile(frames[1].buffer, w, h, bpp) == linear[1]) << "the write reached the next frame";
  EXPECT_TRUE(untile(frames[2].buffer, w, h, bpp) == linear[2]);

  // An element that writes in place: drawbox copies the one tile its box touches, each
  // frame, and every frame shows one box (not the boxes of the frames before).
  const std::string boxed = " ! drawbox x=70 y=70 w=20 h=20 color=0x20c040ff ! appsink name=out sync=false";
  const auto linear_boxed = frames_of(src + boxed, false, w, h, bpp);
  const memory_counters d = counted_while(src + " tiled=true" + boxed, &frames);
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(d.copies, 3u);
  EXPECT_EQ(d.copied_bytes, 3 * tile_bytes);
  for (std::size_t k = 0; k < frames.size(); ++k)
    EXPECT_TRUE(untile(frames[k].buffer, w, h, bpp) == linear_boxed[k]) << "frame " << k;
}

/// A sink that compares every frame with the packed rows `expected` as it renders it,
/// then lets it go and has the tile cache swap out every idle tile: memory pressure
/// between two frames, when no frame holds testsrc's tiles.
class frame_check_sink : public base_sink {
 public:
  using base_sink::base_sink;
  static std::unique_ptr<element_factory> factory() {
    return make_factory<frame_check_sink>("framecheck", "Frame check", "Sink", "Compares tiled frames",
                                          {test::sink_template(caps::new_any())}, base_sink::common_properties(false));
  }
  inline static const std::vector<std::uint8_t>* expected = nullptr;
  inline static int w = 0, h = 0, bpp = 0;
  std::atomic<int> good{0}, bad{0};

 protected:
  flow render(buffer& b) override {
    (untile(b, w, h, bpp) == *expected ? good : bad)++;
    b = buffer();
    if (!runtime().tile_cache().flush()) bad++;
    return flow::ok;
  }
};

TEST(TestsrcTiledStill, A4096SquareFrameTwentyTimesTheCachePlaysWithItsTilesSwappedBetweenFrames) {
  constexpr int w = 4096, h = 4096, bpp = 4;  // 64 MiB frames
  const std::string src = "testsrc pattern=smpte width=4096 height=4096";
  const auto linear = frames_of(src + " num-buffers=1 ! appsink name=out sync=false", false, w, h, bpp);
  ASSERT_EQ(linear.size(), 1u);

  tile_cache_test::temp_dir swap_dir("testsrc_still_swap");
  runtime_config c;
  c.cache_bytes = 3 << 20;
  c.swap_dir = swap_dir.path;
  auto small = make_test_runtime(c);
  small->registry().add(frame_check_sink::factory());
  frame_check_sink::expected = &linear[0];
  frame_check_sink::w = w;
  frame_check_sink::h = h;
  frame_check_sink::bpp = bpp;
  auto p = build(src + " tiled=true num-buffers=3 ! framecheck name=check sync=false", small->registry());
  ASSERT_TRUE(p);
  const outcome o = play_to_eos(*p, 120s);
  EXPECT_TRUE(o.eos) << (o.errors.empty() ? "timeout" : o.errors.front());
  auto* check = dynamic_cast<frame_check_sink*>(p->find("check"));
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->good.load(), 3);
  EXPECT_EQ(check->bad.load(), 0);
  p->set_state(state::null_state);
  p.reset();
  const tile_counters t = small->tile_cache().counters();
  // A frame in flight holds the whole image resident (over the 3 MiB budget); after
  // each of the first two frames the sink's flush sent it out, and the next frame
  // brought every tile back from the swap file rather than painting it again.
  const std::uint64_t frame_bytes = std::uint64_t{w} * h * bpp;
  EXPECT_GE(t.swapped_out_bytes, 2 * frame_bytes);
  EXPECT_GE(t.swapped_in_bytes, 2 * frame_bytes);
  EXPECT_GT(t.cache_misses, 0u);
}

}  // namespace testsrc_tiled_test
}  // namespace tessera::core
