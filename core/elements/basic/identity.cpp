#include "core/elements/basic/identity.hpp"

#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> identity::factory() {
  auto last = string_property("last-message", "Description of the last buffer (silent=false)", "");
  last.writable = false;
  return make_factory<identity>(
      "identity", "Identity", "Generic", "Passes data through unchanged; fault injection for tests",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
       pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {int_property("sleep-us", "Delay each buffer by this many microseconds", 0, 0, 60'000'000),
       int_property("error-after", "Fail the stream after this many buffers (-1: never)", -1, -1, INT64_MAX),
       double_property("drop-probability", "Probability of dropping each buffer", 0.0, 0.0, 1.0),
       bool_property("silent", "Do not produce last-message", true), std::move(last),
       base_transform::qos_property(false)});
}

identity::identity(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)),
      prop_sleep_us_(property_index("sleep-us")),
      prop_error_after_(property_index("error-after")),
      prop_drop_probability_(property_index("drop-probability")),
      prop_silent_(property_index("silent")),
      prop_last_message_(property_index("last-message")),
      wake_(executor()) {
  set_passthrough_on_same_caps(true);
}

flow identity::chain(pad& sinkpad, buffer&& b) {
  const std::int64_t error_after = props().get_int(prop_error_after_);
  if (error_after >= 0 && ++seen_ > error_after) [[unlikely]]
    return fail_flow(errc::bad_state, name() + ": error-after=" + std::to_string(error_after) + " reached");
  const double p = props().get_double(prop_drop_probability_);
  if (p > 0.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p) [[unlikely]] return flow::ok;
  if (props().get_int(prop_sleep_us_) > 0) [[unlikely]] {
    if (task_context* ctx = task_context::current()) {
      {
        std::lock_guard lock(mutex_);
        if (sinkpad.flushing()) return flow::flushing;
        sleeping_.push_back(std::move(b));
      }
      ctx->defer(*this);
      return flow::ok;
    }
  }
  return base_transform::chain(sinkpad, std::move(b));
}

boost::asio::awaitable<void> identity::wait_ready() {
  const clock_time until = monotonic_now() + props().get_int(prop_sleep_us_) * 1000;
  while (!sinkpad().flushing() && monotonic_now() < until) co_await wake_.wait_until(until);
}

flow identity::resume() {
  buffer b;
  {
    std::lock_guard lock(mutex_);
    if (sleeping_.empty()) return flow::ok;
    b = std::move(sleeping_.front());
    sleeping_.pop_front();
    if (sinkpad().flushing()) {
      sleeping_.clear();
      return flow::flushing;
    }
  }
  return base_transform::chain(sinkpad(), std::move(b));
}

bool identity::event(pad& p, core::event ev) {
  if (ev.is<event_flush_start>()) {
    {
      std::lock_guard lock(mutex_);
      sleeping_.clear();
    }
    wake_.notify();
  }
  return base_transform::event(p, std::move(ev));
}

flow identity::transform_ip(buffer& b) {
  std::string msg = "chain ******* (" + name() + ":sink) (" + std::to_string(b.size()) + " bytes, pts: " +
                    (is_valid_time(b.pts) ? std::to_string(b.pts) : std::string("none")) + ")";
  mutable_props().set(prop_last_message_, property_value{std::move(msg)});
  return flow::ok;
}

state_change identity::change_state(state from, state to) {
  if (from == state::ready && to == state::paused) seen_ = 0;
  const state_change r = base_transform::change_state(from, to);
  // Wake a sleeping buffer only now that the pads are flushing: woken before,
  // the sleeper would see them still active and sleep out its full time (the
  // notification is kept until a wait takes it, so one sent now is never lost).
  if (from == state::paused && to == state::ready) wake_.notify();
  return r;
}

}  // namespace tessera::core
