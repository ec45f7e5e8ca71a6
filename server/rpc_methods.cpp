// The JSON-RPC methods: every method declared in api_methods.cpp that has a JSON-RPC
// name, plus the connection's own bus.subscribe and bus.unsubscribe.
#include "server/rpc_methods.hpp"

#include "server/api_method.hpp"

#include <boost/json/object.hpp>

namespace tessera::server {

namespace json = boost::json;
using jsonrpc::params;
using jsonrpc::rpc_result;

jsonrpc::rpc_error to_rpc_error(const service_error& e) {
  return {e.rpc_code(), e.message, json::object{{"kind", e.name()}, {"http_status", e.http_status()}}};
}

namespace {

/// A parameter the reader refused: -32602, its message already "Invalid params: ...".
jsonrpc::rpc_error refused_param(const service_error& e) { return {jsonrpc::code::invalid_params, e.message}; }

/// The service's answer as the method's result. A -32602 from the service says
/// "Invalid params:" like the reader's, naming `param` when the method knows which
/// one it was.
rpc_result<json::value> answer(service_result<json::value> r, std::string_view param) {
  if (r) return std::move(*r);
  auto e = to_rpc_error(r.error());
  if (e.code == jsonrpc::code::invalid_params)
    e.message = "Invalid params: " + (param.empty() ? "" : "'" + std::string(param) + "': ") + e.message;
  return e;
}

void add_api_method(jsonrpc::dispatcher& d, const api_method& m, const std::shared_ptr<const api_context>& api) {
  std::vector<std::string> names;
  for (const auto& p : m.params) names.push_back(p.name);
  d.add(m.rpc_name, std::move(names), [&m, api](const params& p) -> rpc_result<json::value> {
    rpc_params source(p);
    api_args args(source);
    auto r = m.call(args, *api);
    if (!args.ok()) return refused_param(args.error());
    return answer(std::move(r), m.blamed_param);
  });
}

void add_bus_methods(jsonrpc::dispatcher& d, rpc_bus_subscription& bus) {
  d.add("bus.subscribe", {"pipeline", "types", "element_states", "pipelines"},
        [&bus](const params& p) -> rpc_result<json::value> {
          rpc_params source(p);
          api_args in(source);
          bus_subscribe_params sub;
          sub.pipeline = in.optional_string("pipeline");
          sub.types = in.optional_strings("types").value_or(std::vector<std::string>{});
          sub.element_states = in.optional_bool("element_states").value_or(false);
          sub.pipelines = in.optional_bool("pipelines");
          if (!in.ok()) return refused_param(in.error());
          return bus.subscribe(std::move(sub));
        });
  d.add("bus.unsubscribe", {"pipeline"}, [&bus](const params& p) -> rpc_result<json::value> {
    rpc_params source(p);
    api_args in(source);
    auto name = in.optional_string("pipeline");
    if (!in.ok()) return refused_param(in.error());
    return bus.unsubscribe(std::move(name));
  });
}

}  // namespace

void add_rpc_methods(jsonrpc::dispatcher& d, pipeline_service& service, rpc_bus_subscription& bus,
                     server_stats_source server_stats) {
  auto api = std::make_shared<const api_context>(api_context{service, std::move(server_stats)});
  for (const api_method& m : api_methods())
    if (!m.rpc_name.empty()) add_api_method(d, m, api);
  add_bus_methods(d, bus);
}

}  // namespace tessera::server
