#include "net/wake_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tessera::net::detail {

namespace asio = boost::asio;

wake_signal::wake_signal(asio::any_io_executor strand) : timer_(std::move(strand)) {}

asio::awaitable<void> wake_signal::wait() {
  timer_.expires_at(asio::steady_timer::time_point::max());
  // Cancellation is the wake-up; the error code carries no other meaning here.
  (void)co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
}

void wake_signal::ring() { timer_.cancel(); }

std::function<void()> wake_signal::notifier(const std::shared_ptr<wake_signal>& signal) {
  return [weak = std::weak_ptr<wake_signal>(signal)] {
    if (auto s = weak.lock()) {
      auto ex = s->timer_.get_executor();
      asio::post(ex, [s = std::move(s)] { s->ring(); });
    }
  };
}

}  // namespace tessera::net::detail
