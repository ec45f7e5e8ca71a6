// The JSON-RPC methods on a real pipeline_service, without a network: a dispatcher per
// "connection", a sink that collects bus.message notifications.
#include "server/rpc_methods.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tessera::server {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

/// One connection: dispatcher, bus subscription and the notifications it got.
class rpc_client {
 public:
  explicit rpc_client(pipeline_service& svc)
      : bus_(svc, [this](std::string text) {
          std::lock_guard lock(mutex_);
          notifications_.push_back(json::parse(text));
          cv_.notify_all();
          return true;
        }) {
    add_rpc_methods(dispatcher_, svc, bus_, [&svc] { return svc.stats(); });
  }

  /// Calls `method` with `params` (JSON text) and returns the whole Response object.
  json::value call(std::string_view method, std::string_view params = "{}") {
    const std::string request = R"({"jsonrpc":"2.0","id":1,"method":")" + std::string(method) +
                                R"(","params":)" + std::string(params) + "}";
    auto reply = dispatcher_.handle(request);
    EXPECT_TRUE(reply) << request;
    return reply ? json::parse(*reply) : json::value();
  }
  json::value result(std::string_view method, std::string_view params = "{}") {
    auto r = call(method, params);
    EXPECT_TRUE(r.as_object().contains("result")) << json::serialize(r);
    return r.as_object().contains("result") ? r.at("result") : json::value();
  }
  /// The error object; fails the test when the call succeeded.
  json::object error(std::string_view method, std::string_view params = "{}") {
    auto r = call(method, params);
    EXPECT_TRUE(r.as_object().contains("error")) << json::serialize(r);
    return r.as_object().contains("error") ? r.at("error").as_object() : json::object();
  }

  /// Waits (bounded) for a notification matching `pred`.
  template <class Pred>
  bool wait_for(Pred pred, std::chrono::seconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& n : notifications_)
        if (pred(n.at("params").as_object())) return true;
      return false;
    });
  }
  std::vector<json::value> notifications() {
    std::lock_guard lock(mutex_);
    return notifications_;
  }

 private:
  jsonrpc::dispatcher dispatcher_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<json::value> notifications_;
  rpc_bus_subscription bus_;  // last: unsubscribed before the rest goes
};

std::string message_of(const json::object& error) { return std::string(error.at("message").as_string()); }

TEST(RpcMethods, FactoriesAreListedAndDescribed) {
  pipeline_service svc;
  rpc_client c(svc);
  const auto list = c.result("factory.list");
  bool has_websink = false;
  for (const auto& f : list.at("factories").as_array()) has_websink = has_websink || f.at("name") == "websink";
  EXPECT_TRUE(has_websink);
  EXPECT_EQ(c.result("factory.describe", R"({"factory":"websink"})").at("name"), "websink");
  EXPECT_EQ(c.result("factory.describe", R"(["invert"])").at("name"), "invert");

  const auto unknown = c.error("factory.describe", R"({"factory":"invret"})");
  EXPECT_EQ(unknown.at("code"), -32001);
  EXPECT_EQ(unknown.at("data").at("kind"), "not_found");
  EXPECT_EQ(unknown.at("data").at("http_status"), 404);
  EXPECT_NE(message_of(unknown).find("invret"), std::string::npos) << message_of(unknown);
}

TEST(RpcMethods, PipelineLifecycleFromCreateToDelete) {
  pipeline_service svc;
  rpc_client c(svc);
  const auto created = c.result("pipeline.create",
                                R"({"name":"cam","description":"testsrc is-live=true ! websink name=out"})");
  EXPECT_EQ(created.at("name"), "cam");
  EXPECT_EQ(c.result("pipeline.list").at("pipelines").as_array().size(), 1u);
  EXPECT_EQ(c.result("pipeline.describe", R"({"pipeline":"cam"})").at("state"), "null");
  EXPECT_EQ(c.result("pipeline.set_state", R"({"pipeline":"cam","state":"playing"})").at("state"), "playing");

  // element.set while playing, read back by element.get.
  EXPECT_EQ(c.result("element.set", R"({"pipeline":"cam","element":"out","property":"quality","value":40})")
                .at("value"),
            40);
  EXPECT_EQ(c.result("element.get", R"(["cam","out","quality"])").at("value"), 40);

  EXPECT_TRUE(c.result("pipeline.position", R"({"pipeline":"cam"})").as_object().contains("position_ns"));
  EXPECT_EQ(c.result("pipeline.delete", R"({"pipeline":"cam"})").at("deleted"), true);
  EXPECT_EQ(c.error("pipeline.describe", R"({"pipeline":"cam"})").at("code"), -32001);
}

TEST(RpcMethods, AnUnnamedPipelineGetsAName) {
  pipeline_service svc;
  rpc_client c(svc);
  EXPECT_EQ(c.result("pipeline.create", R"({"description":"fakesrc num-buffers=1 ! fakesink"})").at("name"), "p0");
}

