#include "core/base/base_src.hpp"

#include "core/sched/element_task.hpp"
#include "core/sched/task_context.hpp"

#include <sstream>
#include <utility>

namespace tessera::core {

namespace asio = boost::asio;

namespace {
std::string rate_text(double rate) {
  std::ostringstream out;
  out << rate;  // -1, -0.5: no trailing zeros
  return out.str();
}
}  // namespace

base_src::base_src(const element_factory& f, std::string name)
    : element(f, std::move(name)), task_(this->name() + ":src"), wake_(executor()) {
  srcpad_ = static_pad(pad_direction::src);
}

base_src::~base_src() { stop_task(); }

segment base_src::current_segment() const {
  std::lock_guard lock(segment_mutex_);
  return segment_;
}

flow base_src::fill_range(std::uint64_t, std::size_t, buffer&) { return flow::not_linked; }

flow base_src::getrange(pad&, std::uint64_t offset, std::size_t size, buffer& out) {
  // An EOS sent to the pipeline reaches the sources; in pull mode there is no task to
  // push it, so the next range pulled ends the stream (GstBaseSrc does the same).
  if (eos_requested_.exchange(false)) return flow::eos;
  return fill_range(offset, size, out);
}

result<caps> base_src::fixate_caps(const caps& allowed) { return allowed.fixate(); }

void base_src::post_latency_if_changed() {
  const clock_time answered = answered_latency_.load(std::memory_order_relaxed);
  if (!is_live() || !is_valid_time(answered)) return;  // nobody asked yet
  if (live_latency(srcpad_->current_caps()) == answered) return;
  message m(message_type::latency, name());
  post(std::move(m));
}

latency_info base_src::query_latency(pad&) {
  if (!is_live()) return {};
  // A live source negotiates in its task, which waits for PLAYING: when the pipeline
  // asks (on the way to PLAYING) there may be no caps yet, so answer for the caps
  // negotiation would pick now.
  caps c = srcpad_->current_caps();
  if (c.is_empty() || !c.is_fixed()) {
    const caps& tmpl = srcpad_->templ().caps;
    const caps allowed = srcpad_->is_linked() ? srcpad_->peer_query_caps(&tmpl) : tmpl;
    if (auto fixed = fixate_caps(allowed)) c = *fixed;
  }
  const clock_time l = live_latency(c);
  answered_latency_.store(l, std::memory_order_relaxed);
  return latency_info{true, l, time_none};
}

result<void> base_src::negotiate() {
  const caps& tmpl = srcpad_->templ().caps;
  // A source that can produce anything (fakesrc, filesrc) has no format to agree on:
  // it pushes bytes without caps, as GstBaseSrc does when its own caps are ANY, and
  // an element downstream that needs a format fails with not-negotiated.
  const caps allowed = tmpl.is_any() ? tmpl : srcpad_->peer_query_caps(&tmpl);
  if (allowed.is_any()) {
    // Nothing to agree on (fakesrc into fakesink): data flows without caps.
    need_negotiation_.store(false, std::memory_order_relaxed);
    return {};
  }
  if (allowed.is_empty())
    return fail(errc::not_negotiated, name() + ": downstream accepts none of " + tmpl.to_string());
  auto fixed = fixate_caps(allowed);
  if (!fixed) return fail(errc::not_negotiated, name() + ": " + fixed.error().message);
  return renegotiate_to(*fixed);
}

result<void> base_src::renegotiate_to(const caps& c) {
  if (!srcpad_->peer_accept_caps(c))
    return fail(errc::not_negotiated, name() + ": downstream does not accept " + c.to_string());
  if (auto r = set_caps(c); !r) return r;
  if (!srcpad_->push_event(event_caps{c}) && srcpad_->is_linked() && !srcpad_->peer()->flushing())
    return fail(errc::not_negotiated, name() + ": downstream refused caps " + c.to_string());
  need_negotiation_.store(false, std::memory_order_relaxed);
  return {};
}

asio::awaitable<task_body::readiness> base_src::prepare() {
  // A non-flushing seek handed over while the task ran (handle_seek) starts here.
  if (auto seek = take_pending_seek()) {
    if (!apply_segment(segment_for(*seek, false), seek->flags))
      post_error(errc::invalid_argument, name() + ": the seek to " + std::to_string(seek->start) + " ns failed");
  }
  if (is_live() && current_state() != state::playing) {
    co_await wake_.wait();  // state change, flush or stop
    co_return readiness::again;
  }
  if (!has_data() && !eos_requested_.load()) {
    co_await wake_.wait();  // data_arrived(), state change, flush, stop or EOS
    co_return readiness::again;
  }
  co_return readiness::go;
}

flow base_src::iterate() {
  if (need_stream_start_.load(std::memory_order_relaxed)) push_stream_start();
  if (eos_requested_.exchange(false)) {
    srcpad_->push_event(event_eos{});
    stream_ended_ = true;
    return flow::eos;
  }
  if (need_negotiation_.load(std::memory_order_relaxed)) {
    if (auto r = negotiate(); !r) {
      post_error(errc::not_negotiated, r.error().message);
      srcpad_->push_event(event_eos{});
      stream_ended_ = true;
      return flow::not_negotiated;
    }
    post_latency_if_changed();
  }
  if (need_segment_.exchange(false)) srcpad_->push_event(event_segment{current_segment()});
  buffer b;
  const flow f = create(b);
  if (f != flow::ok) return f;
  if (is_valid_time(b.pts)) {
    const bool backwards = current_segment().reverse();
    reached_.store(b.pts + (!backwards && is_valid_time(b.duration) ? b.duration : 0), std::memory_order_relaxed);
  }
  if (is_live() && is_valid_time(b.pts)) {
    // Live: hand the buffer out when the clock reaches its running time, at the boundary.
    clock_wait_.hold(std::move(b), current_segment().to_running_time(b.pts));
    task_context::current()->defer(clock_wait_);
    return flow::ok;
  }
  return srcpad_->push(std::move(b));
}

bool base_src::stopped(flow f) {
  // A non-flushing seek that came as the stream ended keeps the task for it.
  if (std::exchange(stream_ended_, false)) return !task_.stop_requested() && pending_seek_keeps_task();
  if (f == flow::eos && segment_seek_.load()) {
    post_segment_done();  // a segment seek: the application loops or ends it, no EOS
  } else if (f == flow::eos) {
    srcpad_->push_event(event_eos{});
  } else if (f == flow::flushing) {
    // A seek or a state change is stopping us; it restarts the task if needed.
  } else {
    if (f == flow::not_linked || f == flow::not_negotiated)
      post_error(f == flow::not_negotiated ? errc::not_negotiated : errc::bad_state,
                 name() + ": streaming stopped, reason " + std::string(to_string(f)));
    srcpad_->push_event(event_eos{});
  }
  return !task_.stop_requested() && pending_seek_keeps_task();
}

void base_src::clock_wait::hold(buffer&& b, clock_time running_time) noexcept {
  buffer_ = std::move(b);
  running_time_ = running_time;
  woken_early_ = false;
}

asio::awaitable<void> base_src::clock_wait::wait_ready() {
  const clock_time rt = running_time_;
  while (is_valid_time(rt) && co_await src_.wake_.wait_until(src_.base_time() + rt)) {
    // A notification kept from before this wait (e.g. the PAUSED -> PLAYING one that
    // raced with the task's start) is no reason to drop the buffer.
    if (src_.task_.stop_requested() || src_.srcpad_->flushing() || src_.current_state() != state::playing ||
        src_.eos_requested_.load()) {
      woken_early_ = true;
      break;
    }
  }
}

flow base_src::clock_wait::resume() {
  buffer b = std::move(buffer_);
  if (woken_early_) return flow::ok;  // flush, pause, stop, eos: the loop re-checks, the buffer is dropped
  return src_.srcpad_->push(std::move(b));
}

std::optional<seek_request> base_src::take_pending_seek() {
  std::lock_guard lock(pending_seek_mutex_);
  return std::exchange(pending_seek_, std::nullopt);
}

bool base_src::pending_seek_keeps_task() {
  std::lock_guard lock(pending_seek_mutex_);
  if (pending_seek_) return true;
  task_takes_seeks_ = false;
  return false;
}

void base_src::push_stream_start() {
  // Sticky: if a flush dropped it, it goes again ahead of the next data.
  if (srcpad_->push_event(event_stream_start{stream_id()}) || !srcpad_->is_linked() || !srcpad_->peer()->flushing())
    need_stream_start_.store(false, std::memory_order_relaxed);
}

void base_src::start_task() {
  {
    std::lock_guard lock(pending_seek_mutex_);
    task_takes_seeks_ = true;
  }
  start_streaming(*this, task_, *this);
}

void base_src::stop_task() {
  task_.request_stop();
  unlock();
  wake_.notify();
  task_.join();
  unlock_stop();
  wake_.reset();
  std::lock_guard lock(pending_seek_mutex_);
  task_takes_seeks_ = false;
  pending_seek_.reset();  // a flush or a state change supersedes it
}

state_change base_src::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    if (auto r = start(); !r) {
      post_error(r.error().code == make_error_code(errc::not_found) ? errc::not_found : errc::io_error,
                 r.error().message);
      return state_change::failure;
    }
    const auto r = element::change_state(from, to);
    if (r == state_change::failure) return r;
    {
      std::lock_guard lock(segment_mutex_);
      segment_ = core::segment{};
      segment_.format = format();
    }
    need_segment_ = true;
    need_stream_start_ = true;
    need_negotiation_ = true;
    eos_requested_ = false;
    reached_ = time_none;
    answered_latency_ = time_none;
    segment_seek_ = false;
    if (srcpad_->mode() == pad_mode::push) start_task();
    return is_live() ? state_change::no_preroll : state_change::success;
  }
  if (from == state::paused && to == state::playing) {
    wake_.notify();
    return element::change_state(from, to);
  }
  if (from == state::playing && to == state::paused) {
    wake_.notify();
    element::change_state(from, to);
    return is_live() ? state_change::no_preroll : state_change::success;
  }
  if (from == state::paused && to == state::ready) {
    srcpad_->set_flushing(true);
    stop_task();
    const auto r = element::change_state(from, to);
    stop();
    return r;
  }
  return element::change_state(from, to);
}

