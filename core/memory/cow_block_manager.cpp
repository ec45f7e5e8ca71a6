#include "core/memory/cow_block_manager.hpp"

#include "core/memory/counters.hpp"

#include <new>
#include <string>

namespace tessera::core {

result<void> cow_block_manager::swap_out(const cow_storage&, std::span<const std::byte> bytes) noexcept {
  return fail(errc::bad_state, "swap_out(" + std::to_string(bytes.size()) +
                                   " bytes): this block manager does not swap storage out");
}

result<void> cow_block_manager::swap_in(const cow_storage&, std::span<std::byte> into) noexcept {
  return fail(errc::bad_state, "swap_in(" + std::to_string(into.size()) +
                                   " bytes): this block manager never swapped storage out");
}

void cow_block_manager::discard(const cow_storage&) noexcept {}

namespace {

class system_manager final : public cow_block_manager {
 public:
  result<std::byte*> allocate(std::size_t size_bytes, std::size_t alignment) noexcept override {
    if (!try_count_allocation(size_bytes))
      return fail(errc::no_memory, "cannot allocate " + std::to_string(size_bytes) + " bytes: " +
                                       allocation_failure_reason(size_bytes));
    void* p = ::operator new(size_bytes, std::align_val_t{alignment}, std::nothrow);
    if (p == nullptr) {
      uncount_allocation(size_bytes);
      return fail(errc::no_memory, "allocating " + std::to_string(size_bytes) +
                                       " bytes aligned to " + std::to_string(alignment) + " failed");
    }
    return static_cast<std::byte*>(p);
  }

  void deallocate(std::byte* block, std::size_t size_bytes, std::size_t alignment) noexcept override {
    ::operator delete(block, std::align_val_t{alignment});
    count_free(size_bytes);
  }
};

}  // namespace

cow_block_manager& system_block_manager() noexcept {
  static system_manager instance;
  return instance;
}

}  // namespace tessera::core
