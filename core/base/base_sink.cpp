#include "core/base/base_sink.hpp"

#include "core/graph/pipeline.hpp"

namespace tessera::core {

namespace {
void bump(std::atomic<std::uint64_t>& c) { c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed); }
}  // namespace

std::vector<property_spec> base_sink::common_properties(bool sync_default) {
  return {
      bool_property("sync", "Render buffers at their running time on the pipeline clock", sync_default),
      int_property("max-lateness", "Drop buffers later than this many ns (-1: never)", sync_default ? 20'000'000 : -1,
                   -1, INT64_MAX),
      bool_property("qos", "Report lateness upstream (QoS events) and on the bus", sync_default),
      bool_property("async", "Preroll: hold the first buffer in PAUSED", true, mutability::ready),
  };
}

base_sink::base_sink(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      sinkpad_(static_pad(pad_direction::sink)),
      prop_sync_(property_index("sync")),
      prop_max_lateness_(property_index("max-lateness")),
      prop_qos_(property_index("qos")),
      prop_async_(property_index("async")),
      wake_(executor()) {}

flow base_sink::chain(pad& p, buffer&& b) {
  (void)p;
  if (is_valid_time(b.pts)) last_pts_.store(b.pts, std::memory_order_relaxed);
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
    held_.push_back(std::move(b));
    holding_.store(!held_.empty(), std::memory_order_relaxed);
  }
  ctx->defer(*this);
  return flow::ok;
}

boost::asio::awaitable<void> base_sink::wait_ready() {
  for (;;) {
    clock_time deadline = time_none;
    clock_time rt = time_none;
    {
      std::lock_guard lock(mutex_);
      if (sinkpad_->flushing() || held_.empty()) co_return;
      if (current_state() == state::playing) {
        if (!props().get_bool(prop_sync_)) co_return;
        rt = sinkpad_->segment().to_running_time(held_.front().pts);
        if (!is_valid_time(rt)) co_return;
      }
    }
    if (is_valid_time(rt)) {
      // base_time() takes the pipeline's state lock, so never under mutex_: the
      // control thread holds the state lock when change_state takes mutex_.
      deadline = base_time() + rt;
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
  buffer b;
  {
    std::lock_guard lock(mutex_);
    if (sinkpad_->flushing()) {
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
      return flow::flushing;
    }
    if (held_.empty()) return flow::ok;
    b = std::move(held_.front());
    held_.pop_front();
    holding_.store(!held_.empty(), std::memory_order_relaxed);
    if (current_state() != state::playing) {
      // Left PLAYING while we waited (READY: flushing handled above): hold it again.
      held_.push_front(std::move(b));
      holding_.store(!held_.empty(), std::memory_order_relaxed);
      if (auto* ctx = task_context::current()) ctx->defer(*this);
      return flow::ok;
    }
  }
  if (props().get_bool(prop_sync_)) {
    const clock_time rt = sinkpad_->segment().to_running_time(b.pts);
    const std::int64_t max_late = props().get_int(prop_max_lateness_);
    if (is_valid_time(rt) && max_late >= 0) {
      const clock_time lateness = monotonic_now() - (base_time() + rt);
      if (lateness > max_late) {
        bump(dropped_);
        if (props().get_bool(prop_qos_)) {
          sinkpad_->push_event(event_qos{qos_report{1.0, lateness, rt}});
          message m(message_type::qos, name());
          m.set("processed", static_cast<std::int64_t>(rendered()))
              .set("dropped", static_cast<std::int64_t>(dropped()))
              .set("lateness_ns", static_cast<std::int64_t>(lateness))
              .set("running_time_ns", static_cast<std::int64_t>(rt));
          post(std::move(m));
        }
        return flow::ok;
      }
    }
  }
  return render_now(b);
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
      awaiting_segment_.store(true, std::memory_order_relaxed);
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
  const core::segment seg = sinkpad_->segment();
  if (current_state() == state::playing && props().get_bool(prop_sync_) && parent()) {
    // Interpolate from the clock between buffers, never behind the last one.
    const clock_time rt = running_time_now();
    if (is_valid_time(rt) && rt >= seg.base) {
      const clock_time t = seg.start + static_cast<clock_time>(static_cast<double>(rt - seg.base) * seg.rate);
      const clock_time stream = seg.to_stream_time(t);
      if (is_valid_time(stream) && (!is_valid_time(pts) || stream >= seg.to_stream_time(pts))) return stream;
    }
  }
  if (!is_valid_time(pts)) return std::nullopt;
  const clock_time stream = seg.to_stream_time(pts);
  return is_valid_time(stream) ? std::optional<clock_time>(stream) : std::optional<clock_time>(pts);
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
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
    }
    last_pts_.store(time_none, std::memory_order_relaxed);
    return props().get_bool(prop_async_) ? state_change::async : state_change::success;
  }
  if (from == state::paused && to == state::playing) {
    const auto r = element::change_state(from, to);
    wake_.notify();
    post_eos_if_ready();
    return r;
  }
  if (from == state::playing && to == state::paused) {
    wake_.notify();
    return element::change_state(from, to);
  }
  if (from == state::paused && to == state::ready) {
    sinkpad_->set_flushing(true);
    {
      std::lock_guard lock(mutex_);
      held_.clear();
      holding_.store(false, std::memory_order_relaxed);
    }
    wake_.notify();
    return element::change_state(from, to);
  }
  return element::change_state(from, to);
}

}  // namespace tessera::core
