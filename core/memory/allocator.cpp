#include "core/memory/allocator.hpp"

#include <cstring>
#include <limits>
#include <string>

namespace tessera::core {

allocator::~allocator() = default;

result<std::size_t> check_alloc_request(std::string_view who, std::size_t size,
                                        const alloc_params& params) {
  const std::size_t a = params.align;
  if (a == 0 || (a & (a - 1)) != 0) {
    return fail(errc::invalid_argument, std::string(who) + ": alignment " + std::to_string(a) +
                                            " is not a power of two");
  }
  constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
  if (params.prefix > max - size || params.padding > max - size - params.prefix) {
    return fail(errc::invalid_argument,
                std::string(who) + ": prefix " + std::to_string(params.prefix) + " + size " +
                    std::to_string(size) + " + padding " + std::to_string(params.padding) +
                    " overflows");
  }
  return params.prefix + size + params.padding;
}

void apply_alloc_flags(detail::memory_block& block, const alloc_params& params) noexcept {
  memory_flags kept = params.flags & memory_flags::readonly;
  if (has_any(params.flags, memory_flags::zero_prefixed)) {
    std::memset(block.data, 0, block.offset);
    kept |= memory_flags::zero_prefixed;
  }
  if (has_any(params.flags, memory_flags::zero_padded)) {
    const std::size_t end = block.offset + block.size;
    std::memset(block.data + end, 0, block.maxsize - end);
    kept |= memory_flags::zero_padded;
  }
  block.flags.store(static_cast<std::uint32_t>(kept), std::memory_order_relaxed);
}

}  // namespace tessera::core
