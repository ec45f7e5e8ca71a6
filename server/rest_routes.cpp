// REST routes. Each handler reads its body synchronously (simdjson), hands the
// pipeline work to the service's control pool as one job, and turns the
// service_result into a response. The handlers are capturing lambda coroutines: the
// router keeps them for the server's lifetime and awaits each call at once, so their
// captures (a shared_ptr to the context) outlive every call.
#include "server/rest_routes.hpp"

#include "server/request_body.hpp"
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

response reply(const service_result<json::value>& r, status ok = status::ok) {
  if (!r) return error_reply(r.error());
  return json_reply(ok, *r);
}

using shared_context = std::shared_ptr<const rest_context>;

result<void> add_pipeline_routes(net::router& r, const shared_context& c) {
  pipeline_service& svc = c->service;

  if (auto ok = r.add(net::verb::get, "/api/v1/pipelines", [&svc](request_context&) -> asio::awaitable<response> {
        co_return json_reply(status::ok, svc.list());
      }); !ok)
    return ok;

  if (auto ok = r.add(net::verb::post, "/api/v1/pipelines", [&svc](request_context& ctx) -> asio::awaitable<response> {
        simdjson::dom::parser parser;
        auto body = parse_object_body(parser, ctx.request.body,
                                      R"({"name":"p0","description":"testsrc ! videoconvert ! websink"})");
        if (!body) co_return error_reply(body.error());
        auto name = optional_string(*body, "name");
        if (!name) co_return error_reply(name.error());
        auto description = required_string(*body, "description");
        if (!description) co_return error_reply(description.error());
        auto job = [&svc, n = name->value_or(""), d = std::move(*description)] { return svc.create(n, d); };
        auto created = co_await svc.run(std::move(job));
        if (!created) co_return error_reply(created.error());
        response resp = json_reply(status::created, *created);
        resp.headers.set("Location", "/api/v1/pipelines/" + std::string(created->at("name").as_string()));
        co_return resp;
      }); !ok)
    return ok;

  if (auto ok = r.add(net::verb::get, "/api/v1/pipelines/{p}", [&svc](request_context& ctx) -> asio::awaitable<response> {
        co_return reply(svc.describe(ctx.param("p")));
      }); !ok)
    return ok;

  if (auto ok = r.add(net::verb::delete_, "/api/v1/pipelines/{p}",
                      [&svc](request_context& ctx) -> asio::awaitable<response> {
                        auto job = [&svc, p = std::string(ctx.param("p"))] { return svc.remove(p); };
                        co_return reply(co_await svc.run(std::move(job)));
                      });
      !ok)
    return ok;

  if (auto ok = r.add(net::verb::put, "/api/v1/pipelines/{p}/state",
                      [&svc](request_context& ctx) -> asio::awaitable<response> {
                        simdjson::dom::parser parser;
                        auto body = parse_object_body(parser, ctx.request.body, R"({"state":"playing"})");
                        if (!body) co_return error_reply(body.error());
                        auto state = required_string(*body, "state");
                        if (!state) co_return error_reply(state.error());
                        auto job = [&svc, p = std::string(ctx.param("p")), s = std::move(*state)] {
                          return svc.set_state(p, s);
                        };
                        co_return reply(co_await svc.run(std::move(job)));
                      });
      !ok)
    return ok;

  if (auto ok = r.add(net::verb::post, "/api/v1/pipelines/{p}/seek",
                      [&svc](request_context& ctx) -> asio::awaitable<response> {
                        simdjson::dom::parser parser;
                        auto body = parse_object_body(parser, ctx.request.body,
                                                      R"({"position_ns":2000000000,"flags":["flush"],"rate":1.0})");
                        if (!body) co_return error_reply(body.error());
                        seek_params params;
                        auto position = optional_integer(*body, "position_ns");
                        if (!position) co_return error_reply(position.error());
                        if (!*position)
                          co_return error_reply({service_errc::invalid_params, "field \"position_ns\" is missing"});
                        params.position_ns = **position;
                        auto stop = optional_integer(*body, "stop_ns");
                        if (!stop) co_return error_reply(stop.error());
                        params.stop_ns = *stop;
                        auto flags = optional_strings(*body, "flags");
                        if (!flags) co_return error_reply(flags.error());
                        if (*flags) params.flags = std::move(**flags);
                        auto rate = optional_number(*body, "rate");
                        if (!rate) co_return error_reply(rate.error());
                        if (*rate) params.rate = **rate;
                        auto job = [&svc, p = std::string(ctx.param("p")), params] { return svc.seek(p, params); };
                        co_return reply(co_await svc.run(std::move(job)));
                      });
      !ok)
    return ok;

  if (auto ok = r.add(net::verb::post, "/api/v1/pipelines/{p}/eos",
                      [&svc](request_context& ctx) -> asio::awaitable<response> {
                        auto job = [&svc, p = std::string(ctx.param("p"))] { return svc.send_eos(p); };
                        co_return reply(co_await svc.run(std::move(job)));
                      });
      !ok)
    return ok;

  if (auto ok = r.add(net::verb::get, "/api/v1/pipelines/{p}/position",
                      [&svc](request_context& ctx) -> asio::awaitable<response> {
                        co_return reply(svc.position(ctx.param("p")));
                      });
      !ok)
    return ok;

  return r.add(net::verb::get, "/api/v1/pipelines/{p}/graph", [&svc](request_context& ctx) -> asio::awaitable<response> {
    auto dot = svc.graph_dot(ctx.param("p"));
    if (!dot) co_return error_reply(dot.error());
    co_return response::text(status::ok, std::move(*dot), "text/vnd.graphviz; charset=utf-8");
  });
}

