#pragma once
/// How a streaming task suspends without making every hop a coroutine.
///
/// Inside a task, a buffer moves from element to element by plain calls
/// (pad::push -> element::chain), the way a GStreamer chain function runs inside its
/// streaming thread. Most calls never need to wait. The few that must (a queue that
/// is full, a sink waiting for its clock time or for PLAYING, identity's sleep) do
/// not block the thread: they keep the data they were given, register themselves
/// here with `defer()`, and return. When the synchronous call stack has unwound, the
/// task awaits each deferred waiter in order and lets it `resume()` the work (which
/// may push further and defer again). The common hop therefore costs a virtual call,
/// with no heap allocation, lock or atomic read-modify-write.
///
/// The context of the task running on this thread is found through a thread-local
/// set by `scope` around every synchronous section.

#include "core/graph/flow.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <vector>

namespace tessera::core {

/// Implemented by elements that may have to wait in the middle of a push.
class deferred_waiter {
 public:
  /// Suspends until the waiter can go on (or is flushing).
  virtual boost::asio::awaitable<void> wait_ready() = 0;
  /// Finishes the deferred work: one call per `defer()`.
  virtual flow resume() = 0;

 protected:
  ~deferred_waiter() = default;
};

class task_context {
 public:
  task_context() { deferred_.reserve(16); }
  task_context(const task_context&) = delete;
  task_context& operator=(const task_context&) = delete;

  /// The context of the task whose synchronous section runs on this thread, or null
  /// outside of any task (a plain call from a test or the control thread).
  static task_context* current() noexcept;

  void defer(deferred_waiter& w) { deferred_.push_back(&w); }
  bool has_deferred() const noexcept { return next_ < deferred_.size(); }

  /// Awaits and resumes every deferred waiter, including ones deferred by the
  /// resumptions themselves. Returns `f` if it is not ok, else the first non-ok
  /// result of a resumption.
  boost::asio::awaitable<flow> drain(flow f);

  /// Marks this thread as running `ctx`'s synchronous section.
  class scope {
   public:
    explicit scope(task_context& ctx) noexcept;
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

   private:
    task_context* previous_;
  };

 private:
  std::vector<deferred_waiter*> deferred_;
  std::size_t next_ = 0;
};

}  // namespace tessera::core
