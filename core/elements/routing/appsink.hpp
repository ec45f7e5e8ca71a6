#pragma once
/// appsink: a sink that hands what it receives to the application (the test sink of
/// docs/elements.md, after GStreamer's appsink). Tests use it to look at exactly what an
/// element produced:
///
///   auto* out = dynamic_cast<appsink*>(p->find("out"));
///   while (auto s = out->pull_sample(std::chrono::seconds(2))) check(s->buffer, s->caps);
///
/// Received buffers wait in a bounded queue (`max-buffers`, 0 = unbounded). When it is
/// full, `drop=true` drops the oldest; `drop=false` makes the streaming task wait
/// (without blocking its thread: the buffer is kept aside and the task defers) until
/// the application pulls. The caps and segment in effect travel with each buffer.
/// `sync` defaults to true as in GStreamer: write `sync=false` to take buffers as fast
/// as they come. `caps` restricts what the sink accepts.
///
/// Samples stay pullable after the pipeline stopped; they are forgotten at the next
/// start (READY -> PAUSED) and at flush-stop (a flushing seek).
///
/// Ownership: a pulled sample owns its buffer (a reference to the memory upstream
/// produced, not a copy). Thread safety: the pull_* calls and the counters may be
/// used from any thread that is not a streaming pool thread (pull_sample blocks the
/// caller); rendering runs in the streaming task.

#include "core/base/base_sink.hpp"
#include "core/sched/task_context.hpp"
#include "core/sched/wakeup.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace tessera::core {

/// A buffer with the caps and segment it arrived under.
struct sample {
  core::buffer buffer;
  core::caps caps;          ///< ANY when no caps were negotiated (e.g. fakesrc)
  core::segment segment;
};

class appsink final : public base_sink {
 public:
  appsink(const element_factory& f, std::string name);
  ~appsink() override;
  static std::unique_ptr<element_factory> factory();

  /// The oldest received sample, waiting up to `timeout` for one. nullopt on timeout
  /// or when the stream ended (is_eos()) or was stopped with nothing left.
  std::optional<sample> pull_sample(std::chrono::milliseconds timeout);
  /// The sample that prerolled the sink (PAUSED), waiting up to `timeout`; nullopt
  /// when none came. A shared reference: the same buffer is rendered in PLAYING.
  std::optional<sample> pull_preroll(std::chrono::milliseconds timeout);
  /// Pulls until EOS or until `timeout` has passed in total.
  std::vector<sample> pull_all(std::chrono::milliseconds timeout);

  /// End of stream arrived and every sample has been pulled (GStreamer's "eos").
  bool is_eos() const;
  /// End of stream arrived (samples may still be queued).
  bool got_eos() const;
  /// Buffers that reached render() since the start (pulled, queued or dropped).
  std::uint64_t received() const;
  /// Buffers dropped because the queue was full with drop=true.
  std::uint64_t dropped_samples() const;
  /// Samples waiting to be pulled.
  std::size_t queued() const;

  bool event(pad& p, core::event ev) override;
  caps query_caps(pad& p, const caps* filter) override;

 protected:
  flow render(buffer& b) override;
  flow preroll(buffer& b) override;
  void on_caps(const caps& c) override;
  void on_eos() override;
  state_change change_state(state from, state to) override;
  void property_changed(std::size_t index) override;

 private:
  struct entry {
    core::buffer buffer;
    std::shared_ptr<const core::caps> caps;
    core::segment segment;
  };

  /// The streaming task's wait for room (drop=false): appsink already is a
  /// deferred_waiter through base_sink, so this one is a member.
  class room_waiter final : public core::deferred_waiter {
   public:
    explicit room_waiter(appsink& owner) : owner_(owner) {}
    boost::asio::awaitable<void> wait_ready() override;
    flow resume() override;

   private:
    appsink& owner_;
  };

  bool full_locked() const;
  void store_locked(entry&& e);
  sample to_sample(entry&& e) const;
  core::caps filter_caps() const;

  std::size_t prop_max_buffers_, prop_drop_, prop_caps_;
  room_waiter room_waiter_{*this};
  wakeup room_wake_;

  mutable std::mutex mutex_;
  std::condition_variable cv_;      // the application waits here for samples
  std::condition_variable room_cv_; // callers outside any task wait here for room
  std::deque<entry> samples_;
  std::deque<entry> waiting_;       // kept aside until there is room (drop=false)
  std::optional<entry> preroll_;
  std::shared_ptr<const core::caps> caps_;  // current caps (streaming side)
  core::segment segment_;
  core::caps filter_;               // the "caps" property parsed (ANY when empty)
  bool eos_ = false;
  bool stopped_ = false;           // PAUSED -> READY until the next start
  bool room_waiting_ = false;
  std::uint64_t received_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace tessera::core
