#pragma once
/// A transform under test between two probes, linked by hand, for pad-level tests
/// of base_transform (modes, negotiation, buffer-alloc). Test-thread only.

#include "tests/core/support/test_elements.hpp"

#include <memory>
#include <string_view>

namespace tessera::core::test {

/// harness_src -> xform -> probesink, the sink accepting `sink_caps`.
struct transform_chain {
  std::unique_ptr<element_factory> src_factory, sink_factory;
  std::unique_ptr<element> src_e, sink_e;
  std::unique_ptr<xform> x_e;

  transform_chain(std::string_view mode, std::string_view map, caps sink_caps = caps::new_any(),
                  caps src_caps = caps::new_any()) {
    src_factory = test_factory<harness_src>("tsrc", {src_template(std::move(src_caps))});
    sink_factory = test_factory<probe_sink>("tsink", {sink_template(std::move(sink_caps))});
    src_e = src_factory->create(*src_factory, "src");
    sink_e = sink_factory->create(*sink_factory, "sink");
    x_e = make_test_element<xform>("xform", "x");
    x_e->set_property_from_string("mode", mode).value();
    x_e->set_property_from_string("map", map).value();
    link(src(), *x_e->find_pad("sink")).value();
    link(*x_e->find_pad("src"), *sink().find_pad("sink")).value();
  }
  pad& src() { return *src_e->find_pad("src"); }
  xform& x() { return *x_e; }
  probe_sink& sink() { return static_cast<probe_sink&>(*sink_e); }
  bool send_caps(std::string_view text) { return src().push_event(event_caps{caps_of(text)}); }
};

}  // namespace tessera::core::test
