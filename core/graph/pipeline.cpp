#include "core/graph/pipeline.hpp"

#include "core/graph/element_factory.hpp"
#include "core/threads/streaming_pool.hpp"
#include "core/graph/runtime.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace tessera::core {

pipeline::pipeline(std::string name, core::runtime& rt, pipeline_limits limits)
    : name_(std::move(name)), runtime_(&rt), limits_(std::move(limits)) {}

pipeline::~pipeline() {
  set_state(state::null_state);
  // Continuations posted by async_done must not outlive us.
  std::unique_lock lock(state_mutex_);
  state_cv_.wait(lock, [&] { return in_flight_.load() == 0; });
}

result<element*> pipeline::add(std::unique_ptr<element> e) {
  if (elements_.size() >= limits_.max_elements)
    return fail(errc::limit_exceeded, "pipeline \"" + name_ + "\" would have more than " +
                                          std::to_string(limits_.max_elements) + " elements");
  if (&e->runtime() != runtime_)
    return fail(errc::invalid_argument, "pipeline \"" + name_ + "\": element \"" + e->name() +
                                            "\" was made by the registry of another runtime");
  if (!e->name().empty() && find(e->name()))
    return fail(errc::invalid_argument, "pipeline \"" + name_ + "\" already has an element named \"" + e->name() + "\"");
  if (e->name().empty()) (void)e->set_property("name", property_value{unique_name(e->factory().name)});
  e->set_parent(this);
  elements_.push_back(std::move(e));
  return elements_.back().get();
}

std::string pipeline::unique_name(std::string_view factory) const {
  for (unsigned i = 0;; ++i) {
    std::string n = std::string(factory) + std::to_string(i);
    if (!find(n)) return n;
  }
}

element* pipeline::find(std::string_view n) const noexcept {
  for (auto& e : elements_)
    if (e->name() == n) return e.get();
  return nullptr;
}

std::vector<element*> pipeline::elements() const {
  std::vector<element*> out;
  out.reserve(elements_.size());
  for (auto& e : elements_) out.push_back(e.get());
  return out;
}

std::vector<element*> pipeline::sinks() const {
  std::vector<element*> out;
  for (auto& e : elements_)
    if (e->is_sink()) out.push_back(e.get());
  return out;
}

std::vector<element*> pipeline::sources() const {
  std::vector<element*> out;
  for (auto& e : elements_)
    if (e->is_source()) out.push_back(e.get());
  return out;
}

std::vector<element*> pipeline::sinks_first() const {
  // Depth = longest path to a sink following source pads; order by increasing depth,
  // so every element changes state after everything downstream of it.
  std::map<const element*, int> depth;
  auto depth_of = [&](auto&& self, const element* e, int guard) -> int {
    if (auto it = depth.find(e); it != depth.end()) return it->second;
    int d = 0;
    if (guard < 4096)
      for (auto& p : e->pads())
        if (p->direction() == pad_direction::src && p->peer())
          d = std::max(d, 1 + self(self, &p->peer()->parent(), guard + 1));
    depth[e] = d;
    return d;
  };
  std::vector<element*> out = elements();
  for (auto* e : out) depth_of(depth_of, e, 0);
  std::stable_sort(out.begin(), out.end(), [&](auto* a, auto* b) { return depth[a] < depth[b]; });
  return out;
}

state pipeline::current_state() const {
  std::lock_guard lock(state_mutex_);
  return current_;
}

state pipeline::target_state() const {
  std::lock_guard lock(state_mutex_);
  return target_;
}

bool pipeline::state_pending() const {
  std::lock_guard lock(state_mutex_);
  return pending_ || seek_prerolling_;
}

state pipeline::wait_state(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_mutex_);
  // error_ is set by streaming tasks without the state mutex, so its notification
  // can slip past the predicate check: wait in short slices.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while ((pending_ || seek_prerolling_) && !error_.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    state_cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(10)));
  }
  return current_;
}

void pipeline::set_current_locked(state s) {
  current_ = s;
  clock_running_.store(s == state::playing);
}

state_change pipeline::set_state(state target) {
  std::unique_lock lock(state_mutex_);
  target_ = target;
  seek_prerolling_ = false;  // a state change supersedes waiting for a seek's preroll
  // Going down while a preroll is pending, or back to PLAYING before the re-preroll of
  // PLAYING -> PAUSED finished: the elements are PAUSED already; stop waiting.
  if (pending_ && (target < state::paused || (current_ == state::playing && target == state::playing)))
    abandon_preroll_locked();
  return advance_locked(lock);
}

