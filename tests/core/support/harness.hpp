#pragma once
/// The test harness, after GStreamer's GstHarness: one source the test pushes through
/// by hand, one sink that records what reaches it, and a rig that puts an element
/// between a source and an appsink so a test pushes in and pulls out.
///
///  - harness_src ("harnesssrc"): a source pad (ANY caps) and nothing else. The test
///    pushes caps, a segment and buffers from its own thread (no streaming task), so
///    each push runs downstream at once.
///  - harness_sink ("harnesssink", a base_sink): keeps a copy of every rendered buffer
///    with its timing, flags, caps and memories; logs the events and renders in
///    arrival order; counts prerolls, renders, EOS, stream starts and pad-allocs. It
///    answers pad-alloc as asked unless told otherwise: with fixed caps (property
///    alloc-caps, so a proxy's answer can be recognised), or with another width from
///    a given allocation on (a resized window, `answer_width` / `resize_after`).
///  - harness: `harnesssrc ! <element> ! appsink name=out sync=false`, PAUSED.
///  - harness_registry(): the built-in elements plus harnesssrc and harnesssink;
///    harness_pipeline() builds a description from it.
///
/// Counters and records are safe to read while a pipeline plays.

#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"

#include "core/base/base_sink.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "core/video/video_info.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tessera::core::test {

// ------------------------------------------------------------------ harness_src

class harness_src : public element {
 public:
  using element::element;

  static std::vector<property_spec> properties() { return {}; }
  static std::unique_ptr<element_factory> factory(std::string name = "harnesssrc") {
    auto f = make_factory<harness_src>(std::move(name), "Harness source", "Source", "A source pad driven by the test",
                                       {src_template(caps::new_any())}, properties());
    f->registry = &test_runtime().registry();  // its elements stream on the test runtime
    return f;
  }
  static std::unique_ptr<element> make(std::string name) {
    static const auto f = factory();
    return f->create(*f, std::move(name));
  }

  pad& src() const { return *static_pad(pad_direction::src); }

  /// Sends caps and a time segment downstream.
  bool start_stream(const caps& c) {
    return src().push_event(event_caps{c}) && src().push_event(event_segment{segment{}});
  }
};

// ------------------------------------------------------------------ harness_sink

class harness_sink : public base_sink {
 public:
  harness_sink(const element_factory& f, std::string name)
      : base_sink(f, std::move(name)), prop_alloc_caps_(property_index("alloc-caps")) {}

  static std::vector<property_spec> properties() {
    auto p = base_sink::common_properties(false);
    p.push_back(string_property("alloc-caps", "Caps pad-alloc answers with (empty: the caps asked)", ""));
    return p;
  }
  static std::unique_ptr<element_factory> factory(std::string name = "harnesssink", caps accepted = caps::new_any()) {
    auto f = make_factory<harness_sink>(std::move(name), "Harness sink", "Sink", "Records what reaches it",
                                        {sink_template(std::move(accepted))}, properties());
    f->registry = &test_runtime().registry();
    return f;
  }

  /// One rendered buffer, copied out.
  struct record {
    clock_time pts = time_none;
    clock_time duration = time_none;
    std::uint64_t offset = 0;
    std::uint64_t offset_end = 0;
    bool discont = false;
    clock_time at = 0;  // monotonic_now() when rendered
    std::size_t size = 0;
    core::caps caps;                         // the sink pad's caps then
    std::vector<std::byte> bytes;            // every memory, in order
    std::vector<std::size_t> memory_sizes;   // where each memory's bytes end in `bytes`
    std::vector<std::string> allocators;     // each memory's allocator name
  };

