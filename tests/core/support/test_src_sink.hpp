#pragma once
/// push_src (a base_src) for pipeline tests; see test_elements.hpp. What it pushes
/// is recorded by harness_sink (harness.hpp).

#include "tests/core/support/test_helpers.hpp"

#include "core/base/base_src.hpp"

#include <atomic>
#include <mutex>

namespace tessera::core::test {

// ------------------------------------------------------------------ push_src

class push_src : public base_src {
 public:
  push_src(const element_factory& f, std::string name)
      : base_src(f, std::move(name)),
        prop_num_buffers_(property_index("num-buffers")),
        prop_size_(property_index("size")),
        prop_pts_step_(property_index("pts-step")),
        prop_live_(property_index("is-live")),
        prop_peer_alloc_(property_index("peer-alloc")),
        prop_width_(property_index("width")),
        prop_height_(property_index("height")),
        prop_seekable_(property_index("seekable")) {}

  static std::vector<property_spec> properties() {
    return {int_property("num-buffers", "Buffers before EOS (-1: endless)", -1, -1, INT64_MAX, mutability::ready),
            int_property("size", "Bytes per buffer when the caps have no width/height", 16, 0, 1 << 24),
            int_property("pts-step", "pts of buffer k is k * pts-step ns (-1: no timestamps)", -1, -1, INT64_MAX),
            bool_property("is-live", "Produce only in PLAYING, at the clock", false, mutability::ready),
            bool_property("peer-alloc", "Get buffers from downstream (pad-alloc)", false),
            int_property("width", "Preferred width", 8, 1, 4096),
            int_property("height", "Preferred height", 2, 1, 4096),
            bool_property("seekable", "Accept seeks (the buffer count goes on where it was)", false)};
  }

  std::uint64_t produced() const { return produced_.load(); }
  std::uint64_t renegotiations() const { return renegotiations_.load(); }
  caps configured_caps() const {
    std::lock_guard lock(mutex_);
    return caps_;
  }

 protected:
  bool is_live() const override { return props().get_bool(prop_live_); }
  bool is_seekable() const override { return props().get_bool(prop_seekable_); }

  result<caps> fixate_caps(const caps& allowed) override {
    caps c = allowed.truncate();
    structure s = *c.structure_at(0);
    s.fixate_field_nearest_int("width", props().get_int(prop_width_));
    s.fixate_field_nearest_int("height", props().get_int(prop_height_));
    return caps(std::move(s)).fixate();
  }

  result<void> set_caps(const caps& c) override {
    std::lock_guard lock(mutex_);
    caps_ = c;
    return {};
  }

  result<void> start() override {
    produced_ = 0;
    return {};
  }

  flow create(buffer& out) override {
    const std::int64_t limit = props().get_int(prop_num_buffers_);
    const std::uint64_t k = produced_.load();
    if (limit >= 0 && k >= static_cast<std::uint64_t>(limit)) return flow::eos;
    std::size_t size = frame_size();
    if (props().get_bool(prop_peer_alloc_) && srcpad().has_current_caps()) {
      const caps now = srcpad().current_caps();
      auto a = srcpad().alloc_buffer(size, now);
      if (!a) {
        const bool flushing = srcpad().flushing() || (srcpad().peer() && srcpad().peer()->flushing());
        return flushing ? flow::flushing : fail_flow(errc::no_memory, a.error().message);
      }
      if (!a->caps.is_equal(now)) {
        // Downstream wants other caps: produce them from now on (upstream renegotiation).
        if (auto r = renegotiate_to(a->caps); !r) return fail_flow(errc::not_negotiated, r.error().message, flow::not_negotiated);
        renegotiations_.fetch_add(1);
        size = frame_size();
        if (a->buffer.size() != size) {
          auto again = srcpad().alloc_buffer(size, a->caps);
          if (!again) return flow::flushing;
          a = std::move(again);
        }
      }
      out = std::move(a->buffer);
    } else {
      auto b = buffer::allocate(size);
      if (!b) return fail_flow(errc::no_memory, b.error().message);
      out = std::move(b).value();
    }
    if (out.size() > 0) {
      auto m = out.map(map_access::write);
      if (!m) return fail_flow(errc::invalid_argument, m.error().message);
      for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = static_cast<std::byte>((k + i) & 0xff);
    }
    const std::int64_t step = props().get_int(prop_pts_step_);
    if (step >= 0) {
      out.pts = static_cast<std::int64_t>(k) * step;
      out.duration = step;
    }
    out.offset = k;
    out.offset_end = k + 1;
    produced_.fetch_add(1);
    return flow::ok;
  }

 private:
  std::size_t frame_size() const {
    std::lock_guard lock(mutex_);
    if (const structure* s = caps_.structure_at(0)) {
      const auto w = s->get_int("width");
      const auto h = s->get_int("height");
      if (w && h) return static_cast<std::size_t>(*w * *h);
    }
    return static_cast<std::size_t>(props().get_int(prop_size_));
  }

  std::size_t prop_num_buffers_, prop_size_, prop_pts_step_, prop_live_, prop_peer_alloc_, prop_width_, prop_height_,
      prop_seekable_;
  std::atomic<std::uint64_t> produced_{0};
  std::atomic<std::uint64_t> renegotiations_{0};
  mutable std::mutex mutex_;
  caps caps_;
};

}  // namespace tessera::core::test
