// Which pairs of two caps' structures an intersection needs to try.
#pragma once

#include "core/caps/caps.hpp"
#include "core/caps/structure.hpp"

#include <cstddef>
#include <optional>
#include <span>
#include <utility>
#include <vector>

namespace tessera::core::detail {

using structure_pair = std::pair<std::size_t, std::size_t>;

/// The pairs (i, j) of a[i] and b[j] that may intersect, in the order `mode`
/// visits them, when a field both sides fix rules out most pairs; nullopt when
/// none does (then every pair has to be tried). A pair left out certainly fails:
/// the two structures fix one field to different values or have different names.
std::optional<std::vector<structure_pair>> narrowed_pairs(std::span<const structure> a,
                                                          std::span<const structure> b, intersect_mode mode);

}  // namespace tessera::core::detail
