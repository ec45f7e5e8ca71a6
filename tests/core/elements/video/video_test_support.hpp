#pragma once
// Helpers for the video element tests (testsrc, invert, videoconvert): building and
// running pipelines with a deadline, reading frames and making them; the harness
// (tests/core/support/harness.hpp) pushes frames through an element by hand.

#include "core/base/base_sink.hpp"
#include "core/video/video_info.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/elements/video/testsrc.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/harness.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tessera::core::video_test {

using namespace std::chrono_literals;
using test::bytes_of;
using test::harness;
using test::harness_sink;
using test::harness_src;

inline std::unique_ptr<pipeline> build(std::string_view description,
                                       element_registry& registry = test_runtime().registry()) {
  auto p = build_pipeline(description, registry, "test");
  EXPECT_TRUE(p) << (p ? "" : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

/// How a pipeline ended.
struct outcome {
  bool eos = false;
  std::vector<std::string> errors;
};

/// Plays `p` and waits (at most `timeout`) for EOS or the first error.
inline outcome play_to_eos(pipeline& p, std::chrono::milliseconds timeout = 10s) {
  outcome o;
  p.set_state(state::playing);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.bus().pop_filtered(50ms, {message_type::eos, message_type::error});
    if (!m) continue;
    if (m->type == message_type::eos) {
      o.eos = true;
    } else {
      // As launch shows it: the source element, then the text (which does not repeat it).
      o.errors.push_back(m->source + ": " + m->get_string("message").value_or("(no message)"));
    }
    break;
  }
  return o;
}

/// What a run to the end of the stream produced.
struct run_result {
  std::vector<sample> samples;
  bool eos = false;
  std::vector<std::string> errors;
};

/// Plays `p` until EOS or an error (at most `timeout`), collecting what appsink `sink`
/// received, then stops the pipeline.
inline run_result run_to_eos(pipeline& p, std::string_view sink = "out", std::chrono::milliseconds timeout = 10s) {
  run_result r;
  auto* out = dynamic_cast<appsink*>(p.find(sink));
  EXPECT_NE(out, nullptr) << "no appsink named " << sink;
  const outcome o = play_to_eos(p, timeout);
  r.eos = o.eos;
  r.errors = o.errors;
  if (out) r.samples = out->pull_all(1s);
  p.set_state(state::null_state);
  return r;
}

/// The first error on the bus within `timeout` as "source: text", or "" if none came.
inline std::string wait_error(pipeline& p, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.bus().pop_filtered(50ms, {message_type::error});
    if (m) return m->source + ": " + m->get_string("message").value_or("(no message)");
  }
  return {};
}

inline video_info info_of(const sample& s) {
  auto info = video_info::from_caps(s.caps);
  EXPECT_TRUE(info) << s.caps.to_string();
  return info ? *info : video_info::make(video_format::rgba, 1, 1).value();
}

/// The pixel at (x, y) of a packed frame as its bytes (1, 3 or 4 of them).
inline std::vector<int> pixel(const std::vector<std::uint8_t>& frame, const video_info& info, int x, int y) {
  const std::size_t bpp = info.bytes_per_pixel();
  const std::size_t at = static_cast<std::size_t>(y) * info.stride() + static_cast<std::size_t>(x) * bpp;
  std::vector<int> out;
  for (std::size_t i = 0; i < bpp; ++i) out.push_back(frame.at(at + i));
  return out;
}

/// BT.601 luma computed the textbook way, independently of the code under test.
inline int bt601(int r, int g, int b) {
  // Exact in thousandths, rounded half up.
  return (299 * r + 587 * g + 114 * b + 500) / 1000;
}

/// Fixed linear raw video caps with square pixels, as testsrc makes them.
inline caps video_caps(std::string_view format, int width, int height, std::string_view rate = "30/1") {
  return caps::parse("video/x-raw,format=" + std::string(format) + ",width=" + std::to_string(width) +
                     ",height=" + std::to_string(height) + ",framerate=" + std::string(rate) + ",layout=linear,pixel-aspect-ratio=1/1")
      .value();
}

/// The address of a buffer's first byte (to tell in-place work from a copy).
inline const void* data_address(const buffer& b) {
  buffer view = b.share();
  auto map = view.map(map_access::read);
  return map ? static_cast<const void*>(map->data()) : nullptr;
}

/// A buffer holding `bytes`, with pts/offset of frame `n` at 30 fps.
inline buffer frame_buffer(const std::vector<std::uint8_t>& bytes, std::uint64_t n = 0) {
  auto b = buffer::allocate(bytes.size()).value();
  {
    auto map = b.map(map_access::write).value();
    std::memcpy(map.data(), bytes.data(), bytes.size());
  }
  b.pts = static_cast<std::int64_t>(n) * 1'000'000'000 / 30;
  b.duration = 33'333'333;
  b.offset = n;
  return b;
}

struct resize_run {
  std::vector<harness_sink::record> frames;
  int allocations = 0;
  caps src_caps;
};

/// Runs `testsrc name=src pattern=solid num-buffers=6 width=320 height=24 <props> ! <middle>
/// harnesssink name=out` to EOS with the sink answering pad-alloc with `width` from
/// its `resize_after`-th allocation on (a window the user resized, like the design's
/// ximagesink).
inline resize_run run_resizing(const std::string& testsrc_props, int width, int resize_after,
                               const std::string& middle = "") {
  auto p = build("testsrc name=src pattern=solid num-buffers=6 width=320 height=24 " + testsrc_props +
                     " ! " + middle + " harnesssink name=out",
                 test::harness_registry());
  resize_run r;
  if (!p) return r;
  auto* sink = dynamic_cast<harness_sink*>(p->find("out"));
  sink->answer_width = width;
  sink->resize_after = static_cast<std::uint64_t>(resize_after);
  sink->resizable = true;
  EXPECT_TRUE(play_to_eos(*p).eos);
  r.frames = sink->records();
  r.allocations = static_cast<int>(sink->allocs());
  r.src_caps = p->find("src")->static_pad(pad_direction::src)->current_caps();
  p->set_state(state::null_state);
  return r;
}

}  // namespace tessera::core::video_test
