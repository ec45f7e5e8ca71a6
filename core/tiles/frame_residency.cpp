#include "core/tiles/frame_residency.hpp"

#include "core/tiles/frame_tile_allocator.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <vector>

namespace tessera::core {
namespace {

// On the I/O thread: the swapped-out tiles, in order, until half the budget came in.
result<void> read_back(const buffer& b, frame_tile_allocator& a) {
  const std::uint64_t allowance = a.manager().cache_bytes() / 2;
  std::uint64_t brought = 0;
  for (const memory& m : b.memories()) {
    if (brought >= allowance) break;
    auto in = frame_tile_allocator::swap_in(m);
    if (!in) return in.error();
    if (*in) brought += m.maxsize();
  }
  return {};
}

}  // namespace

bool needs_swap_in(const buffer& b) noexcept {
  for (const memory& m : b.memories())
    if (!frame_tile_allocator::is_resident(m)) return true;
  return false;
}

boost::asio::awaitable<result<void>> bring_in(const buffer& b) {
  frame_tile_allocator* a = nullptr;
  for (const memory& m : b.memories()) {
    if (!frame_tile_allocator::is_resident(m)) {
      a = frame_tile_allocator::of(m);
      break;
    }
  }
  if (a == nullptr) co_return result<void>{};
  auto home = co_await boost::asio::this_coro::executor;
  co_await boost::asio::post(boost::asio::bind_executor(a->manager().swap_io().get_executor(), boost::asio::use_awaitable));
  result<void> done = read_back(b, *a);  // the reads run here, on the I/O thread
  co_await boost::asio::post(boost::asio::bind_executor(home, boost::asio::use_awaitable));
  co_return done;
}

void prefetch(const buffer& b, std::size_t first, std::size_t end) {
  end = std::min(end, b.n_memory());
  std::vector<memory> out;
  frame_tile_allocator* a = nullptr;
  std::uint64_t bytes = 0;
  for (std::size_t i = first; i < end; ++i) {
    const memory& m = b.peek_memory(i);
    if (frame_tile_allocator::is_resident(m)) continue;
    a = frame_tile_allocator::of(m);
    bytes += m.maxsize();
    out.push_back(m);
  }
  if (a == nullptr || bytes > a->manager().cache_bytes() / 4) return;
  boost::asio::post(a->manager().swap_io(), [tiles = std::move(out)] {
    for (const memory& m : tiles) (void)frame_tile_allocator::swap_in(m);
  });
}

}  // namespace tessera::core
