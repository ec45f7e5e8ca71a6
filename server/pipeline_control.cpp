// pipeline_service: the control operations on one pipeline (state, seek, position,
// EOS, element properties). Each looks its entry up under the registry lock, then
// works on the entry alone, so a blocking core call holds no service lock. State
// changes, seeks and EOS also take the entry's control (lock_control, bounded), so
// they run one at a time per pipeline.
#include "server/pipeline_service.hpp"

#include "server/factory_json.hpp"

#include "server/pipeline_json.hpp"

#include <cmath>

namespace tessera::server {

namespace json = boost::json;

namespace {

service_error from_core(const tessera::error& e) {
  if (e == errc::not_found) return make_error(service_errc::not_found, e.message);
  if (e == errc::permission_denied) return make_error(service_errc::forbidden, e.message);
  if (e == errc::bad_state) return make_error(service_errc::conflict, e.message);
  return make_error(service_errc::invalid_params, e.message);
}

std::string_view to_string(core::state_change r) {
  switch (r) {
    case core::state_change::success: return "success";
    case core::state_change::async: return "async";
    case core::state_change::no_preroll: return "no_preroll";
    case core::state_change::failure: return "failure";
  }
  return "failure";
}

}  // namespace

service_result<core::property_value> property_value_from_json(simdjson::dom::element v) {
  switch (v.type()) {
    case simdjson::dom::element_type::INT64: return core::property_value{v.get_int64().value_unsafe()};
    case simdjson::dom::element_type::UINT64: {
      const std::uint64_t u = v.get_uint64().value_unsafe();
      return make_error(service_errc::invalid_params, "value " + std::to_string(u) + " is too large");
    }
    case simdjson::dom::element_type::DOUBLE: return core::property_value{v.get_double().value_unsafe()};
    case simdjson::dom::element_type::BOOL: return core::property_value{v.get_bool().value_unsafe()};
    case simdjson::dom::element_type::STRING:
      return core::property_value{std::string(v.get_string().value_unsafe())};
    case simdjson::dom::element_type::NULL_VALUE:
      return make_error(service_errc::invalid_params, "\"value\" is null; expected a number, boolean or string");
    case simdjson::dom::element_type::ARRAY:
    case simdjson::dom::element_type::OBJECT:
      return make_error(service_errc::invalid_params,
                        "\"value\" is an array or object; expected a number, boolean or string");
  }
  return make_error(service_errc::invalid_params, "\"value\" has an unknown JSON type");
}

service_result<json::value> pipeline_service::set_state(std::string_view name, std::string_view state_text) {
  const auto target = core::state_from_string(state_text);
  if (!target)
    return make_error(service_errc::invalid_params,
                      "unknown state \"" + std::string(state_text) + "\" (expected null, ready, paused or playing)");
  auto found = find(name);
  if (!found) return found.error();
  std::shared_ptr<pipeline_entry> entry = *found;
  core::pipeline& p = entry->pipeline();
  if (entry->removed()) return make_error(service_errc::not_found, "pipeline \"" + std::string(name) + "\" was deleted");
  auto control = entry->lock_control("set_state " + std::string(core::to_string(*target)), options_.control_wait);
  if (!control) return control.error();

  const core::state_change r = p.set_state(*target);
  // An asynchronous change (preroll) is waited for, boundedly, so the reply says where
  // the pipeline is and a following seek or position sees the prerolled state.
  if (r == core::state_change::async) p.wait_state(options_.state_wait);
  // A streaming error counts only for a way up: going down (to READY or NULL) is how a
  // client recovers from one, and must not be refused for it.
  if (r == core::state_change::failure || (*target >= core::state::paused && p.has_error())) {
    std::string why = entry->last_error();
    // The bus subscriber that records the entry's text may still be running on the
    // posting thread; the pipeline has the text before it raises the error flag.
    if (why.empty()) why = p.last_error();
    if (why.empty()) why = "a state change failed";
    return make_error(service_errc::pipeline_failed, "pipeline \"" + entry->name() + "\" could not go to " +
                                                         std::string(core::to_string(*target)) + ": " + why);
  }
  json::object o;
  o["name"] = entry->name();
  o["state"] = std::string(core::to_string(p.current_state()));
  o["target"] = std::string(core::to_string(p.target_state()));
  o["pending"] = p.state_pending();
  o["result"] = std::string(to_string(r));
  return json::value(std::move(o));
}

service_result<json::value> pipeline_service::seek(std::string_view name, const seek_params& params) {
  core::seek_request req;
  req.flags = core::seek_flags::none;
  for (const auto& f : params.flags) {
    if (f == "flush")
      req.flags = req.flags | core::seek_flags::flush;
    else if (f == "accurate")
      req.flags = req.flags | core::seek_flags::accurate;
    else if (f == "key-unit" || f == "key_unit")
      req.flags = req.flags | core::seek_flags::key_unit;
    else if (f == "segment")
      req.flags = req.flags | core::seek_flags::segment;
    else
      return make_error(service_errc::invalid_params,
                        "unknown seek flag \"" + f + "\" (expected flush, accurate, key-unit or segment)");
  }
  if (!std::isfinite(params.rate) || params.rate == 0.0)
    return make_error(service_errc::invalid_params, "seek rate must be a finite number other than 0");
  if (params.position_ns < 0) return make_error(service_errc::invalid_params, "position_ns must not be negative");
  if (params.stop_ns && *params.stop_ns < params.position_ns)
    return make_error(service_errc::invalid_params, "stop_ns " + std::to_string(*params.stop_ns) +
                                                        " is before position_ns " +
                                                        std::to_string(params.position_ns));
  req.rate = params.rate;
  req.start = params.position_ns;
  if (params.stop_ns) req.stop = *params.stop_ns;

  auto found = find(name);
  if (!found) return found.error();
  std::shared_ptr<pipeline_entry> entry = *found;
  core::pipeline& p = entry->pipeline();
  auto control = entry->lock_control("seek", options_.control_wait);
  if (!control) return control.error();
  if (auto r = p.seek(req); !r) return from_core(r.error());

  // Like gst_element_get_state after a flushing seek in PAUSED: wait (boundedly) until
  // every sink holds the frame at the new position or has reached EOS (a seek past the
  // end), so a position query right after the seek reads it. The pipeline wakes us
  // when the sinks report; a live or PLAYING pipeline has nothing pending.
  const core::state now = p.state_pending() ? p.wait_state(options_.state_wait) : p.current_state();
  json::array flags;
  for (const auto& f : params.flags) flags.push_back(json::string(f));
  json::object o;
  o["name"] = entry->name();
  o["position_ns"] = params.position_ns;
  o["stop_ns"] = params.stop_ns ? json::value(*params.stop_ns) : json::value(nullptr);
  o["rate"] = params.rate;
  o["flags"] = std::move(flags);
  o["state"] = std::string(core::to_string(now));
  return json::value(std::move(o));
}

service_result<json::value> pipeline_service::position(std::string_view name) const {
  auto found = find(name);
  if (!found) return found.error();
  const core::pipeline& p = (*found)->pipeline();
  json::object o;
  o["name"] = p.name();
  o["position_ns"] = time_json(p.position());
  o["duration_ns"] = time_json(p.duration());
  o["state"] = std::string(core::to_string(p.current_state()));
  return json::value(std::move(o));
}

service_result<json::value> pipeline_service::send_eos(std::string_view name) {
  auto found = find(name);
  if (!found) return found.error();
  core::pipeline& p = (*found)->pipeline();
  auto control = (*found)->lock_control("EOS", options_.control_wait);
  if (!control) return control.error();
  if (p.current_state() < core::state::paused)
    return make_error(service_errc::conflict, "pipeline \"" + p.name() + "\" is " +
                                                  std::string(core::to_string(p.current_state())) +
                                                  ": EOS needs paused or playing");
  p.send_eos();
  return json::value(json::object{{"name", p.name()}, {"eos", true}});
}

service_result<json::value> pipeline_service::get_property(std::string_view pipeline, std::string_view element,
                                                           std::string_view property) const {
  auto found = find(pipeline);
  if (!found) return found.error();
  const core::element* e = (*found)->pipeline().find(element);
  if (!e)
    return make_error(service_errc::not_found,
                      "pipeline \"" + std::string(pipeline) + "\" has no element \"" + std::string(element) + "\"");
  auto v = e->get_property(property);
  if (!v) return from_core(v.error());
  return json::value(json::object{{"pipeline", (*found)->name()},
                                  {"element", e->name()},
                                  {"property", std::string(property)},
                                  {"value", property_value_json(*v)}});
}

service_result<json::value> pipeline_service::set_property(std::string_view pipeline, std::string_view element,
                                                           std::string_view property,
                                                           const core::property_value& value) {
  auto found = find(pipeline);
  if (!found) return found.error();
  core::element* e = (*found)->pipeline().find(element);
  if (!e)
    return make_error(service_errc::not_found,
                      "pipeline \"" + std::string(pipeline) + "\" has no element \"" + std::string(element) + "\"");
  // Renaming would break the element's URL and every "element.pad" reference.
  if (property == "name")
    return make_error(service_errc::conflict, e->name() + ": property \"name\" cannot change once in a pipeline");
  if (auto r = e->set_property(property, value); !r) return from_core(r.error());
  return get_property(pipeline, element, property);
}

}  // namespace tessera::server
