#include "server/stats_json.hpp"

#include "core/base/base_sink.hpp"
#include "core/base/base_transform.hpp"
#include "core/elements/web/websink.hpp"
#include "core/memory/counters.hpp"
#include "core/graph/runtime.hpp"
#include "server/pipeline_json.hpp"

namespace tessera::server {

boost::json::object tile_cache_stats(core::runtime& rt) {
  const auto tiles = rt.tile_cache().counters();
  return {{"swapped_out_bytes", tiles.swapped_out_bytes}, {"swapped_in_bytes", tiles.swapped_in_bytes},
          {"cache_hits", tiles.cache_hits},               {"cache_misses", tiles.cache_misses},
          {"tiles_resident", tiles.tiles_resident},       {"resident_bytes", tiles.resident_bytes}};
}

boost::json::object pipeline_stats(const core::pipeline& p, double elapsed_s) {
  using core::pad_direction;
  std::uint64_t buffers = 0, bytes = 0, processed = 0, dropped = 0, viewers = 0;
  boost::json::object elements;
  for (core::element* e : p.elements()) {
    if (e->is_sink()) {
      for (auto& pad : e->pads())
        if (pad->direction() == pad_direction::sink) {
          buffers += pad->counters().buffers.load(std::memory_order_relaxed);
          bytes += pad->counters().bytes.load(std::memory_order_relaxed);
        }
    }
    // QoS as the sinks see it: buffers rendered, plus buffers dropped as late by
    // the sinks or skipped by transforms with qos=true.
    boost::json::object entry{{"buffers_in", e->buffers_in()}, {"buffers_out", e->buffers_out()}};
    if (auto* t = dynamic_cast<core::base_transform*>(e)) {
      dropped += t->qos_dropped();
      entry["qos_dropped"] = t->qos_dropped();
    } else if (auto* s = dynamic_cast<core::base_sink*>(e)) {
      processed += s->rendered();
      dropped += s->dropped();
      entry["rendered"] = s->rendered();
      entry["dropped"] = s->dropped();
      if (auto* w = dynamic_cast<core::websink*>(e)) {
        entry["viewers"] = w->subscriber_count();
        viewers += w->subscriber_count();
        // Which frames the viewers get: the default and each quality/size variant.
        boost::json::array variants;
        for (const auto& v : w->variants()) {
          const auto or_null = [](int n) { return n ? boost::json::value(n) : boost::json::value(nullptr); };
          variants.push_back({{"query", v.request.to_query()},
                              {"quality", or_null(v.request.quality)},
                              {"max_width", or_null(v.request.max_width)},
                              {"max_height", or_null(v.request.max_height)},
                              {"viewers", v.viewers},
                              {"frames", v.frames},
                              {"width", v.width},
                              {"height", v.height}});
        }
        entry["variants"] = std::move(variants);
      }
    }
    elements[e->name()] = std::move(entry);
  }
  const auto mem = core::memory_counters_snapshot();
  boost::json::object o;
  o["elapsed_s"] = elapsed_s;
  o["buffers"] = buffers;
  o["bytes"] = bytes;
  o["memory"] = {{"allocated_bytes", mem.allocated_bytes},
                 {"copied_bytes", mem.copied_bytes},
                 {"copies", mem.copies},
                 {"peak_bytes", mem.peak_bytes},
                 {"live_bytes", mem.live_bytes}};
  // Tiles are the runtime's cache (--cache-size), shared by all its pipelines.
  o["tiles"] = tile_cache_stats(p.runtime());
  o["qos"] = {{"processed", processed}, {"dropped", dropped}};
  o["latency_ns"] = time_json(p.latency());
  o["viewers"] = viewers;  // browsers watching the pipeline's websinks
  o["elements"] = std::move(elements);
  return o;
}

}  // namespace tessera::server
