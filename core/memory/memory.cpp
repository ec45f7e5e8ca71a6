// The memory object model of gst-memory.txt: refcounted handles to a region with
// maxsize/offset/size, shares that view a root's region and hold a reference on
// it, copies through counted_copy, spans that merge adjacent shares without
// copying, and the writability rule that everything else checks.
//
// Shares always point at the root (a share of a share views the same root
// region), as GStreamer's system memory does, so "adjacent shares of one parent"
// is a pointer comparison and a chain never grows deeper than one level. The
// writability check still walks the parent chain, so an allocator that builds
// deeper chains would be judged correctly.

#include "core/memory/memory.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/system_allocator.hpp"

#include <algorithm>
#include <new>
#include <string>

namespace tessera::core {
namespace {

using detail::memory_block;
using detail::block_writable;

std::uint64_t map_mode(const memory_block* b) noexcept {
  const std::uint64_t s = b->state.load(std::memory_order_acquire);
  return (s & detail::map_count_mask) ? s >> detail::mode_shift : 0;
}

error empty_handle(const char* what) {
  return error(errc::bad_state, std::string("memory::") + what + ": empty memory handle");
}

}  // namespace

// Explains why a memory is not writable, for error messages.
std::string detail::size_text(std::size_t n) { return n == memory::npos ? "npos" : std::to_string(n); }

std::string detail::why_not_writable(const memory_block* b) {
  std::string why;
  for (int depth = 0; b; b = b->parent, ++depth) {
    const char* who = depth == 0 ? "memory" : "its parent";
    const long refs = detail::block_use_count(b);
    if (refs != 1) {
      why = std::string(who) + " is shared (use_count " + std::to_string(refs) + ")";
      break;
    }
    if (b->flags.load(std::memory_order_relaxed) & static_cast<std::uint32_t>(memory_flags::readonly)) {
      why = std::string(who) + " is READONLY";
      break;
    }
    if (b->parent == nullptr && b->owner != nullptr && b->owner->has_foreign_refs() &&
        !b->owner->foreign_writable(b)) {
      why = std::string(who) + " is still referenced by " + std::string(b->owner->owner_name());
      break;
    }
  }
  return why;
}

namespace {

// Wrapped memory: the header carries the release callback.
struct wrapped_block : memory_block {
  std::function<void()> on_release;
};

class wrapped_owner final : public detail::block_owner {
 public:
  void release_block(memory_block* block) noexcept override {
    auto* w = static_cast<wrapped_block*>(block);
    if (w->on_release) w->on_release();
    delete w;
  }
  std::string_view owner_name() const noexcept override { return "wrapped"; }
};

constinit wrapped_owner wrapped_owner_instance;

}  // namespace

result<memory> memory::wrap(std::byte* data, std::size_t maxsize, std::size_t offset,
                            std::size_t size, memory_flags flags,
                            std::function<void()> on_release) {
  if (!data && maxsize != 0) {
    return fail(errc::invalid_argument,
                "memory::wrap: null data with maxsize " + std::to_string(maxsize));
  }
  if (offset > maxsize || size > maxsize - offset) {
    return fail(errc::out_of_range, "memory::wrap(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                        "): exceeds maxsize " + std::to_string(maxsize));
  }
  auto* block = new (std::nothrow) wrapped_block;
  if (!block) return fail(errc::no_memory, "memory::wrap: cannot allocate a header");
  block->owner = &wrapped_owner_instance;
  block->data = data;
  block->maxsize = maxsize;
  block->offset = offset;
  block->size = size;
  // The largest power of two dividing the address (capped): what the data really is aligned to.
  const auto addr = reinterpret_cast<std::uintptr_t>(data);
  block->align = addr ? std::min<std::size_t>(addr & (~addr + 1), 4096) : 1;
  block->flags.store(static_cast<std::uint32_t>(flags), std::memory_order_relaxed);
  block->on_release = std::move(on_release);
  return detail::adopt_block(block);
}

memory_flags memory::flags() const noexcept {
  return block_ ? static_cast<memory_flags>(block_->flags.load(std::memory_order_relaxed))
                : memory_flags::none;
}

std::string_view memory::allocator_name() const noexcept {
  return block_ ? block_->owner->owner_name() : std::string_view{};
}

bool memory::is_writable() const noexcept { return block_ && block_writable(block_); }

bool memory::is_readonly() const noexcept { return has_any(flags(), memory_flags::readonly); }

void memory::set_readonly() noexcept {
  if (block_) {
    block_->flags.fetch_or(static_cast<std::uint32_t>(memory_flags::readonly),
                           std::memory_order_relaxed);
  }
}

bool memory::is_mapped() const noexcept {
  return block_ && (block_->state.load(std::memory_order_acquire) & detail::map_count_mask) != 0;
}

memory memory::parent() const noexcept {
  if (!block_ || !block_->parent) return {};
  detail::add_block_ref(block_->parent);
  return memory(block_->parent);
}

result<void> memory::resize(std::size_t offset, std::size_t size) {
  if (!block_) return empty_handle("resize");
  if (offset > block_->maxsize || size > block_->maxsize - offset) {
    return fail(errc::out_of_range, "memory::resize(offset=" + detail::size_text(offset) + ", size=" +
                                        detail::size_text(size) + "): exceeds maxsize " +
                                        std::to_string(block_->maxsize));
  }
  if (!block_writable(block_)) {
    return fail(errc::not_writable, "memory::resize(offset=" + detail::size_text(offset) + ", size=" +
                                        detail::size_text(size) + "): " + detail::why_not_writable(block_));
  }
  std::uint32_t clear = 0;
  if (offset > block_->offset) clear |= static_cast<std::uint32_t>(memory_flags::zero_prefixed);
  if (offset + size < block_->offset + block_->size)
    clear |= static_cast<std::uint32_t>(memory_flags::zero_padded);
  if (clear) block_->flags.fetch_and(~clear, std::memory_order_relaxed);
  block_->offset = offset;
  block_->size = size;
  return {};
}

result<memory_map> memory::map(map_access access) {
  if (!block_) return empty_handle("map");
  const auto bits = static_cast<std::uint32_t>(access);
  if (bits == 0 || bits > 3) {
    return fail(errc::invalid_argument,
                "memory::map: invalid access " + std::to_string(bits) + " (read=1, write=2)");
  }
  if ((bits & static_cast<std::uint32_t>(map_access::write)) && !block_writable(block_)) {
    return fail(errc::not_writable, std::string("memory::map(") + std::string(to_string(access)) +
                                        "): " + detail::why_not_writable(block_));
  }
  // The bytes first (a swapped-out tile comes back here); the map then holds them.
  auto bytes = detail::bytes_pin::pin(block_, (bits & static_cast<std::uint32_t>(map_access::write)) != 0);
  if (!bytes) {
    return error(bytes.error().code,
                 std::string("memory::map(") + std::string(to_string(access)) + "): " + bytes.error().message);
  }
  std::uint64_t seen = 0;
  if (!detail::try_pin_map(block_, bits, &seen)) {
    const auto maps = (seen & detail::map_count_mask) >> detail::map_shift;
    const auto mode = static_cast<map_access>(seen >> detail::mode_shift);
    return fail(errc::bad_state, std::string("memory::map(") + std::string(to_string(access)) +
                                     "): already mapped for " + std::string(to_string(mode)) +
                                     " (" + std::to_string(maps) + " active maps)");
  }
  bytes->release();  // memory_map::release unpins them
  return memory_map(block_, access, block_->data + block_->offset, block_->size);
}

result<memory> memory::share(std::size_t offset, std::size_t size) const {
  if (!block_) return empty_handle("share");
  const std::size_t visible = block_->size;
  if (offset > visible || (size != npos && size > visible - offset)) {
    return fail(errc::out_of_range, "memory::share(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                        "): exceeds memory size " + std::to_string(visible));
  }
  if (size == npos) size = visible - offset;
  if (map_mode(block_) & static_cast<std::uint64_t>(map_access::write)) {
    return fail(errc::bad_state, "memory::share(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                     "): memory is mapped for write");
  }
  memory_block* root = block_->parent ? block_->parent : block_;
  auto* share = new (std::nothrow) memory_block;
  if (!share) return fail(errc::no_memory, "memory::share: cannot allocate a header");
  detail::add_block_ref(root);
  share->owner = root->owner;
  share->parent = root;
  share->data = block_->data;
  share->maxsize = block_->maxsize;
  share->offset = block_->offset + offset;
  share->size = size;
  share->align = block_->align;
  share->flags.store(block_->flags.load(std::memory_order_relaxed) &
                         static_cast<std::uint32_t>(memory_flags::readonly),
                     std::memory_order_relaxed);
  return detail::adopt_block(share);
}

result<memory> memory::copy(std::size_t offset, std::size_t size) const {
  if (!block_) return empty_handle("copy");
  const std::size_t visible = block_->size;
  if (offset > visible || (size != npos && size > visible - offset)) {
    return fail(errc::out_of_range, "memory::copy(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                        "): exceeds memory size " + std::to_string(visible));
  }
  if (size == npos) size = visible - offset;
  if (map_mode(block_) == static_cast<std::uint64_t>(map_access::write)) {
    return fail(errc::bad_state, "memory::copy(offset=" + detail::size_text(offset) + ", size=" + detail::size_text(size) +
                                     "): memory is mapped write-only");
  }
  alloc_params params;
  params.align = std::max<std::size_t>(block_->align, 16);
  auto bytes = detail::bytes_pin::pin(block_);
  if (!bytes) return bytes.error();
  auto out = system_allocator().allocate(size, params);
  if (!out) return out;
  counted_copy(out->block_->data + out->block_->offset, block_->data + block_->offset + offset,
               size);
  return out;
}

bool memory::is_span(const memory& next, std::size_t* offset_in_parent) const noexcept {
  if (!block_ || !next.block_) return false;
  const memory_block* parent = block_->parent;
  if (!parent || parent != next.block_->parent) return false;
  if (block_->offset + block_->size != next.block_->offset) return false;
  // A share grown (by resize) in front of its parent's visible part has no offset in it.
  if (block_->offset < parent->offset) return false;
  if (offset_in_parent) *offset_in_parent = block_->offset - parent->offset;
  return true;
}

result<memory> memory::span(const memory& next) const {
  std::size_t start = 0;
  if (!is_span(next, &start)) {
    return fail(errc::invalid_argument,
                "memory::span: not adjacent shares of one parent (this: offset " +
                    std::to_string(offset()) + " size " + std::to_string(size()) +
                    ", next: offset " + std::to_string(next.offset()) + " size " +
                    std::to_string(next.size()) + ")");
  }
  return parent().share(start, block_->size + next.block_->size);
}

}  // namespace tessera::core
