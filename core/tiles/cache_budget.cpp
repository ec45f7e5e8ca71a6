#include "core/tiles/cache_budget.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace tessera::core {

std::optional<std::uint64_t> parse_cgroup_memory_max(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc{} || end != t.data() + t.size()) return std::nullopt;  // "max" too
  return value;
}

std::uint64_t cache_budget_for(std::optional<std::uint64_t> cgroup_limit, std::uint64_t physical_bytes) {
  const std::uint64_t limit = cgroup_limit ? std::min(*cgroup_limit, physical_bytes) : physical_bytes;
  return std::max(min_cache_bytes, limit / cache_budget_divisor);
}

std::uint64_t default_cache_bytes() {
  std::optional<std::uint64_t> cgroup;
  if (std::ifstream in("/sys/fs/cgroup/memory.max"); in) {
    std::stringstream text;
    text << in.rdbuf();
    cgroup = parse_cgroup_memory_max(text.str());
  }
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  const std::uint64_t physical = pages > 0 && page_size > 0
                                     ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size)
                                     : 4ull << 30;  // unknown: assume a small 4 GiB machine
  return cache_budget_for(cgroup, physical);
}

}  // namespace tessera::core
