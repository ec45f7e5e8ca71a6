#include "net/router.hpp"

#include "net/stream_writer.hpp"
#include "net/websocket_connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace tessera::net {
namespace router_test {

namespace asio = boost::asio;

boost::asio::awaitable<response> named(request_context& ctx) {
  co_return response::text(status::ok, ctx.route + " " + std::string(ctx.param("p")));
}

boost::asio::awaitable<void> ws_handler(request_context&, websocket_upgrade&) { co_return; }
boost::asio::awaitable<void> stream_handler_fn(request_context&, stream_start&) { co_return; }

request_context make_ctx(verb method, std::string target, bool upgrade = false) {
  request_context ctx;
  ctx.request.method = method;
  ctx.request.method_text = std::string(boost::beast::http::to_string(method));
  ctx.request.target = std::move(target);
  ctx.websocket_upgrade = upgrade;
  return ctx;
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(r.add(verb::get, "/api/v1/pipelines", named));
    ASSERT_TRUE(r.add(verb::post, "/api/v1/pipelines", named));
    ASSERT_TRUE(r.add(verb::get, "/api/v1/pipelines/{p}", named));
    ASSERT_TRUE(r.add(verb::delete_, "/api/v1/pipelines/{p}", named));
    ASSERT_TRUE(r.add(verb::get, "/api/v1/pipelines/{p}/graph", named));
    ASSERT_TRUE(r.add(verb::get, "/api/v1/pipelines/stats", named));
    ASSERT_TRUE(r.add_websocket("/api/v1/rpc", ws_handler));
    ASSERT_TRUE(r.add_stream(verb::get, "/api/v1/pipelines/{p}/sinks/{e}/mjpeg", stream_handler_fn));
    ASSERT_TRUE(r.add_websocket("/api/v1/pipelines/{p}/sinks/{e}/ws", ws_handler));
    ASSERT_TRUE(r.add(verb::get, "/api/v1/pipelines/{p}/sinks/{e}/ws", named));
  }
  router r;
};

TEST_F(RouterTest, PathParametersAndQueryAreFilledForTheHandler) {
  auto ctx = make_ctx(verb::get, "/api/v1/pipelines/p%200/graph?token=abc&x=1");
  auto res = r.resolve(ctx);
  ASSERT_FALSE(res.answer);
  ASSERT_NE(res.target, nullptr);
  EXPECT_EQ(res.target->kind, route_kind::plain);
  EXPECT_EQ(ctx.route, "/api/v1/pipelines/{p}/graph");
  EXPECT_EQ(ctx.param("p"), "p 0");
  EXPECT_EQ(ctx.path, "/api/v1/pipelines/p 0/graph");
  EXPECT_EQ(ctx.query.get("token"), "abc");

  asio::io_context ioc;
  std::optional<response> out;
  asio::co_spawn(ioc, res.target->plain(ctx), [&](std::exception_ptr, response rsp) { out = std::move(rsp); });
  ioc.run_for(std::chrono::seconds(2));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->body, "/api/v1/pipelines/{p}/graph p 0");
}

TEST_F(RouterTest, LiteralRouteWinsOverAParameterRoute) {
  auto ctx = make_ctx(verb::get, "/api/v1/pipelines/stats");
  auto res = r.resolve(ctx);
  ASSERT_NE(res.target, nullptr);
  EXPECT_EQ(ctx.route, "/api/v1/pipelines/stats");
  auto other = make_ctx(verb::get, "/api/v1/pipelines/statz");
  r.resolve(other);
  EXPECT_EQ(other.route, "/api/v1/pipelines/{p}");
}

TEST_F(RouterTest, UnknownPathIs404WithJsonError) {
  auto ctx = make_ctx(verb::get, "/api/v1/nothing/here");
  auto res = r.resolve(ctx);
  ASSERT_TRUE(res.answer);
  EXPECT_EQ(res.reason, router::answered_by::not_found);
  EXPECT_EQ(res.answer->code, status::not_found);
  EXPECT_EQ(res.answer->body,
            R"({"error":{"code":404,"message":"no resource at /api/v1/nothing/here"}})");
}

TEST_F(RouterTest, KnownPathWithWrongMethodIs405ListingAllowedMethods) {
  auto ctx = make_ctx(verb::put, "/api/v1/pipelines/p0");
  auto res = r.resolve(ctx);
  ASSERT_TRUE(res.answer);
  EXPECT_EQ(res.reason, router::answered_by::method_not_allowed);
  EXPECT_EQ(res.answer->code, status::method_not_allowed);
  EXPECT_EQ(res.answer->headers.get("Allow"), "GET, HEAD, DELETE");
  auto coll = make_ctx(verb::delete_, "/api/v1/pipelines");
  EXPECT_EQ(r.resolve(coll).answer->headers.get("Allow"), "GET, HEAD, POST");
}

TEST_F(RouterTest, HeadIsServedByGetWithoutBody) {
  auto ctx = make_ctx(verb::head, "/api/v1/pipelines/p0");
  auto res = r.resolve(ctx);
  ASSERT_NE(res.target, nullptr);
  EXPECT_TRUE(res.head_only);
  EXPECT_EQ(res.target->method, verb::get);
}

