#include "core/caps/intersect_pairs.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>

namespace tessera::core::detail {
namespace {

// Below this many pairs the plain walk is cheaper than building an index.
constexpr std::size_t narrowing_min_pairs = 4096;

// The name and the fixed value of `field` as one key, or nullopt when s does not
// fix it. Caps text reads back to the value it came from, so equal keys are equal.
std::optional<std::string> key_of(const structure& s, const std::string& field) {
  const value* v = s.get(field);
  if (!v || !v->is_fixed()) return std::nullopt;
  std::string key = s.name();
  key += '\0';
  key += v->to_string();
  return key;
}

// A field every structure of `indexed` fixes and most of `probing` fix too:
// the one fixed in the most structures of `probing`. Empty when there is none.
std::string narrowing_field(std::span<const structure> indexed, std::span<const structure> probing) {
  std::string best;
  std::size_t best_count = 0;
  for (const auto& f : indexed.front().fields()) {
    const bool everywhere = std::all_of(indexed.begin(), indexed.end(), [&f](const structure& s) {
      const value* v = s.get(f.name);
      return v && v->is_fixed();
    });
    if (!everywhere) continue;
    const auto count = static_cast<std::size_t>(std::count_if(probing.begin(), probing.end(), [&f](const structure& s) {
      const value* v = s.get(f.name);
      return v && v->is_fixed();
    }));
    if (count > best_count) {
      best = f.name;
      best_count = count;
    }
  }
  return best;
}

// The pairs (probe position, indexed position) that may meet on `field`, or
// nullopt when that is more than half of all pairs (no gain then).
std::optional<std::vector<structure_pair>> pairs_on(std::span<const structure> indexed,
                                                    std::span<const structure> probing, const std::string& field) {
  std::unordered_map<std::string, std::vector<std::size_t>> buckets;
  for (std::size_t j = 0; j < indexed.size(); ++j) buckets[*key_of(indexed[j], field)].push_back(j);
  std::vector<structure_pair> pairs;
  const std::size_t budget = indexed.size() * probing.size() / 2;
  for (std::size_t i = 0; i < probing.size(); ++i) {
    const auto key = key_of(probing[i], field);
    if (key) {
      const auto bucket = buckets.find(*key);
      if (bucket == buckets.end()) continue;
      for (std::size_t j : bucket->second) pairs.emplace_back(i, j);
    } else {
      for (std::size_t j = 0; j < indexed.size(); ++j) pairs.emplace_back(i, j);
    }
    if (pairs.size() > budget) return std::nullopt;
  }
  return pairs;
}

}  // namespace

std::optional<std::vector<structure_pair>> narrowed_pairs(std::span<const structure> a,
                                                          std::span<const structure> b, intersect_mode mode) {
  if (a.empty() || b.empty() || a.size() * b.size() < narrowing_min_pairs) return std::nullopt;
  // Index the side that fixes a field everywhere; the other probes it.
  std::optional<std::vector<structure_pair>> pairs;
  if (const std::string field = narrowing_field(b, a); !field.empty()) {
    pairs = pairs_on(b, a, field);
  } else if (const std::string other = narrowing_field(a, b); !other.empty()) {
    pairs = pairs_on(a, b, other);
    if (pairs) {
      for (auto& [i, j] : *pairs) std::swap(i, j);
    }
  }
  if (!pairs) return std::nullopt;
  if (mode == intersect_mode::first) {
    std::sort(pairs->begin(), pairs->end());
  } else {
    // The zig-zag walk's order: anti-diagonal i + j first, larger i first on it.
    std::sort(pairs->begin(), pairs->end(), [](const structure_pair& x, const structure_pair& y) {
      const std::size_t dx = x.first + x.second, dy = y.first + y.second;
      return dx != dy ? dx < dy : x.first > y.first;
    });
  }
  return pairs;
}

}  // namespace tessera::core::detail
