// The JSON-RPC 2.0 dispatcher against the specification, rule by rule, mostly with the
// specification's own examples (section 7), table-driven.
#include "server/jsonrpc.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <gtest/gtest.h>

#include <cctype>
#include <stdexcept>

namespace tessera::server::jsonrpc {
namespace jsonrpc_test {

namespace json = boost::json;

/// The specification's example methods plus a few that fail in each way.
void add_example_methods(dispatcher& d, int& updates) {
  d.add("subtract", {"minuend", "subtrahend"}, [](const params& p) -> rpc_result<json::value> {
    auto a = p.required_int("minuend");
    if (!a) return a.error();
    auto b = p.required_int("subtrahend");
    if (!b) return b.error();
    return json::value(*a - *b);
  });
  d.add("sum", {"a", "b", "c"}, [](const params& p) -> rpc_result<json::value> {
    std::int64_t total = 0;
    for (auto n : {"a", "b", "c"}) {
      auto v = p.required_int(n);
      if (!v) return v.error();
      total += *v;
    }
    return json::value(total);
  });
  d.add("update", {"a", "b", "c", "d", "e"}, [&updates](const params&) -> rpc_result<json::value> {
    ++updates;
    return json::value(nullptr);
  });
  d.add("notify_hello", {"x"}, [&updates](const params&) -> rpc_result<json::value> {
    ++updates;
    return json::value(nullptr);
  });
  d.add("notify_sum", {"a", "b", "c"}, [&updates](const params&) -> rpc_result<json::value> {
    ++updates;
    return json::value(nullptr);
  });
  d.add("get_data", {}, [](const params&) -> rpc_result<json::value> { return json::array{"hello", 5}; });
  d.add("echo", {"value"}, [](const params& p) -> rpc_result<json::value> { return p.required_value("value"); });
  d.add("missing_pipeline", {}, [](const params&) -> rpc_result<json::value> {
    return rpc_error{-32001, "no pipeline 'p9'", json::object{{"http_status", 404}}};
  });
  d.add("throws", {}, [](const params&) -> rpc_result<json::value> { throw std::runtime_error("boom"); });
}

struct dispatch_case {
  const char* rule;
  const char* request;
  const char* reply;  ///< nullptr: no reply; error messages are checked by `message_has`
  const char* message_has = "";
};

/// Error messages are free text: compared only through `message_has`.
json::value without_messages(json::value v) {
  if (auto* a = v.if_array()) {
    for (auto& item : *a) item = without_messages(item);
  } else if (auto* o = v.if_object()) {
    if (auto* e = o->if_contains("error"); e && e->is_object()) e->as_object().erase("message");
  }
  return v;
}

const dispatch_case cases[] = {
    // 4. Request objects, 7. examples: positional and named params.
    {"positional params", R"({"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1})",
     R"({"jsonrpc":"2.0","result":19,"id":1})"},
    {"positional params, other order", R"({"jsonrpc":"2.0","method":"subtract","params":[23,42],"id":2})",
     R"({"jsonrpc":"2.0","result":-19,"id":2})"},
    {"named params", R"({"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3})",
     R"({"jsonrpc":"2.0","result":19,"id":3})"},
    {"named params, other order", R"({"jsonrpc":"2.0","method":"subtract","params":{"minuend":42,"subtrahend":23},"id":4})",
     R"({"jsonrpc":"2.0","result":19,"id":4})"},
    {"params may be omitted", R"({"jsonrpc":"2.0","method":"get_data","id":9})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":9})"},
    {"params may be empty", R"({"jsonrpc":"2.0","method":"get_data","params":[],"id":10})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":10})"},
    // 4.1 Notifications: never answered, whatever happens.
    {"notification", R"({"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]})", nullptr},
    {"notification of an unknown method", R"({"jsonrpc":"2.0","method":"foobar"})", nullptr},
    {"notification with bad params", R"({"jsonrpc":"2.0","method":"subtract","params":{"x":1}})", nullptr},
    {"notification whose handler throws", R"({"jsonrpc":"2.0","method":"throws"})", nullptr},
    // 5. Response ids: echoed exactly.
    {"string id", R"({"jsonrpc":"2.0","method":"get_data","id":"abc-1"})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":"abc-1"})"},
    {"null id is a request, not a notification", R"({"jsonrpc":"2.0","method":"get_data","id":null})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":null})"},
    {"negative id", R"({"jsonrpc":"2.0","method":"get_data","id":-7})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":-7})"},
    {"64-bit unsigned id", R"({"jsonrpc":"2.0","method":"get_data","id":18446744073709551615})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":18446744073709551615})"},
    {"fractional id", R"({"jsonrpc":"2.0","method":"get_data","id":1.5})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":1.5})"},
    {"unicode string id", R"({"jsonrpc":"2.0","method":"get_data","id":"\u00e9\"x"})",
     R"({"jsonrpc":"2.0","result":["hello",5],"id":"\u00e9\"x"})"},
    // 5.1 Error codes.
    {"-32700 invalid JSON", R"({"jsonrpc":"2.0","method":"foobar,"params":"bar","baz])",
     R"({"jsonrpc":"2.0","error":{"code":-32700},"id":null})", "Parse error"},
    {"-32700 empty message", "", R"({"jsonrpc":"2.0","error":{"code":-32700},"id":null})", "Parse error"},
    {"-32700 trailing garbage", R"({"jsonrpc":"2.0","method":"get_data","id":1} x)",
     R"({"jsonrpc":"2.0","error":{"code":-32700},"id":null})", "Parse error"},
    {"-32600 method not a string", R"({"jsonrpc":"2.0","method":1,"params":"bar"})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "\"method\""},
    {"-32600 method missing", R"({"jsonrpc":"2.0","id":5})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":5})", "\"method\" is missing"},
    {"-32600 jsonrpc missing", R"({"method":"get_data","id":6})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":6})", "\"jsonrpc\""},
    {"-32600 jsonrpc 1.0", R"({"jsonrpc":"1.0","method":"get_data","id":"v"})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":"v"})", "\"2.0\""},
    {"-32600 jsonrpc as a number", R"({"jsonrpc":2.0,"method":"get_data","id":7})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":7})", "\"2.0\""},
    {"-32600 params a string", R"({"jsonrpc":"2.0","method":"get_data","params":"bar","id":8})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":8})", "\"params\""},
    {"-32600 params a number", R"({"jsonrpc":"2.0","method":"get_data","params":3,"id":8})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":8})", "\"params\""},
    {"-32600 id an object", R"({"jsonrpc":"2.0","method":"get_data","id":{"a":1}})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "\"id\""},
    {"-32600 id an array", R"({"jsonrpc":"2.0","method":"get_data","id":[1]})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "\"id\""},
    {"-32600 id a boolean", R"({"jsonrpc":"2.0","method":"get_data","id":true})",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "\"id\""},
    {"-32600 a bare string", R"("get_data")", R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "string"},
    {"-32600 a number", "1", R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "integer"},
    {"-32601 unknown method", R"({"jsonrpc":"2.0","method":"foobar","id":"1"})",
     R"({"jsonrpc":"2.0","error":{"code":-32601},"id":"1"})", "'foobar'"},
    {"-32601 rpc. names are reserved", R"({"jsonrpc":"2.0","method":"rpc.discover","id":2})",
     R"({"jsonrpc":"2.0","error":{"code":-32601},"id":2})", "'rpc.discover'"},
    {"-32602 missing param", R"({"jsonrpc":"2.0","method":"subtract","params":{"minuend":1},"id":11})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":11})", "'subtrahend' is required"},
    {"-32602 too few positional", R"({"jsonrpc":"2.0","method":"subtract","params":[1],"id":12})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":12})", "'subtrahend' is required"},
    {"-32602 wrong type", R"({"jsonrpc":"2.0","method":"subtract","params":{"minuend":"a","subtrahend":1},"id":13})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":13})", "'minuend' must be an integer, got string"},
    {"-32602 fraction for an integer", R"({"jsonrpc":"2.0","method":"subtract","params":[1.5,1],"id":14})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":14})", "'minuend' must be an integer"},
    {"-32602 unknown named param", R"({"jsonrpc":"2.0","method":"subtract","params":{"minuend":1,"subtrahend":1,"x":2},"id":15})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":15})", "unknown param 'x'"},
    {"-32602 too many positional", R"({"jsonrpc":"2.0","method":"subtract","params":[1,2,3],"id":16})",
     R"({"jsonrpc":"2.0","error":{"code":-32602},"id":16})", "3 positional params"},
    {"-32603 a handler that throws", R"({"jsonrpc":"2.0","method":"throws","id":17})",
     R"({"jsonrpc":"2.0","error":{"code":-32603},"id":17})", "boom"},
    {"server error with data", R"({"jsonrpc":"2.0","method":"missing_pipeline","id":18})",
     R"({"jsonrpc":"2.0","error":{"code":-32001,"data":{"http_status":404}},"id":18})", "no pipeline 'p9'"},
    {"an integer written as 1e2", R"({"jsonrpc":"2.0","method":"subtract","params":[1e2,1],"id":19})",
     R"({"jsonrpc":"2.0","result":99,"id":19})"},
    {"any value passes through", R"({"jsonrpc":"2.0","method":"echo","params":{"value":{"a":[1,2.5,"x",null,true]}},"id":20})",
     R"({"jsonrpc":"2.0","result":{"a":[1,2.5,"x",null,true]},"id":20})"},
    // 6. Batches.
    {"-32700 invalid JSON batch", R"([{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method")",
     R"({"jsonrpc":"2.0","error":{"code":-32700},"id":null})", "Parse error"},
    {"-32600 empty batch, one error not an array", "[]",
     R"({"jsonrpc":"2.0","error":{"code":-32600},"id":null})", "empty batch"},
    {"-32600 batch of a non-object", "[1]", R"([{"jsonrpc":"2.0","error":{"code":-32600},"id":null}])"},
    {"-32600 batch of three non-objects", "[1,2,3]",
     R"([{"jsonrpc":"2.0","error":{"code":-32600},"id":null},{"jsonrpc":"2.0","error":{"code":-32600},"id":null},
         {"jsonrpc":"2.0","error":{"code":-32600},"id":null}])"},
    {"-32600 nested batch", R"([[{"jsonrpc":"2.0","method":"get_data","id":1}]])",
     R"([{"jsonrpc":"2.0","error":{"code":-32600},"id":null}])"},
    {"mixed batch, in order, notifications left out",
     R"([{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},
         {"jsonrpc":"2.0","method":"notify_hello","params":[7]},
         {"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":"2"},
         {"foo":"boo"},
         {"jsonrpc":"2.0","method":"foo.get","params":{"name":"myself"},"id":"5"},
         {"jsonrpc":"2.0","method":"get_data","id":"9"}])",
     R"([{"jsonrpc":"2.0","result":7,"id":"1"},
         {"jsonrpc":"2.0","result":19,"id":"2"},
         {"jsonrpc":"2.0","error":{"code":-32600},"id":null},
         {"jsonrpc":"2.0","error":{"code":-32601},"id":"5"},
         {"jsonrpc":"2.0","result":["hello",5],"id":"9"}])"},
    {"batch of notifications only: no reply",
     R"([{"jsonrpc":"2.0","method":"notify_sum","params":[1,2,4]},{"jsonrpc":"2.0","method":"notify_hello","params":[7]}])",
     nullptr},
    {"batch of one request", R"([{"jsonrpc":"2.0","method":"get_data","id":1}])",
     R"([{"jsonrpc":"2.0","result":["hello",5],"id":1}])"},
};

