#include "core/threads/streaming_pool.hpp"

#include <algorithm>
#include <thread>

namespace tessera::core {

streaming_pool::streaming_pool(std::size_t threads) : threads_(threads), pool_(threads) {}

streaming_pool::~streaming_pool() {
  pool_.stop();
  pool_.join();
}

streaming_pool& streaming_pool::shared() {
  static streaming_pool instance(std::max(2u, std::thread::hardware_concurrency()));
  return instance;
}

}  // namespace tessera::core
