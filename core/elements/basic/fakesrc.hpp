#pragma once
/// fakesrc: a source of buffers with no meaning (GStreamer's fakesrc), for testing
/// and benchmarking the engine. Buffers of `size` bytes come from a pool, so a
/// steady stream allocates nothing; `filltype` says what is in them.

#include "core/base/base_src.hpp"
#include "core/memory/pool_allocator.hpp"

#include <memory>
#include <random>

namespace tessera::core {

class fakesrc final : public base_src {
 public:
  fakesrc(const element_factory& f, std::string name);
  static std::unique_ptr<element_factory> factory();

 protected:
  flow create(buffer& out) override;
  bool is_live() const override { return props().get_bool(prop_is_live_); }
  /// Seekable like GStreamer's fakesrc: the data has no position, so a seek restarts
  /// the stream under the new segment (a flushing seek drops what is queued).
  bool is_seekable() const override { return true; }
  result<void> start() override;
  void stop() override;

 private:
  std::size_t prop_num_buffers_, prop_size_, prop_filltype_, prop_is_live_;
  std::unique_ptr<pool_allocator> pool_;
  std::size_t pool_block_size_ = 0;
  std::int64_t produced_ = 0;
  std::uint64_t byte_offset_ = 0;
  std::minstd_rand rng_;
};

}  // namespace tessera::core
