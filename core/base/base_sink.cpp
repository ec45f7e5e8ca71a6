#include "core/base/base_sink.hpp"

#include "core/graph/pipeline.hpp"
#include "core/support/stat_counter.hpp"

#include <algorithm>
#include <cmath>

namespace tessera::core {

std::vector<property_spec> base_sink::common_properties(bool sync_default, bool video_sink) {
  // GStreamer's defaults: a base sink drops nothing and reports nothing; video sinks
  // drop frames more than 20 ms late and send QoS upstream.
  return {
      bool_property("sync", "Render buffers at their running time on the pipeline clock", sync_default),
      int_property("max-lateness", "Drop buffers later than their end plus this many ns (-1: never)",
                   video_sink ? 20'000'000 : -1, -1, INT64_MAX),
      bool_property("qos", "Send QoS events upstream for every buffer and report drops on the bus", video_sink),
      bool_property("async", "Preroll: hold the first buffer in PAUSED", true, mutability::ready),
      int_property("processing-deadline",
                   "Time (ns) the elements of a live pipeline may take on a buffer, added to its latency", 20'000'000,
                   0, INT64_MAX),
  };
}

base_sink::base_sink(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      sinkpad_(static_pad(pad_direction::sink)),
      prop_sync_(property_index("sync")),
      prop_max_lateness_(property_index("max-lateness")),
      prop_qos_(property_index("qos")),
      prop_async_(property_index("async")),
      prop_deadline_(property_index("processing-deadline")),
      wake_(executor()) {}

flow base_sink::chain(pad& p, buffer&& b) {
  (void)p;
  if (is_valid_time(b.pts)) {
    last_pts_.store(b.pts, std::memory_order_relaxed);
    last_end_.store(is_valid_time(b.duration) ? b.pts + b.duration : time_none, std::memory_order_relaxed);
  }
  // Buffers still held (e.g. the preroll buffer, when PLAYING came in the middle of an
  // upstream chain call that pushes several) go first: only then may one skip the queue.
  if (current_state() == state::playing && !props().get_bool(prop_sync_) &&
      !holding_.load(std::memory_order_relaxed)) [[likely]] {
    return render_now(b);
  }
  return defer_buffer(std::move(b));
}

flow base_sink::defer_buffer(buffer&& b) {
  task_context* ctx = task_context::current();
  bool first_preroll = false;
  {
    std::lock_guard lock(mutex_);
    if (sinkpad_->flushing()) return flow::flushing;
    if (current_state() < state::playing && !prerolled_) {
      prerolled_ = true;
      first_preroll = true;
    }
  }
  if (first_preroll) {
    if (const flow f = preroll(b); f != flow::ok) return f;
    if (parent()) parent()->async_done(*this);
  }
  if (!ctx) {
    // Not inside a streaming task (a direct call): nothing can wait; render now.
    return render_now(b);
  }
  {
    std::lock_guard lock(mutex_);
    held_.push_back(held_buffer{std::move(b), time_none});
    holding_.store(!held_.empty(), std::memory_order_relaxed);
  }
  ctx->defer(*this);
  return flow::ok;
}

boost::asio::awaitable<void> base_sink::wait_ready() {
  for (;;) {
    clock_time deadline = time_none;
    clock_time rt = time_none;
    bool preroll_front = false;
    held_buffer to_preroll;
    {
      std::lock_guard lock(mutex_);
      if (sinkpad_->flushing() || held_.empty()) co_return;
      if (current_state() == state::playing) {
        if (!props().get_bool(prop_sync_)) co_return;
        held_buffer& front = held_.front();
        rt = sinkpad_->segment().buffer_running_time(front.b.pts, front.b.duration);
        if (!is_valid_time(rt)) co_return;
        if (!is_valid_time(front.entered)) front.entered = monotonic_now();
      } else if (!prerolled_) {
        // PLAYING -> PAUSED while this buffer waited for its time: it is the preroll.
        prerolled_ = true;
        preroll_front = true;
        to_preroll = std::move(held_.front());
        held_.pop_front();
      }
    }
    if (preroll_front) {
      (void)preroll(to_preroll.b);  // a failing preroll posts its own error
      to_preroll.entered = time_none;  // its jitter counts from PLAYING again
      {
        std::lock_guard lock(mutex_);
        if (!sinkpad_->flushing()) held_.push_front(std::move(to_preroll));
        holding_.store(!held_.empty(), std::memory_order_relaxed);
      }
      if (parent()) parent()->async_done(*this);
      continue;
    }
    if (is_valid_time(rt)) {
      // base_time() takes the pipeline's clock lock, so never under mutex_: the
      // control thread holds the state lock when change_state takes mutex_.
      deadline = base_time() + rt + latency();
      if (deadline <= monotonic_now()) co_return;
    }
    if (deadline == time_none) {
      co_await wake_.wait();  // PLAYING, flush or a state change
    } else if (!co_await wake_.wait_until(deadline)) {
      co_return;  // the clock reached the buffer's time
    }
  }
}

flow base_sink::resume() {
  held_buffer h;
  {
    std::lock_guard lock(mutex_);
    if (sinkpad_->flushing()) {
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
      return flow::flushing;
    }
    if (held_.empty()) return flow::ok;
    h = std::move(held_.front());
    held_.pop_front();
    holding_.store(!held_.empty(), std::memory_order_relaxed);
    if (current_state() != state::playing) {
      // Left PLAYING while we waited (READY: flushing handled above): hold it again,
      // and measure its jitter afresh once PLAYING again.
      h.entered = time_none;
      held_.push_front(std::move(h));
      holding_.store(!held_.empty(), std::memory_order_relaxed);
      if (auto* ctx = task_context::current()) ctx->defer(*this);
      return flow::ok;
    }
  }
  const flow f = props().get_bool(prop_sync_) ? render_synced(h.b, h.entered) : render_now(h.b);
  bool eos_now = false;
  {
    std::lock_guard lock(mutex_);
    if (eos_after_held_ && held_.empty()) {
      eos_after_held_ = false;
      eos_now = true;
    }
  }
  if (eos_now) handle_eos();
  return f;
}

flow base_sink::render_synced(buffer& b, clock_time entered) {
  const core::segment seg = sinkpad_->segment();
  sink_qos::observation o;
  o.start = seg.buffer_running_time(b.pts, b.duration);
  if (!is_valid_time(o.start)) return render_now(b);  // nothing to synchronise on
  if (is_valid_time(b.duration))
    o.stop = o.start + static_cast<clock_time>(static_cast<double>(b.duration) / std::abs(seg.rate));
  const clock_time due = base_time() + o.start + latency();
  o.jitter = (is_valid_time(entered) ? entered : monotonic_now()) - due;
  qos_.observe_arrival(o.start);
  const bool late = qos_.too_late(o, props().get_int(prop_max_lateness_));
  if (qos_.emergency())
    post_warning("a lot of buffers are being dropped (nothing rendered for a second): there may be a "
                 "timestamping problem, or this computer is too slow");
  if (late) {
    bump(dropped_);
    if (props().get_bool(prop_qos_)) {
      send_qos(o, true);
      message m(message_type::qos, name());
      m.set("processed", static_cast<std::int64_t>(rendered()))
          .set("dropped", static_cast<std::int64_t>(dropped()))
          .set("jitter", static_cast<std::int64_t>(o.jitter))
          .set("proportion", qos_.proportion())
          .set("running_time_ns", static_cast<std::int64_t>(o.start));
      post(std::move(m));
    }
    return flow::ok;
  }
  const flow f = render_now(b);
  if (f == flow::ok && props().get_bool(prop_qos_)) send_qos(o, false);
  return f;
}

void base_sink::send_qos(const sink_qos::observation& o, bool dropped) {
  if (auto report = qos_.perform(o, dropped)) sinkpad_->push_event(event_qos{*report});
}

flow base_sink::render_now(buffer& b) {
  const flow f = render(b);
  if (f == flow::ok) bump(rendered_);
  return f;
}

bool base_sink::event(pad& p, core::event ev) {
  if (ev.is<event_flush_start>()) {
    {
      std::lock_guard lock(mutex_);
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
      eos_after_held_ = false;
    }
    wake_.notify();
    return true;
  }
  if (auto* fs = ev.get<event_flush_stop>()) {
    {
      std::lock_guard lock(mutex_);
      prerolled_ = false;
      got_eos_ = false;
      eos_posted_ = false;
      last_pts_.store(time_none, std::memory_order_relaxed);
      last_end_.store(time_none, std::memory_order_relaxed);
      awaiting_segment_.store(true, std::memory_order_relaxed);
      qos_.reset();  // the task is stopped by flush-start until after this
    }
    // The flushing seek's new segment starts at running time 0: restart the
    // pipeline's running time with it, before upstream restarts and pushes (the
    // flush-stop arrives ahead of any new buffer), or every buffer up to the time
    // already played would be due at once (a burst, or drops as late).
    if (fs->reset_time && parent()) parent()->reset_running_time();
    return true;
  }
  if (auto* c = ev.get<event_caps>()) {
    if (!accept_caps(p, c->caps)) {
      post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string());
      return false;
    }
    p.set_current_caps(c->caps);
    on_caps(c->caps);
    return true;
  }
  if (ev.is<event_eos>()) {
    {
      // EOS is serialized: buffers still held (an encoder drained several in one
      // call while we prerolled) are rendered first, then the stream ends (resume).
      std::lock_guard lock(mutex_);
      if (!held_.empty()) {
        eos_after_held_ = true;
        return true;
      }
    }
    handle_eos();
    return true;
  }
  if (ev.is<event_stream_start>()) {
    if (parent()) parent()->stream_start(*this);
    return true;
  }
  if (ev.is<event_segment>()) {
    // The pad already holds the new segment (pad::push_event stores it first).
    awaiting_segment_.store(false, std::memory_order_relaxed);
    return true;
  }
  return element::event(p, std::move(ev));
}

void base_sink::handle_eos() {
  {
    bool complete_preroll = false;
    {
      std::lock_guard lock(mutex_);
      got_eos_ = true;
      if (!prerolled_) {
        prerolled_ = true;
        complete_preroll = true;
      }
    }
    on_eos();
    if (complete_preroll && parent()) parent()->async_done(*this);
    post_eos_if_ready();
  }
}

bool base_sink::send_event(core::event ev) {
  if (auto* l = ev.get<event_latency>()) latency_.store(l->latency, std::memory_order_relaxed);
  return element::send_event(std::move(ev));
}

latency_info base_sink::query_latency(pad& p) {
  if (!props().get_bool(prop_sync_)) return {};
  latency_info l = element::query_latency(p);
  if (!l.live) return l;
  // GstBaseSink's processing deadline: the time the elements may take on a buffer of
  // a live source on top of its latency, unless the elements cannot buffer that much.
  const clock_time deadline = props().get_int(prop_deadline_);
  if (!is_valid_time(l.max) || l.min + deadline <= l.max) {
    l.min += deadline;
  } else {
    post_warning("not enough buffering for a processing deadline of " + std::to_string(deadline) +
                 " ns (add queues); the deadline is shortened to " + std::to_string(l.max - l.min) + " ns");
    l.min = l.max;
  }
  return l;
}

void base_sink::post_eos_if_ready() {
  {
    std::lock_guard lock(mutex_);
    if (!got_eos_ || eos_posted_ || current_state() != state::playing) return;
    eos_posted_ = true;
  }
  post(message(message_type::eos, name()));
}

std::optional<clock_time> base_sink::query_position() const {
  // Between a flush and the segment that follows it the pad still holds the old
  // segment: the position it gives is that of the stream before the seek.
  if (awaiting_segment_.load(std::memory_order_relaxed)) return std::nullopt;
  const clock_time pts = last_pts_.load(std::memory_order_relaxed);
  const clock_time end = last_end_.load(std::memory_order_relaxed);
  const core::segment seg = sinkpad_->segment();
  bool at_eos = false;
  {
    std::lock_guard lock(mutex_);
    at_eos = got_eos_;
  }
  // Forward, the stream goes from a buffer's pts to its end; backward, the other way.
  const clock_time first = seg.reverse() && is_valid_time(end) ? end : pts;
  const clock_time last = seg.reverse() || !is_valid_time(end) ? pts : end;
  auto stream_time = [&](clock_time t) -> std::optional<clock_time> {
    if (!is_valid_time(t)) return std::nullopt;
    const clock_time st = seg.to_stream_time(t);
    return is_valid_time(st) ? st : t;
  };
  // At EOS the stream has played to the end of its last buffer, and stays there.
  if (at_eos) return stream_time(last);
  if (current_state() == state::playing && props().get_bool(prop_sync_) && parent()) {
    // Interpolate from the clock between buffers, within the last buffer's span: not
    // behind where it starts, and not past where it ends (so a stalled stream, e.g.
    // after an error, does not look as if it still played).
    const clock_time rt = running_time_now();
    if (is_valid_time(rt) && rt >= seg.base) {
      const auto played = static_cast<clock_time>(static_cast<double>(rt - seg.base) * std::abs(seg.rate));
      clock_time t = seg.reverse() ? (is_valid_time(seg.stop) ? seg.stop - played : time_none) : seg.start + played;
      if (is_valid_time(t) && is_valid_time(first))
        t = seg.reverse() ? std::clamp(t, last, first) : std::clamp(t, first, last);
      if (is_valid_time(t)) return stream_time(t);
    }
  }
  return stream_time(first);  // backward, a buffer shows from its end
}

bool base_sink::is_prerolled() const {
  if (!props().get_bool(prop_async_)) return true;  // never part of an asynchronous preroll
  std::lock_guard lock(mutex_);
  return prerolled_ || got_eos_;
}

state_change base_sink::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    const auto r = element::change_state(from, to);
    if (r == state_change::failure) return r;
    {
      std::lock_guard lock(mutex_);
      prerolled_ = false;
      got_eos_ = false;
      eos_posted_ = false;
      eos_after_held_ = false;
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
      qos_.reset();
    }
    last_pts_.store(time_none, std::memory_order_relaxed);
    latency_.store(0, std::memory_order_relaxed);
    last_end_.store(time_none, std::memory_order_relaxed);
    return props().get_bool(prop_async_) ? state_change::async : state_change::success;
  }
  if (from == state::paused && to == state::playing) {
    const auto r = element::change_state(from, to);
    wake_.notify();
    post_eos_if_ready();
    return r;
  }
  if (from == state::playing && to == state::paused) {
    // GstBaseSink: prerolled only at EOS; otherwise the buffer waiting for its clock
    // time (wait_ready) or the next to arrive (defer_buffer) is the new preroll.
    bool at_eos = false;
    {
      std::lock_guard lock(mutex_);
      at_eos = got_eos_;
      if (!at_eos) prerolled_ = false;
    }
    wake_.notify();
    const auto r = element::change_state(from, to);
    if (r == state_change::failure || at_eos || !props().get_bool(prop_async_)) return r;
    return state_change::async;
  }
  if (from == state::paused && to == state::ready) {
    sinkpad_->set_flushing(true);
    {
      std::lock_guard lock(mutex_);
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
      eos_after_held_ = false;
    }
    wake_.notify();
    return element::change_state(from, to);
  }
  return element::change_state(from, to);
}

}  // namespace tessera::core
