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

flow capsfilter::chain(pad& sinkpad, buffer&& b) {
  if (!sinkpad.has_current_caps() && !srcpad().has_current_caps()) [[unlikely]] {
    // What downstream allows of the filter caps: video/x-raw,format=GRAY8 is fixed on
    // its own but leaves jpegenc's width open (gst_pad_get_allowed_caps).
    const caps wanted = filter();
    const caps f = wanted.is_any() ? wanted : srcpad().peer_query_caps(&wanted);
    if (!f.is_any()) {
      if (!f.is_fixed())
        return fail_flow(errc::not_negotiated,
                         name() + " received a buffer without caps, and its caps " + wanted.to_string() +
                             " do not completely specify the format",
                         flow::not_negotiated);
      if (!srcpad().push_event(event_caps{f}) && srcpad().is_linked() && !srcpad().peer()->flushing())
        return fail_flow(errc::not_negotiated, name() + ": downstream refused " + f.to_string(), flow::not_negotiated);
    }
  }
  return base_transform::chain(sinkpad, std::move(b));
}

caps capsfilter::transform_caps(pad_direction, const caps& c) {
  // The filter's structures in its own order (gst_capsfilter_transform_caps).
  return filter().intersect(c, intersect_mode::first);
}

}  // namespace tessera::core
