#pragma once
/// A pipeline (GstPipeline): owns its elements, a bus, a clock and the state of the
/// whole graph.
///
/// State changes step every element one state at a time, sinks first, like a GstBin.
/// READY -> PAUSED and PLAYING -> PAUSED are asynchronous: sinks answer `async` until
/// they hold a buffer (preroll; after PLAYING the next buffer, or the one waiting for
/// its clock time) or have reached EOS, and then report `async_done`; the pipeline
/// finishes the pending change (and goes on to PLAYING if asked) on the streaming
/// pool, never inside the sink's streaming call. A live source answers `no_preroll`
/// and the pipeline does not wait for preroll. A flushing seek in PAUSED makes the
/// sinks preroll again: state_pending() is true and wait_state() waits until every
/// sink holds a buffer of the new position or EOS, then `async-done` is posted (as
/// gst_element_get_state after a seek). On the way to PLAYING the pipeline asks each
/// synchronising sink for the latency upstream of it (live sources answer one period
/// at least, queues add what they can hold, sinks their processing deadline), takes
/// the largest minimum, sends it to every sink as a latency event and posts a
/// `latency` message. The clock is the monotonic clock; running time is
/// `now - base_time` while PLAYING and stands still while PAUSED. A flushing seek
/// restarts it at 0 (the sinks call reset_running_time on flush-stop), in step with
/// the new segment whose base is 0; a non-flushing seek leaves it running.
///
/// EOS is posted once, by the pipeline, when every sink has reached end of stream (and
/// so is stream-start, when every sink has seen the stream-start event);
/// is_eos() stays true until a flushing seek or the next READY -> PAUSED. An element
/// error stops this pipeline only: the pipeline posts it and its streaming tasks wind
/// down; others keep running; error() says which element and why. Neither changes the
/// state: a pipeline at EOS or in error is still PLAYING, as in GStreamer.
///
/// A pipeline streams on the runtime it is given (runtime.hpp), which outlives it;
/// its elements are made by that runtime's registry.
/// Ownership: elements are owned here; the pipeline is neither copied nor moved.
/// Thread safety: every public member may be called from any thread; state changes
/// are serialized by one state mutex, held while elements step (which joins their
/// streaming tasks). Hence what streaming tasks call (handle_message, async_done,
/// base_time, running_time_now) never takes that mutex: the clock and the error flag
/// are atomics, EOS bookkeeping has its own mutex, and the async_done continuation
/// does not block a pool thread on the state mutex.

#include "core/graph/bus.hpp"
#include "core/graph/element.hpp"
#include "core/graph/event.hpp"
#include "core/graph/state.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tessera::core {

/// Bounds and policy a pipeline is built under (docs/deploy.md).
struct pipeline_limits {
  std::size_t max_elements = 256;
  std::uint64_t max_frame_pixels = 64ull * 1024 * 1024;
  /// Bytes of one buffer whose size a source's own settings choose (audio:
  /// samplesperbuffer x bytes per frame), checked when its caps are set.
  std::uint64_t max_buffer_bytes = 64ull * 1024 * 1024;
  /// When set, filesrc/filesink locations must resolve inside this directory.
  std::optional<std::filesystem::path> media_root;
  /// URI prefixes avsrc may open (`--allow-uri`); none: no network input at all.
  std::vector<std::string> allowed_uri_prefixes;
  /// Device paths avsrc may open (`--allow-device`); none: no device.
  std::vector<std::string> allowed_devices;
};

class runtime;

class pipeline {
 public:
  pipeline(std::string name, core::runtime& rt, pipeline_limits limits = {});
  ~pipeline();
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  const std::string& name() const noexcept { return name_; }
  const pipeline_limits& limits() const noexcept { return limits_; }
  core::runtime& runtime() const noexcept { return *runtime_; }
  core::bus& bus() noexcept { return bus_; }
  const std::string& description() const noexcept { return description_; }
  void set_description(std::string d) { description_ = std::move(d); }

  // --- elements ---
  /// Adds `e`; an empty name becomes factory name + the lowest free index ("invert0").
  result<element*> add(std::unique_ptr<element> e);
  element* find(std::string_view name) const noexcept;
  std::vector<element*> elements() const;
  /// Names an element would get: "invert0", "invert1", ...
  std::string unique_name(std::string_view factory) const;

  // --- state ---
  /// Moves the whole pipeline toward `target`. Returns success when it got there,
  /// async when a preroll is pending, no_preroll when it got there and the last step
  /// (READY -> PAUSED or PLAYING -> PAUSED) was answered by a live source, failure on error.
  state_change set_state(state target);
  state current_state() const;
  state target_state() const;
  /// A state change waits for preroll, or a flushing seek in PAUSED is prerolling.
  bool state_pending() const;
  /// Blocks until nothing is pending (see state_pending), an error, or `timeout`;
  /// returns the current state.
  state wait_state(std::chrono::milliseconds timeout);

  // --- control ---
  /// A seek for the whole pipeline (sent upstream from every sink). An error if no
  /// element handled it, with the reason the refusing element gave (note_seek_refusal);
  /// a refused seek changes nothing (elements validate before flushing).
  result<void> seek(const seek_request& req);
  /// Stream position in ns (from the sinks), or none before any buffer.
  std::optional<clock_time> position() const;
  /// Stream duration in ns (the sinks ask upstream), or none when unknown.
  std::optional<clock_time> duration() const;
  /// Asks every source to end its stream (the sinks then post EOS).
  void send_eos();
  bool is_eos() const;
  bool has_error() const;
  /// "<source>: <text>" of the last error posted since the last READY -> PAUSED, set
  /// before has_error() turns true, so a caller that sees the flag can say why.
  std::string last_error() const;
  /// The last error posted since the last READY -> PAUSED, or none.
  struct error_info {
    std::string source;   ///< the element that posted it
    std::string message;
  };
  std::optional<error_info> error_details() const;

