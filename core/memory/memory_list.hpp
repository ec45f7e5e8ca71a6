#pragma once
/// memory_list: the list of memories of a buffer.
///
/// Up to `inline_capacity` handles live inside the list itself, so the common
/// buffer (one to four memories) needs no heap allocation; beyond that the list
/// spills to the heap (a tiled frame holds hundreds of tile memories). Moving a
/// list moves the handles without touching their refcounts; copying adds one
/// reference per memory. Single-threaded like any container.

#include "core/memory/memory.hpp"

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

namespace tessera::core {

class memory_list {
 public:
  static constexpr std::size_t inline_capacity = 4;

  memory_list() noexcept = default;
  memory_list(const memory_list& other);
  memory_list(memory_list&& other) noexcept { steal(other); }
  memory_list& operator=(const memory_list& other);
  // Move and destruction are inline: a buffer moves through every element.
  memory_list& operator=(memory_list&& other) noexcept {
    if (this != &other) {
      release_all();
      steal(other);
    }
    return *this;
  }
  ~memory_list() { release_all(); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t capacity() const noexcept { return capacity_; }
  /// True while the memories are stored inside the list (no heap allocation).
  bool is_inline() const noexcept { return heap_ == nullptr; }

  memory* begin() noexcept { return data(); }
  memory* end() noexcept { return data() + size_; }
  const memory* begin() const noexcept { return data(); }
  const memory* end() const noexcept { return data() + size_; }
  memory& operator[](std::size_t i) noexcept { return data()[i]; }
  const memory& operator[](std::size_t i) const noexcept { return data()[i]; }

  void push_back(memory m);
  /// Inserts before position i (i <= size()).
  void insert(std::size_t i, memory m);
  /// Removes position i (i < size()).
  void erase(std::size_t i) noexcept;
  void clear() noexcept;
  void reserve(std::size_t n);

 private:
  memory* data() noexcept { return heap_ ? heap_ : inline_data(); }
  const memory* data() const noexcept { return heap_ ? heap_ : inline_data(); }
  memory* inline_data() noexcept { return std::launder(reinterpret_cast<memory*>(inline_)); }
  const memory* inline_data() const noexcept {
    return std::launder(reinterpret_cast<const memory*>(inline_));
  }
  // Takes other's memories (refcounts untouched); this list must be empty and inline.
  void steal(memory_list& other) noexcept {
    if (other.heap_) {
      heap_ = std::exchange(other.heap_, nullptr);
      capacity_ = std::exchange(other.capacity_, inline_capacity);
      size_ = std::exchange(other.size_, 0);
      return;
    }
    memory* src = other.inline_data();
    memory* dst = inline_data();
    for (std::uint32_t i = 0; i < other.size_; ++i) new (dst + i) memory(std::move(src[i]));
    // The moved-from handles are empty: ending their lifetime releases nothing.
    size_ = std::exchange(other.size_, 0);
  }
  // Drops every reference and the heap array; leaves an empty inline list.
  void release_all() noexcept {
    if (size_) clear();
    if (heap_) {
      ::operator delete(heap_);
      heap_ = nullptr;
      capacity_ = inline_capacity;
    }
  }

  memory* heap_ = nullptr;  ///< owned array of capacity_ slots once spilled
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = inline_capacity;
  alignas(memory) unsigned char inline_[inline_capacity * sizeof(memory)];
};

}  // namespace tessera::core
