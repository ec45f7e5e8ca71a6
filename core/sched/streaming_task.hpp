#pragma once
/// A streaming task: one coroutine on the runtime's streaming pool that drives data
/// through a part of a pipeline (a source's push loop, a queue's output side, a
/// pull-mode driver). It replaces GstTask's thread, and as gst_pad_start_task runs one
/// function over and over, it runs one body's iterate() over and over.
///
/// The task owns the boundary protocol, so no element writes it again:
///   1. `co_await body.prepare()`: the body waits for its data (a queue for an item, a
///      live source for PLAYING) and brings swapped-out tiles in, off the synchronous
///      section (tiles/frame_residency.hpp);
///   2. `body.iterate()` inside the task's scope (task_context::scope): plain calls,
///      create and push; a hop that must wait defers itself (task_context::defer);
///   3. the deferred waiters are awaited and resumed (task_context::drain);
///   4. `at_boundary()`: the owner's reports between iterations (elements post the
///      runtime's warnings, e.g. a failed swap-out of the tile cache);
///   5. on ok, every `iterations_between_yields` the pool thread is yielded so other
///      tasks (other pipelines) keep running on a 2-core machine; on anything else
///      `body.stopped(f)` in the task's scope says whether the task goes on.
///
/// The owner starts it, asks it to stop, and joins it before it dies; the loop checks
/// `stop_requested()` before every iteration. An exception escaping the body is caught
/// at completion, logged, and reported through `failed` (the element posts it on the
/// bus as an error). element::start_streaming (graph/element.hpp) fills the reports
/// for elements.
///
/// Thread safety: start/request_stop/join from any thread, one start at a time. The
/// body's functions all run on the task, one at a time.

#include "core/graph/flow.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace tessera::core {

/// Iterations a task runs without waiting before it yields its pool thread.
inline constexpr unsigned iterations_between_yields = 64;

/// What a streaming task runs: the element's side of the protocol above.
class task_body {
 public:
  enum class readiness {
    go,     ///< run iterate()
    again,  ///< nothing to do yet: check for a stop and prepare again
    end,    ///< end the task (a queue that is flushing)
  };

  /// Awaited before each iteration, outside the synchronous section. Default: go.
  virtual boost::asio::awaitable<readiness> prepare();
  /// One iteration inside the task's scope. ok goes on.
  virtual flow iterate() = 0;
  /// The first result that is not ok (after the deferred waits were resumed), inside
  /// the task's scope: send EOS, post an error, remember the end. True goes on (a
  /// queue keeps serving a queued EOS after a downstream error), false ends the task.
  virtual bool stopped(flow f) = 0;

 protected:
  ~task_body() = default;
};

/// What a task tells its owner.
struct task_reports {
  /// An exception escaped the body (its what()); the task has ended.
  std::function<void(const std::string&)> failed;
  /// After every iteration, once its deferred waits are resumed.
  std::function<void()> at_boundary;
};

class streaming_task {
 public:
  explicit streaming_task(std::string name) : name_(std::move(name)) {}
  ~streaming_task();
  streaming_task(const streaming_task&) = delete;
  streaming_task& operator=(const streaming_task&) = delete;

  /// Runs `body` on `ex` until it ends or a stop is requested. Does nothing if the
  /// task is already running. `body` outlives the run (the owner joins first).
  void start(boost::asio::any_io_executor ex, task_body& body, task_reports reports = {});
  void request_stop() noexcept { stop_.store(true, std::memory_order_release); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }
  /// Blocks until the body has returned. Must not be called from the task itself.
  void join();
  bool running() const;
  const std::string& name() const noexcept { return name_; }

 private:
  boost::asio::awaitable<void> run(task_body& body, std::function<void()> at_boundary);

  std::string name_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool running_ = false;
};

}  // namespace tessera::core
