// task_context: how a streaming task suspends without making each hop a coroutine.
// Deferred waiters are awaited and resumed in FIFO order after the synchronous call
// stack unwinds; resumptions may defer again; drain reports the first failure. Runs
// on a local io_context in the test thread (run_for with a deadline).
#include "core/sched/task_context.hpp"

#include "tests/core/support/test_elements.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <optional>

namespace tessera::core {
namespace task_context_test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

/// Logs its waits and resumptions; answers each resume with the next result.
class logging_waiter : public deferred_waiter {
 public:
  logging_waiter(std::string name, std::vector<std::string>& log, std::deque<flow> results = {})
      : name_(std::move(name)), log_(&log), results_(std::move(results)) {}
  std::function<void()> on_resume;  // runs inside resume()

  asio::awaitable<void> wait_ready() override {
    log_->push_back(name_ + ":wait");
    co_return;
  }
  flow resume() override {
    log_->push_back(name_ + ":resume");
    if (on_resume) on_resume();
    if (results_.empty()) return flow::ok;
    const flow f = results_.front();
    results_.pop_front();
    return f;
  }

 private:
  std::string name_;
  std::vector<std::string>* log_;
  std::deque<flow> results_;
};

/// Runs ctx.drain(f) to completion on a local io_context; nullopt if it did not finish.
std::optional<flow> drain_now(task_context& ctx, flow f) {
  asio::io_context ioc;
  std::optional<flow> result;
  asio::co_spawn(ioc, ctx.drain(f), [&](std::exception_ptr e, flow r) {
    if (!e) result = r;
  });
  ioc.run_for(5s);
  return result;
}

TEST(TaskContext, CurrentIsTheContextOfTheInnermostScope) {
  EXPECT_EQ(task_context::current(), nullptr);
  task_context a, b;
  {
    task_context::scope sa(a);
    EXPECT_EQ(task_context::current(), &a);
    {
      task_context::scope sb(b);
      EXPECT_EQ(task_context::current(), &b);
    }
    EXPECT_EQ(task_context::current(), &a);
  }
  EXPECT_EQ(task_context::current(), nullptr);
}

TEST(TaskContext, DeferredWaitersAreAwaitedAndResumedInFifoOrder) {
  std::vector<std::string> log;
  logging_waiter a("a", log), b("b", log);
  task_context ctx;
  ctx.defer(a);
  ctx.defer(b);
  ctx.defer(a);  // the same waiter twice in one push: once per defer
  ASSERT_TRUE(ctx.has_deferred());
  EXPECT_TRUE(log.empty()) << "nothing runs before the drain";

  EXPECT_EQ(drain_now(ctx, flow::ok), flow::ok);
  EXPECT_EQ(log, (std::vector<std::string>{"a:wait", "a:resume", "b:wait", "b:resume", "a:wait", "a:resume"}));
  EXPECT_FALSE(ctx.has_deferred());
}

TEST(TaskContext, DrainReturnsTheFirstNonOkResultAndStillResumesEveryone) {
  std::vector<std::string> log;
  logging_waiter a("a", log, {flow::ok}), b("b", log, {flow::eos}), c("c", log, {flow::error});
  task_context ctx;
  ctx.defer(a);
  ctx.defer(b);
  ctx.defer(c);
  EXPECT_EQ(drain_now(ctx, flow::ok), flow::eos);
  EXPECT_EQ(log.size(), 6u);
}

TEST(TaskContext, DrainKeepsAFailureThatCameBeforeIt) {
  std::vector<std::string> log;
  logging_waiter a("a", log, {flow::eos});
  task_context ctx;
  ctx.defer(a);
  EXPECT_EQ(drain_now(ctx, flow::flushing), flow::flushing);
  EXPECT_EQ(log, (std::vector<std::string>{"a:wait", "a:resume"}));
}

TEST(TaskContext, ResumptionsMayDeferAgainAndAreDrainedInTheSamePass) {
  std::vector<std::string> log;
  logging_waiter a("a", log), b("b", log);
  task_context ctx;
  task_context* seen_in_resume = nullptr;
  a.on_resume = [&] {
    seen_in_resume = task_context::current();
    task_context::current()->defer(b);
  };
  ctx.defer(a);
  EXPECT_EQ(drain_now(ctx, flow::ok), flow::ok);
  EXPECT_EQ(seen_in_resume, &ctx) << "resume() runs inside the task's scope";
  EXPECT_EQ(log, (std::vector<std::string>{"a:wait", "a:resume", "b:wait", "b:resume"}));
  EXPECT_FALSE(ctx.has_deferred());
}

TEST(TaskContext, ContextIsReusableAfterADrain) {
  std::vector<std::string> log;
  logging_waiter a("a", log);
  task_context ctx;
  ctx.defer(a);
  ASSERT_EQ(drain_now(ctx, flow::ok), flow::ok);
  ctx.defer(a);
  ASSERT_EQ(drain_now(ctx, flow::ok), flow::ok);
  EXPECT_EQ(log.size(), 4u);
  EXPECT_EQ(drain_now(ctx, flow::ok), flow::ok) << "draining nothing is fine";
}

/// An element that, for each buffer, keeps it and a copy and defers itself twice:
/// each resumption pushes one of them on.
class defer_twice : public element, public deferred_waiter {
 public:
  using element::element;
  static std::vector<property_spec> properties() { return {}; }
  std::deque<buffer> held;
  int waits = 0, resumes = 0;

