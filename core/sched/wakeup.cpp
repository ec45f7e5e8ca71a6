#include "core/sched/wakeup.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tessera::core {

namespace asio = boost::asio;

namespace {
using channel_type = asio::experimental::concurrent_channel<void(boost::system::error_code)>;
using strand_type = asio::strand<asio::any_io_executor>;

// The channel raced against a timer on a strand; true when the channel won. Typed on
// the strand throughout: wrapped in an any_io_executor the strand would live in a
// shared target whose fence-based refcount TSan cannot follow.
asio::awaitable<bool, strand_type> race_timer(channel_type& channel, clock_time duration_ns) {
  using namespace asio::experimental::awaitable_operators;
  constexpr asio::use_awaitable_t<strand_type> on_strand;
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, strand_type>
      timer(co_await asio::this_coro::executor);
  timer.expires_after(std::chrono::nanoseconds(duration_ns));
  boost::system::error_code ec1, ec2;
  auto which = co_await (channel.async_receive(asio::redirect_error(on_strand, ec1)) ||
                         timer.async_wait(asio::redirect_error(on_strand, ec2)));
  co_return which.index() == 0;
}
}  // namespace

wakeup::wakeup(asio::any_io_executor ex) : channel_(std::move(ex), 1) {}

void wakeup::notify() noexcept { channel_.try_send(boost::system::error_code{}); }

void wakeup::reset() noexcept {
  channel_.try_receive([](boost::system::error_code) {});
}

asio::awaitable<void> wakeup::wait() {
  boost::system::error_code ec;
  co_await channel_.async_receive(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<bool> wakeup::wait_until(clock_time deadline) {
  const clock_time now = monotonic_now();
  if (deadline <= now) {
    // Consume a pending notification without suspending.
    bool woke = false;
    channel_.try_receive([&](boost::system::error_code) { woke = true; });
    co_return woke;
  }
  // Asio's awaitable operators are not thread-safe on a multi-threaded executor: the
  // branch that completes first emits cancellation to the other while that one may be
  // completing on another pool thread (TSan; chriskohlhoff/asio#1348). The race runs
  // on a strand of its own, so both completions and the cancellation are serialized.
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(strand, race_timer(channel_, deadline - now), asio::use_awaitable);
}

}  // namespace tessera::core
