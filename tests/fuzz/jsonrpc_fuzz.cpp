// Fuzz target: the JSON-RPC dispatcher with every method of docs/api.md against a real
// pipeline registry (api_fixture.hpp). The input is one WebSocket text message, handled
// as /api/v1/rpc handles it: a connection's dispatcher with add_rpc_methods and its
// own bus subscription, dispatcher::handle on the message. Checked for every input:
//  - the reply is JSON-RPC 2.0: nothing only when every request is a notification; a
//    Response object (or an array of them, in request order) echoing each request's
//    id, null when unreadable; exactly one of result/error;
//  - error codes come from the documented set (protocol codes, the server codes of
//    the error table); never -32603 or -32000, which the API reserves for bugs; an API
//    error's data names its kind and HTTP status consistently with its code;
//  - the reply stays within the reply budget (plus the documented short refusals);
//  - bus.message notifications are JSON-RPC notifications;
//  - afterwards the registry is emptied and is empty (no pipeline leaks).

#include "server/jsonrpc.hpp"
#include "server/rpc_bus.hpp"
#include "server/rpc_methods.hpp"
#include "tests/fuzz/api_fixture.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace {

namespace json = boost::json;
using simdjson::dom::element;
using simdjson::dom::element_type;
using tessera::server::jsonrpc::to_boost_json;

/// The code a service error kind has (docs/api.md, Errors), by kind name.
const std::map<std::string, std::pair<int, int>, std::less<>>& api_kinds() {
  static const std::map<std::string, std::pair<int, int>, std::less<>> kinds{
      {"invalid_params", {-32602, 400}}, {"forbidden", {-32004, 403}},     {"not_found", {-32001, 404}},
      {"conflict", {-32002, 409}},       {"pipeline_failed", {-32005, 422}}, {"limit_exceeded", {-32003, 429}},
      {"busy", {-32006, 503}},           {"timeout", {-32007, 504}}};
  return kinds;
}

void check_error(const json::object& error) {
  TESSERA_FUZZ_CHECK(error.contains("code") && error.at("code").is_int64(), "an error without an integer code");
  TESSERA_FUZZ_CHECK(error.contains("message") && error.at("message").is_string() &&
                         !error.at("message").as_string().empty(),
                     "an error without a message");
  const auto code = error.at("code").as_int64();
  const bool protocol = code == -32700 || code == -32600 || code == -32601 || code == -32602;
  const bool server = code <= -32001 && code >= -32007;
  TESSERA_FUZZ_CHECK(protocol || server, "an error code outside the documented set (or an internal error)");
  if (const auto* data = error.if_contains("data"); data && code != -32003) {
    // The API's errors: {"kind", "http_status"} matching the code.
    const auto& d = data->as_object();
    TESSERA_FUZZ_CHECK(d.contains("kind") && d.at("kind").is_string(), "error data without a kind");
    auto kind = api_kinds().find(std::string_view(d.at("kind").as_string()));
    TESSERA_FUZZ_CHECK(kind != api_kinds().end(), "error data with an undocumented kind");
    TESSERA_FUZZ_CHECK(kind->second.first == code, "error data whose kind does not match the code");
    TESSERA_FUZZ_CHECK(d.contains("http_status") && d.at("http_status").to_number<int>() == kind->second.second,
                       "error data whose http_status does not match the kind");
  }
  if (!protocol && !error.contains("data"))
    TESSERA_FUZZ_CHECK(false, "a server error without data");
}

/// One Response object, answering a request whose id was `id` (nullopt: any id, the
/// refusal of an unreadable request has null).
void check_response(const json::value& v, const json::value& id) {
  TESSERA_FUZZ_CHECK(v.is_object(), "a reply entry that is not an object");
  const auto& o = v.as_object();
  TESSERA_FUZZ_CHECK(o.size() == 3, "a Response with other members than jsonrpc, result|error, id");
  TESSERA_FUZZ_CHECK(o.contains("jsonrpc") && o.at("jsonrpc") == "2.0", "a Response without jsonrpc 2.0");
  TESSERA_FUZZ_CHECK(o.contains("result") != o.contains("error"), "a Response with not exactly one of result/error");
  TESSERA_FUZZ_CHECK(o.contains("id"), "a Response without id");
  TESSERA_FUZZ_CHECK(o.at("id") == id, "a Response whose id is not the request's");
  if (o.contains("error")) check_error(o.at("error").as_object());
}

