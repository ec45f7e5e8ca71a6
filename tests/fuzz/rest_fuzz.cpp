// Fuzz target: REST route matching and request bodies, through the router and the
// handlers `tessera serve` registers (add_rest_routes, and the RPC and stream routes,
// which take part in matching but are not run: they need a socket), against a real
// pipeline registry (api_fixture.hpp: p0 exists at the start of every input).
//
// The input is up to 8 requests separated by the byte 0x1e (ASCII record separator).
// Each request is `METHOD SP TARGET` up to the first '\n', then the body; without a
// space the whole first line is the method and the target is "/". A method Beast does
// not know stays verb::unknown with its text, as the server reads it. Each request is
// resolved as http_session does (router::resolve) and, for a plain route, its handler
// runs to completion on an io_context. Checked for every response:
//  - its status is one docs/api.md lists for the route (or the router's 400, 404, 405,
//    426); never 500, which the API keeps for bugs;
//  - an error's body is exactly {"error":{"code":C,"message":"..."}} with C its status;
//  - a JSON reply parses;
// and, after the input, that the registry is emptied and is empty.

#include "net/metrics.hpp"
#include "net/router.hpp"
#include "net/ticket_store.hpp"
#include "server/rest_routes.hpp"
#include "server/rpc_route.hpp"
#include "server/stream_metrics.hpp"
#include "tests/fuzz/api_fixture.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using tessera::net::verb;

constexpr std::size_t max_requests = 8;

/// The router with every route serve registers, on the fuzz service.
tessera::net::router& api_router() {
  static tessera::server::stream_metrics streams;
  static tessera::net::ticket_store tickets(std::chrono::seconds(30), 64);
  static const std::unique_ptr<tessera::net::router> router = [] {
    auto r = std::make_unique<tessera::net::router>();
    const tessera::server::rest_context ctx{tessera::fuzz::fuzz_service(), streams,
                                            [] { return tessera::net::metrics_snapshot{}; },
                                            tessera::fuzz::scratch_dir() / "web", tickets};
    TESSERA_FUZZ_CHECK(tessera::server::add_rest_routes(*r, ctx).has_value(), "the REST routes could not be added");
    TESSERA_FUZZ_CHECK(tessera::server::register_rpc_and_stream_routes(*r, ctx, streams).has_value(),
                       "the RPC and stream routes could not be added");
    r->freeze();
    return r;
  }();
  return *router;
}

/// The statuses docs/api.md gives each route (method and pattern).
const std::map<std::pair<verb, std::string>, std::set<unsigned>>& documented_statuses() {
  // 503 and 504 for the calls that run on the control pool (busy, timeout).
  static const std::map<std::pair<verb, std::string>, std::set<unsigned>> table{
      {{verb::get, "/healthz"}, {200}},
      {{verb::post, "/api/v1/tickets"}, {200}},
      {{verb::get, "/metrics"}, {200}},
      {{verb::get, "/"}, {200}},
      {{verb::get, "/{file}"}, {200, 400, 404}},
      {{verb::get, "/api/v1/stats"}, {200}},
      {{verb::get, "/api/v1/factories"}, {200}},
      {{verb::get, "/api/v1/factories/{f}"}, {200, 404}},
      {{verb::get, "/api/v1/pipelines"}, {200}},
      {{verb::post, "/api/v1/pipelines"}, {201, 400, 403, 409, 429}},
      {{verb::get, "/api/v1/pipelines/{p}"}, {200, 404}},
      {{verb::delete_, "/api/v1/pipelines/{p}"}, {200, 404, 503, 504}},
      {{verb::put, "/api/v1/pipelines/{p}/state"}, {200, 400, 404, 409, 422, 503, 504}},
      {{verb::post, "/api/v1/pipelines/{p}/seek"}, {200, 400, 404, 409, 503, 504}},
      {{verb::post, "/api/v1/pipelines/{p}/eos"}, {200, 404, 409, 503, 504}},
      {{verb::get, "/api/v1/pipelines/{p}/position"}, {200, 404}},
      {{verb::get, "/api/v1/pipelines/{p}/graph"}, {200, 404}},
      {{verb::get, "/api/v1/pipelines/{p}/elements/{e}/properties/{name}"}, {200, 404}},
      {{verb::put, "/api/v1/pipelines/{p}/elements/{e}/properties/{name}"}, {200, 400, 404, 409, 503, 504}},
  };
  return table;
}

