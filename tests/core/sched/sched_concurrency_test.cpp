// The scheduling primitives with threads (runs under TSan): wakeup (a notification
// is never lost, wait_until times out, notifications coalesce) and streaming_task
// (start, stop, join, exceptions, the boundary protocol's order, yielding). Every wait is bounded; times are lower bounds.
#include "core/sched/streaming_task.hpp"
#include "core/sched/wakeup.hpp"

#include "core/graph/clock_time.hpp"
#include "core/threads/streaming_pool.hpp"
#include "core/sched/task_context.hpp"
#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tessera::core {
namespace sched_concurrency_test {

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

/// A body that counts its iterations and never waits; iterate() marks itself busy
/// for a moment so a join that returned early would see it.
class counting_body final : public task_body {
 public:
  flow iterate() override {
    busy.store(true);
    iterations.fetch_add(1);
    if (throw_at != 0 && iterations.load() == throw_at) throw std::runtime_error("boom");
    busy.store(false);
    return flow::ok;
  }
  bool stopped(flow) override { return false; }

  std::atomic<int> iterations{0};
  std::atomic<bool> busy{false};
  int throw_at = 0;
};

/// A body that runs once and sets a flag.
class once_body final : public task_body {
 public:
  flow iterate() override {
    ran.store(true);
    return flow::eos;
  }
  bool stopped(flow) override { return false; }
  std::atomic<bool> ran{false};
};

TEST(StreamingTask, StartRunsTheBodyAndStopJoinWaitsForItToReturn) {
  streaming_task task("t");
  counting_body body;
  task.start(test_runtime().executor(), body);
  EXPECT_TRUE(task.running());
  ASSERT_TRUE(eventually([&] { return body.iterations.load() > 10; }));
  task.request_stop();
  within(10s, "join", [&] { task.join(); });
  EXPECT_FALSE(body.busy.load()) << "join returned while the body was running";
  EXPECT_FALSE(task.running());
  const int at_stop = body.iterations.load();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(body.iterations.load(), at_stop);
}

TEST(StreamingTask, ExceptionLeavingTheBodyIsReportedAndTheTaskEnds) {
  streaming_task task("t");
  counting_body body;
  body.throw_at = 3;
  std::atomic<bool> reported{false};
  std::string what;
  std::mutex m;
  task_reports reports;
  reports.failed = [&](const std::string& w) {
    std::lock_guard lock(m);
    what = w;
    reported = true;
  };
  task.start(test_runtime().executor(), body, std::move(reports));
  within(10s, "join", [&] { task.join(); });
  EXPECT_TRUE(reported.load());
  std::lock_guard lock(m);
  EXPECT_EQ(what, "boom");
  EXPECT_FALSE(task.running());
  EXPECT_EQ(body.iterations.load(), 3);
}

TEST(StreamingTask, StartWhileRunningIsIgnoredAndARestartAfterJoinRuns) {
  streaming_task task("t");
  counting_body spin;
  once_body second;
  task.start(test_runtime().executor(), spin);
  task.start(test_runtime().executor(), second);
  ASSERT_TRUE(eventually([&] { return spin.iterations.load() > 5; }));
  task.request_stop();
  within(10s, "join", [&] { task.join(); });
  EXPECT_FALSE(second.ran.load()) << "a second start while running must not run its body";

  task.start(test_runtime().executor(), second);
  within(10s, "join", [&] { task.join(); });
  EXPECT_TRUE(second.ran.load());
  EXPECT_FALSE(task.stop_requested()) << "a restart clears the stop request";
}

TEST(StreamingTask, DestructorStopsAndJoins) {
  counting_body body;
  auto task = std::make_unique<streaming_task>("t");
  task->start(test_runtime().executor(), body);
  ASSERT_TRUE(eventually([&] { return body.iterations.load() > 5; }));
  within(10s, "~streaming_task", [&] { task.reset(); });
  EXPECT_FALSE(body.busy.load());
}

TEST(StreamingTask, JoinWithoutStartReturnsAtOnce) {
  streaming_task task("t");
  within(1s, "join", [&] { task.join(); });
  EXPECT_FALSE(task.running());
}

/// Records the order of the protocol's steps: prepare, iterate (which defers a wait
/// on its second round), the deferred resume, the boundary, stopped.
class protocol_body final : public task_body, private deferred_waiter {
 public:
  boost::asio::awaitable<readiness> prepare() override {
    log("prepare");
    // The first round has nothing ready yet: the task asks again without iterating.
    co_return ++prepares == 1 ? readiness::again : readiness::go;
  }
  flow iterate() override {
    log(std::string("iterate") + (task_context::current() != nullptr ? " in scope" : " outside"));
    ++iterations;
    if (iterations == 1) task_context::current()->defer(*this);
    return iterations == 1 ? flow::ok : flow::not_linked;
  }
  bool stopped(flow f) override {
    log(std::string("stopped ") + std::string(to_string(f)) +
        (task_context::current() != nullptr ? " in scope" : " outside"));
    return false;
  }
  void boundary() { log("boundary"); }

  std::vector<std::string> steps() {
    std::lock_guard lock(m_);
    return steps_;
  }

 private:
  boost::asio::awaitable<void> wait_ready() override {
    log("wait");
    co_return;
  }
  flow resume() override {
    log("resume");
    return flow::ok;
  }
  void log(std::string s) {
    std::lock_guard lock(m_);
    steps_.push_back(std::move(s));
  }

  int prepares = 0;
  int iterations = 0;
  std::mutex m_;
  std::vector<std::string> steps_;
};

TEST(StreamingTask, RunsTheBoundaryProtocolInOrder) {
  streaming_task task("t");
  protocol_body body;
  task_reports reports;
  reports.at_boundary = [&] { body.boundary(); };
  task.start(test_runtime().executor(), body, std::move(reports));
  within(10s, "join", [&] { task.join(); });
  const std::vector<std::string> want = {"prepare",  "prepare", "iterate in scope", "wait",
                                         "resume",   "boundary", "prepare",         "iterate in scope",
                                         "boundary", "stopped not-linked in scope"};
  EXPECT_EQ(body.steps(), want);
}

TEST(StreamingTask, ABodyThatNeverWaitsLeavesAOneThreadPoolToOthers) {
  // Two tasks that never wait on one thread: each yields every
  // iterations_between_yields, so both advance.
  streaming_pool pool(1);
  streaming_task a("a"), b("b");
  counting_body first, second;
  a.start(pool.executor(), first);
  b.start(pool.executor(), second);
  const bool both = eventually([&] {
    return first.iterations.load() > int(iterations_between_yields) * 4 &&
           second.iterations.load() > int(iterations_between_yields) * 4;
  });
  a.request_stop();
  b.request_stop();
  within(10s, "join", [&] {
    a.join();
    b.join();
  });
  EXPECT_TRUE(both) << first.iterations.load() << " and " << second.iterations.load() << " iterations";
}

}  // namespace sched_concurrency_test
}  // namespace tessera::core
