#pragma once
/// memory: a reference-counted handle to a memory object (GstMemory).
///
/// A memory object manages a region of `maxsize` bytes of which the part from
/// `offset`, `size` bytes long, is visible:
///
///     data ->*-----------------------------------------------*
///            ^------------------- maxsize -------------------^
///                 ^------------ size -----------^
///               offset
///
/// Ownership: every handle holds one reference; copying a handle adds one
/// (atomically), moving transfers it without touching the count, and the region
/// is given back to its allocator when the last reference (and the last
/// memory_map) is gone. A share views part of another memory's region without
/// copying and holds a reference on that memory's root ("its parent"), so the
/// region outlives the original handle if the share does.
///
/// Writability is exactly the design's rule: a memory is writable when its
/// refcount is 1, it has no parent or its parent is writable, and it is not
/// READONLY. Consequently a memory that has been shared is not writable while the
/// share exists, and a share is not writable while anything else refers to its
/// parent. Write access (map for write, resize) needs writability; reading is
/// always allowed.
///
/// Thread safety: like std::shared_ptr. Distinct handles to one memory may be
/// used (copied, dropped, read) from different threads; one handle is not to be
/// modified from two threads at once. Mutations (resize, map for write) need
/// writability, i.e. a handle that is the only reference.

#include "core/memory/memory_block.hpp"
#include "core/memory/memory_flags.hpp"
#include "core/memory/memory_map.hpp"
#include "core/support/result.hpp"

#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>

namespace tessera::core {

class memory {
 public:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  /// An empty handle: no memory; operations on it fail with errc::bad_state.
  memory() noexcept = default;
  memory(const memory& other) noexcept : block_(other.block_) {
    if (block_) detail::add_block_ref(block_);
  }
  memory(memory&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  memory& operator=(const memory& other) noexcept {
    memory(other).swap(*this);
    return *this;
  }
  memory& operator=(memory&& other) noexcept {
    memory(std::move(other)).swap(*this);
    return *this;
  }
  ~memory() {
    if (block_) detail::release_block_ref(block_);
  }
  void swap(memory& other) noexcept { std::swap(block_, other.block_); }
  /// Drops this handle's reference; the handle becomes empty.
  void reset() noexcept { memory().swap(*this); }

  /// Wraps a region the caller owns: `maxsize` bytes at `data`, visible from
  /// `offset` for `size` bytes. `on_release` runs (and must not throw) when the
  /// last reference and map are gone. Pass memory_flags::readonly for data that
  /// must never be written. Not counted as an allocation.
  static result<memory> wrap(std::byte* data, std::size_t maxsize, std::size_t offset,
                             std::size_t size, memory_flags flags,
                             std::function<void()> on_release = {});

  explicit operator bool() const noexcept { return block_ != nullptr; }

  /// Visible bytes.
  std::size_t size() const noexcept { return block_ ? block_->size : 0; }
  /// Bytes from the start of the region to the visible part.
  std::size_t offset() const noexcept { return block_ ? block_->offset : 0; }
  /// Bytes in the region (a share reports its root's region).
  std::size_t maxsize() const noexcept { return block_ ? block_->maxsize : 0; }
  /// Alignment of the start of the region, in bytes.
  std::size_t align() const noexcept { return block_ ? block_->align : 0; }
  /// Handle references; 0 for an empty handle. Maps are not references.
  long use_count() const noexcept { return block_ ? detail::block_use_count(block_) : 0; }
  memory_flags flags() const noexcept;
  /// Name of the allocator the region came from ("system", a pool's name, "wrapped").
  std::string_view allocator_name() const noexcept;

  /// refcount == 1 && (no parent || parent writable) && !READONLY.
  bool is_writable() const noexcept;
  bool is_readonly() const noexcept;
  /// Marks the memory (every handle to it) READONLY; there is no way back.
  void set_readonly() noexcept;
  /// True while at least one memory_map of this memory is alive.
  bool is_mapped() const noexcept;
  /// The memory whose region a share views (adds a reference); empty for a root.
  memory parent() const noexcept;

  /// Sets the visible part to `size` bytes from `offset` (both relative to the
  /// start of the region): it can shrink or grow within maxsize. Needs
  /// writability (errc::not_writable); offset + size > maxsize is errc::out_of_range.
  /// Growing over the prefix/padding clears zero_prefixed/zero_padded.
  result<void> resize(std::size_t offset, std::size_t size);

  /// Maps the visible bytes. Write access needs writability (errc::not_writable);
  /// an access that conflicts with active maps is errc::bad_state.
  result<memory_map> map(map_access access);

  /// A new memory viewing `size` bytes (npos: to the end) from `offset` of the
  /// visible part, without copying; it holds a reference on the root, inherits
  /// READONLY, and makes the original non-writable while it lives.
  /// offset + size > size() is errc::out_of_range.
  result<memory> share(std::size_t offset, std::size_t size = npos) const;

  /// A new writable memory (system allocator, same alignment, at least 16) with a
  /// copy of `size` bytes (npos: to the end) from `offset` of the visible part.
  /// The copy goes through counted_copy.
  result<memory> copy(std::size_t offset = 0, std::size_t size = npos) const;

  /// True when this memory and `next` are shares of the same parent and `next`
  /// starts where this one ends; then *offset_in_parent is this one's start
  /// relative to the parent's visible part.
  bool is_span(const memory& next, std::size_t* offset_in_parent = nullptr) const noexcept;

  /// One share of the parent covering this memory followed by `next`, without
  /// copying. errc::invalid_argument when !is_span(next).
  result<memory> span(const memory& next) const;

  /// Start of the visible bytes, unchecked, read-only: for hot paths that already
  /// hold this reference and only read. nullptr for an empty handle. Writing goes
  /// through map(map_access::write). The address never changes, but the bytes of a
  /// memory whose allocator manages residency (the tile cache) may be swapped out:
  /// read them through data() only while a map or bytes_pinned() holds them.
  const std::byte* data() const noexcept { return block_ ? block_->data + block_->offset : nullptr; }

  /// Holds the bytes resident (reading them back from the tile cache's swap file if
  /// they were swapped out) without mapping: data() may be read while the pin lives.
  /// No-op for ordinary memory. Errors: the swap-in failed.
  result<detail::bytes_pin> bytes_pinned() const noexcept { return detail::bytes_pin::pin(block_); }

  /// The block behind the handle, for allocator implementers (an allocator finding
  /// its own block again). nullptr for an empty handle.
  detail::memory_block* block_for_allocators() const noexcept { return block_; }

  /// True when both handles refer to the same memory object.
  friend bool operator==(const memory& a, const memory& b) noexcept {
    return a.block_ == b.block_;
  }

 private:
  friend memory detail::adopt_block(detail::memory_block* block) noexcept;
  explicit memory(detail::memory_block* adopted) noexcept : block_(adopted) {}

  detail::memory_block* block_ = nullptr;
};

}  // namespace tessera::core
