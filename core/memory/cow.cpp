#include "core/memory/cow.hpp"

#include <bit>
#include <string>
#include <string_view>

namespace tessera::core {
namespace {

std::string state_name(cow_state s) { return std::string(to_string(s)); }

/// "cow_ptr::read() is not allowed in state UNALLOC: <why>"
error not_allowed(std::string_view op, cow_state s, std::string_view why) {
  return error(errc::bad_state, "cow_ptr::" + std::string(op) + "() is not allowed in state " +
                                    state_name(s) + ": " + std::string(why));
}

/// The answer for operations that need storage, in UNINIT or UNALLOC.
error needs_storage(std::string_view op, cow_state s) {
  return not_allowed(op, s,
                     s == cow_state::uninit
                         ? "the pointer is not initialized; init() and alloc() it first"
                         : "the pointer has no storage; alloc() or join() it first");
}

std::string uses_text(std::size_t read_uses, std::size_t write_uses) {
  return std::to_string(read_uses) + " read use(s) and " + std::to_string(write_uses) +
         " write use(s)";
}

}  // namespace

cow_ptr::~cow_ptr() { uninit(); }

cow_state cow_ptr::state() const noexcept {
  if (!initialized_) return cow_state::uninit;
  if (storage_ == nullptr) return cow_state::unalloc;
  if (exclusive_) return cow_state::unsharable;
  return storage_->sp_count() > 1 ? cow_state::shared : cow_state::sharable;
}

std::size_t cow_ptr::size_bytes() const noexcept {
  return storage_ == nullptr ? 0 : storage_->size_bytes();
}

bool cow_ptr::shares_storage_with(const cow_ptr& other) const noexcept {
  return storage_ != nullptr && storage_ == other.storage_;
}

result<void> cow_ptr::init() noexcept {
  if (initialized_) return not_allowed("init", state(), "the pointer is already initialized");
  initialized_ = true;
  return {};
}

void cow_ptr::uninit() noexcept {
  if (storage_ != nullptr) {
    if (read_uses_ + write_uses_ > 0) storage_->end_use(read_uses_ + write_uses_);
    storage_->drop_sp();
    storage_ = nullptr;
  }
  release_pins();
  read_uses_ = 0;
  write_uses_ = 0;
  exclusive_ = false;
  ++epoch_;
  initialized_ = false;
}

result<void> cow_ptr::alloc(std::size_t size_bytes, std::size_t alignment,
                            cow_block_manager& manager) noexcept {
  const auto s = state();
  if (s == cow_state::uninit) return not_allowed("alloc", s, "init() the pointer first");
  if (s != cow_state::unalloc) {
    return not_allowed("alloc", s, "the pointer already refers to storage; unalloc() it first");
  }
  if (size_bytes == 0) {
    return fail(errc::invalid_argument, "cow_ptr::alloc(size_bytes=0): storage needs at least 1 byte");
  }
  if (!std::has_single_bit(alignment) || alignment > cow_max_alignment) {
    return fail(errc::invalid_argument, "cow_ptr::alloc(alignment=" + std::to_string(alignment) +
                                            "): alignment must be a power of two no larger than " +
                                            std::to_string(cow_max_alignment));
  }
  auto storage = cow_storage::create(size_bytes, alignment, manager);
  if (!storage) return storage.error();
  storage_ = *storage;
  return {};
}

result<void> cow_ptr::unalloc() noexcept {
  const auto s = state();
  switch (s) {
    case cow_state::uninit:
    case cow_state::unalloc:
      return not_allowed("unalloc", s, "the pointer has no storage to unalloc");
    case cow_state::unsharable:
      return not_allowed("unalloc", s, "the pointer is writing (" +
                                           uses_text(read_uses_, write_uses_) +
                                           "); release them first");
    case cow_state::shared:
      return not_allowed("unalloc", s, "the storage is shared with other pointer(s); split() "
                                       "first, or uninit() to let go of it");
    case cow_state::sharable:
      break;
  }
  if (read_uses_ > 0) {
    return not_allowed("unalloc", s, "the pointer holds " + std::to_string(read_uses_) +
                                         " read use(s); release them first");
  }
  storage_->drop_sp();
  storage_ = nullptr;
  return {};
}

result<std::span<const std::byte>> cow_ptr::read() noexcept {
  const auto s = state();
  if (storage_ == nullptr) return needs_storage("read", s);
  auto bytes = storage_->begin_use();
  if (!bytes) return bytes.error();
  ++read_uses_;
  return std::span<const std::byte>(*bytes, storage_->size_bytes());
}

result<void> cow_ptr::detach_to_copy() noexcept {
  auto copy = cow_storage::create_copy(*storage_);
  if (!copy) return copy.error();
  cow_storage* fresh = *copy;
  if (read_uses_ == 0) {
    // The copy is complete before this pointer's count goes (drop_sp orders it), so a
    // pointer left alone on the old storage may write in place right after.
    storage_->drop_sp();
    storage_ = fresh;
    return {};
  }
  try {
    pins_.push_back({storage_, read_uses_});
  } catch (...) {
    fresh->drop_sp();
    return fail(errc::no_memory, "cow_ptr: recording the storage a reading pointer detaches from failed");
  }
  // The read uses follow the pointer to its copy (release() ends them there) and stay
  // counted on the old storage through the pin until the last of them ends. A fresh
  // copy is resident, so this begin_use cannot need a swap-in.
  if (auto uses = fresh->begin_use(read_uses_); !uses) {
    pins_.pop_back();
    fresh->drop_sp();
    return uses.error();
  }
  storage_->pin_instead_of_sp();
  storage_ = fresh;
  return {};
}

void cow_ptr::release_pins() noexcept {
  for (const pin& p : pins_) {
    p.storage->end_use(p.uses);
    p.storage->unpin();
  }
  pins_.clear();
}

result<std::span<std::byte>> cow_ptr::write() noexcept {
  const auto s = state();
  if (storage_ == nullptr) return needs_storage("write", s);
  // SHARED storage is never written in place [2], nor storage a detached reader
  // still pins.
  if (s != cow_state::unsharable && !storage_->writable_in_place()) {
    if (auto detached = detach_to_copy(); !detached) return detached.error();
  }
  auto bytes = storage_->begin_use();
  if (!bytes) return bytes.error();
  exclusive_ = true;
  ++write_uses_;
  return std::span<std::byte>(*bytes, storage_->size_bytes());
}

result<void> cow_ptr::release(cow_access access) noexcept {
  const auto s = state();
  if (storage_ == nullptr) {
    return not_allowed("release", s, "the pointer has no storage, so no use to release");
  }
  std::size_t& uses = access == cow_access::read ? read_uses_ : write_uses_;
  if (uses == 0) {
    return not_allowed("release", s, "the pointer holds no " + std::string(to_string(access)) +
                                         " use (it holds " + uses_text(read_uses_, write_uses_) + ")");
  }
  --uses;
  storage_->end_use(1);
  if (read_uses_ == 0) release_pins();
  if (exclusive_ && read_uses_ + write_uses_ == 0) exclusive_ = false;
  return {};
}

result<void> cow_ptr::join(const cow_ptr& source) noexcept {
  if (&source == this) {
    return fail(errc::invalid_argument, "cow_ptr::join(): a pointer cannot join itself");
  }
  const auto s = state();
  if (s != cow_state::unalloc) {
    return not_allowed("join", s, "only an UNALLOC pointer can join another; " +
                                      std::string(s == cow_state::uninit ? "init()" : "unalloc()") +
                                      " it first");
  }
  const auto source_state = source.state();
  switch (source_state) {
    case cow_state::uninit:
    case cow_state::unalloc:
      return fail(errc::bad_state, "cow_ptr::join(): the source pointer is " +
                                       state_name(source_state) + " and has no storage to join");
    case cow_state::unsharable: {
      auto copy = cow_storage::create_copy(*source.storage_);
      if (!copy) return copy.error();
      storage_ = *copy;
      return {};
    }
    case cow_state::sharable:
    case cow_state::shared:
      source.storage_->add_sp();
      storage_ = source.storage_;
      return {};
  }
  return {};
}

result<void> cow_ptr::split() noexcept {
  const auto s = state();
  if (storage_ == nullptr) return needs_storage("split", s);
  if (s != cow_state::shared) return {};  // nothing to split from [5]
  return detach_to_copy();
}

result<cow_read_guard> cow_ptr::read_guard() noexcept {
  auto bytes = read();
  if (!bytes) return bytes.error();
  return cow_read_guard(*this, *bytes, epoch_);
}

result<cow_write_guard> cow_ptr::write_guard() noexcept {
  auto bytes = write();
  if (!bytes) return bytes.error();
  return cow_write_guard(*this, *bytes, epoch_);
}

void cow_ptr::end_guarded_use(cow_access access, std::uint64_t epoch) noexcept {
  if (epoch != epoch_) return;  // uninit() already ended this use
  // An error here means the caller released the guard's use by hand as well; the
  // guard has nothing left to end.
  (void)release(access);
}

void cow_end_guarded_use(cow_ptr& owner, cow_access access, std::uint64_t epoch) noexcept {
  owner.end_guarded_use(access, epoch);
}

}  // namespace tessera::core
