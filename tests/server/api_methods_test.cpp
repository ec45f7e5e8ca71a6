// The API's method declarations (server/api_method.hpp): the catalogue matches
// docs/api.md, and one declaration read through REST and through JSON-RPC gets the
// same service answer while each protocol words a bad parameter its own way.
#include "server/api_method.hpp"

#include "net/request_context.hpp"
#include "net/route_pattern.hpp"

#include "tests/core/support/test_runtime.hpp"
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <set>

namespace tessera::server {
namespace api_methods_test {

namespace json = boost::json;

const api_method& method_named(std::string_view rpc_name) {
  for (const auto& m : api_methods())
    if (m.rpc_name == rpc_name) return m;
  ADD_FAILURE() << "no method " << rpc_name;
  return api_methods().front();
}

TEST(ApiMethods, EveryDocumentedMethodIsDeclaredOnceWithItsRoute) {
  // docs/api.md, "Methods" (bus.* belong to the JSON-RPC connection, rpc_methods.cpp).
  const std::set<std::string> documented{"factory.list",       "factory.describe",  "pipeline.list",
                                         "pipeline.create",    "pipeline.describe", "pipeline.delete",
                                         "pipeline.set_state", "pipeline.seek",     "pipeline.position",
                                         "pipeline.send_eos",  "element.get",       "element.set",
                                         "server.stats"};
  std::set<std::string> declared;
  std::set<std::string> routes;
  for (const auto& m : api_methods()) {
    ASSERT_TRUE(m.call);
    ASSERT_TRUE(!m.rpc_name.empty() || m.rest) << "a method served by neither protocol";
    if (!m.rpc_name.empty()) EXPECT_TRUE(declared.insert(m.rpc_name).second) << m.rpc_name << " twice";
    if (!m.rest) continue;
    const auto route = std::string(boost::beast::http::to_string(m.rest->verb)) + " " + m.rest->path;
    EXPECT_TRUE(routes.insert(route).second) << route << " twice";
    auto pattern = net::route_pattern::parse(m.rest->path);
    ASSERT_TRUE(pattern) << m.rest->path;
    for (const auto& p : m.params)
      if (!p.placeholder.empty())
        EXPECT_NE(m.rest->path.find("{" + p.placeholder + "}"), std::string::npos)
            << m.rpc_name << ": " << p.name << " comes from {" << p.placeholder << "}, not in " << m.rest->path;
  }
  EXPECT_EQ(declared, documented);
  EXPECT_TRUE(routes.count("PUT /api/v1/pipelines/{p}/state"));
  EXPECT_TRUE(routes.count("GET /api/v1/pipelines/{p}/graph"));
  EXPECT_EQ(method_named("pipeline.create").rest->success, net::status::created);
}

/// One call of `m` with a REST request: path params and body.
service_result<json::value> call_rest(const api_method& m, const api_context& api,
                                      std::initializer_list<std::pair<std::string, std::string>> path,
                                      std::string_view body, bool& read_ok) {
  net::request_context ctx;
  for (const auto& [k, v] : path) ctx.params.add(k, v);
  rest_params::path_names names;
  for (const auto& p : m.params)
    if (!p.placeholder.empty()) names.emplace_back(p.name, p.placeholder);
  rest_params source(ctx, names);
  if (!m.rest->body_example.empty())
    if (auto ok = source.parse_body(body, m.rest->body_example); !ok) {
      read_ok = false;
      return ok.error();
    }
  api_args args(source);
  auto r = m.call(args, api);
  read_ok = args.ok();
  return r;
}

/// One call of `m` with JSON-RPC params (by name or position).
service_result<json::value> call_rpc(const api_method& m, const api_context& api, std::string_view params_json,
                                     bool& read_ok) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(params_json);
  EXPECT_FALSE(doc.error());
  std::vector<std::string> names;
  for (const auto& p : m.params) names.push_back(p.name);
  auto bound = jsonrpc::params::bind(names, doc.value());
  EXPECT_TRUE(bound);
  rpc_params source(*bound);
  api_args args(source);
  auto r = m.call(args, api);
  read_ok = args.ok();
  return r;
}

TEST(ApiMethods, OneDeclarationAnswersBothProtocolsAlikeAndWordsBadParamsForEach) {
  pipeline_service svc(core::test_runtime());
  const api_context api{svc, [] { return json::object{}; }};
  ASSERT_TRUE(svc.create("p1", "testsrc num-buffers=30 ! fakesink"));
  ASSERT_TRUE(svc.create("p2", "testsrc num-buffers=30 ! fakesink"));
  const api_method& set_state = method_named("pipeline.set_state");
  bool ok = false;

  auto rest = call_rest(set_state, api, {{"p", "p1"}}, R"({"state":"paused"})", ok);
  ASSERT_TRUE(rest) << rest.error().message;
  EXPECT_TRUE(ok);
  auto rpc = call_rpc(set_state, api, R"(["p2","paused"])", ok);
  ASSERT_TRUE(rpc) << rpc.error().message;
  EXPECT_TRUE(ok);
  EXPECT_EQ(rest->at("name"), "p1");
  EXPECT_EQ(rpc->at("name"), "p2");
  rpc->as_object()["name"] = "p1";
  EXPECT_EQ(json::serialize(*rest), json::serialize(*rpc));

  // A parameter of the wrong type: refused by the reader, in each protocol's words.
  auto bad_rest = call_rest(set_state, api, {{"p", "p1"}}, R"({"state":5})", ok);
  EXPECT_FALSE(ok);
  ASSERT_FALSE(bad_rest);
  EXPECT_EQ(bad_rest.error().message, R"(field "state" must be a string, not a number)");
  auto bad_rpc = call_rpc(set_state, api, R"({"pipeline":"p1","state":5})", ok);
  EXPECT_FALSE(ok);
  ASSERT_FALSE(bad_rpc);
  EXPECT_EQ(bad_rpc.error().message, "Invalid params: 'state' must be a string, got integer");

  // A value the service refuses is the service's error, the same for both.
  auto refused_rest = call_rest(set_state, api, {{"p", "p1"}}, R"({"state":"flying"})", ok);
  EXPECT_TRUE(ok);
  ASSERT_FALSE(refused_rest);
  auto refused_rpc = call_rpc(set_state, api, R"({"pipeline":"p1","state":"flying"})", ok);
  EXPECT_TRUE(ok);
  ASSERT_FALSE(refused_rpc);
  EXPECT_EQ(refused_rest.error().message, refused_rpc.error().message);
  EXPECT_EQ(refused_rest.error().code, service_errc::invalid_params);

  // REST's body must be an object; JSON-RPC takes a seek position written as 1e9,
  // REST an integer only (docs/api.md), and a null stop as no stop.
  auto not_object = call_rest(set_state, api, {{"p", "p1"}}, "[1]", ok);
  ASSERT_FALSE(not_object);
  EXPECT_EQ(not_object.error().message, R"(the request body is an array; expected a JSON object like {"state":"playing"})");
  const api_method& seek = method_named("pipeline.seek");
  auto seek_rpc = call_rpc(seek, api, R"({"pipeline":"p1","position_ns":1e8,"stop_ns":null})", ok);
  ASSERT_TRUE(seek_rpc) << seek_rpc.error().message;
  EXPECT_EQ(seek_rpc->at("position_ns"), 100000000);
  auto seek_rest = call_rest(seek, api, {{"p", "p1"}}, R"({"position_ns":1e8})", ok);
  EXPECT_FALSE(ok);
  ASSERT_FALSE(seek_rest);
  EXPECT_EQ(seek_rest.error().message, R"(field "position_ns" must be an integer, not a number)");
  auto missing = call_rest(seek, api, {{"p", "p1"}}, R"({"rate":2})", ok);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, R"(field "position_ns" is missing)");
  svc.shutdown();
}

}  // namespace api_methods_test
}  // namespace tessera::server
