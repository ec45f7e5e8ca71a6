#include "server/pipeline_json.hpp"

#include "core/graph/element_factory.hpp"
#include "server/factory_json.hpp"

#include <boost/json/array.hpp>

namespace tessera::server {

namespace json = boost::json;

namespace {

json::object pad_json(const core::pad& pad) {
  json::object o;
  o["name"] = pad.name();
  o["direction"] = std::string(core::to_string(pad.direction()));
  if (const core::pad* peer = pad.peer())
    o["peer"] = peer->full_name();
  else
    o["peer"] = nullptr;
  if (pad.has_current_caps())
    o["caps"] = pad.current_caps().to_string();
  else
    o["caps"] = nullptr;
  o["mode"] = std::string(core::to_string(pad.mode()));
  return o;
}

json::object element_json(const core::element& e) {
  json::object props;
  for (const auto& spec : e.factory().properties)
    if (auto v = e.get_property(spec.name)) props[spec.name] = property_value_json(*v);
  json::array pads;
  for (const auto& pad : e.pads()) pads.push_back(pad_json(*pad));
  json::object o;
  o["name"] = e.name();
  o["factory"] = e.factory().name;
  o["state"] = std::string(core::to_string(e.current_state()));
  o["properties"] = std::move(props);
  o["pads"] = std::move(pads);
  return o;
}

// DOT identifiers are quoted; a quote or backslash inside must be escaped.
std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

}  // namespace

json::object pipeline_json(const core::pipeline& p) {
  json::array elements;
  for (const core::element* e : p.elements()) elements.push_back(element_json(*e));
  json::object o;
  o["name"] = p.name();
  o["state"] = std::string(core::to_string(p.current_state()));
  o["target_state"] = std::string(core::to_string(p.target_state()));
  o["description"] = p.description();
  add_stream_status(o, p);
  o["elements"] = std::move(elements);
  return o;
}

json::value time_json(std::optional<core::clock_time> t) {
  return t ? json::value(static_cast<std::int64_t>(*t)) : json::value(nullptr);
}

void add_stream_status(json::object& o, const core::pipeline& p) {
  o["eos"] = p.is_eos();
  if (auto e = p.error_details())
    o["error"] = json::object{{"message", e->message}, {"source", e->source}};
  else
    o["error"] = nullptr;
  o["position_ns"] = time_json(p.position());
  o["duration_ns"] = time_json(p.duration());
  o["latency_ns"] = time_json(p.latency());
  // What a live source stamps a frame captured now with: a client that reads it
  // between two readings of its own clock can place every frame's pts on that clock.
  o["running_time_ns"] = p.current_state() == core::state::playing
                             ? json::value(static_cast<std::int64_t>(p.running_time_now()))
                             : json::value(nullptr);
}

std::string pipeline_dot(const core::pipeline& p) {
  std::string out = "digraph " + dot_quote(p.name()) + " {\n";
  out += "  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\"];\n";
  out += "  label=" + dot_quote(p.name() + " (" + std::string(core::to_string(p.current_state())) + ")") + ";\n";
  for (const core::element* e : p.elements()) {
    out += "  subgraph " + dot_quote("cluster_" + e->name()) + " {\n";
    out += "    label=" + dot_quote(e->name() + " (" + e->factory().name + ")") + ";\n";
    for (const auto& pad : e->pads())
      out += "    " + dot_quote(pad->full_name()) + " [label=" + dot_quote(pad->name()) +
             (pad->direction() == core::pad_direction::src ? ", shape=rarrow" : ", shape=larrow") + "];\n";
    out += "  }\n";
  }
  for (const core::element* e : p.elements())
    for (const auto& pad : e->pads())
      if (pad->direction() == core::pad_direction::src && pad->peer()) {
        out += "  " + dot_quote(pad->full_name()) + " -> " + dot_quote(pad->peer()->full_name());
        if (pad->has_current_caps()) out += " [label=" + dot_quote(pad->current_caps().to_string()) + "]";
        out += ";\n";
      }
  out += "}\n";
  return out;
}

json::object bus_message_json(const std::string& pipeline, const core::message& m) {
  json::object o;
  o["pipeline"] = pipeline;
  o["type"] = std::string(core::to_string(m.type));
  o["source"] = m.source;
  o["timestamp_ns"] = m.timestamp;
  for (const auto& field : m.fields) {
    // The message's own names win only where they do not shadow the envelope.
    if (o.contains(field.first)) continue;
    o[field.first] = std::visit([](const auto& v) { return json::value(v); }, field.second);
  }
  return o;
}

}  // namespace tessera::server