  // --- clock ---
  /// The latency every sink renders with, found by the latency query on the way to
  /// PLAYING (0 without a live source); none before the first PLAYING.
  std::optional<clock_time> latency() const;
  /// Runs the latency query again and sends the result to the sinks (GstBin's
  /// recalculate_latency). At PAUSED -> PLAYING, and when an element posts a `latency`
  /// message because its latency changed (a live source renegotiated its rate). Any
  /// thread; takes no lock of the state machine.
  void recalculate_latency();
  clock_time base_time() const;
  clock_time running_time_now() const;
  boost::asio::any_io_executor executor() const;
  /// Restarts the running time at 0 from now (a flushing seek's flush-stop with
  /// reset_time, GStreamer's reset-time): the new segment's base is 0, so without this
  /// a sync=true sink would see its buffers as late by all the time played so far.
  /// Lock-free for the caller's other locks (only the clock's own mutex); any thread.
  void reset_running_time();

  // --- observing negotiation (tessera launch -v) ---
  /// Called on the streaming thread each time a pad's negotiated caps change (GStreamer's
  /// notify::caps, which gst-launch -v prints). Set it while the pipeline is in NULL;
  /// without one, setting caps costs a pointer test. Must be quick and thread-safe.
  using caps_observer = std::function<void(const pad&, const caps&)>;
  void set_caps_observer(caps_observer fn) { caps_observer_ = std::move(fn); }
  bool observes_caps() const noexcept { return static_cast<bool>(caps_observer_); }
  void notify_caps(const pad& p, const caps& c) const {
    if (caps_observer_) caps_observer_(p, c);
  }

  // --- called by elements ---
  void handle_message(element& from, message m);
  void async_done(element& sink);
  /// Why `from` refused the seek numbered `seqnum`, for seek() to answer with (the
  /// refusing element calls it from inside seek(), on its thread).
  void note_seek_refusal(const element& from, std::uint32_t seqnum, std::string why);
  /// A sink got the stream-start event; the pipeline posts one `stream-start` message
  /// per READY -> PAUSED, once every sink has had it (a flushing seek sends none).
  void stream_start(element& sink);
  /// Frame-size check against `max_frame_pixels` (e.g. a 100000x100000 testsrc).
  result<void> check_frame_size(std::uint64_t width, std::uint64_t height) const;
  /// Buffer-size check against `max_buffer_bytes` (e.g. audiotestsrc
  /// samplesperbuffer=134217728).
  result<void> check_buffer_bytes(std::uint64_t bytes) const;

 private:
  state_change advance_locked(std::unique_lock<std::mutex>& lock);
  void set_current_locked(state s);
  void post_async_done(element* sink, std::uint64_t epoch);
  void abandon_preroll_locked();
  void finish_seek_preroll_if_done_locked();
  state_change step_all_locked(state next);
  std::vector<element*> sinks_first() const;
  std::vector<element*> sinks() const;
  std::vector<element*> sources() const;

  std::string name_;
  core::runtime* runtime_;
  pipeline_limits limits_;
  core::bus bus_;
  std::string description_;
  std::vector<std::unique_ptr<element>> elements_;

  mutable std::mutex state_mutex_;
  std::condition_variable state_cv_;
  state current_ = state::null_state;
  state target_ = state::null_state;
  bool pending_ = false;          // an async step is waiting for preroll
  bool seek_prerolling_ = false;  // a flushing seek in PAUSED waits for every sink to preroll
  bool live_ = false;             // a source answered no_preroll
  std::set<element*> async_waiting_;  // sinks that have not prerolled yet
  std::atomic<std::uint64_t> preroll_epoch_{0};  // bumped when a READY -> PAUSED step starts
  std::atomic<std::size_t> in_flight_{0};  // async_done continuations not yet run (decremented under state_mutex_)
  // The clock, read lock-free by streaming tasks; written under clock_mutex_ (taken
  // after state_mutex_ by state changes, alone by reset_running_time) so that a reset
  // racing a PAUSED <-> PLAYING step is never overwritten with a stale value.
  mutable std::mutex clock_mutex_;
  std::atomic<clock_time> base_time_{0};
  std::atomic<clock_time> paused_running_time_{0};  // running time when last paused
  std::atomic<bool> clock_running_{false};          // current_ == PLAYING
  std::atomic<clock_time> latency_{time_none};      // configured at PAUSED -> PLAYING
  std::mutex latency_mutex_;  // one recalculation at a time (a leaf but for what elements post)
  mutable std::mutex eos_mutex_;  // eos_sinks_, eos_posted_ (never held while taking state_mutex_)
  std::set<element*> eos_sinks_;
  bool eos_posted_ = false;
  std::set<element*> stream_start_sinks_;  // under eos_mutex_, like the EOS bookkeeping
  bool stream_start_posted_ = false;
  std::atomic<bool> error_{false};
  mutable std::mutex error_text_mutex_;  // last_error_ (a leaf lock)
  std::string last_error_source_;
  std::string last_error_message_;
  std::mutex seek_refusal_mutex_;  // a leaf lock
  std::uint32_t seek_refusal_seqnum_ = 0;
  std::string seek_refusal_;
  std::uint32_t next_seqnum_ = 1;
  caps_observer caps_observer_;  // written only in NULL, before any streaming thread reads it
};

}  // namespace tessera::core
