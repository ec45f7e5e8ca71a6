#pragma once
/// The process's tile cache: the one MemMgr that `--cache-size` and `--swap-dir`
/// configure (core/README.md). The server calls configure_tile_cache() once at start;
/// elements that keep tiled images ask tile_cache() for it, and the stats (`--stats`,
/// /metrics) read tile_cache_counters().
///
/// Thread safety: all functions may be called from any thread. configure_tile_cache()
/// replaces the manager only while no image uses the old one (the caller's promise:
/// it is meant for start-up); the replaced manager and its frame allocator are kept
/// until the process ends, since frames may still hold their tiles.

#include "core/tiles/frame_tile_allocator.hpp"
#include "core/tiles/mem_mgr.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>

namespace tessera::core {

/// Creates the process's MemMgr: `cache_bytes` (empty: default_cache_bytes(), a
/// quarter of the cgroup or physical memory) and its swap file in `swap_dir` (empty:
/// the system's temporary directory). Errors are mem_mgr::create's (a missing or
/// unwritable swap dir, named).
/// `max_swap_bytes` bounds the swap file (0: the disk's).
result<void> configure_tile_cache(std::optional<std::uint64_t> cache_bytes, std::filesystem::path swap_dir,
                                  std::uint64_t max_swap_bytes = 0);

/// A swap-out error of the process's cache not yet reported (once), as the text a
/// streaming task posts as a warning; empty when there is none. Cheap when there is
/// none (one atomic load): the task loops call it per buffer.
std::optional<std::string> take_tile_cache_warning();

/// The process's MemMgr, created with the defaults on first use if
/// configure_tile_cache() was not called; nullptr if that default creation failed.
mem_mgr* tile_cache();

/// The allocator of tiled frames' tile memories on the process's MemMgr (their bytes
/// count against `--cache-size` and may be swapped out); nullptr when the cache could
/// not be created.
frame_tile_allocator* tile_cache_frame_allocator();

/// Where tiled frames get their tiles: tile_cache_frame_allocator(), or the system
/// allocator when there is no cache.
allocator& tiled_frame_allocator();

/// The process's tile counters (all zero before the cache exists).
tile_counters tile_cache_counters();

}  // namespace tessera::core