void check_error_body(const tessera::net::response& r) {
  boost::system::error_code ec;
  const json::value v = json::parse(r.body, ec);
  TESSERA_FUZZ_CHECK(!ec, "an error body that is not JSON");
  TESSERA_FUZZ_CHECK(v.is_object() && v.as_object().size() == 1 && v.as_object().contains("error"),
                     "an error body that is not {\"error\":{...}}");
  const auto& e = v.at("error");
  TESSERA_FUZZ_CHECK(e.is_object() && e.as_object().size() == 2, "an error object with other members than code, message");
  TESSERA_FUZZ_CHECK(e.as_object().contains("code") && e.at("code").is_int64() &&
                         e.at("code").as_int64() == static_cast<std::int64_t>(r.code),
                     "an error whose code is not its HTTP status");
  TESSERA_FUZZ_CHECK(e.as_object().contains("message") && e.at("message").is_string() &&
                         !e.at("message").as_string().empty(),
                     "an error without a message");
}

void check_response(const tessera::net::response& r, std::optional<std::set<unsigned>> allowed) {
  const auto code = static_cast<unsigned>(r.code);
  TESSERA_FUZZ_CHECK(code != 500, "500 Internal Server Error");
  if (allowed) TESSERA_FUZZ_CHECK(allowed->contains(code), "a status docs/api.md does not list for the route");
  if (code >= 400) return check_error_body(r);
  if (r.headers.get("Content-Type") == "application/json") {
    boost::system::error_code ec;
    (void)json::parse(r.body, ec);
    TESSERA_FUZZ_CHECK(!ec, "a JSON reply that does not parse");
  }
}

void run_request(std::string_view text) {
  using namespace tessera::net;
  const auto line_end = std::min(text.find('\n'), text.size());
  const std::string_view line = text.substr(0, line_end);
  const std::string_view body = line_end < text.size() ? text.substr(line_end + 1) : std::string_view();
  const auto space = line.find(' ');
  const std::string_view method = line.substr(0, space);
  const std::string_view target = space == std::string_view::npos ? std::string_view("/") : line.substr(space + 1);

  request_context ctx;
  ctx.request.method = boost::beast::http::string_to_verb(method);
  ctx.request.method_text = std::string(method);
  ctx.request.target = std::string(target);
  ctx.request.body = std::string(body);
  const router& r = api_router();
  auto res = r.resolve(ctx);
  if (res.answer) {
    static const std::map<router::answered_by, unsigned> router_status{
        {router::answered_by::bad_target, 400},
        {router::answered_by::not_found, 404},
        {router::answered_by::method_not_allowed, 405},
        {router::answered_by::upgrade_required, 426}};
    auto expected = router_status.find(res.reason);
    TESSERA_FUZZ_CHECK(expected != router_status.end(), "the router answered for an unexpected reason");
    if (tessera::fuzz::print_replies())
      std::fprintf(stderr, "-> %.*s\n<- %u %s (router)\n", int(text.size()), text.data(),
                   static_cast<unsigned>(res.answer->code), res.answer->body.c_str());
    return check_response(*res.answer, std::set<unsigned>{expected->second});
  }
  TESSERA_FUZZ_CHECK(res.target != nullptr, "the router resolved neither a route nor an answer");
  if (res.target->kind != route_kind::plain) return;  // a stream or WebSocket route: needs a socket
  auto documented = documented_statuses().find({res.target->method, ctx.route});
  TESSERA_FUZZ_CHECK(documented != documented_statuses().end(), "a plain route the fuzz target does not know");

  asio::io_context ioc;
  std::optional<response> out;
  std::exception_ptr failure;
  asio::co_spawn(ioc, res.target->plain(ctx), [&](std::exception_ptr e, response rsp) {
    failure = e;
    out = std::move(rsp);
  });
  ioc.run();  // the handler's own timer (the request timeout) bounds it
  TESSERA_FUZZ_CHECK(!failure, "a handler threw");
  TESSERA_FUZZ_CHECK(out.has_value(), "a handler did not answer");
  if (tessera::fuzz::print_replies())
    std::fprintf(stderr, "-> %.*s\n<- %u %s\n", int(text.size()), text.data(), static_cast<unsigned>(out->code),
                 out->body.substr(0, 300).c_str());
  check_response(*out, documented->second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tessera;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // The banned words are searched in the percent-decoded text too: a path's %-escapes
  // would otherwise hide a property name.
  std::string decoded;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (input[i] == '%' && i + 2 < input.size() && std::isxdigit(static_cast<unsigned char>(input[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(input[i + 2]))) {
      decoded += static_cast<char>(std::stoi(std::string(input.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      decoded += input[i];
    }
  }
  (void)api_router();
  std::size_t start = 0;
  std::vector<std::string_view> requests;
  while (start <= input.size() && requests.size() < max_requests) {
    const auto end = std::min(input.find('\x1e', start), input.size());
    requests.push_back(input.substr(start, end - start));
    start = end + 1;
  }
  if (fuzz::names_banned(decoded)) return 0;
  for (auto request : requests)
    if (fuzz::banned_words(request.substr(std::min(request.find('\n'), request.size())))) return 0;
  fuzz::start_input();
  for (auto request : requests) run_request(request);
  fuzz::end_input();
  return 0;
}