class JsonRpcSpec : public ::testing::TestWithParam<dispatch_case> {};

TEST_P(JsonRpcSpec, AnswersAsTheSpecificationSays) {
  const auto& c = GetParam();
  dispatcher d;
  int updates = 0;
  add_example_methods(d, updates);
  auto reply = d.handle(c.request);
  if (!c.reply) {
    EXPECT_FALSE(reply.has_value()) << *reply;
    return;
  }
  ASSERT_TRUE(reply.has_value());
  const json::value got = json::parse(*reply);
  EXPECT_EQ(without_messages(got), without_messages(json::parse(c.reply))) << *reply;
  if (*c.message_has) {
    ASSERT_TRUE(got.is_object()) << *reply;
    const auto& msg = got.at("error").at("message").as_string();
    EXPECT_NE(std::string_view(msg).find(c.message_has), std::string_view::npos) << msg;
  }
}

std::string case_name(const ::testing::TestParamInfo<dispatch_case>& info) {
  std::string name;
  for (char ch : std::string_view(info.param.rule))
    name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return name + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Rules, JsonRpcSpec, ::testing::ValuesIn(cases), case_name);

TEST(JsonRpcDispatcher, RunsNotificationsWithoutAnswering) {
  dispatcher d;
  int updates = 0;
  add_example_methods(d, updates);
  EXPECT_FALSE(d.handle(R"({"jsonrpc":"2.0","method":"update","params":[1,2,3,4,5]})"));
  EXPECT_FALSE(d.handle(R"([{"jsonrpc":"2.0","method":"notify_hello","params":[1]},
                            {"jsonrpc":"2.0","method":"notify_sum","params":[1,2,3]}])"));
  EXPECT_EQ(updates, 3);
}

