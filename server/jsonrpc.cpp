#include "server/jsonrpc.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/throw_exception.hpp>

#include <cmath>
#include <exception>
#include <limits>
#include <stdexcept>

namespace tessera::server::jsonrpc {

namespace json = boost::json;
using simdjson::dom::element;
using simdjson::dom::element_type;

void throw_exception_from_error(const rpc_error& e, const boost::source_location& loc) {
  boost::throw_exception(std::runtime_error(e.message), loc);
}

rpc_error invalid_params(std::string what) {
  return {code::invalid_params, "Invalid params: " + std::move(what), nullptr};
}

namespace {

rpc_error invalid_request(std::string what) {
  return {code::invalid_request, "Invalid Request: " + std::move(what), nullptr};
}

std::string_view type_name(element e) {
  switch (e.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "value";
}

std::string quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

rpc_error wrong_type(std::string_view name, std::string_view wanted, element got) {
  return invalid_params(quoted(name) + " must be " + std::string(wanted) + ", got " +
                        std::string(type_name(got)));
}

rpc_error missing(std::string_view name) { return invalid_params(quoted(name) + " is required"); }

std::string joined(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

json::value to_boost_json(element e) {
  switch (e.type()) {
    case element_type::ARRAY: {
      json::array a;
      const simdjson::dom::array items = e.get_array().value_unsafe();
      for (element child : items) a.push_back(to_boost_json(child));
      return a;
    }
    case element_type::OBJECT: {
      json::object o;
      const simdjson::dom::object fields = e.get_object().value_unsafe();
      for (auto field : fields)
        o.insert_or_assign(field.key, to_boost_json(field.value));
      return o;
    }
    case element_type::INT64: return e.get_int64().value_unsafe();
    case element_type::UINT64: return e.get_uint64().value_unsafe();
    case element_type::DOUBLE: return e.get_double().value_unsafe();
    case element_type::STRING: return json::string(e.get_string().value_unsafe());
    case element_type::BOOL: return e.get_bool().value_unsafe();
    case element_type::NULL_VALUE: return nullptr;
  }
  return nullptr;
}

// --- params ---

rpc_result<params> params::bind(const std::vector<std::string>& declared,
                                std::optional<element> given) {
  params p;
  if (!given) return p;
  if (given->is_object()) {
    const simdjson::dom::object fields = given->get_object().value_unsafe();
    for (auto field : fields) {
      bool known = false;
      for (const auto& d : declared) known = known || d == field.key;
      if (!known)
        return invalid_params("unknown param " + quoted(field.key) + " (this method takes: " +
                              joined(declared) + ")");
      p.values_.emplace(std::string(field.key), field.value);  // a repeated key: the first wins
    }
    return p;
  }
  // By position: the i-th value is the i-th declared parameter.
  const simdjson::dom::array array = given->get_array().value_unsafe();
  if (array.size() > declared.size())
    return invalid_params(std::to_string(array.size()) + " positional params given, this method takes at most " +
                          std::to_string(declared.size()) + " (" + joined(declared) + ")");
  std::size_t i = 0;
  for (element v : array) p.values_.emplace(declared[i++], v);
  return p;
}

std::optional<element> params::get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

rpc_result<std::string> params::required_string(std::string_view name) const {
  auto v = get(name);
  if (!v) return missing(name);
  if (!v->is_string()) return wrong_type(name, "a string", *v);
  return std::string(v->get_string().value_unsafe());
}

rpc_result<std::optional<std::string>> params::optional_string(std::string_view name) const {
  auto v = get(name);
  if (!v || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return wrong_type(name, "a string", *v);
  return std::optional<std::string>(std::string(v->get_string().value_unsafe()));
}

rpc_result<std::int64_t> params::required_int(std::string_view name) const {
  auto v = get(name);
  if (!v) return missing(name);
  switch (v->type()) {
    case element_type::INT64: return v->get_int64().value_unsafe();
    case element_type::UINT64:
      return invalid_params(quoted(name) + " is out of range (" +
                            std::to_string(v->get_uint64().value_unsafe()) + " > " +
                            std::to_string(std::numeric_limits<std::int64_t>::max()) + ")");
    case element_type::DOUBLE: {
      // 1e9 is an integer written as a double: accept it when it is one exactly.
      const double d = v->get_double().value_unsafe();
      if (std::trunc(d) != d) return invalid_params(quoted(name) + " must be an integer, got " + std::to_string(d));
      if (d < -9.2233720368547758e18 || d >= 9.2233720368547758e18)
        return invalid_params(quoted(name) + " is out of range for a 64-bit integer");
      return static_cast<std::int64_t>(d);
    }
    case element_type::ARRAY:
    case element_type::OBJECT:
    case element_type::STRING:
    case element_type::BOOL:
    case element_type::NULL_VALUE:
      break;
  }
  return wrong_type(name, "an integer", *v);
}

rpc_result<std::optional<double>> params::optional_number(std::string_view name) const {
  auto v = get(name);
  if (!v || v->is_null()) return std::optional<double>();
  switch (v->type()) {
    case element_type::INT64: return std::optional<double>(static_cast<double>(v->get_int64().value_unsafe()));
    case element_type::UINT64: return std::optional<double>(static_cast<double>(v->get_uint64().value_unsafe()));
    case element_type::DOUBLE: return std::optional<double>(v->get_double().value_unsafe());
    default: return wrong_type(name, "a number", *v);
  }
}

rpc_result<std::optional<bool>> params::optional_bool(std::string_view name) const {
  auto v = get(name);
  if (!v || v->is_null()) return std::optional<bool>();
  if (!v->is_bool()) return wrong_type(name, "a boolean", *v);
  return std::optional<bool>(v->get_bool().value_unsafe());
}

rpc_result<std::vector<std::string>> params::string_list(std::string_view name) const {
  std::vector<std::string> out;
  auto v = get(name);
  if (!v || v->is_null()) return out;
  if (!v->is_array()) return wrong_type(name, "an array of strings", *v);
  std::size_t i = 0;
  const simdjson::dom::array items = v->get_array().value_unsafe();
  for (element item : items) {
    if (!item.is_string())
      return invalid_params(quoted(name) + "[" + std::to_string(i) + "] must be a string, got " +
                            std::string(type_name(item)));
    out.emplace_back(item.get_string().value_unsafe());
    ++i;
  }
  return out;
}

rpc_result<json::value> params::required_value(std::string_view name) const {
  auto v = get(name);
  if (!v) return missing(name);
  return to_boost_json(*v);
}

// --- dispatcher ---

void dispatcher::add(std::string method, std::vector<std::string> param_names, handler h) {
  methods_.insert_or_assign(std::move(method), method_entry{std::move(param_names), std::move(h)});
}

json::value error_response(const rpc_error& e, json::value id) {
  json::object error{{"code", e.code}, {"message", e.message}};
  if (!e.data.is_null()) error["data"] = e.data;
  return json::object{{"jsonrpc", "2.0"}, {"error", std::move(error)}, {"id", std::move(id)}};
}

std::string notification(std::string_view method, json::value params) {
  return json::serialize(json::object{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}});
}

std::optional<std::string> dispatcher::handle(std::string_view message) {
  // realloc_if_needed: simdjson reads past the end, so the text is copied into a padded
  // buffer (at most the 1 MiB message limit).
  thread_local simdjson::dom::parser parser;
  auto parsed = parser.parse(message.data(), message.size(), true);
  if (parsed.error())
    return json::serialize(error_response(
        {code::parse_error, std::string("Parse error: ") + simdjson::error_message(parsed.error()), nullptr},
        nullptr));
  element root = parsed.value_unsafe();
  if (!root.is_array()) {
    auto reply = handle_one(root);
    if (!reply) return std::nullopt;
    std::string text = json::serialize(*reply);
    if (text.size() > limits_.max_reply_bytes)
      return json::serialize(error_response(over_budget_error(text.size(), false), reply->as_object()["id"]));
    return text;
  }
  const simdjson::dom::array batch = root.get_array().value_unsafe();
  if (batch.size() == 0)
    return json::serialize(error_response(invalid_request("an empty batch"), nullptr));
  if (batch.size() > limits_.max_batch_entries)
    return json::serialize(error_response(
        invalid_request("a batch of " + std::to_string(batch.size()) + " requests exceeds the limit of " +
                        std::to_string(limits_.max_batch_entries) + " (--max-batch)"),
        nullptr));
  // The array's text is built reply by reply, so its size is known before it grows.
  std::string text = "[";
  bool any = false;
  bool spent = false;
  for (element request : batch) {
    std::optional<json::value> reply = spent ? refuse_over_budget(request) : handle_one(request);
    if (!reply) continue;
    std::string one = json::serialize(*reply);
    // 2: the "]" to close and the "," before a later reply.
    if (!spent && text.size() + one.size() + 2 > limits_.max_reply_bytes) {
      spent = true;
      one = json::serialize(error_response(over_budget_error(one.size(), true), reply->as_object()["id"]));
    }
    if (any) text += ',';
    text += one;
    any = true;
  }
  if (!any) return std::nullopt;  // a batch of notifications only
  text += ']';
  return text;
}

rpc_error dispatcher::over_budget_error(std::size_t reply_bytes, bool in_batch) const {
  std::string message = "reply budget exceeded: this reply (";
  message += std::to_string(reply_bytes);
  message += " bytes) would make the message larger than ";
  message += std::to_string(limits_.max_reply_bytes);
  message += " bytes (--max-reply-bytes)";
  if (in_batch) message += "; the batch's later requests were not run";
  return rpc_error{code::limit_exceeded, std::move(message), json::object{{"max_reply_bytes", limits_.max_reply_bytes}}};
}

std::optional<json::value> dispatcher::refuse_over_budget(element request) const {
  json::value id = nullptr;
  if (request.is_object()) {
    auto given = request.get_object().value_unsafe().at_key("id");
    if (given.error()) return std::nullopt;  // a notification: never answered
    const auto t = given.value_unsafe().type();
    if (t != element_type::ARRAY && t != element_type::OBJECT && t != element_type::BOOL)
      id = to_boost_json(given.value_unsafe());
  }
  return error_response(rpc_error{code::limit_exceeded,
                                  "not run: the replies of this batch reached the budget of " +
                                      std::to_string(limits_.max_reply_bytes) + " bytes (--max-reply-bytes)",
                                  json::object{{"max_reply_bytes", limits_.max_reply_bytes}}},
                        std::move(id));
}

std::optional<json::value> dispatcher::handle_one(element request) {
  if (!request.is_object())
    return error_response(invalid_request("expected a Request object, got " + std::string(type_name(request))),
                          nullptr);
  const simdjson::dom::object object = request.get_object().value_unsafe();

  // The id first, so that the errors below can echo it when it is readable.
  json::value id = nullptr;
  bool is_notification = true;
  if (auto given = object.at_key("id"); !given.error()) {
    element v = given.value_unsafe();
    const auto t = v.type();
    if (t == element_type::ARRAY || t == element_type::OBJECT || t == element_type::BOOL)
      return error_response(invalid_request("\"id\" must be a string, a number or null, got " +
                                            std::string(type_name(v))),
                            nullptr);
    id = to_boost_json(v);
    is_notification = false;
  }

  auto version = object.at_key("jsonrpc");
  if (version.error() || !version.value_unsafe().is_string() ||
      version.value_unsafe().get_string().value_unsafe() != "2.0")
    return error_response(invalid_request("\"jsonrpc\" must be exactly \"2.0\""), std::move(id));
  auto method = object.at_key("method");
  if (method.error()) return error_response(invalid_request("\"method\" is missing"), std::move(id));
  if (!method.value_unsafe().is_string())
    return error_response(invalid_request("\"method\" must be a string, got " +
                                          std::string(type_name(method.value_unsafe()))),
                          std::move(id));
  std::optional<element> given_params;
  if (auto p = object.at_key("params"); !p.error()) {
    element v = p.value_unsafe();
    if (!v.is_array() && !v.is_object())
      return error_response(invalid_request("\"params\" must be an array or an object, got " +
                                            std::string(type_name(v))),
                            std::move(id));
    given_params = v;
  }

  const std::string_view name = method.value_unsafe().get_string().value_unsafe();
  auto entry = methods_.find(name);
  rpc_result<json::value> outcome = rpc_error{};
  if (entry == methods_.end()) {
    outcome = rpc_error{code::method_not_found, "Method not found: '" + std::string(name) + "'", nullptr};
  } else if (auto bound = params::bind(entry->second.param_names, given_params); !bound) {
    outcome = bound.error();
  } else {
    try {
      outcome = entry->second.fn(*bound);
    } catch (const std::exception& e) {
      outcome = rpc_error{code::internal_error, std::string("Internal error: ") + e.what(), nullptr};
    }
  }
  if (is_notification) return std::nullopt;
  if (!outcome) return error_response(outcome.error(), std::move(id));
  return json::object{{"jsonrpc", "2.0"}, {"result", std::move(*outcome)}, {"id", std::move(id)}};
}

std::optional<std::string> error_replies(std::string_view message, const rpc_error& e) {
  simdjson::dom::parser parser;
  auto parsed = parser.parse(message.data(), message.size(), true);
  if (parsed.error()) return json::serialize(error_response(e, nullptr));
  auto id_of = [](element request) -> std::optional<json::value> {
    auto id = request["id"];
    if (id.error()) return std::nullopt;  // a notification: no reply
    return to_boost_json(id.value_unsafe());
  };
  element root = parsed.value_unsafe();
  if (!root.is_array()) {
    auto id = id_of(root);
    if (!id) return std::nullopt;
    return json::serialize(error_response(e, std::move(*id)));
  }
  json::array replies;
  const simdjson::dom::array batch = root.get_array().value_unsafe();
  for (element request : batch)
    if (auto id = id_of(request)) replies.push_back(error_response(e, std::move(*id)));
  if (replies.empty()) return std::nullopt;
  return json::serialize(replies);
}

}  // namespace tessera::server::jsonrpc
