#pragma once
/// tile_cache (GIMP's MemMgr, from its design "MemMgr and ShmMgr"): the allocator,
/// cache and swapper of tile memory. One budget (`cache_bytes`) covers the resident
/// storage of every tile of every tiled_image created with the manager; when it is
/// exceeded, the least recently used tiles not in use are swapped out to one swap file
/// in `swap_dir` (checksummed, LZ4-compressed when that saves an eighth, the file's
/// free space reused), and they are swapped in again when a use needs them.
///
/// How it plugs in: the manager is the cow_block_manager of the tiles' storage, so
/// cow_storage::evict() hands it the bytes (swap_out) and the next use asks for them
/// back (swap_in). Images tell it which tiles exist (track/untrack) and which were
/// just used (touch), which gives the LRU order. The budget is enforced by
/// enforce_budget(), which images call before each use (making room for the tile
/// when it must come in), never from inside an allocation: an allocation runs under a
/// storage's lock, and evicting other storage there could deadlock with a thread
/// doing the same the other way round. Resident bytes pass the budget only when the
/// tiles in use at once do not fit it.
///
/// Failures keep every tile: a swap-out that cannot write (disk full, I/O error)
/// leaves the tile resident and is counted and reported by enforce_budget(); a
/// swap-in whose bytes fail their checksum is an errc::io_error naming the tile
/// storage and the swap file, and the swap copy stays for a retry.
///
/// Asynchronous swap-in: swap_io() is a thread of the manager's own on which
/// async_use (tiled_image) runs the read, so a coroutine on a streaming thread
/// suspends instead of blocking the thread while the disk works.
///
/// Ownership: owns the swap file and the I/O thread; must outlive every image and
/// storage created with it. Thread safety: all members may be called from any thread.

