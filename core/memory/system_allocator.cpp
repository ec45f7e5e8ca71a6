#include "core/memory/system_allocator.hpp"

#include "core/memory/counters.hpp"
#include "core/memory/memory_block.hpp"

#include <new>
#include <string>

namespace tessera::core {
namespace {

class system_memory_allocator final : public allocator, public detail::block_owner {
 public:
  std::string_view name() const noexcept override { return "system"; }
  std::string_view owner_name() const noexcept override { return "system"; }

  result<memory> allocate(std::size_t size, const alloc_params& params) override {
    auto maxsize = check_alloc_request("system allocator", size, params);
    if (!maxsize) return maxsize.error();
    detail::memory_block* block = detail::allocate_root_block(this, *maxsize, params.align);
    if (!block) {
      return fail(errc::no_memory, "system allocator: cannot allocate " + std::to_string(*maxsize) +
                                       " bytes aligned to " + std::to_string(params.align) + ": " +
                                       allocation_failure_reason(*maxsize));
    }
    block->offset = params.prefix;
    block->size = size;
    apply_alloc_flags(*block, params);
    return detail::adopt_block(block);
  }

  void release_block(detail::memory_block* block) noexcept override {
    detail::free_root_block(block);
  }
};

}  // namespace

allocator& system_allocator() noexcept {
  // Never destroyed: memory held by static objects may be released after main.
  alignas(system_memory_allocator) static unsigned char storage[sizeof(system_memory_allocator)];
  static system_memory_allocator* const instance = new (storage) system_memory_allocator;
  return *instance;
}

}  // namespace tessera::core
