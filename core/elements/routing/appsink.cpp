#include "core/elements/routing/appsink.hpp"

#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> appsink::factory() {
  auto props = base_sink::common_properties(true);
  props.push_back(int_property("max-buffers", "The maximum number of buffers to queue internally (0 = unlimited)", 0,
                               0, UINT32_MAX));
  props.push_back(bool_property("drop", "Drop old buffers when the buffer queue is filled", false));
  auto caps_prop = string_property("caps", "The allowed caps for the sink pad (ANY when empty)", "", mutability::ready);
  caps_prop.validate = [](std::string_view text) -> std::string {
    if (text.empty()) return {};
    auto c = caps::parse(text);
    return c ? std::string() : "is not valid caps: " + c.error().message;
  };
  props.push_back(std::move(caps_prop));
  return make_factory<appsink>("appsink", "AppSink", "Generic/Sink",
                               "Hands received buffers to the application (pull_sample), for tests",
                               {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()}},
                               std::move(props));
}

appsink::appsink(const element_factory& f, std::string name)
    : base_sink(f, std::move(name)),
      prop_max_buffers_(property_index("max-buffers")),
      prop_drop_(property_index("drop")),
      prop_caps_(property_index("caps")),
      room_wake_(executor()),
      filter_(caps::new_any()) {}

appsink::~appsink() = default;

// ---------------------------------------------------------------- streaming side

bool appsink::full_locked() const {
  const std::int64_t max = props().get_int(prop_max_buffers_);
  return max > 0 && samples_.size() >= static_cast<std::size_t>(max);
}

void appsink::store_locked(entry&& e) {
  if (full_locked()) {
    // drop=true (or a limit lowered meanwhile): make room by forgetting the oldest.
    while (full_locked() && !samples_.empty()) {
      samples_.pop_front();
      ++dropped_;
    }
  }
  samples_.push_back(std::move(e));
  cv_.notify_all();
}

flow appsink::render(buffer& b) {
  std::unique_lock lock(mutex_);
  if (sinkpad().flushing()) return flow::flushing;
  ++received_;
  preroll_.reset();  // the preroll buffer is being rendered now (or a later one)
  entry e{std::move(b), caps_, segment_};
  if (waiting_.empty() && (!full_locked() || props().get_bool(prop_drop_))) {
    store_locked(std::move(e));
    return flow::ok;
  }
  if (task_context* ctx = task_context::current()) {
    waiting_.push_back(std::move(e));
    ctx->defer(room_waiter_);
    return flow::ok;
  }
  // A direct call outside any streaming task: not a pool thread, it may block.
  room_cv_.wait(lock, [&] { return sinkpad().flushing() || stopped_ || !full_locked(); });
  if (sinkpad().flushing() || stopped_) return flow::flushing;
  store_locked(std::move(e));
  return flow::ok;
}

boost::asio::awaitable<void> appsink::room_waiter::wait_ready() {
  for (;;) {
    {
      std::lock_guard lock(owner_.mutex_);
      if (owner_.sinkpad().flushing() || owner_.stopped_ || owner_.waiting_.empty() || !owner_.full_locked() ||
          owner_.props().get_bool(owner_.prop_drop_))
        co_return;
      owner_.room_waiting_ = true;
    }
    co_await owner_.room_wake_.wait();
  }
}

flow appsink::room_waiter::resume() {
  std::lock_guard lock(owner_.mutex_);
  if (owner_.sinkpad().flushing() || owner_.stopped_) {
    owner_.waiting_.clear();
    return flow::flushing;
  }
  if (owner_.waiting_.empty()) return flow::ok;
  if (owner_.full_locked() && !owner_.props().get_bool(owner_.prop_drop_)) {
    if (task_context* ctx = task_context::current()) ctx->defer(*this);  // the limit was lowered: wait again
    return flow::ok;
  }
  owner_.store_locked(std::move(owner_.waiting_.front()));
  owner_.waiting_.pop_front();
  return flow::ok;
}

flow appsink::preroll(buffer& b) {
  std::lock_guard lock(mutex_);
  preroll_ = entry{b.share(), caps_, segment_};
  cv_.notify_all();
  return flow::ok;
}

