// Fuzz target: caps text, then the caps algebra on what parses. The input is two caps
// strings separated by the first newline. Checked: printing and parsing again gives
// equal caps; an intersection lies within both operands; a fixated caps is fixed and
// within what it came from. The driver's time budget catches intersections that grow
// worse than polynomially in the structures (a 5 s create held the registry once).

#include "core/caps/caps.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstdint>
#include <string_view>

using tessera::core::caps;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto cut = text.find('\n');
  auto a = caps::parse(text.substr(0, cut));
  if (!a) return 0;
  auto again = caps::parse(a->to_string());
  TESSERA_FUZZ_CHECK(again.has_value(), "printed caps do not parse again");
  TESSERA_FUZZ_CHECK(again->is_equal(*a), "printed caps parse to different caps");
  if (cut == std::string_view::npos) return 0;
  auto b = caps::parse(text.substr(cut + 1));
  if (!b) return 0;
  const caps both = a->intersect(*b);
  TESSERA_FUZZ_CHECK(a->can_intersect(*b) == !both.is_empty(), "can_intersect disagrees with intersect");
  if (!a->is_any() && !b->is_any()) {
    TESSERA_FUZZ_CHECK(both.is_subset(*a), "the intersection is not within the first caps");
    TESSERA_FUZZ_CHECK(both.is_subset(*b), "the intersection is not within the second caps");
  }
  if (!both.is_empty() && !both.is_any()) {
    auto fixed = both.fixate();
    if (fixed) {
      TESSERA_FUZZ_CHECK(fixed->is_fixed(), "fixate gave caps that are not fixed");
      TESSERA_FUZZ_CHECK(fixed->is_subset(both), "fixate left the caps it fixated");
    }
  }
  return 0;
}
