// Memory core micro-benchmarks: allocation (system vs pool), share, span, map,
// make_writable of a shared buffer against plain memcpy of the same size, and
// the cost of moving a buffer through a chain of plain calls.
//
// Run: build/bin/memory_bench [--benchmark_repetitions=5 --benchmark_report_aggregates_only=true]
// Results and ratios: bench/README.md, "Memory core".

#include "core/memory/buffer.hpp"
#include "core/memory/memory.hpp"
#include "core/memory/pool_allocator.hpp"
#include "core/memory/system_allocator.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

namespace tc = tessera::core;

namespace {

constexpr std::int64_t kib = 1024;
constexpr std::int64_t mib = 1024 * kib;

void alloc_free_system(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto m = tc::system_allocator().allocate(size);
    benchmark::DoNotOptimize(m->data());
  }
}
BENCHMARK(alloc_free_system)->Arg(64)->Arg(4 * kib)->Arg(1 * mib)->Arg(8 * mib);

void alloc_free_pool(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  tc::pool_config c;
  c.name = "bench";
  c.block_size = size;
  c.min_blocks = 2;
  auto pool = tc::pool_allocator::create(c).value();
  for (auto _ : state) {
    auto m = pool->acquire();
    benchmark::DoNotOptimize(m->data());
  }
  state.counters["hits"] = static_cast<double>(pool->stats().hits);
}
BENCHMARK(alloc_free_pool)->Arg(64)->Arg(4 * kib)->Arg(1 * mib)->Arg(8 * mib);

