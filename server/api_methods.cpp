// Every method of the remote API, declared once (api_method.hpp): the REST routes and
// the JSON-RPC methods are made from this table. docs/api.md documents each.
#include "server/api_method.hpp"

#include <boost/json/string.hpp>

namespace tessera::server {

namespace json = boost::json;
using net::verb;

namespace {

using json_result = service_result<json::value>;

constexpr const char* property_path = "/api/v1/pipelines/{p}/elements/{e}/properties/{name}";

/// A method whose only param is the pipeline of the route's {p}.
api_method pipeline_method(std::string rpc_name, verb v, std::string path, bool blocking,
                           json_result (pipeline_service::*call)(std::string_view)) {
  return {.rpc_name = std::move(rpc_name),
          .rest = api_route{.verb = v, .path = std::move(path)},
          .params = {{"pipeline", "p"}},
          .blocking = blocking,
          .call = [call](api_args& in, const api_context& api) -> json_result {
            auto pipeline = in.string("pipeline");
            if (!in.ok()) return in.error();
            return (api.service.*call)(pipeline);
          }};
}

/// The same for a const member of the service.
api_method pipeline_method(std::string rpc_name, verb v, std::string path,
                           json_result (pipeline_service::*call)(std::string_view) const) {
  return {.rpc_name = std::move(rpc_name),
          .rest = api_route{.verb = v, .path = std::move(path)},
          .params = {{"pipeline", "p"}},
          .call = [call](api_args& in, const api_context& api) -> json_result {
            auto pipeline = in.string("pipeline");
            if (!in.ok()) return in.error();
            return (api.service.*call)(pipeline);
          }};
}

std::vector<api_method> pipeline_methods() {
  std::vector<api_method> m;
  m.push_back({.rpc_name = "pipeline.list",
               .rest = api_route{.path = "/api/v1/pipelines"},
               .call = [](api_args&, const api_context& api) -> json_result { return api.service.list(); }});
  m.push_back({.rpc_name = "pipeline.create",
               .rest = api_route{.verb = verb::post,
                                 .path = "/api/v1/pipelines",
                                 .success = net::status::created,
                                 .body_example = R"({"name":"p0","description":"testsrc ! videoconvert ! websink"})",
                                 .location = true},
               .params = {{"description"}, {"name"}},
               .blocking = true,
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto description = in.string("description");
                 auto name = in.optional_string("name");
                 if (!in.ok()) return in.error();
                 return api.service.create(name.value_or(""), description);
               }});
  m.push_back(pipeline_method("pipeline.describe", verb::get, "/api/v1/pipelines/{p}", &pipeline_service::describe));
  m.push_back(pipeline_method("pipeline.delete", verb::delete_, "/api/v1/pipelines/{p}", true,
                              &pipeline_service::remove));
  m.push_back({.rpc_name = "pipeline.set_state",
               .rest = api_route{.verb = verb::put,
                                 .path = "/api/v1/pipelines/{p}/state",
                                 .body_example = R"({"state":"playing"})"},
               .params = {{"pipeline", "p"}, {"state"}},
               .blocking = true,
               .blamed_param = "state",
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto pipeline = in.string("pipeline");
                 auto state = in.string("state");
                 if (!in.ok()) return in.error();
                 return api.service.set_state(pipeline, state);
               }});
  m.push_back({.rpc_name = "pipeline.seek",
               .rest = api_route{.verb = verb::post,
                                 .path = "/api/v1/pipelines/{p}/seek",
                                 .body_example = R"({"position_ns":2000000000,"flags":["flush"],"rate":1.0})"},
               .params = {{"pipeline", "p"}, {"position_ns"}, {"flags"}, {"rate"}, {"stop_ns"}},
               .blocking = true,
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto pipeline = in.string("pipeline");
                 seek_params seek;
                 seek.position_ns = in.integer("position_ns");
                 seek.stop_ns = in.optional_integer("stop_ns");
                 if (auto flags = in.optional_strings("flags")) seek.flags = std::move(*flags);
                 seek.rate = in.optional_number("rate").value_or(1.0);
                 if (!in.ok()) return in.error();
                 return api.service.seek(pipeline, seek);
               }});
  m.push_back(pipeline_method("pipeline.send_eos", verb::post, "/api/v1/pipelines/{p}/eos", true,
                              &pipeline_service::send_eos));
  m.push_back(
      pipeline_method("pipeline.position", verb::get, "/api/v1/pipelines/{p}/position", &pipeline_service::position));
  m.push_back({.rest = api_route{.path = "/api/v1/pipelines/{p}/graph", .text_type = "text/vnd.graphviz; charset=utf-8"},
               .params = {{"pipeline", "p"}},
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto pipeline = in.string("pipeline");
                 if (!in.ok()) return in.error();
                 auto dot = api.service.graph_dot(pipeline);
                 if (!dot) return dot.error();
                 return json::string(*dot);
               }});
  return m;
}

std::vector<api_method> element_methods() {
  std::vector<api_method> m;
  m.push_back({.rpc_name = "element.get",
               .rest = api_route{.path = property_path},
               .params = {{"pipeline", "p"}, {"element", "e"}, {"property", "name"}},
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto pipeline = in.string("pipeline");
                 auto element = in.string("element");
                 auto property = in.string("property");
                 if (!in.ok()) return in.error();
                 return api.service.get_property(pipeline, element, property);
               }});
  m.push_back({.rpc_name = "element.set",
               .rest = api_route{.verb = verb::put, .path = property_path, .body_example = R"({"value":42})"},
               .params = {{"pipeline", "p"}, {"element", "e"}, {"property", "name"}, {"value"}},
               .blocking = true,
               .blamed_param = "value",
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto pipeline = in.string("pipeline");
                 auto element = in.string("element");
                 auto property = in.string("property");
                 auto raw = in.value("value");
                 if (!in.ok()) return in.error();
                 auto value = property_value_from_json(*raw);
                 if (!value) return value.error();
                 return api.service.set_property(pipeline, element, property, *value);
               }});
  return m;
}

std::vector<api_method> server_methods() {
  std::vector<api_method> m;
  m.push_back({.rpc_name = "factory.list",
               .rest = api_route{.path = "/api/v1/factories"},
               .call = [](api_args&, const api_context& api) -> json_result { return api.service.factories(); }});
  m.push_back({.rpc_name = "factory.describe",
               .rest = api_route{.path = "/api/v1/factories/{f}"},
               .params = {{"factory", "f"}},
               .call = [](api_args& in, const api_context& api) -> json_result {
                 auto factory = in.string("factory");
                 if (!in.ok()) return in.error();
                 return api.service.factory(factory);
               }});
  m.push_back({.rpc_name = "server.stats",
               .rest = api_route{.path = "/api/v1/stats"},
               .call = [](api_args&, const api_context& api) -> json_result { return api.server_stats(); }});
  return m;
}

std::vector<api_method> every_method() {
  std::vector<api_method> all = pipeline_methods();
  for (auto& m : element_methods()) all.push_back(std::move(m));
  for (auto& m : server_methods()) all.push_back(std::move(m));
  return all;
}

}  // namespace

const std::vector<api_method>& api_methods() {
  static const std::vector<api_method> methods = every_method();
  return methods;
}

}  // namespace tessera::server
