#include "core/sched/streaming_task.hpp"

#include <boost/asio/co_spawn.hpp>
#include <spdlog/spdlog.h>

namespace tessera::core {

streaming_task::~streaming_task() {
  request_stop();
  join();
}

void streaming_task::start(boost::asio::any_io_executor ex, boost::asio::awaitable<void> body,
                           std::function<void(const std::string&)> on_exception) {
  {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  stop_.store(false, std::memory_order_release);
  boost::asio::co_spawn(std::move(ex), std::move(body),
                        [this, on_exception = std::move(on_exception)](std::exception_ptr e) {
                          if (e) {
                            std::string what = "unknown exception";
                            try {
                              std::rethrow_exception(e);
                            } catch (const std::exception& ex) {
                              what = ex.what();
                            } catch (...) {
                            }
                            spdlog::error("streaming task {} failed: {}", name_, what);
                            if (on_exception) on_exception(what);
                          }
                          // Notify under the lock: a joiner may destroy *this as soon as
                          // it sees running_ == false.
                          std::lock_guard lock(mutex_);
                          running_ = false;
                          done_cv_.notify_all();
                        });
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
