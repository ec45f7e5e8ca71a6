#include "core/graph/runtime.hpp"

#include "core/memory/counters.hpp"
#include "core/tiles/cache_budget.hpp"

#include <algorithm>
#include <system_error>
#include <thread>

namespace tessera::core {

runtime::runtime(std::size_t threads)
    : pool_(std::make_unique<streaming_pool>(threads != 0 ? threads
                                                          : std::max(2u, std::thread::hardware_concurrency()))),
      registry_(*this) {}

result<std::unique_ptr<runtime>> runtime::create(const runtime_config& config) {
  tile_cache_config c;
  c.max_swap_bytes = config.max_swap_bytes;
  c.cache_bytes = config.cache_bytes.value_or(default_cache_bytes());
  c.swap_dir = config.swap_dir;
  if (c.swap_dir.empty()) {
    std::error_code ec;
    c.swap_dir = std::filesystem::temp_directory_path(ec);
    if (ec) c.swap_dir = "/tmp";
  }
  auto cache = core::tile_cache::create(c);
  if (!cache) return cache.error();
  std::unique_ptr<runtime> rt(new runtime(config.threads));
  rt->frames_ = std::make_unique<frame_tile_allocator>(**cache);
  rt->cache_ = std::move(*cache);
  if (config.memory_budget_bytes) {
    rt->previous_memory_budget_ = memory_budget();
    set_memory_budget(*config.memory_budget_bytes);
  }
  return rt;
}

runtime::~runtime() {
  // A prefetch still queued on the cache's I/O thread holds frame tiles: let it finish
  // and drop them before the allocator goes (the manager joins it again, harmlessly).
  cache_->swap_io().join();
  frames_.reset();
  cache_.reset();
  pool_.reset();
  if (previous_memory_budget_) set_memory_budget(*previous_memory_budget_);
}

std::optional<std::string> runtime::take_tile_cache_warning() {
  if (!cache_->has_new_swap_error()) return std::nullopt;
  auto e = cache_->take_swap_error();
  if (!e) return std::nullopt;
  return "tile cache: a swap-out failed, so tiles stay in memory over the " + std::to_string(cache_->cache_bytes()) +
         "-byte budget: " + e->message;
}

}  // namespace tessera::core