void malloc_free(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = std::malloc(size);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
BENCHMARK(malloc_free)->Arg(64)->Arg(4 * kib)->Arg(1 * mib)->Arg(8 * mib);

void handle_copy(benchmark::State& state) {
  tc::memory m = tc::system_allocator().allocate(4 * kib).value();
  for (auto _ : state) {
    tc::memory other = m;  // one atomic increment and decrement
    benchmark::DoNotOptimize(other.data());
  }
}
BENCHMARK(handle_copy);

void share(benchmark::State& state) {
  tc::memory m = tc::system_allocator().allocate(4 * kib).value();
  for (auto _ : state) {
    auto s = m.share(1024, 1024);
    benchmark::DoNotOptimize(s->data());
  }
}
BENCHMARK(share);

void span(benchmark::State& state) {
  tc::memory m = tc::system_allocator().allocate(4 * kib).value();
  tc::memory a = m.share(0, 2048).value();
  tc::memory b = m.share(2048, 2048).value();
  for (auto _ : state) {
    auto s = a.span(b);
    benchmark::DoNotOptimize(s->data());
  }
}
BENCHMARK(span);

void map_unmap(benchmark::State& state) {
  tc::memory m = tc::system_allocator().allocate(4 * kib).value();
  for (auto _ : state) {
    auto map = m.map(tc::map_access::write);
    benchmark::DoNotOptimize(map->data());
  }
}
BENCHMARK(map_unmap);

void buffer_map_one(benchmark::State& state) {
  tc::buffer b = tc::buffer::allocate(4 * kib).value();
  for (auto _ : state) {
    auto map = b.map(tc::map_access::read);
    benchmark::DoNotOptimize(map->data());
  }
}
BENCHMARK(buffer_map_one);

void buffer_map_span4(benchmark::State& state) {
  tc::memory root = tc::system_allocator().allocate(4 * kib).value();
  tc::buffer b;
  for (int i = 0; i < 4; ++i) (void)b.append_memory(root.share(i * kib, kib).value());
  for (auto _ : state) {
    auto map = b.map(tc::map_access::read);  // spans, no copy
    benchmark::DoNotOptimize(map->data());
  }
}
BENCHMARK(buffer_map_span4);

void buffer_map_merge4(benchmark::State& state) {
  tc::buffer b;
  for (int i = 0; i < 4; ++i) (void)b.append_memory(tc::system_allocator().allocate(kib).value());
  for (auto _ : state) {
    auto map = b.map(tc::map_access::read);  // one counted copy per memory
    benchmark::DoNotOptimize(map->data());
  }
  state.SetBytesProcessed(state.iterations() * 4 * kib);
}
BENCHMARK(buffer_map_merge4);

// A shared buffer made writable: allocate + counted copy + free of the copy.
void make_writable_shared(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  tc::buffer original = tc::buffer::allocate(size).value();
  {
    auto w = original.map(tc::map_access::write).value();
    std::memset(w.data(), 1, size);
  }
  for (auto _ : state) {
    tc::buffer copy = original.share();
    (void)copy.make_writable();
    benchmark::DoNotOptimize(copy.peek_memory(0).data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(make_writable_shared)->Arg(1 * mib)->Arg(8 * mib)->Unit(benchmark::kMicrosecond);

// Lower bound: memcpy into a destination allocated once.
void plain_memcpy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<char> src(size, 1), dst(size, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), size);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(plain_memcpy)->Arg(1 * mib)->Arg(8 * mib)->Unit(benchmark::kMicrosecond);

// What make_writable does, without the memory core: malloc + memcpy + free.
void malloc_memcpy_free(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::vector<char> src(size, 1);
  for (auto _ : state) {
    char* dst = static_cast<char*>(std::malloc(size));
    std::memcpy(dst, src.data(), size);
    benchmark::DoNotOptimize(dst);
    std::free(dst);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(malloc_memcpy_free)->Arg(1 * mib)->Arg(8 * mib)->Unit(benchmark::kMicrosecond);

// make_writable of a buffer nobody else holds: the check only.
void make_writable_exclusive(benchmark::State& state) {
  tc::buffer b = tc::buffer::allocate(1 * mib).value();
  for (auto _ : state) {
    (void)b.make_writable();
    benchmark::DoNotOptimize(b.peek_memory(0).data());
  }
}
BENCHMARK(make_writable_exclusive);

// A buffer handed through ten elements by plain calls, each taking it by value
// and giving it on (the streaming path): moves only, no refcount traffic.
[[gnu::noinline]] tc::buffer element(tc::buffer b) {
  b.offset += 1;
  return b;
}

void buffer_through_10_elements(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  tc::buffer b;
  for (std::size_t i = 0; i < n; ++i) (void)b.append_memory(tc::system_allocator().allocate(64).value());
  for (auto _ : state) {
    for (int hop = 0; hop < 10; ++hop) b = element(std::move(b));
    benchmark::DoNotOptimize(b.offset);
  }
  state.counters["refcount_of_memory_0"] = static_cast<double>(b.peek_memory(0).use_count());
  state.counters["sizeof_buffer"] = sizeof(tc::buffer);
}
BENCHMARK(buffer_through_10_elements)->Arg(1)->Arg(4)->Arg(16);

// Baseline for the above: a trivially copyable struct of the same size.
struct plain_frame {
  unsigned char bytes[sizeof(tc::buffer)];
  std::uint64_t offset;
};
[[gnu::noinline]] plain_frame plain_element(plain_frame f) {
  f.offset += 1;
  return f;
}

void plain_struct_through_10_elements(benchmark::State& state) {
  plain_frame f{};
  for (auto _ : state) {
    for (int hop = 0; hop < 10; ++hop) f = plain_element(f);
    benchmark::DoNotOptimize(f.offset);
  }
  state.counters["bytes_per_hop"] = sizeof(plain_frame);
}
BENCHMARK(plain_struct_through_10_elements);

void buffer_allocate_from_pool(benchmark::State& state) {
  tc::pool_config c;
  c.name = "frames";
  c.block_size = 640 * 480 * 4;
  c.min_blocks = 2;
  auto pool = tc::pool_allocator::create(c).value();
  for (auto _ : state) {
    auto b = tc::buffer::allocate(c.block_size, *pool);
    benchmark::DoNotOptimize(b->n_memory());
  }
}
BENCHMARK(buffer_allocate_from_pool);

}  // namespace

BENCHMARK_MAIN();
