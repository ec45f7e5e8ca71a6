#include "core/tiles/tile_cache.hpp"

#include "core/memory/system_allocator.hpp"
#include "core/tiles/cache_budget.hpp"

#include <atomic>
#include <mutex>
#include <system_error>
#include <vector>

namespace tessera::core {
namespace {

/// The manager and the allocator of frame tiles on it (declared after: it goes first).
struct cache_pair {
  std::unique_ptr<mem_mgr> mgr;
  std::unique_ptr<frame_tile_allocator> frames;
  // A prefetch still queued on the I/O thread holds frame tiles: let it finish and
  // drop them before the allocator goes.
  ~cache_pair() {
    if (mgr) mgr->swap_io().join();
  }
};

std::mutex cache_mutex;
std::unique_ptr<cache_pair> process_cache;  // guarded by cache_mutex
// Caches replaced by configure_tile_cache: frames allocated from them may still be
// alive, so they live on until the process ends.
std::vector<std::unique_ptr<cache_pair>> retired_caches;  // guarded by cache_mutex
bool default_tried = false;                 // guarded by cache_mutex
std::atomic<mem_mgr*> current_cache{nullptr};  // process_cache's manager, for the lock-free test

result<std::unique_ptr<mem_mgr>> make_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir,
                                            std::uint64_t max_swap_bytes = 0) {
  mem_mgr_config c;
  c.max_swap_bytes = max_swap_bytes;
  c.cache_bytes = cache_bytes.value_or(default_cache_bytes());
  if (swap_dir.empty()) {
    std::error_code ec;
    swap_dir = std::filesystem::temp_directory_path(ec);
    if (ec) swap_dir = "/tmp";
  }
  c.swap_dir = std::move(swap_dir);
  return mem_mgr::create(c);
}

std::unique_ptr<cache_pair> pair_of(std::unique_ptr<mem_mgr> m) {
  auto p = std::make_unique<cache_pair>();
  p->frames = std::make_unique<frame_tile_allocator>(*m);
  p->mgr = std::move(m);
  return p;
}

// The cache, created with the defaults on first use; call with cache_mutex held.
cache_pair* current_locked() {
  if (!process_cache && !default_tried) {
    default_tried = true;
    if (auto m = make_cache(std::nullopt, {})) {
      process_cache = pair_of(std::move(*m));
      current_cache.store(process_cache->mgr.get());
    }
  }
  return process_cache.get();
}

}  // namespace

result<void> configure_tile_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir,
                                  std::uint64_t max_swap_bytes) {
  auto m = make_cache(cache_bytes, std::move(swap_dir), max_swap_bytes);
  if (!m) return m.error();
  std::lock_guard lock(cache_mutex);
  if (process_cache) retired_caches.push_back(std::move(process_cache));
  process_cache = pair_of(std::move(*m));
  current_cache.store(process_cache->mgr.get());
  default_tried = true;
  return {};
}

mem_mgr* tile_cache() {
  std::lock_guard lock(cache_mutex);
  cache_pair* c = current_locked();
  return c ? c->mgr.get() : nullptr;
}

frame_tile_allocator* tile_cache_frame_allocator() {
  std::lock_guard lock(cache_mutex);
  cache_pair* c = current_locked();
  return c ? c->frames.get() : nullptr;
}

allocator& tiled_frame_allocator() {
  if (frame_tile_allocator* a = tile_cache_frame_allocator()) return *a;
  return system_allocator();
}

tile_counters tile_cache_counters() {
  std::lock_guard lock(cache_mutex);
  return process_cache ? process_cache->mgr->counters() : tile_counters{};
}


std::optional<std::string> take_tile_cache_warning() {
  mem_mgr* m = current_cache.load(std::memory_order_acquire);
  if (m == nullptr || !m->has_new_swap_error()) return std::nullopt;
  auto e = m->take_swap_error();
  if (!e) return std::nullopt;
  return "tile cache: a swap-out failed, so tiles stay in memory over the " + std::to_string(m->cache_bytes()) +
         "-byte budget: " + e->message;
}

}  // namespace tessera::core