void pipeline::abandon_preroll_locked() {
  pending_ = false;
  async_waiting_.clear();
  const state old = current_;
  set_current_locked(state::paused);
  if (old == state::playing) {
    message m(message_type::state_changed, name_);
    m.set("old", "playing").set("new", "paused").set("pending", std::string(to_string(target_)));
    bus_.post(std::move(m));
  }
}

state_change pipeline::advance_locked(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  state_change overall = state_change::success;
  while (current_ != target_) {
    if (pending_) return state_change::async;
    const state next = current_ < target_ ? static_cast<state>(static_cast<int>(current_) + 1)
                                          : static_cast<state>(static_cast<int>(current_) - 1);
    if (current_ == state::playing && next == state::paused) {
      // The clock stops now, even if the sinks take a while to preroll again.
      std::lock_guard clock_lock(clock_mutex_);
      paused_running_time_.store(monotonic_now() - base_time_.load());
      clock_running_.store(false);
    }
    if (current_ == state::paused && next == state::playing) {
      recalculate_latency();
      std::lock_guard clock_lock(clock_mutex_);
      base_time_.store(monotonic_now() - paused_running_time_.load());
    }
    if (current_ == state::ready && next == state::paused) {
      live_ = false;
      latency_.store(time_none);
      {
        std::lock_guard clock_lock(clock_mutex_);
        paused_running_time_.store(0);
      }
      {
        std::lock_guard eos_lock(eos_mutex_);
        eos_sinks_.clear();
        eos_posted_ = false;
        stream_start_sinks_.clear();
        stream_start_posted_ = false;
      }
      error_.store(false);
      std::lock_guard error_lock(error_text_mutex_);
      last_error_source_.clear();
      last_error_message_.clear();
    }
    const state_change r = step_all_locked(next);
    if (r == state_change::failure) {
      error_ = true;
      target_ = current_;
      state_cv_.notify_all();
      return state_change::failure;
    }
    // The answer is the last step's: a live source matters on the way to PAUSED, not
    // on the way down (PLAYING -> NULL answers success).
    overall = r == state_change::no_preroll ? state_change::no_preroll : state_change::success;
    // A sink's PLAYING -> PAUSED answers async (it would preroll again), but on the way
    // further down there is nothing to wait for (GstBaseSink checks its target state).
    if (r == state_change::async && !live_ && target_ >= state::paused) {
      pending_ = true;
      return state_change::async;
    }
    const state old = current_;
    set_current_locked(next);
    bus_.post(state_changed_message(name_, old, next, target_));
  }
  state_cv_.notify_all();
  return overall;
}

state_change pipeline::step_all_locked(state next) {
  state_change overall = state_change::success;
  if (next == state::paused) {
    // READY -> PAUSED prerolls; PLAYING -> PAUSED prerolls again (the sinks' next buffer).
    async_waiting_.clear();
    preroll_epoch_.fetch_add(1);  // prerolls reported from now on belong to this pause
  }
  std::vector<element*> held_back;  // async steps: their state-changed messages wait for the preroll
  for (element* e : sinks_first()) {
    const state_change r = e->set_state_step(next);
    switch (r) {
      case state_change::failure:
        // Bring the elements already moved back down; the error is on the bus.
        return state_change::failure;
      case state_change::async:
        async_waiting_.insert(e);
        held_back.push_back(e);
        overall = state_change::async;
        break;
      case state_change::no_preroll:
        live_ = true;
        if (overall == state_change::success) overall = state_change::no_preroll;
        break;
      case state_change::success: break;
    }
  }
  if (overall == state_change::async && live_) {
    // Nobody waits for these prerolls (a live source): the sinks are in PAUSED now.
    for (element* e : held_back) e->post_async_state_changed();
    return state_change::no_preroll;
  }
  return overall;
}

void pipeline::recalculate_latency() {
  // GstBin's latency handling: the largest minimum latency over the sinks that have a
  // live source upstream; a maximum below it means the elements cannot buffer enough.
  std::lock_guard lock(latency_mutex_);
  bool live = false;
  clock_time min = 0;
  clock_time max = time_none;
  for (element* s : sinks()) {
    pad* in = s->static_pad(pad_direction::sink);
    if (!in) continue;
    const latency_info l = s->query_latency(*in);
    if (!l.live) continue;
    live = true;
    min = std::max(min, l.min);
    if (is_valid_time(l.max)) max = is_valid_time(max) ? std::min(max, l.max) : l.max;
  }
  latency_.store(min);
  for (element* s : sinks()) s->send_event(event_latency{min});
  if (!live) return;
  if (is_valid_time(max) && max < min) {
    message w(message_type::warning, name_);
    w.set("message", "impossible latency: the elements can buffer " + std::to_string(max) +
                         " ns but the sources need " + std::to_string(min) + " ns");
    bus_.post(std::move(w));
  }
  message m(message_type::latency, name_);
  m.set("latency_ns", static_cast<std::int64_t>(min)).set("live", true);
  bus_.post(std::move(m));
}

