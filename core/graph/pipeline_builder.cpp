#include "core/graph/pipeline_builder.hpp"

#include "core/parse/parse_launch.hpp"

namespace tessera::core {

namespace {
error at(const source_position& pos, const error& e) {
  return error(e.code, to_string(pos) + ": " + e.message);
}
}  // namespace

result<std::unique_ptr<pipeline>> build_pipeline(std::string_view description, element_registry& registry,
                                                 std::string name, pipeline_limits limits) {
  parse_limits plimits;
  plimits.max_elements = limits.max_elements;
  auto desc = parse_launch(description, plimits);
  if (!desc) return desc.error();

  auto p = std::make_unique<pipeline>(std::move(name), registry.runtime(), std::move(limits));
  p->set_description(std::string(description));
  std::vector<element*> made;
  made.reserve(desc->elements.size());
  for (const element_desc& ed : desc->elements) {
    const element_factory* f = registry.find(ed.factory);
    if (!f) return error(errc::not_found, to_string(ed.position) + ": no element \"" + ed.factory + "\"");
    auto added = p->add(f->create(*f, std::string(ed.effective_name())));
    if (!added) return at(ed.position, added.error());
    element* e = *added;
    for (const property_desc& pd : ed.properties) {
      if (pd.name == "name") continue;  // given at creation
      if (auto r = e->set_property_from_string(pd.name, pd.value); !r) return at(pd.position, r.error());
    }
    made.push_back(e);
  }
  for (const link_desc& ld : desc->links) {
    element* from = made[ld.from];
    element* to = made[ld.to];
    auto src = from->request_pad(pad_direction::src, ld.from_pad);
    if (!src)
      return error(errc::not_negotiated, to_string(ld.position) + ": could not link " + from->name() + " to " +
                                             to->name() + ": " + src.error().message);
    auto sink = to->request_pad(pad_direction::sink, ld.to_pad);
    if (!sink)
      return error(errc::not_negotiated, to_string(ld.position) + ": could not link " + from->name() + " to " +
                                             to->name() + ": " + sink.error().message);
    if (auto r = link(**src, **sink); !r) return at(ld.position, r.error());
  }
  return p;
}

}  // namespace tessera::core
