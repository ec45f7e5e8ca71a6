#pragma once
/// Plain test elements (no base class behaviour): probe_sink for pad-level tests
/// driven from the test thread (harness_src, in harness.hpp, is their source), delay
/// (holds each buffer for a while with a deferred wait) and fan (a tee with request
/// pads).

#include "tests/core/support/test_helpers.hpp"

#include "core/graph/element.hpp"
#include "core/graph/property.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <deque>
#include <mutex>

namespace tessera::core::test {

// ------------------------------------------------------------------ probe_sink

/// Keeps what arrives (buffers, events, allocation requests). Test-thread only.
class probe_sink : public element {
 public:
  using element::element;
  static std::vector<property_spec> properties() { return {}; }

  std::vector<buffer> buffers;
  std::vector<std::string> events;  // names in arrival order
  std::vector<caps> caps_events;
  std::vector<std::size_t> alloc_sizes;
  std::vector<caps> alloc_caps;
  /// When > 0, buffer_alloc answers with caps whose width is this (a resized sink).
  std::int64_t answer_width = 0;
  bool resizable = false;

  pad& sink() const { return *static_pad(pad_direction::sink); }

  flow chain(pad&, buffer&& b) override {
    buffers.push_back(std::move(b));
    return flow::ok;
  }
  bool event(pad& p, core::event ev) override {
    events.emplace_back(ev.name());
    if (auto* c = ev.get<event_caps>()) {
      if (!accept_caps(p, c->caps)) return false;
      caps_events.push_back(c->caps);
      p.set_current_caps(c->caps);
    }
    return true;
  }
  result<allocation> buffer_alloc(pad&, std::size_t size, const caps& c) override {
    alloc_sizes.push_back(size);
    alloc_caps.push_back(c);
    caps answer = c;
    if (answer_width > 0 && !c.is_any() && !c.is_empty() && c.structure_at(0)->get_int("width") &&
        *c.structure_at(0)->get_int("width") != answer_width) {
      answer = with_int_field(c, "width", answer_width);
      const auto h = answer.structure_at(0)->get_int("height").value_or(1);
      size = static_cast<std::size_t>(answer_width * h);
    }
    auto b = buffer::allocate(size);
    if (!b) return b.error();
    return allocation{std::move(b).value(), answer};
  }
  bool may_change_caps_on_alloc(const pad&) const override { return resizable || answer_width > 0; }
};

// ------------------------------------------------------------------ delay

/// Holds each buffer for `delay-ns` before pushing it on, without blocking the
/// thread (deferred wait). Outside a streaming task it pushes at once.
class delay : public element, private deferred_waiter {
 public:
  delay(const element_factory& f, std::string name)
      : element(f, std::move(name)), prop_delay_(property_index("delay-ns")), wake_(executor()) {}

  static std::vector<property_spec> properties() {
    return {int_property("delay-ns", "How long each buffer is held", 0, 0, 10'000'000'000)};
  }

  flow chain(pad& sinkpad, buffer&& b) override {
    task_context* ctx = task_context::current();
    const std::int64_t d = props().get_int(prop_delay_);
    pad* src = static_pad(pad_direction::src);
    if (!ctx || d == 0) return src->push(std::move(b));
    {
      std::lock_guard lock(mutex_);
      if (sinkpad.flushing()) return flow::flushing;
      held_.push_back({std::move(b), monotonic_now() + d});
    }
    ctx->defer(*this);
    return flow::ok;
  }

  bool event(pad& p, core::event ev) override {
    if (ev.is<event_flush_start>()) {
      {
        std::lock_guard lock(mutex_);
        held_.clear();
      }
      wake_.notify();
    }
    return element::event(p, std::move(ev));
  }

 protected:
  state_change change_state(state from, state to) override {
    const auto r = element::change_state(from, to);
    if (from == state::paused && to == state::ready) wake_.notify();
    return r;
  }

 private:
  struct held {
    buffer b;
    clock_time until;
  };

  boost::asio::awaitable<void> wait_ready() override {
    for (;;) {
      clock_time until = 0;
      {
        std::lock_guard lock(mutex_);
        if (held_.empty() || static_pad(pad_direction::sink)->flushing()) co_return;
        until = held_.front().until;
      }
      if (monotonic_now() >= until) co_return;
      co_await wake_.wait_until(until);
    }
  }

  flow resume() override {
    buffer b;
    {
      std::lock_guard lock(mutex_);
      if (static_pad(pad_direction::sink)->flushing()) {
        held_.clear();
        return flow::flushing;
      }
      if (held_.empty()) return flow::ok;
      b = std::move(held_.front().b);
      held_.pop_front();
    }
    return static_pad(pad_direction::src)->push(std::move(b));
  }

  std::size_t prop_delay_;
  wakeup wake_;
  std::mutex mutex_;
  std::deque<held> held_;
};

// ------------------------------------------------------------------ fan

/// A tee for the builder: request src pads src_%u, each gets a share of the buffer.
class fan : public element {
 public:
  using element::element;
  static std::vector<property_spec> properties() { return {}; }

  flow chain(pad&, buffer&& b) override {
    flow f = flow::not_linked;
    bool first = true;
    for (auto& p : pads())
      if (p->direction() == pad_direction::src) {
        const flow r = p->push(b.share());
        f = first ? r : combine_fanout(f, r);
        first = false;
      }
    return f;
  }
};

}  // namespace tessera::core::test