bool base_src::send_event(core::event ev) {
  if (ev.is<event_eos>()) {
    eos_requested_ = true;
    wake_.notify();
    return true;
  }
  return element::send_event(std::move(ev));
}

bool base_src::event(pad& p, core::event ev) {
  if (auto* s = ev.get<event_seek>()) return handle_seek(s->request);
  if (ev.is<event_reconfigure>()) {
    request_renegotiation();
    return true;
  }
  if (ev.is<event_qos>()) return true;  // a source has nobody upstream to tell
  return element::event(p, std::move(ev));
}

std::optional<std::string> base_src::seek_refusal(const seek_request& r) const {
  if (!is_seekable()) return "cannot seek: its stream is not seekable";
  if (r.format != format())
    return std::string("cannot seek in ") + (r.format == seek_format::time ? "time" : "bytes") + ": it seeks in " +
           (format() == seek_format::time ? "time" : "bytes");
  if (r.rate < 0 && !can_play_backwards())
    return "cannot seek with rate " + rate_text(r.rate) + ": it only plays forwards (rate > 0)";
  if (auto ok = check_seek(r); !ok) return ok.error().message;
  return std::nullopt;
}

bool base_src::handle_seek(const seek_request& r) {
  std::lock_guard seek_lock(seek_mutex_);
  if (r.seqnum != 0 && r.seqnum == last_seek_seqnum_) return last_seek_handled_;  // already done via another sink
  last_seek_seqnum_ = r.seqnum;
  last_seek_handled_ = false;
  // Everything that can refuse the seek comes before the flush: a refused seek
  // leaves the stream, its position and its playback as they were.
  if (auto why = seek_refusal(r)) return refuse_seek(r, std::move(*why));
  const bool flush = has(r.flags, seek_flags::flush);
  const bool pushing = srcpad_->mode() == pad_mode::push && current_state() >= state::paused;
  if (!flush && pushing) {
    std::lock_guard lock(pending_seek_mutex_);
    if (task_takes_seeks_) {
      pending_seek_ = r;
      wake_.notify();  // a task waiting for data or PLAYING takes it now
      last_seek_handled_ = true;
      return true;
    }
  }
  if (flush) srcpad_->push_event(event_flush_start{});
  if (pushing) stop_task();
  if (flush) srcpad_->push_event(event_flush_stop{});
  const bool ok = apply_segment(segment_for(r, flush), r.flags);
  if (pushing) start_task();
  last_seek_handled_ = ok;
  return ok;
}

