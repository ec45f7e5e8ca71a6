#pragma once
/// xform: a configurable base_transform for the transform tests; see test_elements.hpp.

#include "tests/core/support/test_helpers.hpp"

#include "core/base/base_transform.hpp"

#include <atomic>
#include <mutex>
#include <optional>

namespace tessera::core::test {

// ------------------------------------------------------------------ xform

enum class xform_mode : std::int64_t { passthrough = 0, in_place = 1, copy = 2 };
enum class caps_map : std::int64_t { same = 0, unit_double = 1, unit_any = 2, width_any = 3 };

/// A configurable transform. transform_ip inverts the bytes; transform() copies
/// unit k of the input into unit k of the output (a row for video: scaling width).
class xform : public base_transform {
 public:
  xform(const element_factory& f, std::string name)
      : base_transform(f, std::move(name)),
        prop_mode_(property_index("mode")),
        prop_map_(property_index("map")),
        prop_error_after_(property_index("error-after")) {
    apply_mode();
  }

  static std::vector<property_spec> properties() {
    return {enum_property("mode", "Processing mode", "passthrough",
                          {{0, "passthrough", "Passthrough on equal caps"},
                           {1, "in-place", "transform_ip on the input"},
                           {2, "copy", "transform into a new buffer"}},
                          mutability::ready),
            enum_property("map", "Caps mapping", "same",
                          {{0, "same", "Output caps = input caps"},
                           {1, "unit-double", "unit=u <-> unit=2u"},
                           {2, "unit-any", "unit=u -> unit=[1,16]"},
                           {3, "width-any", "width=w -> width=[1,4096]"}},
                          mutability::ready),
            int_property("error-after", "Fail after this many buffers (-1: never)", -1, -1, INT64_MAX),
            base_transform::qos_property(false)};
  }

  std::atomic<std::uint64_t> transform_calls{0}, transform_ip_calls{0}, unit_size_calls{0}, set_caps_calls{0},
      chain_calls{0};

  caps configured_in() const {
    std::lock_guard lock(mutex_);
    return last_in_;
  }
  caps configured_out() const {
    std::lock_guard lock(mutex_);
    return last_out_;
  }
  std::optional<qos_report> last_qos() const {
    std::lock_guard lock(mutex_);
    return last_qos_;
  }
  /// Running time + duration of each buffer transformed, with the earliest time the
  /// last QoS event allowed when it was transformed (time_none before any QoS).
  std::vector<std::pair<clock_time, clock_time>> processed_times() const {
    std::lock_guard lock(mutex_);
    return processed_;
  }

  flow chain(pad& p, buffer&& b) override {
    const std::int64_t error_after = props().get_int(prop_error_after_);
    const auto seen = static_cast<std::int64_t>(chain_calls.fetch_add(1));
    if (error_after >= 0 && seen >= error_after)
      return fail_flow(errc::bad_state, name() + ": error-after=" + std::to_string(error_after) + " reached");
    return base_transform::chain(p, std::move(b));
  }

  bool event(pad& p, core::event ev) override {
    if (auto* q = ev.get<event_qos>()) {
      std::lock_guard lock(mutex_);
      last_qos_ = q->report;
    }
    return base_transform::event(p, std::move(ev));
  }

 protected:
  void property_changed(std::size_t index) override {
    if (index == prop_mode_) apply_mode();
  }

  bool has_transform() const override { return true; }
  bool has_transform_ip() const override { return mode() != xform_mode::copy; }

  caps transform_caps(pad_direction dir, const caps& c) override {
    if (c.is_any() || c.is_empty()) return c;
    caps out = caps::new_empty();
    auto normalized = c.normalize();  // unit={4,8} -> unit=4; unit=8
    const caps expanded = normalized ? *normalized : c;
    for (const structure& in : expanded.structures()) {
      structure s = in;
      switch (static_cast<caps_map>(props().get_enum(prop_map_))) {
        case caps_map::same: break;
        case caps_map::unit_double:
          if (auto u = in.get_int("unit")) {
            if (dir == pad_direction::sink) (void)s.set("unit", value(static_cast<long long>(*u * 2)));
            else if (*u % 2 == 0) (void)s.set("unit", value(static_cast<long long>(*u / 2)));
            else continue;
          }
          break;
        case caps_map::unit_any:
          if (in.has_field("unit")) (void)s.set("unit", value::make_int_range(1, 16).value());
          break;
        case caps_map::width_any:
          if (in.has_field("width")) (void)s.set("width", value::make_int_range(1, 4096).value());
          break;
      }
      out.append(std::move(s));
    }
    return out;
  }

  result<void> set_caps(const caps& in, const caps& out) override {
    set_caps_calls.fetch_add(1);
    std::lock_guard lock(mutex_);
    last_in_ = in;
    last_out_ = out;
    return {};
  }

  std::optional<std::size_t> get_unit_size(const caps& c) override {
    unit_size_calls.fetch_add(1);
    const structure* s = c.structure_at(0);
    if (!s) return std::nullopt;
    if (auto u = s->get_int("unit")) return static_cast<std::size_t>(*u);
    if (auto w = s->get_int("width")) return static_cast<std::size_t>(*w);
    return std::nullopt;
  }

  flow transform_ip(buffer& b) override {
    transform_ip_calls.fetch_add(1);
    record(b);
    auto m = b.map(map_access::write);
    if (!m) return fail_flow(errc::invalid_argument, m.error().message);
    for (std::size_t i = 0; i < m->size(); ++i) m->data()[i] = ~m->data()[i];
    return flow::ok;
  }

  flow transform(const buffer& in, buffer& out) override {
    transform_calls.fetch_add(1);
    record(in);
    buffer src = in.share();
    auto s = src.map(map_access::read);
    auto d = out.map(map_access::write);
    if (!s || !d) return fail_flow(errc::invalid_argument, "cannot map");
    const std::size_t in_unit = std::max<std::size_t>(1, unit_of(in_caps()));
    const std::size_t out_unit = std::max<std::size_t>(1, unit_of(out_caps()));
    for (std::size_t i = 0; i < d->size(); ++i) {
      const std::size_t unit = i / out_unit, pos = i % out_unit;
      const std::size_t from = unit * in_unit + pos % in_unit;
      d->data()[i] = from < s->size() ? s->data()[from] : std::byte{0};
    }
    return flow::ok;
  }

 private:
  xform_mode mode() const { return static_cast<xform_mode>(props().get_enum(prop_mode_)); }
  void apply_mode() {
    set_passthrough_on_same_caps(mode() == xform_mode::passthrough);
    set_in_place(mode() == xform_mode::in_place);
  }
  static std::size_t unit_of(const caps& c) {
    const structure* s = c.structure_at(0);
    if (!s) return 1;
    if (auto u = s->get_int("unit")) return static_cast<std::size_t>(*u);
    if (auto w = s->get_int("width")) return static_cast<std::size_t>(*w);
    return 1;
  }
  void record(const buffer& b) {
    const clock_time rt = sinkpad().segment().to_running_time(b.pts);
    std::lock_guard lock(mutex_);
    if (is_valid_time(rt)) {
      const clock_time end = is_valid_time(b.duration) ? rt + b.duration : rt;
      processed_.emplace_back(end, last_qos_ ? last_qos_->timestamp + last_qos_->diff : time_none);
    }
  }

  std::size_t prop_mode_, prop_map_, prop_error_after_;
  mutable std::mutex mutex_;
  caps last_in_, last_out_;
  std::optional<qos_report> last_qos_;
  std::vector<std::pair<clock_time, clock_time>> processed_;
};

}  // namespace tessera::core::test