#include "core/memory/cow_block_manager.hpp"
#include "core/tiles/cache_entry.hpp"
#include "core/tiles/managed_tile.hpp"
#include "core/tiles/swap_codec.hpp"
#include "core/tiles/swap_file.hpp"

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tessera::core {

struct tile_cache_config {
  std::uint64_t cache_bytes = 64ull << 20;  ///< budget for resident tile bytes; >= 1
  std::filesystem::path swap_dir;           ///< directory for the swap file; must exist and be writable
  bool compress = true;                     ///< LZ4 when it saves at least an eighth
  std::uint64_t max_swap_bytes = 0;         ///< bound on the swap file size (0: the disk's)
};

/// Counters of a tile cache (monotonic except the resident figures). Readable from any
/// thread; each value is consistent on its own.
struct tile_counters {
  std::uint64_t swapped_out_bytes = 0;  ///< raw tile bytes swapped out
  std::uint64_t swapped_in_bytes = 0;   ///< raw tile bytes swapped in
  std::uint64_t stored_bytes = 0;       ///< bytes written to the swap file (after compression)
  std::uint64_t swap_outs = 0;
  std::uint64_t swap_ins = 0;
  std::uint64_t swap_failures = 0;      ///< swap-outs that failed (the tile stayed resident)
  std::uint64_t cache_hits = 0;         ///< uses that found their tile resident
  std::uint64_t cache_misses = 0;       ///< uses that needed a swap-in
  std::uint64_t resident_bytes = 0;     ///< tile bytes in memory now
  std::uint64_t peak_resident_bytes = 0;
  std::uint64_t tiles_resident = 0;     ///< tile storages in memory now
  std::uint64_t tiles_swapped = 0;      ///< tile storages in the swap file now
};

class tile_cache final : public cow_block_manager {
 public:
  /// Checks the configuration and creates the swap file. Errors: cache_bytes 0
  /// (errc::invalid_argument), a swap dir that is missing or not a directory
  /// (errc::io_error), one where the file cannot be created (errc::permission_denied
  /// or errc::io_error), each naming the directory.
  static result<std::unique_ptr<tile_cache>> create(const tile_cache_config& config);
  ~tile_cache() override;
  tile_cache(const tile_cache&) = delete;
  tile_cache& operator=(const tile_cache&) = delete;

  std::uint64_t cache_bytes() const noexcept { return cache_bytes_.load(std::memory_order_relaxed); }
  /// Changes the budget (tile_cache_set_size); takes effect at the next enforce_budget().
  void set_cache_bytes(std::uint64_t bytes) noexcept;
  /// Simulates a slow disk: every swap-in waits this long before it reads (0: none).
  /// For the tests and benchmarks that show what a swap-in costs the other pipelines.
  void set_read_delay(std::chrono::microseconds delay) noexcept { read_delay_us_.store(delay.count()); }
  tile_counters counters() const noexcept;
  swap_file& swap() noexcept { return *swap_; }
  /// The last error of a swap-out enforce_budget() or flush() met (the tiles stayed
  /// resident), for an element to post on the bus; empty if none.
  std::optional<error> last_swap_error() const;
  /// The swap-out error met since the last call, once: what a streaming task posts
  /// as a warning on its bus (the tiles stayed in memory, over the budget).
  /// has_new_swap_error() is the cheap test to make first.
  bool has_new_swap_error() const noexcept { return new_error_.load(std::memory_order_relaxed); }
  std::optional<error> take_swap_error();
  boost::asio::thread_pool& swap_io() noexcept { return io_; }

  // --- for tiled_image and frame_tile_allocator ---
  /// Lists `e` at the most recently used end.
  void track(cache_entry& e) noexcept;
  /// Takes `e` off the list. The caller makes sure no eviction of `e` is running (it
  /// holds what `e`'s try_claim takes).
  void untrack(cache_entry& e) noexcept;
  /// Moves `e` to the most recently used end and counts a hit or a miss.
  void touch(cache_entry& e, bool was_resident) noexcept;
  /// Moves `e` to the most recently used end without counting (a fresh allocation).
  void refresh(cache_entry& e) noexcept;
  /// Moves `e` to the least recently used end (a freed tile: the first to go).
  void make_coldest(cache_entry& e) noexcept;
  /// Swaps out least recently used idle tiles until the resident bytes plus
  /// `incoming_bytes` (a tile about to be allocated or swapped in) fit the budget,
  /// skipping `keep` (the tile about to be used). Returns the first swap-out error, if
  /// any (the tiles concerned stay resident).
  result<void> enforce_budget(const cache_entry* keep = nullptr, std::uint64_t incoming_bytes = 0);
  /// tile_cache_flush: swaps out every idle tile.
  result<void> flush();

  // --- cow_block_manager ---
  result<std::byte*> allocate(std::size_t size_bytes, std::size_t alignment) noexcept override;
  void deallocate(std::byte* block, std::size_t size_bytes, std::size_t alignment) noexcept override;
  result<void> swap_out(const cow_storage& storage, std::span<const std::byte> bytes) noexcept override;
  result<void> swap_in(const cow_storage& storage, std::span<std::byte> into) noexcept override;
  void discard(const cow_storage& storage) noexcept override;

  // --- the same for any tile memory, keyed by the object that owns the bytes ---
  /// Writes `bytes` to the swap file under `key` (checksummed, maybe compressed).
  result<void> store(const void* key, std::span<const std::byte> bytes) noexcept;
  /// Reads the bytes stored under `key` back into `into` and frees their place, or,
  /// with `keep_copy`, leaves them stored: a tile read back only to be read stays
  /// clean, and its next eviction needs no write (evicted_clean).
  result<void> load(const void* key, std::span<std::byte> into, bool keep_copy = false) noexcept;
  /// Counts the eviction of a clean tile whose copy load() kept: no write.
  void evicted_clean(const void* key) noexcept;
  /// Forgets the bytes stored under `key`: the tile died while swapped out
  /// (`was_out`), or a clean tile's kept copy went stale (it was written or freed).
  void drop(const void* key, bool was_out = true) noexcept;
  /// Counts `bytes` of tile memory becoming resident (+) or leaving RAM (-), and one
  /// tile more or less.
  void count_resident(std::int64_t bytes, int tiles) noexcept;

 private:
  tile_cache(const tile_cache_config& config, std::unique_ptr<swap_file> swap);
  // `back_off`: stop at the first failed swap-out and skip the calls that follow
  // until swap space is given back or swap_full_backoff has passed (enforce_budget).
  result<void> evict_until(std::uint64_t target, const cache_entry* keep, bool back_off);
  // Whether a back-off after a failed swap-out is on (takes mutex_).
  bool backing_off() noexcept;
  // Notes a failed swap-out (holding mutex_): the error, the warning at most once per
  // swap_warning_interval, and the back-off when `back_off`.
  void note_swap_failure_locked(const error& e, bool back_off);

  struct swap_record {
    std::uint64_t offset = 0;
    std::size_t stored_bytes = 0;
    swap_encoding how;
  };

  std::atomic<std::uint64_t> cache_bytes_;
  std::atomic<std::int64_t> read_delay_us_{0};
  std::atomic<bool> new_error_{false};  // last_error_ set and not yet taken
  const bool compress_;
  std::unique_ptr<swap_file> swap_;
  boost::asio::thread_pool io_{1};

  mutable std::mutex mutex_;                 // everything below
  std::list<cache_entry*> lru_;              // front: least recently used
  std::unordered_map<const void*, swap_record> swapped_;
  tile_counters counters_;
  std::optional<error> last_error_;
  // Swap-full back-off: a full swap file stays full for every tile, so after a
  // failed swap-out enforce_budget leaves the tiles in memory over the budget
  // instead of trying every tile again on each allocation.
  bool backoff_ = false;
  std::chrono::steady_clock::time_point backoff_until_;
  std::uint64_t swap_releases_ = 0;  // extents given back to the swap file
  std::uint64_t releases_at_failure_ = 0;
  std::optional<std::chrono::steady_clock::time_point> last_report_;  // of a swap-out failure
};

}  // namespace tessera::core
