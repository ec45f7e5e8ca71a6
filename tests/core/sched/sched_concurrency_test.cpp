// The scheduling primitives with threads (runs under TSan): wakeup (a notification
// is never lost, wait_until times out, notifications coalesce) and streaming_task
// (start, stop, join, exceptions). Every wait is bounded; times are lower bounds.
#include "core/sched/streaming_task.hpp"
#include "core/sched/wakeup.hpp"

#include "core/graph/clock_time.hpp"
#include "core/sched/streaming_pool.hpp"
#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <thread>

namespace tessera::core {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::eventually;
using test::within;

constexpr clock_time ms = 1'000'000;

/// Runs `op` on a local io_context in this thread, at most `limit`.
template <class T>
std::optional<T> run_bounded(asio::awaitable<T> op, std::chrono::milliseconds limit = 5s) {
  asio::io_context ioc;
  std::optional<T> result;
  asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e, T r) {
    if (!e) result = r;
  });
  ioc.run_for(limit);
  return result;
}

asio::awaitable<bool> wait_then_true(wakeup* w) {
  co_await w->wait();
  co_return true;
}

asio::awaitable<bool> wait_until(wakeup* w, clock_time deadline) { co_return co_await w->wait_until(deadline); }

TEST(Wakeup, NotifyBeforeWaitIsNotLost) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  w.notify();
  EXPECT_EQ(run_bounded(wait_then_true(&w), 2s), true) << "a notification before the wait must be kept";
}

TEST(Wakeup, NotifyFromAnotherThreadWakesTheWaiter) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  const clock_time start = monotonic_now();
  std::thread notifier([&] {
    std::this_thread::sleep_for(20ms);
    w.notify();
  });
  const auto woke = run_bounded(wait_then_true(&w), 10s);
  notifier.join();
  EXPECT_EQ(woke, true);
  EXPECT_GE(monotonic_now() - start, 19 * ms);
}

TEST(Wakeup, WaitUntilTimesOutWhenNobodyNotifies) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  const clock_time start = monotonic_now();
  EXPECT_EQ(run_bounded(wait_until(&w, start + 30 * ms)), false);
  EXPECT_GE(monotonic_now() - start, 29 * ms);
}

TEST(Wakeup, WaitUntilReturnsTrueWhenNotifiedFromAnotherThreadBeforeTheDeadline) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  std::thread notifier([&] {
    std::this_thread::sleep_for(20ms);
    w.notify();
  });
  const clock_time start = monotonic_now();
  EXPECT_EQ(run_bounded(wait_until(&w, start + 60'000 * ms), 30s), true);
  notifier.join();
}

TEST(Wakeup, NotificationsCoalesce) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  w.notify();
  w.notify();
  EXPECT_EQ(run_bounded(wait_until(&w, monotonic_now() + 1000 * ms)), true);
  EXPECT_EQ(run_bounded(wait_until(&w, monotonic_now() + 20 * ms)), false) << "two notifies wake one wait";
}

TEST(Wakeup, ResetDropsAPendingNotification) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  w.notify();
  w.reset();
  EXPECT_EQ(run_bounded(wait_until(&w, monotonic_now() + 20 * ms)), false);
}

TEST(Wakeup, PastDeadlineTakesAPendingNotificationWithoutWaiting) {
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  w.notify();
  EXPECT_EQ(run_bounded(wait_until(&w, monotonic_now() - 1)), true);
  EXPECT_EQ(run_bounded(wait_until(&w, monotonic_now() - 1)), false);
}

TEST(Wakeup, ManyNotifiersNeverLoseTheLastNotification) {
  // A waiter that re-checks a counter after each wake sees every increment.
  asio::io_context ioc;
  wakeup w(ioc.get_executor());
  std::atomic<int> produced{0};
  constexpr int per_thread = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) {
        produced.fetch_add(1);
        w.notify();
      }
    });
  auto consume = [](wakeup* w, std::atomic<int>* produced, int total) -> asio::awaitable<bool> {
    while (produced->load() < total) co_await w->wait();
    co_return true;
  };
  const auto done = run_bounded(consume(&w, &produced, 4 * per_thread), 20s);
  for (auto& t : threads) t.join();
  EXPECT_EQ(done, true) << "the waiter slept through the last notification";
}

// ---------------------------------------------------------------- streaming_task

asio::awaitable<void> spin(streaming_task* task, std::atomic<int>* iterations, std::atomic<bool>* finished) {
  while (!task->stop_requested()) {
    iterations->fetch_add(1);
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  }
  finished->store(true);
}

asio::awaitable<void> set_flag(std::atomic<bool>* flag) {
  flag->store(true);
  co_return;
}

asio::awaitable<void> throw_after_yield(std::string what) {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  throw std::runtime_error(what);
}

TEST(StreamingTask, StartRunsTheBodyAndStopJoinWaitsForItToReturn) {
  streaming_task task("t");
  std::atomic<int> iterations{0};
  std::atomic<bool> finished{false};
  task.start(test_runtime().pool().executor(), spin(&task, &iterations, &finished));
  EXPECT_TRUE(task.running());
  ASSERT_TRUE(eventually([&] { return iterations.load() > 10; }));
  task.request_stop();
  within(10s, "join", [&] { task.join(); });
  EXPECT_TRUE(finished.load()) << "join returned before the body did";
  EXPECT_FALSE(task.running());
  const int at_stop = iterations.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(iterations.load(), at_stop);
}

TEST(StreamingTask, ExceptionLeavingTheBodyIsReportedAndTheTaskEnds) {
  streaming_task task("t");
  std::atomic<bool> reported{false};
  std::string what;
  std::mutex m;
  task.start(test_runtime().pool().executor(), throw_after_yield("boom"), [&](const std::string& w) {
    std::lock_guard lock(m);
    what = w;
    reported = true;
  });
  within(10s, "join", [&] { task.join(); });
  EXPECT_TRUE(reported.load());
  std::lock_guard lock(m);
  EXPECT_EQ(what, "boom");
  EXPECT_FALSE(task.running());
}

TEST(StreamingTask, StartWhileRunningIsIgnoredAndARestartAfterJoinRuns) {
  streaming_task task("t");
  std::atomic<int> iterations{0};
  std::atomic<bool> finished{false}, second{false};
  task.start(test_runtime().pool().executor(), spin(&task, &iterations, &finished));
  task.start(test_runtime().pool().executor(), set_flag(&second));
  ASSERT_TRUE(eventually([&] { return iterations.load() > 5; }));
  task.request_stop();
  within(10s, "join", [&] { task.join(); });
  EXPECT_FALSE(second.load()) << "a second start while running must not run its body";

  task.start(test_runtime().pool().executor(), set_flag(&second));
  within(10s, "join", [&] { task.join(); });
  EXPECT_TRUE(second.load());
  EXPECT_FALSE(task.stop_requested()) << "a restart clears the stop request";
}

TEST(StreamingTask, DestructorStopsAndJoins) {
  std::atomic<int> iterations{0};
  std::atomic<bool> finished{false};
  auto task = std::make_unique<streaming_task>("t");
  task->start(test_runtime().pool().executor(), spin(task.get(), &iterations, &finished));
  ASSERT_TRUE(eventually([&] { return iterations.load() > 5; }));
  within(10s, "~streaming_task", [&] { task.reset(); });
  EXPECT_TRUE(finished.load());
}

TEST(StreamingTask, JoinWithoutStartReturnsAtOnce) {
  streaming_task task("t");
  within(1s, "join", [&] { task.join(); });
  EXPECT_FALSE(task.running());
}

}  // namespace
}  // namespace tessera::core
