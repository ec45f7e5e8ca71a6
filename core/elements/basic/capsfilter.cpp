#include "core/elements/basic/capsfilter.hpp"

#include "core/graph/element_factory.hpp"

namespace tessera::core {

std::unique_ptr<element_factory> capsfilter::factory() {
  auto caps_prop = string_property("caps", "Only these caps may pass (ANY when empty)", "");
  caps_prop.validate = [](std::string_view text) -> std::string {
    if (text.empty()) return {};
    auto c = caps::parse(text);
    return c ? std::string() : "is not valid caps: " + c.error().message;
  };
  return make_factory<capsfilter>(
      "capsfilter", "Caps filter", "Generic", "Lets only buffers with the given caps pass",
      {pad_template{"sink", pad_direction::sink, pad_presence::always, caps::new_any()},
       pad_template{"src", pad_direction::src, pad_presence::always, caps::new_any()}},
      {std::move(caps_prop), base_transform::qos_property(false)});
}

capsfilter::capsfilter(const element_factory& f, std::string name)
    : base_transform(f, std::move(name)), prop_caps_(property_index("caps")), filter_(caps::new_any()) {
  set_passthrough_on_same_caps(true);
}

caps capsfilter::filter() const {
  std::lock_guard lock(mutex_);
  return filter_;
}

void capsfilter::property_changed(std::size_t index) {
  if (index != prop_caps_) return;
  const std::string text = props().get_string(prop_caps_);
  auto parsed = text.empty() ? result<caps>(caps::new_any()) : caps::parse(text);
  {
    std::lock_guard lock(mutex_);
    filter_ = parsed ? *parsed : caps::new_any();
  }
  reconfigure();
}

caps capsfilter::transform_caps(pad_direction, const caps& c) {
  // The filter's structures in its own order (gst_capsfilter_transform_caps).
  return filter().intersect(c, intersect_mode::first);
}

}  // namespace tessera::core
