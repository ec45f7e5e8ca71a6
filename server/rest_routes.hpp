#pragma once
/// The REST half of the remote API (docs/api.md), on net's router: every method
/// declared in api_methods.cpp that has a route (factories, pipelines and their
/// control, element properties, the graph, stats), and the server's own routes:
/// /metrics, /healthz, tickets and the web UI's files. The stream routes (MJPEG,
/// WebSocket frames) and /api/v1/rpc are registered elsewhere on the same router.
///
/// Every reply is JSON (except /metrics, the graph and the web files); errors are
/// `{"error":{"code":<HTTP status>,"message":"..."}}`: 400 for a bad body (naming the
/// field or the JSON problem), 404 for an unknown pipeline/element/property/factory,
/// 409 for a duplicate name or an operation the current state refuses, 403 outside
/// the media root, 422 for a state change the pipeline failed, 429 past the pipeline
/// limit. Pipeline work runs on the service's control pool (pipeline_service::run).
///
/// POST /api/v1/tickets answers `{"ticket":"<32 hex>","expires_in_s":30}`: a single-use
/// ticket a page puts in a WebSocket or MJPEG URL as `?ticket=` instead of its token
/// (the security policy checked the token before this route runs).

#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/ticket_store.hpp"
#include "server/pipeline_service.hpp"
#include "server/stream_metrics.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <filesystem>
#include <functional>

namespace tessera::server {

/// What the routes use. Everything is borrowed and must outlive the router.
struct rest_context {
  pipeline_service& service;
  const stream_metrics& streams;
  std::function<net::metrics_snapshot()> net_metrics;  ///< e.g. [&srv] { return srv.metrics(); }
  std::filesystem::path web_root;                      ///< where index.html and its files are
  net::ticket_store& tickets;                          ///< POST /api/v1/tickets issues from it
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

/// Registers every REST route on `r` (before the server starts).
result<void> add_rest_routes(net::router& r, const rest_context& ctx);

/// What GET /api/v1/stats and server.stats answer, read from `ctx`'s sources (which
/// must outlive the function).
std::function<boost::json::object()> server_stats_of(const rest_context& ctx);

}  // namespace tessera::server
