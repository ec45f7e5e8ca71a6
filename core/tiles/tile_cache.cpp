#include "core/tiles/tile_cache.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/cow_storage.hpp"

#include <new>
#include <thread>
#include <vector>

namespace tessera::core {

result<std::unique_ptr<tile_cache>> tile_cache::create(const tile_cache_config& config) {
  if (config.cache_bytes == 0) {
    return fail(errc::invalid_argument, "tile cache: cache size 0 bytes; it must be at least 1 byte");
  }
  auto swap = swap_file::create(config.swap_dir, config.max_swap_bytes);
  if (!swap) return swap.error();
  return std::unique_ptr<tile_cache>(new tile_cache(config, std::move(*swap)));
}

tile_cache::tile_cache(const tile_cache_config& config, std::unique_ptr<swap_file> swap)
    : cache_bytes_(config.cache_bytes), compress_(config.compress), swap_(std::move(swap)) {}

tile_cache::~tile_cache() { io_.join(); }

void tile_cache::set_cache_bytes(std::uint64_t bytes) noexcept {
  cache_bytes_.store(bytes == 0 ? 1 : bytes, std::memory_order_relaxed);
}

tile_counters tile_cache::counters() const noexcept {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::optional<error> tile_cache::last_swap_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

std::optional<error> tile_cache::take_swap_error() {
  std::lock_guard lock(mutex_);
  if (!new_error_.exchange(false, std::memory_order_relaxed)) return std::nullopt;
  return last_error_;
}

void tile_cache::track(cache_entry& e) noexcept {
  std::lock_guard lock(mutex_);
  if (e.listed_) return;
  lru_.push_back(&e);
  e.lru_position_ = std::prev(lru_.end());
  e.listed_ = true;
}

void tile_cache::untrack(cache_entry& e) noexcept {
  std::lock_guard lock(mutex_);
  if (!e.listed_) return;
  lru_.erase(e.lru_position_);
  e.listed_ = false;
}

void tile_cache::touch(cache_entry& e, bool was_resident) noexcept {
  std::lock_guard lock(mutex_);
  if (was_resident) {
    ++counters_.cache_hits;
  } else {
    ++counters_.cache_misses;
  }
  if (e.listed_) lru_.splice(lru_.end(), lru_, e.lru_position_);
}

void tile_cache::refresh(cache_entry& e) noexcept {
  std::lock_guard lock(mutex_);
  if (e.listed_) lru_.splice(lru_.end(), lru_, e.lru_position_);
}

void tile_cache::make_coldest(cache_entry& e) noexcept {
  std::lock_guard lock(mutex_);
  if (e.listed_) lru_.splice(lru_.begin(), lru_, e.lru_position_);
}

namespace {
// How long enforce_budget leaves the swap file alone after a failed swap-out, unless
// swap space is given back before.
constexpr std::chrono::milliseconds swap_full_backoff{1000};
// A failed swap-out is reported (has_new_swap_error) at most once in this time: a full
// swap file fails again at every retry.
constexpr std::chrono::seconds swap_warning_interval{60};
}  // namespace

result<void> tile_cache::enforce_budget(const cache_entry* keep, std::uint64_t incoming_bytes) {
  const std::uint64_t budget = cache_bytes();
  if (backing_off()) return {};
  return evict_until(budget > incoming_bytes ? budget - incoming_bytes : 0, keep, true);
}

result<void> tile_cache::flush() { return evict_until(0, nullptr, false); }

bool tile_cache::backing_off() noexcept {
  std::lock_guard lock(mutex_);
  if (!backoff_) return false;
  if (swap_releases_ == releases_at_failure_ && std::chrono::steady_clock::now() < backoff_until_) return true;
  backoff_ = false;
  return false;
}

void tile_cache::note_swap_failure_locked(const error& e, bool back_off) {
  const auto now = std::chrono::steady_clock::now();
  last_error_ = e;
  if (!last_report_ || now - *last_report_ >= swap_warning_interval) {
    last_report_ = now;
    new_error_.store(true, std::memory_order_relaxed);
  }
  if (back_off) {
    backoff_ = true;
    backoff_until_ = now + swap_full_backoff;
    releases_at_failure_ = swap_releases_;
  }
}

result<void> tile_cache::evict_until(std::uint64_t target, const cache_entry* keep, bool back_off) {
  std::optional<error> first_error;
  std::size_t attempts = 0;
  for (;;) {
    cache_entry* victim = nullptr;
    {
      std::lock_guard lock(mutex_);
      if (counters_.resident_bytes <= target || attempts >= lru_.size()) break;
      // The coldest entry nobody is operating on right now. Trying it moves it to the
      // back, so each entry is tried once per call.
      for (auto it = lru_.begin(); it != lru_.end() && attempts < lru_.size(); ++it) {
        cache_entry* e = *it;
        if (e == keep) continue;
        ++attempts;
        if (e->try_claim()) {
          victim = e;
          lru_.splice(lru_.end(), lru_, e->lru_position_);
          break;
        }
      }
    }
    if (victim == nullptr) break;
    // Without our lock: the swap-out calls store(), which takes it.
    if (auto r = victim->evict_claimed(); !r && r.error() != errc::bad_state) {
      if (!first_error) first_error = r.error();
      if (back_off) break;
    }
  }
  if (first_error) {
    std::lock_guard lock(mutex_);
    note_swap_failure_locked(*first_error, back_off);
    return *first_error;
  }
  return {};
}

result<void> managed_tile::evict_claimed() noexcept {
  // Holding the tile's mutex (the claim): evict() takes the storage's lock and calls
  // swap_out, which takes the manager's.
  std::lock_guard tile_lock(mutex, std::adopt_lock);
  cow_storage* s = ptr.storage();
  if (s == nullptr || !s->resident() || s->use_count() > 0) return fail(errc::bad_state, "tile in use");
  return s->evict();
}

void tile_cache::count_resident(std::int64_t bytes, int tiles) noexcept {
  std::lock_guard lock(mutex_);
  counters_.resident_bytes = static_cast<std::uint64_t>(static_cast<std::int64_t>(counters_.resident_bytes) + bytes);
  counters_.tiles_resident = static_cast<std::uint64_t>(static_cast<std::int64_t>(counters_.tiles_resident) + tiles);
  counters_.peak_resident_bytes = std::max(counters_.peak_resident_bytes, counters_.resident_bytes);
}

result<std::byte*> tile_cache::allocate(std::size_t size_bytes, std::size_t alignment) noexcept {
  if (!try_count_allocation(size_bytes))
    return fail(errc::no_memory, "tile cache: cannot allocate a " + std::to_string(size_bytes) +
                                     "-byte tile: " + allocation_failure_reason(size_bytes));
  void* p = ::operator new(size_bytes, std::align_val_t{alignment}, std::nothrow);
  if (p == nullptr) {
    uncount_allocation(size_bytes);
    return fail(errc::no_memory, "tile cache: allocating a " + std::to_string(size_bytes) + "-byte tile failed");
  }
  std::lock_guard lock(mutex_);
  counters_.resident_bytes += size_bytes;
  ++counters_.tiles_resident;
  counters_.peak_resident_bytes = std::max(counters_.peak_resident_bytes, counters_.resident_bytes);
  return static_cast<std::byte*>(p);
}

void tile_cache::deallocate(std::byte* block, std::size_t size_bytes, std::size_t alignment) noexcept {
  ::operator delete(block, std::align_val_t{alignment});
  count_free(size_bytes);
  std::lock_guard lock(mutex_);
  counters_.resident_bytes -= size_bytes;
  --counters_.tiles_resident;
}

result<void> tile_cache::swap_out(const cow_storage& storage, std::span<const std::byte> bytes) noexcept {
  return store(&storage, bytes);
}

result<void> tile_cache::swap_in(const cow_storage& storage, std::span<std::byte> into) noexcept {
  return load(&storage, into);
}

void tile_cache::discard(const cow_storage& storage) noexcept { drop(&storage); }

result<void> tile_cache::store(const void* key, std::span<const std::byte> bytes) noexcept {
  std::vector<std::byte> stored;
  try {
    auto how = encode_for_swap(bytes, compress_, stored);
    if (!how) return how.error();
    auto offset = swap_->reserve(stored.size());
    if (!offset) {
      std::lock_guard lock(mutex_);
      ++counters_.swap_failures;
      return offset.error();
    }
    if (auto w = swap_->write(*offset, stored); !w) {
      swap_->release(*offset, stored.size());
      std::lock_guard lock(mutex_);
      ++counters_.swap_failures;
      return w.error();
    }
    std::lock_guard lock(mutex_);
    swapped_[key] = swap_record{*offset, stored.size(), *how};
    counters_.swapped_out_bytes += bytes.size();
    counters_.stored_bytes += stored.size();
    ++counters_.swap_outs;
    ++counters_.tiles_swapped;
    return {};
  } catch (const std::bad_alloc&) {
    return fail(errc::no_memory, "tile cache: no memory to encode a tile for the swap file");
  }
}

result<void> tile_cache::load(const void* key, std::span<std::byte> into, bool keep_copy) noexcept {
  swap_record record;
  {
    std::lock_guard lock(mutex_);
    auto it = swapped_.find(key);
    if (it == swapped_.end()) {
      return fail(errc::bad_state, "tile cache: a " + std::to_string(into.size()) +
                                       "-byte tile has no copy in the swap file");
    }
    record = it->second;
  }
  if (const auto delay = read_delay_us_.load(std::memory_order_relaxed); delay > 0)
    std::this_thread::sleep_for(std::chrono::microseconds(delay));
  try {
    std::vector<std::byte> stored(record.stored_bytes);
    if (auto r = swap_->read(record.offset, stored); !r) return r.error();
    const std::string what = "the " + std::to_string(into.size()) + "-byte tile at offset " +
                             std::to_string(record.offset) + " of swap file " + swap_->path().string();
    // On a bad checksum the swap copy stays: the tile is not lost to a retry.
    if (auto r = decode_from_swap(stored, record.how, into, what); !r) return r.error();
  } catch (const std::bad_alloc&) {
    return fail(errc::no_memory, "tile cache: no memory to read a tile back from the swap file");
  }
  std::lock_guard lock(mutex_);
  if (!keep_copy) {
    swapped_.erase(key);
    swap_->release(record.offset, record.stored_bytes);
    ++swap_releases_;
  }
  counters_.swapped_in_bytes += into.size();
  ++counters_.swap_ins;
  --counters_.tiles_swapped;
  return {};
}

void tile_cache::evicted_clean(const void*) noexcept {
  std::lock_guard lock(mutex_);
  ++counters_.tiles_swapped;
}

void tile_cache::drop(const void* key, bool was_out) noexcept {
  std::lock_guard lock(mutex_);
  auto it = swapped_.find(key);
  if (it == swapped_.end()) return;
  swap_->release(it->second.offset, it->second.stored_bytes);
  ++swap_releases_;
  swapped_.erase(it);
  if (was_out) --counters_.tiles_swapped;
}

}  // namespace tessera::core