std::optional<clock_time> pipeline::latency() const {
  const clock_time l = latency_.load();
  return is_valid_time(l) ? std::optional<clock_time>(l) : std::nullopt;
}

void pipeline::async_done(element& sink) {
  // Called from a streaming task, maybe while set_state holds the state mutex and
  // waits for that very task: no lock here.
  in_flight_.fetch_add(1);
  // Finish the state change off the streaming call that prerolled. The epoch ties
  // this preroll to the pause it belongs to: if that pause is abandoned and a new one
  // begins before the continuation runs, the stale report must not complete it.
  post_async_done(&sink, preroll_epoch_.load());
}

void pipeline::post_async_done(element* sink, std::uint64_t epoch) {
  boost::asio::post(executor(), [this, s = sink, epoch] {
    std::unique_lock lock(state_mutex_, std::try_to_lock);
    if (!lock.owns_lock()) {
      // A state change holds the lock, perhaps joining streaming tasks that need
      // this pool: do not block a pool thread on it; try again in a moment.
      auto retry = std::make_shared<boost::asio::steady_timer>(executor(), std::chrono::milliseconds(1));
      retry->async_wait([this, s, epoch, retry](const boost::system::error_code&) { post_async_done(s, epoch); });
      return;
    }
    const bool prerolled = pending_ && epoch == preroll_epoch_.load() && async_waiting_.erase(s);
    if (prerolled) s->post_async_state_changed();
    if (prerolled && async_waiting_.empty()) {
      pending_ = false;
      const state old = current_;
      set_current_locked(state::paused);
      bus_.post(state_changed_message(name_, old, state::paused, target_));
      bus_.post(message(message_type::async_done, name_));
      advance_locked(lock);
    }
    if (seek_prerolling_) finish_seek_preroll_if_done_locked();
    in_flight_.fetch_sub(1);
    state_cv_.notify_all();
  });
}

void pipeline::stream_start(element& sink) {
  {
    std::lock_guard lock(eos_mutex_);
    stream_start_sinks_.insert(&sink);
    if (stream_start_posted_ || stream_start_sinks_.size() < sinks().size()) return;
    stream_start_posted_ = true;
  }
  bus_.post(message(message_type::stream_start, name_));
}

void pipeline::handle_message(element& from, message m) {
  // Posted from streaming tasks and from elements' change_state (an error from
  // start(), a sink's pending EOS on PAUSED -> PLAYING), i.e. maybe while this or
  // another thread holds the state mutex: never take it here.
  if (m.type == message_type::latency) {
    // An element's latency changed (GStreamer's latency message): query again and
    // redistribute; the pipeline's own latency message then says the new value.
    if (clock_running_.load()) recalculate_latency();
    return;
  }
  if (m.type == message_type::eos) {
    if (!from.is_sink()) return;
    {
      std::lock_guard lock(eos_mutex_);
      eos_sinks_.insert(&from);
      if (eos_posted_ || eos_sinks_.size() < sinks().size()) return;
      eos_posted_ = true;
    }
    bus_.post(message(message_type::eos, name_));
    return;
  }
  if (m.type == message_type::error) {
    {
      std::lock_guard lock(error_text_mutex_);
      last_error_source_ = m.source;
      last_error_message_ = m.get_string("message").value_or("error");
    }
    error_.store(true);
    state_cv_.notify_all();  // wait_state waits in slices, so a missed notification only delays it
  }
  bus_.post(std::move(m));
}

bool pipeline::is_eos() const {
  std::lock_guard lock(eos_mutex_);
  return eos_posted_;
}

bool pipeline::has_error() const { return error_.load(); }

std::string pipeline::last_error() const {
  std::lock_guard lock(error_text_mutex_);
  if (last_error_source_.empty() && last_error_message_.empty()) return {};
  return last_error_source_ + ": " + last_error_message_;
}

std::optional<pipeline::error_info> pipeline::error_details() const {
  if (!error_.load()) return std::nullopt;
  std::lock_guard lock(error_text_mutex_);
  return error_info{last_error_source_, last_error_message_};
}

