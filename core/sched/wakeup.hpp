#pragma once
/// A wakeup for one waiting coroutine, signalled from any thread: a binary
/// semaphore built on Asio's thread-safe concurrent_channel of capacity one.
///
/// `notify()` never blocks; notifications coalesce. A waiter always re-checks its
/// condition after waking (a notify that came before the wait is kept, so no wakeup
/// is lost). Waits can be combined with a timer (`wait_until`), and they honour Asio
/// cancellation.
///
/// Thread safety: notify() from any thread; at most one coroutine waits at a time.

#include "core/graph/clock_time.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>

namespace tessera::core {

class wakeup {
 public:
  explicit wakeup(boost::asio::any_io_executor ex);
  wakeup(const wakeup&) = delete;
  wakeup& operator=(const wakeup&) = delete;

  void notify() noexcept;
  /// Drops a pending notification.
  void reset() noexcept;

  boost::asio::awaitable<void> wait();
  /// Waits for a notification or until the monotonic time `deadline` (ns).
  /// Returns true when woken, false on timeout.
  boost::asio::awaitable<bool> wait_until(clock_time deadline);

 private:
  boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> channel_;
};

}  // namespace tessera::core
