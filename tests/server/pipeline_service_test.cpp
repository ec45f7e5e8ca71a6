#include "server/pipeline_service.hpp"
#include "tests/core/support/test_runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <unistd.h>

namespace tessera::server {
namespace pipeline_service_test {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string str(const json::value& v, std::string_view key) { return std::string(v.at(key).as_string()); }

TEST(PipelineService, CreateNamesPipelinesAndDescribesThem) {
  pipeline_service svc(core::test_runtime());
  auto a = svc.create("", "testsrc ! invert ! fakesink");
  ASSERT_TRUE(a) << a.error().message;
  EXPECT_EQ(str(*a, "name"), "p0");
  auto b = svc.create("", "testsrc ! fakesink");
  ASSERT_TRUE(b);
  EXPECT_EQ(str(*b, "name"), "p1");

  auto d = svc.describe("p0");
  ASSERT_TRUE(d);
  EXPECT_EQ(str(*d, "state"), "null");
  EXPECT_EQ(str(*d, "description"), "testsrc ! invert ! fakesink");
  const auto& elements = d->at("elements").as_array();
  ASSERT_EQ(elements.size(), 3u);
  EXPECT_EQ(str(elements[1], "name"), "invert0");
  EXPECT_EQ(str(elements[1], "factory"), "invert");
  const auto& pads = elements[1].at("pads").as_array();
  ASSERT_EQ(pads.size(), 2u);
  for (const auto& pad : pads) {
    EXPECT_TRUE(pad.at("caps").is_null());  // nothing negotiated in NULL
    EXPECT_EQ(str(pad, "mode"), "none");
  }
  EXPECT_EQ(str(pads[0], "direction") == "sink" ? str(pads[0], "peer") : str(pads[1], "peer"), "testsrc0.src");
  EXPECT_EQ(svc.list().at("pipelines").as_array().size(), 2u);
}

TEST(PipelineService, ErrorsCarryTheirKind) {
  service_options o;
  o.max_pipelines = 2;
  pipeline_service svc(core::test_runtime(), o);
  ASSERT_TRUE(svc.create("x", "testsrc ! fakesink"));
  auto dup = svc.create("x", "testsrc ! fakesink");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, service_errc::conflict);
  EXPECT_EQ(dup.error().http_status(), 409u);

  auto bad = svc.create("y", "testsrc ! invret ! fakesink");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().http_status(), 400u);
  EXPECT_NE(bad.error().message.find("1:11: no element \"invret\""), std::string::npos) << bad.error().message;
  EXPECT_EQ(bad.error().rpc_code(), -32602);

  ASSERT_TRUE(svc.create("y", "testsrc ! fakesink"));
  auto full = svc.create("z", "testsrc ! fakesink");
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().http_status(), 429u);

  auto missing = svc.describe("nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().http_status(), 404u);
  EXPECT_EQ(missing.error().rpc_code(), -32001);
}

TEST(PipelineService, ElementLimitAndFramePixelsApply) {
  service_options o;
  o.max_elements = 3;
  o.max_frame_pixels = 1000;
  pipeline_service svc(core::test_runtime(), o);
  auto many = svc.create("", "testsrc ! identity ! identity ! fakesink");
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().http_status(), 400u);
  ASSERT_TRUE(svc.create("big", "testsrc width=320 height=240 ! fakesink"));
  auto played = svc.set_state("big", "paused");
  ASSERT_FALSE(played);
  EXPECT_EQ(played.error().code, service_errc::pipeline_failed);
  EXPECT_NE(played.error().message.find("exceeds the limit"), std::string::npos) << played.error().message;
}

// A 900 KB name= was accepted and then echoed in every describe and bus message.
TEST(PipelineService, ElementAndBinNamesAreLimitedTo256Bytes) {
  pipeline_service svc(core::test_runtime());
  const std::string longest(256, 'n');
  ASSERT_TRUE(svc.create("", "testsrc name=" + longest + " ! fakesink"));
  ASSERT_TRUE(svc.create("", "testsrc ! ( name=" + longest + " identity ) ! fakesink"));
  for (const std::string& description :
       {"testsrc name=" + longest + "x ! fakesink", "testsrc ! ( name=" + longest + "x identity ) ! fakesink",
        "testsrc name=" + std::string(900 * 1000, 'n') + " ! fakesink"}) {
    auto refused = svc.create("", description);
    ASSERT_FALSE(refused) << description.size();
    EXPECT_EQ(refused.error().http_status(), 400u);
    EXPECT_NE(refused.error().message.find("exceeds the limit of 256 bytes"), std::string::npos)
        << refused.error().message;
    EXPECT_LT(refused.error().message.size(), 200u) << "the name is not echoed";
  }
}

