#pragma once
/// queue: a thread boundary (GStreamer's queue).
///
/// The sink side runs in the upstream streaming task: `chain` and the serialized
/// events (caps, segment, eos) are stored in arrival order. The source side is the
/// queue's own streaming task, a coroutine on the streaming pool that pops the
/// oldest item and pushes it downstream, so upstream and downstream run
/// concurrently. Limits (max-size-buffers/bytes/time, 0 = no limit on that
/// dimension) decide when the queue is full; events never count.
///
/// A full queue with leaky=no makes the upstream task wait without blocking its
/// thread: the buffer is kept aside and the queue defers itself on the task
/// (task_context), which awaits space or a flush. leaky=upstream drops the new
/// buffer, leaky=downstream the oldest queued ones; both count in `dropped`.
/// flush-start (from another thread during a seek) drops everything, wakes both
/// sides and stops the output task; flush-stop restarts it. Upstream events (seek,
/// qos, reconfigure) go upstream at once; buffer-alloc and caps queries are proxied
/// downstream. PAUSED->READY stops and joins the output task.
///
/// Ownership: the queue owns the stored buffers and events until they are pushed.
/// Thread safety: chain/event run in the upstream task, the output task runs on the
/// pool, flushes and state changes come from the control thread; they meet under
/// `mutex_`. Properties may be read from any thread.

#include "core/graph/element.hpp"
#include "core/sched/streaming_task.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <boost/asio/awaitable.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <variant>

namespace tessera::core {

class queue final : public element, private deferred_waiter, private task_body {
 public:
  enum leaky_mode : std::int64_t { leaky_no = 0, leaky_upstream = 1, leaky_downstream = 2 };

  /// What is stored now. `time` is the running time between the start of the oldest
  /// and the end of the newest timestamped buffer, ns.
  struct level {
    std::uint64_t buffers = 0;
    std::uint64_t bytes = 0;
    clock_time time = 0;
  };

  queue(const element_factory& f, std::string name);
  ~queue() override;
  static std::unique_ptr<element_factory> factory();

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;

  /// Upstream's latency plus what the queue may hold: max-size-time more at most
  /// (unlimited when the time limit is off and the queue does not leak), as
  /// GStreamer's queue answers.
  latency_info query_latency(pad& srcpad) override;

  level current_level() const;
  /// Buffers dropped by the leaky modes since the last READY -> PAUSED.
  std::uint64_t dropped() const;

 protected:
  state_change change_state(state from, state to) override;
  void property_changed(std::size_t index) override;
  bool proxies_caps() const noexcept override { return true; }

 private:
  struct item {
    std::variant<buffer, core::event> data;
    clock_time start_rt = time_none;  ///< buffers: running time of pts
    clock_time end_rt = time_none;    ///< buffers: running time of pts + duration
    std::uint64_t bytes = 0;          ///< buffers: size
    bool is_buffer() const noexcept { return data.index() == 0; }
  };

  // deferred_waiter: upstream waiting for space (leaky=no).
  boost::asio::awaitable<void> wait_ready() override;
  flow resume() override;

  // task_body: the output side (sched/streaming_task.hpp). prepare() takes the next
  // item (or waits for one) and brings its tiles in; iterate() pushes it.
  boost::asio::awaitable<readiness> prepare() override;
  flow iterate() override;
  bool stopped(flow f) override;
  flow push_item(item& it);
  void handle_push_result(flow f);
  bool enqueue_event(core::event ev);
  void flush_start(core::event ev);
  void flush_stop(core::event ev);
  void start_task();
  void stop_task();

  // Under mutex_:
  item make_item_locked(buffer&& b) const;
  bool fits_locked(const item& it) const;
  void push_locked(item&& it);
  bool place_locked(item& it);
  item pop_front_locked();
  void forget_buffer_locked(const item& it);
  void drop_oldest_buffer_locked();
  void clear_locked();
  void recompute_oldest_locked();
  clock_time time_level_locked() const;
  void publish_level_locked();
  void wake_output_locked();
  void wake_upstream_locked();

  std::size_t prop_max_buffers_, prop_max_bytes_, prop_max_time_, prop_leaky_;
  std::size_t prop_cur_buffers_, prop_cur_bytes_, prop_cur_time_, prop_dropped_;
  pad* sinkpad_;
  pad* srcpad_;

  mutable std::mutex mutex_;
  std::condition_variable space_cv_;  // callers outside any task (direct pushes) wait here
  std::deque<item> items_;
  std::deque<item> pending_;  // waiting for space (leaky=no); one defer per buffer
  std::uint64_t level_buffers_ = 0;
  std::uint64_t level_bytes_ = 0;
  std::uint64_t timed_buffers_ = 0;  // buffers with a valid running time
  clock_time oldest_start_rt_ = time_none;
  clock_time newest_end_rt_ = time_none;
  core::segment sink_segment_;
  std::uint64_t dropped_ = 0;
  bool flushing_ = true;        // not active, or between flush-start and flush-stop
  bool eos_received_ = false;   // EOS is queued; nothing more is accepted
  flow srcresult_ = flow::ok;   // what downstream last answered (not ok: stop taking data)
  bool srcresult_reported_ = false;  // upstream has been told srcresult_
  bool output_waiting_ = false;    // the output task waits for an item
  bool upstream_waiting_ = false;  // an upstream task waits for space
  unsigned blocked_callers_ = 0;   // threads waiting on space_cv_

  wakeup output_wake_;
  wakeup space_wake_;
  streaming_task task_;
  item next_;  // task only: the item prepare() took, for iterate() to push
};

}  // namespace tessera::core
