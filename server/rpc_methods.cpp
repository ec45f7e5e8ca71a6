#include "server/rpc_methods.hpp"

#include <boost/json/object.hpp>

namespace tessera::server {

namespace json = boost::json;
using jsonrpc::params;
using jsonrpc::rpc_result;

jsonrpc::rpc_error to_rpc_error(const service_error& e) {
  return {e.rpc_code(), e.message, json::object{{"kind", e.name()}, {"http_status", e.http_status()}}};
}

namespace {

/// The service's answer as the method's result. A -32602 from the service says
/// "Invalid params:" like ours, naming `param` when the method knows which one it was.
rpc_result<json::value> answer(service_result<json::value> r, std::string_view param = {}) {
  if (r) return std::move(*r);
  auto e = to_rpc_error(r.error());
  if (e.code == jsonrpc::code::invalid_params)
    e.message = "Invalid params: " + (param.empty() ? "" : "'" + std::string(param) + "': ") + e.message;
  return e;
}

/// Reads the named params one after the other, stopping at the first error; the
/// handlers below then read `ok()` once instead of checking each param.
class param_reader {
 public:
  explicit param_reader(const params& p) : p_(p) {}

  std::string string(std::string_view name) { return take(p_.required_string(name), std::string()); }
  std::optional<std::string> optional_string(std::string_view name) {
    return take(p_.optional_string(name), std::optional<std::string>());
  }
  std::int64_t integer(std::string_view name) { return take(p_.required_int(name), std::int64_t{0}); }
  std::optional<double> optional_number(std::string_view name) {
    return take(p_.optional_number(name), std::optional<double>());
  }
  std::optional<bool> optional_bool(std::string_view name) {
    return take(p_.optional_bool(name), std::optional<bool>());
  }
  std::vector<std::string> string_list(std::string_view name) {
    return take(p_.string_list(name), std::vector<std::string>());
  }

  bool ok() const { return !error_; }
  const jsonrpc::rpc_error& error() const { return *error_; }

 private:
  template <class T>
  T take(rpc_result<T> r, T fallback) {
    if (error_) return fallback;
    if (!r) {
      error_ = r.error();
      return fallback;
    }
    return std::move(*r);
  }

  const params& p_;
  std::optional<jsonrpc::rpc_error> error_;
};

void add_factory_methods(jsonrpc::dispatcher& d, pipeline_service& svc) {
  d.add("factory.list", {}, [&svc](const params&) -> rpc_result<json::value> { return svc.factories(); });
  d.add("factory.describe", {"factory"}, [&svc](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto name = in.string("factory");
    if (!in.ok()) return in.error();
    return answer(svc.factory(name));
  });
}

/// A method taking only `pipeline`, answered by `call(service, name)`.
template <class Call>
void add_pipeline_method(jsonrpc::dispatcher& d, std::string method, pipeline_service& svc, Call call) {
  d.add(std::move(method), {"pipeline"}, [&svc, call](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto name = in.string("pipeline");
    if (!in.ok()) return in.error();
    return answer(call(svc, name));
  });
}

void add_pipeline_methods(jsonrpc::dispatcher& d, pipeline_service& svc) {
  d.add("pipeline.list", {}, [&svc](const params&) -> rpc_result<json::value> { return svc.list(); });
  d.add("pipeline.create", {"description", "name"}, [&svc](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto description = in.string("description");
    auto name = in.optional_string("name");
    if (!in.ok()) return in.error();
    return answer(svc.create(name.value_or(""), description));
  });
  add_pipeline_method(d, "pipeline.describe", svc,
                      [](pipeline_service& s, const std::string& n) { return s.describe(n); });
  add_pipeline_method(d, "pipeline.delete", svc,
                      [](pipeline_service& s, const std::string& n) { return s.remove(n); });
  add_pipeline_method(d, "pipeline.position", svc,
                      [](pipeline_service& s, const std::string& n) { return s.position(n); });
  add_pipeline_method(d, "pipeline.send_eos", svc,
                      [](pipeline_service& s, const std::string& n) { return s.send_eos(n); });
  d.add("pipeline.set_state", {"pipeline", "state"}, [&svc](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto name = in.string("pipeline");
    auto state = in.string("state");
    if (!in.ok()) return in.error();
    return answer(svc.set_state(name, state), "state");
  });
  d.add("pipeline.seek", {"pipeline", "position_ns", "flags", "rate", "stop_ns"},
        [&svc](const params& p) -> rpc_result<json::value> {
          param_reader in(p);
          auto name = in.string("pipeline");
          seek_params seek;
          seek.position_ns = in.integer("position_ns");
          if (auto stop = p.get("stop_ns"); stop && !stop->is_null()) seek.stop_ns = in.integer("stop_ns");
          if (p.has("flags")) seek.flags = in.string_list("flags");
          seek.rate = in.optional_number("rate").value_or(1.0);
          if (!in.ok()) return in.error();
          return answer(svc.seek(name, seek));
        });
}

void add_element_methods(jsonrpc::dispatcher& d, pipeline_service& svc) {
  d.add("element.get", {"pipeline", "element", "property"}, [&svc](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto name = in.string("pipeline");
    auto element = in.string("element");
    auto property = in.string("property");
    if (!in.ok()) return in.error();
    return answer(svc.get_property(name, element, property));
  });
  d.add("element.set", {"pipeline", "element", "property", "value"},
        [&svc](const params& p) -> rpc_result<json::value> {
          param_reader in(p);
          auto name = in.string("pipeline");
          auto element = in.string("element");
          auto property = in.string("property");
          if (!in.ok()) return in.error();
          auto raw = p.get("value");
          if (!raw) return jsonrpc::invalid_params("'value' is required");
          auto value = property_value_from_json(*raw);
          if (!value) return answer(value.error(), "value");
          return answer(svc.set_property(name, element, property, *value), "value");
        });
}

void add_bus_and_server_methods(jsonrpc::dispatcher& d, rpc_bus_subscription& bus,
                                server_stats_source server_stats) {
  d.add("bus.subscribe", {"pipeline", "types", "element_states", "pipelines"},
        [&bus](const params& p) -> rpc_result<json::value> {
          param_reader in(p);
          bus_subscribe_params sub;
          sub.pipeline = in.optional_string("pipeline");
          sub.types = in.string_list("types");
          sub.element_states = in.optional_bool("element_states").value_or(false);
          sub.pipelines = in.optional_bool("pipelines");
          if (!in.ok()) return in.error();
          return bus.subscribe(std::move(sub));
        });
  d.add("bus.unsubscribe", {"pipeline"}, [&bus](const params& p) -> rpc_result<json::value> {
    param_reader in(p);
    auto name = in.optional_string("pipeline");
    if (!in.ok()) return in.error();
    return bus.unsubscribe(std::move(name));
  });
  d.add("server.stats", {}, [stats = std::move(server_stats)](const params&) -> rpc_result<json::value> {
    return stats();
  });
}

}  // namespace

void add_rpc_methods(jsonrpc::dispatcher& d, pipeline_service& service, rpc_bus_subscription& bus,
                     server_stats_source server_stats) {
  add_factory_methods(d, service);
  add_pipeline_methods(d, service);
  add_element_methods(d, service);
  add_bus_and_server_methods(d, bus, std::move(server_stats));
}

}  // namespace tessera::server
