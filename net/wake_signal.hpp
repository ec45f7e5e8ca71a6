#pragma once
/// Internal: a doorbell that lets any thread wake one coroutine waiting on a strand.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>

namespace tessera::net::detail {

/// One waiter (a writer coroutine) sleeps in wait(); ring() on the strand or the
/// notifier from any thread wakes it. Wakes may be spurious and a ring with nobody
/// waiting is lost, so the waiter re-checks its condition before every wait, with no
/// suspension between the check and the wait. Held by shared_ptr so a notifier posted
/// from another thread keeps the timer alive until it runs.
class wake_signal {
 public:
  explicit wake_signal(boost::asio::any_io_executor strand);

  /// Strand only.
  boost::asio::awaitable<void> wait();
  /// Strand only.
  void ring();
  /// A callable for send_queue::set_notifier: posts ring() to the strand if the signal
  /// still exists. Holds no executor and no strong reference.
  static std::function<void()> notifier(const std::shared_ptr<wake_signal>& signal);

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace tessera::net::detail
