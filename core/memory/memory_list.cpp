#include "core/memory/memory_list.hpp"

#include <limits>
#include <utility>

namespace tessera::core {

memory_list::memory_list(const memory_list& other) {
  reserve(other.size_);
  for (const memory& m : other) push_back(m);
}

memory_list& memory_list::operator=(const memory_list& other) {
  if (this != &other) {
    memory_list copy(other);
    *this = std::move(copy);
  }
  return *this;
}

void memory_list::reserve(std::size_t n) {
  if (n <= capacity_) return;
  if (n > std::numeric_limits<std::uint32_t>::max()) n = std::numeric_limits<std::uint32_t>::max();
  auto* fresh = static_cast<memory*>(::operator new(n * sizeof(memory)));
  memory* old = data();
  for (std::uint32_t i = 0; i < size_; ++i) {
    new (fresh + i) memory(std::move(old[i]));
    old[i].~memory();
  }
  ::operator delete(heap_);
  heap_ = fresh;
  capacity_ = static_cast<std::uint32_t>(n);
}

void memory_list::push_back(memory m) {
  if (size_ == capacity_) reserve(std::size_t{capacity_} * 2);
  new (data() + size_) memory(std::move(m));
  ++size_;
}

void memory_list::insert(std::size_t i, memory m) {
  if (size_ == capacity_) reserve(std::size_t{capacity_} * 2);
  memory* d = data();
  new (d + size_) memory();
  for (std::size_t j = size_; j > i; --j) d[j] = std::move(d[j - 1]);
  d[i] = std::move(m);
  ++size_;
}

void memory_list::erase(std::size_t i) noexcept {
  memory* d = data();
  for (std::size_t j = i; j + 1 < size_; ++j) d[j] = std::move(d[j + 1]);
  --size_;
  d[size_].~memory();
}

void memory_list::clear() noexcept {
  memory* d = data();
  for (std::uint32_t i = 0; i < size_; ++i) d[i].~memory();
  size_ = 0;
}

}  // namespace tessera::core