/// What a request should get: nullopt for no reply (a valid notification), else the id
/// its Response carries (null for an invalid id or a non-object).
std::optional<json::value> expected_id(element request) {
  if (!request.is_object()) return json::value(nullptr);
  auto object = request.get_object().value_unsafe();
  if (auto id = object.at_key("id"); !id.error()) {
    const auto t = id.value_unsafe().type();
    if (t == element_type::ARRAY || t == element_type::OBJECT || t == element_type::BOOL) return json::value(nullptr);
    return to_boost_json(id.value_unsafe());
  }
  // No id: a notification, answered only when it is not a valid Request.
  auto version = object.at_key("jsonrpc");
  auto method = object.at_key("method");
  auto params = object.at_key("params");
  const bool valid = !version.error() && version.value_unsafe().is_string() &&
                     version.value_unsafe().get_string().value_unsafe() == "2.0" && !method.error() &&
                     method.value_unsafe().is_string() &&
                     (params.error() || params.value_unsafe().is_array() || params.value_unsafe().is_object());
  if (valid) return std::nullopt;
  return json::value(nullptr);
}

json::value parse_reply(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  TESSERA_FUZZ_CHECK(!ec, "a reply that is not JSON");
  return v;
}

void check_single_error(const std::optional<std::string>& reply, int code) {
  TESSERA_FUZZ_CHECK(reply.has_value(), "no reply to a message that must be refused");
  const auto v = parse_reply(*reply);
  check_response(v, nullptr);
  TESSERA_FUZZ_CHECK(v.at("error").at("code") == code, "the wrong error code for a refused message");
}

void check_reply(std::string_view message, const std::optional<std::string>& reply) {
  using namespace tessera::fuzz;
  if (reply) TESSERA_FUZZ_CHECK(reply->size() <= max_reply_bytes + 400, "a single reply over the budget");
  simdjson::dom::parser parser;
  auto doc = parser.parse(message.data(), message.size(), true);
  if (doc.error()) return check_single_error(reply, -32700);
  const element root = doc.value_unsafe();
  if (!root.is_array()) {
    auto id = expected_id(root);
    TESSERA_FUZZ_CHECK(reply.has_value() == id.has_value(), "a reply to a notification, or none to a request");
    if (reply) check_response(parse_reply(*reply), *id);
    return;
  }
  const auto batch = root.get_array().value_unsafe();
  if (batch.size() == 0 || batch.size() > max_batch_entries) return check_single_error(reply, -32600);
  std::vector<json::value> ids;
  for (element request : batch)
    if (auto id = expected_id(request)) ids.push_back(std::move(*id));
  TESSERA_FUZZ_CHECK(reply.has_value() == !ids.empty(), "a reply to notifications only, or none to a batch");
  if (!reply) return;
  TESSERA_FUZZ_CHECK(reply->size() <= max_reply_bytes + 300 * batch.size(), "a batch reply over the budget");
  const auto v = parse_reply(*reply);
  TESSERA_FUZZ_CHECK(v.is_array(), "a batch answered by something else than an array");
  const auto& replies = v.as_array();
  TESSERA_FUZZ_CHECK(replies.size() == ids.size(), "not one reply per request of the batch");
  for (std::size_t i = 0; i < ids.size(); ++i) check_response(replies[i], ids[i]);
}

/// A notification from the bus (a streaming thread): a JSON-RPC Notification object.
bool check_notification(const std::string& text) {
  const auto v = parse_reply(text);
  TESSERA_FUZZ_CHECK(v.is_object() && v.as_object().size() == 3, "a notification with other members");
  TESSERA_FUZZ_CHECK(v.at("jsonrpc") == "2.0" && v.at("method").is_string() && v.at("params").is_object(),
                     "a notification without jsonrpc, method or params");
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tessera;
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  if (fuzz::banned_words(message)) return 0;
  auto& svc = fuzz::fuzz_service();
  fuzz::start_input();
  {
    // One connection, as rpc_route makes it: a dispatcher with its bus subscription.
    server::jsonrpc::dispatcher dispatcher(server::jsonrpc::dispatch_limits{fuzz::max_batch_entries, fuzz::max_reply_bytes});
    server::rpc_bus_subscription bus(svc, check_notification);
    server::add_rpc_methods(dispatcher, svc, bus, [&svc] { return svc.stats(); });
    const auto reply = dispatcher.handle(message);
    if (fuzz::print_replies())
      std::fprintf(stderr, "-> %.*s\n<- %s\n", int(message.size()), message.data(), reply ? reply->c_str() : "(none)");
    check_reply(message, reply);
  }
  fuzz::end_input();
  return 0;
}
