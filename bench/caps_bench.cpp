// Caps intersection of two many-structure caps (every pair intersects, so the
// result has n * n structures): the cost of dropping covered structures.
//
// Run: build/bin/caps_bench

#include "core/caps/caps.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace tc = tessera::core;

namespace {

tc::caps many(std::int64_t n, const std::string& field, bool ranges) {
  std::string text;
  for (std::int64_t i = 1; i <= n; ++i) {
    if (!text.empty()) text += "; ";
    text += "video/x-raw," + field + "=" + (ranges ? "[1," + std::to_string(i) + "]" : std::to_string(i));
  }
  return tc::caps::parse(text).value();
}

void intersect_cross(benchmark::State& state, bool ranges) {
  const tc::caps a = many(state.range(0), "width", ranges), b = many(state.range(0), "height", ranges);
  for (auto _ : state) {
    auto c = a.intersect(b);
    benchmark::DoNotOptimize(c.size());
  }
}

void intersect_fixed_cross(benchmark::State& state) { intersect_cross(state, false); }
void intersect_range_cross(benchmark::State& state) { intersect_cross(state, true); }
// A capsfilter's transform_caps on the caps a second capsfilter answered with:
// n heights against the n * n width-height pairs (what prerolling
// `capsfilter caps="<n widths>" ! capsfilter caps="<n heights>"` asks three times).
void intersect_filter_with_cross(benchmark::State& state) {
  const tc::caps heights = many(state.range(0), "height", false);
  const tc::caps cross = many(state.range(0), "width", false).intersect(heights);
  for (auto _ : state) {
    auto c = heights.intersect(cross, tc::intersect_mode::first);
    benchmark::DoNotOptimize(c.size());
  }
}

BENCHMARK(intersect_fixed_cross)->Arg(10)->Arg(110)->Unit(benchmark::kMillisecond);
BENCHMARK(intersect_filter_with_cross)->Arg(10)->Arg(110)->Unit(benchmark::kMillisecond);
BENCHMARK(intersect_range_cross)->Arg(10)->Arg(110)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
