#pragma once
// Test elements and helpers shared by the queue, tee, appsink and routing concurrency
// tests: a timestamped seekable source, a registry holding it and the harness's source
// and sink (tests/core/support/harness.hpp) beside the built-in elements, and bounded
// waits on pipelines.

#include "core/base/base_src.hpp"
#include "core/elements/routing/appsink.hpp"
#include "core/elements/routing/queue.hpp"
#include "core/elements/routing/tee.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"
#include "tests/core/support/harness.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tessera::core::routing_test {

using namespace std::chrono_literals;
using test::eventually;
using test::harness_sink;
using test::harness_src;

/// timedsrc: buffer n has pts = n * duration-ns, duration, offset n, and every byte
/// set to n % 100 (so never 0xAB, the test writers' mark). Seekable: a seek to t
/// restarts at buffer t / duration.
class timed_src final : public base_src {
 public:
  timed_src(const element_factory& f, std::string name)
      : base_src(f, std::move(name)),
        prop_num_buffers_(property_index("num-buffers")),
        prop_size_(property_index("size")),
        prop_duration_(property_index("duration-ns")) {}

  static std::unique_ptr<element_factory> factory() {
    return make_factory<timed_src>(
        "timedsrc", "Timed test source", "Source", "Timestamped numbered buffers for tests",
        {pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
        {int_property("num-buffers", "Buffers before EOS (-1: unlimited)", -1, -1, INT64_MAX),
         int_property("size", "Bytes per buffer", 16, 1, 1 << 20),
         int_property("duration-ns", "Duration of each buffer", 10'000'000, 1, INT64_MAX)});
  }

  /// Called by the streaming task before it makes buffer n; a test uses it to hold the
  /// source at a point of its choosing, so no result depends on thread timing.
  std::function<void(std::int64_t n)> before_create;

 protected:
  flow create(buffer& out) override {
    const std::int64_t limit = props().get_int(prop_num_buffers_);
    if (limit >= 0 && next_ >= limit) return flow::eos;
    if (before_create) before_create(next_);
    auto b = buffer::allocate(static_cast<std::size_t>(props().get_int(prop_size_)));
    if (!b) return flow::error;
    out = std::move(b).value();
    {
      auto map = out.map(map_access::write);
      if (!map) return flow::error;
      std::memset(map->data(), static_cast<int>(next_ % 100), map->size());
    }
    const std::int64_t d = props().get_int(prop_duration_);
    out.pts = next_ * d;
    out.duration = d;
    out.offset = static_cast<std::uint64_t>(next_);
    ++next_;
    return flow::ok;
  }
  bool is_seekable() const override { return true; }
  bool do_seek(core::segment& seg) override {
    next_ = seg.start / props().get_int(prop_duration_);
    return true;
  }
  result<void> start() override {
    next_ = 0;
    return {};
  }

 private:
  std::size_t prop_num_buffers_, prop_size_, prop_duration_;
  std::int64_t next_ = 0;  // touched by the task, and by do_seek while the task is stopped
};

/// The built-in elements plus timedsrc, harnesssrc and harnesssink.
inline element_registry& registry() {
  static element_registry* r = [] {
    auto* reg = new element_registry(test_runtime());
    register_builtin_elements(*reg);
    reg->add(timed_src::factory());
    reg->add(harness_src::factory());
    reg->add(harness_sink::factory());
    return reg;
  }();
  return *r;
}

inline std::unique_ptr<pipeline> build(const std::string& description) {
  auto p = build_pipeline(description, registry(), "test");
  EXPECT_TRUE(p) << description << ": " << (p ? std::string() : p.error().message);
  return p ? std::move(p).value() : nullptr;
}

template <class E>
E* get(pipeline& p, std::string_view name) {
  auto* e = dynamic_cast<E*>(p.find(name));
  EXPECT_NE(e, nullptr) << "no " << name;
  return e;
}

/// Waits for the pipeline's EOS message, failing on an error message or the deadline.
inline bool wait_eos(pipeline& p, std::chrono::milliseconds timeout = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = p.bus().pop_filtered(50ms, {message_type::eos, message_type::error});
    if (!m) continue;
    if (m->type == message_type::error) {
      ADD_FAILURE() << "error from " << m->source << ": " << m->get_string("message").value_or("");
      return false;
    }
    if (m->source == p.name()) return true;
  }
  ADD_FAILURE() << "no EOS within " << timeout.count() << " ms";
  return false;
}

/// Sets `target` and waits until the pipeline is there.
inline bool reach(pipeline& p, state target, std::chrono::milliseconds timeout = 20s) {
  if (p.set_state(target) == state_change::failure) {
    ADD_FAILURE() << "set_state(" << to_string(target) << ") failed";
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (p.wait_state(50ms) == target && !p.state_pending()) return true;
  }
  ADD_FAILURE() << "pipeline did not reach " << to_string(target) << " (at " << to_string(p.current_state()) << ")";
  return false;
}

/// Error messages on the bus so far (drains it).
inline std::vector<std::string> bus_errors(pipeline& p) {
  std::vector<std::string> out;
  while (auto m = p.bus().pop(0ms))
    if (m->type == message_type::error) out.push_back(m->source + ": " + m->get_string("message").value_or(""));
  return out;
}

inline std::int64_t int_prop(element& e, std::string_view name) {
  auto v = e.get_property(name);
  EXPECT_TRUE(v) << name;
  return v ? std::get<std::int64_t>(*v) : -1;
}

}  // namespace tessera::core::routing_test
