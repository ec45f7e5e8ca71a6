// queue: the model.
//
// Two sides meet under one mutex. The sink side (upstream's task) appends items:
// buffers, which count toward the level, and serialized events, which do not. The
// source side (our task) pops the oldest item and pushes it by a plain call; what
// that call defers (a prerolling sink, a slow identity) is drained before the next
// pop. Who waits on what:
//  - the output task waits on `output_wake_` while there is nothing it may push
//    (empty, or downstream stopped taking data and no EOS is queued);
//  - an upstream task with a buffer that does not fit keeps it in `pending_`,
//    defers the queue, and waits on `space_wake_` until it fits, a flush, or a
//    downstream failure it must hear about; a caller outside any task (a direct
//    push from a test) blocks on `space_cv_` instead, since it is not a pool thread.
// "Fits": the queue is empty, or adding the buffer keeps every limited dimension at
// or under its limit. So a level exceeds a limit only when one buffer alone does.
//
// Downstream results: anything but ok is remembered in `srcresult_` and returned to
// upstream by its next push, which is how upstream learns about EOS, not-linked or
// errors (GStreamer's srcresult). If upstream has already sent EOS it will not push
// again: the queue then reports not-linked/not-negotiated itself and lets the EOS
// through so the sinks still finish. A segment resets a downstream EOS.

#include "core/elements/routing/queue.hpp"

#include "core/graph/element_factory.hpp"
#include "core/sched/element_task.hpp"
#include "core/tiles/frame_residency.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace tessera::core {

namespace asio = boost::asio;

namespace {

property_spec read_only(property_spec p) {
  p.writable = false;
  return p;
}

bool is_eos_item(const std::variant<buffer, event>& d) {
  const auto* ev = std::get_if<event>(&d);
  return ev && ev->is<event_eos>();
}
}  // namespace

std::unique_ptr<element_factory> queue::factory() {
  return make_factory<queue>(
      "queue", "Queue", "Generic", "Simple data queue: a thread boundary with size limits",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
       pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {int_property("max-size-buffers", "Max. number of buffers in the queue (0 = no limit)", 200, 0, UINT32_MAX),
       int_property("max-size-bytes", "Max. amount of data in the queue (bytes, 0 = no limit)", 10 * 1024 * 1024, 0,
                    UINT32_MAX),
       int_property("max-size-time", "Max. amount of data in the queue (in ns, 0 = no limit)", ns_per_second, 0,
                    INT64_MAX),
       enum_property("leaky", "Where the queue leaks, if at all", "no",
                     {{leaky_no, "no", "Not Leaky"},
                      {leaky_upstream, "upstream", "Leaky on upstream (new buffers)"},
                      {leaky_downstream, "downstream", "Leaky on downstream (old buffers)"}}),
       read_only(int_property("current-level-buffers", "Current number of buffers in the queue", 0, 0, INT64_MAX)),
       read_only(int_property("current-level-bytes", "Current amount of data in the queue (bytes)", 0, 0, INT64_MAX)),
       read_only(int_property("current-level-time", "Current amount of data in the queue (in ns)", 0, 0, INT64_MAX)),
       read_only(int_property("dropped", "Buffers dropped by leaking since the queue started", 0, 0, INT64_MAX))});
}

queue::queue(const element_factory& f, std::string name)
    : element(f, std::move(name)),
      prop_max_buffers_(property_index("max-size-buffers")),
      prop_max_bytes_(property_index("max-size-bytes")),
      prop_max_time_(property_index("max-size-time")),
      prop_leaky_(property_index("leaky")),
      prop_cur_buffers_(property_index("current-level-buffers")),
      prop_cur_bytes_(property_index("current-level-bytes")),
      prop_cur_time_(property_index("current-level-time")),
      prop_dropped_(property_index("dropped")),
      sinkpad_(static_pad(pad_direction::sink)),
      srcpad_(static_pad(pad_direction::src)),
      output_wake_(executor()),
      space_wake_(executor()),
      task_(this->name() + ":src") {}

queue::~queue() {
  {
    std::lock_guard lock(mutex_);
    flushing_ = true;
  }
  stop_task();
}

// ---------------------------------------------------------------- sink side

flow queue::chain(pad& sinkpad, buffer&& b) {
  std::unique_lock lock(mutex_);
  if (flushing_ || sinkpad.flushing()) return flow::flushing;
  if (srcresult_ != flow::ok) {
    srcresult_reported_ = true;
    return srcresult_;
  }
  if (eos_received_) return flow::eos;
  item it = make_item_locked(std::move(b));
  if (pending_.empty() && place_locked(it)) return flow::ok;
  if (task_context* ctx = task_context::current()) {
    // Keep the buffer aside; the task awaits wait_ready() once its call stack has
    // unwound, and resume() queues it.
    pending_.push_back(std::move(it));
    ctx->defer(*this);
    return flow::ok;
  }
  // A caller outside any streaming task (a direct push) is not a pool thread: it may block.
  ++blocked_callers_;
  bool placed = false;
  space_cv_.wait(lock, [&] {
    if (flushing_ || srcresult_ != flow::ok) return true;
    placed = pending_.empty() && place_locked(it);
    return placed;
  });
  --blocked_callers_;
  if (placed) return flow::ok;
  if (flushing_) return flow::flushing;
  srcresult_reported_ = true;
  return srcresult_;
}

