// tessera inspect [FACTORY] [--json]: the element catalogue, or one element's pad
// templates and properties, like gst-inspect-1.0 (README).
#include "server/commands.hpp"

#include "core/elements/builtin_elements.hpp"
#include "core/graph/element_factory.hpp"
#include "core/graph/runtime.hpp"
#include "server/factory_json.hpp"

#include <boost/json/serialize.hpp>

#include <cstdio>
#include <iostream>
#include <string>

namespace tessera::server {

namespace {

constexpr const char* inspect_usage =
    "usage: tessera inspect [FACTORY] [--json]\n"
    "  without FACTORY: every element, one per line\n"
    "  with FACTORY: its pad templates and properties (type, default, range, when it can change)\n";

std::string mutability_text(core::mutability m) {
  switch (m) {
    case core::mutability::construct_only: return "construct only";
    case core::mutability::ready: return "changeable only in NULL or READY";
    case core::mutability::paused: return "changeable up to PAUSED";
    case core::mutability::playing: return "changeable in any state";
  }
  return "";
}

void print_factory(const core::element_factory& f) {
  std::printf("Factory Details:\n  Name          %s\n  Long-name     %s\n  Klass         %s\n  Description   %s\n\n",
              f.name.c_str(), f.long_name.c_str(), f.klass.c_str(), f.description.c_str());
  std::printf("Pad Templates:\n");
  for (auto& t : f.pad_templates) {
    std::printf("  %s template: '%s'\n    Availability: %s\n    Capabilities:\n      %s\n\n",
                t.direction == core::pad_direction::src ? "SRC" : "SINK", t.name_template.c_str(),
                std::string(core::to_string(t.presence)).c_str(), t.caps.to_string().c_str());
  }
  std::printf("Element Properties:\n");
  for (auto& p : f.properties) {
    std::printf("  %-20s: %s\n", p.name.c_str(), p.blurb.c_str());
    std::printf("                        flags: %s, %s\n", p.writable ? "readable, writable" : "readable",
                mutability_text(p.mutable_in).c_str());
    std::string type(core::to_string(p.type));
    std::string range = p.range_text();
    std::printf("                        %s.%s%s Default: %s\n", type.c_str(), range.empty() ? "" : " Range: ",
                range.c_str(), core::to_string(p.default_value).c_str());
  }
}

}  // namespace

int run_inspect(std::span<const std::string_view> args) {
  bool as_json = false;
  std::string factory;
  for (auto a : args) {
    if (a == "-h" || a == "--help") {
      std::fputs(inspect_usage, stdout);
      return 0;
    }
    if (a == "--json") {
      as_json = true;
    } else if (a.starts_with("-")) {
      std::fprintf(stderr, "tessera inspect: unknown option %.*s\n%s", static_cast<int>(a.size()), a.data(), inspect_usage);
      return 2;
    } else if (factory.empty()) {
      factory = a;
    } else {
      std::fprintf(stderr, "tessera inspect: one factory at a time\n%s", inspect_usage);
      return 2;
    }
  }
  auto runtime = core::runtime::create();
  if (!runtime) {
    std::fprintf(stderr, "tessera inspect: %s\n", runtime.error().message.c_str());
    return 1;
  }
  core::element_registry& registry = (*runtime)->registry();
  core::register_builtin_elements(registry);
  if (factory.empty()) {
    const auto all = registry.list();
    if (as_json) {
      boost::json::array list;
      for (auto* f : all) list.push_back(factory_summary_json(*f));
      std::cout << boost::json::serialize(boost::json::object{{"factories", std::move(list)}}) << "\n";
    } else {
      for (auto* f : all) std::printf("%s: %s\n", f->name.c_str(), f->long_name.c_str());
      std::printf("\nTotal count: %zu elements\n", all.size());
    }
    return 0;
  }
  const core::element_factory* f = registry.find(factory);
  if (!f) {
    std::fprintf(stderr, "tessera inspect: no element \"%s\"\n", factory.c_str());
    return 1;
  }
  if (as_json) {
    std::cout << boost::json::serialize(factory_json(*f)) << "\n";
  } else {
    print_factory(*f);
  }
  return 0;
}

}  // namespace tessera::server