core::segment base_src::segment_for(const seek_request& r, bool flush) const {
  core::segment seg = current_segment();
  // A flushing seek starts the running time again at 0 (the sinks reset the clock on
  // flush-stop); a non-flushing one goes on from the running time the stream reached.
  clock_time accumulated = 0;
  if (!flush) {
    const clock_time reached_rt = seg.format == seek_format::time ? seg.to_running_time(reached_.load()) : time_none;
    accumulated = is_valid_time(reached_rt) ? reached_rt : seg.base;
  }
  seg.rate = r.rate;
  seg.start = r.start;
  seg.stop = r.stop;
  seg.time = r.start;
  seg.base = accumulated;
  seg.position = r.rate < 0 ? r.stop : r.start;
  return seg;
}

bool base_src::apply_segment(core::segment seg, seek_flags flags) {
  seek_flags_.store(flags);
  const bool ok = do_seek(seg);
  {
    std::lock_guard lock(segment_mutex_);
    segment_ = seg;
  }
  reached_.store(time_none);  // nothing of the new segment made yet
  segment_seek_.store(has(flags, seek_flags::segment));
  need_segment_ = true;
  eos_requested_ = false;
  return ok;
}

void base_src::post_segment_done() {
  // Where the segment ended: its stop, or where the stream ran out; backward, its start.
  const core::segment seg = current_segment();
  clock_time position = seg.reverse() ? seg.start : seg.stop;
  if (!seg.reverse() && !is_valid_time(position)) position = reached_.load();
  message m(message_type::segment_done, name());
  m.set("position_ns", static_cast<std::int64_t>(is_valid_time(position) ? position : seg.start));
  post(std::move(m));
}

std::optional<std::int64_t> base_src::query_duration(seek_format f) const {
  if (f == seek_format::bytes) {
    if (auto bytes = size_bytes()) return static_cast<std::int64_t>(*bytes);
    return std::nullopt;
  }
  return time_duration();
}

}  // namespace tessera::core
