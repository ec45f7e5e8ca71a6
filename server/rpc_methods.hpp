#pragma once
/// The JSON-RPC methods of docs/api.md: every method declared in api_methods.cpp
/// with a JSON-RPC name (factory.*, pipeline.*, element.*, server.stats), taking its
/// params by name or by position in the declared order, plus the connection's own
///   bus.subscribe        pipeline (optional: every pipeline), types (optional: all),
///                        element_states, pipelines
///   bus.unsubscribe      pipeline (optional: every subscription)
///
/// Results are the service's JSON (the same objects the REST routes answer); its
/// errors become JSON-RPC errors with service_error::rpc_code() and
/// data {"kind": "not_found", "http_status": 404}; a param the reader refuses is
/// -32602 without data.
///
/// The handlers call the service synchronously, and some calls block (state changes):
/// the caller runs dispatcher::handle on the service's control pool (rpc_route does).

#include "server/jsonrpc.hpp"
#include "server/pipeline_service.hpp"
#include "server/rpc_bus.hpp"

#include <boost/json/object.hpp>

#include <functional>

namespace tessera::server {

/// `e` as a JSON-RPC error (code from the service, kind and HTTP status as data).
jsonrpc::rpc_error to_rpc_error(const service_error& e);

/// What server.stats answers: the object of GET /api/v1/stats (server_metrics.hpp).
using server_stats_source = std::function<boost::json::object()>;

/// Registers every method on `d`. `service` and `bus` are borrowed and must outlive `d`
/// (the connection owns `d` and `bus`; the server owns the service).
void add_rpc_methods(jsonrpc::dispatcher& d, pipeline_service& service, rpc_bus_subscription& bus,
                     server_stats_source server_stats);

}  // namespace tessera::server
