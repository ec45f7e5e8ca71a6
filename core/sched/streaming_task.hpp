#pragma once
/// A streaming task: one coroutine on the streaming pool that drives data through
/// a part of a pipeline (a source's push loop, a queue's output side, a pull-mode
/// driver). It replaces GstTask's thread.
///
/// The owner (an element) starts it with a member coroutine, asks it to stop, and
/// joins it before it dies; the body checks `stop_requested()` between buffers.
/// An exception escaping the body is caught at completion, logged, and reported
/// through `on_exception` (the element posts it on the bus as an error).
///
/// Thread safety: start/request_stop/join from any thread, one start at a time.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

namespace tessera::core {

class streaming_task {
 public:
  explicit streaming_task(std::string name) : name_(std::move(name)) {}
  ~streaming_task();
  streaming_task(const streaming_task&) = delete;
  streaming_task& operator=(const streaming_task&) = delete;

  /// Spawns `body` on `ex`. Does nothing if the task is already running.
  void start(boost::asio::any_io_executor ex, boost::asio::awaitable<void> body,
             std::function<void(const std::string&)> on_exception = {});
  void request_stop() noexcept { stop_.store(true, std::memory_order_release); }
  bool stop_requested() const noexcept { return stop_.load(std::memory_order_acquire); }
  /// Blocks until the body has returned. Must not be called from the task itself.
  void join();
  bool running() const;
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  bool running_ = false;
};

}  // namespace tessera::core
