#pragma once
/// The bound on `tessera serve`'s shutdown (docs/deploy.md): from the signal on, the
/// process ends within the deadline whatever its pipelines do. The orderly shutdown
/// (connections closed, every pipeline to NULL) runs as before; if it has not finished
/// when the deadline passes, because an element is blocked where no state change
/// reaches it (a write to a pipe nobody reads, a device that does not answer), the
/// process says which pipeline was still stopping and exits with status 1 at once,
/// without destructors, which would wait on the same blocked thread.
///
/// Thread safety: arm(), stopping() and finished() from any thread.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace tessera::server {

class shutdown_deadline {
 public:
  explicit shutdown_deadline(std::chrono::milliseconds limit) : limit_(limit) {}
  /// finished(), then joins the watchdog.
  ~shutdown_deadline();
  shutdown_deadline(const shutdown_deadline&) = delete;
  shutdown_deadline& operator=(const shutdown_deadline&) = delete;

  /// Starts the clock (the first call only): a watchdog thread ends the process when
  /// finished() has not been called within the limit.
  void arm();
  /// What the shutdown is doing now, named in the message if the deadline passes.
  void stopping(std::string what);
  /// The orderly shutdown is done: the watchdog stands down.
  void finished();

  std::chrono::milliseconds limit() const noexcept { return limit_; }

 private:
  void watch();

  const std::chrono::milliseconds limit_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool finished_ = false;
  std::string doing_ = "closing connections";
  std::thread watchdog_;
};

}  // namespace tessera::server
