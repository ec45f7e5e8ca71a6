#include "server/server_metrics.hpp"

#include "core/memory/counters.hpp"
#include "core/graph/runtime.hpp"

#include <boost/json/array.hpp>

namespace tessera::server {

namespace json = boost::json;

namespace {

/// Builds the exposition text: each metric family once, with HELP and TYPE.
class exposition {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  void sample(std::string_view name, std::string_view labels, double value) {
    out_ += name;
    if (!labels.empty()) {
      out_ += '{';
      out_ += labels;
      out_ += '}';
    }
    out_ += ' ';
    char buf[64];
    if (value == static_cast<double>(static_cast<std::uint64_t>(value)) && value >= 0)
      std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(value));
    else
      std::snprintf(buf, sizeof buf, "%.9g", value);
    out_ += buf;
    out_ += '\n';
  }
  void single(std::string_view name, std::string_view type, std::string_view help, double value) {
    family(name, type, help);
    sample(name, "", value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Label values escape backslash, double quote and newline.
std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + '"';
}

double u(const json::value& v) { return v.is_uint64() ? double(v.as_uint64()) : v.is_int64() ? double(v.as_int64()) : v.as_double(); }

}  // namespace

json::object server_stats_json(const metrics_sources& s) {
  json::object o = s.service.stats();
  o["uptime_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - s.started).count();
  json::array routes;
  for (const auto& r : s.net.routes)
    routes.push_back(json::object{{"method", r.method},
                                  {"route", r.pattern},
                                  {"requests", r.requests},
                                  {"latency_sum_s", std::chrono::duration<double>(r.latency_sum).count()}});
  o["http"] = json::object{{"connections_active", s.net.connections_active},
                           {"connections_accepted", s.net.connections_accepted},
                           {"connections_rejected", s.net.connections_rejected},
                           {"websockets_active", s.net.websockets_active},
                           {"streams_active", s.net.streams_active},
                           {"requests", s.net.requests_total},
                           {"requests_malformed", s.net.requests_malformed},
                           {"requests_not_found", s.net.requests_not_found},
                           {"requests_refused", s.net.requests_pre_route_answered},
                           {"messages_sent", s.net.messages_sent},
                           {"messages_dropped", s.net.messages_dropped},
                           {"bytes_sent", s.net.bytes_sent},
                           {"routes", std::move(routes)}};
  o["streams"] = json::object{{"frames_streamed", stream_metrics::read(s.streams.frames_streamed)},
                              {"subscribers", stream_metrics::read(s.streams.subscribers)},
                              {"dropped_frames", stream_metrics::read(s.streams.dropped_frames)}};
  return o;
}

std::string prometheus_text(const metrics_sources& s) {
  const json::object stats = s.service.stats();
  exposition e;
  e.single("tessera_pipelines", "gauge", "Pipelines in the registry.", u(stats.at("pipelines")));
  e.single("tessera_pipelines_max", "gauge", "Most pipelines allowed at once.", u(stats.at("max_pipelines")));

  const auto& per = stats.at("per_pipeline").as_object();
  e.family("tessera_pipeline_buffers_total", "counter", "Buffers received by the sinks of a pipeline.");
  for (const auto& p : per) e.sample("tessera_pipeline_buffers_total", label("pipeline", p.key()), u(p.value().at("buffers")));
  e.family("tessera_pipeline_bytes_total", "counter", "Bytes received by the sinks of a pipeline.");
  for (const auto& p : per) e.sample("tessera_pipeline_bytes_total", label("pipeline", p.key()), u(p.value().at("bytes")));
  e.family("tessera_pipeline_qos_dropped_total", "counter", "Buffers dropped as late (QoS) in a pipeline.");
  for (const auto& p : per)
    e.sample("tessera_pipeline_qos_dropped_total", label("pipeline", p.key()), u(p.value().at("qos").at("dropped")));
  e.family("tessera_pipeline_state", "gauge", "1 for the state each pipeline is in.");
  for (const auto& p : per)
    e.sample("tessera_pipeline_state", label("pipeline", p.key()) + "," + label("state", p.value().at("state").as_string()), 1);

  const auto mem = core::memory_counters_snapshot();
  e.single("tessera_memory_allocated_bytes_total", "counter", "Bytes obtained by allocators.", double(mem.allocated_bytes));
  e.single("tessera_memory_copied_bytes_total", "counter", "Bytes copied by the memory core.", double(mem.copied_bytes));
  e.single("tessera_memory_copies_total", "counter", "Copies made by the memory core.", double(mem.copies));
  e.single("tessera_memory_live_bytes", "gauge", "Bytes held by allocators now.", double(mem.live_bytes));
  e.single("tessera_memory_peak_bytes", "gauge", "Most bytes held by allocators at once.", double(mem.peak_bytes));

  const auto& budgets = stats.at("budgets");
  e.single("tessera_memory_limit_bytes", "gauge", "Memory the process may use (cgroup limit, else physical memory).",
           u(budgets.at("memory_limit_bytes")));
  e.single("tessera_memory_budget_bytes", "gauge", "Global memory budget of all pipelines (--memory-budget).",
           u(budgets.at("memory_budget_bytes")));
  e.single("tessera_tile_cache_budget_bytes", "gauge", "Tile cache budget (--cache-size).",
           u(budgets.at("tile_cache_budget_bytes")));

  const auto tiles = s.service.runtime().tile_cache().counters();
  e.single("tessera_tile_cache_hits_total", "counter", "Tile uses that found the tile in memory.", double(tiles.cache_hits));
  e.single("tessera_tile_cache_misses_total", "counter", "Tile uses that had to swap the tile in.",
           double(tiles.cache_misses));
  e.single("tessera_tile_swapped_out_bytes_total", "counter", "Tile bytes swapped out to the swap file.",
           double(tiles.swapped_out_bytes));
  e.single("tessera_tile_swapped_in_bytes_total", "counter", "Tile bytes swapped in from the swap file.",
           double(tiles.swapped_in_bytes));
  e.single("tessera_tile_swap_failures_total", "counter", "Swap-outs that failed (the tile stayed in memory).",
           double(tiles.swap_failures));
  e.single("tessera_tiles_resident", "gauge", "Tiles in memory now.", double(tiles.tiles_resident));
  e.single("tessera_tile_resident_bytes", "gauge", "Tile bytes in memory now (the cache budget's use).",
           double(tiles.resident_bytes));

  const auto& n = s.net;
  e.single("tessera_http_connections_active", "gauge", "Open connections.", double(n.connections_active));
  e.single("tessera_http_connections_accepted_total", "counter", "Accepted connections.", double(n.connections_accepted));
  e.single("tessera_http_connections_rejected_total", "counter", "Connections closed at once (over the limit).",
           double(n.connections_rejected));
  e.single("tessera_http_requests_total", "counter", "Requests read.", double(n.requests_total));
  e.single("tessera_http_requests_malformed_total", "counter", "Requests refused while reading (400/413/431).",
           double(n.requests_malformed));
  e.single("tessera_http_requests_not_found_total", "counter", "Requests for no route (404).", double(n.requests_not_found));
  e.single("tessera_http_requests_refused_total", "counter", "Requests refused by policy (401/403/421).",
           double(n.requests_pre_route_answered));
  e.single("tessera_websockets_active", "gauge", "Open WebSocket connections.", double(n.websockets_active));
  e.single("tessera_http_streams_active", "gauge", "Open streamed responses (MJPEG).", double(n.streams_active));
  e.single("tessera_messages_sent_total", "counter", "Messages written to clients.", double(n.messages_sent));
  e.single("tessera_messages_dropped_total", "counter", "Messages dropped from full client queues.", double(n.messages_dropped));
  e.single("tessera_bytes_sent_total", "counter", "Payload bytes of messages written.", double(n.bytes_sent));
  e.family("tessera_http_request_duration_seconds", "summary", "Handler time per route.");
  for (const auto& r : n.routes) {
    const std::string l = label("method", r.method) + "," + label("route", r.pattern);
    e.sample("tessera_http_request_duration_seconds_sum", l, std::chrono::duration<double>(r.latency_sum).count());
    e.sample("tessera_http_request_duration_seconds_count", l, double(r.requests));
  }

  e.single("tessera_frames_streamed_total", "counter", "Frames written to viewers.",
           double(stream_metrics::read(s.streams.frames_streamed)));
  e.single("tessera_stream_subscribers", "gauge", "Viewers connected now.", double(stream_metrics::read(s.streams.subscribers)));
  e.single("tessera_stream_dropped_frames_total", "counter", "Frames slow viewers lost.",
           double(stream_metrics::read(s.streams.dropped_frames)));
  return e.take();
}

}  // namespace tessera::server