  flow chain(pad&, buffer&& b) override {
    task_context* ctx = task_context::current();
    if (!ctx) return flow::error;
    buffer second = b.share();
    second.pts = b.pts + 1;
    held.push_back(std::move(b));
    held.push_back(std::move(second));
    ctx->defer(*this);
    ctx->defer(*this);
    return flow::ok;
  }
  asio::awaitable<void> wait_ready() override {
    ++waits;
    co_return;
  }
  flow resume() override {
    ++resumes;
    buffer b = std::move(held.front());
    held.pop_front();
    return static_pad(pad_direction::src)->push(std::move(b));
  }
};

TEST(TaskContext, AnElementDeferringTwiceInOnePushIsResumedTwiceInOrder) {
  auto src_f = test::test_factory<test::harness_src>("s", {test::src_template(caps::new_any())});
  auto mid_f = test::test_factory<defer_twice>(
      "d", {test::sink_template(caps::new_any()), test::src_template(caps::new_any())});
  auto sink_f = test::test_factory<test::probe_sink>("k", {test::sink_template(caps::new_any())});
  auto src = src_f->create(*src_f, "src");
  auto mid = mid_f->create(*mid_f, "mid");
  auto sink = sink_f->create(*sink_f, "sink");
  link(*src->find_pad("src"), *mid->find_pad("sink")).value();
  link(*mid->find_pad("src"), *sink->find_pad("sink")).value();
  auto& d = static_cast<defer_twice&>(*mid);
  auto& k = static_cast<test::probe_sink&>(*sink);

  task_context ctx;
  buffer b = test::pattern_buffer(8);
  b.pts = 100;
  {
    task_context::scope in_task(ctx);
    ASSERT_EQ(src->find_pad("src")->push(std::move(b)), flow::ok);
  }
  EXPECT_TRUE(k.buffers.empty()) << "both buffers wait for the drain";
  EXPECT_EQ(drain_now(ctx, flow::ok), flow::ok);
  EXPECT_EQ(d.waits, 2);
  EXPECT_EQ(d.resumes, 2);
  ASSERT_EQ(k.buffers.size(), 2u);
  EXPECT_EQ(k.buffers[0].pts, 100);
  EXPECT_EQ(k.buffers[1].pts, 101);
}

}  // namespace task_context_test
}  // namespace tessera::core
