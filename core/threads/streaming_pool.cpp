#include "core/threads/streaming_pool.hpp"

namespace tessera::core {

streaming_pool::streaming_pool(std::size_t threads) : threads_(threads), pool_(threads) {}

streaming_pool::~streaming_pool() {
  pool_.stop();
  pool_.join();
}

}  // namespace tessera::core
