#pragma once
/// The runtime: what every pipeline of a process (or of a test) shares, owned by the
/// program that runs pipelines (`tessera serve`, `tessera launch`, a test fixture)
/// instead of living in process globals. It holds
///  - the streaming pool, the threads every streaming task runs on;
///  - the tile cache, the one memory manager that `--cache-size` and `--swap-dir`
///    configure (tiles/tile_cache.hpp), and the allocator of tiled frames on it;
///  - the element registry, empty until the caller registers elements into it
///    (`register_builtin_elements`, core/elements/builtin_elements.hpp).
/// Pipelines get it from their registry (build_pipeline) or their constructor, the
/// way they get pipeline_limits; an element reaches it through its factory's registry.
///
/// Lifetime: the runtime outlives its pipelines, their elements and every buffer
/// holding a tile of its cache (the owner destroys those first). Destruction joins the
/// tile cache's I/O thread, then stops and joins the pool.
/// Thread safety: every accessor may be called from any thread.

#include "core/graph/element_factory.hpp"
#include "core/threads/streaming_pool.hpp"
#include "core/support/result.hpp"
#include "core/tiles/frame_tile_allocator.hpp"
#include "core/tiles/tile_cache.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace tessera::core {

struct runtime_config {
  /// Streaming threads; 0: the machine's (hardware_concurrency, at least 2).
  std::size_t threads = 0;
  /// The tile cache's budget in bytes; none: default_cache_bytes() (a quarter of the
  /// cgroup's or the machine's memory).
  std::optional<std::uint64_t> cache_bytes;
  /// Where the swap file goes; empty: the system's temporary directory.
  std::filesystem::path swap_dir;
  /// Bound of the swap file in bytes; 0: the disk's.
  std::uint64_t max_swap_bytes = 0;
  /// The memory budget of every allocator of the process (memory/counters.hpp), in
  /// force while this runtime lives; none: no budget.
  std::optional<std::uint64_t> memory_budget_bytes;
};

class runtime {
 public:
  /// Makes the pool and the tile cache. Errors are the cache's (a missing or
  /// unwritable swap dir, named).
  static result<std::unique_ptr<runtime>> create(const runtime_config& config = {});
  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  streaming_pool& pool() noexcept { return *pool_; }
  boost::asio::any_io_executor executor() noexcept { return pool_->executor(); }
  // Qualified: inside runtime the bare name is this member function.
  core::tile_cache& tile_cache() noexcept { return *cache_; }
  /// Where tiled frames get their tiles: on the tile cache, so they count against its
  /// budget and may be swapped out.
  frame_tile_allocator& tiled_frame_allocator() noexcept { return *frames_; }
  element_registry& registry() noexcept { return registry_; }

  /// A swap-out error of the tile cache not yet reported (once), as the text a
  /// streaming task posts as a warning; empty when there is none. One atomic load
  /// when there is none: streaming tasks call it per buffer.
  std::optional<std::string> take_tile_cache_warning();

 private:
  explicit runtime(std::size_t threads);

  std::optional<std::uint64_t> previous_memory_budget_;  // restored at destruction

  // Declared in the order of making: the pool goes last, after the cache's I/O thread
  // that resumes coroutines on it.
  std::unique_ptr<streaming_pool> pool_;
  std::unique_ptr<core::tile_cache> cache_;
  std::unique_ptr<frame_tile_allocator> frames_;
  element_registry registry_;
};

}  // namespace tessera::core
