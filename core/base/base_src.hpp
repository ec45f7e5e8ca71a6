#pragma once
/// Base class for sources (GstBaseSrc).
///
/// Push mode: on READY -> PAUSED the source starts a streaming task, a coroutine
/// on the streaming pool that negotiates caps (its template against what downstream
/// allows, in downstream's order, fixated by `fixate_caps`; a source whose template
/// is ANY, fakesrc or filesrc, sends no caps, as GstBaseSrc), sends a segment, then loops:
/// `create()` a buffer, push it downstream by a plain call, await whatever the call
/// deferred (a full queue, a sink's clock wait), repeat. A live source (`is_live()`)
/// produces only in PLAYING and waits for each buffer's clock time, and answers
/// `no_preroll`. Pull mode: when downstream activates the source pad in pull mode
/// there is no task; downstream calls `getrange` -> `fill_range`.
///
/// Seeks arrive as upstream events. The seek is checked first (seekable, format, a
/// negative rate only where `can_play_backwards`, the subclass's `check_seek`): a
/// refused seek touches nothing and tells the pipeline why (refuse_seek). Then a
/// flushing seek pushes flush-start (every downstream wait wakes, queued data is
/// dropped), stops and joins the task, pushes flush-stop, lets the subclass reposition
/// (`do_seek`), and restarts the task with a new segment; a task that had ended (EOS)
/// starts again, so a seek after EOS plays again. The same seek reaching the source
/// through several sinks (a tee) is handled once (seqnum), with the first answer.
/// A seek with the `segment` flag ends with a `segment-done` message (position_ns:
/// where the segment ended) instead of EOS, as GstBaseSrc does.
///
/// Thread safety: the loop and create() run in the task; event() (seek, from the
/// control thread) serializes with it by stopping the task first.

#include "core/graph/element.hpp"
#include "core/graph/segment.hpp"
#include "core/sched/streaming_task.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <mutex>
#include <optional>

namespace tessera::core {

class base_src : public element, private task_body {
 public:
  base_src(const element_factory& f, std::string name);
  ~base_src() override;

  bool event(pad& p, core::event ev) override;
  bool send_event(core::event ev) override;
  flow getrange(pad& srcpad, std::uint64_t offset, std::size_t size, buffer& out) override;
  bool supports_pull(const pad& srcpad) const override { (void)srcpad; return can_pull(); }

  /// A live source's latency: at least what live_latency() says for the caps it
  /// produces (or, before the first buffer, the caps it would pick now); a non-live
  /// source answers 0 and not live.
  latency_info query_latency(pad& srcpad) override;

  pad& srcpad() const noexcept { return *srcpad_; }
  core::segment current_segment() const;
  /// Bytes in the stream when known (GstBaseSrc's get_size): what an element pulling
  /// ranges from this source (rawvideoparse) turns into a duration. Any thread.
  virtual std::optional<std::uint64_t> size_bytes() const { return std::nullopt; }
  /// The duration query: in bytes, size_bytes(); in time, what the subclass knows
  /// (time_duration). Any thread.
  std::optional<std::int64_t> query_duration(seek_format format) const override;

 protected:
  // --- for subclasses ---
  /// Makes the next buffer; flow::eos at the end of the stream.
  virtual flow create(buffer& out) = 0;
  /// Whether create() has something to return now. A source fed from outside
  /// (shmsrc: a socket) answers false while it has nothing; the task then waits at
  /// its boundary, without holding a pool thread, until data_arrived() (or a state
  /// change, flush, stop or EOS) wakes it, as a live source waits for PLAYING.
  virtual bool has_data() const { return true; }
  /// Wakes the task waiting for has_data() (any thread).
  void data_arrived() noexcept { wake_.notify(); }
  virtual bool is_live() const { return false; }
  /// How long after its running time a live buffer in caps `c` is complete (one
  /// frame or buffer period): the latency this source adds. Default 0.
  virtual clock_time live_latency(const caps& c) const { (void)c; return 0; }
  /// Whether downstream may pull ranges (filesrc).
  virtual bool can_pull() const { return false; }
  virtual flow fill_range(std::uint64_t offset, std::size_t size, buffer& out);
  virtual bool is_seekable() const { return false; }
  virtual seek_format format() const { return seek_format::time; }
  /// Whether the source can produce its stream backwards (a seek with rate < 0).
  virtual bool can_play_backwards() const { return false; }
  /// Anything else the subclass refuses in `r`, said without the element's name;
  /// checked before anything is flushed.
  virtual result<void> check_seek(const seek_request& r) const { (void)r; return {}; }
  /// Repositions to `seg.start` (rate > 0) or to `seg.stop` (rate < 0; a source that
  /// plays backwards fills in a missing stop with where it will start); false when
  /// the position cannot be reached. The task is stopped while this runs.
  virtual bool do_seek(core::segment& seg) { (void)seg; return true; }
  /// The stream's length in ns when the subclass knows it (e.g. num-buffers frames).
  virtual std::optional<clock_time> time_duration() const { return std::nullopt; }
  /// Picks fixed caps from what downstream accepts (default: caps::fixate()).
  virtual result<caps> fixate_caps(const caps& allowed);
  /// Configures the source for `c` before the first buffer in these caps.
  virtual result<void> set_caps(const caps& c) { (void)c; return {}; }
  /// Called on READY->PAUSED before the task starts / PAUSED->READY after it stopped.
  virtual result<void> start() { return {}; }
  virtual void stop() {}
  /// Makes a create() blocked on I/O (a network read) return now, flow::flushing
  /// (GstBaseSrc's unlock): called, from any thread, before the task is joined for a
  /// flush or a state change; unlock_stop() after the join clears it.
  virtual void unlock() {}
  virtual void unlock_stop() {}
  /// The flags of the seek do_seek is carrying out (key_unit, accurate).
  seek_flags current_seek_flags() const noexcept { return seek_flags_.load(); }