TEST(JsonRpcDispatcher, ErrorsLeaveDataOutWhenThereIsNone) {
  dispatcher d;
  auto reply = d.handle(R"({"jsonrpc":"2.0","method":"nope","id":1})");
  ASSERT_TRUE(reply);
  EXPECT_FALSE(json::parse(*reply).at("error").as_object().contains("data")) << *reply;
}

std::string batch_of(std::size_t n, std::string_view method, bool with_ids = true) {
  std::string text = "[";
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) text += ',';
    text += R"({"jsonrpc":"2.0","method":")" + std::string(method) + '"';
    if (with_ids) text += R"(,"id":)" + std::to_string(i);
    text += '}';
  }
  return text + "]";
}

// A 939 KB batch of 10,000 requests was run whole (a 975 MB reply).
TEST(JsonRpcLimits, BatchOverTheEntryLimitIsOneInvalidRequestAndRunsNothing) {
  dispatcher d;  // the default limit: 64
  int runs = 0;
  d.add("count", {}, [&runs](const params&) -> rpc_result<json::value> { return json::value(++runs); });
  auto over = d.handle(batch_of(65, "count"));
  ASSERT_TRUE(over);
  const auto reply = json::parse(*over);
  ASSERT_TRUE(reply.is_object()) << *over;
  EXPECT_EQ(reply.at("error").at("code"), code::invalid_request);
  EXPECT_EQ(reply.at("id"), nullptr);
  const std::string message(reply.at("error").at("message").as_string());
  EXPECT_NE(message.find("a batch of 65 requests exceeds the limit of 64 (--max-batch)"), std::string::npos)
      << message;
  EXPECT_EQ(runs, 0);

  auto at_limit = d.handle(batch_of(64, "count"));
  ASSERT_TRUE(at_limit);
  EXPECT_EQ(json::parse(*at_limit).as_array().size(), 64u);
  EXPECT_EQ(runs, 64);

  dispatcher small(dispatch_limits{2, 1 << 20});
  small.add("count", {}, [&runs](const params&) -> rpc_result<json::value> { return json::value(++runs); });
  EXPECT_NE(small.handle(batch_of(3, "count"))->find("limit of 2"), std::string::npos);
}

