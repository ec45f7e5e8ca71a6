#include "core/sched/task_context.hpp"

namespace tessera::core {
namespace {
thread_local task_context* current_context = nullptr;
}

task_context* task_context::current() noexcept { return current_context; }

task_context::scope::scope(task_context& ctx) noexcept : previous_(current_context) {
  current_context = &ctx;
}

task_context::scope::~scope() { current_context = previous_; }

boost::asio::awaitable<flow> task_context::drain(flow f) {
  while (next_ < deferred_.size()) {
    deferred_waiter* w = deferred_[next_++];
    co_await w->wait_ready();
    flow r;
    {
      scope s(*this);  // the coroutine may have moved to another pool thread
      r = w->resume();
    }
    if (f == flow::ok) f = r;
  }
  deferred_.clear();
  next_ = 0;
  co_return f;
}

}  // namespace tessera::core
