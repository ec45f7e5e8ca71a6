// The scheduling choice of core/README.md, measured: what one hop from element to
// element costs when (a) a chain function is a plain virtual call that completes
// synchronously (tessera's choice: waits are deferred to the task boundary), versus
// (b) every hop is an asio::awaitable that is co_awaited (a coroutine frame per
// element per buffer, recycled by Asio's frame allocator). K stages, a moved buffer
// handle (a unique_ptr standing in for core::buffer) through each.
#include <benchmark/benchmark.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <vector>

namespace asio = boost::asio;

namespace {

struct payload {
  std::uint64_t value = 0;
};
using handle = std::unique_ptr<payload>;

// (a) plain calls
struct stage {
  virtual ~stage() = default;
  virtual int chain(handle&& h) = 0;
};
struct pass_stage final : stage {
  stage* next = nullptr;
  std::uint64_t count = 0;
  int chain(handle&& h) override {
    ++count;
    return next ? next->chain(std::move(h)) : 0;
  }
};
struct sink_stage final : stage {
  std::uint64_t sum = 0;
  int chain(handle&& h) override {
    sum += h->value;
    return 0;
  }
};

void plain_calls(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  std::vector<pass_stage> stages(k);
  sink_stage sink;
  for (int i = 0; i < k; ++i) stages[i].next = i + 1 < k ? static_cast<stage*>(&stages[i + 1]) : &sink;
  stage* head = k ? static_cast<stage*>(&stages[0]) : &sink;
  auto h = std::make_unique<payload>();
  for (auto _ : state) {
    h->value++;
    head->chain(std::move(h));
    h = std::make_unique<payload>();  // the pool's recycle, in the real engine
  }
  benchmark::DoNotOptimize(sink.sum);
  state.SetItemsProcessed(state.iterations());
}

// (b) a coroutine per hop
struct co_stage {
  virtual ~co_stage() = default;
  virtual asio::awaitable<int> chain(handle h) = 0;
};
struct co_pass final : co_stage {
  co_stage* next = nullptr;
  std::uint64_t count = 0;
  asio::awaitable<int> chain(handle h) override {
    ++count;
    if (next) co_return co_await next->chain(std::move(h));
    co_return 0;
  }
};
struct co_sink final : co_stage {
  std::uint64_t sum = 0;
  asio::awaitable<int> chain(handle h) override {
    sum += h->value;
    co_return 0;
  }
};

void coroutine_per_hop(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  std::vector<co_pass> stages(k);
  co_sink sink;
  for (int i = 0; i < k; ++i) stages[i].next = i + 1 < k ? static_cast<co_stage*>(&stages[i + 1]) : &sink;
  co_stage* head = k ? static_cast<co_stage*>(&stages[0]) : &sink;
  asio::io_context io;
  std::uint64_t iterations = 0;
  auto driver = [&]() -> asio::awaitable<void> {
    for (auto _ : state) {
      auto h = std::make_unique<payload>();
      h->value = ++iterations;
      co_await head->chain(std::move(h));
    }
  };
  asio::co_spawn(io, driver(), asio::detached);
  io.run();
  benchmark::DoNotOptimize(sink.sum);
  state.SetItemsProcessed(state.iterations());
}

}  // namespace

BENCHMARK(plain_calls)->Arg(0)->Arg(1)->Arg(5)->Arg(10);
BENCHMARK(coroutine_per_hop)->Arg(0)->Arg(1)->Arg(5)->Arg(10);
BENCHMARK_MAIN();
