#pragma once
/// The header every memory object has, for allocator implementers.
///
/// A `memory` handle is one pointer to a `detail::memory_block`. A root block
/// owns (or, for wrapped memory, borrows) a region of `maxsize` bytes at `data`;
/// a share block views part of its root's region and holds one reference on the
/// root (`parent`). The system and pool allocators place the header and the
/// region in one allocation, the way GStreamer's system memory does.
///
/// Reference counting: `state` packs three things into one atomic word so that
/// "free when nothing refers to the block" is a single test against zero:
///   bits  0..31  handle references (what memory::use_count() reports),
///   bits 32..61  active maps (a memory_map pins the block without counting as a
///                reference, so a mapped memory keeps its writability),
///   bits 62..63  the access of the active maps (read = 1, write = 2).
/// When the word reaches zero the block is destroyed: a share header is deleted
/// and its root released; a root goes back to its `owner` (freed or pooled).

#include "core/memory/memory_flags.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tessera::core {

class memory;

namespace detail {

struct memory_block;

/// Whoever takes a root block back when its last reference and map are gone:
/// an allocator (or the pool's shared core). Must outlive every block it owns.
class block_owner {
 public:
  /// Called once per root block, from whichever thread dropped the last reference.
  virtual void release_block(memory_block* block) noexcept = 0;
  virtual std::string_view owner_name() const noexcept = 0;

 protected:
  ~block_owner() = default;
};

inline constexpr std::uint64_t ref_one = 1;
inline constexpr std::uint64_t ref_mask = 0xffff'ffffULL;
inline constexpr int map_shift = 32;
inline constexpr std::uint64_t map_one = 1ULL << map_shift;
inline constexpr std::uint64_t map_count_mask = ((1ULL << 30) - 1) << map_shift;
inline constexpr int mode_shift = 62;
inline constexpr std::uint64_t mode_mask = 3ULL << mode_shift;

struct memory_block {
  std::atomic<std::uint64_t> state{ref_one};  ///< see the file comment
  block_owner* owner = nullptr;   ///< root: who takes it back; share: the root's owner (for names)
  memory_block* parent = nullptr;  ///< share: its root (one reference held); pooled root: free-list link
  std::byte* data = nullptr;       ///< start of the region of maxsize bytes
  std::size_t maxsize = 0;         ///< bytes in the region
  std::size_t offset = 0;          ///< bytes from data to the visible part
  std::size_t size = 0;            ///< bytes visible
  std::size_t align = 1;           ///< bytes; data is aligned to it
  std::atomic<std::uint32_t> flags{0};  ///< memory_flags bits
};

/// Bytes of header in front of the region of a one-allocation root block.
inline constexpr std::size_t root_header_bytes =
    (sizeof(memory_block) + __STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1) &
    ~std::size_t{__STDCPP_DEFAULT_NEW_ALIGNMENT__ - 1};

/// Allocates header + region of `maxsize` bytes aligned to `align` (a power of
/// two) in one allocation, counted with count_allocation. The header is fresh
/// (one reference, offset 0, size maxsize, no flags). nullptr when out of memory
/// or when the total overflows.
memory_block* allocate_root_block(block_owner* owner, std::size_t maxsize,
                                  std::size_t align) noexcept;
/// Gives back a block made by allocate_root_block (counted with count_free).
void free_root_block(memory_block* block) noexcept;

/// Wraps a block whose state holds one handle reference into a handle (counted as
/// a live memory object). The block must be fully set up.
memory adopt_block(memory_block* block) noexcept;

/// Destroys a block nothing refers to any more (state word zero).
void destroy_block(memory_block* block) noexcept;

/// Adds a handle reference.
inline void add_block_ref(memory_block* block) noexcept {
  block->state.fetch_add(ref_one, std::memory_order_relaxed);
}

/// Drops a handle reference; destroys the block when it was the last thing
/// referring to it (the whole state word was exactly one reference).
inline void release_block_ref(memory_block* block) noexcept {
  if (block->state.fetch_sub(ref_one, std::memory_order_acq_rel) == ref_one) destroy_block(block);
}

/// Adds an active map with access bits `access` (1 read, 2 write) when that is
/// compatible with the maps already active: none, or a subset of their access.
/// Returns false and the state seen otherwise.
bool try_pin_map(memory_block* block, std::uint32_t access, std::uint64_t* seen) noexcept;
/// Removes an active map; destroys the block when nothing refers to it any more.
void unpin_map(memory_block* block) noexcept;

/// The design's rule: refcount 1, parent (chain) writable, not READONLY.
bool block_writable(const memory_block* block) noexcept;
/// Why block_writable is false, for error messages ("memory is shared (use_count 2)").
std::string why_not_writable(const memory_block* block);

/// Handle references (bits 0..31 of the state word).
inline long block_use_count(const memory_block* block) noexcept {
  return static_cast<long>(block->state.load(std::memory_order_acquire) & ref_mask);
}

}  // namespace detail
}  // namespace tessera::core
