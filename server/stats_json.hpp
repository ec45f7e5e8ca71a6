#pragma once
/// The statistics object of `tessera launch --stats` (README), also the
/// per-pipeline part of /api/v1/stats.

#include "core/graph/pipeline.hpp"

#include <boost/json/object.hpp>

namespace tessera::server {

/// elapsed_s, buffers/bytes received by the sinks, memory, tiles, qos, latency_ns,
/// viewers (websink subscribers) and per-element counters of `p`.
boost::json::object pipeline_stats(const core::pipeline& p, double elapsed_s);

/// The counters of the runtime's tile cache: swap traffic, hits, misses, resident
/// tiles and bytes.
boost::json::object tile_cache_stats(core::runtime& rt);

}  // namespace tessera::server