result<void> add_element_routes(net::router& r, const shared_context& c) {
  pipeline_service& svc = c->service;
  constexpr const char* property_route = "/api/v1/pipelines/{p}/elements/{e}/properties/{name}";
  if (auto ok = r.add(net::verb::get, property_route, [&svc](request_context& ctx) -> asio::awaitable<response> {
        co_return reply(svc.get_property(ctx.param("p"), ctx.param("e"), ctx.param("name")));
      }); !ok)
    return ok;
  return r.add(net::verb::put, property_route, [&svc](request_context& ctx) -> asio::awaitable<response> {
    simdjson::dom::parser parser;
    auto body = parse_object_body(parser, ctx.request.body, R"({"value":42})");
    if (!body) co_return error_reply(body.error());
    simdjson::dom::element v;
    if ((*body).at_key("value").get(v))
      co_return error_reply({service_errc::invalid_params, "field \"value\" is missing"});
    auto value = property_value_from_json(v);
    if (!value) co_return error_reply(value.error());
    auto job = [&svc, p = std::string(ctx.param("p")), e = std::string(ctx.param("e")),
                n = std::string(ctx.param("name")), val = std::move(*value)] { return svc.set_property(p, e, n, val); };
    co_return reply(co_await svc.run(std::move(job)));
  });
}

result<void> add_server_routes(net::router& r, const shared_context& c) {
  pipeline_service& svc = c->service;
  if (auto ok = r.add(net::verb::get, "/healthz", [](request_context&) -> asio::awaitable<response> {
        co_return response::json(status::ok, R"({"status":"ok"})");
      }); !ok)
    return ok;
  if (auto ok = r.add(net::verb::get, "/api/v1/factories", [&svc](request_context&) -> asio::awaitable<response> {
        co_return json_reply(status::ok, svc.factories());
      }); !ok)
    return ok;
  if (auto ok = r.add(net::verb::get, "/api/v1/factories/{f}", [&svc](request_context& ctx) -> asio::awaitable<response> {
        co_return reply(svc.factory(ctx.param("f")));
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
  if (auto ok = r.add(net::verb::get, "/api/v1/stats", [c](request_context&) -> asio::awaitable<response> {
        const auto net = c->net_metrics();
        co_return json_reply(status::ok, server_stats_json({c->service, net, c->streams, c->started}));
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

result<void> add_rest_routes(net::router& r, const rest_context& ctx) {
  auto c = std::make_shared<const rest_context>(ctx);
  if (auto ok = add_pipeline_routes(r, c); !ok) return ok;
  if (auto ok = add_element_routes(r, c); !ok) return ok;
  return add_server_routes(r, c);
}

}  // namespace tessera::server
