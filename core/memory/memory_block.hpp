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
#include "core/support/result.hpp"

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
///
/// Residency: an owner whose blocks' bytes may leave RAM while nobody looks at them
/// (the tile cache swaps cold tiles out, keeping their address) is constructed with
/// `manages_residency`. The memory core then brackets every access to the bytes (a
/// map, a copy, a merge) with pin_bytes/unpin_bytes on the root block, so the bytes
/// are brought back before they are read and stay while they are used. For every
/// other owner the test is one load of a constant flag.
class block_owner {
 public:
  /// Called once per root block, from whichever thread dropped the last reference.
  virtual void release_block(memory_block* block) noexcept = 0;
  virtual std::string_view owner_name() const noexcept = 0;

  bool manages_residency() const noexcept { return manages_residency_; }
  /// Makes the root block's bytes resident (reading them back if they were swapped
  /// out, on the calling thread) and keeps them so until the matching unpin_bytes.
  /// `for_write`: the bytes may change (a write map), so a swap copy of them is stale.
  /// Only called when manages_residency(). Errors: the read failed (the bytes stay
  /// where they were, for a retry).
  virtual result<void> pin_bytes(memory_block* root, bool for_write) noexcept;
  virtual void unpin_bytes(memory_block* root) noexcept;

  /// Foreign references: an owner whose blocks wrap bytes that another reference
  /// counter also holds (an FFmpeg AVBufferRef the decoder may still use as a
  /// reference frame) is constructed with `has_foreign_refs`; a root block of it is
  /// writable only while `foreign_writable` says so too (av_buffer_is_writable).
  /// For every other owner the test is one load of a constant flag.
  bool has_foreign_refs() const noexcept { return has_foreign_refs_; }
  virtual bool foreign_writable(const memory_block* root) const noexcept;

 protected:
  constexpr explicit block_owner(bool manages_residency = false, bool has_foreign_refs = false) noexcept
      : manages_residency_(manages_residency), has_foreign_refs_(has_foreign_refs) {}
  ~block_owner() = default;

 private:
  const bool manages_residency_;
  const bool has_foreign_refs_;
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

/// The root of a live block: itself, or the root a share views.
inline memory_block* root_block(memory_block* block) noexcept { return block->parent ? block->parent : block; }

/// Holds a block's bytes resident (block_owner::pin_bytes) for its life: a no-op for
/// owners that do not manage residency. Move-only; pin() reports the read error.
class bytes_pin {
 public:
  bytes_pin() noexcept = default;
  static result<bytes_pin> pin(memory_block* block, bool for_write = false) noexcept {
    bytes_pin p;
    if (block == nullptr || block->owner == nullptr || !block->owner->manages_residency()) return p;
    memory_block* root = root_block(block);
    if (auto r = root->owner->pin_bytes(root, for_write); !r) return r.error();
    p.root_ = root;
    return p;
  }
  bytes_pin(bytes_pin&& o) noexcept : root_(o.root_) { o.root_ = nullptr; }
  bytes_pin& operator=(bytes_pin&& o) noexcept {
    if (this != &o) {
      reset();
      root_ = o.root_;
      o.root_ = nullptr;
    }
    return *this;
  }
  bytes_pin(const bytes_pin&) = delete;
  bytes_pin& operator=(const bytes_pin&) = delete;
  ~bytes_pin() { reset(); }
  void reset() noexcept {
    if (root_ != nullptr) root_->owner->unpin_bytes(root_);
    root_ = nullptr;
  }
  /// Whether bytes are pinned (false for memory whose owner does not manage residency).
  explicit operator bool() const noexcept { return root_ != nullptr; }
  /// Gives up the pin without unpinning (the caller unpins the root later).
  memory_block* release() noexcept {
    memory_block* r = root_;
    root_ = nullptr;
    return r;
  }

 private:
  memory_block* root_ = nullptr;
};

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
/// An offset or size for an error message: "npos" for memory::npos, else the number.
std::string size_text(std::size_t n);

/// Handle references (bits 0..31 of the state word).
inline long block_use_count(const memory_block* block) noexcept {
  return static_cast<long>(block->state.load(std::memory_order_acquire) & ref_mask);
}

}  // namespace detail
}  // namespace tessera::core
