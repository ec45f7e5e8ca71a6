#pragma once
/// Base class for sinks (GstBaseSink).
///
/// In PLAYING without `sync`, a buffer is rendered as soon as it arrives, inside
/// the pushing task: no lock, no wait. Everything else goes through the deferred
/// path of task_context: the sink keeps the buffer, registers itself, and the task
/// awaits `wait_ready()` once its call stack has unwound:
///  - PAUSED: the first buffer is the preroll buffer: `preroll()` sees it, the
///    pipeline hears `async_done`, and the task waits until PLAYING (or a flush);
///  - `sync=true`: the buffer waits until the pipeline clock reaches its running
///    time plus the pipeline's latency (the latency event the pipeline sends at
///    PLAYING: a live source's buffers are complete one period after their time, and
///    what the elements on the way took is still on time within it). A buffer later
///    than its end plus `max-lateness` is dropped and counted (with a qos message on
///    the bus when `qos=true`). With `qos=true` every rendered or dropped buffer
///    sends a QoS event upstream (jitter, proportion, running time: sink_qos), from
///    which qos-enabled transforms skip what would come too late.
/// EOS completes a pending preroll and is reported (once PLAYING) to the pipeline,
/// which posts EOS when every sink is done. flush-start drops held buffers and wakes
/// the waiting task; flush-stop forgets the preroll so a seek in PAUSED prerolls (and
/// shows) the new position, and (reset_time, i.e. a flushing seek) restarts the
/// pipeline's running time at 0 to match the new segment, so playback goes on at 1x
/// from the seek position. Position queries answer nothing from flush-stop until the
/// new segment arrives; in PLAYING with `sync` they interpolate from the clock, never
/// past the end of the last buffer, and at EOS they answer that end (GstBaseSink).
///
/// PLAYING -> PAUSED prerolls again (GstBaseSink): unless the sink has reached EOS it
/// answers `async`, and the buffer waiting for its clock time, or else the next one
/// to arrive, becomes the preroll buffer (`preroll()`, then `async_done`).
///
/// Thread safety: chain/event run in a streaming task; flush-start, state changes
/// and position queries may come from other threads and meet the held buffers under
/// `mutex_`.

#include "core/base/sink_qos.hpp"
#include "core/graph/element.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <atomic>
#include <deque>
#include <mutex>

namespace tessera::core {

class base_sink : public element, private deferred_waiter {
 public:
  base_sink(const element_factory& f, std::string name);

  flow chain(pad& sinkpad, buffer&& b) override;
  bool event(pad& p, core::event ev) override;
  /// The latency event from the pipeline: kept (renders wait for it) and sent upstream.
  bool send_event(core::event ev) override;
  std::optional<clock_time> query_position() const override;
  /// Upstream's latency plus `processing-deadline` when the sink synchronises and
  /// upstream is live; a sink that does not synchronise has none.
  latency_info query_latency(pad& p) override;
  clock_time latency() const noexcept { return latency_.load(std::memory_order_relaxed); }
  bool is_prerolled() const override;

  pad& sinkpad() const noexcept { return *sinkpad_; }
  std::uint64_t rendered() const noexcept { return rendered_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

  /// The properties every sink has, to append to a factory's list. Video sinks
  /// (websink) default to qos=true and max-lateness 20 ms, as GStreamer's do.
  static std::vector<property_spec> common_properties(bool sync_default, bool video_sink = false);

 protected:
  virtual flow render(buffer& b) = 0;
  /// The preroll buffer (PAUSED); default: nothing.
  virtual flow preroll(buffer& b) { (void)b; return flow::ok; }
  virtual void on_caps(const caps& c) { (void)c; }
  virtual void on_eos() {}

  state_change change_state(state from, state to) override;

 private:
  boost::asio::awaitable<void> wait_ready() override;
  flow resume() override;
  flow render_now(buffer& b);
  flow defer_buffer(buffer&& b);
  flow render_synced(buffer& b, clock_time entered);
  void send_qos(const sink_qos::observation& o, bool dropped);
  void post_eos_if_ready();
  void handle_eos();

  /// A buffer waiting in the deferred path, and when it started waiting for its clock
  /// time in PLAYING (time_none before): the jitter is measured from there.
  struct held_buffer {
    buffer b;
    clock_time entered = time_none;
  };

  pad* sinkpad_;
  std::size_t prop_sync_, prop_max_lateness_, prop_qos_, prop_async_, prop_deadline_;
  wakeup wake_;
  mutable std::mutex mutex_;  // held_, prerolled_, eos state
  std::deque<held_buffer> held_;
  std::atomic<bool> holding_{false};  // !held_.empty(), for chain's lock-free fast path
  bool prerolled_ = false;
  bool got_eos_ = false;
  bool eos_posted_ = false;
  bool eos_after_held_ = false;  // EOS came while buffers were held: it follows them
  std::atomic<clock_time> last_pts_{time_none};
  std::atomic<clock_time> last_end_{time_none};  // pts + duration of the last buffer
  std::atomic<bool> awaiting_segment_{false};  // flushed, the new segment not here yet
  std::atomic<std::uint64_t> rendered_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<clock_time> latency_{0};
  sink_qos qos_;  // the streaming task's (reset while no task runs)
};

}  // namespace tessera::core
