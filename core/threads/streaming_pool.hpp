#pragma once
/// The threads every pipeline's streaming tasks run on: one asio::thread_pool,
/// owned by the runtime (graph/runtime.hpp) and shared by all its pipelines. No
/// element owns a thread; a task is a coroutine on this pool.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>

namespace tessera::core {

class streaming_pool {
 public:
  explicit streaming_pool(std::size_t threads);
  ~streaming_pool();
  streaming_pool(const streaming_pool&) = delete;
  streaming_pool& operator=(const streaming_pool&) = delete;

  boost::asio::any_io_executor executor() noexcept { return pool_.get_executor(); }
  std::size_t size() const noexcept { return threads_; }

 private:
  std::size_t threads_;
  boost::asio::thread_pool pool_;
};

}  // namespace tessera::core
