// What a websink viewer variant costs per frame (docs/api.md, "Viewer variants"):
// the area downscale of a 1080p RGBA frame to each offered size, and the JPEG encode of
// the full frame and of each smaller one, on a testsrc pattern=ball-like frame (a
// white disc on black). Bilinear is there for comparison (it aliases when shrinking by
// more than 2, which is why variants use area).
//
// Run: build/bin/viewer_variant_bench

#include "core/elements/codec/jpeg_encoder.hpp"
#include "core/elements/video/scale_kernels.hpp"

#include <benchmark/benchmark.h>

#include <vector>

namespace tc = tessera::core;

namespace {

constexpr int in_w = 1920, in_h = 1080;

std::vector<std::uint8_t> ball_frame() {
  std::vector<std::uint8_t> f(static_cast<std::size_t>(in_w) * in_h * 4, 0);
  for (int y = 0; y < in_h; ++y)
    for (int x = 0; x < in_w; ++x) {
      const int dx = x - 1200, dy = y - 400;
      std::uint8_t* p = &f[(static_cast<std::size_t>(y) * in_w + x) * 4];
      const std::uint8_t v = dx * dx + dy * dy < 120 * 120 ? 255 : 0;
      p[0] = p[1] = p[2] = v;
      p[3] = 255;
    }
  return f;
}

/// Output height from state.range(0); the width keeps 16:9 as variant_size does.
void scale(benchmark::State& state, tc::scale_method method) {
  const auto frame = ball_frame();
  const int out_h = static_cast<int>(state.range(0));
  const int out_w = (2 * in_w * out_h + in_h) / (2 * in_h);
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_w) * out_h * 4);
  tc::frame_scaler s(method, 4, in_w, in_h, out_w, out_h);
  for (auto _ : state) {
    s.scale(frame.data(), in_w * 4, out.data(), static_cast<std::size_t>(out_w) * 4);
    benchmark::DoNotOptimize(out.data());
  }
}

void area_scale_1080p_to(benchmark::State& state) { scale(state, tc::scale_method::area); }
void bilinear_scale_1080p_to(benchmark::State& state) { scale(state, tc::scale_method::bilinear); }
BENCHMARK(area_scale_1080p_to)->Arg(720)->Arg(480)->Arg(240)->Unit(benchmark::kMillisecond);
BENCHMARK(bilinear_scale_1080p_to)->Arg(720)->Arg(480)->Arg(240)->Unit(benchmark::kMillisecond);

/// JPEG (quality 85, websink's default) of the frame area-scaled to height range(0).
void jpeg_encode_at(benchmark::State& state) {
  const auto frame = ball_frame();
  const int out_h = static_cast<int>(state.range(0));
  const int out_w = (2 * in_w * out_h + in_h) / (2 * in_h);
  std::vector<std::uint8_t> small(static_cast<std::size_t>(out_w) * out_h * 4);
  tc::frame_scaler(tc::scale_method::area, 4, in_w, in_h, out_w, out_h)
      .scale(frame.data(), in_w * 4, small.data(), static_cast<std::size_t>(out_w) * 4);
  const auto info = tc::video_info::make(tc::video_format::rgba, out_w, out_h).value();
  tc::jpeg_encoder encoder;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto jpeg = encoder.encode(reinterpret_cast<const std::byte*>(small.data()), info, 85);
    bytes = jpeg->size;
    benchmark::DoNotOptimize(jpeg->data.get());
  }
  state.counters["jpeg_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(jpeg_encode_at)->Arg(1080)->Arg(720)->Arg(480)->Arg(240)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
