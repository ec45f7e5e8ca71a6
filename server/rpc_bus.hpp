#pragma once
/// One JSON-RPC connection's bus subscriptions (bus.subscribe / bus.unsubscribe).
///
/// A client subscribes to one pipeline by name, or to all of them, optionally for some
/// message types only; each matching bus message becomes a `bus.message` notification
/// handed to the connection's `sink`:
///   {"jsonrpc":"2.0","method":"bus.message","params":{"pipeline":..,"type":..,
///    "source":..,"timestamp_ns":..,<the message's fields>}}
/// Forwarded types: state-changed, eos, error, warning, qos, element, latency,
/// async-done, stream-start, segment-done. A state-changed message from an element
/// (source != the pipeline) goes only to a subscription made with
/// `"element_states": true`; the pipeline's own always do (elements post theirs on
/// every step, as gst-launch -m shows, so the filter is here, not in the core).
///
/// Pipelines appearing and going: a subscription to every pipeline (no `pipeline`)
/// also gets, unless it says `"pipelines": false`, and one to a named pipeline with
/// `"pipelines": true`,
///   {"jsonrpc":"2.0","method":"pipeline.created","params":{"pipeline":..,"description":..,"state":..}}
///   {"jsonrpc":"2.0","method":"pipeline.deleted","params":{"pipeline":..}}
/// for every pipeline the server creates or deletes, whether by REST or JSON-RPC.
///
/// The service calls us on the posting thread (a streaming or control thread): we
/// filter, build the text and give it to `sink`, which must not block (the route's sink
/// is a try_send into the connection's bounded queue). Subscriptions are by name, so a
/// pipeline deleted and created again under the same name is followed again.
///
/// Ownership: the connection owns this object; the service's callbacks hold only the
/// shared filter state, so a call already under way when we unsubscribe finds the sink
/// cleared and does nothing. Thread safety: every member from any thread.

#include "server/jsonrpc.hpp"
#include "server/pipeline_service.hpp"

#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tessera::server {

/// What one bus.subscribe asks for (its params).
struct bus_subscribe_params {
  std::optional<std::string> pipeline;  ///< empty: every pipeline, present and future
  std::vector<std::string> types;       ///< empty: every forwarded type
  bool element_states = false;          ///< also each element's state-changed messages
  std::optional<bool> pipelines;        ///< pipeline.created/deleted; unset: when `pipeline` is empty
};

class rpc_bus_subscription {
 public:
  /// Gets one notification's text; must not block. Returns false when the text was not
  /// queued (counted as a dropped notification).
  using sink = std::function<bool(std::string text)>;

  rpc_bus_subscription(pipeline_service& service, sink s);
  /// Unsubscribes from the service.
  ~rpc_bus_subscription();
  rpc_bus_subscription(const rpc_bus_subscription&) = delete;
  rpc_bus_subscription& operator=(const rpc_bus_subscription&) = delete;

  /// Adds `p.pipeline` (empty: every pipeline) with its filter (a later call for the
  /// same pipeline replaces it). An unknown pipeline is not_found, an unknown type
  /// -32602. Returns {"pipeline": name|null, "types": [...], "element_states": bool,
  /// "pipelines": bool}.
  jsonrpc::rpc_result<boost::json::value> subscribe(bus_subscribe_params p);
  /// Removes `pipeline` (empty: every subscription). Returns {"unsubscribed": [names,
  /// null for "every pipeline"], "dropped": notifications lost to a full queue so far}.
  jsonrpc::rpc_result<boost::json::value> unsubscribe(std::optional<std::string> pipeline);

  /// Notifications given to the sink / refused by it so far.
  std::uint64_t sent() const;
  std::uint64_t dropped() const;

 private:
  struct state;
  void detach();

  pipeline_service& service_;  // borrowed: outlives every connection
  const std::shared_ptr<state> state_;
  std::uint64_t service_subscription_ = 0;  // 0: not subscribed to the service
};

}  // namespace tessera::server
