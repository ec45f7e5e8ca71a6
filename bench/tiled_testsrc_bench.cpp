// What testsrc tiled=true costs per frame, the ways it can make one (RGBA, 64x64 tiles
// from the tile cache, each frame dropped before the next unless said):
//  - painted: a fresh tiled frame each time, painted a row of tiles at a time into a
//    band scratch and scattered into the tiles (what testsrc did for every pattern
//    before, and still does for snow and ball);
//  - shared: a still pattern kept in one tiled_image; each frame shares its tiles
//    (image_frame.hpp), the validator painted them on the first frame only (testsrc now);
//  - invalidated: a changing pattern kept in the image anyway, every tile invalidated
//    each frame so the validator paints it again (the alternative for snow/ball), with
//    the previous frame dropped (the tiles are repainted in place) or still in flight
//    (a queue holds it: each tile is copied before it is repainted).
// Arguments: width, height. Pattern: smpte for the still cases, snow for the others.

#include "core/elements/video/test_patterns.hpp"
#include "core/tiles/frame_tile_allocator.hpp"
#include "core/tiles/tile_cache.hpp"
#include "core/video/image_frame.hpp"
#include "core/video/tiled_frame.hpp"
#include "core/video/tiled_image.hpp"

#include <benchmark/benchmark.h>

#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

namespace {

using namespace tessera;
using namespace tessera::core;

constexpr std::size_t bpp = 4;

struct cache_and_allocator {
  std::unique_ptr<tile_cache> cache;
  std::unique_ptr<frame_tile_allocator> frames;
  cache_and_allocator() {
    tile_cache_config c;
    c.cache_bytes = std::uint64_t{2} << 30;  // everything resident: the cost of making frames, not of swapping
    c.swap_dir = std::filesystem::temp_directory_path();
    auto m = tile_cache::create(c);
    if (!m) throw std::runtime_error(m.error().message);
    cache = std::move(*m);
    frames = std::make_unique<frame_tile_allocator>(*cache);
  }
};

cache_and_allocator& shared_cache() {
  static cache_and_allocator c;
  return c;
}

tile_grid grid_of(const benchmark::State& state) {
  return tile_grid::make(tile_tag::of(video_format::rgba), static_cast<std::size_t>(state.range(0)),
                         static_cast<std::size_t>(state.range(1)), {frame_tile_period, 0}, {frame_tile_period, 0})
      .value();
}

frame_view band_view(const tile_grid& g, std::vector<std::uint8_t>& scratch, std::size_t y, std::size_t rows) {
  return frame_view{scratch.data(), static_cast<std::int32_t>(g.width()), static_cast<std::int32_t>(g.height()),
                    g.width() * bpp, video_format::rgba, static_cast<std::int32_t>(y), static_cast<std::int32_t>(rows)};
}

// testsrc's changing-pattern path: a fresh frame, painted band by band.
buffer painted_frame(const tile_grid& g, pattern_painter& painter, std::vector<std::uint8_t>& scratch,
                     test_pattern p, std::uint64_t n) {
  buffer b = allocate_tiled_frame(g, *shared_cache().frames).value();
  const std::size_t band = g.y().period;
  for (std::size_t y = 0; y < g.height(); y += band) {
    const std::size_t rows = std::min(band, g.height() - y);
    painter.paint(p, band_view(g, scratch, y, rows), n, {255, 255, 255, 255}, {0, 0, 0, 255});
    if (!scatter_band(b, g, y, rows, std::as_bytes(std::span(scratch)), g.width() * bpp)) throw std::runtime_error("scatter");
  }
  return b;
}

// testsrc's validator: the band of the tile's row painted once, each tile copies its columns.
struct band_validator {
  pattern_painter painter;
  std::vector<std::uint8_t>* scratch;
  test_pattern pattern;
  const std::uint64_t* frame;
  std::optional<std::size_t> painted;
  void operator()(const tile_grid& g, const tile_rect& area, std::span<std::byte> bytes) {
    const std::size_t band_y = area.y;  // phase 0: tiles start their band
    if (painted != band_y) {
      const std::size_t rows = std::min(g.y().period, g.height() - band_y);
      painter.paint(pattern, band_view(g, *scratch, band_y, rows), *frame, {255, 255, 255, 255}, {0, 0, 0, 255});
      painted = band_y;
    }
    for (std::size_t r = 0; r < area.height; ++r)
      std::memcpy(bytes.data() + g.offset_in_tile(area.x, area.y + r),
                  scratch->data() + r * g.width() * bpp + area.x * bpp, area.width * bpp);
  }
};

tiled_image image_for(const tile_grid& g, band_validator& v) {
  auto img = tiled_image::create(g.tag(), g.width(), g.height(), g.x(), g.y(), *shared_cache().cache).value();
  img.set_validator([&v](const tile_grid& grid, std::size_t, const tile_rect& area, std::span<std::byte> bytes) {
    v(grid, area, bytes);
  });
  return img;
}

void still_painted(benchmark::State& state) {
  const tile_grid g = grid_of(state);
  pattern_painter painter;
  std::vector<std::uint8_t> scratch(g.y().period * g.width() * bpp);
  std::uint64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(painted_frame(g, painter, scratch, test_pattern::smpte, n++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(still_painted)->Args({1920, 1088})->Args({4096, 4096})->Unit(benchmark::kMicrosecond);

void still_shared(benchmark::State& state) {
  const tile_grid g = grid_of(state);
  std::vector<std::uint8_t> scratch(g.y().period * g.width() * bpp);
  std::uint64_t n = 0;
  band_validator v{{}, &scratch, test_pattern::smpte, &n, {}};
  tiled_image img = image_for(g, v);
  for (auto _ : state) {
    benchmark::DoNotOptimize(frame_from_image(img, *shared_cache().frames).value());
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(still_shared)->Args({1920, 1088})->Args({4096, 4096})->Unit(benchmark::kMicrosecond);

void changing_painted(benchmark::State& state) {
  const tile_grid g = grid_of(state);
  pattern_painter painter;
  std::vector<std::uint8_t> scratch(g.y().period * g.width() * bpp);
  std::uint64_t n = 0;
  for (auto _ : state) benchmark::DoNotOptimize(painted_frame(g, painter, scratch, test_pattern::snow, n++));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(changing_painted)->Args({1920, 1088})->Args({4096, 4096})->Unit(benchmark::kMicrosecond);

void changing_invalidated(benchmark::State& state, bool hold_previous) {
  const tile_grid g = grid_of(state);
  std::vector<std::uint8_t> scratch(g.y().period * g.width() * bpp);
  std::uint64_t n = 0;
  band_validator v{{}, &scratch, test_pattern::snow, &n, {}};
  tiled_image img = image_for(g, v);
  buffer previous;
  for (auto _ : state) {
    for (std::size_t i = 0; i < g.tile_count(); ++i) (void)img.invalidate(i);
    v.painted.reset();
    buffer b = frame_from_image(img, *shared_cache().frames).value();
    if (hold_previous) previous = std::move(b);
    ++n;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(changing_invalidated, dropped, false)->Args({1920, 1088})->Args({4096, 4096})->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(changing_invalidated, in_flight, true)->Args({1920, 1088})->Args({4096, 4096})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