void appsink::on_caps(const caps& c) {
  auto shared = std::make_shared<const core::caps>(c);
  std::lock_guard lock(mutex_);
  caps_ = std::move(shared);
}

void appsink::on_eos() {
  std::lock_guard lock(mutex_);
  eos_ = true;
  cv_.notify_all();
}

bool appsink::event(pad& p, core::event ev) {
  if (auto* s = ev.get<event_segment>()) {
    std::lock_guard lock(mutex_);
    segment_ = s->segment;
  } else if (ev.is<event_flush_start>()) {
    {
      std::lock_guard lock(mutex_);
      waiting_.clear();
      room_cv_.notify_all();
    }
    room_wake_.notify();
  } else if (ev.is<event_flush_stop>()) {
    std::lock_guard lock(mutex_);
    samples_.clear();
    waiting_.clear();
    preroll_.reset();
    eos_ = false;
  }
  return base_sink::event(p, std::move(ev));
}

caps appsink::query_caps(pad& p, const caps* filter) {
  caps allowed = element::query_caps(p, nullptr).intersect(filter_caps());
  return filter ? filter->intersect(allowed, intersect_mode::first) : allowed;
}

caps appsink::filter_caps() const {
  std::lock_guard lock(mutex_);
  return filter_;
}

void appsink::property_changed(std::size_t index) {
  if (index == prop_caps_) {
    const std::string text = props().get_string(prop_caps_);
    auto parsed = text.empty() ? result<caps>(caps::new_any()) : caps::parse(text);
    std::lock_guard lock(mutex_);
    filter_ = parsed ? *parsed : caps::new_any();
    return;
  }
  if (index == prop_max_buffers_ || index == prop_drop_) {
    {
      std::lock_guard lock(mutex_);
      room_cv_.notify_all();
    }
    room_wake_.notify();
  }
}

state_change appsink::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) {
    std::lock_guard lock(mutex_);
    samples_.clear();
    waiting_.clear();
    preroll_.reset();
    caps_.reset();
    segment_ = core::segment{};
    eos_ = false;
    stopped_ = false;
    received_ = 0;
    dropped_ = 0;
  }
  const state_change r = base_sink::change_state(from, to);
  if (from == state::paused && to == state::ready) {
    {
      std::lock_guard lock(mutex_);
      waiting_.clear();
      stopped_ = true;
      cv_.notify_all();
      room_cv_.notify_all();
    }
    room_wake_.notify();
  }
  return r;
}

// ---------------------------------------------------------------- application side

sample appsink::to_sample(entry&& e) const {
  return sample{std::move(e.buffer), e.caps ? *e.caps : caps::new_any(), e.segment};
}

std::optional<sample> appsink::pull_sample(std::chrono::milliseconds timeout) {
  entry e;
  {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !samples_.empty() || eos_ || stopped_; });
    if (samples_.empty()) return std::nullopt;
    e = std::move(samples_.front());
    samples_.pop_front();
    if (room_waiting_) {
      room_waiting_ = false;
      room_wake_.notify();
    }
    room_cv_.notify_all();
  }
  return to_sample(std::move(e));
}

std::optional<sample> appsink::pull_preroll(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return preroll_.has_value() || eos_ || stopped_; });
  if (!preroll_) return std::nullopt;
  return sample{preroll_->buffer.share(), preroll_->caps ? *preroll_->caps : caps::new_any(), preroll_->segment};
}

std::vector<sample> appsink::pull_all(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<sample> out;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto s = pull_sample(std::max(left, std::chrono::milliseconds(0)));
    if (!s) break;
    out.push_back(std::move(*s));
  }
  return out;
}

bool appsink::is_eos() const {
  std::lock_guard lock(mutex_);
  return eos_ && samples_.empty();
}

bool appsink::got_eos() const {
  std::lock_guard lock(mutex_);
  return eos_;
}

std::uint64_t appsink::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::uint64_t appsink::dropped_samples() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

std::size_t appsink::queued() const {
  std::lock_guard lock(mutex_);
  return samples_.size();
}

}  // namespace tessera::core
