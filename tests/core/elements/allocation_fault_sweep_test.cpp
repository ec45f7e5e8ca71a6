// Allocation failure at the Nth allocation (inject_allocation_failure): real pipelines
// run with the Nth reservation of the memory counters refused, for N = 0, 1, 2, ...
// through every reservation a clean run makes. Each run must end within its bound
// with either the whole stream (the allocation was retried or not needed), every frame
// byte for byte as in the clean run, or an error on the bus from one of the pipeline's
// elements saying memory was short; the frames delivered before the error are right.
// Once the pipeline is destroyed, the live bytes and memory objects are back where
// they were before it was built.
#include "core/memory/counters.hpp"
#include "tests/core/elements/video/video_test_support.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tessera::core {
namespace allocation_fault_sweep_test {

using namespace video_test;

/// What one run of a pipeline came to.
struct run_outcome {
  bool eos = false;
  std::vector<std::string> errors;                                       // "source: text"
  std::map<std::string, std::vector<std::vector<std::uint8_t>>> frames;  // by appsink, in order
  std::uint64_t reservations = 0;                                        // since injection
};

/// Builds `description` on a runtime of its own (a fresh tile cache: no tile of an
/// earlier run is reused, so every run reserves the same), runs it to EOS or error
/// (bounded) with the allocation failure `at` armed, and destroys both.
run_outcome run(const std::string& description, const std::vector<std::string>& sinks, std::optional<std::uint64_t> at) {
  run_outcome o;
  runtime_config config;
  config.threads = 2;
  config.cache_bytes = 16u << 20;
  auto rt = make_test_runtime(config);
  auto p = build(description, rt->registry());
  if (!p) return o;
  inject_allocation_failure(at ? at : std::optional<std::uint64_t>(~std::uint64_t{0}));
  const outcome end = play_to_eos(*p, 10s);
  std::map<std::string, std::vector<sample>> samples;
  for (const std::string& name : sinks) {
    auto* sink = dynamic_cast<appsink*>(p->find(name));
    EXPECT_NE(sink, nullptr) << name;
    if (sink) samples[name] = sink->pull_all(end.eos ? 1s : 50ms);
  }
  p->set_state(state::null_state);
  o.reservations = allocation_fault_calls();
  inject_allocation_failure(std::nullopt);  // before the test's own maps (a tiled frame's merge allocates)
  o.eos = end.eos;
  o.errors = end.errors;
  for (const auto& [name, list] : samples)
    for (const sample& s : list) o.frames[name].push_back(bytes_of(s.buffer));
  return o;
}

struct sweep_case {
  const char* name;
  std::string description;
  std::vector<std::string> sinks;
  std::vector<std::string> elements;  // the names an error may come from
};

void sweep(const sweep_case& c) {
  // A first run makes what is made once for the program; the clean run then counts
  // its reservations and gives the reference frames.
  ASSERT_TRUE(run(c.description, c.sinks, std::nullopt).eos);
  const memory_counters before_clean = memory_counters_snapshot();
  const run_outcome clean = run(c.description, c.sinks, std::nullopt);
  ASSERT_TRUE(clean.eos) << (clean.errors.empty() ? "no EOS" : clean.errors.front());
  for (const auto& sink : c.sinks) ASSERT_FALSE(clean.frames.at(sink).empty()) << sink;
  ASSERT_GT(clean.reservations, 0u);
  EXPECT_EQ(memory_counters_snapshot().live_bytes, before_clean.live_bytes) << "the clean run leaked";
  std::size_t failed_runs = 0;
  for (std::uint64_t n = 0; n < clean.reservations; ++n) {
    SCOPED_TRACE(std::string(c.name) + ": reservation " + std::to_string(n) + " of " +
                 std::to_string(clean.reservations) + " refused");
    const memory_counters before = memory_counters_snapshot();
    const run_outcome o = run(c.description, c.sinks, n);
    const memory_counters after = memory_counters_snapshot();
    EXPECT_EQ(after.live_bytes, before.live_bytes) << "bytes leaked";
    EXPECT_EQ(after.live_memories, before.live_memories) << "memory objects leaked";
    ASSERT_TRUE(o.eos || !o.errors.empty()) << "neither EOS nor an error within 10 s (a hang)";
    if (!o.eos) {
      ++failed_runs;
      const std::string& e = o.errors.front();
      bool named = false;
      for (const auto& element : c.elements) named = named || e.starts_with(element + ": ");
      EXPECT_TRUE(named) << "the error names none of the pipeline's elements: " << e;
      EXPECT_NE(e.find("memory"), std::string::npos) << "the error does not say memory was short: " << e;
    }
    for (const auto& sink : c.sinks) {
      const auto got = o.frames.count(sink) ? o.frames.at(sink) : std::vector<std::vector<std::uint8_t>>{};
      const auto& want = clean.frames.at(sink);
      if (o.eos) EXPECT_EQ(got.size(), want.size()) << sink << ": EOS without every frame";
      ASSERT_LE(got.size(), want.size()) << sink;
      for (std::size_t i = 0; i < got.size(); ++i) {
        std::size_t first = 0;
        while (first < std::min(got[i].size(), want[i].size()) && got[i][first] == want[i][first]) ++first;
        EXPECT_TRUE(got[i] == want[i]) << sink << ": frame " << i << " differs from byte " << first << " (" << got[i].size()
                                       << " bytes, " << want[i].size() << " in the clean run)";
      }
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::printf("%s: all %llu reservations swept, %zu runs ended in an error\n", c.name,
              static_cast<unsigned long long>(clean.reservations), failed_runs);
  EXPECT_GT(failed_runs, 0u) << "no refused allocation was ever reported";
}

TEST(AllocationFaultSweep, ConvertScaleJpegToAppsink) {
  sweep({"convert_scale_jpeg",
         "testsrc name=src pattern=ball num-buffers=3 width=64 height=48 ! videoconvert name=conv ! "
         "video/x-raw,format=RGB ! videoscale name=scale ! video/x-raw,width=32,height=24 ! jpegenc name=enc ! "
         "appsink name=out sync=false",
         {"out"},
         {"src", "conv", "scale", "enc", "out"}});
}

TEST(AllocationFaultSweep, TiledFramesThroughBoxblur) {
  sweep({"tiled_boxblur",
         "testsrc name=src tiled=true pattern=ball num-buffers=2 width=160 height=96 ! boxblur name=blur radius=2 ! "
         "appsink name=out sync=false",
         {"out"},
         {"src", "blur", "out"}});
}

TEST(AllocationFaultSweep, Queue) {
  sweep({"queue", "testsrc name=src pattern=ball num-buffers=4 width=48 height=32 ! queue name=q ! appsink name=out sync=false",
         {"out"},
         {"src", "q", "out"}});
}

TEST(AllocationFaultSweep, TeeToTwoQueues) {
  sweep({"tee",
         "testsrc name=src pattern=ball num-buffers=3 width=48 height=32 ! tee name=t "
         "t. ! queue name=q1 ! appsink name=a sync=false "
         "t. ! queue name=q2 ! videoconvert name=conv ! video/x-raw,format=GRAY8 ! appsink name=b sync=false",
         {"a", "b"},
         {"src", "t", "q1", "q2", "conv", "a", "b"}});
}

}  // namespace allocation_fault_sweep_test
}  // namespace tessera::core
