#pragma once
/// RAII forms of a `cow_ptr` use: a guard holds one read or write use and releases it
/// when it goes out of scope. Obtained from `cow_ptr::read_guard()` / `write_guard()`.

#include "core/memory/cow_state.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <utility>

namespace tessera::core {

class cow_ptr;

/// Ends a use started for a guard. Does nothing if `owner` was uninit() since the use
/// began (`epoch` tells), because uninit() already ended it.
void cow_end_guarded_use(cow_ptr& owner, cow_access access, std::uint64_t epoch) noexcept;

/// One read use (`Byte` = const std::byte) or write use (`Byte` = std::byte) of a
/// `cow_ptr`, released on destruction or by `release()`.
///
/// Ownership: borrows the pointer for its lifetime; the pointer must outlive the guard
/// (pointers never move, so the borrow stays valid). The span is valid while the guard
/// holds its use and the pointer is not uninit(). Move-only.
///
/// Thread safety: like the pointer it borrows: one thread at a time.
template <class Byte>
class cow_use_guard {
 public:
  static constexpr cow_access access = std::is_const_v<Byte> ? cow_access::read : cow_access::write;

  cow_use_guard(cow_use_guard&& other) noexcept
      : owner_(std::exchange(other.owner_, nullptr)),
        bytes_(std::exchange(other.bytes_, {})),
        epoch_(other.epoch_) {}

  cow_use_guard& operator=(cow_use_guard&& other) noexcept {
    if (this != &other) {
      release();
      owner_ = std::exchange(other.owner_, nullptr);
      bytes_ = std::exchange(other.bytes_, {});
      epoch_ = other.epoch_;
    }
    return *this;
  }

  cow_use_guard(const cow_use_guard&) = delete;
  cow_use_guard& operator=(const cow_use_guard&) = delete;

  ~cow_use_guard() { release(); }

  /// The storage's bytes; empty once released.
  std::span<Byte> bytes() const noexcept { return bytes_; }
  Byte* data() const noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool holds_use() const noexcept { return owner_ != nullptr; }

  /// Ends the use now rather than at destruction.
  void release() noexcept {
    if (owner_ != nullptr) {
      cow_end_guarded_use(*owner_, access, epoch_);
      owner_ = nullptr;
      bytes_ = {};
    }
  }

 private:
  friend class cow_ptr;

  cow_use_guard(cow_ptr& owner, std::span<Byte> bytes, std::uint64_t epoch) noexcept
      : owner_(&owner), bytes_(bytes), epoch_(epoch) {}

  cow_ptr* owner_;  // borrowed; nullptr once released or moved from
  std::span<Byte> bytes_;
  std::uint64_t epoch_;
};

using cow_read_guard = cow_use_guard<const std::byte>;
using cow_write_guard = cow_use_guard<std::byte>;

}  // namespace tessera::core
