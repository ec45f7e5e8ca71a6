#pragma once
// Helpers for the video element tests (testsrc, invert, videoconvert): building and
// running pipelines with a deadline, reading frames, and a source element the test
// thread pushes frames through by hand (direct pad pushes).

#include "core/base/base_sink.hpp"
#include "core/video/video_info.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/elements/video/testsrc.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
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

inline std::vector<std::uint8_t> bytes_of(const buffer& b) {
  buffer view = b.share();
  auto map = view.map(map_access::read);
  if (!map) return {};
  const auto* d = reinterpret_cast<const std::uint8_t*>(map->data());
  return {d, d + map->size()};
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

/// A source the test thread drives: its src pad pushes whatever the test gives it.
class frame_pusher final : public element {
 public:
  using element::element;

  static const element_factory& factory() {
    static const element_factory& f = register_test_factory(make_factory<frame_pusher>(
        "frame_pusher", "Frame pusher", "Source", "Frames pushed by the test",
        {pad_template{"src", pad_direction::src, pad_presence::always, testsrc::template_caps()}}, {}));
    return f;
  }
  static std::unique_ptr<element> make(std::string name) { return factory().create(factory(), std::move(name)); }

  pad& src() const { return *static_pad(pad_direction::src); }

  /// Sends caps and a time segment downstream.
  bool start_stream(const caps& c) {
    return src().push_event(event_caps{c}) && src().push_event(event_segment{segment{}});
  }
};

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

/// `pusher ! <middle> ! appsink name=out sync=false` in a PAUSED pipeline, linked by hand:
/// the test pushes from its own thread (a direct call, so the sink renders at once).
struct push_rig {
  std::unique_ptr<pipeline> p = std::make_unique<pipeline>("rig", test_runtime());
  frame_pusher* pusher = nullptr;
  element* middle = nullptr;
  appsink* out = nullptr;

  /// `sink_caps` (appsink's caps property) restricts what the sink accepts.
  explicit push_rig(std::string_view middle_factory, std::string_view sink_caps = "") {
    pusher = static_cast<frame_pusher*>(p->add(frame_pusher::make("pusher")).value());
    middle = p->add(test_runtime().registry().make(middle_factory).value()).value();
    out = static_cast<appsink*>(p->add(test_runtime().registry().make("appsink", "out").value()).value());
    EXPECT_TRUE(out->set_property("sync", property_value{false}));
    if (!sink_caps.empty()) {
      EXPECT_TRUE(out->set_property("caps", property_value{std::string(sink_caps)}));
    }
    EXPECT_TRUE(link(pusher->src(), *middle->static_pad(pad_direction::sink)));
    EXPECT_TRUE(link(*middle->static_pad(pad_direction::src), out->sinkpad()));
    p->set_state(state::paused);  // async: the sink waits for its preroll frame
  }
  ~push_rig() { p->set_state(state::null_state); }
};

/// A sink that answers pad-alloc with another width from the `resize_after`-th
/// allocation on (a window the user resized), like the design's ximagesink.
class resizing_sink final : public base_sink {
 public:
  using base_sink::base_sink;

  static std::unique_ptr<element_factory> factory() {
    return make_factory<resizing_sink>("resizing_sink", "Resizing sink", "Sink", "Answers pad-alloc with its width",
                                       {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                                       base_sink::common_properties(false));
  }

  std::atomic<int> width{0};         // 0: take what is asked
  std::atomic<int> resize_after{0};  // allocations answered as asked before resizing
  std::atomic<int> allocations{0};

  result<allocation> buffer_alloc(pad& sinkpad, std::size_t size, const caps& c) override {
    const int n = allocations.fetch_add(1);
    const structure* s = c.structure_at(0);
    if (width == 0 || n < resize_after || !s || s->get_int("width") == width.load())
      return element::buffer_alloc(sinkpad, size, c);
    structure resized = *s;
    (void)resized.set("width", width.load());
    caps nc(std::move(resized));
    auto b = buffer::allocate(video_info::from_caps(nc).value().size());
    if (!b) return b.error();
    return allocation{std::move(b).value(), nc};
  }
  bool may_change_caps_on_alloc(const pad&) const override { return true; }

  struct frame {
    core::caps caps;
    std::vector<std::uint8_t> bytes;
  };
  std::vector<frame> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 protected:
  flow render(buffer& b) override {
    std::lock_guard lock(mutex_);
    frames_.push_back({current_, bytes_of(b)});
    return flow::ok;
  }
  void on_caps(const caps& c) override {
    std::lock_guard lock(mutex_);
    current_ = c;
  }

 private:
  std::mutex mutex_;
  caps current_;
  std::vector<frame> frames_;
};

struct resize_run {
  std::vector<resizing_sink::frame> frames;
  int allocations = 0;
  caps src_caps;
};

/// Runs `testsrc name=src pattern=solid num-buffers=6 width=320 height=24 <props> ! <middle>
/// resizing_sink name=out` to EOS with the sink answering pad-alloc with `width` from
/// its `resize_after`-th allocation on.
inline resize_run run_resizing(const std::string& testsrc_props, int width, int resize_after,
                               const std::string& middle = "") {
  element_registry registry(test_runtime());
  register_builtin_elements(registry);
  registry.add(resizing_sink::factory());
  auto p = build("testsrc name=src pattern=solid num-buffers=6 width=320 height=24 " + testsrc_props +
                     " ! " + middle + " resizing_sink name=out",
                 registry);
  resize_run r;
  if (!p) return r;
  auto* sink = dynamic_cast<resizing_sink*>(p->find("out"));
  sink->width = width;
  sink->resize_after = resize_after;
  EXPECT_TRUE(play_to_eos(*p).eos);
  r.frames = sink->frames();
  r.allocations = sink->allocations;
  r.src_caps = p->find("src")->static_pad(pad_direction::src)->current_caps();
  p->set_state(state::null_state);
  return r;
}

}  // namespace tessera::core::video_test
