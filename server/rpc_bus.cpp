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

/// The bus message types a client may subscribe to (SPEC 5 and 7).
constexpr std::array<core::message_type, 8> forwarded_types{
    core::message_type::state_changed, core::message_type::eos,     core::message_type::error,
    core::message_type::warning,       core::message_type::qos,     core::message_type::element,
    core::message_type::latency,       core::message_type::segment_done};

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

/// What the service's callback reads: guarded by its own mutex, shared with the
/// callback so that it outlives a call still under way after unsubscribe.
struct rpc_bus_subscription::state {
  std::mutex mutex;
  sink send;                                           // empty once detached
  std::optional<type_mask> every_pipeline;             // subscribed to all pipelines
  std::map<std::string, type_mask, std::less<>> pipelines;  // by name
  std::uint64_t sent = 0;
  std::uint64_t dropped = 0;

  /// Types wanted for `pipeline`, 0 for none. Caller holds the mutex.
  type_mask wanted_locked(std::string_view pipeline) const {
    type_mask m = every_pipeline.value_or(0);
    if (auto it = pipelines.find(pipeline); it != pipelines.end()) m |= it->second;
    return m;
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

jsonrpc::rpc_result<json::value> rpc_bus_subscription::subscribe(std::optional<std::string> pipeline,
                                                                 const std::vector<std::string>& types) {
  if (pipeline && pipeline->empty()) pipeline.reset();
  if (pipeline) {
    if (auto found = service_.find(*pipeline); !found)
      return jsonrpc::rpc_error(found.error().rpc_code(), found.error().message,
                                json::object{{"kind", found.error().name()},
                                             {"http_status", found.error().http_status()}});
  }
  type_mask mask = 0;
  for (const auto& name : types) {
    auto it = std::find_if(forwarded_types.begin(), forwarded_types.end(),
                           [&](core::message_type t) { return core::to_string(t) == name; });
    if (it == forwarded_types.end())
      return jsonrpc::invalid_params("'types' has an unknown message type '" + name + "' (known: " +
                                     known_type_names() + ")");
    mask |= bit(*it);
  }
  if (mask == 0) mask = all_forwarded();
  {
    std::lock_guard lock(state_->mutex);
    if (pipeline)
      state_->pipelines.insert_or_assign(*pipeline, mask);
    else
      state_->every_pipeline = mask;
  }
  if (service_subscription_ == 0) {
    // One service subscription per connection, made at the first bus.subscribe; the
    // filter decides per message. The callback holds the state, never `this`.
    service_subscription_ = service_.subscribe_bus(
        [st = state_](const std::string& name, const core::message& m) {
          std::lock_guard lock(st->mutex);
          if (!st->send || !(st->wanted_locked(name) & bit(m.type))) return;
          auto text = jsonrpc::notification("bus.message", pipeline_service::message_json(name, m));
          if (st->send(std::move(text)))
            ++st->sent;
          else
            ++st->dropped;
        });
  }
  json::value name = nullptr;
  if (pipeline) name = json::string(*pipeline);
  return json::object{{"pipeline", std::move(name)}, {"types", type_names(mask)}};
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
      for (const auto& [name, mask] : state_->pipelines) removed.emplace_back(json::string(name));
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
