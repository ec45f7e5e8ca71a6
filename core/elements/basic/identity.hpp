#pragma once
/// identity: passes buffers through unchanged (a passthrough transform), with fault
/// injection for tests: `sleep-us` delays each buffer (without blocking the
/// streaming thread: the task waits), `error-after` fails the stream after N
/// buffers, `drop-probability` drops buffers at random.

#include "core/base/base_transform.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <deque>
#include <mutex>
#include <random>

namespace tessera::core {

class identity final : public base_transform, private deferred_waiter {
 public:
  identity(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;

 protected:
  bool has_transform_ip() const override { return true; }
  bool inspect_in_passthrough() const override { return !props().get_bool(prop_silent_); }
  flow transform_ip(buffer& b) override;
  state_change change_state(state from, state to) override;
  bool proxies_caps() const noexcept override { return true; }

 private:
  boost::asio::awaitable<void> wait_ready() override;
  flow resume() override;

  std::size_t prop_sleep_us_, prop_error_after_, prop_drop_probability_, prop_silent_, prop_last_message_;
  std::int64_t seen_ = 0;
  std::minstd_rand rng_{12345};
  wakeup wake_;
  std::mutex mutex_;
  std::deque<buffer> sleeping_;
};

}  // namespace tessera::core