  std::vector<record> records() const {
    std::lock_guard lock(mutex_);
    return records_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return records_.size();
  }
  /// The bytes of every rendered buffer, one after the other.
  std::vector<std::byte> all_bytes() const {
    std::vector<std::byte> out;
    for (const auto& r : records()) out.insert(out.end(), r.bytes.begin(), r.bytes.end());
    return out;
  }
  /// Event names and "B<pts>" for each render, in arrival order.
  std::vector<std::string> log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }
  std::vector<caps> caps_seen() const {
    std::lock_guard lock(mutex_);
    return caps_;
  }
  std::uint64_t preroll_count() const { return prerolls_.load(); }
  std::uint64_t render_count() const { return renders_.load(); }
  std::uint64_t eos_count() const { return eos_.load(); }
  std::uint64_t stream_start_count() const { return stream_starts_.load(); }
  std::uint64_t allocs() const { return allocs_.load(); }

  /// When > 0, pad-alloc answers video caps with this width (size from the caps, or
  /// width x height for caps without a video format), from allocation `resize_after` on.
  std::atomic<std::int64_t> answer_width{0};
  std::atomic<std::uint64_t> resize_after{0};
  /// Tells transforms upstream that pad-alloc may answer with other caps (set before
  /// the caps are negotiated), as a resizable sink does.
  std::atomic<bool> resizable{false};

  bool event(pad& p, core::event ev) override {
    if (ev.is<event_stream_start>()) stream_starts_.fetch_add(1);
    add_log(std::string(ev.name()));
    return base_sink::event(p, std::move(ev));
  }

  result<allocation> buffer_alloc(pad&, std::size_t size, const caps& c) override {
    const std::uint64_t n = allocs_.fetch_add(1);
    caps answer = c;
    const std::int64_t w = answer_width.load();
    if (const std::string fixed = props().get_string(prop_alloc_caps_); !fixed.empty()) {
      auto parsed = caps::parse(fixed);
      if (!parsed) return parsed.error();
      answer = std::move(*parsed);
    } else if (w > 0 && n >= resize_after.load() && !c.is_any() && !c.is_empty() &&
               c.structure_at(0)->get_int("width")) {
      answer = with_int_field(c, "width", w);
      auto info = video_info::from_caps(answer);
      size = info ? info->size()
                  : static_cast<std::size_t>(w * answer.structure_at(0)->get_int("height").value_or(1));
    }
    auto b = buffer::allocate(size);
    if (!b) return b.error();
    return allocation{std::move(b).value(), answer};
  }
  bool may_change_caps_on_alloc(const pad&) const override { return resizable.load() || answer_width.load() > 0; }

 protected:
  flow render(buffer& b) override {
    record r;
    r.pts = b.pts;
    r.duration = b.duration;
    r.offset = b.offset;
    r.offset_end = b.offset_end;
    r.discont = (static_cast<std::uint32_t>(b.flags) & static_cast<std::uint32_t>(buffer_flags::discont)) != 0;
    r.at = monotonic_now();
    r.size = b.size();
    r.caps = sinkpad().current_caps();
    for (std::size_t i = 0; i < b.n_memory(); ++i) {
      memory m = b.peek_memory(i);
      auto map = m.map(map_access::read);
      if (!map) return fail_flow(errc::invalid_argument, "harness_sink cannot read memory " + std::to_string(i) +
                                                            ": " + map.error().message);
      r.bytes.insert(r.bytes.end(), map->data(), map->data() + map->size());
      r.memory_sizes.push_back(r.bytes.size());
      r.allocators.emplace_back(m.allocator_name());
    }
    add_log("B" + std::to_string(b.pts));
    {
      std::lock_guard lock(mutex_);
      records_.push_back(std::move(r));
    }
    renders_.fetch_add(1);
    return flow::ok;
  }
  flow preroll(buffer&) override {
    prerolls_.fetch_add(1);
    return flow::ok;
  }
  void on_caps(const caps& c) override {
    std::lock_guard lock(mutex_);
    caps_.push_back(c);
  }
  void on_eos() override { eos_.fetch_add(1); }

 private:
  void add_log(std::string s) {
    std::lock_guard lock(mutex_);
    log_.push_back(std::move(s));
  }

  std::size_t prop_alloc_caps_;
  std::atomic<std::uint64_t> prerolls_{0}, renders_{0}, eos_{0}, allocs_{0}, stream_starts_{0};
  mutable std::mutex mutex_;
  std::vector<record> records_;
  std::vector<std::string> log_;
  std::vector<caps> caps_;
};

// ------------------------------------------------------------------ registry

/// The built-in elements plus harnesssrc and harnesssink, on the test runtime.
inline element_registry& harness_registry() {
  static element_registry* r = [] {
    auto* reg = new element_registry(test_runtime());
    register_builtin_elements(*reg);
    reg->add(harness_src::factory());
    reg->add(harness_sink::factory());
    return reg;
  }();
  return *r;
}

/// `description` built from harness_registry() with `limits`; a failure is a test
/// failure naming the problem (and nullptr).
inline std::unique_ptr<pipeline> harness_pipeline(const std::string& description, pipeline_limits limits = {}) {
  auto p = build_pipeline(description, harness_registry(), "test", std::move(limits));
  EXPECT_TRUE(p) << description << ": " << (p ? std::string() : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

// ------------------------------------------------------------------ harness

/// `harnesssrc ! <element> ! appsink name=out sync=false` in a PAUSED pipeline, linked
/// by hand: the test pushes from its own thread with `pusher` (a direct call, so the
/// sink renders at once) and pulls from `out`.
struct harness {
  std::unique_ptr<pipeline> p;
  harness_src* pusher = nullptr;
  element* middle = nullptr;
  appsink* out = nullptr;

  /// `sink_caps` (appsink's caps property) restricts what the sink accepts.
  explicit harness(std::string_view element_factory_name, std::string_view sink_caps = "",
                   pipeline_limits limits = {})
      : p(std::make_unique<pipeline>("harness", test_runtime(), std::move(limits))) {
    pusher = static_cast<harness_src*>(p->add(harness_src::make("pusher")).value());
    middle = p->add(test_runtime().registry().make(element_factory_name).value()).value();
    out = static_cast<appsink*>(p->add(test_runtime().registry().make("appsink", "out").value()).value());
    EXPECT_TRUE(out->set_property("sync", property_value{false}));
    if (!sink_caps.empty()) {
      EXPECT_TRUE(out->set_property("caps", property_value{std::string(sink_caps)}));
    }
    EXPECT_TRUE(link(pusher->src(), *middle->static_pad(pad_direction::sink)));
    EXPECT_TRUE(link(*middle->static_pad(pad_direction::src), out->sinkpad()));
    p->set_state(state::paused);  // async: the sink waits for its preroll buffer
  }
  ~harness() { p->set_state(state::null_state); }
  harness(const harness&) = delete;
  harness& operator=(const harness&) = delete;
};

}  // namespace tessera::core::test
