#pragma once
/// Test elements for the engine-core tests (graph, base, sched): small, observable
/// stand-ins for real elements, so the tests of the core do not depend on the
/// element library.
///
///  - harness_src / harness_sink (harness.hpp): the source pad the test pushes
///    through by hand, and the base_sink that records, counts and can answer
///    buffer-alloc with another width.
///  - probe_sink: a plain element (no base_sink) for pad-level tests driven by direct
///    calls from the test thread: keeps every buffer and event it gets, counts
///    buffer-alloc calls and can answer them with another width. Single-threaded.
///  - push_src (base_src): pushes `num-buffers` buffers with pts = k * pts-step,
///    optionally live, optionally allocating them from downstream (peer-alloc) and
///    renegotiating when downstream answers with other caps.
///  - xform (base_transform): passthrough / in-place / copy, with counters for every
///    hook and a choice of caps mapping (same, unit=u <-> unit=2u, unit -> [1,16],
///    width -> [1,4096]); unit size = "unit" field, or width for GRAY8 video (a row).
///  - delay: holds each buffer for delay-ns using the task's deferred wait.
///  - fan: one sink pad, request src pads src_%u (a tee for builder tests).
///
/// Elements whose configuration is a public member are configured before they
/// stream; counters they expose are atomics or behind a mutex, so the test thread
/// can read them while a pipeline plays.

#include "tests/core/support/harness.hpp"
#include "tests/core/support/test_helpers.hpp"
#include "tests/core/support/test_probes.hpp"
#include "tests/core/support/test_src_sink.hpp"
#include "tests/core/support/test_xform.hpp"
#include "tests/core/support/test_runtime.hpp"

#include "core/elements/basic/capsfilter.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/pipeline.hpp"
#include "core/graph/pipeline_builder.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace tessera::core::test {

// ------------------------------------------------------------------ factories

/// A factory for test element E with the given pad templates. Its elements stream on
/// the test runtime, also when the test keeps the factory instead of adding it to a
/// registry.
template <class E>
std::unique_ptr<element_factory> test_factory(std::string name, std::vector<pad_template> pads) {
  std::string long_name = "Test " + name;
  auto f = make_factory<E>(std::move(name), std::move(long_name), "Test", "An element for the engine tests",
                           std::move(pads), E::properties());
  f->registry = &test_runtime().registry();
  return f;
}

/// A registry of the test elements above:
///   pushsrc (ANY), octsrc (application/octet-stream), graysrc (GRAY8 video, ranges),
///   harnesssrc, harnesssink (ANY), audiosink (audio/x-raw only), graysink (harness
///   sinks), xform (ANY), delay, fan, probesink, capsfilter.
inline element_registry& test_registry() {
  static element_registry reg_instance(test_runtime());
  static const bool filled = [] {
    element_registry* reg = &reg_instance;
    const caps any = caps::new_any();
    const caps gray = caps_of("video/x-raw,format=GRAY8,width=[1,4096],height=[1,4096]");
    reg->add(test_factory<push_src>("pushsrc", {src_template(any)}));
    reg->add(test_factory<push_src>("octsrc", {src_template(caps_of("application/octet-stream"))}));
    reg->add(test_factory<push_src>("graysrc", {src_template(gray)}));
    reg->add(harness_sink::factory());
    reg->add(harness_sink::factory("graysink", gray));
    reg->add(harness_sink::factory("audiosink", caps_of("audio/x-raw,format=S16LE")));
    reg->add(test_factory<xform>("xform", {sink_template(any), src_template(any)}));
    reg->add(test_factory<delay>("delay", {sink_template(any), src_template(any)}));
    reg->add(test_factory<fan>("fan", {sink_template(any), src_template(any, perm::none, "src_%u", pad_presence::request)}));
    reg->add(harness_src::factory());
    reg->add(test_factory<probe_sink>("probesink", {sink_template(any)}));
    reg->add(capsfilter::factory());
    return true;
  }();
  (void)filled;
  return reg_instance;
}

/// Builds `text` from the test registry.
inline std::unique_ptr<pipeline> build_test_pipeline(std::string_view text, std::string name = "p") {
  auto r = build_pipeline(text, test_registry(), std::move(name));
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

/// Makes element `factory` of the test registry, as its concrete type.
template <class E>
std::unique_ptr<E> make_test_element(std::string_view factory, std::string name) {
  auto e = test_registry().make(factory, std::move(name)).value();
  return std::unique_ptr<E>(static_cast<E*>(e.release()));
}

/// The element named `name` in `p`, as its concrete type.
template <class E>
E& element_as(pipeline& p, std::string_view name) {
  element* e = p.find(name);
  if (!e) throw std::runtime_error("no element " + std::string(name));
  auto* typed = dynamic_cast<E*>(e);
  if (!typed) throw std::runtime_error("element " + std::string(name) + " has another type");
  return *typed;
}

}  // namespace tessera::core::test
