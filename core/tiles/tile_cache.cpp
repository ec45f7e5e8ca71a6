#include "core/tiles/tile_cache.hpp"

#include "core/memory/system_allocator.hpp"
#include "core/threads/streaming_pool.hpp"
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

std::atomic<mem_mgr*> current_cache{nullptr};  // the current cache's manager, for the lock-free test

/// The process's caches. Made on first use, after the streaming pool (which its
/// constructor makes first): statics go in the reverse order of their making, so at
/// exit the caches' I/O threads are joined before the pool they resume coroutines on
/// is destroyed.
struct cache_state {
  cache_state() { (void)streaming_pool::shared(); }
  ~cache_state() { current_cache.store(nullptr); }

  std::mutex mutex;
  std::unique_ptr<cache_pair> current;  // guarded by mutex
  // Caches replaced by configure_tile_cache: frames allocated from them may still be
  // alive, so they live on until the process ends.
  std::vector<std::unique_ptr<cache_pair>> retired;  // guarded by mutex
  bool default_tried = false;                        // guarded by mutex
};

cache_state& state() {
  static cache_state s;
  return s;
}

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

// The cache, created with the defaults on first use; call with st.mutex held.
cache_pair* current_locked(cache_state& st) {
  if (!st.current && !st.default_tried) {
    st.default_tried = true;
    if (auto m = make_cache(std::nullopt, {})) {
      st.current = pair_of(std::move(*m));
      current_cache.store(st.current->mgr.get());
    }
  }
  return st.current.get();
}

}  // namespace

result<void> configure_tile_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir,
                                  std::uint64_t max_swap_bytes) {
  auto m = make_cache(cache_bytes, std::move(swap_dir), max_swap_bytes);
  if (!m) return m.error();
  cache_state& st = state();
  std::lock_guard lock(st.mutex);
  if (st.current) st.retired.push_back(std::move(st.current));
  st.current = pair_of(std::move(*m));
  current_cache.store(st.current->mgr.get());
  st.default_tried = true;
  return {};
}

mem_mgr* tile_cache() {
  cache_state& st = state();
  std::lock_guard lock(st.mutex);
  cache_pair* c = current_locked(st);
  return c ? c->mgr.get() : nullptr;
}

frame_tile_allocator* tile_cache_frame_allocator() {
  cache_state& st = state();
  std::lock_guard lock(st.mutex);
  cache_pair* c = current_locked(st);
  return c ? c->frames.get() : nullptr;
}

allocator& tiled_frame_allocator() {
  if (frame_tile_allocator* a = tile_cache_frame_allocator()) return *a;
  return system_allocator();
}

tile_counters tile_cache_counters() {
  cache_state& st = state();
  std::lock_guard lock(st.mutex);
  return st.current ? st.current->mgr->counters() : tile_counters{};
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
