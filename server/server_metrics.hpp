#pragma once
/// The server's counters in the two shapes the API serves: the JSON object of
/// GET /api/v1/stats (and JSON-RPC server.stats) and the Prometheus text of
/// GET /metrics. Both read the same sources: the pipeline registry (pipelines, sink
/// buffers), core's memory counters, net's request counters and the stream counters.

#include "net/metrics.hpp"
#include "server/pipeline_service.hpp"
#include "server/stream_metrics.hpp"

#include <boost/json/object.hpp>

#include <chrono>
#include <string>

namespace tessera::server {

/// Everything the stats are computed from. Borrowed for the call.
struct metrics_sources {
  const pipeline_service& service;
  const net::metrics_snapshot& net;
  const stream_metrics& streams;
  std::chrono::steady_clock::time_point started;  ///< for uptime
};

/// {"uptime_s", "pipelines", "max_pipelines", "buffers", "bytes", "memory", "per_pipeline",
///  "http": {...}, "streams": {...}}
boost::json::object server_stats_json(const metrics_sources& s);

/// Prometheus text exposition format 0.0.4.
std::string prometheus_text(const metrics_sources& s);

}  // namespace tessera::server