  /// Negotiates again and sends the new caps downstream (from the task only).
  result<void> renegotiate_to(const caps& c);
  /// Asks for a new negotiation before the next buffer (any thread).
  void request_renegotiation() noexcept { need_negotiation_.store(true, std::memory_order_relaxed); }

  state_change change_state(state from, state to) override;

 private:
  // task_body: the source's loop (sched/streaming_task.hpp).
  boost::asio::awaitable<readiness> prepare() override;
  flow iterate() override;
  bool stopped(flow f) override;

  /// A live source's wait for the running time of the buffer it made, deferred to
  /// the task's boundary: it hands the buffer out then, or drops it when woken early.
  class clock_wait final : public deferred_waiter {
   public:
    explicit clock_wait(base_src& src) noexcept : src_(src) {}
    void hold(buffer&& b, clock_time running_time) noexcept;
    boost::asio::awaitable<void> wait_ready() override;
    flow resume() override;

   private:
    base_src& src_;
    buffer buffer_;
    clock_time running_time_ = time_none;
    bool woken_early_ = false;
  };

  result<void> negotiate();
  void post_latency_if_changed();
  bool handle_seek(const seek_request& r);
  std::optional<std::string> seek_refusal(const seek_request& r) const;
  void post_segment_done();
  void start_task();
  void stop_task();
  void push_stream_start();

  pad* srcpad_;
  streaming_task task_;
  wakeup wake_;
  clock_wait clock_wait_{*this};
  bool stream_ended_ = false;  // task only: iterate() already sent EOS or the error
  std::atomic<bool> eos_requested_{false};
  std::atomic<bool> need_negotiation_{true};
  std::atomic<bool> need_segment_{true};
  // The latency this live source last answered (time_none: none yet): a renegotiation
  // to caps with another latency posts a latency message so the pipeline asks again.
  std::atomic<clock_time> answered_latency_{time_none};
  std::atomic<bool> need_stream_start_{true};  // once per READY -> PAUSED, not after a seek
  mutable std::mutex segment_mutex_;
  core::segment segment_;
  // End (pts + duration) of the last buffer created in a time segment: where a
  // non-flushing seek's new segment continues the running time. Task-written, read
  // by the seek after the task stopped. In reverse playback, where it begins.
  std::atomic<clock_time> reached_{time_none};
  std::atomic<bool> segment_seek_{false};  // the segment ends with segment-done, not EOS
  std::mutex seek_mutex_;
  std::atomic<seek_flags> seek_flags_{seek_flags::none};  // of the seek do_seek carries out
  std::uint32_t last_seek_seqnum_ = 0;
  bool last_seek_handled_ = false;
  // A non-flushing seek while the task runs is handed to the task, which takes it at
  // its next iteration: stopping the task would wait for a push that only returns
  // when the pipeline plays on (a prerolled sink in PAUSED), possibly forever.
  std::mutex pending_seek_mutex_;
  std::optional<seek_request> pending_seek_;  // guarded by pending_seek_mutex_
  bool task_takes_seeks_ = false;             // guarded by pending_seek_mutex_
  std::optional<seek_request> take_pending_seek();
  /// At the task's end: false (and no more seeks handed over) unless one is pending.
  bool pending_seek_keeps_task();
  /// The new segment of `r` (a non-flushing one continues the running time reached).
  core::segment segment_for(const seek_request& r, bool flush) const;
  /// Makes `seg` the stream's segment (do_seek first, seeing `flags`); the next buffer
  /// carries it.
  bool apply_segment(core::segment seg, seek_flags flags);
};

}  // namespace tessera::core
