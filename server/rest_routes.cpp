// REST routes. The API's methods come from their declarations (api_method.hpp): each
// route reads its parameters from the path and the JSON body, runs the call (on the
// service's control pool when it may block) and turns the service_result into a
// response. The rest are the server's own routes: /healthz, tickets, /metrics and the
// web UI's files. The handlers are capturing lambda coroutines: the router keeps them
// for the server's lifetime and awaits each call at once, so their captures (a
// shared_ptr to the context) outlive every call.
#include "server/rest_routes.hpp"

#include "server/api_method.hpp"
#include "server/server_metrics.hpp"
#include "server/web_files.hpp"

#include <boost/json/serialize.hpp>

namespace tessera::server {

namespace asio = boost::asio;
namespace json = boost::json;
using net::request_context;
using net::response;
using net::status;

namespace {

response error_reply(const service_error& e) {
  return response::error(static_cast<status>(e.http_status()), e.message);
}

response json_reply(status code, const json::value& v) { return response::json(code, json::serialize(v)); }

/// One call of a method: its parameters (with the parsed body) and what it answers.
struct rest_call {
  rest_call(const api_method& m, const request_context& ctx) : method(m), params(ctx, path_names(m)) {}

  static rest_params::path_names path_names(const api_method& m) {
    rest_params::path_names names;
    for (const auto& p : m.params)
      if (!p.placeholder.empty()) names.emplace_back(p.name, p.placeholder);
    return names;
  }

  service_result<json::value> run(const api_context& api) {
    api_args args(params);
    return method.call(args, api);
  }

  const api_method& method;
  rest_params params;
};

response method_reply(const api_method& m, const service_result<json::value>& r) {
  if (!r) return error_reply(r.error());
  const api_route& route = *m.rest;
  if (!route.text_type.empty()) return response::text(route.success, std::string(r->as_string()), route.text_type);
  response resp = json_reply(route.success, *r);
  if (route.location) resp.headers.set("Location", route.path + "/" + std::string(r->at("name").as_string()));
  return resp;
}

result<void> add_method_route(net::router& r, const api_method& m, const std::shared_ptr<const api_context>& api) {
  return r.add(m.rest->verb, m.rest->path, [&m, api](request_context& ctx) -> asio::awaitable<response> {
    auto call = std::make_shared<rest_call>(m, ctx);
    if (!m.rest->body_example.empty())
      if (auto body = call->params.parse_body(ctx.request.body, m.rest->body_example); !body)
        co_return error_reply(body.error());
    if (!m.blocking) co_return method_reply(m, call->run(*api));
    // A named job, not a lambda temporary in the co_await expression: GCC 12 destroys
    // such a temporary (holding shared_ptrs) wrongly across the suspension, which
    // crashed the server under the integration tests.
    auto job = [call, api] { return call->run(*api); };
    auto timed_out = [&m, api]() -> service_result<json::value> {
      return api->service.timeout_error(m.rpc_name.empty() ? m.rest->path : m.rpc_name);
    };
    const service_result<json::value> result = co_await api->service.run(std::move(job), std::move(timed_out));
    co_return method_reply(m, result);
  });
}

using shared_context = std::shared_ptr<const rest_context>;

result<void> add_server_routes(net::router& r, const shared_context& c) {
  if (auto ok = r.add(net::verb::get, "/healthz", [](request_context&) -> asio::awaitable<response> {
        co_return response::json(status::ok, R"({"status":"ok"})");
      }); !ok)
    return ok;
  if (auto ok = r.add(net::verb::post, "/api/v1/tickets", [c](request_context&) -> asio::awaitable<response> {
        net::ticket_store& tickets = c->tickets;
        json::object body{{"ticket", tickets.issue()}, {"expires_in_s", tickets.lifetime().count()}};
        response resp = json_reply(status::ok, body);
        resp.headers.set("Cache-Control", "no-store");
        co_return resp;
      }); !ok)
    return ok;
  if (auto ok = r.add(net::verb::get, "/metrics", [c](request_context&) -> asio::awaitable<response> {
        const auto net = c->net_metrics();
        co_return response::text(status::ok, prometheus_text({c->service, net, c->streams, c->started}),
                                 "text/plain; version=0.0.4; charset=utf-8");
      }); !ok)
    return ok;
  if (auto ok = r.add(net::verb::get, "/", [c](request_context&) -> asio::awaitable<response> {
        co_return serve_web_file(c->web_root, "index.html");
      }); !ok)
    return ok;
  return r.add(net::verb::get, "/{file}", [c](request_context& ctx) -> asio::awaitable<response> {
    co_return serve_web_file(c->web_root, ctx.param("file"));
  });
}

}  // namespace

std::function<boost::json::object()> server_stats_of(const rest_context& ctx) {
  return [&service = ctx.service, &streams = ctx.streams, net_metrics = ctx.net_metrics, started = ctx.started] {
    const net::metrics_snapshot net = net_metrics();
    return server_stats_json(metrics_sources{service, net, streams, started});
  };
}

result<void> add_rest_routes(net::router& r, const rest_context& ctx) {
  auto c = std::make_shared<const rest_context>(ctx);
  auto api = std::make_shared<const api_context>(api_context{ctx.service, server_stats_of(ctx)});
  for (const api_method& m : api_methods()) {
    if (!m.rest) continue;
    if (auto ok = add_method_route(r, m, api); !ok) return ok;
  }
  return add_server_routes(r, c);
}

}  // namespace tessera::server
