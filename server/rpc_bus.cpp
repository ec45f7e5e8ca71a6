#include "server/rpc_bus.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

namespace tessera::server {

namespace json = boost::json;

namespace {

/// The bus message types a client may subscribe to: all of them.
constexpr std::array<core::message_type, 10> forwarded_types{
    core::message_type::state_changed, core::message_type::eos,        core::message_type::error,
    core::message_type::warning,       core::message_type::qos,        core::message_type::element,
    core::message_type::latency,       core::message_type::async_done, core::message_type::stream_start,
    core::message_type::segment_done};

/// A set of message types as bits (bit = the enum's value).
using type_mask = unsigned;

type_mask bit(core::message_type t) { return 1u << static_cast<unsigned>(t); }

type_mask all_forwarded() {
  type_mask m = 0;
  for (auto t : forwarded_types) m |= bit(t);
  return m;
}

std::string known_type_names() {
  std::string out;
  for (auto t : forwarded_types) out += (out.empty() ? "" : ", ") + std::string(core::to_string(t));
  return out;
}

json::array type_names(type_mask m) {
  json::array out;
  for (auto t : forwarded_types)
    if (m & bit(t)) out.emplace_back(core::to_string(t));
  return out;
}

}  // namespace

/// One subscription's filter (to one pipeline or to all).
struct bus_filter {
  type_mask types = 0;
  bool element_states = false;  // state-changed of elements too, not only the pipeline's
  bool pipelines = false;       // pipeline.created / pipeline.deleted

  bool wants(std::string_view pipeline, const core::message& m) const {
    if (!(types & bit(m.type))) return false;
    return m.type != core::message_type::state_changed || element_states || m.source == pipeline;
  }
};

/// What the service's callbacks read: guarded by its own mutex, shared with the
/// callbacks so that it outlives a call still under way after unsubscribe.
struct rpc_bus_subscription::state {
  std::mutex mutex;
  sink send;                                                 // empty once detached
  std::optional<bus_filter> every_pipeline;                  // subscribed to all pipelines
  std::map<std::string, bus_filter, std::less<>> pipelines;  // by name
  std::uint64_t sent = 0;
  std::uint64_t dropped = 0;

  /// Whether `m` of `pipeline` is wanted. Caller holds the mutex.
  bool wanted_locked(std::string_view pipeline, const core::message& m) const {
    if (every_pipeline && every_pipeline->wants(pipeline, m)) return true;
    auto it = pipelines.find(pipeline);
    return it != pipelines.end() && it->second.wants(pipeline, m);
  }
  bool lifecycle_wanted_locked() const {
    if (every_pipeline && every_pipeline->pipelines) return true;
    return std::any_of(pipelines.begin(), pipelines.end(), [](const auto& p) { return p.second.pipelines; });
  }
  /// Gives `text` to the connection. Caller holds the mutex.
  void deliver_locked(std::string text) {
    if (send(std::move(text)))
      ++sent;
    else
      ++dropped;
  }
};

rpc_bus_subscription::rpc_bus_subscription(pipeline_service& service, sink s)
    : service_(service), state_(std::make_shared<state>()) {
  state_->send = std::move(s);
}

rpc_bus_subscription::~rpc_bus_subscription() {
  if (service_subscription_ != 0) service_.unsubscribe_bus(service_subscription_);
  detach();
}

void rpc_bus_subscription::detach() {
  std::lock_guard lock(state_->mutex);
  state_->send = nullptr;
}

jsonrpc::rpc_result<json::value> rpc_bus_subscription::subscribe(bus_subscribe_params p) {
  auto& pipeline = p.pipeline;
  if (pipeline && pipeline->empty()) pipeline.reset();
  if (pipeline) {
    if (auto found = service_.find(*pipeline); !found)
      return jsonrpc::rpc_error(found.error().rpc_code(), found.error().message,
                                json::object{{"kind", found.error().name()},
                                             {"http_status", found.error().http_status()}});
  }
  bus_filter filter;
  for (const auto& name : p.types) {
    auto it = std::find_if(forwarded_types.begin(), forwarded_types.end(),
                           [&](core::message_type t) { return core::to_string(t) == name; });
    if (it == forwarded_types.end())
      return jsonrpc::invalid_params("'types' has an unknown message type '" + name + "' (known: " +
                                     known_type_names() + ")");
    filter.types |= bit(*it);
  }
  if (filter.types == 0) filter.types = all_forwarded();
  filter.element_states = p.element_states;
  // Following every pipeline means hearing when one appears or goes.
  filter.pipelines = p.pipelines.value_or(!pipeline);
  {
    std::lock_guard lock(state_->mutex);
    if (pipeline)
      state_->pipelines.insert_or_assign(*pipeline, filter);
    else
      state_->every_pipeline = filter;
  }
  if (service_subscription_ == 0) {
    // One service subscription per connection, made at the first bus.subscribe; the
    // filter decides per message. The callbacks hold the state, never `this`.
    service_subscription_ = service_.subscribe_bus(
        [st = state_](const std::string& name, const core::message& m) {
          std::lock_guard lock(st->mutex);
          if (!st->send || !st->wanted_locked(name, m)) return;
          st->deliver_locked(jsonrpc::notification("bus.message", pipeline_service::message_json(name, m)));
        },
        [st = state_](std::string_view method, const json::object& params) {
          std::lock_guard lock(st->mutex);
          if (!st->send || !st->lifecycle_wanted_locked()) return;
          st->deliver_locked(jsonrpc::notification(method, params));
        });
  }
  json::value name = nullptr;
  if (pipeline) name = json::string(*pipeline);
  return json::object{{"pipeline", std::move(name)},
                      {"types", type_names(filter.types)},
                      {"element_states", filter.element_states},
                      {"pipelines", filter.pipelines}};
}

jsonrpc::rpc_result<json::value> rpc_bus_subscription::unsubscribe(std::optional<std::string> pipeline) {
  if (pipeline && pipeline->empty()) pipeline.reset();
  json::array removed;
  bool now_empty = false;
  std::uint64_t dropped = 0;
  {
    std::lock_guard lock(state_->mutex);
    if (pipeline) {
      if (state_->pipelines.erase(*pipeline) == 0)
        return jsonrpc::invalid_params("not subscribed to pipeline '" + *pipeline + "'");
      removed.emplace_back(json::string(*pipeline));
    } else {
      for (const auto& [name, filter] : state_->pipelines) removed.emplace_back(json::string(name));
      if (state_->every_pipeline) removed.emplace_back(nullptr);
      state_->pipelines.clear();
      state_->every_pipeline.reset();
    }
    now_empty = state_->pipelines.empty() && !state_->every_pipeline;
    dropped = state_->dropped;
  }
  if (now_empty && service_subscription_ != 0) {
    service_.unsubscribe_bus(service_subscription_);
    service_subscription_ = 0;
  }
  return json::object{{"unsubscribed", std::move(removed)}, {"dropped", dropped}};
}

std::uint64_t rpc_bus_subscription::sent() const {
  std::lock_guard lock(state_->mutex);
  return state_->sent;
}

std::uint64_t rpc_bus_subscription::dropped() const {
  std::lock_guard lock(state_->mutex);
  return state_->dropped;
}

}  // namespace tessera::server