TEST_F(RouterTest, UpgradeRequestsReachWebSocketRoutesAndPlainOnesDoNot) {
  auto up = make_ctx(verb::get, "/api/v1/pipelines/p0/sinks/ws0/ws", true);
  auto res = r.resolve(up);
  ASSERT_NE(res.target, nullptr);
  EXPECT_EQ(res.target->kind, route_kind::websocket);
  EXPECT_EQ(up.param("e"), "ws0");

  auto plain = make_ctx(verb::get, "/api/v1/pipelines/p0/sinks/ws0/ws");
  res = r.resolve(plain);
  ASSERT_NE(res.target, nullptr);
  EXPECT_EQ(res.target->kind, route_kind::plain) << "the GET route of the same pattern";

  auto rpc = make_ctx(verb::get, "/api/v1/rpc");
  res = r.resolve(rpc);
  ASSERT_TRUE(res.answer);
  EXPECT_EQ(res.answer->code, status::upgrade_required);
  EXPECT_EQ(res.answer->headers.get("Upgrade"), "websocket");

  auto post_rpc = make_ctx(verb::post, "/api/v1/rpc");
  res = r.resolve(post_rpc);
  ASSERT_TRUE(res.answer);
  EXPECT_EQ(res.answer->code, status::method_not_allowed);
  EXPECT_EQ(res.answer->headers.get("Allow"), "GET");

  auto mjpeg = make_ctx(verb::get, "/api/v1/pipelines/p0/sinks/jpeg0/mjpeg");
  res = r.resolve(mjpeg);
  ASSERT_NE(res.target, nullptr);
  EXPECT_EQ(res.target->kind, route_kind::stream);
}

TEST_F(RouterTest, PreRouteHookSeesPathAndQueryAndAnswersFirst) {
  std::string seen_path, seen_token;
  ASSERT_TRUE(r.set_pre_route([&](const request_context& ctx) -> std::optional<response> {
    seen_path = ctx.path;
    seen_token = std::string(ctx.query.get("token").value_or(""));
    if (seen_token != "good") return response::error(status::unauthorized, "bad token");
    return std::nullopt;
  }));
  auto denied = make_ctx(verb::get, "/no/such/path?token=bad");
  auto res = r.resolve(denied);
  ASSERT_TRUE(res.answer);
  EXPECT_EQ(res.reason, router::answered_by::pre_route);
  EXPECT_EQ(res.answer->code, status::unauthorized) << "before the 404";
  EXPECT_EQ(seen_path, "/no/such/path");
  EXPECT_EQ(seen_token, "bad");

  auto allowed = make_ctx(verb::get, "/api/v1/pipelines?token=good");
  res = r.resolve(allowed);
  EXPECT_FALSE(res.answer);
}

TEST_F(RouterTest, MalformedTargetIs400) {
  for (const char* target : {"*", "relative", "/a%zz", "/ok?x=%"}) {
    auto ctx = make_ctx(verb::get, target);
    auto res = r.resolve(ctx);
    ASSERT_TRUE(res.answer) << target;
    EXPECT_EQ(res.answer->code, status::bad_request) << target;
    EXPECT_EQ(res.reason, router::answered_by::bad_target);
  }
}

TEST_F(RouterTest, RegistrationErrorsAreReported) {
  auto dup = r.add(verb::get, "/api/v1/pipelines/{p}", named);
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("already registered"), std::string::npos);
  auto conflict = r.add(verb::put, "/api/v1/pipelines/{name}", named);
  ASSERT_FALSE(conflict);
  EXPECT_NE(conflict.error().message.find("conflicts"), std::string::npos);
  EXPECT_FALSE(r.add(verb::get, "no-slash", named));
  EXPECT_FALSE(r.add(verb::get, "/x", plain_handler{}));
  r.freeze();
  auto late = r.add(verb::get, "/late", named);
  ASSERT_FALSE(late);
  EXPECT_TRUE(late.error() == errc::bad_state);
  EXPECT_FALSE(r.set_pre_route(nullptr));
}

TEST_F(RouterTest, StatsListEveryRouteWithItsCounters) {
  auto ctx = make_ctx(verb::get, "/api/v1/pipelines");
  auto res = r.resolve(ctx);
  router::record(*res.target, std::chrono::milliseconds(3));
  router::record(*res.target, std::chrono::milliseconds(5));
  const auto stats = r.stats();
  ASSERT_EQ(stats.size(), 10u);
  EXPECT_EQ(stats[0].method, "GET");
  EXPECT_EQ(stats[0].pattern, "/api/v1/pipelines");
  EXPECT_EQ(stats[0].requests, 2u);
  EXPECT_EQ(stats[0].latency_sum, std::chrono::milliseconds(8));
  EXPECT_EQ(stats[1].method, "POST");
  EXPECT_EQ(stats[1].requests, 0u);
}

}  // namespace router_test
}  // namespace tessera::net