TEST(PipelineService, MediaRootConfinesFileLocations) {
  const fs::path root = fs::temp_directory_path() / ("tessera-svc-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "in.raw") << "data";
  fs::remove(root / "out");
  fs::create_directory_symlink("/tmp", root / "out");
  service_options o;
  o.media_root = root;
  pipeline_service svc(core::test_runtime(), o);
  EXPECT_TRUE(svc.create("", "filesrc location=in.raw ! fakesink"));
  for (const char* desc : {"filesrc location=/etc/passwd ! fakesink", "filesrc location=../x ! fakesink",
                           "filesrc location=out/x ! fakesink"}) {
    auto r = svc.create("", desc);
    ASSERT_FALSE(r) << desc;
    EXPECT_EQ(r.error().http_status(), 403u) << r.error().message;
  }
  fs::remove_all(root);
}

TEST(PipelineService, StateSeekPositionAndProperties) {
  pipeline_service svc(core::test_runtime());
  ASSERT_TRUE(svc.create("p", "testsrc ! invert ! fakesink name=out"));
  auto paused = svc.set_state("p", "paused");
  ASSERT_TRUE(paused) << paused.error().message;
  EXPECT_EQ(str(*paused, "state"), "paused");
  seek_params s;
  s.position_ns = 2'000'000'000;
  ASSERT_TRUE(svc.seek("p", s));
  auto pos = svc.position("p");
  ASSERT_TRUE(pos);
  EXPECT_EQ(pos->at("position_ns").as_int64(), 2'000'000'000);

  auto set = svc.set_property("p", "testsrc0", "pattern", core::property_value{std::string("smpte")});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(str(*set, "property"), "pattern");
  EXPECT_EQ(std::string(set->at("value").as_string()), "smpte");
  auto range = svc.set_property("p", "testsrc0", "width", core::property_value{std::int64_t{-5}});
  ASSERT_FALSE(range);
  EXPECT_EQ(range.error().http_status(), 400u);
  auto unknown = svc.get_property("p", "testsrc0", "nope");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().http_status(), 404u);
  auto rename = svc.set_property("p", "out", "name", core::property_value{std::string("x")});
  ASSERT_FALSE(rename);
  EXPECT_EQ(rename.error().http_status(), 409u);

  ASSERT_TRUE(svc.set_state("p", "playing"));
  EXPECT_TRUE(svc.send_eos("p"));
  auto bad_state = svc.set_state("p", "flying");
  ASSERT_FALSE(bad_state);
  EXPECT_EQ(bad_state.error().http_status(), 400u);
}

TEST(PipelineService, BusMessagesReachSubscribersWithThePipelineName) {
  pipeline_service svc(core::test_runtime());
  std::mutex m;
  std::vector<std::string> seen;
  const auto id = svc.subscribe_bus([&](const std::string& pipeline, const core::message& msg) {
    std::lock_guard lock(m);
    seen.push_back(pipeline + ":" + std::string(core::to_string(msg.type)));
  });
  ASSERT_TRUE(svc.create("bus", "testsrc ! fakesink"));
  ASSERT_TRUE(svc.set_state("bus", "paused"));
  ASSERT_TRUE(svc.remove("bus"));
  svc.unsubscribe_bus(id);
  std::lock_guard lock(m);
  EXPECT_NE(std::find(seen.begin(), seen.end(), "bus:state-changed"), seen.end());
  auto j = pipeline_service::message_json("bus", core::message(core::message_type::eos, "fakesink0"));
  EXPECT_EQ(std::string(j.at("type").as_string()), "eos");
  EXPECT_EQ(std::string(j.at("pipeline").as_string()), "bus");
}

TEST(PipelineService, DeletedPipelineStaysAliveForHoldersAndTellsThem) {
  pipeline_service svc(core::test_runtime());
  ASSERT_TRUE(svc.create("w", "testsrc ! videoconvert ! websink name=preview"));
  auto sink = svc.find_websink("w", "preview");
  ASSERT_TRUE(sink) << sink.error().message;
  EXPECT_FALSE(svc.find_websink("w", "videoconvert0"));
  EXPECT_EQ(svc.find_websink("w", "nope").error().http_status(), 404u);
  std::atomic<int> told{0};
  sink->entry->on_removed([&] { ++told; });
  ASSERT_TRUE(svc.remove("w"));
  EXPECT_EQ(told.load(), 1);
  EXPECT_TRUE(sink->entry->removed());
  EXPECT_EQ(sink->sink->name(), "preview");  // still alive through the entry
  EXPECT_FALSE(svc.find("w"));
  sink->entry->on_removed([&] { ++told; });  // after removal: at once
  EXPECT_EQ(told.load(), 2);
}

TEST(PipelineService, RunExecutesOnThePoolAndResumesTheCaller) {
  pipeline_service svc(core::test_runtime());
  boost::asio::io_context ioc;
  std::optional<service_result<json::value>> got;
  auto job = [&svc] { return svc.create("async", "testsrc ! fakesink"); };
  auto timed_out = [&svc]() -> service_result<json::value> { return svc.timeout_error("create"); };
  boost::asio::co_spawn(ioc, svc.run(std::move(job), std::move(timed_out)),
                        [&](std::exception_ptr, service_result<json::value> r) {
    got = std::move(r);
  });
  ioc.run_for(std::chrono::seconds(10));
  ASSERT_TRUE(got);
  ASSERT_TRUE(*got);
  EXPECT_EQ(svc.size(), 1u);
}

TEST(PipelineService, ShutdownRemovesEverythingAndRefusesNewPipelines) {
  pipeline_service svc(core::test_runtime());
  ASSERT_TRUE(svc.create("", "testsrc ! fakesink"));
  ASSERT_TRUE(svc.set_state("p0", "playing"));
  svc.shutdown();
  EXPECT_EQ(svc.size(), 0u);
  EXPECT_FALSE(svc.create("", "testsrc ! fakesink"));
}

}  // namespace pipeline_service_test
}  // namespace tessera::server