TEST(RpcMethods, BadParamsAreNamed) {
  pipeline_service svc;
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"a","description":"testsrc ! websink name=out"})").is_object());

  struct bad_call {
    const char* method;
    const char* params;
    const char* says;
  };
  const bad_call calls[] = {
      {"pipeline.create", R"({"name":"b"})", "'description' is required"},
      {"pipeline.create", R"({"description":42})", "'description' must be a string, got integer"},
      {"pipeline.set_state", R"({"pipeline":"a","state":"flying"})", "'state': unknown state"},
      {"pipeline.set_state", R"({"pipeline":"a"})", "'state' is required"},
      {"pipeline.seek", R"({"pipeline":"a","position_ns":"soon"})", "'position_ns' must be an integer"},
      {"pipeline.seek", R"({"pipeline":"a","position_ns":0,"flags":"flush"})", "'flags' must be an array"},
      {"pipeline.seek", R"({"pipeline":"a","position_ns":0,"rate":"fast"})", "'rate' must be a number"},
      {"element.set", R"({"pipeline":"a","element":"out","property":"quality","value":[1]})", "'value'"},
      {"element.set", R"({"pipeline":"a","element":"out","property":"quality"})", "'value' is required"},
      {"element.get", R"({"pipeline":"a","element":"out","property":"quality","extra":1})", "unknown param 'extra'"},
      {"bus.subscribe", R"({"types":["eos","bogus"]})", "unknown message type 'bogus'"},
      {"bus.unsubscribe", R"({"pipeline":"a"})", "not subscribed to pipeline 'a'"},
  };
  for (const auto& bad : calls) {
    const auto e = c.error(bad.method, bad.params);
    EXPECT_EQ(e.at("code"), -32602) << bad.method << " " << bad.params;
    EXPECT_NE(message_of(e).find(bad.says), std::string::npos) << message_of(e);
  }
}

TEST(RpcMethods, ServiceErrorsKeepTheirCodes) {
  pipeline_service svc;
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"a","description":"testsrc ! websink name=out"})").is_object());
  EXPECT_EQ(c.error("pipeline.create", R"({"name":"a","description":"testsrc ! fakesink"})").at("code"), -32002);
  EXPECT_EQ(c.error("pipeline.describe", R"({"pipeline":"nope"})").at("code"), -32001);
  EXPECT_EQ(c.error("element.get", R"({"pipeline":"a","element":"nope","property":"x"})").at("code"), -32001);
  EXPECT_EQ(c.error("bus.subscribe", R"({"pipeline":"nope"})").at("code"), -32001);
}

TEST(RpcMethods, BusSubscribeDeliversStateChangesAndEos) {
  pipeline_service svc;
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"short","description":"testsrc num-buffers=3 ! fakesink"})")
                  .is_object());
  const auto sub = c.result("bus.subscribe", R"({"pipeline":"short"})");
  EXPECT_EQ(sub.at("pipeline"), "short");
  EXPECT_EQ(sub.at("types").as_array().size(), 8u);
  ASSERT_TRUE(c.result("pipeline.set_state", R"({"pipeline":"short","state":"playing"})").is_object());

  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "eos"; }));
  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "state-changed"; }));
  for (const auto& n : c.notifications()) {
    EXPECT_EQ(n.at("jsonrpc"), "2.0");
    EXPECT_EQ(n.at("method"), "bus.message");
    EXPECT_FALSE(n.as_object().contains("id"));
    EXPECT_EQ(n.at("params").at("pipeline"), "short");
    EXPECT_NE(n.at("params").at("type"), "async-done");
    EXPECT_TRUE(n.at("params").as_object().contains("source"));
  }
  const auto unsub = c.result("bus.unsubscribe", R"({})");
  EXPECT_EQ(unsub.at("unsubscribed").as_array().size(), 1u);
}

TEST(RpcMethods, BusSubscribeFiltersByTypeAndPipeline) {
  pipeline_service svc;
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"x","description":"testsrc num-buffers=2 ! fakesink"})")
                  .is_object());
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"y","description":"testsrc num-buffers=2 ! fakesink"})")
                  .is_object());
  ASSERT_TRUE(c.result("bus.subscribe", R"({"types":["eos"]})").is_object());  // every pipeline, eos only
  ASSERT_TRUE(c.result("pipeline.set_state", R"({"pipeline":"x","state":"playing"})").is_object());
  ASSERT_TRUE(c.result("pipeline.set_state", R"({"pipeline":"y","state":"playing"})").is_object());
  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "eos" && p.at("pipeline") == "x"; }));
  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "eos" && p.at("pipeline") == "y"; }));
  for (const auto& n : c.notifications()) EXPECT_EQ(n.at("params").at("type"), "eos");
}

TEST(RpcMethods, ServerStatsAnswersWhatTheStatsSourceSays) {
  pipeline_service svc;
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"a","description":"fakesrc ! fakesink"})").is_object());
  const auto stats = c.result("server.stats");
  EXPECT_EQ(stats.at("pipelines"), 1);
  EXPECT_TRUE(stats.at("per_pipeline").as_object().contains("a"));
}

}  // namespace
}  // namespace tessera::server
