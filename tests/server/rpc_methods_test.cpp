// The JSON-RPC methods on a real pipeline_service, without a network: a dispatcher per
// "connection", a sink that collects bus.message notifications.
#include "server/rpc_methods.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace tessera::server {
namespace rpc_methods_test {

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

  /// Waits (bounded) for a notification of `method` whose params match `pred`.
  template <class Pred>
  bool wait_for(Pred pred, std::string_view method = "bus.message", std::chrono::seconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& n : notifications_)
        if (n.at("method").as_string() == method && pred(n.at("params").as_object())) return true;
      return false;
    });
  }
  std::vector<json::value> notifications() {
    std::lock_guard lock(mutex_);
    return notifications_;
  }
  /// The params of the notifications of `method` so far.
  std::vector<json::object> params_of(std::string_view method) {
    std::vector<json::object> out;
    for (const auto& n : notifications())
      if (n.at("method").as_string() == method) out.push_back(n.at("params").as_object());
    return out;
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
  pipeline_service svc(core::test_runtime());
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
  pipeline_service svc(core::test_runtime());
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
  pipeline_service svc(core::test_runtime());
  rpc_client c(svc);
  EXPECT_EQ(c.result("pipeline.create", R"({"description":"fakesrc num-buffers=1 ! fakesink"})").at("name"), "p0");
}

TEST(RpcMethods, BadParamsAreNamed) {
  pipeline_service svc(core::test_runtime());
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
  pipeline_service svc(core::test_runtime());
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"a","description":"testsrc ! websink name=out"})").is_object());
  EXPECT_EQ(c.error("pipeline.create", R"({"name":"a","description":"testsrc ! fakesink"})").at("code"), -32002);
  EXPECT_EQ(c.error("pipeline.describe", R"({"pipeline":"nope"})").at("code"), -32001);
  EXPECT_EQ(c.error("element.get", R"({"pipeline":"a","element":"nope","property":"x"})").at("code"), -32001);
  EXPECT_EQ(c.error("bus.subscribe", R"({"pipeline":"nope"})").at("code"), -32001);
}

TEST(RpcMethods, BusSubscribeDeliversStateChangesAndEos) {
  pipeline_service svc(core::test_runtime());
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"short","description":"testsrc num-buffers=3 ! fakesink"})")
                  .is_object());
  const auto sub = c.result("bus.subscribe", R"({"pipeline":"short"})");
  EXPECT_EQ(sub.at("pipeline"), "short");
  EXPECT_EQ(sub.at("types").as_array().size(), 10u);
  EXPECT_EQ(sub.at("element_states"), false);
  EXPECT_EQ(sub.at("pipelines"), false) << "a named pipeline's subscription hears of no other pipeline";
  ASSERT_TRUE(c.result("pipeline.set_state", R"({"pipeline":"short","state":"playing"})").is_object());

  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "eos"; }));
  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "state-changed"; }));
  for (const auto& n : c.notifications()) {
    EXPECT_EQ(n.at("jsonrpc"), "2.0");
    EXPECT_EQ(n.at("method"), "bus.message");
    EXPECT_FALSE(n.as_object().contains("id"));
    EXPECT_EQ(n.at("params").at("pipeline"), "short");
    EXPECT_TRUE(n.at("params").as_object().contains("source"));
    if (n.at("params").at("type") == "state-changed")
      EXPECT_EQ(n.at("params").at("source"), "short") << "element state changes were not asked for";
  }
  const auto unsub = c.result("bus.unsubscribe", R"({})");
  EXPECT_EQ(unsub.at("unsubscribed").as_array().size(), 1u);
}

TEST(RpcMethods, BusSubscribeFiltersByTypeAndPipeline) {
  pipeline_service svc(core::test_runtime());
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

TEST(RpcMethods, BusSubscribeForwardsAsyncDoneAndStreamStartOfThePreroll) {
  pipeline_service svc(core::test_runtime());
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"s","description":"testsrc num-buffers=3 ! fakesink"})")
                  .is_object());
  const auto sub = c.result("bus.subscribe", R"({"pipeline":"s","types":["async-done","stream-start"]})");
  EXPECT_EQ(sub.at("types"), json::parse(R"(["async-done","stream-start"])"));
  ASSERT_TRUE(c.result("pipeline.set_state", R"({"pipeline":"s","state":"paused"})").is_object());
  EXPECT_TRUE(c.wait_for([](const json::object& p) { return p.at("type") == "async-done"; }));
  const auto got = c.params_of("bus.message");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].at("type"), "stream-start");
  EXPECT_EQ(got[0].at("source"), "s");
  EXPECT_EQ(got[1].at("type"), "async-done");
}

