#include "core/elements/basic/fakesrc.hpp"

#include "core/graph/element_factory.hpp"

#include <cstring>

namespace tessera::core {

namespace {
enum filltype : std::int64_t { fill_nothing = 1, fill_zero = 2, fill_random = 3, fill_pattern = 4 };
}

std::unique_ptr<element_factory> fakesrc::factory() {
  return make_factory<fakesrc>(
      "fakesrc", "Fake source", "Source", "Pushes buffers of a fixed size with no meaning",
      {pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {int_property("num-buffers", "Buffers to push before EOS (-1: unlimited)", -1, -1, INT64_MAX, mutability::ready),
       int_property("size", "Bytes per buffer", 4096, 0, 64 << 20, mutability::paused),
       enum_property("filltype", "What the buffers contain", "nothing",
                     {{fill_nothing, "nothing", "Leave the data as it is"},
                      {fill_zero, "zero", "Fill with zeros"},
                      {fill_random, "random", "Fill with random bytes"},
                      {fill_pattern, "pattern", "Fill with the byte pattern 00 01 02 ... ff"}}),
       bool_property("is-live", "Produce only in PLAYING, at the rate of the clock", false, mutability::ready)});
}

fakesrc::fakesrc(const element_factory& f, std::string name)
    : base_src(f, std::move(name)),
      prop_num_buffers_(property_index("num-buffers")),
      prop_size_(property_index("size")),
      prop_filltype_(property_index("filltype")),
      prop_is_live_(property_index("is-live")) {}

result<void> fakesrc::start() {
  produced_ = 0;
  byte_offset_ = 0;
  return {};
}

void fakesrc::stop() { pool_.reset(); }

flow fakesrc::create(buffer& out) {
  const std::int64_t limit = props().get_int(prop_num_buffers_);
  if (limit >= 0 && produced_ >= limit) return flow::eos;
  const auto size = static_cast<std::size_t>(props().get_int(prop_size_));
  if (size > 0 && (!pool_ || pool_block_size_ != size)) {
    pool_config cfg;
    cfg.name = name() + " pool";
    cfg.block_size = size;
    cfg.min_blocks = 4;
    auto p = pool_allocator::create(cfg);
    if (!p) return fail_flow(errc::no_memory, name() + ": " + p.error().message);
    pool_ = std::move(p).value();
    pool_block_size_ = size;
  }
  if (size > 0) {
    auto m = pool_->acquire();
    if (!m) return fail_flow(errc::no_memory, name() + ": " + m.error().message);
    out.append_memory(std::move(m).value());
  }
  const auto fill = props().get_enum(prop_filltype_);
  if (fill != fill_nothing && size > 0) {
    auto map = out.map(map_access::write);
    if (!map) return fail_flow(errc::invalid_argument, name() + ": " + map.error().message);
    auto* d = map->data();
    if (fill == fill_zero) {
      std::memset(d, 0, size);
    } else if (fill == fill_random) {
      for (std::size_t i = 0; i < size; ++i) d[i] = static_cast<std::byte>(rng_() & 0xff);
    } else {
      for (std::size_t i = 0; i < size; ++i) d[i] = static_cast<std::byte>(i & 0xff);
    }
  }
  out.offset = byte_offset_;
  out.offset_end = byte_offset_ + size;
  byte_offset_ += size;
  ++produced_;
  return flow::ok;
}

}  // namespace tessera::core
