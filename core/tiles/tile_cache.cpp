#include "core/tiles/tile_cache.hpp"

#include "core/tiles/cache_budget.hpp"

#include <mutex>
#include <system_error>

namespace tessera::core {
namespace {

std::mutex cache_mutex;
std::unique_ptr<mem_mgr> process_cache;  // guarded by cache_mutex
bool default_tried = false;              // guarded by cache_mutex

result<std::unique_ptr<mem_mgr>> make_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir) {
  mem_mgr_config c;
  c.cache_bytes = cache_bytes.value_or(default_cache_bytes());
  if (swap_dir.empty()) {
    std::error_code ec;
    swap_dir = std::filesystem::temp_directory_path(ec);
    if (ec) swap_dir = "/tmp";
  }
  c.swap_dir = std::move(swap_dir);
  return mem_mgr::create(c);
}

}  // namespace

result<void> configure_tile_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir) {
  auto m = make_cache(cache_bytes, std::move(swap_dir));
  if (!m) return m.error();
  std::lock_guard lock(cache_mutex);
  process_cache = std::move(*m);
  default_tried = true;
  return {};
}

mem_mgr* tile_cache() {
  std::lock_guard lock(cache_mutex);
  if (!process_cache && !default_tried) {
    default_tried = true;
    if (auto m = make_cache(std::nullopt, {})) process_cache = std::move(*m);
  }
  return process_cache.get();
}

tile_counters tile_cache_counters() {
  std::lock_guard lock(cache_mutex);
  return process_cache ? process_cache->counters() : tile_counters{};
}

}  // namespace tessera::core