// Replies stop growing at the budget: the entry that would pass it and every later one
// get a -32003 error naming the budget, and the later ones are not run.
TEST(JsonRpcLimits, RepliesStopGrowingAtTheReplyBudget) {
  dispatcher d;  // the default budget: 8 MiB
  int runs = 0;
  d.add("big", {}, [&runs](const params&) -> rpc_result<json::value> {
    ++runs;
    return json::value(std::string(std::size_t{1} << 20, 'x'));
  });
  auto text = d.handle(batch_of(20, "big"));
  ASSERT_TRUE(text);
  EXPECT_LT(text->size(), (std::size_t{8} << 20) + 20 * 300) << "the reply kept growing";
  const auto replies = json::parse(*text).as_array();
  ASSERT_EQ(replies.size(), 20u);
  std::size_t results = 0;
  for (std::size_t i = 0; i < replies.size(); ++i) {
    EXPECT_EQ(replies[i].at("id"), static_cast<std::int64_t>(i)) << "each entry keeps its id";
    if (replies[i].as_object().contains("result")) {
      EXPECT_EQ(results, i) << "results come first, errors after";
      ++results;
      continue;
    }
    EXPECT_EQ(replies[i].at("error").at("code"), code::limit_exceeded);
    const std::string message(replies[i].at("error").at("message").as_string());
    EXPECT_NE(message.find("8388608 bytes (--max-reply-bytes)"), std::string::npos) << message;
    EXPECT_NE(message.find(i == results ? "reply budget exceeded" : "not run"), std::string::npos) << message;
  }
  EXPECT_EQ(results, 7u);  // 7 replies of 1 MiB fit in 8 MiB, the 8th does not
  EXPECT_EQ(runs, 8) << "the entry that overflowed ran; the later ones did not";

  // Notifications after the budget is spent are neither run nor answered.
  runs = 0;
  dispatcher small(dispatch_limits{64, 4096});
  small.add("big", {}, [&runs](const params&) -> rpc_result<json::value> {
    ++runs;
    return json::value(std::string(3000, 'x'));
  });
  auto mixed = small.handle(R"([{"jsonrpc":"2.0","method":"big","id":"a"},{"jsonrpc":"2.0","method":"big","id":"b"},
                                {"jsonrpc":"2.0","method":"big"},{"jsonrpc":"2.0","method":"big","id":"c"}])");
  ASSERT_TRUE(mixed);
  const auto answers = json::parse(*mixed).as_array();
  ASSERT_EQ(answers.size(), 3u) << *mixed;
  EXPECT_TRUE(answers[0].as_object().contains("result"));
  EXPECT_EQ(answers[1].at("id"), "b");
  EXPECT_EQ(answers[2].at("id"), "c");
  EXPECT_NE(std::string(answers[2].at("error").at("message").as_string()).find("not run"), std::string::npos);
  EXPECT_EQ(runs, 2);

  // A single request whose reply is over the budget gets the error in its place.
  auto single = small.handle(R"({"jsonrpc":"2.0","method":"big","id":7})");
  ASSERT_TRUE(single);
  small.add("huge", {}, [](const params&) -> rpc_result<json::value> { return json::value(std::string(5000, 'x')); });
  auto huge = json::parse(*small.handle(R"({"jsonrpc":"2.0","method":"huge","id":7})"));
  EXPECT_EQ(huge.at("id"), 7);
  EXPECT_EQ(huge.at("error").at("code"), code::limit_exceeded);
}

