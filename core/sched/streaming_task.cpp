#include "core/sched/streaming_task.hpp"

#include "core/sched/task_context.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace tessera::core {

namespace asio = boost::asio;

asio::awaitable<task_body::readiness> task_body::prepare() { co_return readiness::go; }

streaming_task::~streaming_task() {
  request_stop();
  join();
}

void streaming_task::start(asio::any_io_executor ex, task_body& body, task_reports reports) {
  {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  stop_.store(false, std::memory_order_release);
  asio::co_spawn(std::move(ex), run(body, std::move(reports.at_boundary)),
                 [this, failed = std::move(reports.failed)](std::exception_ptr e) {
                   if (e) {
                     std::string what = "unknown exception";
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       what = ex.what();
                     } catch (...) {
                     }
                     spdlog::error("streaming task {} failed: {}", name_, what);
                     if (failed) failed(what);
                   }
                   // Notify under the lock: a joiner may destroy *this as soon as it
                   // sees running_ == false.
                   std::lock_guard lock(mutex_);
                   running_ = false;
                   done_cv_.notify_all();
                 });
}

asio::awaitable<void> streaming_task::run(task_body& body, std::function<void()> at_boundary) {
  task_context ctx;
  unsigned since_yield = 0;
  while (!stop_requested()) {
    const task_body::readiness ready = co_await body.prepare();
    if (ready == task_body::readiness::end) break;
    if (ready == task_body::readiness::again) continue;
    flow f;
    {
      task_context::scope in_task(ctx);
      f = body.iterate();
    }
    if (ctx.has_deferred()) f = co_await ctx.drain(f);
    if (at_boundary) at_boundary();
    if (f == flow::ok) {
      if (++since_yield == iterations_between_yields) {
        since_yield = 0;
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      }
      continue;
    }
    bool go_on = false;
    {
      task_context::scope in_task(ctx);
      go_on = body.stopped(f);
    }
    if (!go_on) break;
  }
  if (ctx.has_deferred()) co_await ctx.drain(flow::ok);
}

void streaming_task::join() {
  std::unique_lock lock(mutex_);
  done_cv_.wait(lock, [&] { return !running_; });
}

bool streaming_task::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

}  // namespace tessera::core