bool queue::place_locked(item& it) {
  // Queues `it` (moving it) or drops per the leaky mode: true when done with it,
  // false when it must wait for space.
  if (fits_locked(it)) {
    push_locked(std::move(it));
    it.data = buffer{};
    return true;
  }
  switch (props().get_enum(prop_leaky_)) {
    case leaky_upstream:
      ++dropped_;
      publish_level_locked();
      return true;
    case leaky_downstream:
      while (level_buffers_ > 0 && !fits_locked(it)) drop_oldest_buffer_locked();
      push_locked(std::move(it));
      it.data = buffer{};
      return true;
    default: return false;
  }
}

asio::awaitable<void> queue::wait_ready() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (flushing_ || srcresult_ != flow::ok || pending_.empty() || fits_locked(pending_.front()) ||
          props().get_enum(prop_leaky_) != leaky_no)
        co_return;
      upstream_waiting_ = true;
    }
    co_await space_wake_.wait();
  }
}

flow queue::resume() {
  std::lock_guard lock(mutex_);
  if (flushing_) {
    pending_.clear();
    return flow::flushing;
  }
  if (srcresult_ != flow::ok) {
    pending_.clear();
    srcresult_reported_ = true;
    return srcresult_;
  }
  if (pending_.empty()) return flow::ok;
  if (!place_locked(pending_.front())) {
    // Still no room (a limit was lowered meanwhile): wait again.
    if (task_context* ctx = task_context::current()) ctx->defer(*this);
    return flow::ok;
  }
  pending_.pop_front();
  // Events that arrived behind this buffer go in with it (they never wait for space).
  while (!pending_.empty() && !pending_.front().is_buffer()) {
    push_locked(std::move(pending_.front()));
    pending_.pop_front();
  }
  return flow::ok;
}

latency_info queue::query_latency(pad& srcpad) {
  const latency_info up = element::query_latency(srcpad);
  const clock_time max_time = props().get_int(prop_max_time_);
  const bool leaks = props().get_enum(prop_leaky_) != leaky_no;
  // A leaky queue never holds more than its limits; a blocking one without a time
  // limit can hold any amount of time when its other limits are in buffers or bytes.
  if (max_time > 0) return up.plus(0, max_time);
  return up.plus(0, leaks ? 0 : time_none);
}

bool queue::event(pad& p, core::event ev) {
  if (&p != sinkpad_) return element::event(p, std::move(ev));  // upstream events go on at once
  if (ev.is<event_flush_start>()) {
    flush_start(std::move(ev));
    return true;
  }
  if (ev.is<event_flush_stop>()) {
    flush_stop(std::move(ev));
    return true;
  }
  if (auto* c = ev.get<event_caps>()) {
    if (!accept_caps(p, c->caps)) {
      post_error(errc::not_negotiated, name() + " does not accept caps " + c->caps.to_string());
      return false;
    }
    p.set_current_caps(c->caps);
  }
  if (ev.is_serialized()) return enqueue_event(std::move(ev));
  return element::event(p, std::move(ev));
}

bool queue::enqueue_event(core::event ev) {
  flow report = flow::ok;
  {
    std::lock_guard lock(mutex_);
    if (flushing_) return false;
    const bool eos = ev.is<event_eos>();
    if (auto* s = ev.get<event_segment>()) {
      sink_segment_ = s->segment;
      if (srcresult_ == flow::eos) srcresult_ = flow::ok;  // a new segment: downstream may take data again
    }
    if (srcresult_ != flow::ok) {
      if (!eos) return false;
      // Downstream stopped taking data and upstream is done: only the EOS goes on,
      // so the sinks finish; report a failure nobody upstream has heard of.
      if (!srcresult_reported_ && (srcresult_ == flow::not_linked || srcresult_ == flow::not_negotiated))
        report = srcresult_;
      srcresult_reported_ = true;
      clear_locked();
      eos_received_ = true;
      push_locked(item{std::move(ev)});
    } else {
      if (eos_received_) return false;  // nothing after EOS until a flush
      if (eos) eos_received_ = true;
      item it{std::move(ev)};
      if (!pending_.empty()) {
        pending_.push_back(std::move(it));  // behind the buffers waiting for space
      } else {
        push_locked(std::move(it));
      }
    }
  }
  if (report != flow::ok) post_error(errc::bad_state, name() + ": streaming stopped, reason " + std::string(to_string(report)));
  return true;
}

