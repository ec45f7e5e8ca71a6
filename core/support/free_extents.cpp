#include "core/support/free_extents.hpp"

#include <iterator>

namespace tessera {

std::optional<std::uint64_t> free_extents::take(std::uint64_t bytes, std::uint64_t align) {
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const std::uint64_t start = it->first, length = it->second;
    const std::uint64_t aligned = (start + align - 1) & ~(align - 1);
    if (aligned - start + bytes > length) continue;
    free_.erase(it);
    if (aligned > start) free_.emplace(start, aligned - start);
    const std::uint64_t rest = start + length - (aligned + bytes);
    if (rest > 0) free_.emplace(aligned + bytes, rest);
    return aligned;
  }
  return std::nullopt;
}

free_extents::extent free_extents::give(std::uint64_t offset, std::uint64_t bytes) {
  std::uint64_t start = offset, length = bytes;
  auto next = free_.lower_bound(offset);
  if (next != free_.end() && next->first == start + length) {
    length += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      start = prev->first;
      length += prev->second;
      free_.erase(prev);
    }
  }
  free_.emplace(start, length);
  return {start, length};
}

std::optional<free_extents::extent> free_extents::take_tail(std::uint64_t end) {
  if (free_.empty()) return std::nullopt;
  auto last = std::prev(free_.end());
  if (last->first + last->second != end) return std::nullopt;
  const extent tail{last->first, last->second};
  free_.erase(last);
  return tail;
}

std::uint64_t free_extents::total() const noexcept {
  std::uint64_t sum = 0;
  for (const auto& [offset, length] : free_) sum += length;
  return sum;
}

}  // namespace tessera
