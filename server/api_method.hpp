#pragma once
/// The remote API's methods, each declared once (api_methods.cpp): its JSON-RPC name,
/// its REST route, its parameters and the one function that reads them and calls the
/// pipeline service. rest_routes.cpp makes the REST routes and rpc_methods.cpp the
/// JSON-RPC methods from these declarations, so both protocols answer the same JSON
/// and the same errors (docs/api.md), each in its own words for a bad parameter
/// (api_params.hpp).
///
/// To add a method: declare it in api_methods.cpp (and document it in docs/api.md).

#include "net/http_message.hpp"
#include "server/api_params.hpp"
#include "server/pipeline_service.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace tessera::server {

/// What a method may use. The service is borrowed: it outlives every call.
struct api_context {
  pipeline_service& service;
  /// The object of GET /api/v1/stats and server.stats (server_metrics.hpp).
  std::function<boost::json::object()> server_stats;
};

/// One parameter, in JSON-RPC's positional order.
struct api_param {
  std::string name;         ///< the JSON-RPC param, and the REST body field
  std::string placeholder;  ///< REST: the route's {placeholder} it comes from; empty: the body
};

/// How a method is served as REST.
struct api_route {
  net::verb verb = net::verb::get;
  std::string path;                     ///< a net::route_pattern, e.g. "/api/v1/pipelines/{p}"
  net::status success = net::status::ok;
  /// The body's shape, shown when the body is not a JSON object. Empty: no body is read.
  std::string body_example;
  /// Non-empty: the result is a JSON string, served as this text type (the graph's DOT).
  std::string text_type;
  /// Answer `Location: <path>/<result's "name">` (a created resource).
  bool location = false;
};

struct api_method {
  std::string rpc_name;           ///< e.g. "pipeline.set_state"; empty: REST only
  std::optional<api_route> rest;  ///< nullopt: JSON-RPC only
  std::vector<api_param> params;
  /// The call may block (a state change joins streaming tasks, deletion sets NULL):
  /// REST runs it on the service's control pool. (JSON-RPC runs every message there.)
  bool blocking = false;
  /// JSON-RPC: an invalid_params error of the service is about this param, which the
  /// message then names ("Invalid params: 'state': ...").
  std::string blamed_param;
  /// Reads the params and calls the service. When a read fails it returns that error
  /// (args.ok() is then false).
  std::function<service_result<boost::json::value>(api_args& args, const api_context& api)> call;
};

/// Every method, in the order their routes are registered.
const std::vector<api_method>& api_methods();

}  // namespace tessera::server
