#pragma once
/// Pipelines as the remote API shows them (docs/api.md): the pipeline object with
/// elements, properties and pads; the Graphviz graph; bus messages. Pure functions of
/// a pipeline's current state, used by pipeline_service.

#include "core/graph/message.hpp"
#include "core/graph/pipeline.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace tessera::server {

/// {"name","state","target_state","description", <status>,
///  "elements":[{name, factory, properties, pads}]}
boost::json::object pipeline_json(const core::pipeline& p);

/// Adds what the pipeline says about its stream to `o`: "eos" (bool), "error" (null or
/// {"message","source"}), "position_ns", "duration_ns", "latency_ns" (each null when
/// unknown). The state stays the pipeline's real state; these say why nothing moves.
void add_stream_status(boost::json::object& o, const core::pipeline& p);

/// A time in ns, or null when unknown.
boost::json::value time_json(std::optional<core::clock_time> t);

/// The pipeline as a Graphviz digraph: one cluster per element with its pads, one
/// edge per link labelled with the negotiated caps.
std::string pipeline_dot(const core::pipeline& p);

/// {"pipeline","type","source","timestamp_ns", <fields>}
boost::json::object bus_message_json(const std::string& pipeline, const core::message& m);

}  // namespace tessera::server