void queue::flush_start(core::event ev) {
  // Downstream first: a wait of our task down there (a prerolled sink) ends now.
  srcpad_->push_event(std::move(ev));
  {
    std::lock_guard lock(mutex_);
    flushing_ = true;
    clear_locked();
    wake_upstream_locked();
    space_wake_.notify();  // an upstream task may be between its check and its wait
  }
  stop_task();
}

void queue::flush_stop(core::event ev) {
  const bool active = current_state() >= state::paused;
  {
    std::lock_guard lock(mutex_);
    clear_locked();
    flushing_ = !active;
    srcresult_ = flow::ok;
    srcresult_reported_ = false;
    eos_received_ = false;
  }
  srcpad_->push_event(std::move(ev));
  if (active) start_task();
}

// ---------------------------------------------------------------- source side

asio::awaitable<task_body::readiness> queue::prepare() {
  bool wait = false;
  {
    std::lock_guard lock(mutex_);
    if (flushing_) co_return readiness::end;
    // After a downstream failure only a queued EOS may still go (handle_push_result).
    if (items_.empty() || (srcresult_ != flow::ok && !is_eos_item(items_.front().data))) {
      output_waiting_ = true;
      wait = true;
    } else {
      next_ = pop_front_locked();
    }
  }
  if (wait) {
    co_await output_wake_.wait();
    co_return readiness::again;
  }
  // A frame that waited here may have had tiles swapped out by the tile cache: read
  // them back off this thread before the push maps them. A read that fails here
  // fails again at the element's map, which reports it with the element's name.
  if (const buffer* b = std::get_if<buffer>(&next_.data); b != nullptr && needs_swap_in(*b)) {
    (void)co_await bring_in(*b);
  }
  co_return readiness::go;
}

flow queue::iterate() {
  item it = std::move(next_);
  return push_item(it);
}

bool queue::stopped(flow f) {
  handle_push_result(f);
  return true;  // a queued EOS may still go; a flush ends the task (prepare)
}

flow queue::push_item(item& it) {
  if (auto* b = std::get_if<buffer>(&it.data)) return srcpad_->push(std::move(*b));
  auto& ev = std::get<core::event>(it.data);
  const bool eos = ev.is<event_eos>();
  const bool is_caps = ev.is<event_caps>();
  const bool ok = srcpad_->push_event(std::move(ev));
  if (eos) return flow::eos;  // nothing goes downstream after EOS until a flush
  if (is_caps && !ok && srcpad_->is_linked() && !srcpad_->peer()->flushing()) return flow::not_negotiated;
  return flow::ok;
}

void queue::handle_push_result(flow f) {
  flow report = flow::ok;
  {
    std::lock_guard lock(mutex_);
    if (flushing_) return;
    srcresult_ = f;
    srcresult_reported_ = false;
    if (!items_.empty() && is_eos_item(items_.back().data)) {
      // Upstream already sent EOS, so it will never hear this: report it here and
      // let the EOS through alone.
      item eos = std::move(items_.back());
      clear_locked();
      push_locked(std::move(eos));
      if (f == flow::not_linked || f == flow::not_negotiated) report = f;
      srcresult_reported_ = true;
    }
    wake_upstream_locked();
    space_wake_.notify();
  }
  if (report != flow::ok) post_error(errc::bad_state, name() + ": streaming stopped, reason " + std::string(to_string(report)));
}

void queue::start_task() { start_streaming(*this, task_, *this); }

void queue::stop_task() {
  task_.request_stop();
  output_wake_.notify();
  task_.join();
  output_wake_.reset();
}

// ---------------------------------------------------------------- control

state_change queue::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    const auto r = element::change_state(from, to);
    if (r == state_change::failure) return r;
    {
      std::lock_guard lock(mutex_);
      dropped_ = 0;
      clear_locked();
      sink_segment_ = core::segment{};
      flushing_ = false;
      srcresult_ = flow::ok;
      srcresult_reported_ = false;
      eos_received_ = false;
    }
    start_task();
    return r;
  }
  if (from == state::paused && to == state::ready) {
    sinkpad_->set_flushing(true);
    {
      std::lock_guard lock(mutex_);
      flushing_ = true;
      clear_locked();
      wake_upstream_locked();
      space_wake_.notify();
    }
    stop_task();
    return element::change_state(from, to);
  }
  return element::change_state(from, to);
}

void queue::property_changed(std::size_t index) {
  if (index != prop_max_buffers_ && index != prop_max_bytes_ && index != prop_max_time_ && index != prop_leaky_) return;
  // New limits may make room for a waiting buffer.
  std::lock_guard lock(mutex_);
  upstream_waiting_ = true;
  wake_upstream_locked();
  if (blocked_callers_ > 0) space_cv_.notify_all();
}

}  // namespace tessera::core