result<void> pipeline::seek(const seek_request& req) {
  seek_request r = req;
  {
    std::lock_guard lock(state_mutex_);
    if (current_ < state::paused)
      return fail(errc::bad_state, "pipeline \"" + name_ + "\" can only seek in paused or playing (it is " +
                                       std::string(to_string(current_)) + ")");
    if (req.rate == 0.0 || !std::isfinite(req.rate)) return fail(errc::invalid_argument, "seek rate must be a finite number other than 0");
    if (req.start < 0) return fail(errc::invalid_argument, "seek position must not be negative");
    if (is_valid_time(req.stop) && req.stop < req.start)
      return fail(errc::invalid_argument, "seek stop " + std::to_string(req.stop) + " is before its start " +
                                              std::to_string(req.start));
    r.seqnum = next_seqnum_++;
  }
  const bool flush = has(req.flags, seek_flags::flush);
  // The sinks forget their EOS on flush-stop, and the stream may end again before
  // seek() returns: start the EOS count afresh before the seek goes out, and put it
  // back if no element takes the seek (then nothing was flushed).
  std::set<element*> eos_before;
  bool eos_posted_before = false;
  if (flush) {
    std::lock_guard eos_lock(eos_mutex_);
    eos_before.swap(eos_sinks_);
    eos_posted_before = std::exchange(eos_posted_, false);
  }
  bool handled = false;
  for (element* s : sinks()) handled = s->send_event(event_seek{r}) || handled;
  if (!handled) {
    if (flush) {
      std::lock_guard eos_lock(eos_mutex_);
      eos_sinks_.insert(eos_before.begin(), eos_before.end());
      eos_posted_ = eos_posted_ || eos_posted_before;
    }
    std::string why;
    {
      std::lock_guard refusal_lock(seek_refusal_mutex_);
      if (seek_refusal_seqnum_ == r.seqnum) why = seek_refusal_;
    }
    if (!why.empty()) return fail(errc::invalid_argument, "pipeline \"" + name_ + "\" cannot seek: " + why);
    return fail(errc::bad_state, "pipeline \"" + name_ + "\": no element could handle the seek");
  }
  if (flush) {
    // The flushed sinks preroll the new position (or reach EOS) before a PAUSED
    // pipeline has settled; a live one does not preroll.
    std::lock_guard lock(state_mutex_);
    if (current_ == state::paused && !pending_ && !live_) {
      seek_prerolling_ = true;
      finish_seek_preroll_if_done_locked();
    }
  }
  return {};
}

void pipeline::finish_seek_preroll_if_done_locked() {
  for (element* s : sinks())
    if (!s->is_prerolled()) return;
  seek_prerolling_ = false;
  bus_.post(message(message_type::async_done, name_));
  state_cv_.notify_all();
}

void pipeline::note_seek_refusal(const element& from, std::uint32_t seqnum, std::string why) {
  std::lock_guard lock(seek_refusal_mutex_);
  seek_refusal_seqnum_ = seqnum;
  seek_refusal_ = from.name() + ": " + std::move(why);
}

std::optional<clock_time> pipeline::position() const {
  std::optional<clock_time> best;
  for (element* s : sinks())
    if (auto p = s->query_position(); p && (!best || *p > *best)) best = p;
  return best;
}

std::optional<clock_time> pipeline::duration() const {
  std::optional<clock_time> best;
  for (element* s : sinks())
    if (auto d = s->query_duration(seek_format::time); d && (!best || *d > *best)) best = d;
  return best;
}


void pipeline::send_eos() {
  for (element* s : sources()) s->send_event(event_eos{});
}

clock_time pipeline::base_time() const { return base_time_.load(); }

void pipeline::reset_running_time() {
  // Both halves of the clock, so the reset holds whichever way a concurrent state
  // step goes: PLAYING reads now - base_time (0 from here), PAUSED reads the stored
  // running time (0), and PAUSED -> PLAYING derives base_time from that 0.
  std::lock_guard clock_lock(clock_mutex_);
  base_time_.store(monotonic_now());
  paused_running_time_.store(0);
}

clock_time pipeline::running_time_now() const {
  if (clock_running_.load()) return monotonic_now() - base_time_.load();
  return paused_running_time_.load();
}

boost::asio::any_io_executor pipeline::executor() const { return runtime_->executor(); }

result<void> pipeline::check_frame_size(std::uint64_t width, std::uint64_t height) const {
  if (width == 0 || height == 0) return fail(errc::invalid_argument, "frame size " + std::to_string(width) + "x" + std::to_string(height) + " is empty");
  if (width > limits_.max_frame_pixels || height > limits_.max_frame_pixels ||
      width * height > limits_.max_frame_pixels)
    return fail(errc::limit_exceeded, "frame size " + std::to_string(width) + "x" + std::to_string(height) +
                                          " exceeds the limit of " + std::to_string(limits_.max_frame_pixels) +
                                          " pixels per frame");
  return {};
}

result<void> pipeline::check_buffer_bytes(std::uint64_t bytes) const {
  if (bytes > limits_.max_buffer_bytes)
    return fail(errc::limit_exceeded, std::to_string(bytes) + "-byte buffers exceed the limit of " +
                                          std::to_string(limits_.max_buffer_bytes) + " bytes per buffer");
  return {};
}

}  // namespace tessera::core