TEST(JsonRpcDispatcher, ParserIsReusedAcrossMessages) {
  dispatcher d;
  int updates = 0;
  add_example_methods(d, updates);
  for (int i = 0; i < 3; ++i) {
    auto reply = d.handle(R"({"jsonrpc":"2.0","method":"subtract","params":[5,2],"id":1})");
    ASSERT_TRUE(reply);
    EXPECT_EQ(json::parse(*reply).at("result"), 3);
    EXPECT_TRUE(d.handle("{bad"));
  }
}

TEST(JsonRpcParams, ReadsEachKindAndNamesTheParamInErrors) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(std::string_view(
      R"({"s":"x","n":2.5,"b":true,"flags":["flush","accurate"],"bad_flags":["flush",3],"nil":null})"));
  ASSERT_FALSE(doc.error());
  auto bound = params::bind({"s", "n", "b", "flags", "bad_flags", "nil", "absent"}, doc.value());
  ASSERT_TRUE(bound);
  const params& p = *bound;
  EXPECT_EQ(*p.required_string("s"), "x");
  EXPECT_EQ(**p.optional_number("n"), 2.5);
  EXPECT_EQ(**p.optional_bool("b"), true);
  EXPECT_EQ(*p.string_list("flags"), (std::vector<std::string>{"flush", "accurate"}));
  EXPECT_TRUE(p.string_list("absent")->empty());
  EXPECT_FALSE(p.optional_string("nil")->has_value());
  EXPECT_FALSE(p.optional_number("absent")->has_value());

  auto bad_list = p.string_list("bad_flags");
  ASSERT_FALSE(bad_list);
  EXPECT_EQ(bad_list.error().code, code::invalid_params);
  EXPECT_NE(bad_list.error().message.find("'bad_flags'[1] must be a string, got integer"), std::string::npos)
      << bad_list.error().message;
  auto not_bool = p.optional_bool("s");
  ASSERT_FALSE(not_bool);
  EXPECT_NE(not_bool.error().message.find("'s' must be a boolean, got string"), std::string::npos);
  auto not_int = p.required_int("n");
  ASSERT_FALSE(not_int);
  EXPECT_NE(not_int.error().message.find("'n' must be an integer"), std::string::npos);
  auto absent = p.required_value("absent");
  ASSERT_FALSE(absent);
  EXPECT_NE(absent.error().message.find("'absent' is required"), std::string::npos);
}

TEST(JsonRpcParams, RefusesIntegersBeyondInt64) {
  simdjson::dom::parser parser;
  auto doc = parser.parse(std::string_view(R"([18446744073709551615])"));
  ASSERT_FALSE(doc.error());
  auto bound = params::bind({"position_ns"}, doc.value());
  ASSERT_TRUE(bound);
  auto v = bound->required_int("position_ns");
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("out of range"), std::string::npos) << v.error().message;
}

TEST(JsonRpcNotification, HasMethodAndParamsButNoId) {
  const auto n = json::parse(notification("bus.message", json::object{{"type", "eos"}}));
  EXPECT_EQ(n, json::parse(R"({"jsonrpc":"2.0","method":"bus.message","params":{"type":"eos"}})"));
}

}  // namespace jsonrpc_test
}  // namespace tessera::server::jsonrpc
