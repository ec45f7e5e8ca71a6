// No control request waits without bound (docs/deploy.md, limits): run() answers
// with a timeout error once --request-timeout passes while the work goes on, and the
// control requests of one pipeline run one at a time, a later one refused as busy
// (naming the earlier) instead of taking another control thread.
#include "server/jsonrpc.hpp"
#include "server/pipeline_service.hpp"

#include "tests/core/support/test_runtime.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>

namespace tessera::server {
namespace control_bounds_test {

namespace json = boost::json;
using namespace std::chrono_literals;

/// A gate the test opens; waits on it are bounded so a broken test cannot hang.
struct gate {
  std::mutex mutex;
  std::condition_variable cv;
  bool open = false;
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    cv.notify_all();
  }
  bool wait(std::chrono::milliseconds bound = 10s) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, bound, [this] { return open; });
  }
};

service_options quick_options() {
  service_options o;
  o.request_timeout = 200ms;
  o.control_wait = 100ms;
  return o;
}

/// co_awaits svc.run(job) on an io_context and returns what it resumed with.
template <class F>
std::optional<service_result<json::value>> run_job(pipeline_service& svc, F job) {
  boost::asio::io_context ioc;
  std::optional<service_result<json::value>> got;
  auto timed_out = [&svc]() -> service_result<json::value> { return svc.timeout_error("the test's job"); };
  boost::asio::co_spawn(ioc, svc.run(std::move(job), std::move(timed_out)),
                        [&](std::exception_ptr e, service_result<json::value> r) {
                          if (!e) got = std::move(r);
                        });
  ioc.run_for(10s);
  return got;
}

TEST(ControlBounds, RunAnswersWithTheTimeoutErrorAndTheJobGoesOn) {
  pipeline_service svc(core::test_runtime(), quick_options());
  auto g = std::make_shared<gate>();
  auto finished = std::make_shared<std::atomic<bool>>(false);
  const auto started = std::chrono::steady_clock::now();
  auto got = run_job(svc, [g, finished]() -> service_result<json::value> {
    g->wait();
    finished->store(true);
    return json::value("late");
  });
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, service_errc::timeout);
  EXPECT_EQ(got->error().http_status(), 504u);
  EXPECT_EQ(got->error().rpc_code(), -32007);
  EXPECT_NE(got->error().message.find("the test's job did not finish within 200 ms"), std::string::npos)
      << got->error().message;
  EXPECT_LT(waited, 5s);  // the bound, not the job, ended the wait
  EXPECT_FALSE(finished->load());
  g->release();
  for (int i = 0; i < 1000 && !finished->load(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(finished->load()) << "the timed-out job did not go on to its end";
}

TEST(ControlBounds, RunReturnsAQuickJobsResultAndItsException) {
  pipeline_service svc(core::test_runtime(), quick_options());
  auto got = run_job(svc, []() -> service_result<json::value> { return json::value(42); });
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->as_int64(), 42);

  boost::asio::io_context ioc;
  std::string what;
  auto thrower = []() -> service_result<json::value> { throw std::runtime_error("job failed"); };
  auto timed_out = [&svc]() -> service_result<json::value> { return svc.timeout_error("x"); };
  boost::asio::co_spawn(ioc, svc.run(std::move(thrower), std::move(timed_out)),
                        [&](std::exception_ptr e, service_result<json::value>) {
                          try {
                            if (e) std::rethrow_exception(e);
                          } catch (const std::exception& ex) {
                            what = ex.what();
                          }
                        });
  ioc.run_for(10s);
  EXPECT_EQ(what, "job failed");
}

TEST(ControlBounds, ControlRequestsOfOnePipelineRunOneAtATime) {
  pipeline_service svc(core::test_runtime(), quick_options());
  ASSERT_TRUE(svc.create("p", "testsrc ! fakesink"));
  auto entry = svc.find("p");
  ASSERT_TRUE(entry);
  {
    auto held = (*entry)->lock_control("seek", 100ms);  // as a seek that hangs would
    ASSERT_TRUE(held);
    for (auto r : {svc.set_state("p", "paused"), svc.send_eos("p"), svc.remove("p")}) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code, service_errc::busy);
      EXPECT_EQ(r.error().http_status(), 503u);
      EXPECT_NE(r.error().message.find("pipeline \"p\" is busy: an earlier seek has run for"), std::string::npos)
          << r.error().message;
    }
    // Reading the pipeline needs no control.
    EXPECT_TRUE(svc.describe("p"));
    EXPECT_TRUE(svc.position("p"));
  }
  EXPECT_TRUE(svc.set_state("p", "paused"));
  EXPECT_TRUE(svc.remove("p"));
}

TEST(ControlBounds, JsonRpcTimeoutRepliesAnswerEveryIdOfTheMessage) {
  const jsonrpc::rpc_error e{-32007, "too slow"};
  auto one = jsonrpc::error_replies(R"({"jsonrpc":"2.0","method":"pipeline.seek","id":7})", e);
  ASSERT_TRUE(one);
  EXPECT_EQ(json::parse(*one).at("id").as_int64(), 7);
  EXPECT_EQ(json::parse(*one).at("error").at("code").as_int64(), -32007);

  auto batch = jsonrpc::error_replies(
      R"([{"jsonrpc":"2.0","method":"a","id":"x"},{"jsonrpc":"2.0","method":"b"},{"jsonrpc":"2.0","method":"c","id":3}])", e);
  ASSERT_TRUE(batch);
  const auto replies = json::parse(*batch).as_array();
  ASSERT_EQ(replies.size(), 2u);  // the notification gets none
  EXPECT_EQ(replies[0].at("id").as_string(), "x");
  EXPECT_EQ(replies[1].at("id").as_int64(), 3);

  EXPECT_FALSE(jsonrpc::error_replies(R"({"jsonrpc":"2.0","method":"a"})", e));
  auto garbage = jsonrpc::error_replies("{not json", e);
  ASSERT_TRUE(garbage);
  EXPECT_TRUE(json::parse(*garbage).at("id").is_null());
}

}  // namespace control_bounds_test
}  // namespace tessera::server