TEST(RpcMethods, ElementStateChangesGoOnlyToWhoAskedForThem) {
  pipeline_service svc(core::test_runtime());
  rpc_client plain(svc);
  rpc_client asking(svc);
  ASSERT_TRUE(plain.result("pipeline.create", R"({"name":"e","description":"testsrc num-buffers=3 ! fakesink"})")
                  .is_object());
  ASSERT_TRUE(plain.result("bus.subscribe", R"({"pipeline":"e","types":["state-changed","eos"]})").is_object());
  const auto sub =
      asking.result("bus.subscribe", R"({"pipeline":"e","types":["state-changed","eos"],"element_states":true})");
  EXPECT_EQ(sub.at("element_states"), true);
  ASSERT_TRUE(plain.result("pipeline.set_state", R"({"pipeline":"e","state":"playing"})").is_object());
  ASSERT_TRUE(plain.wait_for([](const json::object& p) { return p.at("type") == "eos"; }));
  ASSERT_TRUE(asking.wait_for([](const json::object& p) { return p.at("type") == "eos"; }));

  auto sources = [](rpc_client& c) {
    std::vector<std::string> out;
    for (const auto& p : c.params_of("bus.message"))
      if (p.at("type") == "state-changed")
        out.push_back(std::string(p.at("source").as_string()) + " " + std::string(p.at("old").as_string()) + "->" +
                      std::string(p.at("new").as_string()) + " " + std::string(p.at("pending").as_string()));
    return out;
  };
  const auto few = sources(plain);
  const auto all = sources(asking);
  EXPECT_EQ(few, (std::vector<std::string>{"e null->ready playing", "e ready->paused playing",
                                           "e paused->playing void-pending"}));
  for (const char* line : {"fakesink0 null->ready void-pending", "testsrc0 null->ready void-pending",
                           "testsrc0 ready->paused void-pending", "fakesink0 ready->paused void-pending",
                           "fakesink0 paused->playing void-pending", "testsrc0 paused->playing void-pending",
                           "e paused->playing void-pending"})
    EXPECT_NE(std::find(all.begin(), all.end(), line), all.end()) << line;
}

TEST(RpcMethods, PipelineCreatedAndDeletedReachWhoFollowsEveryPipelineOrAsked) {
  pipeline_service svc(core::test_runtime());
  rpc_client every(svc);     // bus.subscribe {}: every pipeline, so their comings and goings
  rpc_client one(svc);       // one pipeline: not told of others
  rpc_client one_asks(svc);  // one pipeline, "pipelines": true
  rpc_client declines(svc);  // every pipeline, "pipelines": false
  ASSERT_TRUE(every.result("pipeline.create", R"({"name":"first","description":"fakesrc ! fakesink"})").is_object());
  EXPECT_EQ(every.result("bus.subscribe").at("pipelines"), true);
  EXPECT_EQ(one.result("bus.subscribe", R"({"pipeline":"first"})").at("pipelines"), false);
  EXPECT_EQ(one_asks.result("bus.subscribe", R"({"pipeline":"first","pipelines":true})").at("pipelines"), true);
  EXPECT_EQ(declines.result("bus.subscribe", R"({"pipelines":false})").at("pipelines"), false);

  // Created and deleted as the REST routes do, straight on the service.
  ASSERT_TRUE(svc.create("made", "testsrc ! fakesink"));
  ASSERT_TRUE(svc.remove("made"));
  for (rpc_client* c : {&every, &one_asks}) {
    ASSERT_TRUE(c->wait_for([](const json::object& p) { return p.at("pipeline") == "made"; }, "pipeline.deleted"));
    const auto created = c->params_of("pipeline.created");
    ASSERT_EQ(created.size(), 1u);
    EXPECT_EQ(created[0].at("pipeline"), "made");
    EXPECT_EQ(created[0].at("description"), "testsrc ! fakesink");
    EXPECT_EQ(created[0].at("state"), "null");
    EXPECT_EQ(c->params_of("pipeline.deleted").size(), 1u);
    EXPECT_EQ(c->params_of("pipeline.deleted")[0], json::object({{"pipeline", "made"}}));
  }
  EXPECT_TRUE(one.params_of("pipeline.created").empty());
  EXPECT_TRUE(declines.params_of("pipeline.created").empty());
  EXPECT_TRUE(declines.params_of("pipeline.deleted").empty());

  // Unsubscribed: no more news.
  ASSERT_TRUE(every.result("bus.unsubscribe").is_object());
  ASSERT_TRUE(svc.create("later", "fakesrc ! fakesink"));
  ASSERT_TRUE(one_asks.wait_for([](const json::object& p) { return p.at("pipeline") == "later"; }, "pipeline.created"));
  EXPECT_EQ(every.params_of("pipeline.created").size(), 1u);
}

TEST(RpcMethods, ServerStatsAnswersWhatTheStatsSourceSays) {
  pipeline_service svc(core::test_runtime());
  rpc_client c(svc);
  ASSERT_TRUE(c.result("pipeline.create", R"({"name":"a","description":"fakesrc ! fakesink"})").is_object());
  const auto stats = c.result("server.stats");
  EXPECT_EQ(stats.at("pipelines"), 1);
  EXPECT_TRUE(stats.at("per_pipeline").as_object().contains("a"));
}

}  // namespace rpc_methods_test
}  // namespace tessera::server
